import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from './errors.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The codes in the first column of docs/errors.md's table, in order. */
function documentedCodes(): string[] {
  const text = readFileSync(join(ROOT, 'docs/errors.md'), 'utf8');
  return [...text.matchAll(/^\|\s*`(NP_[A-Z0-9_]+)`\s*\|/gm)].map((m) => m[1]);
}

/** Quoted `NP_*` literals in the non-test sources (TypeScript and the addon's C++). */
function codesUsedInSources(): Map<string, string> {
  const used = new Map<string, string>();
  for (const dir of ['src', 'native']) {
    for (const rel of readdirSync(join(ROOT, dir), { recursive: true }) as string[]) {
      if (!/\.(ts|cc|h)$/.test(rel) || rel.endsWith('.test.ts')) continue;
      const text = readFileSync(join(ROOT, dir, rel), 'utf8');
      for (const m of text.matchAll(/['"`](NP_[A-Z0-9_]+)['"`]/g)) used.set(m[1], join(dir, rel));
    }
  }
  return used;
}

describe('error catalogue', () => {
  it('documents every code once in docs/errors.md, and documents no code the catalogue lacks', () => {
    const documented = documentedCodes();
    expect(documented.length).toBeGreaterThan(0);
    expect(documented.filter((c, i) => documented.indexOf(c) !== i), 'documented twice').toEqual([]);
    expect(Object.keys(ERROR_CODES).filter((c) => !documented.includes(c)), 'in the catalogue, not documented').toEqual([]);
    expect(documented.filter((c) => !Object.hasOwn(ERROR_CODES, c)), 'documented, not in the catalogue').toEqual([]);
  });

  it('has every code the sources raise', () => {
    const used = codesUsedInSources();
    expect(used.has('NP_INTERNAL')).toBe(true);
    expect([...used].filter(([c]) => !Object.hasOwn(ERROR_CODES, c)).map(([c, file]) => `${c} (${file})`)).toEqual([]);
  });
});
