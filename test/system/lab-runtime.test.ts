/**
 * Runtime attachments across hosts (what CNI pods and Docker endpoints on different hosts
 * rely on): endpoints that exist only through the agents' local APIs reach each other
 * over VXLAN and VLAN, and a detach on one host withdraws the endpoint everywhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Lab } from '../helpers/lab.js';
import { agentApi } from '../helpers/agent-api.js';

let lab: Lab | undefined;
const pods: { host: string; name: string; netns: string }[] = [];

function L(): Lab {
  if (!lab) throw new Error('lab not up');
  return lab;
}
const sock = (host: string) => join(L().dir, host, 'agent.sock');

/** A pod's namespace: a lab container (its netns file is on the host's shared mount, visible to the agent). */
function makePod(host: string, name: string): string {
  L().addContainer(host, name);
  const netns = L().netnsPath(name);
  pods.push({ host, name, netns });
  return netns;
}
function ping(netns: string, ip: string): number {
  try {
    execFileSync('nsenter', [`--net=${netns}`, 'ping', '-c', '2', '-W', '2', ip], { stdio: 'ignore', timeout: 20_000 });
    return 0;
  } catch (err) {
    return (err as { status?: number }).status ?? 1;
  }
}
async function attach(host: string, key: string, network: string): Promise<{ ip: string; netns: string }> {
  const netns = makePod(host, key);
  const r = await agentApi(sock(host), 'POST', '/v1/attach', { source: 'cni', key, containerId: key, tenant: 'rt', network, netns, ifName: 'eth0' });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return { ip: r.body.ip, netns };
}
async function until(f: () => boolean, ms: number, what: () => string): Promise<void> {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error(what());
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  lab = await Lab.up({ hosts: 2 });
  for (const h of L().hosts) {
    const end = Date.now() + 60_000;
    while ((await agentApi(sock(h), 'GET', '/v1/status').catch(() => undefined))?.body?.ready !== true) {
      if (Date.now() > end) throw new Error(`agent of ${h} not ready:\n${L().agentLog(h).slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  await L().applyIntent({
    Hosts: [
      { Name: 'host1', Intf: 'up0', VtepIp: '198.18.100.1' },
      { Name: 'host2', Intf: 'up0', VtepIp: '198.18.100.2' },
    ],
    Tenants: [
      {
        Name: 'rt',
        DefaultNetType: 'vxlan',
        SubnetPool: '198.18.96.0/20',
        AllocSubnetLen: 24,
        Vlans: '340-350',
        Vxlans: '34000-34010',
        Networks: [
          { Name: 'ov', Endpoints: [] },
          { Name: 'vl', PktTagType: 'vlan', Endpoints: [] },
        ],
      },
    ],
  });
}, 360_000);

afterAll(async () => {
  // lab down removes the pods' namespaces with everything else.
  await lab?.down();
}, 180_000);

describe('runtime attachments across two hosts', () => {
  it('pods attached on different hosts reach each other over VXLAN and over VLAN', async () => {
    const a = await attach('host1', 'ov-a', 'ov');
    const b = await attach('host2', 'ov-b', 'ov');
    const c = await attach('host1', 'vl-c', 'vl');
    const d = await attach('host2', 'vl-d', 'vl');
    expect(new Set([a.ip, b.ip]).size).toBe(2);
    await until(() => ping(a.netns, b.ip) === 0, 30_000, () => `ov-a -> ov-b (${b.ip})\n${L().dumpFlows('host1')}`);
    expect(ping(b.netns, a.ip)).toBe(0);
    await until(() => ping(c.netns, d.ip) === 0, 30_000, () => `vl-c -> vl-d (${d.ip})\n${L().dumpFlows('host1')}`);
    expect(ping(d.netns, c.ip)).toBe(0);
    // The tenant's two networks route to each other (the distributed gateway).
    await until(() => ping(a.netns, d.ip) === 0, 30_000, () => `ov-a -> vl-d (${d.ip}), routed\n${L().dumpFlows('host1')}`);
    const eps = JSON.parse(L().netdcli(['get', 'endpoints', '--json']).stdout) as { ip: string; runtime?: string; attachedHost?: string; status: string }[];
    expect(eps.filter((e) => e.runtime === 'cni' && e.status === 'attached').map((e) => `${e.ip}@${e.attachedHost}`).sort()).toEqual(
      [`${a.ip}@host1`, `${b.ip}@host2`, `${c.ip}@host1`, `${d.ip}@host2`].sort(),
    );
  });

  it('a detach on one host withdraws the endpoint from the other host', async () => {
    const b = pods.find((p) => p.name === 'ov-b')!;
    const bIp = (await agentApi(sock('host2'), 'GET', '/v1/attachments')).body.attachments.find((x: { key: string }) => x.key === 'ov-b').ip as string;
    expect(L().holdsEndpoint('host1', bIp)).toBe(true);
    const r = await agentApi(sock('host2'), 'POST', '/v1/detach', { source: 'cni', key: 'ov-b' });
    expect(r.body).toEqual({ detached: true });
    await until(() => !L().holdsEndpoint('host1', bIp), 20_000, () => `host1 still holds ${bIp}:\n${L().dumpFlows('host1')}`);
    expect(ping(pods.find((p) => p.name === 'ov-a')!.netns, bIp)).not.toBe(0);
    expect(b.host).toBe('host2');
  });
});
