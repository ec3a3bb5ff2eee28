/**
 * Wakes the embedded store's watch poller when another process commits. Commits append
 * to the WAL file, which inotify reports on the directory (fs.watch), so watchers wake
 * without busy polling; a slow timer is kept only as a safety net for missed events.
 */
import { watch as fsWatch, type FSWatcher } from 'node:fs';
import { DB_FILE } from './embedded-schema.js';

/** A coalescing wake-up source for one store directory. */
export class ChangeFeed {
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private scheduled = false;

  /** `onWake` runs at most once per event-loop turn, however many wake-ups arrive. */
  constructor(
    private readonly dir: string,
    private readonly safetyPollMs: number,
    private readonly onWake: () => void,
  ) {}

  /** Starts inotify and the safety timer (idempotent). */
  start(): void {
    if (!this.watcher) {
      // persistent:false so the feed alone never keeps a process alive; the timer does
      // while watches are open.
      this.watcher = fsWatch(this.dir, { persistent: false }, (_event, name) => {
        if (name === null || String(name).startsWith(DB_FILE)) this.kick();
      });
      this.watcher.on('error', () => this.kick());
    }
    if (!this.timer && this.safetyPollMs > 0) {
      this.timer = setInterval(() => this.kick(), this.safetyPollMs);
    }
  }

  /** Stops inotify and the timer. */
  stop(): void {
    this.watcher?.close();
    this.watcher = undefined;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Requests a poll on the next turn of the event loop. */
  kick(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.onWake();
    });
  }
}
