/**
 * A dockerd of the test's own (own data root, exec root, pidfile, API socket, containerd,
 * default bridge; no iptables), so a test can restart it without touching the machine's engine.
 * Not `--bridge=none`: that makes dockerd delete the link named docker0 — the machine's
 * engine's bridge, in the same network namespace. Its default bridge is a bridge of its own
 * instead, addressed from TEST-NET-3 (203.0.113.0/24, never routed), removed afterwards.
 * Plugin discovery cannot be separated: dockerd 20.10 has no flag for it and always looks
 * in /run/docker/plugins (sockets) and /etc/docker/plugins, /usr/lib/docker/plugins (specs),
 * so tests give their plugin a unique driver name (the socket's base name) instead.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { IMAGE, sh, stopDaemon, waitFor, type Daemon } from './cluster.js';

/** Result of one docker CLI call. */
export interface DockerCli {
  code: number;
  stdout: string;
  stderr: string;
}

/** A private engine. */
export interface PrivateDocker {
  socket: string;
  /** Runs the docker CLI against this engine (never throws). */
  docker(args: string[], timeoutMs?: number): DockerCli;
  /** Like `docker`, but throws with stderr on failure and returns trimmed stdout. */
  ok(args: string[], timeoutMs?: number): string;
  /** Stops the engine by PID (SIGTERM; containers are stopped as dockerd does) and starts it again. */
  restart(): Promise<void>;
  /** Stops the engine and removes every file and mount it made. */
  destroy(): Promise<void>;
  pid(): number | undefined;
  log(): string;
}

function dockerdArgs(dir: string, bridge: string): string[] {
  return [
    '--data-root', join(dir, 'data'), '--exec-root', join(dir, 'exec'), '--pidfile', join(dir, 'docker.pid'),
    '-H', `unix://${join(dir, 'docker.sock')}`, `--bridge=${bridge}`, '--iptables=false', '--ip-forward=false', '--ip-masq=false',
    '--storage-driver=vfs',
  ];
}

/** Creates the engine's default bridge with a free /30 of 203.0.113.0/24 (dockerd takes the bridge's address as is). */
function makeBridge(): string {
  const name = `npdb${randomBytes(3).toString('hex')}`;
  const used = execFileSync('ip', ['-o', '-4', 'addr', 'show'], { encoding: 'utf8' });
  const free = [...Array(64).keys()].map((k) => `203.0.113.${k * 4 + 1}`).filter((a) => !used.includes(` ${a}/`));
  if (!free.length) throw new Error('no free /30 left in 203.0.113.0/24 for a private dockerd bridge');
  execFileSync('ip', ['link', 'add', name, 'type', 'bridge']);
  execFileSync('ip', ['addr', 'add', `${free[Math.floor(Math.random() * free.length)]}/30`, 'dev', name]);
  return name;
}

/** Mount points under `dir` (deepest first), from this process's mount table. */
export function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m): m is string => !!m && (m === dir || m.startsWith(dir + '/')))
    .sort((a, b) => b.length - a.length);
}

/** Starts a private dockerd in `dir` and loads the offline test image into it. */
export async function startPrivateDocker(dir: string): Promise<PrivateDocker> {
  mkdirSync(dir, { recursive: true });
  const socket = join(dir, 'docker.sock');
  const logFile = join(dir, 'dockerd.log');
  let proc: ChildProcess | undefined;
  const bridge = makeBridge();

  const docker = (args: string[], timeoutMs = 120_000): DockerCli => {
    try {
      const stdout = execFileSync('docker', ['-H', `unix://${socket}`, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
      return { code: 0, stdout, stderr: '' };
    } catch (err) {
      const e = err as { status?: number; stdout?: string; stderr?: string; message: string };
      return { code: e.status ?? 1, stdout: e.stdout ?? '', stderr: e.stderr || e.message };
    }
  };
  const ok = (args: string[], timeoutMs?: number): string => {
    const r = docker(args, timeoutMs);
    if (r.code !== 0) throw new Error(`docker ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
    return r.stdout.trim();
  };

  const start = async (): Promise<void> => {
    const fd = openSync(logFile, 'a');
    proc = spawn('dockerd', dockerdArgs(dir, bridge), { stdio: ['ignore', fd, fd] });
    await waitFor(() => docker(['version', '--format', '{{.Server.Version}}'], 5_000).code === 0, 60_000, () => `private dockerd up\n${readFileSync(logFile, 'utf8').slice(-2000)}`);
  };

  const stop = async (): Promise<void> => {
    const p = proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise<void>((r) => p.once('exit', () => r()));
    p.kill('SIGTERM');
    const t = setTimeout(() => p.kill('SIGKILL'), 60_000);
    await exited;
    clearTimeout(t);
  };

  try {
    await start();
  } catch (err) {
    execFileSync('ip', ['link', 'del', bridge], { stdio: 'ignore' });
    throw err;
  }
  execFileSync('sh', ['-c', `docker save ${IMAGE} | docker -H unix://${socket} load -q`], { stdio: 'ignore', timeout: 120_000 });

  return {
    socket,
    docker,
    ok,
    pid: () => proc?.pid,
    log: () => readFileSync(logFile, 'utf8'),
    restart: async () => {
      await stop();
      await start();
    },
    destroy: async () => {
      const ids = docker(['ps', '-aq']).stdout.split('\n').filter(Boolean);
      if (ids.length) docker(['rm', '-f', ...ids]);
      await stop();
      for (const m of mountsUnder(dir)) {
        try {
          execFileSync('umount', ['-l', m], { stdio: 'ignore' });
        } catch {
          // Already gone with its parent.
        }
      }
      rmSync(dir, { recursive: true, force: true });
      try {
        execFileSync('ip', ['link', 'del', bridge], { stdio: 'ignore' });
      } catch {
        // Already gone.
      }
    },
  };
}

/** What a test built around a private dockerd and a real agent: all optional, for clean-up after a failed start. */
export interface DockerTestbed {
  dk?: PrivateDocker;
  agent?: Daemon;
  master?: Daemon;
  pluginSock: string;
  bridge: string;
  dir: { cleanup(): void };
}

/**
 * Tears such a test down: containers first (their endpoints go through the plugin while the
 * agent is still up), then the daemons by PID, the engine, the plugin socket, the bridge.
 */
export async function destroyDockerTestbed(t: DockerTestbed): Promise<void> {
  if (t.dk) {
    const ids = t.dk.docker(['ps', '-aq']).stdout.split('\n').filter(Boolean);
    if (ids.length) t.dk.docker(['rm', '-f', ...ids]);
  }
  await stopDaemon(t.agent);
  await stopDaemon(t.master);
  await t.dk?.destroy();
  rmSync(t.pluginSock, { force: true });
  sh('ovs-vsctl', ['--if-exists', 'del-br', t.bridge], { allowFail: true });
  t.dir.cleanup();
}
