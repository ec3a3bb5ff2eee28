/** `netmaster [--listen 127.0.0.1:9999] [--store URL]`: validates intent, allocates, serves the API. */
import { flagBool, flagString, parseFlags, usage, type FlagSpec } from '../common/flags.js';
import { NetpluginError } from '../common/errors.js';
import { createLogger } from '../common/log.js';
import { createMasterServer } from '../master/server.js';
import { openStore } from '../state/open.js';
import { runMain } from './run.js';

const DEFAULT_STORE_DIR = '/var/lib/netplugin/store';

const FLAGS: FlagSpec[] = [
  { name: 'listen', kind: 'string', help: 'address:port of the REST API', defaultText: '127.0.0.1:9999' },
  { name: 'store', kind: 'string', help: 'state store: embedded, embedded:/dir, etcd://host:port[,host:port] or etcd+https://...', defaultText: `embedded:${DEFAULT_STORE_DIR}` },
  { name: 'etcd-cacert', kind: 'string', help: 'CA certificate for etcd TLS' },
  { name: 'etcd-cert', kind: 'string', help: 'client certificate for etcd TLS' },
  { name: 'etcd-key', kind: 'string', help: 'client key for etcd TLS' },
  { name: 'help', kind: 'boolean', help: 'show this help' },
];

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
  const shutdown = () => {
    server.close();
    void store.close().finally(() => process.exit(0));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
});
