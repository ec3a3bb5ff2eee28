import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyIntent } from './apply.js';
import { loadDesired, networksStillInUse, type RuntimeHolds } from './desired-io.js';
import { parseIntent } from '../intent/parse.js';
import { EmbeddedStore } from '../state/embedded.js';
import { KEYS } from '../state/keys.js';

const intent = (nets: string[]) => {
  const p = parseIntent(JSON.stringify({ Tenants: [{ Name: 't', Networks: nets.map((n) => ({ Name: n, Endpoints: [] })) }] }));
  if (!p.ok) throw new Error('parse');
  return p.intent;
};

describe('networks still used by runtimes', () => {
  const holds: RuntimeHolds = {
    claims: new Map([['t/a', new Map([['10.0.0.2', 'docker:h1:pool']])], ['t/c', new Map()]]),
    attachments: new Map([['t/b', ['cni c1/eth0 on h1', 'cni c2/eth0 on h2']]]),
  };
  it('names every dropped network that has attachments or claims, and its users', () => {
    expect(networksStillInUse(intent(['c']), holds)).toEqual([
      { path: '$.Tenants', reason: 'network t/a cannot be removed: still used by 1 runtime attachment(s) (docker:h1:pool) [NP_NETWORK_IN_USE]' },
      { path: '$.Tenants', reason: 'network t/b cannot be removed: still used by 2 runtime attachment(s) (cni c1/eth0 on h1; cni c2/eth0 on h2) [NP_NETWORK_IN_USE]' },
    ]);
  });
  it('has nothing to say when the networks stay', () => {
    expect(networksStillInUse(intent(['a', 'b']), holds)).toEqual([]);
  });
});

describe('loadDesired', () => {
  it('reuses what this process committed, yet sees an apply made through another handle', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'np-desired-'));
    const a = EmbeddedStore.open(dir, { safetyPollMs: 0, leaseSweepMs: 0 });
    const b = EmbeddedStore.open(dir, { safetyPollMs: 0, leaseSweepMs: 0 });
    const doc = (nets: string[]) => JSON.stringify({ Tenants: [{ Name: 't', SubnetPool: '10.1.0.0/16', Networks: nets.map((n) => ({ Name: n })) }] });
    try {
      const first = await applyIntent(a, doc(['x']));
      const mine = await loadDesired(a);
      expect(mine.state?.networks.map((n) => n.name)).toEqual(['x']);
      expect(await loadDesired(a)).toBe(mine); // unchanged keys: the same object, nothing re-read
      expect(mine.metaRevision).toBe(first.revision);
      // Another netmaster (another handle) applies: this one must not serve its old copy.
      await applyIntent(b, doc(['x', 'y']));
      const seen = await loadDesired(a);
      expect(seen.state?.networks.map((n) => n.name)).toEqual(['x', 'y']);
      // A store changed behind netmaster's back without the meta key (an old store's intent key moved) is re-read too.
      const text = (await a.get(KEYS.intent))!.value;
      await b.txn([], [{ type: 'delete', key: KEYS.intent }, { type: 'put', key: KEYS.legacyIntent, value: text }]);
      expect((await loadDesired(a)).legacyIntent).toBe(true);
    } finally {
      await a.close();
      await b.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
