/** OpenFlow 1.3/1.4 for the OVS datapath: types, constants, codec entry points and the connection. */
export * from './types.js';
export * from './constants.js';
export { canonicalFlow, canonicalMatch, canonicalAction, fieldBits } from './canonical.js';
export {
  encodeFlowMod,
  encodeGroupMod,
  encodeHello,
  encodeBarrierRequest,
  encodeFeaturesRequest,
  encodeEchoRequest,
  encodeFlowStatsRequest,
  encodeGroupDescRequest,
  encodeBundleControl,
  encodeBatch,
  decodeMessage,
} from './codec.js';
export { OpenFlowConnection, type ConnectOptions, type BatchFailure } from './connection.js';
export type { ConnectionStats } from './native.js';
