import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedStore } from '../state/embedded.js';
import { KEYS } from '../state/keys.js';
import { applyIntent } from './apply.js';
import { readViews } from './views.js';

let dir: string;
let store: EmbeddedStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'np-views-'));
  store = EmbeddedStore.open(dir);
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('readViews', () => {
  it('joins endpoints with the status their agent reports, and hosts with registrations', async () => {
    await applyIntent(store, readFileSync(join(import.meta.dirname, '../../examples/two_host_vxlan.json'), 'utf8'));
    await store.put(KEYS.operHost('host2'), JSON.stringify({ host: 'host2', vtepIp: '198.18.100.2', uplink: 'up0' }));
    await store.put(KEYS.operHost('host9'), JSON.stringify({ host: 'host9', vtepIp: '198.18.100.9' }));
    await store.put(KEYS.operEndpoint('host2', 'tenant-one', 'orange', 'myContainer2'), JSON.stringify({ status: 'attached', ifName: 'eth0' }));
    // host1's agent reported an attachment but is not registered any more (its lease expired).
    await store.put(KEYS.operEndpoint('host1', 'tenant-one', 'orange', 'myContainer1'), JSON.stringify({ status: 'attached', ifName: 'eth0' }));
    const v = await readViews(store);
    expect(v.endpoints.map((e) => [e.container, e.status, e.attachedHost ?? '-'])).toEqual([
      ['myContainer1', 'unknown (agent absent)', 'host1'],
      ['myContainer2', 'attached', 'host2'],
    ]);
    expect(v.hosts.map((h) => [h.name, h.agent, h.vtepIp])).toEqual([
      ['host1', 'absent', '198.18.100.1'],
      ['host2', 'registered', '198.18.100.2'],
      ['host9', 'registered', '198.18.100.9'],
    ]);
  });

  it('shows each registered host\'s VXLAN path, and the VTEP its agent registered over the intent\'s', async () => {
    await applyIntent(store, readFileSync(join(import.meta.dirname, '../../examples/two_host_vxlan.json'), 'utf8'));
    // host1's agent runs with --vxlan-dev ux0: its VTEP is ux0's address, not Hosts[].VtepIp.
    await store.put(KEYS.operHost('host1'), JSON.stringify({ host: 'host1', vtepIp: '198.18.101.1', uplink: 'up0', vxlan: 'kernel' }));
    const v = await readViews(store);
    expect(v.hosts.map((h) => [h.name, h.vtepIp, h.vxlan ?? '-', h.agent])).toEqual([
      ['host1', '198.18.101.1', 'kernel', 'registered'],
      ['host2', '198.18.100.2', '-', 'absent'],
    ]);
  });

  it('lists every group with the policies applying to it and its members, runtime attachments included', async () => {
    await applyIntent(store, readFileSync(join(import.meta.dirname, '../../examples/policy.json'), 'utf8'));
    const att = { source: 'cni', key: 'p1/eth0', containerId: 'p1', host: 'host1', endpointId: 't1/orange/cni-1', name: 'cni-1', fromIntent: false, tenant: 't1', network: 'orange', ip: '11.1.0.9', prefixLen: 24, mac: '02:02:0b:01:00:09', gateway: '11.1.0.1', mtu: 1450, ownsClaim: true, labels: {}, groups: ['web'], createdAt: '' };
    await store.put(KEYS.operAttachment('host1', 'cni', 'p1/eth0'), JSON.stringify(att));
    const v = await readViews(store);
    expect(v.groups).toEqual([
      { tenant: 't1', group: 'db', policies: ['db-in'], members: 1 },
      { tenant: 't1', group: 'web', policies: [], members: 2 },
    ]);
  });
});
