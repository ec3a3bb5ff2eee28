/**
 * The CNI_* environment of one call, validated per verb as the spec requires: a missing or
 * malformed variable fails with code 4 and the variable's name. Pure.
 */
import { ifNameProblem } from '../common/ifname.js';
import { CNI_CODES, cniError } from './errors.js';
import { CNI_COMMANDS, type CniCommand } from './versions.js';

/** The protocol parameters of one call. */
export interface CniEnv {
  command: CniCommand;
  containerId?: string;
  netns?: string;
  ifName?: string;
  /** CNI_ARGS as key/value pairs, in order (later duplicates win). */
  args: Map<string, string>;
  /** CNI_PATH split into directories. */
  path: string[];
  /** The CNI_* variables as received, for delegated plugins (they get the same environment). */
  raw: Record<string, string>;
}

/** Variables each verb must have (spec 1.1, "Required environment parameters"). */
const REQUIRED: Record<CniCommand, readonly ('CNI_CONTAINERID' | 'CNI_NETNS' | 'CNI_IFNAME' | 'CNI_PATH')[]> = {
  ADD: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME'],
  CHECK: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME'],
  DEL: ['CNI_CONTAINERID', 'CNI_IFNAME'],
  GC: ['CNI_PATH'],
  STATUS: [],
  VERSION: [],
};

/** The CNI_* names forwarded by the shim. */
export const CNI_ENV_NAMES = ['CNI_COMMAND', 'CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_ARGS', 'CNI_PATH'] as const;

const CONTAINER_ID = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

function invalid(name: string, why: string, value?: string) {
  return cniError('NP_CNI_CONFIG', CNI_CODES.INVALID_ENV, `${name}: ${why}`, value === undefined ? undefined : `got ${JSON.stringify(value)}`, { field: name });
}

/** Why `name` is not a usable Linux interface name (the kernel's rules), or undefined when it is. */
export { ifNameProblem } from '../common/ifname.js';

/** Parses CNI_ARGS (`K=V;K2=V2`); a pair without `=` or with an empty key fails naming CNI_ARGS. */
export function parseCniArgs(s: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!s) return out;
  for (const pair of s.split(';')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) throw invalid('CNI_ARGS', `"${pair}" is not a KEY=VALUE pair`, s);
    out.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return out;
}

/** Validates the environment of one call; throws a NetpluginError with CNI code 4 naming the variable. */
export function parseEnv(env: Readonly<Record<string, string | undefined>>): CniEnv {
  const raw: Record<string, string> = {};
  for (const n of CNI_ENV_NAMES) {
    const v = env[n];
    if (v !== undefined) raw[n] = v;
  }
  const cmd = env.CNI_COMMAND;
  if (!cmd) throw invalid('CNI_COMMAND', 'is not set');
  if (!(CNI_COMMANDS as readonly string[]).includes(cmd)) throw invalid('CNI_COMMAND', `unknown command (expected one of ${CNI_COMMANDS.join(', ')})`, cmd);
  const command = cmd as CniCommand;

  for (const name of REQUIRED[command]) {
    if (!env[name]) throw invalid(name, `is required for ${command} but not set`);
  }
  const containerId = env.CNI_CONTAINERID || undefined;
  if (containerId !== undefined && !CONTAINER_ID.test(containerId)) {
    throw invalid('CNI_CONTAINERID', 'must start with a letter or digit and contain only letters, digits, "_", "." and "-"', containerId);
  }
  const ifName = env.CNI_IFNAME || undefined;
  if (ifName !== undefined) {
    const problem = ifNameProblem(ifName);
    if (problem) throw invalid('CNI_IFNAME', problem, ifName);
  }
  const netns = env.CNI_NETNS || undefined;
  if (netns !== undefined && !netns.startsWith('/')) throw invalid('CNI_NETNS', 'must be an absolute path to a network namespace', netns);
  const args = parseCniArgs(env.CNI_ARGS);
  const path = (env.CNI_PATH ?? '').split(':').filter((d) => d !== '');
  return { command, containerId, netns, ifName, args, path, raw };
}

/** The attachment key of a call: the spec's `(CNI_CONTAINERID, CNI_IFNAME)` pair. */
export function attachmentKey(containerId: string, ifName: string): string {
  return `${containerId}/${ifName}`;
}
