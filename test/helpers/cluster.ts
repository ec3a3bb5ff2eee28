/**
 * Test harness for the real daemons: netmaster and netagent as child processes with
 * private paths (store dir, bridge, port), stopped by PID, plus small docker/ovs helpers.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { openStore } from '../../src/state/open.js';

/** Repository root. */
export const ROOT = resolve(import.meta.dirname, '../..');

/** A short random suffix for names unique to this run. */
export function runId(): string {
  return randomBytes(3).toString('hex');
}

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
    s.on('error', rej);
  });
}

/** Runs a command and returns stdout; throws with stderr on failure. */
export function sh(cmd: string, args: string[], opts: { allowFail?: boolean; timeoutMs?: number } = {}): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: opts.timeoutMs ?? 60_000 });
  } catch (err) {
    if (opts.allowFail) return '';
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${e.stderr || e.stdout || e.message}`);
  }
}

/** Polls `fn` until it returns a truthy value or the time runs out (then throws with `describe()`). */
export async function waitFor<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number, describe: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr = '';
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      lastErr = (err as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describe()}${lastErr ? ` (last error: ${lastErr})` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A daemon started by a test. */
export interface Daemon {
  proc: ChildProcess;
  logFile: string;
  log(): string;
}

/** API token file of each netmaster a test started, by its `--listen` host:port; netdcli() passes it on. */
const masterTokenFiles = new Map<string, string>();

/** The value of flag `name` in args (`--name V`, `-name V`, `--name=V`, `-name=V`). */
function flagValue(args: string[], name: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const m = new RegExp(`^--?${name}(?:=(.*))?$`).exec(args[i]);
    if (m) return m[1] ?? args[i + 1];
  }
  return undefined;
}

/** The token file netdcli() uses for the netmaster at `master` (a URL), when a test started it. */
export function masterTokenFile(master: string): string | undefined {
  return masterTokenFiles.get(new URL(master).host);
}

/**
 * Starts `bin/<name>` with args, logging to a file in `dir`. A netmaster keeps its API token in
 * `<dir>/api-token` (unless args name a --token-file), never in the machine-wide default.
 */
export function startDaemon(name: 'netmaster' | 'netagent', args: string[], dir: string, tag: string = name): Daemon {
  const logFile = join(dir, `${tag}-${Date.now()}.log`);
  const fd = openSync(logFile, 'a');
  if (name === 'netmaster') {
    const tokenFile = flagValue(args, 'token-file') ?? join(dir, 'api-token');
    if (flagValue(args, 'token-file') === undefined) args = [...args, '--token-file', tokenFile];
    masterTokenFiles.set(flagValue(args, 'listen') ?? '127.0.0.1:9999', tokenFile);
  }
  // Agents in tests never take the machine-wide socket paths unless a test asks for them.
  if (name === 'netagent' && !args.some((a) => /api-socket/.test(a))) args = [...args, '--api-socket', join(dir, `${tag}-api.sock`)];
  if (name === 'netagent' && !args.some((a) => /docker-plugin-socket/.test(a))) args = [...args, '--docker-plugin-socket', 'none'];
  // These agents run in the machine's own namespace: no host gateway (forwarding, nftables, routes)
  // there unless a test asks for one; the lab's namespaced hosts prove the gateway.
  if (name === 'netagent' && !args.some((a) => /gateway-cidr/.test(a))) args = [...args, '--gateway-cidr', 'none'];
  const proc = spawn(process.execPath, [join(ROOT, 'dist/cli', `${name}.js`), ...args], { stdio: ['ignore', fd, fd], env: { ...process.env, NETPLUGIN_LOG_LEVEL: 'debug' } });
  return { proc, logFile, log: () => readFileSync(logFile, 'utf8') };
}

/** Stops a daemon by its PID (SIGTERM, or SIGKILL when `kill9`) and waits for it to exit. */
export async function stopDaemon(d: Daemon | undefined, kill9 = false): Promise<void> {
  if (!d || d.proc.exitCode !== null || d.proc.signalCode !== null) return;
  const exited = new Promise<void>((r) => d.proc.once('exit', () => r()));
  d.proc.kill(kill9 ? 'SIGKILL' : 'SIGTERM');
  const t = setTimeout(() => d.proc.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(t);
}

/** Runs netdcli against a master (with the token file of a netmaster startDaemon started there); returns exit code and output. */
export function netdcli(master: string, args: string[]): { code: number; stdout: string; stderr: string } {
  const tokenFile = masterTokenFile(master);
  const auth = tokenFile && !args.some((a) => /^--?token-file/.test(a)) ? ['--token-file', tokenFile] : [];
  try {
    const stdout = execFileSync(process.execPath, [join(ROOT, 'dist/cli/netdcli.js'), '--master', master, ...auth, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { code: 0, stdout, stderr: '' };
  } catch (err) {
    const e = err as { status: number; stdout: string; stderr: string };
    return { code: e.status ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** A private temp dir removed by `cleanup`. */
export function tempDir(prefix: string): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** Writes JSON to a file and returns its path. */
export function writeJson(path: string, value: unknown): string {
  writeFileSync(path, JSON.stringify(value, null, 4) + '\n');
  return path;
}

/** Flows of a bridge in `ovs-ofctl dump-flows --no-stats` syntax, cookies removed, sorted. */
export function dumpFlows(bridge: string): string[] {
  return sh('ovs-ofctl', ['-O', 'OpenFlow13', '--no-stats', '--no-names', 'dump-flows', bridge])
    .split('\n')
    .map((l) => l.trim().replace(/^cookie=0x[0-9a-f]+,\s*/, ''))
    .filter((l) => l && !l.startsWith('OFPST_FLOW') && !l.startsWith('NXST_FLOW'))
    .sort();
}

/** Cookies of every flow on a bridge. */
export function flowCookies(bridge: string): bigint[] {
  return sh('ovs-ofctl', ['-O', 'OpenFlow13', '--no-stats', 'dump-flows', bridge])
    .split('\n')
    .map((l) => /cookie=(0x[0-9a-f]+)/.exec(l)?.[1])
    .filter((c): c is string => !!c)
    .map((c) => BigInt(c));
}

/** Offline image built by scripts/host-setup.sh. */
export const IMAGE = 'netplugin/busybox:local';

/** `docker run -d` of a long-sleeping container. */
export function dockerRun(name: string, extra: string[] = []): string {
  return sh('docker', ['run', '-d', '--name', name, '--hostname', name.slice(0, 60), ...extra, IMAGE, 'sleep', '3600']).trim();
}

/** `docker exec` returning exit code and output. */
export function dockerExec(name: string, cmd: string[], timeoutMs = 60_000): { code: number; out: string } {
  try {
    const out = execFileSync('docker', ['exec', name, ...cmd], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    return { code: 0, out };
  } catch (err) {
    const e = err as { status: number; stdout: string; stderr: string };
    return { code: e.status ?? 1, out: (e.stdout ?? '') + (e.stderr ?? '') };
  }
}

/** Removes containers by name, ignoring ones that do not exist. */
export function dockerRm(names: string[]): void {
  if (names.length) sh('docker', ['rm', '-f', ...names], { allowFail: true });
}

/** Keys under `prefix` in the store at `storeUrl` (opened and closed for this one read). */
export async function storeKeys(storeUrl: string, prefix: string): Promise<string[]> {
  const s = await openStore(storeUrl, { embeddedDir: '' });
  try {
    return (await s.list(prefix)).items.map((kv) => kv.key);
  } finally {
    await s.close();
  }
}
