/**
 * Hand-built "hosts" for the benchmarks' baselines: a network namespace running its own
 * ovsdb-server and ovs-vswitchd (userspace TSO on before vswitchd starts: docs/platform.md),
 * configured only with ip / ovs-vsctl, so a baseline never goes through the agent.
 * Everything is stopped by the PIDs in its own pidfiles and removed by `stop()`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SCHEMA = '/usr/share/openvswitch/vswitch.ovsschema';

/** Runs a command and returns its stdout; throws with stderr on failure. */
export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', env: opts.env ?? process.env, input: opts.input, timeout: opts.timeoutMs ?? 120_000, maxBuffer: 64 << 20, stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.slice(0, 6).join(' ')} failed: ${e.stderr || e.message}`);
  }
}

/** Creates a named network namespace (in /run/netns) with loopback up and IPv6 off, like the lab's. */
export function addNetns(name: string): void {
  run('ip', ['netns', 'add', name]);
  run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  spawnSync('ip', ['netns', 'exec', name, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
}

/** Deletes named network namespaces, ignoring ones already gone; one `ip -batch` for all. */
export function delNetns(names: string[]): void {
  if (!names.length) return;
  spawnSync('ip', ['-force', '-batch', '-'], { input: names.map((n) => `netns del ${n}\n`).join('') });
}

function pidOf(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** CPU time (user + system, in seconds) a process has used so far, or 0 if it is gone. */
export function cpuSeconds(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat(5); the slice starts at field 3.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** A namespace with its own OVS, standing in for one host. */
export class HandHost {
  /** OVS run/db/log directory of this host. */
  readonly dir: string;

  private constructor(readonly netns: string) {
    this.dir = mkdtempSync(join(tmpdir(), `${netns}-`));
  }

  /** Creates the namespace and starts ovsdb-server + ovs-vswitchd in it (userspace TSO on). */
  static start(netns: string): HandHost {
    const h = new HandHost(netns);
    try {
      addNetns(netns);
      const d = h.dir;
      run('ovsdb-tool', ['create', join(d, 'conf.db'), SCHEMA]);
      run('ip', ['netns', 'exec', netns, 'ovsdb-server', join(d, 'conf.db'), `--remote=punix:${d}/db.sock`, `--pidfile=${d}/ovsdb-server.pid`, '--detach', '--no-chdir', `--log-file=${d}/ovsdb-server.log`, `--unixctl=${d}/ovsdb-server.ctl`, '-vconsole:off'], { env: h.env() });
      run('ovs-vsctl', ['--no-wait', '--', 'init', '--', 'set', 'Open_vSwitch', '.', 'other_config:userspace-tso-enable=true'], { env: h.env() });
      run('ip', ['netns', 'exec', netns, 'ovs-vswitchd', `unix:${d}/db.sock`, `--pidfile=${d}/ovs-vswitchd.pid`, '--detach', '--no-chdir', `--log-file=${d}/ovs-vswitchd.log`, `--unixctl=${d}/ovs-vswitchd.ctl`, '-vconsole:off'], { env: h.env() });
      return h;
    } catch (err) {
      h.stop();
      throw err;
    }
  }

  /** Environment pointing the OVS CLIs at this host's OVS. */
  env(): NodeJS.ProcessEnv {
    return { ...process.env, OVS_RUNDIR: this.dir, OVS_DBDIR: this.dir, OVS_LOGDIR: this.dir };
  }

  /** PID of this host's ovs-vswitchd. */
  vswitchdPid(): number | undefined {
    return pidOf(join(this.dir, 'ovs-vswitchd.pid'));
  }

  /** ovs-vsctl against this host's database. */
  vsctl(args: string[], timeoutMs = 120_000): string {
    return run('ovs-vsctl', [`--db=unix:${this.dir}/db.sock`, `--timeout=${Math.ceil(timeoutMs / 1000)}`, ...args], { env: this.env(), timeoutMs });
  }

  /** A command inside this host's namespace. */
  exec(cmd: string[], input?: string): string {
    return run('ip', ['netns', 'exec', this.netns, ...cmd], { input, env: this.env() });
  }

  /** Stops vswitchd and ovsdb-server by their PIDs, deletes the namespace and the directory. */
  stop(): void {
    for (const name of ['ovs-vswitchd', 'ovsdb-server']) {
      const pid = pidOf(join(this.dir, `${name}.pid`));
      if (!pid) continue;
      try {
        // Only signal the PID if it still is the daemon we started (pids get reused).
        if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(this.dir)) process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
      for (let i = 0; i < 50 && existsSync(`/proc/${pid}`); i++) spawnSync('sleep', ['0.05']);
      if (existsSync(`/proc/${pid}`)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // exited meanwhile
        }
      }
    }
    delNetns([this.netns]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
