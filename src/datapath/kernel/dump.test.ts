import { describe, expect, it } from 'vitest';
import { NLM_F_DUMP_INTR, NLM_F_MULTI } from './constants.js';
import { MAX_DUMP_ATTEMPTS, dumpDecision, dumpInterrupted } from './dump.js';
import { netlinkAddon } from './native.js';

describe('dump retry on NLM_F_DUMP_INTR', () => {
  it('copies the kernel header value', () => {
    expect(NLM_F_DUMP_INTR).toBe(netlinkAddon().constants.NLM_F_DUMP_INTR);
  });

  it('sees the flag on a dump message or on NLMSG_DONE, and not otherwise', () => {
    const clean = [{ flags: NLM_F_MULTI }, { flags: NLM_F_MULTI }];
    expect(dumpInterrupted(clean, NLM_F_MULTI)).toBe(false);
    expect(dumpInterrupted([...clean, { flags: NLM_F_MULTI | NLM_F_DUMP_INTR }], NLM_F_MULTI)).toBe(true);
    expect(dumpInterrupted(clean, NLM_F_MULTI | NLM_F_DUMP_INTR)).toBe(true);
    expect(dumpInterrupted([], 0)).toBe(false);
  });

  it('asks for a retry while interrupted, bounded by MAX_DUMP_ATTEMPTS', () => {
    expect(dumpDecision(1, false)).toBe('accept');
    expect(dumpDecision(1, true)).toBe('retry');
    expect(dumpDecision(MAX_DUMP_ATTEMPTS - 1, true)).toBe('retry');
    expect(dumpDecision(MAX_DUMP_ATTEMPTS, true)).toBe('fail');
    expect(dumpDecision(MAX_DUMP_ATTEMPTS, false)).toBe('accept');
  });
});
