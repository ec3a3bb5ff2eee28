/**
 * `netagent --docker-networks`: Docker networks are per engine, so on every host the agent can
 * keep its own engine's `<tenant>.<network>` networks in step with the intent (netmaster's
 * switch covers only the engine on its own host). A private dockerd; the plugin under a
 * unique driver name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { IMAGE, freePort, netdcli, runId, startDaemon, tempDir, waitFor, writeJson, type Daemon, storeKeys } from '../helpers/cluster.js';
import { agentApi } from '../helpers/agent-api.js';
import { destroyDockerTestbed, startPrivateDocker, type PrivateDocker } from '../helpers/private-docker.js';
import { KEYS } from '../../src/state/keys.js';

const id = runId();
const DRV = `npdn${id}`;
const pluginSock = `/run/docker/plugins/${DRV}.sock`;
const bridge = `npdn${id}`;
const dir = tempDir('np-dkn-');
const storeUrl = `embedded:${join(dir.path, 'store')}`;
const apiSock = join(dir.path, 'agent.sock');
let dk: PrivateDocker;
let master: Daemon | undefined;
let agent: Daemon | undefined;
let masterUrl = '';

const intent = (nets: string[]) => ({
  Tenants: [{ Name: 'dn', DefaultNetType: 'vlan', SubnetPool: '198.18.104.0/22', AllocSubnetLen: 24, Vlans: '380-389', Networks: nets.map((n) => ({ Name: n, Endpoints: [] })) }],
});
const managed = () => dk.ok(['network', 'ls', '--filter', 'label=netplugin.managed=true', '--format', '{{.Name}} {{.Driver}}']).split('\n').filter(Boolean).sort();
const apply = (nets: string[], name: string) => {
  const r = netdcli(masterUrl, ['-cfg', writeJson(join(dir.path, name), intent(nets))]);
  expect(r.code, r.stderr).toBe(0);
};

beforeAll(async () => {
  dk = await startPrivateDocker(join(dir.path, 'docker'));
  const port = await freePort();
  masterUrl = `http://127.0.0.1:${port}`;
  master = startDaemon('netmaster', ['--listen', `127.0.0.1:${port}`, '--store', storeUrl], dir.path);
  await waitFor(async () => (await fetch(`${masterUrl}/api/v1/health`).catch(() => undefined))?.ok, 20_000, () => 'netmaster up');
  apply(['n1', 'n2'], 'intent.json');
  agent = startDaemon('netagent', ['--host-label', 'h1', '--store', storeUrl, '--bridge', bridge, '--docker-socket', dk.socket, '--api-socket', apiSock, '--docker-plugin-socket', pluginSock, '--docker-networks'], dir.path);
  await waitFor(async () => (await agentApi(apiSock, 'GET', '/v1/status').catch(() => undefined))?.body?.ready === true, 60_000, () => `agent ready\n${agent?.log().slice(-2000)}`);
}, 240_000);

afterAll(() => destroyDockerTestbed({ dk, agent, master, pluginSock, bridge, dir }), 180_000);

describe('netagent --docker-networks', () => {
  it("keeps a Docker network per intent network on the agent's engine, usable at once", async () => {
    await waitFor(() => managed().length === 2, 60_000, () => `managed: ${managed().join(', ')}\n${agent?.log().slice(-2000)}`);
    expect(managed()).toEqual([`dn.n1 ${DRV}`, `dn.n2 ${DRV}`]);
    dk.ok(['run', '-d', '--name', 'w1', '--network', 'dn.n1', IMAGE, 'sleep', '3600']);
    const ip = dk.ok(['inspect', '-f', '{{(index .NetworkSettings.Networks "dn.n1").IPAddress}}', 'w1']);
    const n1 = (JSON.parse(netdcli(masterUrl, ['get', 'networks', '--json']).stdout) as { name: string; subnet: string }[]).find((n) => n.name === 'n1')!;
    expect(`${ip}/24`.startsWith(n1.subnet.split('.').slice(0, 3).join('.'))).toBe(true);
    expect(dk.ok(['exec', 'w1', 'ip', '-o', 'addr', 'show', 'eth0'])).toContain(`${ip}/24`);
  });

  it('follows the intent: a network removed from it goes from Docker too, and nothing of it is left', async () => {
    dk.ok(['rm', '-f', 'w1']);
    await waitFor(async () => (await agentApi(apiSock, 'GET', '/v1/attachments')).body.attachments.length === 0, 20_000, () => 'w1 detached');
    apply(['n1'], 'intent-n1.json');
    await waitFor(() => managed().length === 1, 60_000, () => `managed: ${managed().join(', ')}`);
    expect(managed()).toEqual([`dn.n1 ${DRV}`]);
    apply([], 'intent-empty.json');
    await waitFor(() => managed().length === 0, 60_000, () => `managed: ${managed().join(', ')}`);
    await waitFor(async () => (await storeKeys(storeUrl, KEYS.operDockerOf('h1'))).length === 0, 20_000, () => 'docker plugin state gone');
    expect(await storeKeys(storeUrl, KEYS.operClaimsPrefix)).toEqual([]);
  });
});
