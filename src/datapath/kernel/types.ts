/** Shapes of the kernel datapath API: operations on links, addresses, routes and offloads. */

/** Path to a network-namespace file (`/proc/<pid>/ns/net`, `/run/netns/<name>`, ...); undefined = the caller's namespace. */
export type Netns = string | undefined;

/** One network interface as the kernel reports it. */
export interface LinkInfo {
  index: number;
  name: string;
  mtu: number;
  mac: string;
  up: boolean;
  operUp: boolean;
  kind?: string;
  masterIndex?: number;
  /** IFLA_LINK: for a veth, the peer's index (in the peer's namespace). */
  peerIndex?: number;
  /** The vxlan settings, for links of kind 'vxlan'. */
  vxlan?: VxlanInfo;
  /** IFLA_NUM_VF: VFs enabled on this PF (sent only for devices on a bus, e.g. PCI NICs). */
  numVf?: number;
  /** IFLA_VFINFO_LIST: the state of each VF (only drivers with VF support send it). */
  vfs?: VfInfo[];
}

/** The VLAN protocol of a VF's port VLAN, as `ip link ... vf N proto` spells it. */
export type VfVlanProto = '802.1Q' | '802.1ad';

/** IFLA_VF_LINK_STATE_AUTO / ENABLE / DISABLE, as `ip link ... vf N state` spells them. */
export type VfLinkState = 'auto' | 'enable' | 'disable';

/** What vfSet changes on one VF: only the fields given are sent. */
export interface VfSettings {
  /** The VF number on its PF (`ip link set PF vf N`). */
  vf: number;
  /** The VF's administrative MAC. */
  mac?: string;
  /** Port VLAN 0-4095 (0 = none), with priority `qos` 0-7 and `vlanProto` (default 802.1Q). */
  vlan?: number;
  qos?: number;
  vlanProto?: VfVlanProto;
  /** Legacy max rate in Mbit/s (IFLA_VF_TX_RATE, `ip link ... rate N`); not with min/maxTxRate. */
  txRate?: number;
  /** IFLA_VF_RATE in Mbit/s: both are sent, an unset one as 0; min <= max unless max is 0 (no limit). */
  minTxRate?: number;
  maxTxRate?: number;
  spoofchk?: boolean;
  trust?: boolean;
  linkState?: VfLinkState;
}

/**
 * The state of one SR-IOV virtual function as its PF reports it (the fields vfSet sets; absent
 * ones were not reported). A link state newer than this build knows arrives as its number.
 */
export type VfInfo = Omit<VfSettings, 'linkState'> & { linkState?: VfLinkState | number };

/** The settings of a kernel vxlan device (IFLA_INFO_DATA). */
export interface VxlanInfo {
  vni: number;
  local?: string;
  dstPort: number;
  learning: boolean;
  /** The outer header's TOS is copied from the inner packet (`tos inherit`). */
  tosInherit: boolean;
}

/** One forwarding entry of a device's own FDB (`bridge fdb show dev X`). */
export interface FdbEntry {
  mac: string;
  /** The remote tunnel endpoint, when the entry has one. */
  dst?: string;
  permanent: boolean;
}

/** One interface address. */
export interface AddrInfo {
  name: string;
  index: number;
  cidr: string;
  family: 4 | 6;
}

/** One unicast route of the main table. */
export interface RouteInfo {
  /** 'default' or a CIDR. */
  dst: string;
  gateway?: string;
  dev?: string;
  table: number;
  /** rtm_protocol: who installed the route (2 kernel, 3 boot, ...; see /etc/iproute2/rt_protos). */
  protocol?: number;
}

/** The state of one ethtool feature, keyed by its `ethtool -k` name. */
export interface FeatureState {
  active: boolean;
  changeable: boolean;
}

/** One kernel operation; a batch runs a list of them in order on one worker thread. */
export type NetlinkOp =
  | { op: 'createVeth'; netns?: Netns; name: string; peerName: string; peerNetns?: Netns; mtu?: number; mac?: string; peerMac?: string }
  | { op: 'linkSet'; netns?: Netns; name: string; up?: boolean; mtu?: number; mac?: string; newName?: string; moveToNetns?: Netns }
  | { op: 'linkDel'; netns?: Netns; name: string; ignoreMissing?: boolean }
  | { op: 'linkGet'; netns?: Netns; name: string }
  | { op: 'linkList'; netns?: Netns }
  | { op: 'addrAdd'; netns?: Netns; name: string; cidr: string }
  | { op: 'addrDel'; netns?: Netns; name: string; cidr: string; ignoreMissing?: boolean }
  | { op: 'addrList'; netns?: Netns; name?: string }
  | { op: 'routeReplace'; netns?: Netns; dst: string; gateway?: string; dev?: string; protocol?: number }
  | { op: 'routeDel'; netns?: Netns; dst: string; gateway?: string; dev?: string; protocol?: number; ignoreMissing?: boolean }
  | { op: 'routeList'; netns?: Netns }
  | { op: 'featuresGet'; netns?: Netns; name: string }
  | { op: 'featuresSet'; netns?: Netns; name: string; features: Record<string, boolean> }
  | { op: 'createVxlan'; netns?: Netns; name: string; vni: number; local?: string; dev?: string; dstPort?: number; learning?: boolean; tosInherit?: boolean; mtu?: number }
  | { op: 'fdbAppend'; netns?: Netns; dev: string; mac: string; dst: string }
  | { op: 'fdbDel'; netns?: Netns; dev: string; mac: string; dst: string; ignoreMissing?: boolean }
  | { op: 'fdbList'; netns?: Netns; dev: string }
  | ({ op: 'vfSet'; netns?: Netns; /** The PF. */ name: string } & VfSettings);

/** The error of a failed operation: a NetpluginError with the kernel's details. */
export type OpError = Error & { code: string; errno?: number; syscall?: string; extack?: string };

/** The outcome of one operation of a batch. */
export type OpResult = { ok: true; value?: unknown } | { ok: false; error: OpError };
