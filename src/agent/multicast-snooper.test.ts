import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { EmbeddedStore } from '../state/embedded.js';
import { KEYS } from '../state/keys.js';
import { MulticastSnooper, type IgmpReading, type SnooperDeps } from './multicast-snooper.js';
import { timingFor } from './multicast-members.js';

let dir: string;
let store: EmbeddedStore;
let now = 1_000_000;
let changes = 0;
const sent: Array<{ ofport: number; frame: Buffer }> = [];

const PORTS = new Map([
  [3, { endpoint: 't/n/a', network: 't/n' }],
  [4, { endpoint: 't/n/b', network: 't/n' }],
]);

/** Frames in these tests are JSON of what the codec would read. */
const readIgmp = (frame: Buffer): IgmpReading => {
  try {
    return { ok: true, ...(JSON.parse(frame.toString()) as { joined: string[]; left: string[] }) };
  } catch {
    return { ok: false, reason: 'not IGMP' };
  }
};
const report = (joined: string[], left: string[] = []) => Buffer.from(JSON.stringify({ joined, left }));

function snooper(over: Partial<SnooperDeps> = {}, host = 'h1'): MulticastSnooper {
  return new MulticastSnooper({
    store,
    host,
    log: pino({ level: 'silent' }),
    timing: timingFor(2),
    readIgmp,
    query: (t) => Buffer.from(`query from ${t.gatewayIp}`),
    send: async (frames) => void sent.push(...frames),
    portOf: (p) => PORTS.get(p),
    queryTargets: () => [{ ofport: 3, gatewayIp: '10.0.0.1', gatewayMac: '02:02:0a:00:00:01' }, { ofport: 4, gatewayIp: '10.0.0.1', gatewayMac: '02:02:0a:00:00:01' }],
    present: () => true,
    changed: () => void changes++,
    now: () => now,
    ...over,
  });
}

const published = async (host = 'h1') => JSON.parse((await store.get(KEYS.operMulticast(host)))!.value);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'np-snoop-'));
  store = EmbeddedStore.open(dir);
  changes = 0;
  sent.length = 0;
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('MulticastSnooper', () => {
  it('learns a join from a local port, asks for a round and publishes the membership with its expiry', async () => {
    const s = snooper();
    s.onIgmp(3, report(['239.1.1.1']));
    await s.publish();
    expect(changes).toBe(1);
    expect(s.localGroups('t/n')).toEqual(new Map([['239.1.1.1', ['t/n/a']]]));
    expect(await published()).toEqual({ host: 'h1', networks: { 't/n': { '239.1.1.1': { 't/n/a': now + 5000 } } } });
  });

  it('ignores packet-ins from ports that are no snooping endpoint, and counts malformed IGMP without changing anything', async () => {
    const s = snooper();
    s.onIgmp(9, report(['239.1.1.1']));
    s.onIgmp(3, Buffer.from('garbage'));
    await s.publish();
    expect(changes).toBe(0);
    expect(s.stats).toMatchObject({ reports: 0, malformed: 1 });
    expect(s.localGroups('t/n')).toEqual(new Map());
    expect((await published()).malformed).toBe(1);
  });

  it('ends a membership on leave and when nobody renews it', async () => {
    const s = snooper();
    s.onIgmp(3, report(['239.1.1.1']));
    s.onIgmp(4, report(['239.1.1.1']));
    s.onIgmp(3, report([], ['239.1.1.1']));
    expect(s.localGroups('t/n').get('239.1.1.1')).toEqual(['t/n/b']);
    now += 4999;
    s.expire();
    expect(s.localGroups('t/n').get('239.1.1.1')).toEqual(['t/n/b']);
    now += 1;
    s.expire();
    await s.publish();
    expect(s.localGroups('t/n')).toEqual(new Map());
    expect(await published()).toEqual({ host: 'h1', networks: {} });
  });

  it('sends a general query out of every target port', async () => {
    const s = snooper();
    await s.sendQueries();
    expect(sent.map((f) => [f.ofport, f.frame.toString()])).toEqual([
      [3, 'query from 10.0.0.1'],
      [4, 'query from 10.0.0.1'],
    ]);
    expect(s.stats.queriesSent).toBe(2);
  });

  it('a restarted agent takes back its memberships from the store, and follows the other hosts\'', async () => {
    const first = snooper();
    first.onIgmp(3, report(['239.1.1.1']));
    await first.publish();
    await store.txn([], [{ type: 'put', key: KEYS.operMulticast('h2'), value: JSON.stringify({ host: 'h2', networks: { 't/n': { '239.1.1.1': { 't/n/r': now + 5000 } } } }) }]);
    const again = snooper();
    await again.start();
    try {
      expect(again.localGroups('t/n')).toEqual(new Map([['239.1.1.1', ['t/n/a']]]));
      expect(again.remoteMembers().get('h2')?.networks['t/n']).toEqual({ '239.1.1.1': { 't/n/r': now + 5000 } });
      // A later change of another host reaches it and asks for a round.
      const before = changes;
      await store.txn([], [{ type: 'delete', key: KEYS.operMulticast('h2') }]);
      for (let i = 0; i < 50 && again.remoteMembers().has('h2'); i++) await new Promise((r) => setTimeout(r, 20));
      expect(again.remoteMembers().has('h2')).toBe(false);
      expect(changes).toBeGreaterThan(before);
    } finally {
      await again.stop();
    }
  });
});
