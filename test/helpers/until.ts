/** Polling for a condition in unit tests of watchers and caches. */
import { expect } from 'vitest';

/** Waits (up to 2 s, every 10 ms) until `f()` holds, then asserts it. */
export async function until(f: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !f(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(f()).toBe(true);
}
