/** The Internet checksum (RFC 1071), shared by the IPv4 header and IGMP. */

/** The one's-complement sum of `buf[start, end)` folded to 16 bits and complemented; 0 when a buffer with its checksum in place verifies. */
export function internetChecksum(buf: Buffer, start = 0, end = buf.length): number {
  let sum = 0;
  let i = start;
  for (; i + 1 < end; i += 2) sum += buf.readUInt16BE(i);
  if (i < end) sum += buf[i] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}
