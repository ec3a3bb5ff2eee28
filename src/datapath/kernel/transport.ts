/**
 * One batch's netlink transport: the addon's Session, plus re-reading dumps the kernel marked
 * inconsistent, and a time limit on exchanges that enter a container's namespace.
 */
import { EINTR } from './constants.js';
import { dumpDecision, dumpInterrupted } from './dump.js';
import type { NativeError, NativeSession, Step, StepResult } from './native.js';
import { NETNS_OP_TIMEOUT_MS, withNetnsTimeout } from './netns-timeout.js';

/** A Step the transport knows to be a dump (read again on NLM_F_DUMP_INTR). */
export type TransportStep = Step & { dump?: boolean };

/** Sends steps through a NativeSession; dumps that raced a change are read again, a bounded number of times. */
export class NetlinkTransport {
  /** Total dump re-reads, for tests and diagnostics. */
  dumpRetries = 0;

  /** Set once an exchange was abandoned: the session's worker may still hold its sockets. */
  private abandoned?: NativeError;

  /** `netnsTimeoutMs` limits each exchange that enters a container namespace. */
  constructor(
    private readonly session: NativeSession,
    private readonly netnsTimeoutMs = NETNS_OP_TIMEOUT_MS,
  ) {}

  /** Sends the steps in order (one worker round trip) and returns one result per step. */
  async exchange(steps: TransportStep[]): Promise<StepResult[]> {
    if (steps.length === 0) return [];
    const results: StepResult[] = await this.send(steps);
    let pending = steps.map((_, i) => i).filter((i) => steps[i].dump);
    for (let attempt = 1; pending.length > 0; attempt++) {
      const again: number[] = [];
      for (const i of pending) {
        const r = results[i];
        const decision = dumpDecision(attempt, r.ok && dumpInterrupted(r.messages, r.doneFlags));
        if (decision === 'retry') again.push(i);
        else if (decision === 'fail') results[i] = interrupted(steps[i].label, attempt);
      }
      if (again.length === 0) break;
      this.dumpRetries += again.length;
      const redo = await this.send(again.map((i) => steps[i]));
      again.forEach((i, k) => (results[i] = redo[k]));
      pending = again;
    }
    return results;
  }

  /** Closes the sockets. */
  close(): void {
    this.session.close();
  }

  /**
   * One exchange; inside a container namespace it is raced with the time limit. A lost race
   * fails its steps and every later one of this transport (the session stays busy until the
   * stuck worker returns, and is closed then); the batch, and so the round, carries on.
   */
  private async send(steps: Step[]): Promise<StepResult[]> {
    if (this.abandoned) return steps.map(() => ({ ok: false, error: this.abandoned! }));
    const work = this.session.exchange(steps);
    if (!steps.some(entersNamespace)) return Array.from(await work);
    const where = [...new Set(steps.map(namespaceOf).filter((n) => n !== ''))].join(', ');
    try {
      return Array.from(await withNetnsTimeout(work, this.netnsTimeoutMs, `netlink exchange in ${where}`));
    } catch (err) {
      const e = err as NativeError;
      if (e.code !== 'NP_NETNS_TIMEOUT') throw err;
      this.abandoned = e;
      work.catch(() => undefined);
      this.session.close();
      return steps.map(() => ({ ok: false, error: e }));
    }
  }
}

/** The container namespace a step works in or moves a link to ('' for the worker's own). */
function namespaceOf(step: Step): string {
  const spec = step.spec as { moveToNetns?: unknown; peerNetns?: unknown };
  if (step.netns) return step.netns;
  if (typeof spec.moveToNetns === 'string' && spec.moveToNetns) return spec.moveToNetns;
  if (typeof spec.peerNetns === 'string' && spec.peerNetns) return spec.peerNetns;
  return '';
}

function entersNamespace(step: Step): boolean {
  return namespaceOf(step) !== '';
}

function interrupted(label: string, attempts: number): StepResult {
  const error = Object.assign(new Error(`${label}: dump interrupted by concurrent changes ${attempts} times`), {
    code: 'NP_NETLINK',
    errno: EINTR,
    syscall: label,
  });
  return { ok: false, error };
}
