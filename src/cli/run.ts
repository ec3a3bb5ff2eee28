/** Shared entry-point plumbing: usage errors exit 2, other failures exit 1, both with a clear line. */
import { NetpluginError } from '../common/errors.js';

/** Runs a CLI main function and maps failures to exit codes and one-line messages. */
export function runMain(command: string, main: () => Promise<number | void>): void {
  main().then(
    (code) => {
      if (typeof code === 'number') process.exitCode = code;
    },
    (err: Error) => {
      process.stderr.write(errorLine(command, err));
      process.exitCode = err instanceof NetpluginError && err.code === 'NP_USAGE' ? 2 : 1;
    },
  );
}

/** The one line a command prints for a failure: its message and, verbatim, whatever code it carries. */
export function errorLine(command: string, err: Error): string {
  const code = err instanceof NetpluginError ? err.code : (err as { code?: unknown }).code;
  return `${command}: ${err.message}${typeof code === 'string' && code ? ` [${code}]` : ''}\n`;
}
