import { describe, expect, it } from 'vitest';
import { portRangeMasks } from './port-masks.js';
import { rng as makeRng } from '../../../../test/helpers/rng.js';

const covered = (masks: ReturnType<typeof portRangeMasks>): number[] => {
  const ports: number[] = [];
  for (let p = 0; p <= 0xffff; p++) if (masks.some((m) => (p & m.mask) === m.value)) ports.push(p);
  return ports;
};

describe('portRangeMasks', () => {
  it('covers 8000-8080 with three blocks', () => {
    expect(portRangeMasks(8000, 8080)).toEqual([
      { value: 8000, mask: 0xffc0 },
      { value: 8064, mask: 0xfff0 },
      { value: 8080, mask: 0xffff },
    ]);
  });

  it('gives one exact match for one port and one wildcard block for every port', () => {
    expect(portRangeMasks(5432, 5432)).toEqual([{ value: 5432, mask: 0xffff }]);
    expect(portRangeMasks(0, 65535)).toEqual([{ value: 0, mask: 0 }]);
    expect(portRangeMasks(1, 65535)).toHaveLength(16);
  });

  it('covers exactly the range, no port more or less, for random ranges', () => {
    const rng = makeRng(12);
    for (let i = 0; i < 25; i++) {
      const a = rng.int(65536);
      const b = rng.int(65536);
      const [min, max] = a <= b ? [a, b] : [b, a];
      const ports = covered(portRangeMasks(min, max));
      expect(ports.length).toBe(max - min + 1);
      expect([ports[0], ports[ports.length - 1]]).toEqual([min, max]);
    }
  });

  it('refuses a reversed or out-of-range range', () => {
    expect(() => portRangeMasks(9, 8)).toThrow('low <= high');
    expect(() => portRangeMasks(1, 70000)).toThrow('0..65535');
  });
});
