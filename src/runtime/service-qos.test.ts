import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { EmbeddedStore } from '../state/embedded.js';
import { KEYS } from '../state/keys.js';
import { FakeRuntimeHost, fakeNetnsProbe } from '../../test/helpers/fake-runtime-host.js';
import { RuntimeService } from './service.js';
import type { NetpluginError } from '../common/errors.js';

let dir: string;
let store: EmbeddedStore;
let host: FakeRuntimeHost;
let svc: RuntimeService;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'np-rtqos-'));
  store = EmbeddedStore.open(dir);
  host = new FakeRuntimeHost(store);
  svc = new RuntimeService(host, pino({ level: 'silent' }), { netnsProbe: fakeNetnsProbe() });
  host.service = svc;
  await svc.load();
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const limit = (rate: number) => ({ rate, burst: rate * 0.8 });

describe('RuntimeService QoS', () => {
  it('records a runtime endpoint\'s QoS and gives it to the endpoint the round plans', async () => {
    const qos = { bandwidth: { egress: limit(10e6) }, dscp: 46 };
    const a = await svc.attach({ source: 'cni', key: 'k', containerId: 'c', tenant: 't', network: 'n', qos });
    expect(a.qos).toEqual(qos);
    const stored = JSON.parse((await store.get(KEYS.operAttachment('h1', 'cni', 'k')))!.value);
    expect(stored.qos).toEqual(qos);
    expect(svc.runtimeEndpoints()).toEqual([expect.objectContaining({ id: a.endpointId, qos })]);
    // Without QoS neither the record nor the endpoint has any.
    const b = await svc.attach({ source: 'cni', key: 'k2', containerId: 'c2', tenant: 't', network: 'n' });
    expect(b).not.toHaveProperty('qos');
    expect(svc.runtimeEndpoints().find((e) => e.id === b.endpointId)).not.toHaveProperty('qos');
  });

  it('survives a restart (the record is what the agent reads back)', async () => {
    await svc.attach({ source: 'docker', key: 'e', containerId: 'c', tenant: 't', network: 'n', qos: { dscp: 'trust' } });
    const again = new RuntimeService(host, pino({ level: 'silent' }), { netnsProbe: fakeNetnsProbe() });
    await again.load();
    expect(again.runtimeEndpoints()).toEqual([expect.objectContaining({ qos: { dscp: 'trust' } })]);
  });

  it('lays an intent endpoint\'s request QoS over its own, part by part, as the intent stands when read', async () => {
    const own = { bandwidth: { egress: limit(50e6), ingress: limit(20e6) }, dscp: 10 };
    host.snapshot.endpoints.set('t/n/web', { id: 't/n/web', tenant: 't', network: 'n', container: 'web', ip: '10.9.0.10', prefixLen: 27, mac: '02:02:0a:09:00:0a', qos: own });
    host.snapshot.endpoints.set('t/n/db', { id: 't/n/db', tenant: 't', network: 'n', container: 'db', ip: '10.9.0.11', prefixLen: 27, mac: '02:02:0a:09:00:0b', qos: own });
    const a = await svc.attach({ source: 'cni', key: 'k', containerId: 'c', intentNames: ['web'], qos: { bandwidth: { egress: limit(5e6) } } });
    expect(a).toMatchObject({ fromIntent: true, qos: { bandwidth: { egress: limit(5e6) } } });
    await svc.attach({ source: 'cni', key: 'k2', containerId: 'c2', intentNames: ['db'] });
    // The intent endpoint is no runtime endpoint; its QoS comes as an override of the intent's, and db asked for none.
    expect(svc.runtimeEndpoints()).toEqual([]);
    expect(svc.intentEndpointQos(host.snapshot.endpoints)).toEqual(new Map([['t/n/web', { bandwidth: { egress: limit(5e6), ingress: limit(20e6) }, dscp: 10 }]]));
    // A later intent change shows through wherever the request said nothing.
    host.snapshot.endpoints.set('t/n/web', { ...host.snapshot.endpoints.get('t/n/web')!, qos: { dscp: 'trust' } });
    expect(svc.intentEndpointQos(host.snapshot.endpoints).get('t/n/web')).toEqual({ bandwidth: { egress: limit(5e6) }, dscp: 'trust' });
  });

  it('refuses a bad qos before recording anything', async () => {
    const err = await svc.attach({ source: 'cni', key: 'k', containerId: 'c', tenant: 't', network: 'n', qos: { bandwidth: { egress: { rate: 10, burst: 1e6 } } } }).then(() => undefined, (e: NetpluginError) => e);
    expect(err?.code).toBe('NP_INVALID_ARGUMENT');
    expect(err?.message).toBe('qos.bandwidth.egress.rate: 10 bits/s is outside 1000-4000000000000');
    expect((await store.list(KEYS.operPrefix)).items).toEqual([]);
  });
});
