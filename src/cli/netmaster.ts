/**
 * `netmaster [--listen 127.0.0.1:9999] [--store URL] [--token-file F] [--tls-cert F --tls-key F]
 * [--docker-networks]`: validates intent, allocates, serves the API (bearer token, limits);
 * with --docker-networks also keeps a Docker network per intent network.
 */
import { readFileSync } from 'node:fs';
import { flagBool, flagString, parseFlags, usage, type FlagSpec, type ParsedFlags } from '../common/flags.js';
import { NetpluginError } from '../common/errors.js';
import { createLogger } from '../common/log.js';
import { createMasterServer, type MasterTls } from '../master/server.js';
import { DEFAULT_TOKEN_FILE, loadOrCreateToken } from '../master/api-token.js';
import { DEFAULT_HTTP_LIMITS, LIMIT_FLAGS, type HttpLimits } from '../master/http-limits.js';
import { checkListenSecurity, listenMaster, parseListen } from '../master/listen.js';
import { fillRoutingFields } from '../master/routing-upgrade.js';
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
  { name: 'token-file', kind: 'string', help: 'file holding the API bearer token; created (random, mode 0600) when missing', defaultText: DEFAULT_TOKEN_FILE },
  { name: 'tls-cert', kind: 'string', help: 'serve HTTPS with this certificate (PEM); needed for a --listen address other than loopback' },
  { name: 'tls-key', kind: 'string', help: 'private key (PEM) of --tls-cert' },
  { name: 'tls-client-ca', kind: 'string', help: 'require client certificates signed by this CA (PEM); needs --tls-cert' },
  { name: LIMIT_FLAGS.maxBodyBytes, kind: 'string', help: 'largest request body (intent or delta) in bytes', defaultText: String(DEFAULT_HTTP_LIMITS.maxBodyBytes) },
  { name: LIMIT_FLAGS.maxConnections, kind: 'string', help: 'most open API connections at once', defaultText: String(DEFAULT_HTTP_LIMITS.maxConnections) },
  { name: LIMIT_FLAGS.maxTenants, kind: 'string', help: 'most tenants one apply may name', defaultText: String(DEFAULT_HTTP_LIMITS.maxTenants) },
  { name: LIMIT_FLAGS.maxNetworks, kind: 'string', help: 'most networks one apply may name', defaultText: String(DEFAULT_HTTP_LIMITS.maxNetworks) },
  { name: LIMIT_FLAGS.maxEndpoints, kind: 'string', help: 'most endpoints one apply may name', defaultText: String(DEFAULT_HTTP_LIMITS.maxEndpoints) },
  { name: 'help', kind: 'boolean', help: 'show this help' },
];

/** The limits given by flags (a positive integer each), defaults for the rest. */
function limitsOf(p: ParsedFlags): Partial<HttpLimits> {
  const limits: Partial<HttpLimits> = {};
  for (const [key, flag] of Object.entries(LIMIT_FLAGS) as [keyof typeof LIMIT_FLAGS, string][]) {
    const v = flagString(p, flag);
    if (v === undefined) continue;
    if (!/^[1-9]\d*$/.test(v) || !Number.isSafeInteger(Number(v))) throw new NetpluginError('NP_USAGE', `--${flag} must be a positive integer, not "${v}"`, { flag });
    limits[key] = Number(v);
  }
  return limits;
}

/** The certificate files of --tls-cert/--tls-key/--tls-client-ca, read; undefined without --tls-cert. */
function tlsOf(p: ParsedFlags): MasterTls | undefined {
  const [cert, key, clientCa] = (['tls-cert', 'tls-key', 'tls-client-ca'] as const).map((f) => flagString(p, f));
  if (!cert && !key && !clientCa) return undefined;
  if (!cert || !key) throw new NetpluginError('NP_USAGE', `--tls-cert and --tls-key go together${clientCa ? ' (and --tls-client-ca needs them)' : ''}`, { flag: cert ? 'tls-key' : 'tls-cert' });
  const read = (flag: string, file: string) => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new NetpluginError('NP_USAGE', `--${flag} ${file}: ${(err as Error).message}`, { flag });
    }
  };
  return { cert: read('tls-cert', cert), key: read('tls-key', key), clientCa: clientCa ? read('tls-client-ca', clientCa) : undefined };
}

/** Starts the Docker network sync fed from the store: a pass at start, on every network change, and periodically. */
runMain('netmaster', async () => {
  const p = parseFlags(process.argv.slice(2), FLAGS);
  if (flagBool(p, 'help')) {
    console.log(usage('netmaster', '[flags]', FLAGS));
    return 0;
  }
  const listen = flagString(p, 'listen', '127.0.0.1:9999')!;
  const address = parseListen(listen);
  const tls = tlsOf(p);
  const limits = limitsOf(p);
  // Refused before the store opens: a clear-text API on the network never starts.
  checkListenSecurity(address.host, tls !== undefined);
  const tokenFile = flagString(p, 'token-file', DEFAULT_TOKEN_FILE)!;
  const { token, created } = loadOrCreateToken(tokenFile);
  const log = createLogger('netmaster');
  if (created) log.info({ tokenFile }, 'API token created');
  const store = await openStore(flagString(p, 'store'), { embeddedDir: DEFAULT_STORE_DIR }, {
    etcdCacert: flagString(p, 'etcd-cacert'),
    etcdCert: flagString(p, 'etcd-cert'),
    etcdKey: flagString(p, 'etcd-key'),
  });
  // Before serving, so agents see every tenant's routeId; a failure must not keep netmaster down.
  await fillRoutingFields(store).then(
    (r) => r && log.info({ revision: r.revision, plan: r.planText }, 'routing fields filled in the stored state'),
    (err: Error) => log.warn({ err: err.message, problems: (err as { details?: unknown }).details }, 'could not fill routing fields in the stored state; the next apply will'),
  );
  const server = createMasterServer(store, log, { token, tls, listenHost: address.host, limits });
  const url = await listenMaster(server, address, tls !== undefined);
  log.info({ listen, url, tokenFile, clientCerts: tls?.clientCa !== undefined, store: flagString(p, 'store') ?? `embedded:${DEFAULT_STORE_DIR}` }, 'netmaster listening');
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
