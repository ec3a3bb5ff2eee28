import { describe, expect, it } from 'vitest';
import { runSliced, runToEnd, type Steps } from './sliced.js';

/** Sums 1..n, yielding after every item, and records the order of what ran. */
function* sum(n: number, trace: string[]): Steps<number> {
  let total = 0;
  for (let i = 1; i <= n; i++) {
    total += i;
    trace.push(`step ${i}`);
    yield;
  }
  return total;
}

/** A clock that moves `perRead` ms every time it is read. */
function clock(perRead: number): () => number {
  let t = 0;
  return () => (t += perRead);
}

describe('runToEnd', () => {
  it('runs every step in one piece and returns the result', () => {
    const trace: string[] = [];
    setImmediate(() => trace.push('other'));
    expect(runToEnd(sum(5, trace))).toBe(15);
    expect(trace).toEqual(['step 1', 'step 2', 'step 3', 'step 4', 'step 5']);
  });
});

describe('runSliced', () => {
  it('pauses at a yield once the slice is used up, and gives the same result', async () => {
    const trace: string[] = [];
    const pause = async () => {
      trace.push('pause');
    };
    // Every read of the clock moves it 1 ms: one read per yield, one more to start a slice,
    // so a 2 ms slice holds two steps.
    expect(await runSliced(sum(5, trace), { sliceMs: 2, now: clock(1), pause })).toBe(runToEnd(sum(5, [])));
    expect(trace).toEqual(['step 1', 'step 2', 'pause', 'step 3', 'step 4', 'pause', 'step 5']);
  });

  it('never pauses while the slice lasts', async () => {
    const trace: string[] = [];
    const pause = async () => {
      trace.push('pause');
    };
    expect(await runSliced(sum(4, trace), { sliceMs: 10, now: () => 0, pause })).toBe(10);
    expect(trace).not.toContain('pause');
  });

  it('lets the event loop run other callbacks during a pause (the default pause)', async () => {
    const trace: string[] = [];
    setImmediate(() => trace.push('other'));
    // Every read of this clock is a full slice later: the first yield pauses.
    await runSliced(sum(3, trace), { sliceMs: 5, now: clock(5) });
    expect(trace.indexOf('other')).toBeGreaterThan(trace.indexOf('step 1'));
    expect(trace.indexOf('other')).toBeLessThan(trace.indexOf('step 3'));
  });

  it('rejects with what the steps throw, after the pauses before it', async () => {
    function* failing(): Steps<number> {
      yield;
      throw new Error('bad step');
    }
    await expect(runSliced(failing(), { sliceMs: 1, now: clock(1) })).rejects.toThrow('bad step');
    expect(() => runToEnd(failing())).toThrow('bad step');
  });
});
