/**
 * Long CPU work in slices. A step function is written once as a generator that yields
 * (nothing) at points where it may pause; `runToEnd` runs it in one piece, `runSliced`
 * lets the event loop turn whenever a slice has used up its time. Both give the same
 * result, so a caller picks only whether other work (netmaster's health answers, other
 * requests) may run in between.
 */

/** Work that may pause at each `yield` and finally returns a T. */
export type Steps<T> = Generator<void, T, void>;

/**
 * Longest time (ms) a slice runs before the event loop gets a turn. Well under the
 * 100 ms netmaster promises for health, leaving room for a garbage collection pause.
 */
export const SLICE_MS = 10;

/** Options of `runSliced`; the defaults suit production, tests pass a clock. */
export interface SliceOptions {
  /** Slice length in ms (default SLICE_MS). */
  sliceMs?: number;
  /** The clock, in ms (default performance.now). */
  now?: () => number;
  /** How a pause is taken (default: setImmediate, so pending I/O and timers run first). */
  pause?: () => Promise<void>;
}

/** Resolves on the next turn of the event loop, after pending I/O. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Runs `steps` to its end without pausing. */
export function runToEnd<T>(steps: Steps<T>): T {
  let step = steps.next();
  while (!step.done) step = steps.next();
  return step.value;
}

/** Runs `steps` to its end, pausing at a yield whenever the current slice has run `sliceMs` or longer. */
export async function runSliced<T>(steps: Steps<T>, opts: SliceOptions = {}): Promise<T> {
  const sliceMs = opts.sliceMs ?? SLICE_MS;
  const now = opts.now ?? (() => performance.now());
  const pause = opts.pause ?? nextTurn;
  let start = now();
  let step = steps.next();
  while (!step.done) {
    if (now() - start >= sliceMs) {
      await pause();
      start = now();
    }
    step = steps.next();
  }
  return step.value;
}

/**
 * How many loop iterations a step function runs between two yields: checking the clock
 * costs little, but not nothing, and one iteration of the loops sliced here takes ~1-5 µs.
 */
export const YIELD_EVERY = 256;

