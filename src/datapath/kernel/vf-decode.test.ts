/**
 * The link decoder's SR-IOV part (IFLA_NUM_VF, IFLA_VFINFO_LIST), against a reply built here byte
 * by byte in the layout of linux/if_link.h, in the attribute order the kernel's rtnl_fill_vfinfo
 * uses. No capture: the lab has no SR-IOV NIC, and a veth (no parent device) sends neither
 * attribute even when RTEXT_FILTER_VF is asked for.
 */
import { describe, expect, it } from 'vitest';
import { netlinkAddon } from './native.js';

const addon = netlinkAddon();

// linux/rtnetlink.h, linux/if_link.h, linux/if_ether.h
const RTM_NEWLINK = 16;
const IFLA_ADDRESS = 1;
const IFLA_IFNAME = 3;
const IFLA_NUM_VF = 21;
const IFLA_VFINFO_LIST = 22;
const IFLA_VF_INFO = 1;
const IFLA_VF_MAC = 1;
const IFLA_VF_VLAN = 2;
const IFLA_VF_TX_RATE = 3;
const IFLA_VF_SPOOFCHK = 4;
const IFLA_VF_LINK_STATE = 5;
const IFLA_VF_RATE = 6;
const IFLA_VF_RSS_QUERY_EN = 7;
const IFLA_VF_STATS = 8;
const IFLA_VF_TRUST = 9;
const IFLA_VF_VLAN_LIST = 12;
const IFLA_VF_BROADCAST = 13;
const IFLA_VF_VLAN_INFO = 1;
const IFLA_VF_STATS_RX_PACKETS = 0;
const ETH_P_8021Q = 0x8100;
const ETH_P_8021AD = 0x88a8;
const IFLA_VF_LINK_STATE_ENABLE = 1;
const IFLA_VF_LINK_STATE_DISABLE = 2;

/** One rtattr: u16 len, u16 type, payload padded to 4. */
function nla(type: number, payload: Buffer): Buffer {
  const len = 4 + payload.length;
  const out = Buffer.alloc((len + 3) & ~3);
  out.writeUInt16LE(len, 0);
  out.writeUInt16LE(type, 2);
  payload.copy(out, 4);
  return out;
}
const nest = (type: number, ...attrs: Buffer[]) => nla(type, Buffer.concat(attrs));
/** A struct of u32 fields in host (little-endian) order. */
function u32s(...v: number[]): Buffer {
  const b = Buffer.alloc(4 * v.length);
  v.forEach((x, i) => b.writeUInt32LE(x >>> 0, 4 * i));
  return b;
}
function macBytes(mac: string, size: number): Buffer {
  const b = Buffer.alloc(size);
  Buffer.from(mac.replaceAll(':', ''), 'hex').copy(b);
  return b;
}
/** struct ifla_vf_mac { __u32 vf; __u8 mac[32]; } */
const vfMac = (vf: number, mac: string) => Buffer.concat([u32s(vf), macBytes(mac, 32)]);
/** struct ifla_vf_vlan_info { __u32 vf, vlan, qos; __be16 vlan_proto; } (16 with padding) */
function vlanInfo(vf: number, vlan: number, qos: number, proto: number): Buffer {
  const b = Buffer.alloc(16);
  u32s(vf, vlan, qos).copy(b);
  b.writeUInt16BE(proto, 12);
  return b;
}

interface VfBytes { vf: number; mac: string; vlan: number; qos: number; proto: number; min: number; max: number; spoofchk: number; linkState: number; trust: number }
function vfInfo(v: VfBytes): Buffer {
  return nest(
    IFLA_VF_INFO,
    nla(IFLA_VF_MAC, vfMac(v.vf, v.mac)),
    // struct ifla_vf_broadcast { __u8 broadcast[32]; }
    nla(IFLA_VF_BROADCAST, macBytes('ff:ff:ff:ff:ff:ff', 32)),
    nla(IFLA_VF_VLAN, u32s(v.vf, v.vlan, v.qos)),
    nla(IFLA_VF_RATE, u32s(v.vf, v.min, v.max)),
    // The kernel reports the legacy rate as the max.
    nla(IFLA_VF_TX_RATE, u32s(v.vf, v.max)),
    nla(IFLA_VF_SPOOFCHK, u32s(v.vf, v.spoofchk)),
    nla(IFLA_VF_LINK_STATE, u32s(v.vf, v.linkState)),
    nla(IFLA_VF_RSS_QUERY_EN, u32s(v.vf, 0)),
    nla(IFLA_VF_TRUST, u32s(v.vf, v.trust)),
    nest(IFLA_VF_VLAN_LIST, nla(IFLA_VF_VLAN_INFO, vlanInfo(v.vf, v.vlan, v.qos, v.proto))),
    nest(IFLA_VF_STATS, nla(IFLA_VF_STATS_RX_PACKETS, Buffer.alloc(8))),
  );
}

function newlink(attrs: Buffer[], index = 4): Buffer {
  const body = Buffer.concat([Buffer.alloc(16), ...attrs]);
  body.writeInt32LE(index, 4); // ifinfomsg.ifi_index
  const hdr = Buffer.alloc(16);
  hdr.writeUInt32LE(16 + body.length, 0);
  hdr.writeUInt16LE(RTM_NEWLINK, 4);
  return Buffer.concat([hdr, body]);
}

function decodeLink(buf: Buffer): Record<string, unknown> {
  const [m] = addon.decodeMessages(buf);
  expect(m.kind).toBe('link');
  return m.value!;
}

describe('IFLA_NUM_VF and IFLA_VFINFO_LIST in the link decoder', () => {
  const pf = [nla(IFLA_IFNAME, Buffer.from('ens1f0\0')), nla(IFLA_ADDRESS, Buffer.from('b8cef6000001', 'hex'))];

  it('reads each VF: mac, vlan/qos/proto, rates, spoofchk, trust, link state', () => {
    const list = nest(
      IFLA_VFINFO_LIST,
      vfInfo({ vf: 0, mac: '02:02:0a:00:00:05', vlan: 20, qos: 2, proto: ETH_P_8021Q, min: 50, max: 500, spoofchk: 1, linkState: IFLA_VF_LINK_STATE_ENABLE, trust: 0 }),
      vfInfo({ vf: 1, mac: '00:00:00:00:00:00', vlan: 30, qos: 0, proto: ETH_P_8021AD, min: 0, max: 0, spoofchk: 0xffffffff, linkState: IFLA_VF_LINK_STATE_DISABLE, trust: 1 }),
    );
    const l = decodeLink(newlink([...pf, nla(IFLA_NUM_VF, u32s(2)), list]));
    expect(l.name).toBe('ens1f0');
    expect(l.numVf).toBe(2);
    expect(l.vfs).toEqual([
      { vf: 0, mac: '02:02:0a:00:00:05', vlan: 20, qos: 2, vlanProto: '802.1Q', txRate: 500, minTxRate: 50, maxTxRate: 500, spoofchk: true, trust: false, linkState: 'enable' },
      // spoofchk -1: the driver does not report it.
      { vf: 1, mac: '00:00:00:00:00:00', vlan: 30, qos: 0, vlanProto: '802.1ad', txRate: 0, minTxRate: 0, maxTxRate: 0, trust: true, linkState: 'disable' },
    ]);
  });

  it('a PF with SR-IOV disabled: IFLA_NUM_VF 0 and an empty list', () => {
    const l = decodeLink(newlink([...pf, nla(IFLA_NUM_VF, u32s(0)), nest(IFLA_VFINFO_LIST)]));
    expect(l.numVf).toBe(0);
    expect(l.vfs).toEqual([]);
  });

  it('a link without the attributes (a veth) has neither field', () => {
    const l = decodeLink(newlink(pf));
    expect(l).not.toHaveProperty('numVf');
    expect(l).not.toHaveProperty('vfs');
  });

  it('a truncated struct is skipped, not read past its end', () => {
    const short = nest(IFLA_VFINFO_LIST, nest(IFLA_VF_INFO, nla(IFLA_VF_MAC, u32s(3).subarray(0, 4)), nla(IFLA_VF_TRUST, u32s(3, 1))));
    const l = decodeLink(newlink([...pf, short]));
    expect(l.vfs).toEqual([{ vf: 3, trust: true }]);
  });
});
