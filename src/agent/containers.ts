/**
 * The Docker containers running on this host, by name, kept current from the engine's
 * event stream. While the engine is unreachable the view is marked not authoritative so
 * the agent never tears down endpoints just because it cannot see their containers.
 */
import type { Logger } from '../common/log.js';

/** A running container the agent can plumb. */
export interface LocalContainer {
  id: string;
  name: string;
  pid: number;
  /** Path of the container's network namespace file. */
  netns: string;
  /** Which source reported it. */
  source: ContainerSource['kind'];
  /** Interface name the runtime asked for inside the container (CNI_IFNAME); default first free ethN. */
  ifName?: string;
  /**
   * Docker Join: the container-side veth is created in the host namespace under this name
   * and left for the runtime to move into the sandbox (it sets address and routes itself).
   */
  handoffPeer?: string;
}

/** Something that knows which containers run on this host. */
export interface ContainerSource {
  readonly kind: 'docker' | 'netns' | 'cni' | 'docker-driver';
  start(): void;
  stop(): void;
  /** Running containers by name. */
  running(): ReadonlyMap<string, LocalContainer>;
  /** False while the source cannot see its runtime: nothing is detached for lack of its containers then. */
  isAuthoritative(): boolean;
  /** Re-reads the runtime (periodic safety net); optional. */
  rescan?(): void;
}

/**
 * What the watcher needs of a container engine client. The Docker engine client
 * (src/docker/engine.ts) fits it; the entry point that owns the client passes it in, so the
 * agent does not depend on the Docker front end.
 */
export interface ContainerEngine {
  /** True when the engine answers; never throws. */
  ping(): Promise<boolean>;
  /** Follows container events (`since` in epoch seconds replays past ones); `onEnd` once, with an error on failure. */
  events(
    opts: { since?: number; types?: string[]; actions?: string[] },
    onEvent: (e: { id: string; action: string }) => void,
    onEnd: (err?: Error) => void,
  ): { close(): void };
  /** Containers (running only unless `all`). */
  listContainers(opts: { all?: boolean }): Promise<{ id: string }[]>;
  /** One container, or undefined when the engine does not know it. */
  inspect(id: string): Promise<{ id: string; name: string; running: boolean; pid: number; sandboxKey?: string } | undefined>;
}

const RELEVANT_ACTIONS = ['start', 'restart', 'die', 'stop', 'kill', 'destroy', 'rename'];

/** Follows a Docker engine; reconnects with backoff when it goes away. */
export class ContainerWatcher implements ContainerSource {
  readonly kind = 'docker' as const;
  private readonly byName = new Map<string, LocalContainer>();
  private authoritative = false;
  private stream?: { close(): void };
  private stopped = false;
  private retryTimer?: NodeJS.Timeout;
  private backoffMs = 250;

  /** `onChange` runs whenever the set of running containers may have changed. */
  constructor(
    private readonly engine: ContainerEngine,
    private readonly onChange: () => void,
    private readonly log: Logger,
  ) {}

  /** Starts following the engine (returns at once; connection happens in the background). */
  start(): void {
    void this.connect();
  }

  /** Running containers by name. */
  running(): ReadonlyMap<string, LocalContainer> {
    return this.byName;
  }

  /** True once the engine has been listed and its events are being followed. */
  isAuthoritative(): boolean {
    return this.authoritative;
  }

  /** Stops following. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.stream?.close();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    try {
      if (!(await this.engine.ping())) throw new Error('docker engine not reachable');
      // Subscribe before listing so nothing between the two is missed.
      const since = Math.floor(Date.now() / 1000) - 1;
      this.stream = this.engine.events(
        { since, types: ['container'], actions: RELEVANT_ACTIONS },
        (e) => void this.onEvent(e),
        (err) => this.onStreamEnd(err),
      );
      await this.relist();
      this.authoritative = true;
      this.backoffMs = 250;
      this.log.info({ containers: this.byName.size }, 'following docker engine');
      this.onChange();
    } catch (err) {
      this.scheduleRetry(err as Error);
    }
  }

  private onStreamEnd(err?: Error): void {
    if (this.stopped) return;
    this.authoritative = false;
    this.scheduleRetry(err ?? new Error('docker event stream ended'));
  }

  private scheduleRetry(err: Error): void {
    if (this.stopped) return;
    this.stream?.close();
    this.stream = undefined;
    this.log.debug({ err: err.message, retryMs: this.backoffMs }, 'docker engine unavailable; retrying');
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), this.backoffMs);
    this.backoffMs = Math.min(this.backoffMs * 2, 5000);
  }

  private async relist(): Promise<void> {
    const list = await this.engine.listContainers({ all: false });
    const fresh = new Map<string, LocalContainer>();
    for (const c of list) {
      const found = await this.inspect(c.id);
      if (found) fresh.set(found.name, found);
    }
    this.byName.clear();
    for (const [k, v] of fresh) this.byName.set(k, v);
  }

  private async inspect(id: string): Promise<LocalContainer | undefined> {
    const d = await this.engine.inspect(id);
    if (!d || !d.running || d.pid <= 0) return undefined;
    const netns = d.sandboxKey || `/proc/${d.pid}/ns/net`;
    return { id: d.id, name: d.name, pid: d.pid, netns, source: 'docker' };
  }

  private async onEvent(e: { id: string }): Promise<void> {
    try {
      const fresh = await this.inspect(e.id);
      for (const [name, c] of this.byName) if (c.id === e.id) this.byName.delete(name);
      if (fresh) this.byName.set(fresh.name, fresh);
      this.onChange();
    } catch (err) {
      this.log.warn({ err: (err as Error).message, id: e.id }, 'inspect after docker event failed');
      this.onStreamEnd(err as Error);
    }
  }
}
