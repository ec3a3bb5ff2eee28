/** When a netlink dump must be read again: the kernel flags a dump that raced a change with NLM_F_DUMP_INTR. */
import { NLM_F_DUMP_INTR } from './constants.js';

/** How many times one dump is read before its interruption is reported as an error. */
export const MAX_DUMP_ATTEMPTS = 5;

/** True when any message of a dump, or its closing NLMSG_DONE, carries NLM_F_DUMP_INTR. */
export function dumpInterrupted(messages: ReadonlyArray<{ flags: number }>, doneFlags: number): boolean {
  return (doneFlags & NLM_F_DUMP_INTR) !== 0 || messages.some((m) => (m.flags & NLM_F_DUMP_INTR) !== 0);
}

/**
 * What to do with a dump after its `attempt`-th read (1-based): keep it, read it again, or give up
 * because it kept racing changes (the caller reports EINTR rather than a list that may miss objects).
 */
export function dumpDecision(attempt: number, interrupted: boolean): 'accept' | 'retry' | 'fail' {
  if (!interrupted) return 'accept';
  return attempt < MAX_DUMP_ATTEMPTS ? 'retry' : 'fail';
}
