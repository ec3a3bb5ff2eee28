/**
 * A small deterministic PRNG (mulberry32) for the fuzz tests, so a failing seed can be
 * replayed: uniform floats, integers below a bound, n-bit bigints, picks and maybes.
 */

/** The generator for `seed`. */
export function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (max: number) => Math.floor(next() * max);
  const bits = (n: number): bigint => {
    let v = 0n;
    for (let i = 0; i < n; i += 16) v = (v << 16n) | BigInt(int(0x10000));
    return v & ((1n << BigInt(n)) - 1n);
  };
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const maybe = <T>(p: number, f: () => T): T | undefined => (next() < p ? f() : undefined);
  return { next, int, bits, pick, maybe };
}

/** A generator as `rng` returns it. */
export type Rng = ReturnType<typeof rng>;
