/** One batch's netlink transport: the addon's Session, plus re-reading dumps the kernel marked inconsistent. */
import { EINTR } from './constants.js';
import { dumpDecision, dumpInterrupted } from './dump.js';
import type { NativeSession, Step, StepResult } from './native.js';

/** A Step the transport knows to be a dump (read again on NLM_F_DUMP_INTR). */
export type TransportStep = Step & { dump?: boolean };

/** Sends steps through a NativeSession; dumps that raced a change are read again, a bounded number of times. */
export class NetlinkTransport {
  /** Total dump re-reads, for tests and diagnostics. */
  dumpRetries = 0;

  constructor(private readonly session: NativeSession) {}

  /** Sends the steps in order (one worker round trip) and returns one result per step. */
  async exchange(steps: TransportStep[]): Promise<StepResult[]> {
    if (steps.length === 0) return [];
    const results: StepResult[] = Array.from(await this.session.exchange(steps));
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
      const redo = await this.session.exchange(again.map((i) => steps[i]));
      again.forEach((i, k) => (results[i] = redo[k]));
      pending = again;
    }
    return results;
  }

  /** Closes the sockets. */
  close(): void {
    this.session.close();
  }
}

function interrupted(label: string, attempts: number): StepResult {
  const error = Object.assign(new Error(`${label}: dump interrupted by concurrent changes ${attempts} times`), {
    code: 'NP_NETLINK',
    errno: EINTR,
    syscall: label,
  });
  return { ok: false, error };
}
