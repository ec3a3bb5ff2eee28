/** Typed view of the np_netlink addon, loaded on first use. */
import { loadNative } from '../../native/load.js';

/** An error object as native/common/errors.h builds it. */
export interface NativeError extends Error {
  code: string;
  errno?: number;
  syscall?: string;
  extack?: string;
}

/** Raw per-op result from the addon (errors not yet wrapped). */
export type NativeResult = { ok: true; value?: unknown } | { ok: false; error: NativeError };

/** What np_netlink exports. */
export interface NetlinkAddon {
  /** Runs ops in order on one libuv worker; resolves with one result per op. */
  runBatch(ops: object[]): Promise<NativeResult[] & { workerNetnsInode: number }>;
  /** Inode of the calling thread's network namespace. */
  threadNetnsInode(): number;
  /** Pure request builder (see native/netlink/codec_js.cc for the spec fields). */
  buildRequest(spec: Record<string, unknown>): Buffer;
  /** Pure decoder of RTM_NEWLINK/NEWADDR/NEWROUTE and AF_BRIDGE RTM_NEWNEIGH (fdb) messages. */
  decodeMessages(buf: Buffer): Array<{ type: number; kind: 'link' | 'addr' | 'route' | 'fdb' | 'other'; value?: Record<string, unknown> }>;
  /** Pure TLV decoder; `ok` false when the run is malformed. */
  attrDecode(buf: Buffer): { ok: boolean; attrs: Array<{ type: number; data: Buffer }> };
  /** Pure TLV encoder. */
  attrEncode(attrs: Array<{ type: number; data: Buffer }>): Buffer;
}

let addon: NetlinkAddon | undefined;

/** Returns the loaded addon (loading it the first time). */
export function netlinkAddon(): NetlinkAddon {
  addon ??= loadNative<NetlinkAddon>('np_netlink');
  return addon;
}
