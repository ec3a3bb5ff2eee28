/**
 * Wakes the embedded store's watch poller when another process commits. Commits append
 * to the WAL file, which inotify reports on the directory (fs.watch), so watchers wake
 * without busy polling; a slow timer is kept only as a safety net for missed events.
 * inotify fires on the WAL write(), which precedes the commit becoming visible to
 * readers (fsync, then the wal-index update in shared memory, which inotify cannot
 * see), so each burst of file events is followed by a few trailing polls.
 */
import { watch as fsWatch, type FSWatcher } from 'node:fs';
import { DB_FILE } from './embedded-schema.js';

/** Delays (ms after the last file event) of the trailing polls that catch a late-visible commit. */
const TRAILING_POLLS_MS = [1, 5, 25, 100, 400];

/** A coalescing wake-up source for one store directory. */
export class ChangeFeed {
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private scheduled = false;
  private trailTimer: NodeJS.Timeout | undefined;
  private trailStep = 0;

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
        if (name === null || String(name).startsWith(DB_FILE)) this.fileChanged();
      });
      this.watcher.on('error', () => this.fileChanged());
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
    if (this.trailTimer) clearTimeout(this.trailTimer);
    this.trailTimer = undefined;
  }

  /** A store file changed: poll now and again a few times as the commit becomes visible. */
  private fileChanged(): void {
    this.kick();
    this.trailStep = 0;
    if (this.trailTimer) clearTimeout(this.trailTimer);
    this.scheduleTrail();
  }

  private scheduleTrail(): void {
    const prev = this.trailStep === 0 ? 0 : TRAILING_POLLS_MS[this.trailStep - 1];
    const next = TRAILING_POLLS_MS[this.trailStep];
    if (next === undefined) {
      this.trailTimer = undefined;
      return;
    }
    this.trailTimer = setTimeout(() => {
      this.trailStep++;
      this.kick();
      this.scheduleTrail();
    }, next - prev);
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
