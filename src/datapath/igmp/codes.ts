/** IGMPv3's 8-bit codes for Max Resp Time and QQIC (RFC 3376 §4.1.1, §4.1.7): small values as is, larger ones as a float. */

/** The value of an IGMPv3 Max Resp Code or QQIC (RFC 3376 §4.1.1): below 128 as is, else a float of 3-bit exponent and 4-bit mantissa. */
export function expandV3Code(code: number): number {
  if (code < 128) return code;
  return ((code & 0x0f) | 0x10) << (((code >> 4) & 0x07) + 3);
}

/** The largest value an IGMPv3 code can carry (mantissa 15, exponent 7). */
export const IGMP_V3_CODE_MAX = expandV3Code(0xff);

/** The IGMPv3 code (RFC 3376 §4.1.1) for `value`: itself below 128, else the largest float code not above it. */
export function v3Code(value: number): number {
  if (value < 128) return value;
  let best = 0x80;
  for (let code = 0x80; code <= 0xff; code++) if (expandV3Code(code) <= value && expandV3Code(code) >= expandV3Code(best)) best = code;
  return best;
}
