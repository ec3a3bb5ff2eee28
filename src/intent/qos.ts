/**
 * The QoS values every input shares (intent keys, the attach request, CNI's `bandwidth`
 * capability, Docker options): how a rate is written ("50M", 50000000), which rates, bursts
 * and DSCP values are accepted, and how one level's settings override another's. Pure.
 */

import { defaultBurst, type Bandwidth, type DscpSetting, type QosSettings, type RateLimit } from './qos-types.js';

/** Lowest rate accepted, bits/s: meters count kbit/s, so anything below 1k would be 0. */
export const RATE_MIN = 1_000;
/** Highest rate accepted, bits/s (4,000G: well above any port, still exact in a meter's kbit/s field). */
export const RATE_MAX = 4_000_000_000_000;
/** Lowest burst accepted, bits (a meter's burst is counted in kbits too). */
export const BURST_MIN = 1_000;
/** Highest burst accepted, bits. */
export const BURST_MAX = 4_000_000_000_000;
/** Highest DSCP class (6 bits). */
export const DSCP_MAX = 63;
/** The `Dscp` value that keeps what the container set. */
export const DSCP_TRUST = 'trust';

/** Multipliers of the rate suffixes, by lowercase suffix (SI, powers of 1000: "1k" is 1,000 bits). */
const SUFFIXES: Record<string, number> = { k: 1e3, m: 1e6, g: 1e9 };
const RATE_TEXT = /^(\d+(?:\.\d+)?|\.\d+)\s*([kKmMgG]?)$/;

/** The outcome of reading a rate or burst: the bits, or why it is not one. */
export type RateRead = { ok: true; bits: number } | { ok: false; reason: string };

/**
 * Reads a rate (bits/s) or burst (bits) as written: a JSON number, or a string of digits with
 * an optional decimal part and suffix k, M or G ("50M", "1.5G", "800k"); rounded to whole bits.
 * Only the form is checked here; `limitProblem` checks the range.
 */
export function readRate(v: unknown): RateRead {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return { ok: false, reason: `must be a number of bits, not ${String(v)}` };
    return { ok: true, bits: Math.round(v) };
  }
  if (typeof v !== 'string') return { ok: false, reason: `must be a number or a string like "50M" (got ${v === null ? 'null' : typeof v})` };
  const m = RATE_TEXT.exec(v.trim());
  if (!m) {
    const negative = /^-\s*[\d.]/.test(v.trim());
    return { ok: false, reason: negative ? `must be positive (got ${JSON.stringify(v)})` : `${JSON.stringify(v)} is not a rate: write bits as a number, or with a suffix k, M or G (e.g. "50M", "1.5G")` };
  }
  return { ok: true, bits: Math.round(Number(m[1]) * (m[2] ? SUFFIXES[m[2].toLowerCase()] : 1)) };
}

/** Why `bits` is no acceptable rate (`what` 'rate') or burst ('burst'); undefined when it is. */
export function limitProblem(bits: number, what: 'rate' | 'burst'): string | undefined {
  const [min, max, unit] = what === 'rate' ? [RATE_MIN, RATE_MAX, 'bits/s'] : [BURST_MIN, BURST_MAX, 'bits'];
  if (bits <= 0) return `must be positive (got ${bits})`;
  if (bits < min) return `${bits} ${unit} is below the minimum ${formatRate(min)} (${min} ${unit}): meters count kbit`;
  if (bits > max) return `${bits} ${unit} is above the maximum ${formatRate(max)} (${max} ${unit})`;
  return undefined;
}

/** Why `v` is no `Dscp` value (an integer 0-63, or "trust"); undefined when it is. */
export function dscpProblem(v: unknown): string | undefined {
  if (v === DSCP_TRUST) return undefined;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= DSCP_MAX) return undefined;
  return `must be an integer 0-${DSCP_MAX} or "${DSCP_TRUST}" (got ${JSON.stringify(v) ?? String(v)})`;
}

/** A `Dscp` value as written (a number, a numeric string, or "trust"), or undefined when it is none. */
export function readDscp(v: unknown): DscpSetting | undefined {
  const n = typeof v === 'string' && /^\d{1,3}$/.test(v.trim()) ? Number(v.trim()) : v;
  return dscpProblem(n) === undefined ? (n as DscpSetting) : undefined;
}

/** A limit of `rate` with burst `burst`, or the default burst (0.8x the rate) when none is given. */
export function rateLimit(rate: number, burst?: number): RateLimit {
  return { rate, burst: burst ?? defaultBurst(rate) };
}

/** The shortest exact way to write `bits` with a suffix ("50M", "1.5G"), else the plain number. */
export function formatRate(bits: number): string | number {
  for (const [suffix, unit] of [['G', 1e9], ['M', 1e6], ['k', 1e3]] as const) {
    const n = bits / unit;
    // Two decimals at most, so 1,234,567 stays a plain number rather than "1234.567k".
    if (n >= 1 && Math.round(n * 100) === n * 100) return `${n}${suffix}`;
  }
  return bits;
}

/**
 * `over` laid on `base` part by part: each direction's limit (rate and burst together) and
 * the DSCP setting come from `over` when it has them, else from `base`. Undefined when
 * neither says anything.
 */
export function overrideQos(base: QosSettings | undefined, over: QosSettings | undefined): QosSettings | undefined {
  const egress = over?.bandwidth?.egress ?? base?.bandwidth?.egress;
  const ingress = over?.bandwidth?.ingress ?? base?.bandwidth?.ingress;
  const dscp = over?.dscp ?? base?.dscp;
  const bandwidth: Bandwidth = {};
  if (egress) bandwidth.egress = { ...egress };
  if (ingress) bandwidth.ingress = { ...ingress };
  const out: QosSettings = {};
  if (egress || ingress) out.bandwidth = bandwidth;
  if (dscp !== undefined) out.dscp = dscp;
  return Object.keys(out).length > 0 ? out : undefined;
}
