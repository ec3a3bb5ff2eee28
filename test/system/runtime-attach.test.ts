/**
 * Runtime attachments through the agent's local API (what the CNI shim and the Docker
 * driver use): dynamic and static addresses claimed in the store, intent endpoints
 * matched by name, real packets between the namespaces, kill -9 of the agent, and a
 * detach that leaves no port, veth, record or claim behind. Netmaster's allocator
 * honours the claims.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { freePort, netdcli, runId, sh, startDaemon, stopDaemon, tempDir, waitFor, writeJson, type Daemon, storeKeys as clusterStoreKeys } from '../helpers/cluster.js';
import { agentApi } from '../helpers/agent-api.js';
import { KEYS } from '../../src/state/keys.js';

const id = runId();
const bridge = `nprt${id}`;
const dir = tempDir('np-rt-');
const storeUrl = `embedded:${join(dir.path, 'store')}`;
const sock = join(dir.path, 'agent.sock');
let master: Daemon | undefined;
let agent: Daemon | undefined;
let masterUrl = '';
const pods = ['p1', 'p2', 'p3', 'web'].map((n) => ({ name: n, netns: join(dir.path, `ns-${n}`) }));
const intent = {
  Tenants: [
    {
      Name: 'rt',
      SubnetPool: '198.18.80.0/20',
      AllocSubnetLen: 24,
      Vlans: '320-330',
      Networks: [
        { Name: 'pods', SubnetCIDR: '198.18.80.0/28', Endpoints: [{ Container: 'web' }] },
        { Name: 'other', Endpoints: [] },
      ],
    },
  ],
};

function nsExec(netns: string, cmd: string[]): number {
  try {
    execFileSync('nsenter', [`--net=${netns}`, ...cmd], { stdio: 'ignore', timeout: 20_000 });
    return 0;
  } catch (err) {
    return (err as { status?: number }).status ?? 1;
  }
}
function startAgent(tag: string): Daemon {
  return startDaemon('netagent', ['--host-label', 'h1', '--store', storeUrl, '--bridge', bridge, '--docker-socket', 'none', '--api-socket', sock, '--resync-interval', '5'], dir.path, tag);
}
async function ready(): Promise<void> {
  await waitFor(async () => (await agentApi(sock, 'GET', '/v1/status').catch(() => undefined))?.body?.ready === true, 30_000, () => `agent ready\n${agent?.log().slice(-1500)}`);
}
const storeKeys = (prefix: string) => clusterStoreKeys(storeUrl, prefix);
const ports = () => sh('ovs-vsctl', ['list-ports', bridge]).trim().split('\n').filter(Boolean);
const attach = (body: Record<string, unknown>) => agentApi(sock, 'POST', '/v1/attach', { source: 'cni', containerId: `c-${body.key}`, ...body });

beforeAll(async () => {
  for (const p of pods) {
    writeFileSync(p.netns, '');
    sh('unshare', [`--net=${p.netns}`, 'true']);
  }
  const port = await freePort();
  masterUrl = `http://127.0.0.1:${port}`;
  master = startDaemon('netmaster', ['--listen', `127.0.0.1:${port}`, '--store', storeUrl], dir.path);
  await waitFor(async () => (await fetch(`${masterUrl}/api/v1/health`).catch(() => undefined))?.ok, 20_000, () => 'netmaster up');
  const r = netdcli(masterUrl, ['-cfg', writeJson(join(dir.path, 'intent.json'), intent)]);
  expect(r.code, r.stderr).toBe(0);
  agent = startAgent('netagent');
  await ready();
}, 90_000);

afterAll(async () => {
  await stopDaemon(agent);
  await stopDaemon(master);
  for (const p of pods) {
    sh('umount', [p.netns], { allowFail: true });
    rmSync(p.netns, { force: true });
  }
  sh('ovs-vsctl', ['--if-exists', 'del-br', bridge], { allowFail: true });
  dir.cleanup();
});

describe('runtime attachments via the local API', () => {
  let ip1 = '';
  let ip2 = '';
  it('attaches a pod with a dynamic address, then one with a static address; they reach each other', async () => {
    const a = await attach({ key: 'k1', tenant: 'rt', network: 'pods', netns: pods[0].netns, ifName: 'eth0' });
    expect(a.status, JSON.stringify(a.body)).toBe(200);
    expect(a.body.state).toBe('attached');
    ip1 = a.body.ip;
    // The intent endpoint "web" holds the first address once netmaster allocated it; the claim takes the next free one.
    expect(ip1).toMatch(/^198\.18\.80\.\d+$/);
    const b = await attach({ key: 'k2', tenant: 'rt', network: 'pods', netns: pods[1].netns, ifName: 'net1', ip: '198.18.80.9' });
    expect(b.status, JSON.stringify(b.body)).toBe(200);
    ip2 = b.body.ip;
    expect(ip2).toBe('198.18.80.9');
    expect(b.body.ifName).toBe('net1');
    expect(nsExec(pods[0].netns, ['ping', '-c', '2', '-W', '2', ip2])).toBe(0);
    expect(nsExec(pods[1].netns, ['ping', '-c', '1', '-W', '2', ip1])).toBe(0);
    const view = JSON.parse(netdcli(masterUrl, ['get', 'endpoints', '--json']).stdout) as { ip: string; runtime?: string; runtimeKey?: string; status: string }[];
    expect(view.find((e) => e.ip === ip1)).toMatchObject({ runtime: 'cni', runtimeKey: 'k1' });
    expect(netdcli(masterUrl, ['get', 'endpoints']).stdout).toMatch(new RegExp(`${ip2.replace(/\./g, '\\.')}/28 .* cni +(attached|pending)`));
    const claims = await storeKeys(KEYS.operClaimsOf('rt', 'pods'));
    expect(claims.sort()).toEqual([KEYS.operClaim('rt', 'pods', ip1), KEYS.operClaim('rt', 'pods', ip2)].sort());
  });

  it('attach is idempotent on its key', async () => {
    const again = await attach({ key: 'k1', tenant: 'rt', network: 'pods', netns: pods[0].netns, ifName: 'eth0' });
    expect(again.status).toBe(200);
    expect(again.body.ip).toBe(ip1);
    expect(ports().length).toBe(2);
  });

  it('refuses a taken address, an address outside the subnet and an unknown network, naming the cause and changing nothing', async () => {
    const web = JSON.parse(netdcli(masterUrl, ['get', 'endpoints', '--json']).stdout).find((e: { container: string }) => e.container === 'web');
    const before = await storeKeys(KEYS.operPrefix);
    const inUse = await attach({ key: 'k3', tenant: 'rt', network: 'pods', netns: pods[2].netns, ip: ip2 });
    expect(inUse.status).toBe(409);
    expect(inUse.body.error.code).toBe('NP_ADDRESS_IN_USE');
    const intentIp = await attach({ key: 'k3', tenant: 'rt', network: 'pods', netns: pods[2].netns, ip: web.ip });
    expect(intentIp.body.error.code).toBe('NP_ADDRESS_IN_USE');
    expect(intentIp.body.error.message).toContain('"web"');
    const out = await attach({ key: 'k3', tenant: 'rt', network: 'pods', netns: pods[2].netns, ip: '198.18.81.5' });
    expect(out.body.error.code).toBe('NP_ADDRESS_OUT_OF_RANGE');
    const unknown = await attach({ key: 'k3', tenant: 'rt', network: 'nope', netns: pods[2].netns });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toContain('network "nope" of tenant "rt"');
    const badNetns = await attach({ key: 'k3', tenant: 'rt', network: 'pods', netns: 'relative/path' });
    expect(badNetns.body.error).toMatchObject({ code: 'NP_INVALID_ARGUMENT', field: 'netns' });
    expect((await storeKeys(KEYS.operPrefix)).filter((k) => !k.startsWith(KEYS.operHostsPrefix) && !k.startsWith(KEYS.operEndpointsPrefix))).toEqual(
      before.filter((k) => !k.startsWith(KEYS.operHostsPrefix) && !k.startsWith(KEYS.operEndpointsPrefix)),
    );
  });

  it('a netns that is gone is refused before anything is recorded, and leaves nothing behind', async () => {
    const before = ports().length;
    const r = await attach({ key: 'k-gone', tenant: 'rt', network: 'pods', netns: join(dir.path, 'no-such-netns') });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'NP_NETNS_INVALID', field: 'netns' });
    expect(ports().length).toBe(before);
    expect((await storeKeys(KEYS.operAttachmentsPrefix)).some((k) => k.includes('k-gone'))).toBe(false);
    expect((await storeKeys(KEYS.operClaimsPrefix)).length).toBe(2);
  });

  it('a pod named like an intent endpoint gets that endpoint: its network, address and MAC', async () => {
    const web = JSON.parse(netdcli(masterUrl, ['get', 'endpoints', '--json']).stdout).find((e: { container: string }) => e.container === 'web');
    const r = await attach({ key: 'kweb', intentNames: ['web'], tenant: 'rt', netns: pods[3].netns, ifName: 'eth0' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ fromIntent: true, endpointId: 'rt/pods/web', ip: web.ip });
    expect(nsExec(pods[3].netns, ['ping', '-c', '1', '-W', '2', ip1])).toBe(0);
    await waitFor(() => JSON.parse(netdcli(masterUrl, ['get', 'endpoints', '--json']).stdout).find((e: { container: string }) => e.container === 'web')?.status === 'attached', 20_000, () => 'web attached in netmaster view');
  });

  it('netmaster hands out addresses around the claims, and refuses an intent that takes a claimed one', async () => {
    const grown = structuredClone(intent);
    grown.Tenants[0].Networks[0].Endpoints.push({ Container: 'late1' }, { Container: 'late2' });
    const r = netdcli(masterUrl, ['-cfg', writeJson(join(dir.path, 'intent2.json'), grown)]);
    expect(r.code, r.stderr).toBe(0);
    const eps = JSON.parse(netdcli(masterUrl, ['get', 'endpoints', '--json']).stdout) as { container: string; ip: string }[];
    const late = eps.filter((e) => e.container.startsWith('late')).map((e) => e.ip);
    expect(late.length).toBe(2);
    for (const ip of late) expect([ip1, ip2]).not.toContain(ip);
    const clash = structuredClone(grown) as { Tenants: { Networks: { Endpoints: { Container: string; IpAddress?: string }[] }[] }[] };
    clash.Tenants[0].Networks[0].Endpoints.push({ Container: 'clash', IpAddress: ip2 });
    const bad = netdcli(masterUrl, ['-cfg', writeJson(join(dir.path, 'intent3.json'), clash)]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain(ip2);
    expect(bad.stderr).toContain('NP_INTENT_INVALID');
  });

  it('survives kill -9 of the agent: attachments stay plumbed and reachable, and are still listed', async () => {
    await stopDaemon(agent, true);
    expect(nsExec(pods[0].netns, ['ping', '-c', '1', '-W', '2', ip2])).toBe(0);
    agent = startAgent('netagent-restarted');
    await ready();
    const list = await agentApi(sock, 'GET', '/v1/attachments?source=cni');
    expect(list.body.attachments.map((a: { key: string }) => a.key).sort()).toEqual(['k1', 'k2', 'kweb']);
    await waitFor(async () => (await agentApi(sock, 'GET', '/v1/attachments')).body.attachments.every((a: { state: string }) => a.state === 'attached'), 20_000, () => 'all attached after restart');
    expect(nsExec(pods[0].netns, ['ping', '-c', '1', '-W', '2', ip2])).toBe(0);
    expect(ports().length).toBe(3);
  });

  it('detach removes port, veth, record and claim; detaching again is a no-op', async () => {
    const hostPorts = (await agentApi(sock, 'GET', '/v1/attachments')).body.attachments.map((a: { hostPort: string }) => a.hostPort);
    expect(hostPorts.length).toBe(3);
    for (const key of ['k1', 'k2', 'kweb']) {
      const d = await agentApi(sock, 'POST', '/v1/detach', { source: 'cni', key });
      expect(d.body).toEqual({ detached: true });
    }
    // Ports and veths go in the agent's next round, which a detach starts but does not wait for.
    await waitFor(() => ports().length === 0 && hostPorts.every((n: string) => sh('ip', ['link', 'show', n], { allowFail: true }) === ''), 10_000, () => `ports left: ${ports().join(' ')}`);
    expect(await storeKeys(KEYS.operAttachmentsPrefix)).toEqual([]);
    expect(await storeKeys(KEYS.operClaimsPrefix)).toEqual([]);
    const again = await agentApi(sock, 'POST', '/v1/detach', { source: 'cni', key: 'k1' });
    expect(again.body).toEqual({ detached: false });
    expect(nsExec(pods[0].netns, ['ip', 'link', 'show', 'eth0'])).not.toBe(0);
  });

  it('kill -9 in the middle of a burst of attaches: the next agent finishes what was recorded, and detaching leaves nothing', async () => {
    const burst = Array.from({ length: 8 }, (_, i) => ({ name: `b${i}`, netns: join(dir.path, `ns-b${i}`) }));
    for (const p of burst) {
      writeFileSync(p.netns, '');
      sh('unshare', [`--net=${p.netns}`, 'true']);
      pods.push(p);
    }
    const calls = burst.map((p) => attach({ key: p.name, tenant: 'rt', network: 'other', netns: p.netns, ifName: 'eth0' }).catch((err: Error) => ({ status: 0, body: err.message })));
    await new Promise((r) => setTimeout(r, 15));
    await stopDaemon(agent, true);
    const answers = await Promise.all(calls);
    agent = startAgent('netagent-after-burst');
    await ready();
    // Whatever was recorded before the kill is plumbed by the new agent, with the address it claimed.
    const recorded = (await agentApi(sock, 'GET', '/v1/attachments')).body.attachments as { key: string; ip: string; state: string }[];
    await waitFor(async () => ((await agentApi(sock, 'GET', '/v1/attachments')).body.attachments as { state: string }[]).every((a) => a.state === 'attached'), 20_000, () => `burst attachments attached: ${JSON.stringify(recorded)}\n${agent?.log().slice(-2000)}`);
    for (const a of recorded) {
      const p = burst.find((b) => b.name === a.key)!;
      expect(nsExec(p.netns, ['sh', '-c', `ip -o addr show eth0 | grep -q ' ${a.ip}/'`])).toBe(0);
    }
    for (const p of burst) if (!recorded.some((a) => a.key === p.name)) expect(nsExec(p.netns, ['ip', 'link', 'show', 'eth0']), `${p.name} has an interface but no record`).not.toBe(0);
    // A call answered 200 before the kill was recorded.
    for (const [i, a] of answers.entries()) if (a.status === 200) expect(recorded.map((r) => r.key)).toContain(burst[i].name);
    expect(ports().length).toBe(recorded.length);
    for (const p of burst) await agentApi(sock, 'POST', '/v1/detach', { source: 'cni', key: p.name });
    // The round removes the OVS ports, then the veths (and with them the pods' eth0).
    await waitFor(() => ports().length === 0 && burst.every((p) => nsExec(p.netns, ['ip', 'link', 'show', 'eth0']) !== 0), 10_000, () => `ports left: ${ports().join(' ')}`);
    expect(await storeKeys(KEYS.operAttachmentsPrefix)).toEqual([]);
    expect(await storeKeys(KEYS.operClaimsPrefix)).toEqual([]);
  });

  it('a host gone for good is forgotten: its attachments and claims go, and its networks can be removed', async () => {
    const a = await attach({ key: 'left-behind', tenant: 'rt', network: 'other', netns: pods[0].netns, ifName: 'eth0' });
    expect(a.status, JSON.stringify(a.body)).toBe(200);
    const alive = netdcli(masterUrl, ['forget-host', 'h1']);
    expect(alive.code).not.toBe(0);
    expect(alive.stderr).toContain('NP_HOST_REGISTERED');
    const withoutOther = { Tenants: [{ ...intent.Tenants[0], Networks: [intent.Tenants[0].Networks[0]] }] };
    const refused = netdcli(masterUrl, ['-cfg', writeJson(join(dir.path, 'intent-no-other.json'), withoutOther)]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('NP_NETWORK_IN_USE');
    // The host dies and never comes back: its registration lapses with its lease.
    await stopDaemon(agent, true);
    agent = undefined;
    await waitFor(() => (JSON.parse(netdcli(masterUrl, ['get', 'hosts', '--json']).stdout) as { name: string; agent: string }[]).find((h) => h.name === 'h1')?.agent !== 'registered', 40_000, () => 'h1 no longer registered');
    const forgot = netdcli(masterUrl, ['forget-host', 'h1']);
    expect(forgot.code, forgot.stderr).toBe(0);
    expect(forgot.stdout).toContain('forgot host h1: 1 runtime attachment(s), 1 address claim(s)');
    expect(await storeKeys(KEYS.operAttachmentsPrefix)).toEqual([]);
    expect(await storeKeys(KEYS.operClaimsPrefix)).toEqual([]);
    expect(await storeKeys(KEYS.operEndpointsOf('h1'))).toEqual([]);
    const applied = netdcli(masterUrl, ['-cfg', writeJson(join(dir.path, 'intent-no-other.json'), withoutOther)]);
    expect(applied.code, applied.stderr).toBe(0);
  });
});
