import { describe, expect, it } from 'vitest';
import { parseFlags, type FlagSpec } from './flags.js';

const specs: FlagSpec[] = [
  { name: 'host-label', kind: 'string', help: 'h' },
  { name: 'dry-run', kind: 'boolean', help: 'd' },
  { name: 'cfg', kind: 'string', help: 'c' },
];

describe('parseFlags', () => {
  it.each([
    [['--host-label', 'host1']],
    [['--host-label=host1']],
    [['-host-label=host1']],
    [['-host-label', 'host1']],
  ])('accepts %j', (argv) => {
    expect(parseFlags(argv, specs).values.get('host-label')).toBe('host1');
  });

  it('keeps positionals and booleans apart', () => {
    const p = parseFlags(['get', '--dry-run', 'networks', '-cfg', 'x.json'], specs);
    expect(p.positional).toEqual(['get', 'networks']);
    expect(p.values.get('dry-run')).toBe(true);
    expect(p.values.get('cfg')).toBe('x.json');
  });

  it('names the unknown flag', () => {
    expect(() => parseFlags(['--colour', 'x'], specs)).toThrow(/unknown flag --colour/);
  });

  it('rejects a missing value', () => {
    expect(() => parseFlags(['--cfg'], specs)).toThrow(/--cfg needs a value/);
  });
});
