/**
 * The Docker hand-off veth: on Join the agent leaves the container side of the veth in the
 * host namespace under a name of its own making, for Docker to move into the sandbox. The
 * name comes only from here, never from a caller, since plumbing creates and on failure
 * deletes that link in the host namespace.
 */
import { createHash } from 'node:crypto';

/** Prefix of every hand-off veth name. */
export const HANDOFF_PREFIX = 'npd';

/** Name of the hand-off veth of the attachment `key`: ≤ 15 characters, unique per endpoint. */
export function handoffPeerName(key: string): string {
  // Docker endpoint ids are hex: their first 12 characters name the endpoint, as `docker network inspect` shows it.
  const stem = /^[0-9a-f]{12}/i.test(key) ? key.slice(0, 12).toLowerCase() : createHash('sha256').update(key).digest('hex').slice(0, 12);
  return `${HANDOFF_PREFIX}${stem}`;
}
