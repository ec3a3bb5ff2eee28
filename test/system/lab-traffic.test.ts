/**
 * Traffic across hosts while the control plane fails underneath it, on a 3-host lab:
 * an agent killed with SIGKILL and restarted (on the receiving and on the sending host)
 * loses no reply and replaces no flow; etcd restarted under a running cluster loses no
 * reply and the agents keep following the store; a host that goes down (agent + OVS)
 * drops out of its peers' flood groups within the registration lease and comes back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Lab } from '../helpers/lab.js';
import { expectReachability } from '../helpers/reachability.js';

/** The agents' registration lease (src/agent/registration.ts REGISTRATION_TTL_SECONDS). */
const LEASE_TTL_MS = 15_000;

let lab: Lab | undefined;

function L(): Lab {
  if (!lab) throw new Error('lab not up');
  return lab;
}

const TENANT = 'tenant-tr';

/** The cluster every test runs on: a VXLAN network on all three hosts and a VLAN network on host1 and host2. */
const intent = {
  Hosts: [1, 2, 3].map((n) => ({ Name: `host${n}`, Intf: 'up0', VtepIp: `198.18.100.${n}` })),
  Tenants: [{
    Name: TENANT, DefaultNetType: 'vxlan', SubnetPool: '11.1.0.0/16', AllocSubnetLen: 24, Vlans: '11-28', Vxlans: '10001-14000',
    Networks: [
      { Name: 'blue', Endpoints: [{ Host: 'host1', Container: 'tx1' }, { Host: 'host2', Container: 'tx2' }, { Host: 'host3', Container: 'tx3' }] },
      { Name: 'green', PktTagType: 'vlan', Endpoints: [{ Host: 'host1', Container: 'tv1' }, { Host: 'host2', Container: 'tv2' }] },
    ],
  }],
};
const placement: [string, string][] = [['tx1', 'host1'], ['tx2', 'host2'], ['tx3', 'host3'], ['tv1', 'host1'], ['tv2', 'host2']];

/** Runs `netdcli -add-cfg` with a delta written to a file in the lab. */
function addCfg(delta: object): void {
  const dir = join(L().dir, 'intents');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `delta-${Date.now()}-${randomBytes(2).toString('hex')}.json`);
  writeFileSync(file, JSON.stringify(delta, null, 2) + '\n');
  const r = L().netdcli(['-add-cfg', file]);
  if (r.code !== 0) throw new Error(`netdcli -add-cfg ${file} failed (exit ${r.code}): ${r.stderr}${r.stdout}`);
}

function ipOf(container: string): string {
  const e = L().endpoints().find((x) => x.container === container);
  if (!e?.ip) throw new Error(`no address for ${container}`);
  return e.ip;
}

/** Polls `probe` until it returns true; returns the time it took, throws after `timeoutMs`. */
async function waitFor(what: string, probe: () => boolean, timeoutMs: number, detail: () => string = () => ''): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    if (probe()) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) throw new Error(`${what}: not true after ${timeoutMs} ms\n${detail()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A running ping whose summary is read when it ends. */
interface PingRun {
  label: string;
  proc: ChildProcess;
  done: Promise<{ transmitted: number; received: number; out: string }>;
}

/** Starts `ping -i 0.1 -c count` from one container to another's address. */
function startPing(from: string, to: string, count: number): PingRun {
  const proc = L().spawnIn(from, ['ping', '-i', '0.1', '-c', String(count), '-W', '2', ipOf(to)]);
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<{ transmitted: number; received: number; out: string }>((res, rej) => {
    proc.on('error', rej);
    proc.on('close', () => {
      const m = /(\d+) packets transmitted, (\d+) received/.exec(out);
      if (!m) rej(new Error(`ping ${from} -> ${to} printed no summary:\n${out}`));
      else res({ transmitted: Number(m[1]), received: Number(m[2]), out });
    });
  });
  return { label: `${from} -> ${to}`, proc, done };
}

/** Waits for pings to end (killing them by PID after a deadline) and returns their summaries. */
async function finish(pings: PingRun[], timeoutMs: number): Promise<{ label: string; transmitted: number; received: number; out: string }[]> {
  const timer = setTimeout(() => {
    for (const p of pings) if (p.proc.exitCode === null && p.proc.signalCode === null) p.proc.kill('SIGKILL');
  }, timeoutMs);
  try {
    return await Promise.all(pings.map(async (p) => ({ label: p.label, ...(await p.done) })));
  } finally {
    clearTimeout(timer);
  }
}

/** The flows of a host's bridge without counters, sorted (an exact set to compare). */
function flowSet(host: string): string[] {
  const r = L().ovs(host, ['ovs-ofctl', '-O', 'OpenFlow13', '--no-stats', 'dump-flows', 'netplugin']);
  if (r.code !== 0) throw new Error(`dump-flows on ${host}: ${r.out}`);
  return r.out.split('\n').map((s) => s.trim()).filter((s) => s.startsWith('cookie=')).sort();
}

/** The round bits (63..48) of a dumped flow's cookie. */
function roundOf(flow: string): number {
  const m = /cookie=0x([0-9a-f]+)/.exec(flow);
  if (!m) throw new Error(`no cookie in ${flow}`);
  return Number(BigInt('0x' + m[1]) >> 48n);
}

/** The agents a host's log shows starting ("bridge ready"), oldest first: their PID and round. */
function agentRounds(host: string): { pid: number; round: number }[] {
  return L().agentLog(host).split('\n').filter((l) => l.includes('"bridge ready"')).map((l) => JSON.parse(l) as { pid: number; round: number });
}

/** The log lines one agent process wrote. */
function linesOf(host: string, pid: number): string[] {
  return L().agentLog(host).split('\n').filter((l) => l.includes(`"pid":${pid},`));
}

function groups(host: string): string {
  const r = L().ovs(host, ['ovs-ofctl', '-O', 'OpenFlow13', 'dump-groups', 'netplugin']);
  if (r.code !== 0) throw new Error(`dump-groups on ${host}: ${r.out}`);
  return r.out;
}

/** True when a host's flood groups have a bucket tunnelling to `vtep`. */
function floodsTo(host: string, vtep: string): boolean {
  return groups(host).includes(`set_field:${vtep}->tun_dst`);
}

beforeAll(async () => {
  // This file covers OVS's userspace VXLAN port (flow-based tunnel, per-peer flood buckets);
  // the other lab files use the default kernel VXLAN devices.
  process.env.NP_LAB_VXLAN = 'userspace';
  lab = await Lab.up({ hosts: 3 });
  await lab.applyIntent(intent);
  for (const [c, h] of placement) lab.addContainer(h, c);
  await lab.waitAttached(placement.map(([c]) => c), 90_000);
});

afterAll(async () => {
  delete process.env.NP_LAB_VXLAN;
  await lab?.down();
});

describe('multi-host lab: traffic while the control plane fails', () => {
  it('the cluster starts with the full matrix', async () => {
    const r = await expectReachability(L());
    // One tenant, blue 3 + green 2 containers, routed to each other: 20 ordered pairs.
    expect(r.pairs.filter((p) => p.expected)).toHaveLength(20);
  });

  for (const victim of ['host2', 'host1'] as const) {
    it(`kill -9 of ${victim}'s agent while pings cross from host1 to host2: no reply lost, no flow replaced`, async () => {
      const roundsBefore = agentRounds(victim);
      expect(roundsBefore.length).toBeGreaterThan(0);
      const flowsBefore = flowSet(victim);
      expect(flowsBefore.length).toBeGreaterThan(10);
      const groupsBefore = groups(victim);
      expect(groupsBefore).toMatch(/type=all/);
      const pings = [startPing('tx1', 'tx2', 80), startPing('tv1', 'tv2', 80)];
      await new Promise((r) => setTimeout(r, 1500));
      await L().killAgent(victim);
      await L().startAgent(victim);
      const results = await finish(pings, 30_000);
      for (const p of results) expect({ ping: p.label, transmitted: p.transmitted, received: p.received }, p.out).toEqual({ ping: p.label, transmitted: 80, received: 80 });

      // The new agent started a new round and has reconciled (its first round runs at start;
      // the pings lasted ~6 s more); it found every flow right and replaced none.
      const roundsAfter = agentRounds(victim);
      expect(roundsAfter).toHaveLength(roundsBefore.length + 1);
      const { pid: newPid, round: newRound } = roundsAfter[roundsAfter.length - 1];
      expect(newRound).not.toBe(roundsBefore[roundsBefore.length - 1].round);
      const flowsAfter = flowSet(victim);
      expect(flowsAfter).toEqual(flowsBefore);
      // Flood groups were not rewritten either.
      expect(groups(victim)).toBe(groupsBefore);
      expect(flowsAfter.filter((f) => roundOf(f) === (newRound & 0xffff))).toEqual([]);
      // The new agent never failed a round (the old one may have, while its vswitchd was starting).
      expect(linesOf(victim, newPid).filter((l) => l.includes('reconcile round failed'))).toEqual([]);
      expect(linesOf(victim, newPid).some((l) => l.includes('"netagent running"'))).toBe(true);
    });
  }

  it('etcd restarted under the running cluster: no reply lost, and the agents still follow the store', async () => {
    const pings = [startPing('tx1', 'tx2', 60), startPing('tv2', 'tv1', 60), startPing('tx3', 'tx1', 60)];
    await new Promise((r) => setTimeout(r, 1000));
    await L().restartEtcd();
    const results = await finish(pings, 30_000);
    for (const p of results) expect({ ping: p.label, transmitted: p.transmitted, received: p.received }, p.out).toEqual({ ping: p.label, transmitted: 60, received: 60 });

    // A delta with a new container on every host, applied after the restart, is plumbed everywhere.
    addCfg({ Tenants: [{ Name: TENANT, Networks: [{ Name: 'blue', Endpoints: [{ Host: 'host1', Container: 'tn1' }, { Host: 'host2', Container: 'tn2' }, { Host: 'host3', Container: 'tn3' }] }] }] });
    for (const h of ['host1', 'host2', 'host3']) L().addContainer(h, `tn${h.slice(4)}`);
    const eps = await L().waitAttached(['tn1', 'tn2', 'tn3'], 30_000);
    expect(Object.fromEntries(eps.map((e) => [e.container, e.attachedHost]))).toEqual({ tn1: 'host1', tn2: 'host2', tn3: 'host3' });
    const r = await expectReachability(L());
    // One tenant, 8 containers (blue 6, green 2, routed): 56 ordered pairs.
    expect(r.pairs.filter((p) => p.expected)).toHaveLength(56);
  });

  it('a host going down drops out of its peers\' flood groups within the lease TTL, and comes back', async () => {
    const vtep3 = '198.18.100.3';
    expect(floodsTo('host1', vtep3)).toBe(true);
    expect(floodsTo('host2', vtep3)).toBe(true);
    await L().hostDown('host3');
    // Expiry is detected by etcd's lease clock and then reaches the peers through a watch: allow a little beyond the TTL.
    const goneMs = await waitFor(`host1's flood group drops ${vtep3}`, () => !floodsTo('host1', vtep3), LEASE_TTL_MS + 3000, () => groups('host1'));
    await waitFor(`host2's flood group drops ${vtep3}`, () => !floodsTo('host2', vtep3), 3000, () => groups('host2'));
    console.log(`host3 left host1's flood group ${goneMs} ms after it went down (lease TTL ${LEASE_TTL_MS} ms)`);
    // host1 and host2 still reach each other.
    const remaining = L().endpoints().filter((e) => e.attachedHost !== 'host3').map((e) => e.container);
    await expectReachability(L(), { only: remaining });

    await L().hostUp('host3');
    await waitFor(`host1's flood group regains ${vtep3}`, () => floodsTo('host1', vtep3), 30_000, () => groups('host1'));
    await waitFor(`host2's flood group regains ${vtep3}`, () => floodsTo('host2', vtep3), 30_000, () => groups('host2'));
    await L().waitAttached(L().endpoints().map((e) => e.container), 60_000);
    const r = await expectReachability(L());
    expect(r.pairs.filter((p) => p.expected)).toHaveLength(56);
  });
});
