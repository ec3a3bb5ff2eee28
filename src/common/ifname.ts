/**
 * Linux interface names as the kernel checks them (net/core/dev.c `dev_valid_name`): not empty,
 * shorter than IFNAMSIZ (16 bytes with the NUL), not "." or "..", no '/', ':' or whitespace.
 */

/** Longest interface name in bytes (IFNAMSIZ - 1). */
export const IFNAME_MAX_BYTES = 15;

/** Why `name` is not a usable Linux interface name, or undefined when it is. */
export function ifNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string') return 'must be a string';
  if (name.length === 0) return 'must not be empty';
  if (Buffer.byteLength(name) > IFNAME_MAX_BYTES) return `must be at most ${IFNAME_MAX_BYTES} bytes (IFNAMSIZ - 1)`;
  if (name === '.' || name === '..') return 'must not be "." or ".."';
  if (/[/:\s]/.test(name)) return "must not contain '/', ':' or whitespace";
  // Stricter than the kernel, as the agent's netlink and OVSDB naming is: say so up front.
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) return "may only contain letters, digits, '_', '.' and '-' (this plugin's limit)";
  return undefined;
}
