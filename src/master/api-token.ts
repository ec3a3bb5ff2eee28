/**
 * netmaster's API token: a random secret in a file only root can read. netmaster creates it at
 * first start and keeps it after; netdcli on the same host reads the same file.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, writeFileSync, constants } from 'node:fs';
import { dirname } from 'node:path';
import { NetpluginError } from '../common/errors.js';

/** Where netmaster keeps its API token unless `--token-file` names another file. */
export const DEFAULT_TOKEN_FILE = '/var/lib/netplugin/api-token';

/** Shortest token accepted from a file: a short one could be guessed. */
const MIN_TOKEN_LENGTH = 32;

/** The token in `path`, created (random, mode 0600) when the file does not exist yet. */
export function loadOrCreateToken(path: string): { token: string; created: boolean } {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new NetpluginError('NP_USAGE', `--token-file ${path}: cannot create its directory: ${(err as Error).message}`, { flag: 'token-file' });
  }
  try {
    const token = randomBytes(32).toString('hex');
    // 'wx' fails when the file exists: a token made earlier is never replaced.
    writeFileSync(path, `${token}\n`, { flag: 'wx', mode: 0o600 });
    return { token, created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new NetpluginError('NP_USAGE', `--token-file ${path}: cannot create it: ${(err as Error).message}`, { flag: 'token-file' });
  }
  return { token: readTokenFile(path, { private: true }), created: false };
}

/** Reads a token file; with `private`, refuses one that group or others may read or write. */
export function readTokenFile(path: string, opts: { private?: boolean } = {}): string {
  let text: string;
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    const mode = fstatSync(fd).mode;
    if (opts.private && (mode & 0o077) !== 0) {
      throw new NetpluginError('NP_USAGE', `--token-file ${path}: mode ${(mode & 0o777).toString(8).padStart(4, '0')} lets other users read the API token; run chmod 600 ${path}`, { flag: 'token-file' });
    }
    text = readFileSync(fd, 'utf8');
  } catch (err) {
    if (err instanceof NetpluginError) throw err;
    throw new NetpluginError('NP_USAGE', `--token-file ${path}: cannot read it: ${(err as Error).message}`, { flag: 'token-file' });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return checkedToken(text.trim(), `--token-file ${path}`);
}

/** `token` when it is long enough and one word; otherwise a usage error naming `source`. */
export function checkedToken(token: string, source: string): string {
  if (token.length < MIN_TOKEN_LENGTH || /\s/.test(token)) {
    throw new NetpluginError('NP_USAGE', `${source}: the API token must be one word of at least ${MIN_TOKEN_LENGTH} characters`);
  }
  return token;
}

/** Whether `given` equals `expected`, in time that does not depend on where they differ. */
export function tokenMatches(given: string, expected: string): boolean {
  // Hashing first gives equal lengths, so the comparison leaks neither content nor length.
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}
