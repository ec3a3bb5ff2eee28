/**
 * netmaster's HTTP limits: how long a client may take, how many may connect, how large an
 * apply may be (bytes and objects). Each cap a user may need to raise has a flag of its own.
 */
import { NetpluginError } from '../common/errors.js';

/** The limits one netmaster enforces. */
export interface HttpLimits {
  /** Time a client has to send the request headers (ms). */
  headersTimeoutMs: number;
  /** Time a client has to send the whole request, headers and body (ms). */
  requestTimeoutMs: number;
  /** Open connections at once; more are closed as they arrive. */
  maxConnections: number;
  /** Largest request body (an intent or a delta), in bytes. */
  maxBodyBytes: number;
  /** Most tenants one apply may name. */
  maxTenants: number;
  /** Most networks one apply may name. */
  maxNetworks: number;
  /** Most endpoints one apply may name. */
  maxEndpoints: number;
}

/** Defaults: generous for real clusters, small enough that one request cannot exhaust the host. */
export const DEFAULT_HTTP_LIMITS: Readonly<HttpLimits> = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 120_000,
  maxConnections: 256,
  maxBodyBytes: 16 * 1024 * 1024,
  maxTenants: 10_000,
  maxNetworks: 100_000,
  maxEndpoints: 200_000,
};

/** The netmaster flag that raises each limit a user may need to raise. */
export const LIMIT_FLAGS = {
  maxBodyBytes: 'max-body-bytes',
  maxConnections: 'max-connections',
  maxTenants: 'max-tenants',
  maxNetworks: 'max-networks',
  maxEndpoints: 'max-endpoints',
} as const satisfies Partial<Record<keyof HttpLimits, string>>;

/** The error for a body over `--max-body-bytes`. */
export function bodyTooLarge(limits: HttpLimits, size: number | 'more'): NetpluginError {
  const got = size === 'more' ? `more than ${limits.maxBodyBytes}` : String(size);
  return new NetpluginError('NP_REQUEST_TOO_LARGE', `request body of ${got} bytes is over the limit of ${limits.maxBodyBytes} bytes; raise it with netmaster --${LIMIT_FLAGS.maxBodyBytes}`, {
    limit: limits.maxBodyBytes,
    flag: LIMIT_FLAGS.maxBodyBytes,
  });
}

/** How many tenants, networks and endpoints an intent or delta document names. */
export function countIntentObjects(doc: unknown): { tenants: number; networks: number; endpoints: number } {
  const counts = { tenants: 0, networks: 0, endpoints: 0 };
  // Shapes are checked by validation later; here only arrays where the intent has them count,
  // under keys matched case-insensitively as the intent parser matches them.
  const list = (v: unknown, key: string): unknown[] => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return [];
    const found: unknown[] = [];
    for (const [k, x] of Object.entries(v)) if (k.toLowerCase() === key && Array.isArray(x)) for (const e of x as unknown[]) found.push(e);
    return found;
  };
  for (const t of list(doc, 'tenants')) {
    counts.tenants++;
    for (const n of list(t, 'networks')) {
      counts.networks++;
      counts.endpoints += list(n, 'endpoints').length;
    }
  }
  return counts;
}

/** Throws NP_REQUEST_TOO_LARGE when the document names more objects of a kind than its cap allows. */
export function checkIntentCounts(doc: unknown, limits: HttpLimits): void {
  const counts = countIntentObjects(doc);
  const kinds = [
    ['tenants', counts.tenants, 'maxTenants'],
    ['networks', counts.networks, 'maxNetworks'],
    ['endpoints', counts.endpoints, 'maxEndpoints'],
  ] as const;
  for (const [kind, count, limit] of kinds) {
    if (count > limits[limit]) {
      throw new NetpluginError('NP_REQUEST_TOO_LARGE', `the document names ${count} ${kind}, over the limit of ${limits[limit]} per apply; raise it with netmaster --${LIMIT_FLAGS[limit]}`, {
        count,
        limit: limits[limit],
        flag: LIMIT_FLAGS[limit],
      });
    }
  }
}
