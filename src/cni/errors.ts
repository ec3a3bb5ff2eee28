/**
 * CNI error results: the spec's well-known codes, this plugin's own codes (100+), and the
 * mapping from NetpluginErrors to `{cniVersion, code, msg, details}`. Pure.
 */
import { NetpluginError, type ErrorCode } from '../common/errors.js';

/** Error codes of the CNI spec (0-99) and of this plugin (100+). Stable: documented in docs/cni.md. */
export const CNI_CODES = {
  INCOMPATIBLE_VERSION: 1,
  UNSUPPORTED_FIELD: 2,
  UNKNOWN_CONTAINER: 3,
  INVALID_ENV: 4,
  IO_FAILURE: 5,
  DECODE_FAILED: 6,
  INVALID_CONFIG: 7,
  TRY_AGAIN_LATER: 11,
  NOT_AVAILABLE: 50,
  LIMITED_CONNECTIVITY: 51,
  // Plugin-specific (the spec leaves 100+ to plugins).
  ATTACH_FAILED: 100,
  CHECK_FAILED: 101,
  ADDRESS_IN_USE: 102,
  ADDRESS_OUT_OF_RANGE: 103,
  POOL_EXHAUSTED: 104,
  IPAM_FAILED: 105,
  INTERNAL: 999,
} as const;

/** The error result object the spec defines. */
export interface CniErrorResult {
  cniVersion: string;
  code: number;
  msg: string;
  details: string;
}

/** Agent-side conditions that clear up by themselves: the runtime should retry. */
const TRANSIENT: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'NP_AGENT_NOT_READY',
  'NP_STORE_CONFLICT',
  'NP_STORE_UNAVAILABLE',
  'NP_OVSDB_CLOSED',
  'NP_OPENFLOW_CLOSED',
  'NP_OPENFLOW_TIMEOUT',
  'NP_NETNS_TIMEOUT',
]);

const BY_NP_CODE: Partial<Record<ErrorCode, number>> = {
  NP_CNI_CONFIG: CNI_CODES.INVALID_CONFIG,
  NP_NOT_FOUND: CNI_CODES.INVALID_CONFIG,
  NP_INVALID_ARGUMENT: CNI_CODES.INVALID_CONFIG,
  NP_ADDRESS_IN_USE: CNI_CODES.ADDRESS_IN_USE,
  NP_ADDRESS_OUT_OF_RANGE: CNI_CODES.ADDRESS_OUT_OF_RANGE,
  NP_POOL_EXHAUSTED: CNI_CODES.POOL_EXHAUSTED,
  NP_IPAM_DELEGATE: CNI_CODES.IPAM_FAILED,
  NP_ATTACH_FAILED: CNI_CODES.ATTACH_FAILED,
  // CNI_NETNS is the runtime's variable: a path that is no network namespace is a bad environment.
  NP_NETNS_INVALID: CNI_CODES.INVALID_ENV,
};

/**
 * A NetpluginError that carries the CNI code to report (`details.cniCode`) — how the CNI
 * layer raises spec errors while keeping the project's one error type. `detail` becomes
 * the result's `details` text.
 */
export function cniError(npCode: ErrorCode, cniCode: number, message: string, detail?: string, extra?: Record<string, unknown>): NetpluginError {
  return new NetpluginError(npCode, message, { ...extra, cniCode, ...(detail !== undefined ? { detail } : {}) });
}

/** The CNI code for any thrown value. */
export function cniCodeOf(err: unknown): number {
  if (err instanceof NetpluginError) {
    const c = err.details?.cniCode;
    if (typeof c === 'number' && Number.isInteger(c) && c >= 0) return c;
    if (TRANSIENT.has(err.code)) return CNI_CODES.TRY_AGAIN_LATER;
    return BY_NP_CODE[err.code] ?? CNI_CODES.INTERNAL;
  }
  return CNI_CODES.INTERNAL;
}

/** Builds the spec's error result for a thrown value: `msg` is the one-line reason, `details` adds context and the NP code. */
export function errorResult(cniVersion: string, err: unknown, codeOverride?: number): CniErrorResult {
  const code = codeOverride ?? cniCodeOf(err);
  if (err instanceof NetpluginError) {
    const detail = typeof err.details?.detail === 'string' ? err.details.detail : '';
    return { cniVersion, code, msg: err.message, details: `${detail}${detail ? ' ' : ''}[${err.code}]` };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { cniVersion, code, msg: 'internal error', details: `${message} [NP_INTERNAL]` };
}
