/**
 * Where netmaster listens, and the rule that keeps its API off the network in clear text:
 * a `--listen` host other than loopback needs TLS.
 */
import type { AddressInfo } from 'node:net';
import { NetpluginError } from '../common/errors.js';
import { isLoopbackHost } from './http-guard.js';
import type { MasterServer } from './server.js';

/** Splits `--listen host:port` (IPv6 in brackets); an empty host means 127.0.0.1. */
export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(.*):(\d+)$/.exec(listen);
  if (!m || Number(m[2]) > 65535) throw new NetpluginError('NP_USAGE', `--listen must be host:port, not "${listen}"`, { flag: 'listen' });
  return { host: m[1].replace(/^\[|\]$/g, '') || '127.0.0.1', port: Number(m[2]) };
}

/** Refuses a non-loopback listen host without TLS, naming the flags to add. */
export function checkListenSecurity(host: string, tls: boolean): void {
  if (tls || isLoopbackHost(host)) return;
  throw new NetpluginError(
    'NP_USAGE',
    `--listen ${host} is not a loopback address: the API token would cross the network in clear text; add --tls-cert FILE --tls-key FILE (and --tls-client-ca FILE to require client certificates), or listen on 127.0.0.1`,
    { flag: 'tls-cert' },
  );
}

/** Checks the listen rule, then listens; resolves with the base URL clients use. */
export async function listenMaster(server: MasterServer, listen: { host: string; port: number }, tls: boolean): Promise<string> {
  checkListenSecurity(listen.host, tls);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  return `${tls ? 'https' : 'http'}://${host}:${port}`;
}
