/** Shared entry-point plumbing: usage errors exit 2, other failures exit 1, both with a clear line. */
import { NetpluginError } from '../common/errors.js';

/** Runs a CLI main function and maps failures to exit codes and one-line messages. */
export function runMain(command: string, main: () => Promise<number | void>): void {
  main().then(
    (code) => {
      if (typeof code === 'number') process.exitCode = code;
    },
    (err: Error) => {
      const code = err instanceof NetpluginError ? err.code : (err as { code?: string }).code;
      process.stderr.write(`${command}: ${err.message}${code ? ` [${code}]` : ''}\n`);
      process.exitCode = err instanceof NetpluginError && err.code === 'NP_USAGE' ? 2 : 1;
    },
  );
}
