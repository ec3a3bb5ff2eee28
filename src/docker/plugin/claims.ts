/**
 * Address claims made by our IPAM driver. Docker's RequestAddress carries no endpoint, so
 * every claim gets a fresh owner `docker-ipam/<host>/<ms since epoch>-<random>`: the store's
 * create-if-absent claim then refuses a second request for a taken address, the time tells
 * the clean-up a claim's age, and ReleaseAddress finds the owner by reading the claim.
 */
import { randomBytes } from 'node:crypto';
import { KEYS } from '../../state/keys.js';
import type { StateStore } from '../../state/store.js';

const PREFIX = 'docker-ipam/';

/** A fresh claim owner for host `host`. */
export function newClaimOwner(host: string, now = Date.now()): string {
  return `${PREFIX}${encodeURIComponent(host)}/${now}-${randomBytes(4).toString('hex')}`;
}

/** True when `owner` is a claim owner of our IPAM driver on host `host`. */
export function isOurClaimOwner(host: string, owner: string | undefined): owner is string {
  return !!owner && owner.startsWith(`${PREFIX}${encodeURIComponent(host)}/`);
}

/** When the claim of `owner` was made (ms since epoch), or undefined for a foreign owner. */
export function claimOwnerTime(owner: string): number | undefined {
  const m = /\/(\d+)-[0-9a-f]+$/.exec(owner);
  return m && owner.startsWith(PREFIX) ? Number(m[1]) : undefined;
}

/** The owner of the claim on `ip` in tenant/network, or undefined when it is unclaimed. */
export async function claimOwnerOf(store: StateStore, tenant: string, network: string, ip: string): Promise<string | undefined> {
  const kv = await store.get(KEYS.operClaim(tenant, network, ip));
  if (!kv) return undefined;
  try {
    return (JSON.parse(kv.value) as { owner?: string }).owner;
  } catch {
    return undefined;
  }
}

/** Every claim in tenant/network: address and owner. */
export async function listClaims(store: StateStore, tenant: string, network: string): Promise<{ ip: string; owner: string }[]> {
  const { items } = await store.list(KEYS.operClaimsOf(tenant, network));
  const out: { ip: string; owner: string }[] = [];
  for (const kv of items) {
    try {
      const owner = (JSON.parse(kv.value) as { owner?: string }).owner;
      if (owner) out.push({ ip: decodeURIComponent(kv.key.slice(kv.key.lastIndexOf('/') + 1)), owner });
    } catch {
      // A malformed claim is not ours to judge; leave it.
    }
  }
  return out;
}
