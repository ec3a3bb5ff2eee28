/**
 * Maps etcd client failures onto the stable store error codes.
 */
import { EtcdLeaseInvalidError } from 'etcd3';
import { NetpluginError } from '../common/errors.js';
import { leaseNotFound } from './lease.js';

/** True when etcd said the named lease does not exist (expired or revoked). */
export function isLeaseNotFound(err: unknown): boolean {
  return err instanceof EtcdLeaseInvalidError || /lease not found/.test(String((err as Error)?.message));
}

/** Wraps a client failure in the stable store error, keeping the etcd error name. */
export function storeError(op: string, err: unknown, leaseId?: string): NetpluginError {
  if (err instanceof NetpluginError) return err;
  // A put naming an expired or revoked lease: the caller must grant a new one.
  if (leaseId !== undefined && isLeaseNotFound(err)) {
    return leaseNotFound('etcd', leaseId);
  }
  const e = err as Error;
  const msg = e?.message ?? String(err);
  // etcd's per-request limits are server flags; say which one to raise.
  const hint = /too many operations in txn/.test(msg)
    ? ' (raise etcd --max-txn-ops)'
    : /larger than max|request is too large/.test(msg)
      ? ' (raise etcd --max-request-bytes)'
      : '';
  return new NetpluginError(hint ? 'NP_STORE_REJECTED' : 'NP_STORE_UNAVAILABLE', `etcd ${op} failed: ${msg}${hint}`, {
    driver: 'etcd',
    op,
    etcdError: e?.name,
  });
}
