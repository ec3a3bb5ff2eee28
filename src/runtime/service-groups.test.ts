import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { EmbeddedStore } from '../state/embedded.js';
import { FakeRuntimeHost, fakeNetnsProbe } from '../../test/helpers/fake-runtime-host.js';
import { RuntimeService } from './service.js';

let dir: string;
let store: EmbeddedStore;
let host: FakeRuntimeHost;
let svc: RuntimeService;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'np-rtgroups-'));
  store = EmbeddedStore.open(dir);
  host = new FakeRuntimeHost(store);
  svc = new RuntimeService(host, pino({ level: 'silent' }), { netnsProbe: fakeNetnsProbe() });
  host.service = svc;
  await svc.load();
  host.snapshot.policies.set('t', { tenant: 't', routeId: 1, groups: ['db', 'web'], rules: [] });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('RuntimeService policy groups', () => {
  it('gives a runtime endpoint the groups its request joined, so the round resolves rules for it', async () => {
    const a = await svc.attach({ source: 'cni', key: 'k', containerId: 'c', tenant: 't', network: 'n', groups: ['web', 'db'] });
    await svc.attach({ source: 'cni', key: 'k2', containerId: 'c2', tenant: 't', network: 'n' });
    const eps = svc.runtimeEndpoints();
    expect(eps.find((e) => e.id === a.endpointId)?.groups).toEqual(['db', 'web']);
    expect(eps.filter((e) => e.id !== a.endpointId).map((e) => e.groups)).toEqual([undefined]);
  });

  it('joins an intent endpoint\'s own groups with those its request adds', async () => {
    host.snapshot.endpoints.set('t/n/web', { id: 't/n/web', tenant: 't', network: 'n', container: 'web', ip: '10.9.0.10', prefixLen: 27, mac: '02:02:0a:09:00:0a', groups: ['web'] });
    await svc.attach({ source: 'cni', key: 'k', containerId: 'c', intentNames: ['web'], groups: ['db'] });
    expect(svc.intentEndpointGroups(host.snapshot.endpoints)).toEqual(new Map([['t/n/web', ['db', 'web']]]));
  });
});
