/** Typed view of the np_netlink addon, loaded on first use. */
import { loadNative } from '../../native/load.js';

/** An error object as native/common/errors.h builds it. */
export interface NativeError extends Error {
  code: string;
  errno?: number;
  syscall?: string;
  extack?: string;
}

/** One received message as the addon's rtnetlink decoders read it. */
export interface DecodedMessage {
  type: number;
  /** nlmsg_flags of the message (NLM_F_MULTI, NLM_F_DUMP_INTR, ...). */
  flags: number;
  kind: 'link' | 'addr' | 'route' | 'fdb' | 'other';
  value?: Record<string, unknown>;
}

/** One request of an exchange: a field-level spec the addon encodes (see native/netlink/request_spec.h). */
export interface Step {
  /** Namespace file; '' or undefined = the worker's own namespace. */
  netns?: string;
  /** NETLINK_ROUTE or NETLINK_GENERIC. */
  protocol: number;
  spec: Record<string, unknown>;
  /** Names the request in errors ('RTM_NEWLINK'). */
  label: string;
  /** Bits OR'ed into nlmsg_flags (e.g. NLM_F_ECHO). */
  flags?: number;
  /** Also return each reply's bytes (for the genl decoders). */
  raw?: boolean;
}

/** What came back for one step: its replies until the ack / NLMSG_DONE, or its error. */
export type StepResult =
  | { ok: true; messages: DecodedMessage[]; doneFlags: number; raw?: Buffer[] }
  | { ok: false; error: NativeError };

/** Sockets per (namespace, protocol), used by one exchange at a time. */
export interface NativeSession {
  /** Sends the steps in order on one libuv worker; resolves with one result per step. */
  exchange(steps: Step[]): Promise<StepResult[] & { workerNetnsInode: number }>;
  /** Closes the sockets (after the running exchange, if any). */
  close(): void;
}

/** What np_netlink exports. */
export interface NetlinkAddon {
  Session: new () => NativeSession;
  /** Inode of the calling thread's network namespace. */
  threadNetnsInode(): number;
  /**
   * Opens `path` as the agent opens namespace files (O_NONBLOCK|O_NOFOLLOW, then fstatfs: nsfs
   * only) on a worker and gives the namespace's identity; rejects with NP_NETNS_INVALID or
   * NP_NATIVE_SYSCALL (errno, syscall).
   */
  checkNetns(path: string): Promise<{ dev: number; ino: number }>;
  /** Pure request builder (see native/netlink/request_spec.h for the spec fields). */
  buildRequest(spec: Record<string, unknown>): Buffer;
  /** Pure decoder of RTM_NEWLINK/NEWADDR/NEWROUTE and AF_BRIDGE RTM_NEWNEIGH (fdb) messages. */
  decodeMessages(buf: Buffer): DecodedMessage[];
  /** CTRL_ATTR_FAMILY_ID of a generic-netlink controller reply (0 when absent). */
  decodeFamilyId(buf: Buffer): number;
  /** Combines an ETHTOOL_MSG_STRSET_GET reply and an ETHTOOL_MSG_FEATURES_GET reply. */
  decodeFeatures(strset: Buffer, features: Buffer): Record<string, { active: boolean; changeable: boolean }>;
  /** Pure TLV decoder; `ok` false when the run is malformed. */
  attrDecode(buf: Buffer): { ok: boolean; attrs: Array<{ type: number; data: Buffer }> };
  /** Pure TLV encoder. */
  attrEncode(attrs: Array<{ type: number; data: Buffer }>): Buffer;
  /** Kernel header values, for checking the TypeScript copies in constants.ts. */
  constants: Record<string, number>;
}

let addon: NetlinkAddon | undefined;

/** Returns the loaded addon (loading it the first time). */
export function netlinkAddon(): NetlinkAddon {
  addon ??= loadNative<NetlinkAddon>('np_netlink');
  return addon;
}
