/**
 * The names of the links in the agent's own namespace, kept between full reads: the round
 * needs them to tell whether a port's host-side veth still exists, and a full dump of the
 * namespace costs more than the rest of a one-container round. The agent's own creations
 * and deletions keep the copy current; a full read happens on the first use, after
 * `invalidate()` (a failed round) and once per `maxAgeMs`, to catch changes made by others.
 */
import type { Kernel, LinkInfo } from '../datapath/kernel/index.js';
import { runOneOn } from '../datapath/kernel/index.js';

/** The host namespace's link names, re-read at most every `maxAgeMs`. */
export class HostLinks {
  private names?: Set<string>;
  private readAt = 0;

  /** `now` is injectable for tests. */
  constructor(
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The link names, read from the kernel when the copy is missing or older than `maxAgeMs`. */
  async current(kernel: Kernel): Promise<ReadonlySet<string>> {
    if (!this.names || this.now() - this.readAt >= this.maxAgeMs) {
      const links = (await runOneOn(kernel, { op: 'linkList' })) as LinkInfo[];
      this.names = new Set(links.map((l) => l.name));
      this.readAt = this.now();
    }
    return this.names;
  }

  /** Records links this agent created. */
  added(names: Iterable<string>): void {
    if (this.names) for (const n of names) this.names.add(n);
  }

  /** Records links this agent deleted. */
  removed(names: Iterable<string>): void {
    if (this.names) for (const n of names) this.names.delete(n);
  }

  /** Forgets the copy: the next `current()` reads the kernel. */
  invalidate(): void {
    this.names = undefined;
  }
}
