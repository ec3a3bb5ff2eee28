/**
 * Command-line flags in both spellings users know: GNU (`--host-label H`,
 * `--host-label=H`) and the classic Go style (`-host-label=H`, `-cfg FILE`).
 */
import { NetpluginError } from './errors.js';

/** How one flag is declared. */
export interface FlagSpec {
  /** Long name without dashes, e.g. `host-label`. */
  name: string;
  /** Takes a value (`--x V`) or is a boolean switch. */
  kind: 'string' | 'boolean';
  /** One sentence shown by --help. */
  help: string;
  /** Value shown in --help when the flag is absent. */
  defaultText?: string;
}

/** Flags and the positional arguments left over. */
export interface ParsedFlags {
  values: Map<string, string | boolean>;
  positional: string[];
}

/** Parses argv against `specs`; unknown flags and missing values are usage errors. */
export function parseFlags(argv: string[], specs: FlagSpec[]): ParsedFlags {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const values = new Map<string, string | boolean>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    const spec = byName.get(name) ?? byName.get(name.replace(/_/g, '-'));
    if (!spec) throw new NetpluginError('NP_USAGE', `unknown flag ${arg} (see --help)`, { flag: arg });
    if (spec.kind === 'boolean') {
      const v = eq >= 0 ? body.slice(eq + 1) : 'true';
      if (v !== 'true' && v !== 'false') throw new NetpluginError('NP_USAGE', `flag --${spec.name} takes true or false, not "${v}"`);
      values.set(spec.name, v === 'true');
      continue;
    }
    let v: string | undefined;
    if (eq >= 0) v = body.slice(eq + 1);
    else if (i + 1 < argv.length) v = argv[++i];
    if (v === undefined || v === '') throw new NetpluginError('NP_USAGE', `flag --${spec.name} needs a value`, { flag: spec.name });
    values.set(spec.name, v);
  }
  return { values, positional };
}

/** Renders the --help text for a command. */
export function usage(command: string, synopsis: string, specs: FlagSpec[]): string {
  const lines = [`usage: ${command} ${synopsis}`, '', 'flags (also accepted as -flag=value):'];
  const w = Math.max(...specs.map((s) => s.name.length + (s.kind === 'string' ? 6 : 0)));
  for (const s of specs) {
    const left = `--${s.name}${s.kind === 'string' ? ' VALUE' : ''}`;
    lines.push(`  ${left.padEnd(w + 3)} ${s.help}${s.defaultText ? ` (default ${s.defaultText})` : ''}`);
  }
  return lines.join('\n');
}

/** Reads a string flag or its default. */
export function flagString(p: ParsedFlags, name: string, dflt?: string): string | undefined {
  const v = p.values.get(name);
  return typeof v === 'string' ? v : dflt;
}

/** Reads a boolean switch. */
export function flagBool(p: ParsedFlags, name: string): boolean {
  return p.values.get(name) === true;
}
