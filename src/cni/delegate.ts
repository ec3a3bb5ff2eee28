/**
 * Delegation to a CNI IPAM plugin (`"ipam": {"type": …}`), as spec section 4 describes:
 * the plugin found in CNI_PATH runs with our environment and configuration, its result
 * gives the address, its errors become ours. Plugins that speak an older spec (the
 * reference plugins here stop at 1.0.0) are called in the newest version both sides
 * speak; GC and STATUS only reach plugins that speak 1.1.0.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../common/log.js';
import { NetpluginError } from '../common/errors.js';
import { DEFAULT_CNI_BIN_DIRS, usableCniPath } from './bin-dirs.js';
import type { NetConf } from './config.js';
import type { CniEnv } from './env.js';
import { CNI_CODES, cniError } from './errors.js';
import type { ExternalAddress } from './mapping.js';
import { convertResult, parseCidr, type CniResult } from './result.js';
import { compareVersions, negotiate, type CniVersion } from './versions.js';

/** What one plugin execution produced. */
export interface PluginRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut?: boolean;
}

/** Runs a plugin executable with an environment and stdin (injectable for tests). */
export type PluginRunner = (path: string, env: Record<string, string>, stdin: string, timeoutMs: number) => Promise<PluginRun>;

/** A delegated call must finish well inside the shim's own 120 s budget. */
const DELEGATE_TIMEOUT_MS = 100_000;

/** The oldest result format we read (0.3.0: the `ips` list). */
const FLOOR = '0.3.0';

/** Runs an executable as a runtime would: env replaced, stdin written, stdout/stderr collected. */
export const spawnPlugin: PluginRunner = (path, env, stdin, timeoutMs) =>
  new Promise((resolve, reject) => {
    const child = spawn(path, [], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => undefined); // a plugin may exit without reading stdin
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ exitCode: code ?? (signal ? 128 : 1), stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), timedOut });
    });
    child.stdin.end(stdin);
  });

/**
 * The executable `type` in the CNI_PATH directories that are on `allowed` (the agent's
 * `--cni-bin-dir` list), or a CNI error naming CNI_PATH or ipam.type.
 */
export function findPlugin(type: string, dirs: string[], allowed: readonly string[] = DEFAULT_CNI_BIN_DIRS): string {
  if (dirs.length === 0) throw cniError('NP_CNI_CONFIG', CNI_CODES.INVALID_ENV, `CNI_PATH: is required to find the IPAM plugin "${type}" but not set`, undefined, { field: 'CNI_PATH' });
  const { usable, ignored } = usableCniPath(dirs, allowed);
  if (usable.length === 0) {
    throw cniError('NP_CNI_CONFIG', CNI_CODES.INVALID_ENV, `CNI_PATH: none of its directories is on the agent's --cni-bin-dir list (${allowed.join(':')}); relative ones are never used`, `got ${dirs.join(':')}`, { field: 'CNI_PATH' });
  }
  for (const dir of usable) {
    const p = join(dir, type);
    try {
      accessSync(p, constants.X_OK);
      if (statSync(p).isFile()) return p;
    } catch {
      // not in this directory
    }
  }
  const note = ignored.length ? `; ignored (not on --cni-bin-dir): ${ignored.join(':')}` : '';
  throw cniError('NP_IPAM_DELEGATE', CNI_CODES.INVALID_CONFIG, `ipam.type: no executable "${type}" in CNI_PATH`, `searched ${usable.join(':')}${note}`, { field: 'ipam.type' });
}

/** Verbs forwarded to the IPAM plugin. */
export type DelegatedVerb = 'ADD' | 'DEL' | 'CHECK' | 'GC' | 'STATUS';

/** Talks to delegated IPAM plugins; remembers each executable's versions until it changes on disk. */
export class IpamDelegate {
  private readonly versions = new Map<string, { mtimeMs: number; size: number; supported: string[] }>();

  /** Builds a delegate that runs plugins with `run`, found only in `binDirs` (the agent's --cni-bin-dir). */
  constructor(
    private readonly log: Logger,
    private readonly run: PluginRunner = spawnPlugin,
    private readonly binDirs: readonly string[] = DEFAULT_CNI_BIN_DIRS,
  ) {}

  /** The versions the plugin at `path` reports (one VERSION call per change of the file). */
  async supported(path: string, type: string): Promise<string[]> {
    const st = statSync(path);
    const cached = this.versions.get(path);
    if (cached && cached.mtimeMs === st.mtimeMs && cached.size === st.size) return cached.supported;
    const r = await this.exec(path, { CNI_COMMAND: 'VERSION' }, JSON.stringify({ cniVersion: '1.1.0' }));
    let supported: string[] | undefined;
    try {
      const doc = JSON.parse(r.stdout) as { supportedVersions?: unknown };
      if (Array.isArray(doc.supportedVersions) && doc.supportedVersions.every((v) => typeof v === 'string')) supported = doc.supportedVersions;
    } catch {
      // reported below
    }
    if (r.exitCode !== 0 || !supported) {
      throw cniError('NP_IPAM_DELEGATE', CNI_CODES.IPAM_FAILED, `ipam plugin "${type}" gave no usable VERSION answer`, r.stdout.slice(0, 300) || r.stderr.slice(0, 300));
    }
    this.versions.set(path, { mtimeMs: st.mtimeMs, size: st.size, supported });
    return supported;
  }

  /**
   * Calls the IPAM plugin with `verb`. Returns its stdout, or undefined when the plugin's
   * spec version has no such verb (GC/STATUS before 1.1.0, CHECK before 0.4.0) and the
   * call was skipped. `overrides` replace environment variables (GC's per-attachment DELs).
   */
  async call(verb: DelegatedVerb, env: CniEnv, conf: NetConf, overrides: Record<string, string> = {}): Promise<string | undefined> {
    const type = conf.ipam!.type;
    const path = findPlugin(type, env.path, this.binDirs);
    const supported = await this.supported(path, type);
    const version = negotiate(supported, conf.cniVersion, FLOOR);
    if (!version) {
      throw cniError('NP_IPAM_DELEGATE', CNI_CODES.INCOMPATIBLE_VERSION, `ipam plugin "${type}" speaks no CNI version between ${FLOOR} and ${conf.cniVersion}`, `it supports ${supported.join(', ')}`);
    }
    const needs = verb === 'GC' || verb === 'STATUS' ? '1.1.0' : verb === 'CHECK' ? '0.4.0' : FLOOR;
    if (compareVersions(version, needs) < 0) return undefined;
    const stdin = this.stdinFor(conf, version as CniVersion, verb);
    const r = await this.exec(path, { ...env.raw, CNI_COMMAND: verb, ...overrides }, stdin);
    if (r.stderr.trim()) this.log.warn({ ipam: type, verb, stderr: r.stderr.trim().slice(0, 2000) }, 'ipam plugin wrote to stderr');
    if (r.timedOut) throw cniError('NP_IPAM_DELEGATE', CNI_CODES.TRY_AGAIN_LATER, `ipam plugin "${type}" ${verb} did not finish within ${DELEGATE_TIMEOUT_MS / 1000} s`);
    if (r.exitCode !== 0) throw delegateError(type, verb, r);
    return r.stdout;
  }

  /** ADD through the IPAM plugin: its first IPv4 address, and its whole result (for DNS). */
  async add(env: CniEnv, conf: NetConf): Promise<{ address: ExternalAddress; result: CniResult }> {
    const type = conf.ipam!.type;
    const stdout = (await this.call('ADD', env, conf)) ?? '';
    let doc: unknown;
    try {
      doc = JSON.parse(stdout);
    } catch {
      throw cniError('NP_IPAM_DELEGATE', CNI_CODES.IPAM_FAILED, `ipam plugin "${type}" ADD printed no JSON result`, stdout.slice(0, 300));
    }
    const result = convertResult(doc, conf.cniVersion, 'ipam');
    const first = result.ips?.map((ip) => ({ ip, cidr: parseCidr(ip.address)! })).find((x) => x.cidr.family === 4);
    if (!first) throw cniError('NP_IPAM_DELEGATE', CNI_CODES.IPAM_FAILED, `ipam plugin "${type}" returned no IPv4 address`, stdout.slice(0, 300));
    const address: ExternalAddress = { ip: first.cidr.ip, prefixLen: first.cidr.prefixLen };
    if (first.ip.gateway) address.gateway = first.ip.gateway;
    return { address, result };
  }

  private stdinFor(conf: NetConf, version: CniVersion, verb: DelegatedVerb): string {
    const doc: Record<string, unknown> = { ...conf.raw, cniVersion: version };
    // The plugin reads prevResult in its own version's format.
    if (conf.prevResult) doc.prevResult = convertResult(conf.prevResult, version, 'prevResult');
    if (verb !== 'GC') {
      delete doc['cni.dev/valid-attachments'];
      delete doc['cni.dev/attachments'];
    }
    return JSON.stringify(doc);
  }

  private async exec(path: string, cniEnv: Record<string, string>, stdin: string): Promise<PluginRun> {
    const env = { PATH: process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', ...cniEnv };
    try {
      return await this.run(path, env, stdin, DELEGATE_TIMEOUT_MS);
    } catch (err) {
      throw cniError('NP_IPAM_DELEGATE', CNI_CODES.IPAM_FAILED, `could not run ${path}: ${(err as Error).message}`);
    }
  }
}

/** The delegate's error result as ours: its code and message, prefixed with who failed. */
function delegateError(type: string, verb: string, r: PluginRun): NetpluginError {
  let code: number = CNI_CODES.IPAM_FAILED;
  let msg = r.stdout.trim() || r.stderr.trim() || `exit code ${r.exitCode}`;
  let details = '';
  try {
    const doc = JSON.parse(r.stdout) as { code?: unknown; msg?: unknown; details?: unknown };
    if (typeof doc.code === 'number' && Number.isInteger(doc.code) && doc.code > 0) code = doc.code;
    if (typeof doc.msg === 'string') msg = doc.msg;
    if (typeof doc.details === 'string') details = doc.details;
  } catch {
    // not a spec error: keep the raw text
  }
  return cniError('NP_IPAM_DELEGATE', code, `ipam plugin "${type}" ${verb} failed: ${msg.slice(0, 500)}`, details || undefined, { ipam: type, verb });
}
