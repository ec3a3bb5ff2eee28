/** Shared shape of benchmark results: every benchmark contributes rows to one file. */
import { mkdirSync, openSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';

/** One benchmark figure, beside the baseline it is judged against. */
export interface BenchRow {
  name: string;
  unit: string;
  value: number;
  baseline: string;
  baseline_value: number;
  /** value / baseline_value. */
  ratio: number;
  /** Human-readable goal, e.g. ">= 3x" or "<= 1.0x". */
  target: string;
}

/** Builds a row and computes its ratio. */
export function row(name: string, unit: string, value: number, baseline: string, baselineValue: number, target: string): BenchRow {
  const ratio = baselineValue === 0 ? NaN : value / baselineValue;
  return { name, unit, value: round(value), baseline, baseline_value: round(baselineValue), ratio: round(ratio), target };
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** Median of a non-empty list. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Percentile p (0..100) by nearest rank. */
export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

/** Replaces this run's rows (by name) in the results file and prints the whole table. */
export function writeResults(file: string, rows: BenchRow[]): void {
  mkdirSync(dirname(file), { recursive: true });
  const previous: BenchRow[] = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : [];
  const names = new Set(rows.map((r) => r.name));
  const merged = [...previous.filter((r) => !names.has(r.name)), ...rows];
  writeFileSync(file, JSON.stringify(merged, null, 2) + '\n');
  printTable(merged);
}

/** Prints rows as an aligned table. */
export function printTable(rows: BenchRow[]): void {
  const head = ['name', 'value', 'unit', 'baseline', 'baseline value', 'ratio', 'target'];
  const body = rows.map((r) => [r.name, String(r.value), r.unit, r.baseline, String(r.baseline_value), r.ratio.toFixed(2) + 'x', r.target]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const b of body) console.log(line(b));
}

/** Starts `dist/cli/<name>.js` of the repository at `repo`, logging to `<dir>/<name>.log`. */
export function startBenchDaemon(repo: string, dir: string, name: 'netmaster' | 'netagent', args: string[]): ChildProcess {
  const fd = openSync(join(dir, `${name}.log`), 'a');
  return spawn(process.execPath, [join(repo, 'dist/cli', `${name}.js`), ...args], { stdio: ['ignore', fd, fd] });
}

/** Stops a child by its PID (SIGTERM, SIGKILL after 10 s) and waits for it to exit. */
export async function stopChild(p: ChildProcess | undefined): Promise<void> {
  if (!p || p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise<void>((r) => p.once('exit', () => r()));
  p.kill('SIGTERM');
  const t = setTimeout(() => p.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(t);
}
