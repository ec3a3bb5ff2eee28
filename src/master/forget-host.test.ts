import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedStore } from '../state/embedded.js';
import { KEYS } from '../state/keys.js';
import { forgetHost } from './forget-host.js';

let dir: string;
let store: EmbeddedStore;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'np-forget-'));
  store = EmbeddedStore.open(dir);
  await store.put(KEYS.operAttachment('h2', 'cni', 'c1/eth0'), JSON.stringify({ tenant: 't', network: 'n' }));
  await store.put(KEYS.operEndpoint('h2', 't', 'n', 'cni-1'), JSON.stringify({ status: 'attached' }));
  await store.put(KEYS.operDockerOf('h2') + 'networks/abc', '{}');
  await store.put(KEYS.operClaim('t', 'n', '10.0.0.2'), JSON.stringify({ owner: 'cni:h2:c1/eth0', host: 'h2' }));
  await store.put(KEYS.operClaim('t', 'n', '10.0.0.3'), JSON.stringify({ owner: 'cni:h1:x', host: 'h1' }));
  await store.put(KEYS.operAttachment('h1', 'cni', 'x'), JSON.stringify({ tenant: 't', network: 'n' }));
  await store.put(KEYS.operMulticast('h2'), JSON.stringify({ host: 'h2', networks: {} }));
  await store.put(KEYS.operMulticast('h1'), JSON.stringify({ host: 'h1', networks: {} }));
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('forgetting a host', () => {
  it("removes the host's attachments, claims, reports and Docker state, and nothing of other hosts", async () => {
    expect(await forgetHost(store, 'h2')).toEqual({ host: 'h2', attachments: 1, claims: 1, reports: 1 });
    const left = (await store.list(KEYS.operPrefix)).items.map((kv) => kv.key).sort();
    expect(left).toEqual([KEYS.operAttachment('h1', 'cni', 'x'), KEYS.operClaim('t', 'n', '10.0.0.3'), KEYS.operMulticast('h1')].sort());
  });

  it('refuses while the host is registered, changing nothing', async () => {
    await store.put(KEYS.operHost('h2'), '{}');
    const before = (await store.list(KEYS.operPrefix)).items.length;
    await expect(forgetHost(store, 'h2')).rejects.toMatchObject({ code: 'NP_HOST_REGISTERED' });
    expect((await store.list(KEYS.operPrefix)).items.length).toBe(before);
  });

  it('names a malformed host', async () => {
    await expect(forgetHost(store, 'a/b')).rejects.toMatchObject({ code: 'NP_INVALID_ARGUMENT', details: { field: 'host' } });
  });
});
