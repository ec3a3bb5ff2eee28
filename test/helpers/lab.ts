/**
 * Test harness for the multi-host lab: a thin wrapper over scripts/lab.sh (so tests and
 * `make lab` exercise the same code), plus direct nsenter/ip-netns calls where a process
 * per call through the script would only add latency.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DockerCli } from './private-docker.js';

/** Repository root: the nearest enclosing directory with scripts/lab.sh (works from test/ and from compiled copies). */
export const ROOT = ((): string => {
  for (let dir = import.meta.dirname; ; dir = resolve(dir, '..')) {
    if (existsSync(join(dir, 'scripts/lab.sh'))) return dir;
    if (resolve(dir, '..') === dir) throw new Error('cannot find the repository root (scripts/lab.sh) above ' + import.meta.dirname);
  }
})();

/** The lab script every method goes through. */
export const LAB_SH = join(ROOT, 'scripts/lab.sh');

/** Management address of the underlay namespace (etcd, netmaster). */
export const CONTROL_IP = '198.18.200.254';

/** Result of a command run inside the lab. */
export interface ExecResult {
  code: number;
  out: string;
}

/** An endpoint as `netdcli get endpoints --json` prints it. */
export interface LabEndpoint {
  container: string;
  ip: string;
  network: string;
  tenant: string;
  status: string;
  attachedHost?: string;
  host?: string;
  mac?: string;
  prefixLen?: number;
  error?: string;
}

function runSync(cmd: string, args: string[], timeoutMs = 60_000, env?: NodeJS.ProcessEnv): ExecResult & { stdout: string; stderr: string } {
  try {
    const stdout = execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, env: env ?? process.env, maxBuffer: 64 << 20 });
    return { code: 0, out: stdout, stdout, stderr: '' };
  } catch (err) {
    const e = err as { status: number | null; stdout?: string; stderr?: string; message: string };
    const stdout = e.stdout ?? '';
    const stderr = e.stderr ?? e.message;
    return { code: e.status ?? 1, out: stdout + stderr, stdout, stderr };
  }
}

/** Runs a command without blocking the event loop (reachability checks run many at once). */
export function runAsync(cmd: string, args: string[], timeoutMs = 60_000, env?: NodeJS.ProcessEnv): Promise<ExecResult & { stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(cmd, args, { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20, env: env ?? process.env }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      res({ code, out: stdout + stderr, stdout, stderr });
    });
  });
}

/** A running lab (see docs/lab.md). */
export class Lab {
  /** Directory holding the lab's state, logs and OVS run dirs. */
  readonly dir: string;
  /** Host labels, 'host1'..'hostN'. */
  readonly hosts: string[];
  /** Which host each container was added on. */
  private readonly containers = new Map<string, string>();
  private readonly externals = new Set<string>();
  private downDone = false;

  private constructor(
    readonly id: string,
    hostCount: number,
  ) {
    this.dir = join(ROOT, '.run/lab', id);
    this.hosts = Array.from({ length: hostCount }, (_, i) => `host${i + 1}`);
  }

  /**
   * Builds a lab of `hosts` hosts and waits until every agent logs "netagent running"; removes it again if that fails.
   * `vxlan` is the lab's VXLAN set-up (NP_LAB_VXLAN, docs/lab.md): `onenic` gives each host's one NIC its address and runs the agents with their defaults.
   * `agentArgs` are extra agent flags (NP_LAB_AGENT_ARGS), kept for agents restarted later.
   */
  static async up(opts: { hosts: number; vxlan?: 'kernel' | 'userspace' | 'onenic'; agentArgs?: string[] }): Promise<Lab> {
    const lab = new Lab(randomBytes(3).toString('hex'), opts.hosts);
    const env = opts.vxlan || opts.agentArgs ? { ...process.env, ...(opts.vxlan ? { NP_LAB_VXLAN: opts.vxlan } : {}), ...(opts.agentArgs ? { NP_LAB_AGENT_ARGS: opts.agentArgs.join(' ') } : {}) } : undefined;
    const r = await runAsync(LAB_SH, ['--lab', lab.id, 'up', String(opts.hosts), '--id', lab.id, '--no-current'], 300_000, env);
    if (r.code !== 0) {
      await lab.down();
      throw new Error(`lab up failed (exit ${r.code}):\n${r.stderr}\n${r.stdout}`);
    }
    return lab;
  }

  /** Name of a lab network namespace: 'ul' or a host label. */
  netnsName(hostOrUl: string): string {
    return `np${this.id}-${hostOrUl}`;
  }

  /** The OVS run directory of a host. */
  ovsRundir(host: string): string {
    return join(this.dir, host, 'ovs');
  }

  /** Runs scripts/lab.sh for this lab; throws with its output when it fails. */
  script(args: string[], timeoutMs = 120_000): string {
    const r = runSync(LAB_SH, ['--lab', this.id, ...args], timeoutMs);
    if (r.code !== 0) throw new Error(`lab.sh ${args.join(' ')} failed (exit ${r.code}): ${r.stderr}${r.stdout}`);
    return r.stdout;
  }

  /** Same as `script`, without blocking the event loop. */
  async scriptAsync(args: string[], timeoutMs = 180_000): Promise<string> {
    const r = await runAsync(LAB_SH, ['--lab', this.id, ...args], timeoutMs);
    if (r.code !== 0) throw new Error(`lab.sh ${args.join(' ')} failed (exit ${r.code}): ${r.stderr}${r.stdout}`);
    return r.stdout;
  }

  /** netdcli against the lab's netmaster (run in the underlay namespace, HTTPS with the lab's certificate and token file, as scripts/lab.sh netdcli). */
  netdcli(args: string[]): { code: number; stdout: string; stderr: string } {
    const auth = ['--cacert', join(this.dir, 'ul', 'api-tls.crt'), '--token-file', join(this.dir, 'ul', 'api-token')];
    const r = runSync('ip', ['netns', 'exec', this.netnsName('ul'), process.execPath, join(ROOT, 'dist/cli/netdcli.js'), '--master', `https://${CONTROL_IP}:9999`, ...auth, ...args]);
    return { code: r.code, stdout: r.stdout, stderr: r.stderr };
  }

  /** Applies an intent (`netdcli -cfg`); throws with netdcli's stderr when it is rejected. */
  async applyIntent(intent: object): Promise<void> {
    const dir = join(this.dir, 'intents');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `intent-${Date.now()}-${randomBytes(2).toString('hex')}.json`);
    writeFileSync(file, JSON.stringify(intent, null, 2) + '\n');
    const r = this.netdcli(['-cfg', file]);
    if (r.code !== 0) throw new Error(`netdcli -cfg ${file} failed (exit ${r.code}): ${r.stderr}${r.stdout}`);
  }

  /** Endpoints as the master reports them. */
  endpoints(): LabEndpoint[] {
    const r = this.netdcli(['get', 'endpoints', '--json']);
    if (r.code !== 0) throw new Error(`netdcli get endpoints failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as LabEndpoint[];
  }

  /** Waits until every endpoint of the given containers is attached; throws with the endpoint table and agent logs if not. */
  async waitAttached(containers: string[], timeoutMs = 60_000): Promise<LabEndpoint[]> {
    const deadline = Date.now() + timeoutMs;
    let eps: LabEndpoint[] = [];
    for (;;) {
      try {
        eps = this.endpoints();
        const mine = eps.filter((e) => containers.includes(e.container));
        const done = containers.every((c) => mine.some((e) => e.container === c)) && mine.every((e) => e.status === 'attached');
        if (done) return mine;
      } catch {
        // the master may be restarting; keep polling
      }
      if (Date.now() > deadline) {
        const logs = this.hosts.map((h) => `--- ${h} agent log (tail)\n${this.agentLog(h).split('\n').slice(-15).join('\n')}`).join('\n');
        throw new Error(`endpoints not attached after ${timeoutMs} ms: ${JSON.stringify(eps.map((e) => [e.container, e.network, e.status, e.error]))}\n${logs}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Creates container `name` (a network namespace) on `host`. */
  addContainer(host: string, name: string): void {
    this.script(['container', 'add', host, name]);
    this.containers.set(name, host);
  }

  /** Stops container `name` on `host` (its processes are killed, its namespace file removed). */
  delContainer(host: string, name: string): void {
    this.script(['container', 'del', host, name]);
    this.containers.delete(name);
  }

  /** Same as `addContainer`, without blocking the event loop (several can run at once). */
  async addContainerAsync(host: string, name: string): Promise<void> {
    await this.scriptAsync(['container', 'add', host, name]);
    this.containers.set(name, host);
  }

  /** Same as `delContainer`, without blocking the event loop. */
  async delContainerAsync(host: string, name: string): Promise<void> {
    await this.scriptAsync(['container', 'del', host, name]);
    this.containers.delete(name);
  }

  /** The namespace file of a container. */
  netnsPath(container: string): string {
    const host = this.containers.get(container) ?? this.hosts.find((h) => existsSync(join(this.dir, h, 'netns', container)));
    if (!host) throw new Error(`no container ${container} in lab ${this.id}`);
    return join(this.dir, host, 'netns', container);
  }

  /** Host a container was added on. */
  hostOf(container: string): string {
    return this.netnsPath(container).split('/').slice(-3)[0];
  }

  /** Runs a command inside a container's network namespace. */
  exec(container: string, cmd: string[], timeoutMs = 30_000): ExecResult {
    const r = runSync('nsenter', [`--net=${this.netnsPath(container)}`, ...cmd], timeoutMs);
    return { code: r.code, out: r.out };
  }

  /** Same as `exec`, without blocking the event loop. */
  async execAsync(container: string, cmd: string[], timeoutMs = 30_000): Promise<ExecResult> {
    const r = await runAsync('nsenter', [`--net=${this.netnsPath(container)}`, ...cmd], timeoutMs);
    return { code: r.code, out: r.out };
  }

  /** Starts a long-running command in a container; stop it with `kill()` (by its PID). */
  spawnIn(container: string, cmd: string[]): ChildProcess {
    return this.spawnInNetns(this.netnsPath(container), cmd);
  }

  /**
   * Starts a long-running command in the network namespace at `netnsPath` (nsenter execs it,
   * so the child's PID is the command's). Its stdin stays open: busybox `nc -l` ends the
   * session when stdin reaches EOF, which could race a client's data.
   */
  spawnInNetns(netnsPath: string, cmd: string[]): ChildProcess {
    return spawn('nsenter', [`--net=${netnsPath}`, ...cmd], { stdio: ['pipe', 'pipe', 'pipe'] });
  }

  /** Runs a command in the network namespace at `netnsPath`, without blocking the event loop. */
  async execInNetns(netnsPath: string, cmd: string[], timeoutMs = 30_000): Promise<ExecResult> {
    const r = await runAsync('nsenter', [`--net=${netnsPath}`, ...cmd], timeoutMs);
    return { code: r.code, out: r.out };
  }

  /** Runs a command in a host's namespace ('ul' for the underlay). */
  hostExec(host: string, cmd: string[]): ExecResult {
    const r = runSync('ip', ['netns', 'exec', this.netnsName(host), ...cmd]);
    return { code: r.code, out: r.out };
  }

  /** Runs an OVS CLI (ovs-vsctl, ovs-ofctl, ovs-appctl) against a host's own OVS. */
  ovs(host: string, cmd: string[]): ExecResult {
    const d = this.ovsRundir(host);
    const r = runSync(cmd[0], cmd.slice(1), 30_000, { ...process.env, OVS_RUNDIR: d, OVS_DBDIR: d, OVS_LOGDIR: d });
    return { code: r.code, out: r.out };
  }

  /** SIGKILLs a host's agent. */
  async killAgent(host: string): Promise<void> {
    await this.scriptAsync(['host', 'kill-agent', host]);
  }

  /** Stops a host's agent with SIGTERM and waits for it to exit. */
  async stopAgent(host: string): Promise<void> {
    await this.scriptAsync(['host', 'stop-agent', host]);
  }

  /** Starts a host's agent and waits until it logs "netagent running". */
  async startAgent(host: string): Promise<void> {
    await this.scriptAsync(['host', 'start-agent', host]);
  }

  /** Takes a whole host down: agent, ovs-vswitchd and ovsdb-server (SIGKILL, like a power cut). */
  async hostDown(host: string): Promise<void> {
    await this.scriptAsync(['host', 'down', host]);
  }

  /** Brings a host back: its OVS (same database) and then its agent. */
  async hostUp(host: string): Promise<void> {
    await this.scriptAsync(['host', 'up', host]);
  }

  /** Restarts etcd on the same data directory and waits until it is healthy. */
  async restartEtcd(): Promise<void> {
    await this.scriptAsync(['etcd', 'restart']);
  }

  /** SIGKILLs etcd (its data directory stays). */
  async killEtcd(): Promise<void> {
    await this.scriptAsync(['etcd', 'kill']);
  }

  /** Starts etcd if it is not running and waits until it is healthy. */
  async startEtcd(): Promise<void> {
    await this.scriptAsync(['etcd', 'start']);
  }

  /** SIGKILLs netmaster. */
  async killMaster(): Promise<void> {
    await this.scriptAsync(['master', 'kill']);
  }

  /** Starts netmaster if it is not running and waits until it answers. */
  async startMaster(): Promise<void> {
    await this.scriptAsync(['master', 'start']);
  }

  /** Adds an "external machine" whose untagged traffic enters VLAN `vlan` on the underlay. */
  addExternal(name: string, vlan: number, cidr: string): void {
    this.script(['external', 'add', name, String(vlan), cidr]);
    this.externals.add(name);
  }

  /** Network namespace file of an external machine. */
  externalNetnsPath(name: string): string {
    return `/run/netns/np${this.id}-x-${name}`;
  }

  /** Runs a command on an external machine. */
  externalExec(name: string, cmd: string[]): ExecResult {
    const r = runSync('ip', ['netns', 'exec', `np${this.id}-x-${name}`, ...cmd]);
    return { code: r.code, out: r.out };
  }

  /** A host agent's whole log. */
  agentLog(host: string): string {
    const f = join(this.dir, host, 'netagent.log');
    return existsSync(f) ? readFileSync(f, 'utf8') : '';
  }

  /** Flows of a bridge (default: the agent's) on a host's own OVS, as `ovs-ofctl dump-flows` prints them. */
  dumpFlows(host: string, bridge = 'netplugin'): string {
    return this.ovs(host, ['ovs-ofctl', '-O', 'OpenFlow13', 'dump-flows', bridge]).out;
  }

  /**
   * Whether `host` holds state for the endpoint at `ip` (MAC `mac`, by default the 02:02 formula
   * of the address): a flow naming either or, on the kernel VXLAN path (where one flow per network
   * covers every formula-MAC endpoint), a forwarding entry of a VXLAN device naming the MAC.
   */
  holdsEndpoint(host: string, ip: string, mac?: string): boolean {
    const m = (mac ?? ['02', '02', ...ip.split('.').map((o) => Number(o).toString(16).padStart(2, '0'))].join(':')).toLowerCase();
    const flows = this.dumpFlows(host);
    if (new RegExp(`${ip.replace(/\./g, '\\.')}(?![0-9])`).test(flows) || flows.toLowerCase().includes(m)) return true;
    return this.hostExec(host, ['bridge', 'fdb', 'show']).out.toLowerCase().includes(m);
  }

  /** Keys under `prefix` in the lab's etcd, read through its v3 JSON gateway from the underlay namespace. */
  storeKeys(prefix: string): string[] {
    const key = Buffer.from(prefix);
    const end = Buffer.from(key);
    end[end.length - 1]++; // range_end = the prefix with its last byte incremented: every key that starts with it
    const body = JSON.stringify({ key: key.toString('base64'), range_end: end.toString('base64'), keys_only: true });
    const r = runSync('ip', ['netns', 'exec', this.netnsName('ul'), 'curl', '-fsS', '--max-time', '10', '-X', 'POST', `http://${CONTROL_IP}:2379/v3/kv/range`, '-d', body]);
    if (r.code !== 0) throw new Error(`etcd range ${prefix} failed: ${r.stderr}`);
    const kvs = (JSON.parse(r.stdout) as { kvs?: { key: string }[] }).kvs ?? [];
    return kvs.map((kv) => Buffer.from(kv.key, 'base64').toString('utf8')).sort();
  }

  /**
   * Starts a dockerd of `host`'s own inside its network namespace (`scripts/lab.sh docker up`:
   * offline image loaded) and restarts that host's agent so it serves the Docker plugin
   * `dockerDriver(host)` and follows that engine.
   */
  async dockerUp(host: string): Promise<void> {
    await this.scriptAsync(['docker', 'up', host], 300_000);
  }

  /** Removes `host`'s containers and plugin networks, stops its dockerd by PID, unmounts and deletes what it made, and restarts its agent without the plugin. */
  async dockerDown(host: string): Promise<void> {
    await this.scriptAsync(['docker', 'down', host], 300_000);
  }

  /** The API socket of `host`'s dockerd. */
  dockerSocket(host: string): string {
    return join(this.dir, host, 'docker', 'docker.sock');
  }

  /** The Docker driver (= plugin) name `host`'s agent serves: unique per lab and host, since every engine of the machine shares /run/docker/plugins. */
  dockerDriver(host: string): string {
    return `np${this.id}${host}`;
  }

  /** PID of `host`'s dockerd from its pidfile, if it has one. */
  dockerdPid(host: string): number | undefined {
    const f = join(this.dir, host, 'dockerd.pid');
    return existsSync(f) ? Number(readFileSync(f, 'utf8').trim()) : undefined;
  }

  /** The docker CLI against `host`'s dockerd (never throws). */
  docker(host: string, args: string[], timeoutMs = 120_000): DockerCli {
    const r = runSync('docker', ['-H', `unix://${this.dockerSocket(host)}`, ...args], timeoutMs);
    return { code: r.code, stdout: r.stdout, stderr: r.stderr };
  }

  /** Same as `docker`, without blocking the event loop (a listener's output is read meanwhile). */
  async dockerAsync(host: string, args: string[], timeoutMs = 120_000): Promise<DockerCli> {
    const r = await runAsync('docker', ['-H', `unix://${this.dockerSocket(host)}`, ...args], timeoutMs);
    return { code: r.code, stdout: r.stdout, stderr: r.stderr };
  }

  /** Like `docker`, but throws with stderr on failure and returns trimmed stdout. */
  dockerOk(host: string, args: string[], timeoutMs?: number): string {
    const r = this.docker(host, args, timeoutMs);
    if (r.code !== 0) throw new Error(`docker (${host}) ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
    return r.stdout.trim();
  }

  /** Starts a long-running docker CLI command against `host`'s dockerd (stdin stays open, e.g. for `exec -i ... nc -l`); stop it with `kill()`. */
  spawnDocker(host: string, args: string[]): ChildProcess {
    return spawn('docker', ['-H', `unix://${this.dockerSocket(host)}`, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  }

  /** `scripts/lab.sh status` output. */
  status(): string {
    return this.script(['status']);
  }

  /** Removes the lab completely (idempotent; also after a failed up). */
  async down(): Promise<void> {
    if (this.downDone) return;
    const r = await runAsync(LAB_SH, ['--lab', this.id, 'down'], 600_000);
    if (r.code !== 0) throw new Error(`lab down failed: ${r.stderr}${r.stdout}`);
    this.downDone = true;
  }
}
