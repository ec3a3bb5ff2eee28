/**
 * Gratuitous ARP for endpoints attached to VLAN networks. A physical switch learns where a MAC
 * lives from frames it sees; an endpoint whose traffic is routed (sent onto the trunk from the
 * gateway's MAC) or answered locally may never send one itself, so after a move, or when its
 * address was used elsewhere before, the switch keeps forwarding its frames to the old port
 * until its entry ages out. One unsolicited ARP from inside the container on attach fixes that
 * (the pipeline floods it instead of answering it). VXLAN networks need none: hosts find
 * endpoints through the intent, not by learning.
 */
import { execFile } from 'node:child_process';

/** Runs a program; resolves when it exits (whatever its status), rejects only when it cannot start. */
export type Runner = (file: string, args: readonly string[]) => Promise<{ code: number; stderr: string }>;

/** What one announcement needs. */
export interface Announcement {
  /** The container's network namespace (a path nsenter accepts). */
  netns: string;
  ifName: string;
  ip: string;
}

/** The command lines tried in order: busybox's arping, then iputils' (whichever the host has). */
export function announceCommands(a: Announcement): Array<[string, string[]]> {
  const inNs = ['--net=' + a.netns];
  return [
    ['nsenter', [...inNs, '/bin/busybox', 'arping', '-U', '-c', '1', '-w', '1', '-I', a.ifName, a.ip]],
    ['nsenter', [...inNs, 'arping', '-U', '-c', '1', '-w', '1', '-I', a.ifName, a.ip]],
  ];
}

/** Sends the announcement with the first tool that runs; resolves with which one did, or undefined. */
export async function announce(run: Runner, a: Announcement): Promise<string | undefined> {
  for (const [file, args] of announceCommands(a)) {
    const r = await run(file, args).catch(() => undefined);
    // nsenter exits 127 when the tool inside is missing: try the next one.
    if (r && r.code !== 127 && r.code !== 126) return args[1];
  }
  return undefined;
}

/** Runs programs with a short timeout (an announcement is best effort). */
export const execRunner: Runner = (file, args) =>
  new Promise((resolve, reject) => {
    execFile(file, [...args], { timeout: 5_000, encoding: 'utf8' }, (err, _stdout, stderr) => {
      const code: unknown = (err as { code?: unknown } | null)?.code;
      if (err && typeof code === 'string') reject(err);
      else resolve({ code: typeof code === 'number' ? code : err ? 1 : 0, stderr });
    });
  });

/** How many announcements run at once: a round attaching 1,000 endpoints must not fork 1,000 processes. */
export const ANNOUNCE_CONCURRENCY = 4;

/** Queues announcements and runs at most `limit` at a time; `done` hears which tool each used. */
export class Announcer {
  private readonly queue: Announcement[] = [];
  private running = 0;

  /** `run` starts programs; `limit` bounds how many announcements run at once. */
  constructor(
    private readonly run: Runner,
    private readonly done: (a: Announcement, tool: string | undefined) => void = () => {},
    private readonly limit = ANNOUNCE_CONCURRENCY,
  ) {}

  /** Queues one announcement (best effort: nothing is returned, nothing throws). */
  add(a: Announcement): void {
    this.queue.push(a);
    this.pump();
  }

  private pump(): void {
    while (this.running < this.limit && this.queue.length) {
      const a = this.queue.shift()!;
      this.running++;
      void announce(this.run, a).then((tool) => {
        this.running--;
        this.done(a, tool);
        this.pump();
      });
    }
  }
}
