/**
 * Where netdcli takes netmaster's API token from: `--token-file F`, else `NETPLUGIN_TOKEN`, else
 * the file netmaster creates by default (readable by root, so the quick example works as root).
 */
import { NetpluginError } from '../common/errors.js';
import { checkedToken, DEFAULT_TOKEN_FILE, readTokenFile } from '../master/api-token.js';

/** The environment variable netdcli reads the token from when no --token-file is given. */
export const TOKEN_ENV = 'NETPLUGIN_TOKEN';

/** What netdcli knows about the token's sources; `readFile` returns the token in a file or throws. */
export interface TokenSources {
  tokenFile?: string;
  env: NodeJS.ProcessEnv;
  readFile?: (path: string) => string;
  defaultFile?: string;
}

/** The token and where it came from, by the order flag, environment, default file. */
export function resolveApiToken(src: TokenSources): { token: string; from: string } {
  const read = src.readFile ?? ((path: string) => readTokenFile(path));
  if (src.tokenFile !== undefined) return { token: read(src.tokenFile), from: `--token-file ${src.tokenFile}` };
  const fromEnv = src.env[TOKEN_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return { token: checkedToken(fromEnv.trim(), TOKEN_ENV), from: TOKEN_ENV };
  const file = src.defaultFile ?? DEFAULT_TOKEN_FILE;
  try {
    return { token: read(file), from: file };
  } catch (err) {
    throw new NetpluginError(
      'NP_UNAUTHORIZED',
      `no API token: ${(err as Error).message.replace(/^--token-file [^:]*: /, `${file}: `)}; run netdcli as root on netmaster's host, or give --token-file FILE or ${TOKEN_ENV}`,
    );
  }
}
