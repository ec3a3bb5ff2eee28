/** Text forms of the MAC and IPv4 addresses IGMP frames carry, and the multicast MAC of a group. */

/** `aa:bb:cc:dd:ee:ff` of the 6 bytes at `off`. */
export function macAt(buf: Buffer, off: number): string {
  return [...buf.subarray(off, off + 6)].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** Dotted quad of the 4 bytes at `off`. */
export function ipv4At(buf: Buffer, off: number): string {
  return `${buf[off]}.${buf[off + 1]}.${buf[off + 2]}.${buf[off + 3]}`;
}

/** The 4 bytes of a dotted-quad IPv4 address; throws RangeError naming `what` when it is not one. */
export function ipv4Bytes(ip: string, what: string): Buffer {
  const parts = ip.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255)) throw new RangeError(`${what}: '${ip}' is not a dotted-quad IPv4 address`);
  return Buffer.from(parts.map(Number));
}

/** The 6 bytes of a colon-separated MAC address; throws RangeError naming `what` when it is not one. */
export function macBytes(mac: string, what: string): Buffer {
  if (!/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(mac)) throw new RangeError(`${what}: '${mac}' is not a MAC address (aa:bb:cc:dd:ee:ff)`);
  return Buffer.from(mac.replace(/:/g, ''), 'hex');
}

/** Whether the dotted quad is in 224.0.0.0/4 (IPv4 multicast). */
export function isMulticastIpv4(ip: string): boolean {
  const first = Number(ip.split('.')[0]);
  return first >= 224 && first <= 239;
}

/** The Ethernet address IPv4 multicast `group` maps to (RFC 1112 §6.4): 01:00:5e and the group's low 23 bits. */
export function multicastMac(group: string): string {
  const b = ipv4Bytes(group, 'group');
  if (!isMulticastIpv4(group)) throw new RangeError(`group: '${group}' is not in 224.0.0.0/4`);
  return macAt(Buffer.from([0x01, 0x00, 0x5e, b[1] & 0x7f, b[2], b[3]]), 0);
}
