/** Typed view of the np_openflow addon (native/openflow): codec functions and the socket transport. */
import { loadNative } from '../../../native/load.js';
import type { DecodedMessage, FlowFilter, FlowMod, GroupMod, MeterConfig, MeterMod, MeterStats, PacketOut } from './types.js';
import type { NativeMatchField } from './pack.js';

/** Options of the batch encoder (encodeBatch in codec.ts, which documents the xid numbering). */
export interface BatchOptions {
  version: number;
  firstXid: number;
  groupMods?: GroupMod[];
  flowMods?: FlowMod[];
  barrier?: boolean;
  bundleId?: number;
  bundleFlags?: number;
  /** Bundle only: send OFPBCT_OPEN_REQUEST first (default true; false for later chunks). */
  bundleOpen?: boolean;
  /** Bundle only, without barrier: end with OFPBCT_COMMIT_REQUEST (default true). */
  bundleCommit?: boolean;
  /** Added to element indexes in encode error messages (the chunk's offsets in the caller's lists). */
  groupIndexBase?: number;
  flowIndexBase?: number;
}

/** Counters of one native connection. */
export interface ConnectionStats {
  echoRequestsAnswered: number;
  bytesRead: number;
  bytesWritten: number;
  queuedBytes: number;
  closed: boolean;
}

/** The native transport: frames in via `onEvent(frames)`, end via `onEvent(null, err?)`. */
export interface NativeConnection {
  send(buf: Buffer): void;
  close(): void;
  stats(): ConnectionStats;
}

/** Everything the addon exports. */
export interface OpenFlowNative {
  encodeFlowMod(m: FlowMod, xid?: number, version?: number): Buffer;
  encodeGroupMod(m: GroupMod, xid?: number, version?: number): Buffer;
  encodeMeterMod(m: MeterMod, xid?: number, version?: number): Buffer;
  encodePacketOut(p: PacketOut, xid?: number, version?: number): Buffer;
  encodeSetConfig(version: number, xid: number, flags: number, missSendLen: number): Buffer;
  /** Mods of one kind with consecutive xids, bundle-wrapped when bundleId is set; a bad mod throws TypeError with `index`, `reason`. */
  encodeModList(kind: 'flow' | 'group', mods: FlowMod[] | GroupMod[], o: { version: number; firstXid: number; bundleId?: number; bundleFlags?: number }): Buffer;
  /** The same bytes as encodeModList('flow', mods, o), read from the flat layout of pack.ts (native/openflow/packed.h). */
  encodeFlowModsPacked(words: Uint32Array, wide: BigUint64Array, mods: FlowMod[], o: { version: number; firstXid: number; bundleId?: number; bundleFlags?: number }): Buffer;
  /** The match fields in the order the packed layout indexes them. */
  matchFields(): NativeMatchField[];
  encodeHello(headerVersion: number, versions: number[], xid?: number): Buffer;
  encodeFeaturesRequest(version: number, xid: number): Buffer;
  encodeBarrierRequest(version: number, xid: number): Buffer;
  encodeEchoRequest(version: number, xid: number, data?: Buffer): Buffer;
  encodeFlowStatsRequest(version: number, xid: number, filter?: FlowFilter): Buffer;
  encodeGroupDescRequest(version: number, xid: number): Buffer;
  /** An OFPMP_METER (9) or OFPMP_METER_CONFIG (10) request for one meter or OFPM_ALL. */
  encodeMeterRequest(version: number, xid: number, mpType: number, meterId: number): Buffer;
  /** One OFPMP_METER reply (a switch's message; for tests and fakes); flags may hold OFPMPF_REPLY_MORE. */
  encodeMeterStatsReply(version: number, xid: number, meters: MeterStats[], flags?: number): Buffer;
  /** One OFPMP_METER_CONFIG reply (a switch's message; for tests and fakes); flags may hold OFPMPF_REPLY_MORE. */
  encodeMeterConfigReply(version: number, xid: number, meters: MeterConfig[], flags?: number): Buffer;
  encodeBundleControl(version: number, xid: number, bundleId: number, type: number, flags: number): Buffer;
  decodeMessage(buf: Buffer): DecodedMessage;
  Connection: new (path: string, onEvent: (frames: Buffer[] | null, err?: Error) => void) => NativeConnection;
}

let cached: OpenFlowNative | undefined;

/** Loads the addon once. */
export function openflowNative(): OpenFlowNative {
  cached ??= loadNative<OpenFlowNative>('np_openflow');
  return cached;
}
