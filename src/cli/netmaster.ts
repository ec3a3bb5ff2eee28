/**
 * `netmaster [--listen 127.0.0.1:9999] [--store URL] [--docker-networks]`: validates intent,
 * allocates, serves the API; with --docker-networks also keeps a Docker network per intent network.
 */
import { flagBool, flagString, parseFlags, usage, type FlagSpec } from '../common/flags.js';
import { NetpluginError } from '../common/errors.js';
import { createLogger } from '../common/log.js';
import { createMasterServer } from '../master/server.js';
import { loadDesired } from '../master/desired-io.js';
import { DEFAULT_STORE_DIR, openStore } from '../state/open.js';
import { DEFAULT_DOCKER_SOCKET, DockerEngine } from '../docker/engine.js';
import { followIntentNetworks } from '../docker/plugin/network-sync.js';
import { runMain } from './run.js';


const FLAGS: FlagSpec[] = [
  { name: 'listen', kind: 'string', help: 'address:port of the REST API', defaultText: '127.0.0.1:9999' },
  { name: 'store', kind: 'string', help: 'state store: embedded, embedded:/dir, etcd://host:port[,host:port] or etcd+https://...', defaultText: `embedded:${DEFAULT_STORE_DIR}` },
  { name: 'etcd-cacert', kind: 'string', help: 'CA certificate for etcd TLS' },
  { name: 'etcd-cert', kind: 'string', help: 'client certificate for etcd TLS' },
  { name: 'etcd-key', kind: 'string', help: 'client key for etcd TLS' },
  { name: 'docker-networks', kind: 'boolean', help: 'create a Docker network <tenant>.<network> (driver and IPAM driver netplugin) for every intent network on the local Docker engine, and remove managed ones whose intent network is gone' },
  { name: 'docker-socket', kind: 'string', help: 'Docker engine socket used by --docker-networks', defaultText: DEFAULT_DOCKER_SOCKET },
  { name: 'docker-driver', kind: 'string', help: "Docker's name of the netplugin driver (the plugin socket's base name) used by --docker-networks", defaultText: 'netplugin' },
  { name: 'help', kind: 'boolean', help: 'show this help' },
];

/** Starts the Docker network sync fed from the store: a pass at start, on every network change, and periodically. */
runMain('netmaster', async () => {
  const p = parseFlags(process.argv.slice(2), FLAGS);
  if (flagBool(p, 'help')) {
    console.log(usage('netmaster', '[flags]', FLAGS));
    return 0;
  }
  const listen = flagString(p, 'listen', '127.0.0.1:9999')!;
  const m = /^(.*):(\d+)$/.exec(listen);
  if (!m) throw new NetpluginError('NP_USAGE', `--listen must be host:port, not "${listen}"`);
  const log = createLogger('netmaster');
  const store = await openStore(flagString(p, 'store'), { embeddedDir: DEFAULT_STORE_DIR }, {
    etcdCacert: flagString(p, 'etcd-cacert'),
    etcdCert: flagString(p, 'etcd-cert'),
    etcdKey: flagString(p, 'etcd-key'),
  });
  const server = createMasterServer(store, log);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(m[2]), m[1] || '127.0.0.1', resolve);
  });
  log.info({ listen, store: flagString(p, 'store') ?? `embedded:${DEFAULT_STORE_DIR}` }, 'netmaster listening');
  const dockerSync = flagBool(p, 'docker-networks')
    ? await followIntentNetworks(store, new DockerEngine(flagString(p, 'docker-socket', DEFAULT_DOCKER_SOCKET)), flagString(p, 'docker-driver', 'netplugin')!, async () => (await loadDesired(store)).state?.networks ?? [], log)
    : undefined;
  const shutdown = () => {
    server.close();
    void (dockerSync?.close() ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => store.close())
      .finally(() => process.exit(0));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
});
