/**
 * Where delegated IPAM plugins may run from: the agent's `--cni-bin-dir` list (absolute
 * directories). A runtime's CNI_PATH only chooses among those; a relative entry (which
 * would resolve against the agent's working directory) or any other directory is ignored. Pure.
 */
import { isAbsolute, posix } from 'node:path';
import { NetpluginError } from '../common/errors.js';

/** Default of `netagent --cni-bin-dir`: where CNI plugins are installed (upstream, Debian). */
export const DEFAULT_CNI_BIN_DIRS: readonly string[] = ['/opt/cni/bin', '/usr/lib/cni'];

/** Spelling of the default in flag help and docs. */
export const DEFAULT_CNI_BIN_DIR_TEXT = DEFAULT_CNI_BIN_DIRS.join(':');

/** One directory in a comparable form: normalized, without a trailing slash. */
function canonical(dir: string): string {
  const n = posix.normalize(dir);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

/** The `--cni-bin-dir` value as a list; a relative or empty list is a usage error naming the flag. */
export function parseCniBinDirs(text: string): string[] {
  const dirs = text.split(':').filter((d) => d !== '');
  if (dirs.length === 0) throw new NetpluginError('NP_USAGE', '--cni-bin-dir: needs at least one absolute directory (e.g. /opt/cni/bin)');
  for (const d of dirs) {
    if (!isAbsolute(d)) throw new NetpluginError('NP_USAGE', `--cni-bin-dir: "${d}" is not an absolute directory`);
  }
  return [...new Set(dirs.map(canonical))];
}

/** CNI_PATH split into the directories that may be searched (on `allowed`, in CNI_PATH order) and those ignored. */
export function usableCniPath(cniPath: readonly string[], allowed: readonly string[]): { usable: string[]; ignored: string[] } {
  const ok = new Set(allowed.map(canonical));
  const usable: string[] = [];
  const ignored: string[] = [];
  for (const d of cniPath) {
    const c = isAbsolute(d) ? canonical(d) : '';
    if (c && ok.has(c)) {
      if (!usable.includes(c)) usable.push(c);
    } else {
      ignored.push(d);
    }
  }
  return { usable, ignored };
}
