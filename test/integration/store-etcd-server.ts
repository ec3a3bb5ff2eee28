/**
 * Starts a private single-member etcd for the store tests (real etcd from Debian's
 * etcd-server), on free loopback ports and a temp data dir; stopped by its own PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A loopback TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** One etcd process that can be stopped and started again on the same data and ports. */
export class TestEtcd {
  readonly dataDir = mkdtempSync(join(tmpdir(), 'np-etcd-'));
  readonly name = `np${randomBytes(4).toString('hex')}`;
  private proc: ChildProcess | undefined;

  private constructor(
    readonly clientPort: number,
    readonly peerPort: number,
    private readonly defaultLimits: boolean,
  ) {}

  /** Client URL of this etcd. */
  get endpoint(): string {
    return `http://127.0.0.1:${this.clientPort}`;
  }

  /** Picks ports and starts etcd; resolves when it answers /health. */
  static async start(opts: { defaultLimits?: boolean } = {}): Promise<TestEtcd> {
    const e = new TestEtcd(await freePort(), await freePort(), opts.defaultLimits ?? false);
    await e.startProcess();
    return e;
  }

  /** (Re)starts the process on the same data dir and ports. */
  async startProcess(): Promise<void> {
    const peer = `http://127.0.0.1:${this.peerPort}`;
    const log = openSync(join(this.dataDir, 'etcd.log'), 'a');
    this.proc = spawn(
      '/usr/bin/etcd',
      [
        '--data-dir', join(this.dataDir, 'data'),
        '--name', this.name,
        '--listen-client-urls', this.endpoint,
        '--advertise-client-urls', this.endpoint,
        '--listen-peer-urls', peer,
        '--initial-advertise-peer-urls', peer,
        '--initial-cluster', `${this.name}=${peer}`,
        // netmaster applies an intent as one txn: lift etcd's defaults (128 ops, 1.5 MiB).
        ...(this.defaultLimits ? [] : ['--max-txn-ops', '100000', '--max-request-bytes', String(64 << 20)]),
      ],
      { stdio: ['ignore', log, log] },
    );
    const proc = this.proc;
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`etcd exited with ${proc.exitCode}; see ${this.dataDir}/etcd.log`);
      try {
        const res = await fetch(`${this.endpoint}/health`);
        if (res.ok && ((await res.json()) as { health?: string }).health === 'true') return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`etcd did not become healthy; see ${this.dataDir}/etcd.log`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Stops the process by PID (SIGTERM, then SIGKILL) and waits for it to exit. */
  async stopProcess(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    if (!proc || proc.exitCode !== null || proc.pid === undefined) return;
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    process.kill(proc.pid, 'SIGTERM');
    const timer = setTimeout(() => proc.pid !== undefined && proc.exitCode === null && process.kill(proc.pid, 'SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  /** Stops etcd and removes its data. */
  async destroy(): Promise<void> {
    await this.stopProcess();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
