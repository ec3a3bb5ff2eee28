import { describe, expect, it } from 'vitest';
import { NetpluginError } from '../common/errors.js';
import { LeaseLoss, checkLeaseTtl, refreshPeriodMs } from './lease.js';

describe('checkLeaseTtl', () => {
  it('accepts whole seconds from 2 on and rejects the rest with NP_INVALID_ARGUMENT', () => {
    expect(() => checkLeaseTtl(2, 'x')).not.toThrow();
    expect(() => checkLeaseTtl(3600, 'x')).not.toThrow();
    for (const bad of [1, 0, -1, 2.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      let err: unknown;
      try {
        checkLeaseTtl(bad, 'x');
      } catch (e) {
        err = e;
      }
      expect(err, String(bad)).toBeInstanceOf(NetpluginError);
      expect((err as NetpluginError).code).toBe('NP_INVALID_ARGUMENT');
    }
  });
  it('refreshes three times per TTL', () => {
    expect(refreshPeriodMs(3)).toBe(1000);
  });
});

describe('LeaseLoss', () => {
  it('calls every callback once, a late one on the next tick, and survives a throwing one', async () => {
    const loss = new LeaseLoss();
    const got: string[] = [];
    loss.add((e) => got.push(`a:${e.message}`));
    loss.add(() => {
      throw new Error('handler bug');
    });
    loss.add((e) => got.push(`b:${e.message}`));
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown): void => void uncaught.push(e);
    process.on('uncaughtException', onUncaught);
    try {
      loss.fire(new Error('one'));
      loss.fire(new Error('two'));
      expect(got).toEqual(['a:one', 'b:one']);
      expect(loss.lost).toBe(true);
      loss.add((e) => got.push(`late:${e.message}`));
      expect(got).toEqual(['a:one', 'b:one']);
      await new Promise((r) => setTimeout(r, 10));
      expect(got).toEqual(['a:one', 'b:one', 'late:one']);
      expect(uncaught.map((e) => (e as Error).message)).toEqual(['handler bug']);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });
  it('stays silent after cancel()', () => {
    const loss = new LeaseLoss();
    const got: Error[] = [];
    loss.add((e) => got.push(e));
    loss.cancel();
    loss.fire(new Error('x'));
    expect(got).toEqual([]);
    expect(loss.lost).toBe(false);
  });
});
