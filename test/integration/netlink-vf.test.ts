/**
 * The kernel's own parser on every vfSet request: sent to a veth standing in for an SR-IOV PF,
 * a well-formed VF request is parsed and then refused by the driver (EOPNOTSUPP, 95), never
 * ERANGE/EINVAL (malformed). Root; one throwaway namespace (np-nl-vf<rand>), no OVS, deleted in
 * afterAll. The positive control sends the same bytes with IFLA_VF_MAC cut short through a raw
 * socket (python3) and must get ERANGE or EINVAL back.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { netlinkAddon } from '../../src/datapath/kernel/native.js';
import { createVeth, linkGet, vfSet, type OpError } from '../../src/datapath/kernel/index.js';
import { VF_CASES } from '../helpers/vf-cases.js';

const ns = `np-nl-vf${randomBytes(3).toString('hex')}`;
const NS = `/run/netns/${ns}`;
const PF = 'pf0';
const EOPNOTSUPP = 95;
const ERANGE = 34;
const EINVAL = 22;
// linux/if_link.h
const IFLA_VFINFO_LIST = 22;
const IFLA_VF_INFO = 1;
const IFLA_VF_MAC = 1;
let pfIndex = 0;

// Sends one netlink message (hex, argv[1]) on a NETLINK_ROUTE socket with extended acks and
// prints the ack's error and extack message as JSON.
const RAW_SEND = `
import json, socket, struct, sys
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
s.setsockopt(270, 11, 1)  # SOL_NETLINK, NETLINK_EXT_ACK
msg = bytearray(bytes.fromhex(sys.argv[1]))
struct.pack_into('=I', msg, 8, 4242)
s.send(bytes(msg))
r = s.recv(65536)
ln, typ, flags = struct.unpack_from('=IHH', r, 0)
assert typ == 2, typ  # NLMSG_ERROR
err = struct.unpack_from('=i', r, 16)[0]
extack = None
if flags & 0x200:  # NLM_F_ACK_TLVS
  off = 20 + (16 if flags & 0x100 else struct.unpack_from('=I', r, 20)[0])
  while off + 4 <= ln:
    alen, atyp = struct.unpack_from('=HH', r, off)
    if alen < 4: break
    if atyp == 1: extack = r[off + 4:off + alen].split(b'\\0')[0].decode()
    off += (alen + 3) & ~3
print(json.dumps({'errno': -err, 'extack': extack}))
`;

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}
function rawSend(msg: Buffer): { errno: number; extack: string | null } {
  return JSON.parse(sh('ip', ['netns', 'exec', ns, 'python3', '-c', RAW_SEND, msg.toString('hex')])) as { errno: number; extack: string | null };
}
function nla(type: number, payload: Buffer): Buffer {
  const out = Buffer.alloc((4 + payload.length + 3) & ~3);
  out.writeUInt16LE(4 + payload.length, 0);
  out.writeUInt16LE(type, 2);
  payload.copy(out, 4);
  return out;
}
/** RTM_NEWLINK on the PF whose VF list holds one IFLA_VF_MAC with `macPayload` bytes of struct ifla_vf_mac. */
function vfMacRequest(macPayload: number): Buffer {
  const head = netlinkAddon().buildRequest({ op: 'vfSet', index: pfIndex, vf: 0, trust: true }).subarray(0, 32);
  const mac = Buffer.alloc(36);
  mac.writeUInt8(0x02, 4);
  const body = nla(IFLA_VFINFO_LIST, nla(IFLA_VF_INFO, nla(IFLA_VF_MAC, mac.subarray(0, macPayload))));
  const msg = Buffer.concat([head, body]);
  msg.writeUInt32LE(msg.length, 0);
  return msg;
}
async function rejection(p: Promise<unknown>): Promise<OpError> {
  try {
    await p;
  } catch (e) {
    return e as OpError;
  }
  throw new Error('expected the call to reject');
}

beforeAll(async () => {
  sh('ip', ['netns', 'add', ns]);
  await createVeth({ netns: NS, name: PF, peerName: 'pf0peer' });
  pfIndex = (await linkGet({ netns: NS, name: PF }))!.index;
});

afterAll(() => {
  try {
    sh('ip', ['netns', 'del', ns]);
  } catch {
    /* not created */
  }
});

describe('the kernel parses every vfSet request and only the driver refuses it', () => {
  it.each(VF_CASES)('%s: EOPNOTSUPP with code, errno, syscall and the kernel extack', async (_name, settings) => {
    const e = await rejection(vfSet({ netns: NS, name: PF, ...settings }));
    expect(e.code).toBe('NP_NETLINK');
    expect(e.errno).toBe(EOPNOTSUPP);
    expect(e.syscall).toBe('RTM_NEWLINK');
    expect(e.message).toContain(`${PF} vf ${settings.vf}`);
    // The same bytes on a raw socket: the addon's error carries exactly the extack the kernel sent.
    const raw = rawSend(netlinkAddon().buildRequest({ op: 'vfSet', index: pfIndex, ...settings }));
    expect(raw.errno).toBe(EOPNOTSUPP);
    expect(e.extack).toBe(raw.extack ?? undefined);
    if (raw.extack) expect(e.message).toContain(raw.extack);
  });

  it('positive control: IFLA_VF_MAC cut short is refused as malformed (ERANGE/EINVAL), the full struct is not', () => {
    const full = rawSend(vfMacRequest(36));
    const truncated = rawSend(vfMacRequest(4));
    expect(full.errno).toBe(EOPNOTSUPP);
    expect([ERANGE, EINVAL]).toContain(truncated.errno);
  });

  it('bad settings are refused before anything reaches the kernel, naming the field', async () => {
    const e = await rejection(vfSet({ netns: NS, name: PF, vf: 0, vlan: 4096 }));
    expect(e.code).toBe('NP_INVALID_ARGUMENT');
    expect(e.message).toMatch(/vlan 4096/);
  });

  it('a veth reports no VF state even though RTEXT_FILTER_VF is asked for (no parent device)', async () => {
    const l = await linkGet({ netns: NS, name: PF });
    expect(l).toBeDefined();
    expect(l!.numVf).toBeUndefined();
    expect(l!.vfs).toBeUndefined();
  });
});
