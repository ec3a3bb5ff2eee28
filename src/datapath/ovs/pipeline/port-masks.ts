/**
 * Port ranges as the few value/mask pairs that cover them exactly (OpenFlow matches
 * transport ports by bitmask, not by range): 8000-8080 is 8000/0xffc0 (64 ports),
 * 8064/0xfff0 (16) and 8080/0xffff.
 */

/** One masked port match: the ports p with (p & mask) === value. */
export interface PortMask {
  value: number;
  mask: number;
}

/** The fewest aligned blocks covering `min`..`max` (inclusive, 0..65535), in ascending order. */
export function portRangeMasks(min: number, max: number): PortMask[] {
  if (!(Number.isInteger(min) && Number.isInteger(max) && min >= 0 && max <= 0xffff && min <= max)) {
    throw new RangeError(`port range ${min}-${max}: must be integers 0..65535, low <= high`);
  }
  const out: PortMask[] = [];
  let lo = min;
  while (lo <= max) {
    // The largest block that starts at lo (aligned to its size) and ends at or before max.
    let size = lo === 0 ? 0x10000 : lo & -lo;
    while (lo + size - 1 > max) size >>= 1;
    out.push({ value: lo, mask: (0xffff & ~(size - 1)) >>> 0 });
    lo += size;
  }
  return out;
}
