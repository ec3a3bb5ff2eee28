/**
 * A container source for runtimes without Docker (and for the multi-host lab): every
 * network-namespace file in a directory is a running container named after the file.
 * The directory is watched with inotify and rescanned on demand; a file that is not (yet)
 * a mounted network namespace is ignored until it is one.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readdir, stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../common/log.js';
import type { ContainerSource, LocalContainer } from './containers.js';

/** statfs f_type of nsfs, the filesystem of namespace files. */
const NSFS_MAGIC = 0x6e736673;

/** Follows a directory of netns files. */
export class NetnsDirSource implements ContainerSource {
  readonly kind = 'netns' as const;
  private byName = new Map<string, LocalContainer>();
  private watcher?: FSWatcher;
  private scanned = false;
  private scanning?: Promise<void>;
  private again = false;
  private pendingTimer?: NodeJS.Timeout;
  private pendingDelay = 0;

  /** `onChange` runs when the set of namespaces may have changed. */
  constructor(
    private readonly dir: string,
    private readonly onChange: () => void,
    private readonly log: Logger,
  ) {}

  /** Starts watching (the first scan happens at once). */
  start(): void {
    try {
      this.watcher = watch(this.dir, () => this.rescan());
      this.watcher.on('error', (err) => this.log.warn({ err: err.message, dir: this.dir }, 'netns dir watch failed'));
    } catch (err) {
      this.log.warn({ err: (err as Error).message, dir: this.dir }, 'cannot watch netns dir; relying on periodic rescans');
    }
    this.rescan();
  }

  /** Scans the directory again (coalesced); called on inotify events and by the agent's resync. */
  rescan(): void {
    if (this.scanning) {
      this.again = true;
      return;
    }
    this.scanning = this.scan()
      .catch((err: Error) => this.log.warn({ err: err.message, dir: this.dir }, 'netns dir scan failed'))
      .finally(() => {
        this.scanning = undefined;
        if (this.again) {
          this.again = false;
          this.rescan();
        }
      });
  }

  private async scan(): Promise<void> {
    const names = await readdir(this.dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [] as string[];
      throw err;
    });
    const fresh = new Map<string, LocalContainer>();
    let pending = 0;
    for (const name of names) {
      const path = join(this.dir, name);
      try {
        const [fs, st] = await Promise.all([statfs(path), stat(path)]);
        if (fs.type !== NSFS_MAGIC) {
          pending++;
          continue;
        }
        // The inode identifies the namespace: a re-created namespace is a new container.
        fresh.set(name, { id: `netns:${st.ino}`, name, pid: 0, netns: path, source: 'netns' });
      } catch {
        // Vanished between readdir and stat: it is simply not running.
      }
    }
    const changed = fresh.size !== this.byName.size || [...fresh].some(([n, c]) => this.byName.get(n)?.id !== c.id);
    this.byName = fresh;
    this.scanned = true;
    this.watchPending(pending);
    if (changed) this.onChange();
  }

  /**
   * A file is created before a namespace is mounted on it, and mounting makes no inotify
   * event: while such files exist, look again soon (backing off to once a second).
   */
  private watchPending(pending: number): void {
    clearTimeout(this.pendingTimer);
    if (pending === 0) {
      this.pendingDelay = 0;
      return;
    }
    this.pendingDelay = Math.min(1000, this.pendingDelay ? this.pendingDelay * 2 : 20);
    this.pendingTimer = setTimeout(() => this.rescan(), this.pendingDelay);
  }

  /** Running containers by name. */
  running(): ReadonlyMap<string, LocalContainer> {
    return this.byName;
  }

  /** True after the first complete scan. */
  isAuthoritative(): boolean {
    return this.scanned;
  }

  /** Stops watching. */
  stop(): void {
    clearTimeout(this.pendingTimer);
    this.watcher?.close();
  }
}
