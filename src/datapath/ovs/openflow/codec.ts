/** Pure codec entry points (encode/decode single messages), backed by the C++ codec. */
import { openflowNative } from './native.js';
import { OFP13_VERSION } from './constants.js';
import type { DecodedMessage, FlowFilter, FlowMod, GroupMod } from './types.js';

/** Encodes one OFPT_FLOW_MOD. */
export function encodeFlowMod(m: FlowMod, xid: number, version: number = OFP13_VERSION): Buffer {
  return openflowNative().encodeFlowMod(m, xid, version);
}

/** Encodes one OFPT_GROUP_MOD. */
export function encodeGroupMod(m: GroupMod, xid: number, version: number = OFP13_VERSION): Buffer {
  return openflowNative().encodeGroupMod(m, xid, version);
}

/** Encodes an OFPT_HELLO offering `versions` through a version bitmap. */
export function encodeHello(versions: number[], xid: number): Buffer {
  return openflowNative().encodeHello(versions, xid);
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

/** Encodes an OpenFlow 1.4 OFPT_BUNDLE_CONTROL. */
export function encodeBundleControl(xid: number, bundleId: number, type: number, flags: number, version = 0x05): Buffer {
  return openflowNative().encodeBundleControl(version, xid, bundleId, type, flags);
}

/** Decodes one complete message (header + body). Throws RangeError on malformed bytes. */
export function decodeMessage(buf: Buffer): DecodedMessage {
  return openflowNative().decodeMessage(buf);
}
