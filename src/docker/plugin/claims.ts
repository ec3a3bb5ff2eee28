/**
 * Address claims made by our IPAM driver. Docker's RequestAddress carries no endpoint, so
 * every claim gets a fresh owner `docker-ipam/<host>/<ms since epoch>-<random>`: the store's
 * create-if-absent claim then refuses a second request for a taken address, the time tells
 * the clean-up a claim's age, and ReleaseAddress finds the owner by reading the claim.
 */
import { randomBytes } from 'node:crypto';

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
