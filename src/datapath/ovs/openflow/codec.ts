/** Pure codec entry points (encode/decode messages and batches), backed by the C++ byte codec. */
import { openflowNative, type BatchOptions } from './native.js';
import { OFP13_VERSION, OFPBCT_COMMIT_REQUEST, OFPBCT_OPEN_REQUEST, OFPBF_ATOMIC, OFPBF_ORDERED, OFPM_ALL, OFPMP_METER, OFPMP_METER_CONFIG } from './constants.js';
import type { DecodedMessage, FlowFilter, FlowMod, GroupMod, MeterConfig, MeterMod, MeterStats, PacketOut } from './types.js';
import { FlowModPacker } from './pack.js';

let packer: FlowModPacker | undefined;

/** Encodes one OFPT_FLOW_MOD. */
export function encodeFlowMod(m: FlowMod, xid: number, version: number = OFP13_VERSION): Buffer {
  return openflowNative().encodeFlowMod(m, xid, version);
}

/** Encodes one OFPT_GROUP_MOD. */
export function encodeGroupMod(m: GroupMod, xid: number, version: number = OFP13_VERSION): Buffer {
  return openflowNative().encodeGroupMod(m, xid, version);
}

/** Encodes one OFPT_METER_MOD. */
export function encodeMeterMod(m: MeterMod, xid: number, version: number = OFP13_VERSION): Buffer {
  return openflowNative().encodeMeterMod(m, xid, version);
}

/** Encodes one OFPT_PACKET_OUT (no switch buffer: the frame travels in the message). */
export function encodePacketOut(p: PacketOut, xid: number, version: number = OFP13_VERSION): Buffer {
  return openflowNative().encodePacketOut(p, xid, version);
}

/** Encodes an OFPT_SET_CONFIG: fragment handling `flags` (OFPC_FRAG_*) and the bytes of a table-miss packet-in. */
export function encodeSetConfig(xid: number, flags: number, missSendLen: number, version: number = OFP13_VERSION): Buffer {
  return openflowNative().encodeSetConfig(version, xid, flags, missSendLen);
}

/** Encodes an OFPT_HELLO offering `versions` through a version bitmap; the header carries the highest. */
export function encodeHello(versions: number[], xid: number): Buffer {
  return openflowNative().encodeHello(Math.max(0, ...versions), versions, xid);
}

/**
 * Encodes a batch: groups then flows numbered from firstXid, then a barrier if asked.
 * With bundleId: OPEN at firstXid (unless bundleOpen is false: a later chunk of the same bundle), one
 * BUNDLE_ADD per mod, then a barrier if asked, else COMMIT (unless bundleCommit is false). The barrier lets
 * the caller see every add's error before choosing COMMIT or DISCARD: OVS rejects a bad add yet would commit
 * the rest. A mod that does not encode throws TypeError naming its index in the caller's whole list
 * (groupIndexBase/flowIndexBase: the chunk's offsets).
 */
export function encodeBatch(o: BatchOptions): Buffer {
  const nat = openflowNative();
  const version = o.version ?? OFP13_VERSION;
  const bundled = o.bundleId !== undefined;
  const bundleFlags = o.bundleFlags ?? OFPBF_ATOMIC | OFPBF_ORDERED;
  const groups = o.groupMods ?? [];
  const flows = o.flowMods ?? [];
  let xid = o.firstXid;
  const parts: Buffer[] = [];
  if (bundled && o.bundleOpen !== false) parts.push(nat.encodeBundleControl(version, xid++, o.bundleId!, OFPBCT_OPEN_REQUEST, bundleFlags));
  const mods = (kind: 'group' | 'flow', list: GroupMod[] | FlowMod[], base: number) => {
    if (list.length === 0) return;
    const opts = { version, firstXid: xid, ...(bundled ? { bundleId: o.bundleId, bundleFlags } : {}) };
    try {
      if (kind === 'flow') {
        // Flat layout: the encoder reads typed arrays instead of making N-API calls per property.
        packer ??= new FlowModPacker(nat.matchFields());
        const packed = packer.pack(list as FlowMod[]);
        parts.push(nat.encodeFlowModsPacked(packed.words, packed.wide, list as FlowMod[], opts));
      } else {
        parts.push(nat.encodeModList(kind, list, opts));
      }
    } catch (e) {
      const err = e as TypeError & { index?: number; reason?: string };
      if (typeof err.index !== 'number') throw e;
      throw new TypeError(`OpenFlow encode: ${kind}Mods[${base + err.index}]: ${err.reason}`);
    }
    xid += list.length;
  };
  mods('group', groups, o.groupIndexBase ?? 0);
  mods('flow', flows, o.flowIndexBase ?? 0);
  if (o.barrier) parts.push(nat.encodeBarrierRequest(version, xid++));
  else if (bundled && o.bundleCommit !== false) parts.push(nat.encodeBundleControl(version, xid++, o.bundleId!, OFPBCT_COMMIT_REQUEST, bundleFlags));
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}

/** Encodes an OFPT_BARRIER_REQUEST. */
export function encodeBarrierRequest(xid: number, version: number = OFP13_VERSION): Buffer {
  return openflowNative().encodeBarrierRequest(version, xid);
}

/** Encodes an OFPT_FEATURES_REQUEST. */
export function encodeFeaturesRequest(xid: number, version: number = OFP13_VERSION): Buffer {
  return openflowNative().encodeFeaturesRequest(version, xid);
}

/** Encodes an OFPT_ECHO_REQUEST with optional payload. */
export function encodeEchoRequest(xid: number, data?: Buffer, version: number = OFP13_VERSION): Buffer {
  return openflowNative().encodeEchoRequest(version, xid, data);
}

/** Encodes an OFPMP_FLOW multipart request. */
export function encodeFlowStatsRequest(xid: number, filter?: FlowFilter, version: number = OFP13_VERSION): Buffer {
  return openflowNative().encodeFlowStatsRequest(version, xid, filter);
}

/** Encodes an OFPMP_GROUP_DESC multipart request. */
export function encodeGroupDescRequest(xid: number, version: number = OFP13_VERSION): Buffer {
  return openflowNative().encodeGroupDescRequest(version, xid);
}

/** Encodes an OFPMP_METER (meter statistics) request for one meter, or every meter with OFPM_ALL. */
export function encodeMeterStatsRequest(xid: number, meterId: number = OFPM_ALL, version: number = OFP13_VERSION): Buffer {
  return openflowNative().encodeMeterRequest(version, xid, OFPMP_METER, meterId);
}

/** Encodes an OFPMP_METER_CONFIG request for one meter, or every meter with OFPM_ALL. */
export function encodeMeterConfigRequest(xid: number, meterId: number = OFPM_ALL, version: number = OFP13_VERSION): Buffer {
  return openflowNative().encodeMeterRequest(version, xid, OFPMP_METER_CONFIG, meterId);
}

/** Encodes one OFPMP_METER reply as a switch sends it (`flags`: OFPMPF_REPLY_MORE when more parts follow); for tests and fakes. */
export function encodeMeterStatsReply(xid: number, meters: MeterStats[], flags = 0, version: number = OFP13_VERSION): Buffer {
  return openflowNative().encodeMeterStatsReply(version, xid, meters, flags);
}

/** Encodes one OFPMP_METER_CONFIG reply as a switch sends it (`flags`: OFPMPF_REPLY_MORE when more parts follow); for tests and fakes. */
export function encodeMeterConfigReply(xid: number, meters: MeterConfig[], flags = 0, version: number = OFP13_VERSION): Buffer {
  return openflowNative().encodeMeterConfigReply(version, xid, meters, flags);
}

/** Encodes an OpenFlow 1.4 OFPT_BUNDLE_CONTROL. */
export function encodeBundleControl(xid: number, bundleId: number, type: number, flags: number, version = 0x05): Buffer {
  return openflowNative().encodeBundleControl(version, xid, bundleId, type, flags);
}

/** Decodes one complete message (header + body). Throws RangeError on malformed bytes. */
export function decodeMessage(buf: Buffer): DecodedMessage {
  return openflowNative().decodeMessage(buf);
}
