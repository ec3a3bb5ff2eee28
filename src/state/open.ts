/**
 * Turns the `--store` URL into a StateStore. Accepted forms: none or `embedded`
 * (embedded store in the default directory), `embedded:/dir`, `etcd://h1:2379[,h2:2379]`
 * and `etcd+https://h1:2379[,...]`.
 */
import { NetpluginError } from '../common/errors.js';
import { EmbeddedStore } from './embedded.js';
import { EtcdStore } from './etcd.js';
import type { StateStore } from './store.js';

/** Directory of the embedded store when `--store` names none (netmaster and netagent alike). */
export const DEFAULT_STORE_DIR = '/var/lib/netplugin/store';

/** TLS files for `etcd+https://` (and for `etcd://` behind a TLS proxy if given). */
export interface StoreTlsOptions {
  etcdCacert?: string;
  etcdCert?: string;
  etcdKey?: string;
}

/** A parsed store URL, before anything is opened. */
export type StoreTarget =
  | { driver: 'embedded'; dir: string }
  | { driver: 'etcd'; endpoints: string[] };

const ACCEPTED = 'embedded, embedded:/abs/dir, etcd://host:port[,host:port...], etcd+https://host:port[,...]';

/** Throws the stable error for a URL that is not understood. */
function badUrl(url: string, why: string): never {
  throw new NetpluginError('NP_STORE_URL', `store URL "${url}" ${why}; accepted: ${ACCEPTED}`, { url, accepted: ACCEPTED });
}

/** Parses a store URL into a driver and its target (pure; opens nothing). */
export function parseStoreUrl(url: string | undefined, defaults: { embeddedDir: string }): StoreTarget {
  if (url === undefined || url === '' || url === 'embedded') return { driver: 'embedded', dir: defaults.embeddedDir };
  if (url.startsWith('embedded:')) {
    let dir = url.slice('embedded:'.length);
    if (dir.startsWith('//')) dir = dir.slice(2); // embedded:///abs/dir
    if (!dir.startsWith('/')) badUrl(url, 'needs an absolute directory');
    return { driver: 'embedded', dir };
  }
  const m = /^etcd(\+https)?:\/\/(.+)$/.exec(url);
  if (!m) badUrl(url, 'has an unknown scheme');
  const scheme = m[1] ? 'https' : 'http';
  const endpoints = m[2].replace(/\/+$/, '').split(',').map((hostPort) => {
    if (!/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(hostPort)) {
      badUrl(url, `has a malformed endpoint "${hostPort}" (want host:port)`);
    }
    return `${scheme}://${hostPort}`;
  });
  return { driver: 'etcd', endpoints };
}

/** Opens the store named by `url` (see parseStoreUrl); `tls` applies to etcd only. */
export async function openStore(
  url: string | undefined,
  defaults: { embeddedDir: string },
  tls: StoreTlsOptions = {},
): Promise<StateStore> {
  const target = parseStoreUrl(url, defaults);
  if (target.driver === 'embedded') return EmbeddedStore.open(target.dir);
  return EtcdStore.connect({
    endpoints: target.endpoints,
    cacert: tls.etcdCacert,
    cert: tls.etcdCert,
    key: tls.etcdKey,
  });
}
