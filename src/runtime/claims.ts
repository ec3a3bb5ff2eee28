/**
 * Address claims: an address used outside the intent (a CNI pod on a default network, a
 * Docker IPAM RequestAddress) is taken by creating its claim key in the same store
 * transaction that records the attachment. The transaction also compares the intent's meta
 * revision the agent planned from, and netmaster's apply compares that the claim keys of
 * the addresses it hands out are absent — so an address can never go to both, whichever
 * commits first.
 */
import { KEYS, parseOperKey } from '../state/keys.js';
import type { Compare, KeyValue, Op, StateStore } from '../state/store.js';

/** The value stored under a claim key. */
export interface ClaimValue {
  owner: string;
  host: string;
  endpointId?: string;
  at: string;
}

/** Owner string of the claim an attachment makes for itself. */
export function attachmentOwner(source: string, host: string, key: string): string {
  return `${source}:${host}:${key}`;
}

/** Compares and writes that create the claim of `ip` in `tenant/network` (absent before). */
export function claimOps(tenant: string, network: string, ip: string, value: ClaimValue): { compares: Compare[]; ops: Op[] } {
  const key = KEYS.operClaim(tenant, network, ip);
  return { compares: [{ key, modRevision: 0 }], ops: [{ type: 'put', key, value: JSON.stringify(value) }] };
}

/** The compare that holds only while the intent is still at `metaRevision`. */
export function intentUnchanged(metaRevision: number): Compare {
  return { key: KEYS.meta, modRevision: metaRevision };
}

/** A claim as read from the store. */
export interface StoredClaim {
  ip: string;
  owner: string;
  kv: KeyValue;
}

/** Decodes one claim key/value; undefined for a key outside the layout or a malformed value. */
function decodeClaim(kv: KeyValue): StoredClaim | undefined {
  const k = parseOperKey(kv.key);
  if (k?.kind !== 'operClaim') return undefined;
  try {
    const owner = (JSON.parse(kv.value) as Partial<ClaimValue>).owner;
    return typeof owner === 'string' ? { ip: k.ids[2], owner, kv } : undefined;
  } catch {
    return undefined;
  }
}

/** The claim of `ip` in tenant/network, or undefined when it is unclaimed. */
export async function readClaim(store: StateStore, tenant: string, network: string, ip: string): Promise<StoredClaim | undefined> {
  const kv = await store.get(KEYS.operClaim(tenant, network, ip));
  return kv ? decodeClaim(kv) : undefined;
}

/** Every claim in tenant/network (one prefix read). */
export async function listClaims(store: StateStore, tenant: string, network: string): Promise<StoredClaim[]> {
  const { items } = await store.list(KEYS.operClaimsOf(tenant, network));
  return items.map(decodeClaim).filter((c): c is StoredClaim => c !== undefined);
}
