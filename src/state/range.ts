/**
 * Byte-wise key ranges. Both drivers order keys by their UTF-8 bytes (etcd's order),
 * which differs from JavaScript's UTF-16 string order, so prefix ranges are computed
 * on bytes.
 */

/** UTF-8 bytes of a key. */
export function keyBytes(key: string): Buffer {
  return Buffer.from(key, 'utf8');
}

/**
 * Smallest byte string greater than every string starting with `prefix`, or undefined
 * when no bound exists (empty prefix: the range is unbounded).
 */
export function prefixEnd(prefix: string): Buffer | undefined {
  const b = Buffer.from(prefix, 'utf8');
  for (let i = b.length - 1; i >= 0; i--) {
    if (b[i] < 0xff) {
      const end = Buffer.from(b.subarray(0, i + 1));
      end[i] += 1;
      return end;
    }
  }
  return undefined;
}

/** The byte string that immediately follows `key` in byte order. */
export function keySuccessor(key: string | Buffer): Buffer {
  return Buffer.concat([typeof key === 'string' ? keyBytes(key) : key, Buffer.from([0])]);
}
