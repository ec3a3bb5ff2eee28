import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedStore } from '../state/embedded.js';
import { until } from '../../test/helpers/until.js';
import { KEYS } from '../state/keys.js';
import { PeerStateCache } from './peers.js';

let dir: string;
let store: EmbeddedStore;
let cache: PeerStateCache;
let changes = 0;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'np-peers-'));
  store = EmbeddedStore.open(dir);
  await store.put(KEYS.operHost('h1'), JSON.stringify({ host: 'h1', vtepIp: '198.18.100.1' }));
  changes = 0;
  cache = new PeerStateCache(store, () => changes++, (err) => {
    throw err;
  });
  await cache.start();
});
afterEach(async () => {
  await cache.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});


let markers = 0;
/** Positive control: a later write the cache must show, so every earlier event has been applied. */
const applied = async () => {
  const id = `marker${++markers}`;
  await store.put(KEYS.operEndpoint('hm', 't', 'n', id), JSON.stringify({ status: 'attached' }));
  await until(() => cache.current().attachments.get(`t/n/${id}`) === 'hm');
};

describe('PeerStateCache', () => {
  it('loads registrations, then follows attachments; a move is not undone by the old host', async () => {
    expect(cache.current().hosts.get('h1')?.vtepIp).toBe('198.18.100.1');
    await store.put(KEYS.operEndpoint('h1', 't', 'n', 'c'), JSON.stringify({ status: 'attached' }));
    await until(() => cache.current().attachments.get('t/n/c') === 'h1');
    // The endpoint moves: h2 reports it attached before h1 withdraws its old report.
    await store.put(KEYS.operEndpoint('h2', 't', 'n', 'c'), JSON.stringify({ status: 'attached' }));
    await until(() => cache.current().attachments.get('t/n/c') === 'h2');
    await store.delete(KEYS.operEndpoint('h1', 't', 'n', 'c'));
    await applied();
    expect(cache.current().attachments.get('t/n/c')).toBe('h2');
    // A host whose registration goes (lease expiry) disappears.
    await store.delete(KEYS.operHost('h1'));
    await until(() => !cache.current().hosts.has('h1'));
    expect(changes).toBeGreaterThan(3);
  });

  it('an error status is not an attachment', async () => {
    await store.put(KEYS.operEndpoint('h3', 't', 'n', 'x'), JSON.stringify({ status: 'error', error: 'boom' }));
    await applied();
    expect(cache.current().attachments.has('t/n/x')).toBe(false);
    // The same report turning to attached does show: the absence above was the status's doing.
    await store.put(KEYS.operEndpoint('h3', 't', 'n', 'x'), JSON.stringify({ status: 'attached' }));
    await until(() => cache.current().attachments.get('t/n/x') === 'h3');
  });
});
