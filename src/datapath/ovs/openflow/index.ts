/** OpenFlow 1.3/1.4 for the OVS datapath: types, constants, codec entry points and the connection. */
export * from './types.js';
export * from './constants.js';
export { fieldBits } from './fields.js';
export {
  flowModToString,
  flowStatsToString,
  groupModToString,
  matchToString,
  actionToString,
  instructionsToString,
  type FlowText,
  type FlowFormatOptions,
  type FlowStatsFormatOptions,
} from './format.js';
export { meterModToString, meterConfigToString, meterStatsToString } from './meter-format.js';
export { packetOutToString } from './packet-out-format.js';
export {
  encodeFlowMod,
  encodeGroupMod,
  encodeMeterMod,
  encodePacketOut,
  encodeSetConfig,
  encodeHello,
  encodeBarrierRequest,
  encodeFeaturesRequest,
  encodeEchoRequest,
  encodeFlowStatsRequest,
  encodeGroupDescRequest,
  encodeMeterStatsRequest,
  encodeMeterConfigRequest,
  encodeMeterStatsReply,
  encodeMeterConfigReply,
  encodeBundleControl,
  encodeBatch,
  decodeMessage,
} from './codec.js';
export type { AtomicBatch, OpenFlowSwitch } from './switch.js';
export { OpenFlowConnection, type ConnectOptions, type BatchFailure } from './connection.js';
export type { ConnectionStats } from './native.js';
