import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { EmbeddedStore } from '../state/embedded.js';
import { KEYS } from '../state/keys.js';
import { FAKE_NETNS, FakeRuntimeHost, fakeNetnsProbe } from '../../test/helpers/fake-runtime-host.js';
import { RuntimeService } from './service.js';
import type { NetpluginError } from '../common/errors.js';

let dir: string;
let store: EmbeddedStore;
let host: FakeRuntimeHost;
let svc: RuntimeService;
const codeOf = async (p: Promise<unknown>) => p.then(() => undefined, (e: NetpluginError) => e.code);

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'np-rtsvc-'));
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

describe('RuntimeService', () => {
  it('shows runtimes the routing modes of each network, the defaults for a network stored before routing', () => {
    host.snapshot.networks.set('t/edge', { ...host.snapshot.networks.get('t/n')!, id: 't/edge', name: 'edge', gatewayMode: 'external', external: 'none' });
    expect(svc.networks().map((n) => [n.id, n.gatewayMode, n.external])).toEqual([
      ['t/n', 'distributed', 'snat'],
      ['t/edge', 'external', 'none'],
    ]);
  });

  it('gives concurrent attaches distinct addresses, each claimed once', async () => {
    const all = await Promise.all(Array.from({ length: 20 }, (_, i) => svc.attach({ source: 'cni', key: `c${i}/eth0`, containerId: `c${i}`, tenant: 't', network: 'n' })));
    const ips = all.map((a) => a.ip);
    expect(new Set(ips).size).toBe(20);
    expect(ips).not.toContain('10.9.0.1');
    expect((await store.list(KEYS.operClaimsOf('t', 'n'))).items.length).toBe(20);
  });

  it('retries a claim made against an intent that has since changed', async () => {
    await store.put(KEYS.meta, '{}');
    const a = await svc.attach({ source: 'cni', key: 'k', containerId: 'c', tenant: 't', network: 'n' });
    expect(a.ip).toBe('10.9.0.2');
    expect(host.snapshot.metaRevision).toBeGreaterThan(0);
  });

  it('exhausts a small pool with NP_POOL_EXHAUSTED and frees an address on detach', async () => {
    for (let i = 0; i < 29; i++) await svc.attach({ source: 'docker', key: `e${i}`, containerId: 'c', tenant: 't', network: 'n' });
    expect(await codeOf(svc.attach({ source: 'docker', key: 'last', containerId: 'c', tenant: 't', network: 'n' }))).toBe('NP_POOL_EXHAUSTED');
    expect(await svc.detach('docker', 'e5')).toBe(true);
    expect((await svc.attach({ source: 'docker', key: 'last', containerId: 'c', tenant: 't', network: 'n' })).ip).toBe('10.9.0.7');
  });

  it('a failed plumb of a new attachment removes its record and claim', async () => {
    host.failPlumb = true;
    expect(await codeOf(svc.attach({ source: 'cni', key: 'k', containerId: 'c', tenant: 't', network: 'n', netns: FAKE_NETNS.pod1 }))).toBe('NP_ATTACH_FAILED');
    expect((await store.list(KEYS.operPrefix)).items).toEqual([]);
    expect(svc.list()).toEqual([]);
  });

  it('a failed plumb of an existing attachment keeps its record and address (Docker Join after CreateEndpoint)', async () => {
    const rec = await svc.attach({ source: 'docker', key: 'ep', containerId: 'c', tenant: 't', network: 'n' });
    host.failPlumb = true;
    expect(await codeOf(svc.attach({ source: 'docker', key: 'ep', containerId: 'c', netns: FAKE_NETNS.pod1 }, { handoff: true }))).toBe('NP_ATTACH_FAILED');
    expect(svc.get('docker', 'ep')).toMatchObject({ ip: rec.ip, state: 'recorded' });
  });

  it('uses an address claimed earlier by Docker IPAM without claiming it twice, and leaves the claim on detach', async () => {
    const got = await svc.claimAddress('t', 'n', 'docker-ipam:pool1', '10.9.0.20');
    expect(got).toEqual({ ip: '10.9.0.20', prefixLen: 27, gateway: '10.9.0.1' });
    expect(await svc.claimAddress('t', 'n', 'docker-ipam:pool1', '10.9.0.20')).toEqual(got);
    expect(await codeOf(svc.claimAddress('t', 'n', 'someone-else', '10.9.0.20'))).toBe('NP_ADDRESS_IN_USE');
    await svc.attach({ source: 'docker', key: 'ep', containerId: 'c', tenant: 't', network: 'n', ip: '10.9.0.20', ipClaimedBy: 'docker-ipam:pool1' });
    await svc.detach('docker', 'ep');
    expect((await store.get(KEYS.operClaim('t', 'n', '10.9.0.20')))?.value).toContain('docker-ipam:pool1');
    await svc.releaseAddress('t', 'n', 'someone-else', '10.9.0.20');
    expect(await store.get(KEYS.operClaim('t', 'n', '10.9.0.20'))).toBeDefined();
    await svc.releaseAddress('t', 'n', 'docker-ipam:pool1', '10.9.0.20');
    expect(await store.get(KEYS.operClaim('t', 'n', '10.9.0.20'))).toBeUndefined();
  });

  it('an outside IPAM address in the subnet is claimed; one outside it is used as is', async () => {
    const inside = await svc.attach({ source: 'cni', key: 'a', containerId: 'c', tenant: 't', network: 'n', externalAddress: { ip: '10.9.0.30', prefixLen: 27 } });
    expect(inside).toMatchObject({ ip: '10.9.0.30', ownsClaim: true });
    expect(await codeOf(svc.attach({ source: 'cni', key: 'b', containerId: 'c', tenant: 't', network: 'n', externalAddress: { ip: '10.9.0.30', prefixLen: 27 } }))).toBe('NP_ADDRESS_IN_USE');
    const outside = await svc.attach({ source: 'cni', key: 'c', containerId: 'c', tenant: 't', network: 'n', externalAddress: { ip: '172.30.0.5', prefixLen: 16, gateway: '172.30.0.1' } });
    expect(outside).toMatchObject({ ip: '172.30.0.5', prefixLen: 16, gateway: '172.30.0.1', ownsClaim: false });
  });

  it('names the bad field of a malformed request and records nothing', async () => {
    const bad = async (req: Record<string, unknown>) => svc.attach({ source: 'cni', key: 'k', containerId: 'c', tenant: 't', network: 'n', ...req } as never).then(() => 'accepted', (e: NetpluginError) => `${e.code} ${e.message}`);
    expect(await bad({ ip: '10.9.0.999' })).toBe('NP_INVALID_ARGUMENT ip: "10.9.0.999" is not an IPv4 address');
    expect(await bad({ mac: '01:00:00:00:00:01' })).toBe('NP_INVALID_ARGUMENT mac: 01:00:00:00:00:01 is a multicast address');
    expect(await bad({ ifName: 'a-very-long-interface-name' })).toContain('NP_INVALID_ARGUMENT ifName:');
    expect(await bad({ source: 'rkt' })).toContain('NP_INVALID_ARGUMENT source:');
    expect(await bad({ network: 'gone' })).toBe('NP_NOT_FOUND network "gone" of tenant "t" is not in the intent');
    expect(await bad({ tenant: 'nobody' })).toBe('NP_NOT_FOUND tenant "nobody" is not in the intent');
    expect(await bad({ ip: '10.9.0.1' })).toBe('NP_ADDRESS_OUT_OF_RANGE ip: 10.9.0.1 is the gateway of 10.9.0.0/27');
    expect((await store.list(KEYS.operPrefix)).items).toEqual([]);
  });

  it('matches an intent endpoint by name and refuses one bound to another host', async () => {
    host.snapshot.endpoints.set('t/n/web', { id: 't/n/web', tenant: 't', network: 'n', container: 'web', ip: '10.9.0.10', prefixLen: 27, mac: '02:02:0a:09:00:0a' });
    host.snapshot.endpoints.set('t/n/db', { id: 't/n/db', tenant: 't', network: 'n', container: 'db', host: 'h2', ip: '10.9.0.11', prefixLen: 27, mac: '02:02:0a:09:00:0b' });
    expect(await svc.attach({ source: 'cni', key: 'k', containerId: 'c', intentNames: ['web'] })).toMatchObject({ fromIntent: true, ip: '10.9.0.10', ownsClaim: false });
    expect(await codeOf(svc.attach({ source: 'cni', key: 'k2', containerId: 'c2', intentNames: ['web'] }))).toBe('NP_ADDRESS_IN_USE');
    expect(await codeOf(svc.attach({ source: 'cni', key: 'k3', containerId: 'c3', intentNames: ['db'] }))).toBe('NP_INVALID_ARGUMENT');
    // A dynamic claim never takes an intent endpoint's address.
    const dyn = await Promise.all(Array.from({ length: 12 }, (_, i) => svc.attach({ source: 'cni', key: `d${i}`, containerId: 'c', tenant: 't', network: 'n' })));
    expect(dyn.map((d) => d.ip)).not.toContain('10.9.0.10');
    expect(dyn.map((d) => d.ip)).not.toContain('10.9.0.11');
  });

  it('an intent endpoint matched against a stale intent is decided again on the new one', async () => {
    host.snapshot.endpoints.set('t/n/web', { id: 't/n/web', tenant: 't', network: 'n', container: 'web', ip: '10.9.0.10', prefixLen: 27, mac: '02:02:0a:09:00:0a' });
    await store.put(KEYS.meta, '{}');
    expect(await svc.attach({ source: 'cni', key: 'k', containerId: 'c', intentNames: ['web'] })).toMatchObject({ fromIntent: true, ip: '10.9.0.10' });
    expect(host.snapshot.metaRevision).toBeGreaterThan(0);
  });

  it('reloads its records after a restart', async () => {
    await svc.attach({ source: 'cni', key: 'k', containerId: 'c', tenant: 't', network: 'n', netns: FAKE_NETNS.pod1, ifName: 'eth0' });
    const again = new RuntimeService(host, pino({ level: 'silent' }));
    await again.load();
    expect(again.localContainers().get(svc.list()[0].name)).toMatchObject({ netns: FAKE_NETNS.pod1, ifName: 'eth0', source: 'cni' });
  });

  it('names the Docker hand-off veth itself, only when its own front end asks for it', async () => {
    const key = 'abcdef0123456789'.repeat(4);
    const a = await svc.attach({ source: 'docker', key, containerId: 'c', tenant: 't', network: 'n', netns: FAKE_NETNS.pod1 }, { handoff: true });
    expect(a.ifName).toBe('npdabcdef012345');
    const [c] = [...svc.localContainers().values()];
    expect(c).toMatchObject({ netns: FAKE_NETNS.pod1, source: 'docker-driver' });
    // Once handed over, the record forgets it: a later repair plumbs straight into the netns.
    expect(c.handoffPeer).toBeUndefined();
    // A caller smuggling the field in-process gets no hand-off either (the local API refuses it outright).
    await svc.attach({ source: 'docker', key: 'ep2', containerId: 'c', tenant: 't', network: 'n', netns: FAKE_NETNS.pod2, handoffPeer: 'eth0' } as never);
    expect(host.handoffsPlumbed).toEqual(['npdabcdef012345']);
  });

  it("does not open a Docker hand-off's sandbox at Join (Docker makes it afterwards), but does for every other attach", async () => {
    const probe = fakeNetnsProbe();
    const svc2 = new RuntimeService(host, pino({ level: 'silent' }), { netnsProbe: probe });
    host.service = svc2;
    await svc2.load();
    const notYet = '/run/docker/netns/not-made-yet';
    const a = await svc2.attach({ source: 'docker', key: 'h1', containerId: 'c', tenant: 't', network: 'n', netns: notYet }, { handoff: true });
    expect(a.ifName).toMatch(/^npd/);
    expect(probe.calls).toEqual([]);
    // Positive control: the same path without the hand-off is opened, and refused.
    expect(await codeOf(svc2.attach({ source: 'cni', key: 'k2', containerId: 'c', tenant: 't', network: 'n', netns: notYet }))).toBe('NP_NETNS_INVALID');
    expect(probe.calls).toEqual([notYet]);
  });

  it('refuses a netns the probe refuses, and the host namespace, before recording anything', async () => {
    for (const path of [FAKE_NETNS.fifo, FAKE_NETNS.host, '/run/netns/none']) {
      expect(await codeOf(svc.attach({ source: 'cni', key: 'k', containerId: 'c', tenant: 't', network: 'n', netns: path }))).toBe('NP_NETNS_INVALID');
    }
    expect((await store.list(KEYS.operPrefix)).items).toEqual([]);
    expect(host.rounds).toBe(0);
  });
});

describe('RuntimeService policy groups', () => {
  const policyOf = (tenant: string, groups: string[]) => ({ tenant, routeId: 1, groups, rules: [] });

  it('records the groups a runtime endpoint joins, sorted and once each', async () => {
    host.snapshot.policies.set('t', policyOf('t', ['db', 'web']));
    const a = await svc.attach({ source: 'cni', key: 'k', containerId: 'c', tenant: 't', network: 'n', groups: ['web', 'db', 'web'] });
    expect(a.groups).toEqual(['db', 'web']);
    const stored = JSON.parse((await store.get(KEYS.operAttachment('h1', 'cni', 'k')))!.value);
    expect(stored.groups).toEqual(['db', 'web']);
    // Without groups the record has none.
    expect(await svc.attach({ source: 'cni', key: 'k2', containerId: 'c2', tenant: 't', network: 'n' })).not.toHaveProperty('groups');
  });

  it('records the groups of an attachment that takes an intent endpoint, checked against its tenant', async () => {
    host.snapshot.policies.set('t', policyOf('t', ['web']));
    host.snapshot.endpoints.set('t/n/web', { id: 't/n/web', tenant: 't', network: 'n', container: 'web', ip: '10.9.0.10', prefixLen: 27, mac: '02:02:0a:09:00:0a' });
    expect(await svc.attach({ source: 'cni', key: 'k', containerId: 'c', intentNames: ['web'], groups: ['web'] })).toMatchObject({ fromIntent: true, groups: ['web'] });
  });

  it('refuses a group that is not one of the tenant\'s, naming it, and records nothing', async () => {
    host.snapshot.policies.set('t', policyOf('t', ['web']));
    host.snapshot.policies.set('u', policyOf('u', ['db']));
    const bad = async (groups: unknown) => svc.attach({ source: 'cni', key: 'k', containerId: 'c', tenant: 't', network: 'n', groups } as never).then(() => 'accepted', (e: NetpluginError) => `${e.code} ${e.message}`);
    expect(await bad(['web', 'db'])).toBe('NP_INVALID_ARGUMENT groups[1]: unknown group "db": not a group of tenant "t"');
    expect(await bad('web')).toBe('NP_INVALID_ARGUMENT groups: must be a list of group names');
    expect(await bad(['we b'])).toBe('NP_INVALID_ARGUMENT groups[0]: "we b" must not contain \'/\' or whitespace');
    expect(await bad([''])).toBe('NP_INVALID_ARGUMENT groups[0]: must not be empty');
    expect((await store.list(KEYS.operPrefix)).items).toEqual([]);
  });
});
