/**
 * Enforces the layering of docs/layers.md on every file that ships in dist/ (every
 * non-test .ts under src/): imports point down the rank table or stay inside their own
 * unit, files import no cycle, and nothing that ships imports vitest, test code or fixtures.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(SRC, '..');

/**
 * The rank table of docs/layers.md. A file belongs to the unit with the longest matching
 * path; it may import files of its own unit and of units of lower rank only.
 */
const UNITS: Record<string, number> = {
  common: 0,
  native: 1,
  alloc: 2,
  state: 2,
  'datapath/kernel': 2,
  'datapath/igmp': 2,
  'datapath/ovs': 2,
  'datapath/offload.ts': 2,
  intent: 3,
  // The runtime contract (types.ts, claims.ts, addresses.ts): what runtimes, the agent and
  // netmaster agree on about attachments and address claims.
  runtime: 4,
  agent: 5,
  master: 5,
  // The runtime service implements the contract on top of an agent.
  'runtime/service.ts': 6,
  'local-api': 6,
  cni: 7,
  docker: 7,
  cli: 8,
};

/**
 * Downward imports the table would allow but the design does not: the runtime front ends
 * (CNI, Docker) speak the runtime contract (src/runtime/types.ts) and nothing of the agent,
 * the service behind the contract, or netmaster.
 */
const FORBIDDEN: [from: string, to: string][] = [
  ['cni', 'agent'],
  ['cni', 'runtime/service.ts'],
  ['cni', 'master'],
  ['docker', 'agent'],
  ['docker', 'runtime/service.ts'],
  ['docker', 'master'],
];

/** Source files that ship: every .ts under src/ but the tests (what tsconfig.json compiles). */
function shippedFiles(dir = SRC): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...shippedFiles(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) out.push(relative(SRC, p).split('\\').join('/'));
  }
  return out.sort();
}

/** The unit a src-relative path belongs to, or undefined when the table has none. */
function unitOf(path: string): string | undefined {
  let best: string | undefined;
  for (const u of Object.keys(UNITS)) {
    if ((path === u || path.startsWith(`${u}/`)) && (!best || u.length > best.length)) best = u;
  }
  return best;
}

interface Import {
  spec: string;
  line: number;
}

/** Every module specifier of a file: static, type-only, re-exports, dynamic import(). */
function importsOf(file: string): Import[] {
  const text = readFileSync(join(SRC, file), 'utf8');
  const info = ts.preProcessFile(text, true, true);
  return info.importedFiles.map((f) => ({ spec: f.fileName, line: text.slice(0, f.pos).split('\n').length }));
}

/** The src-relative .ts file a relative specifier names (`./x.js` is `x.ts`), or a path outside src/. */
function target(from: string, spec: string): string {
  const abs = resolve(SRC, dirname(from), spec.replace(/\.js$/, '.ts'));
  return relative(SRC, abs).split('\\').join('/');
}

const files = shippedFiles();
const graph = new Map<string, string[]>();
const problems: string[] = [];
for (const f of files) {
  const edges: string[] = [];
  for (const { spec, line } of importsOf(f)) {
    const where = `src/${f}:${line} imports '${spec}'`;
    if (spec === 'vitest' || spec.startsWith('vitest/') || spec.startsWith('@vitest/')) {
      problems.push(`${where}: test framework in shipped code`);
      continue;
    }
    if (!spec.startsWith('.')) continue; // node: built-ins and packages
    const t = target(f, spec);
    if (t.startsWith('..')) {
      problems.push(`${where}: leaves src/ (${t})`);
      continue;
    }
    if (t.endsWith('.test.ts')) problems.push(`${where}: a test file`);
    else if (!existsSync(join(SRC, t))) problems.push(`${where}: no such file src/${t}`);
    edges.push(t);
  }
  graph.set(f, edges);
}

describe('layers (docs/layers.md)', () => {
  it('scans exactly what tsconfig.json compiles into dist/', () => {
    const cfg = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8')) as { include: string[]; exclude: string[]; compilerOptions: { rootDir: string } };
    expect(cfg.include).toEqual(['src/**/*.ts']);
    expect(cfg.exclude).toEqual(['src/**/*.test.ts']);
    expect(cfg.compilerOptions.rootDir).toBe('src');
    // A positive control: the scan sees real files and real imports.
    expect(files).toContain('agent/agent.ts');
    expect(graph.get('cli/netagent.ts')).toContain('agent/agent.ts');
  });

  it('places every shipped file in a unit of the rank table', () => {
    expect(files.filter((f) => unitOf(f) === undefined).map((f) => `src/${f} has no rank in src/layers.test.ts UNITS`)).toEqual([]);
  });

  it('ships no test framework, test helper or fixture, and imports only files that exist', () => {
    const readsTestTree = files
      .filter((f) => /\btest\/(fixtures|helpers)\b/.test(readFileSync(join(SRC, f), 'utf8')))
      .map((f) => `src/${f} names test/fixtures or test/helpers`);
    expect([...problems, ...readsTestTree]).toEqual([]);
  });

  it('has every import point down the rank table or stay inside its unit', () => {
    const bad: string[] = [];
    for (const f of files) {
      const from = unitOf(f);
      if (!from) continue;
      for (const { spec, line } of importsOf(f)) {
        if (!spec.startsWith('.')) continue;
        const t = target(f, spec);
        const to = unitOf(t);
        if (!to || to === from) continue;
        if (UNITS[to] >= UNITS[from]) {
          const how = UNITS[to] > UNITS[from] ? 'up' : 'sideways';
          bad.push(`src/${f}:${line} imports '${spec}': ${how}, ${from} (rank ${UNITS[from]}) -> ${to} (rank ${UNITS[to]})`);
        } else if (FORBIDDEN.some(([a, b]) => a === from && b === to)) {
          bad.push(`src/${f}:${line} imports '${spec}': ${from} must reach ${to} only through the runtime contract`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it('has no import cycle between files', () => {
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (f: string, path: string[]): void => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'open') {
        cycles.push([...path.slice(path.indexOf(f)), f].map((x) => `src/${x}`).join(' -> '));
        return;
      }
      state.set(f, 'open');
      for (const t of graph.get(f) ?? []) visit(t, [...path, f]);
      state.set(f, 'done');
    };
    for (const f of files) visit(f, []);
    expect(cycles).toEqual([]);
  });

  it('would catch what it forbids', () => {
    // Controls for the checks above, on paths rather than files.
    expect(unitOf('runtime/service.ts')).toBe('runtime/service.ts');
    expect(unitOf('runtime/types.ts')).toBe('runtime');
    expect(unitOf('datapath/ovs/ovsdb/ops.ts')).toBe('datapath/ovs');
    expect(UNITS[unitOf('agent/agent.ts')!]).toBeLessThan(UNITS[unitOf('runtime/service.ts')!]);
    expect(UNITS[unitOf('cni/route.ts')!]).toBe(UNITS[unitOf('docker/engine.ts')!]);
    expect(target('agent/agent.ts', '../../test/helpers/x.js')).toBe('../test/helpers/x.ts');
  });
});
