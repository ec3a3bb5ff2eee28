import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { NetpluginError } from '../common/errors.js';
import { EmbeddedStore } from '../state/embedded.js';
import { KEYS } from '../state/keys.js';
import { applyIntent } from './apply.js';
import { applyDelta } from './delta.js';
import { loadDesired } from './desired-io.js';
import { createMasterServer } from './server.js';

const example = (name: string) => readFileSync(join(import.meta.dirname, '../../examples', name), 'utf8');
const json = (o: unknown) => JSON.stringify(o);
let dir: string;
let store: EmbeddedStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'np-delta-'));
  store = EmbeddedStore.open(dir);
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function endpoints(): Promise<Record<string, { ip: string; mac: string; host?: string }>> {
  const { state } = await loadDesired(store);
  return Object.fromEntries((state?.endpoints ?? []).map((e) => [e.id, { ip: e.ip, mac: e.mac, host: e.host }]));
}

async function rejected(p: Promise<unknown>): Promise<NetpluginError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(NetpluginError);
  return err as NetpluginError;
}

describe('applyDelta add (-add-cfg)', () => {
  it('adds endpoints in one transaction and never moves what was there', async () => {
    await applyIntent(store, example('two_hosts_multiple_vxlan_add_del_ep.json'));
    const before = await endpoints();
    const nets = (await loadDesired(store)).state!.networks;
    const rev = await store.revision();
    const r = await applyDelta(store, example('two_hosts_multiple_vxlan_add_ep.json'), 'add');
    expect(r.applied).toBe(true);
    expect(r.revision).toBe(rev + 1);
    expect(r.plan.create.map((i) => i.id)).toEqual(['tenant-one/orange/myContainer5', 'tenant-one/orange/myContainer6', 'tenant-one/purple/myContainer7']);
    expect([r.plan.update, r.plan.delete]).toEqual([[], []]);
    const after = await endpoints();
    for (const [id, e] of Object.entries(before)) expect(after[id]).toEqual(e);
    expect((await loadDesired(store)).state!.networks).toEqual(nets);
    expect(after['tenant-one/orange/myContainer5']).toEqual({ ip: '11.1.0.4', mac: '02:02:0b:01:00:04', host: 'host1' });
    // The stored intent is the merged one, so a later -cfg / get intent sees the additions.
    const intent = JSON.parse((await store.get(KEYS.intent))!.value) as { Tenants: { Networks: { Endpoints: unknown[] }[] }[] };
    expect(intent.Tenants[0].Networks.map((n) => n.Endpoints.length)).toEqual([4, 3]);
  });

  it('works on an empty store like -cfg', async () => {
    const r = await applyDelta(store, example('two_host_vlan.json'), 'add');
    expect(r.applied).toBe(true);
    expect(Object.keys(await endpoints())).toEqual(['tenant-one/orange/myContainer1', 'tenant-one/orange/myContainer2']);
  });

  it('moves an endpoint between hosts: same container, new Host, same address', async () => {
    await applyIntent(store, example('two_host_vxlan.json'));
    const before = (await endpoints())['tenant-one/orange/myContainer1'];
    const r = await applyDelta(store, json({ Tenants: [{ Name: 'tenant-one', Networks: [{ Name: 'orange', Endpoints: [{ Container: 'myContainer1', Host: 'host2' }] }] }] }), 'add');
    expect(r.planText).toBe('~ endpoint tenant-one/orange/myContainer1 (host host1 -> host2)\n0 to create, 1 to update, 0 to delete\n');
    expect((await endpoints())['tenant-one/orange/myContainer1']).toEqual({ ...before, host: 'host2' });
  });

  it('a dry run plans and writes nothing', async () => {
    await applyIntent(store, example('two_hosts_multiple_vxlan_add_del_ep.json'));
    const rev = await store.revision();
    const r = await applyDelta(store, example('two_hosts_multiple_vxlan_add_ep.json'), 'add', { dryRun: true });
    expect([r.applied, r.dryRun, r.revision, r.plan.create.length]).toEqual([false, true, rev, 3]);
    const d = await applyDelta(store, example('two_hosts_multiple_vxlan_del_ep.json'), 'delete', { dryRun: true });
    expect([d.applied, d.plan.delete.length]).toEqual([false, 2]);
    expect(await store.revision()).toBe(rev);
  });

  it('re-adding what is already there writes nothing', async () => {
    await applyIntent(store, example('two_host_vlan.json'));
    const rev = await store.revision();
    const r = await applyDelta(store, example('two_host_vlan.json'), 'add');
    expect([r.applied, r.planText, await store.revision()]).toEqual([false, 'no changes\n', rev]);
  });

  it('rejects a delta whose merge is invalid, with paths into the delta, and writes nothing', async () => {
    await applyIntent(store, example('two_host_vlan.json'));
    const rev = await store.revision();
    const err = await rejected(
      applyDelta(
        store,
        json({ Tenants: [{ Name: 'tenant-one', Networks: [{ Name: 'green', PktTag: 99 }, { Name: 'orange', Endpoints: [{ Container: 'myContainer9', Host: 'host7' }] }] }] }),
        'add',
      ),
    );
    expect(err.code).toBe('NP_INTENT_INVALID');
    expect(err.details!.problems).toEqual([
      { path: '$.Tenants[0].Networks[0].PktTag', reason: 'VLAN 99 outside the tenant\'s Vlans "11-28"' },
      { path: '$.Tenants[0].Networks[1].Endpoints[0].Host', reason: 'unknown host "host7" (not in Hosts)' },
    ]);
    expect(await store.revision()).toBe(rev);
  });

  it('reports a malformed delta as NP_INTENT_PARSE', async () => {
    expect((await rejected(applyDelta(store, '{"Tenants": [', 'add'))).code).toBe('NP_INTENT_PARSE');
  });
});

describe('HostBindings through the master', () => {
  it('late binding: endpoints without a host, then a binding delta sets each host', async () => {
    await applyIntent(store, example('late_binding.json'));
    const before = await endpoints();
    expect(Object.values(before).map((e) => e.host)).toEqual([undefined, undefined]);
    const rev = await store.revision();
    const r = await applyDelta(store, example('late_binding_hosts.json'), 'add');
    expect(r.revision).toBe(rev + 1);
    expect(r.planText).toBe(
      '~ endpoint tenant-one/orange/myContainer1 (host - -> host1)\n~ endpoint tenant-one/orange/myContainer2 (host - -> host2)\n0 to create, 2 to update, 0 to delete\n',
    );
    const after = await endpoints();
    expect(after['tenant-one/orange/myContainer2']).toEqual({ ...before['tenant-one/orange/myContainer2'], host: 'host2' });
  });

  it('a binding replaced later rebinds, and a binding deleted unbinds', async () => {
    await applyIntent(store, example('late_binding.json'));
    await applyDelta(store, example('late_binding_hosts.json'), 'add');
    const moved = await applyDelta(store, json({ HostBindings: [{ Container: 'myContainer1', Host: 'host2' }] }), 'add');
    expect(moved.planText).toContain('~ endpoint tenant-one/orange/myContainer1 (host host1 -> host2)');
    const unbound = await applyDelta(store, json({ HostBindings: [{ Container: 'myContainer1' }] }), 'delete');
    expect(unbound.planText).toContain('~ endpoint tenant-one/orange/myContainer1 (host host2 -> -)');
    expect((await endpoints())['tenant-one/orange/myContainer1'].host).toBeUndefined();
  });

  it('a binding that contradicts an endpoint Host is refused with both places named', async () => {
    await applyIntent(store, example('two_host_vlan.json'));
    const err = await rejected(applyDelta(store, json({ HostBindings: [{ Container: 'myContainer1', Host: 'host2' }] }), 'add'));
    expect(err.details!.problems).toEqual([
      {
        path: '$.HostBindings[0].Host',
        reason: 'container "myContainer1" is placed on host "host1" by $.Tenants[0].Networks[0].Endpoints[0].Host (stored endpoint tenant-one/orange/myContainer1), not "host2"',
      },
    ]);
  });
});

describe('applyDelta delete (-del-cfg)', () => {
  it('removes endpoints in one transaction and frees their addresses', async () => {
    await applyIntent(store, example('two_hosts_multiple_vxlan_add_del_ep.json'));
    const rev = await store.revision();
    const r = await applyDelta(store, example('two_hosts_multiple_vxlan_del_ep.json'), 'delete');
    expect(r.revision).toBe(rev + 1);
    expect(r.plan.delete).toEqual([
      { kind: 'endpoint', id: 'tenant-one/orange/myContainer2' },
      { kind: 'endpoint', id: 'tenant-one/purple/myContainer4' },
    ]);
    expect(await store.get(KEYS.endpoint('tenant-one', 'orange', 'myContainer2'))).toBeUndefined();
    // The freed address is the lowest free again.
    const again = await applyDelta(store, json({ Tenants: [{ Name: 'tenant-one', Networks: [{ Name: 'orange', Endpoints: [{ Container: 'myContainer8' }] }] }] }), 'add');
    expect(again.state.endpoints.find((e) => e.container === 'myContainer8')!.ip).toBe('11.1.0.3');
  });

  it('the file -add-cfg took, given to -del-cfg, takes back exactly the endpoints it added', async () => {
    await applyIntent(store, example('two_hosts_multiple_vxlan_add_del_ep.json'));
    const base = await endpoints();
    await applyDelta(store, example('two_hosts_multiple_vxlan_add_ep.json'), 'add');
    const r = await applyDelta(store, example('two_hosts_multiple_vxlan_add_ep.json'), 'delete');
    expect(r.plan.delete.map((i) => i.id)).toEqual(['tenant-one/orange/myContainer5', 'tenant-one/orange/myContainer6', 'tenant-one/purple/myContainer7']);
    expect(await endpoints()).toEqual(base);
  });

  it('removes a whole tenant, and its networks and endpoints with it', async () => {
    await applyIntent(store, example('two_hosts_multiple_tenants.json'));
    const r = await applyDelta(store, json({ Tenants: [{ Name: 'tenant-two' }] }), 'delete');
    expect(r.plan.delete.map((i) => `${i.kind} ${i.id}`)).toEqual([
      'endpoint tenant-two/orange/myContainer3',
      'endpoint tenant-two/orange/myContainer4',
      'network tenant-two/orange',
      'tenant tenant-two',
    ]);
    expect(r.plan.create.length + r.plan.update.length).toBe(0);
  });

  it('naming what does not exist rejects the whole delta and writes nothing', async () => {
    await applyIntent(store, example('two_host_vlan.json'));
    const rev = await store.revision();
    const err = await rejected(applyDelta(store, json({ Tenants: [{ Name: 'tenant-one', Networks: [{ Name: 'orange', Endpoints: [{ Container: 'myContainer1' }, { Container: 'ghost' }] }] }] }), 'delete'));
    expect(err.code).toBe('NP_INTENT_INVALID');
    expect(err.details!.problems).toEqual([{ path: '$.Tenants[0].Networks[0].Endpoints[1].Container', reason: 'no endpoint of container "ghost" in network "tenant-one/orange"' }]);
    expect(await store.revision()).toBe(rev);
  });

  it('removing a host still in use is refused, naming the stored endpoints that use it', async () => {
    await applyIntent(store, example('two_host_vlan.json'));
    const err = await rejected(applyDelta(store, json({ Hosts: [{ Name: 'host2' }] }), 'delete'));
    expect(err.details!.problems).toEqual([
      { path: '$.Tenants[0].Networks[0].Endpoints[1].Host', reason: 'unknown host "host2" (not in Hosts) (in the stored intent: endpoint tenant-one/orange/myContainer2)' },
    ]);
  });
});

describe('concurrent deltas', () => {
  it('both land: each is re-merged onto the other when it loses the race', async () => {
    await applyIntent(store, example('two_hosts_multiple_vxlan_add_del_ep.json'));
    const others = [EmbeddedStore.open(dir), EmbeddedStore.open(dir), EmbeddedStore.open(dir)];
    try {
      const add = (s: EmbeddedStore, c: string, net: string) =>
        applyDelta(s, json({ Tenants: [{ Name: 'tenant-one', Networks: [{ Name: net, Endpoints: [{ Container: c, Host: 'host1' }] }] }] }), 'add');
      // Count lost compare-on-revision races, to show the retry path really ran.
      let lost = 0;
      for (const s of [store, ...others]) {
        const txn = s.txn.bind(s);
        s.txn = async (...args: Parameters<typeof txn>) => {
          const r = await txn(...args);
          if (!r.succeeded) lost++;
          return r;
        };
      }
      const rev = await store.revision();
      const results = await Promise.all([
        add(store, 'myContainer5', 'orange'),
        add(others[0], 'myContainer6', 'orange'),
        add(others[1], 'myContainer7', 'purple'),
        applyDelta(others[2], example('two_hosts_multiple_vxlan_del_ep.json'), 'delete'),
      ]);
      expect(results.every((r) => r.applied)).toBe(true);
      // Four deltas, four transactions, nothing lost.
      expect(await store.revision()).toBe(rev + 4);
      expect(lost).toBeGreaterThan(0);
      const ids = Object.keys(await endpoints()).map((id) => id.split('/').slice(1).join('/'));
      expect(ids).toEqual(['orange/myContainer1', 'orange/myContainer5', 'orange/myContainer6', 'purple/myContainer3', 'purple/myContainer7']);
      const ips = Object.values(await endpoints()).map((e) => e.ip);
      expect(new Set(ips.slice(0, 3)).size).toBe(3);
    } finally {
      for (const s of others) await s.close();
    }
  });
});

describe('REST API', () => {
  it('POST /api/v1/intent/add and /delete (with ?dryRun=true) answer like /api/v1/intent', async () => {
    const token = 'delta-test-token-0123456789abcdef0123456789';
    const server = createMasterServer(store, pino({ level: 'silent' }), { token });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const post = async (path: string, body: string) => {
      const res = await fetch(base + path, { method: 'POST', body, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
      return { status: res.status, body: (await res.json()) as { applied?: boolean; dryRun?: boolean; planText?: string; revision?: number; error?: { code: string; problems: unknown[] } } };
    };
    try {
      expect((await post('/api/v1/intent', example('late_binding.json'))).status).toBe(200);
      const rev = await store.revision();
      const dry = await post('/api/v1/intent/add?dryRun=true', example('late_binding_hosts.json'));
      expect([dry.status, dry.body.applied, dry.body.dryRun, await store.revision()]).toEqual([200, false, true, rev]);
      expect(dry.body.planText).toContain('(host - -> host1)');
      const add = await post('/api/v1/intent/add', example('late_binding_hosts.json'));
      expect([add.body.applied, add.body.revision]).toEqual([true, rev + 1]);
      const bad = await post('/api/v1/intent/delete', json({ Tenants: [{ Name: 'nobody' }] }));
      expect([bad.status, bad.body.error?.code, bad.body.error?.problems]).toEqual([400, 'NP_INTENT_INVALID', [{ path: '$.Tenants[0].Name', reason: 'no tenant "nobody" in the stored intent' }]]);
      const del = await post('/api/v1/intent/delete', json({ Tenants: [{ Name: 'tenant-one' }] }));
      expect([del.body.applied, del.body.revision]).toEqual([true, rev + 2]);
      expect((await loadDesired(store)).state!.tenants).toEqual([]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
