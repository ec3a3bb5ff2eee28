/**
 * The etcd driver over mutual TLS, against a real etcd that only accepts clients with a
 * certificate from its CA: the store API through `etcd+https://`, the failures a wrong or
 * missing certificate must give, and netmaster + netdcli with `--etcd-cacert/-cert/-key`.
 * netmaster runs from dist/: build first (`npx tsc -p tsconfig.json`).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetpluginError } from '../../src/common/errors.js';
import { defineStoreConformance } from '../helpers/store-conformance.js';
import type { EtcdStore } from '../../src/state/etcd.js';
import { KEYS } from '../../src/state/keys.js';
import { openStore, type StoreTlsOptions } from '../../src/state/open.js';
import type { WatchEvent } from '../../src/state/store.js';
import { freePort, netdcli, ROOT, startDaemon, stopDaemon, waitFor, type Daemon } from '../helpers/cluster.js';
import { makeTestPki, TlsTestEtcd, type CertPair, type TestPki } from './store-etcd-tls-certs.js';

let dir: string;
let pki: TestPki;
let etcd: TlsTestEtcd;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'np-etcd-tls-'));
  pki = makeTestPki(dir);
  etcd = await TlsTestEtcd.start(dir, pki);
}, 30_000);

afterAll(async () => {
  await etcd?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The TLS store URL of the test etcd. */
const url = (): string => `etcd+https://127.0.0.1:${etcd.clientPort}`;

/** TLS options trusting the test CA and presenting `pair`. */
const tlsWith = (pair: CertPair): StoreTlsOptions => ({ etcdCacert: pki.caCert, etcdCert: pair.cert, etcdKey: pair.key });

/** Opens the TLS etcd through openStore with `tls`. */
const open = (tls: StoreTlsOptions, storeUrl = url()) => openStore(storeUrl, { embeddedDir: '/nonexistent' }, tls);

/** Expects `p` to reject with NP_STORE_UNAVAILABLE within `withinMs`; returns the error. */
async function expectUnavailable(p: Promise<unknown>, withinMs: number): Promise<NetpluginError> {
  const started = Date.now();
  const err = await p.then(
    async (s) => {
      await (s as { close(): Promise<void> }).close();
      return new Error('store opened although it must not');
    },
    (e: unknown) => e,
  );
  expect(Date.now() - started).toBeLessThan(withinMs);
  expect(err).toBeInstanceOf(NetpluginError);
  expect((err as NetpluginError).code).toBe('NP_STORE_UNAVAILABLE');
  return err as NetpluginError;
}

defineStoreConformance('etcd over mutual TLS', () => open(tlsWith(pki.client)), undefined, {
  compact: async (s, revision) => (s as EtcdStore).compact(revision),
});

describe('etcd over mutual TLS: store API', () => {
  it('puts, gets, lists, runs a txn and watches through etcd+https://', async () => {
    const s = await open(tlsWith(pki.client));
    const prefix = `/tls-${Date.now()}/`;
    const events: WatchEvent[] = [];
    try {
      const watch = await s.watch(prefix, await s.revision(), { onEvents: (e) => events.push(...e) });
      const r1 = await s.put(`${prefix}a`, 'one');
      expect((await s.get(`${prefix}a`))?.value).toBe('one');
      const ok = await s.txn([{ key: `${prefix}a`, modRevision: r1 }], [{ type: 'put', key: `${prefix}b`, value: 'two' }]);
      expect(ok.succeeded).toBe(true);
      const lost = await s.txn([{ key: `${prefix}a`, modRevision: r1 - 1 }], [{ type: 'put', key: `${prefix}c`, value: 'no' }]);
      expect(lost.succeeded).toBe(false);
      const list = await s.list(prefix);
      expect(list.items.map((i) => [i.key.slice(prefix.length), i.value])).toEqual([['a', 'one'], ['b', 'two']]);
      const deadline = Date.now() + 5000;
      while (events.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await watch.close();
      expect(events).toEqual([
        { type: 'put', key: `${prefix}a`, value: 'one', modRevision: r1 },
        { type: 'put', key: `${prefix}b`, value: 'two', modRevision: ok.revision },
      ]);
    } finally {
      await s.close();
    }
  });

  it('really is TLS-only: a plain etcd:// client without TLS files cannot use the port', async () => {
    const err = await expectUnavailable(open({}, `etcd://127.0.0.1:${etcd.clientPort}`), 20_000);
    expect(err.message).toContain(String(etcd.clientPort));
  });

  it('rejects a client certificate from an unrelated CA with NP_STORE_UNAVAILABLE, quickly', async () => {
    const err = await expectUnavailable(open(tlsWith(pki.rogueClient)), 20_000);
    expect(err.message).toContain(`https://127.0.0.1:${etcd.clientPort}`);
    expect(err.message).toMatch(/certificate/i);
  });

  it('rejects a client without a certificate with NP_STORE_UNAVAILABLE, quickly', async () => {
    const err = await expectUnavailable(open({ etcdCacert: pki.caCert }), 20_000);
    expect(err.message).toMatch(/certificate/i);
  });

  it('refuses a server it cannot verify (wrong --etcd-cacert) with NP_STORE_UNAVAILABLE', async () => {
    const err = await expectUnavailable(open({ ...tlsWith(pki.client), etcdCacert: pki.rogueCaCert }), 20_000);
    expect(err.message).toMatch(/verify/i);
  });

  it('reports unusable TLS files as NP_STORE_UNAVAILABLE: missing file, cert without key, key of another cert', async () => {
    const missing = await expectUnavailable(open({ ...tlsWith(pki.client), etcdKey: join(dir, 'nope.key') }), 2000);
    expect(missing.message).toContain('nope.key');
    const noKey = await expectUnavailable(open({ etcdCacert: pki.caCert, etcdCert: pki.client.cert }), 2000);
    expect(noKey.message).toContain(pki.client.cert);
    const mismatch = await expectUnavailable(open({ ...tlsWith(pki.client), etcdKey: pki.rogueClient.key }), 2000);
    expect(mismatch.message).toContain(pki.rogueClient.key);
  });
});

describe('etcd over mutual TLS: netmaster and netdcli', () => {
  let master: Daemon | undefined;

  beforeAll(() => {
    if (!existsSync(join(ROOT, 'dist/cli/netmaster.js'))) throw new Error('dist/ is missing: run `npx tsc -p tsconfig.json` first');
  });

  afterAll(async () => {
    await stopDaemon(master);
  });

  /** netmaster's CLI flags for the test etcd with client pair `pair`. */
  const storeFlags = (pair: CertPair): string[] => [
    '--store', url(),
    '--etcd-cacert', pki.caCert,
    '--etcd-cert', pair.cert,
    '--etcd-key', pair.key,
  ];

  it('netmaster stores an applied intent in the TLS etcd; netdcli reads it back', async () => {
    const port = await freePort();
    const api = `http://127.0.0.1:${port}`;
    master = startDaemon('netmaster', ['--listen', `127.0.0.1:${port}`, ...storeFlags(pki.client)], dir);
    const proc = master.proc;
    await waitFor(
      () => {
        if (proc.exitCode !== null) throw new Error(`netmaster exited with ${proc.exitCode}: ${master?.log()}`);
        return netdcli(api, ['get', 'networks', '--json']).code === 0;
      },
      15_000,
      () => `netmaster did not come up: ${master?.log()}`,
    );

    const applied = netdcli(api, ['-cfg', join(ROOT, 'examples/one_host_vlan.json')]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/applied at revision \d+/);

    const got = netdcli(api, ['get', 'networks', '--json']);
    expect(got.code, got.stderr).toBe(0);
    const networks = JSON.parse(got.stdout) as Array<Record<string, unknown>>;
    expect(networks.map((n) => [n.tenant, n.name, n.pktTagType, n.pktTag, n.subnet])).toEqual([
      ['tenant-one', 'orange', 'vlan', 11, '11.1.0.0/24'],
    ]);

    // The state is really in this etcd, readable by any client holding a good certificate.
    const s = await open(tlsWith(pki.client));
    try {
      const kv = await s.get(KEYS.network('tenant-one', 'orange'));
      expect(kv).toBeDefined();
      expect(JSON.parse(kv!.value)).toMatchObject({ pktTag: 11, subnet: '11.1.0.0/24' });
    } finally {
      await s.close();
    }

    await stopDaemon(master);
    expect(proc.signalCode === 'SIGTERM' || proc.exitCode === 0).toBe(true);
    master = undefined;
  }, 40_000);

  it('netmaster with a certificate from an unrelated CA exits 1 with NP_STORE_UNAVAILABLE', async () => {
    const port = await freePort();
    const started = Date.now();
    const bad = startDaemon('netmaster', ['--listen', `127.0.0.1:${port}`, ...storeFlags(pki.rogueClient)], dir);
    try {
      const code = await new Promise<number | null>((r) => bad.proc.once('exit', (c) => r(c)));
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(code).toBe(1);
      expect(bad.log()).toContain('[NP_STORE_UNAVAILABLE]');
    } finally {
      await stopDaemon(bad);
    }
  }, 30_000);
});
