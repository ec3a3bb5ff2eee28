/**
 * Chaos soak (issue 10, deliverable 9) on a 3-host lab with etcd. Containers are attached and
 * detached continuously through CNI (the `netplugin-cni` executable run as a runtime runs it,
 * against each agent's local API socket) and through the netns source (`--netns-dir`), while
 * agents, netmaster and etcd are killed with SIGKILL at random moments (seeded PRNG) and
 * restarted. Once everything is back and settled: every address claim belongs to a live CNI
 * container and no address is held twice; a sample of containers reach peers on other hosts;
 * each bridge holds exactly the flows and groups its agent computes (a fresh agent's first
 * round adds and deletes nothing, and the dump is unchanged).
 *
 * SOAK_SECONDS sets the chaos phase (default 90: about 3 minutes with lab set-up and checks);
 * SOAK_SEED replays a run (the seed is printed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lab } from '../helpers/lab.js';
import { runPlugin } from '../helpers/cni-shim.js';
import { agentApi } from '../helpers/agent-api.js';
import { rng } from '../helpers/rng.js';

const SOAK_MS = Number(process.env.SOAK_SECONDS ?? 90) * 1000;
const SEED = Number(process.env.SOAK_SEED ?? Math.floor(Math.random() * 2 ** 31));
const R = rng(SEED);
const TENANT = 'soak';
const NETWORKS = ['ov', 'vl'] as const;
type Net = (typeof NETWORKS)[number];
const HOSTS = ['host1', 'host2', 'host3'];
/** Intent containers the netns source plumbs by name: per host and network, this many. */
const PER_HOST_NET = 3;

let lab: Lab | undefined;
function L(): Lab {
  if (!lab) throw new Error('lab not up');
  return lab;
}

const t0 = Date.now();
function say(what: string): void {
  console.log(`[soak +${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${what}`);
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A container the soak started and has not stopped. */
interface Live {
  name: string;
  host: string;
  network: Net;
  via: 'cni' | 'netns';
  /** CNI: the address ADD returned. */
  ip?: string;
}
const live = new Map<string, Live>();
/** CNI containers whose DEL has not succeeded yet (an ADD that failed, or a DEL that did): a runtime retries DEL until it does. */
const pendingDel = new Map<string, Live>();
/** Containers an operation is working on: no other operation picks them meanwhile. */
const busy = new Set<string>();
const idle = (c: Live) => !busy.has(c.name);
const counts = { cniAdd: 0, cniAddFailed: 0, cniDel: 0, cniDelFailed: 0, netnsAdd: 0, netnsDel: 0, kills: { agent: 0, netmaster: 0, etcd: 0 } };

const intentName = (net: Net, host: string, i: number) => `n-${net}-${host.slice(4)}-${i}`;
const sock = (host: string) => join(L().dir, host, 'agent.sock');

function intent(): object {
  return {
    Hosts: HOSTS.map((h) => ({ Name: h, Intf: 'up0', VtepIp: `198.18.100.${h.slice(4)}` })),
    Tenants: [
      {
        Name: TENANT,
        DefaultNetType: 'vxlan',
        SubnetPool: '11.40.0.0/16',
        AllocSubnetLen: 24,
        Vlans: '400-409',
        Vxlans: '40000-40009',
        Networks: NETWORKS.map((net) => ({
          Name: net,
          ...(net === 'vl' ? { PktTagType: 'vlan' } : {}),
          Endpoints: HOSTS.flatMap((h) => Array.from({ length: PER_HOST_NET }, (_, i) => ({ Host: h, Container: intentName(net, h, i) }))),
        })),
      },
    ],
  };
}

function cniConf(host: string, network: Net): string {
  return JSON.stringify({ cniVersion: '1.0.0', name: 'soaknet', type: 'netplugin-cni', tenant: TENANT, network, agentSocket: sock(host) });
}
function cniEnv(command: string, c: Live): Record<string, string> {
  return { CNI_COMMAND: command, CNI_CONTAINERID: c.name, CNI_NETNS: join(L().dir, c.host, 'netns', c.name), CNI_IFNAME: 'eth0', CNI_PATH: '/usr/lib/cni' };
}
const cniError = (r: { stdout: string; stderr: string; json?: Record<string, unknown> }) => String(r.json?.msg ?? r.json?.details ?? (r.stderr || r.stdout)).slice(0, 160);

let seq = 0;
async function cniAdd(): Promise<void> {
  const c: Live = { name: `c${++seq}`, host: R.pick(HOSTS), network: R.pick(NETWORKS), via: 'cni' };
  busy.add(c.name);
  try {
    await L().addContainerAsync(c.host, c.name);
    await cniAddIn(c);
  } finally {
    busy.delete(c.name);
  }
}

async function cniAddIn(c: Live): Promise<void> {
  const started = Date.now();
  const r = await runPlugin(cniEnv('ADD', c), cniConf(c.host, c.network));
  const ip = (r.json?.ips as { address: string }[] | undefined)?.[0]?.address?.split('/')[0];
  if (r.code === 0 && ip) {
    c.ip = ip;
    live.set(c.name, c);
    counts.cniAdd++;
    say(`attach   cni   ${c.name} on ${c.host} in ${c.network}: ${ip} (${Date.now() - started} ms)`);
  } else {
    pendingDel.set(c.name, c);
    counts.cniAddFailed++;
    say(`attach   cni   ${c.name} on ${c.host} in ${c.network}: failed (${cniError(r)}); DEL pending`);
  }
}

/** DEL of a CNI container; on success its namespace goes too. */
async function cniDel(c: Live): Promise<boolean> {
  busy.add(c.name);
  try {
    return await cniDelOf(c);
  } finally {
    busy.delete(c.name);
  }
}

async function cniDelOf(c: Live): Promise<boolean> {
  const started = Date.now();
  const r = await runPlugin(cniEnv('DEL', c), cniConf(c.host, c.network));
  if (r.code !== 0) {
    live.delete(c.name);
    pendingDel.set(c.name, c);
    counts.cniDelFailed++;
    say(`detach   cni   ${c.name} on ${c.host}: DEL failed (${cniError(r)}); will retry`);
    return false;
  }
  const delMs = Date.now() - started;
  live.delete(c.name);
  pendingDel.delete(c.name);
  await L().delContainerAsync(c.host, c.name);
  counts.cniDel++;
  say(`detach   cni   ${c.name} on ${c.host} (${c.ip ?? 'no address'}; DEL ${delMs} ms, netns removed ${Date.now() - started - delMs} ms)`);
  return true;
}

async function netnsAdd(): Promise<void> {
  const free = HOSTS.flatMap((h) => NETWORKS.flatMap((net) => Array.from({ length: PER_HOST_NET }, (_, i) => ({ name: intentName(net, h, i), host: h, network: net })))).filter((c) => !live.has(c.name) && !busy.has(c.name));
  if (free.length === 0) return;
  const c = R.pick(free);
  busy.add(c.name);
  try {
    await L().addContainerAsync(c.host, c.name);
  } finally {
    busy.delete(c.name);
  }
  live.set(c.name, { ...c, via: 'netns' });
  counts.netnsAdd++;
  say(`attach   netns ${c.name} on ${c.host}`);
}

async function netnsDel(): Promise<void> {
  const mine = [...live.values()].filter((c) => c.via === 'netns' && idle(c));
  if (mine.length === 0) return;
  const c = R.pick(mine);
  live.delete(c.name);
  busy.add(c.name);
  try {
    await L().delContainerAsync(c.host, c.name);
  } finally {
    busy.delete(c.name);
  }
  counts.netnsDel++;
  say(`detach   netns ${c.name} on ${c.host}`);
}

/** Attaches and detaches until `end`, keeping roughly 10-25 containers alive (several workers at once). */
async function churn(end: number): Promise<void> {
  while (Date.now() < end) {
    const n = live.size;
    const roll = R.next();
    const pending = [...pendingDel.values()].filter(idle);
    try {
      if (pending.length && roll < 0.15) await cniDel(R.pick(pending));
      else if (n < 10 || (n < 25 && roll < 0.55)) await (R.next() < 0.5 ? cniAdd() : netnsAdd());
      else {
        const cni = [...live.values()].filter((c) => c.via === 'cni' && idle(c));
        if (cni.length && R.next() < 0.5) await cniDel(R.pick(cni));
        else await netnsDel();
      }
    } catch (err) {
      say(`op failed: ${(err as Error).message.split('\n')[0]}`);
    }
    await sleep(50 + R.int(300));
  }
}

/** Retries `f` a few times (a restart may race a just-restarted dependency). */
async function retry(what: string, f: () => Promise<void>): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      await f();
      return;
    } catch (err) {
      if (i >= 4) throw err;
      say(`${what} failed (${(err as Error).message.split('\n')[0].slice(0, 160)}); retrying`);
      await sleep(1000);
    }
  }
}

/** Kills one random process with SIGKILL every few seconds, then restarts it after a random pause. */
async function chaos(end: number): Promise<void> {
  while (Date.now() < end) {
    await sleep(1000 + R.int(6000));
    if (Date.now() >= end) break;
    const victim = R.pick(['agent', 'agent', 'agent', 'netmaster', 'etcd'] as const);
    const pause = R.int(3000);
    if (victim === 'agent') {
      const host = R.pick(HOSTS);
      await L().killAgent(host);
      counts.kills.agent++;
      say(`KILL -9  netagent on ${host}; restart in ${pause} ms`);
      await sleep(pause);
      await retry(`restart of ${host}'s agent`, () => L().startAgent(host));
      say(`restarted netagent on ${host}`);
    } else if (victim === 'netmaster') {
      await L().killMaster();
      counts.kills.netmaster++;
      say(`KILL -9  netmaster; restart in ${pause} ms`);
      await sleep(pause);
      await retry('restart of netmaster', () => L().startMaster());
      say('restarted netmaster');
    } else {
      await L().killEtcd();
      counts.kills.etcd++;
      say(`KILL -9  etcd; restart in ${pause} ms`);
      await sleep(pause);
      await retry('restart of etcd', () => L().startEtcd());
      say('restarted etcd');
    }
  }
}

async function until(what: string, f: () => Promise<boolean> | boolean, ms: number, detail: () => string | Promise<string> = () => ''): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      if (await f()) return;
    } catch {
      // a view may be unreachable for a moment; keep polling
    }
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms\n${await detail()}`);
    await sleep(300);
  }
}

async function cniAttachments(host: string): Promise<{ key: string; ip: string; network: string }[]> {
  const r = await agentApi(sock(host), 'GET', '/v1/attachments?source=cni');
  if (r.status !== 200) throw new Error(`attachments of ${host}: ${r.status}`);
  return r.body.attachments;
}

/** The agent's log since its last start. */
function logSinceStart(host: string): string {
  const d = join(L().dir, host);
  const offset = Number(readFileSync(join(d, 'netagent.offset'), 'utf8').trim());
  return readFileSync(join(d, 'netagent.log')).subarray(offset).toString('utf8');
}

/** Flows (without cookies and counters) and groups of a host's bridge, sorted. */
function bridgeState(host: string): string[] {
  const flows = L().ovs(host, ['ovs-ofctl', '-O', 'OpenFlow13', '--no-stats', 'dump-flows', 'netplugin']).out.split('\n');
  const groups = L().ovs(host, ['ovs-ofctl', '-O', 'OpenFlow13', 'dump-groups', 'netplugin']).out.split('\n');
  return [...flows, ...groups]
    .map((l) => l.trim().replace(/^cookie=0x[0-9a-f]+, /, ''))
    .filter((l) => l && !l.startsWith('OFPST_') && !l.startsWith('OFPST'))
    .sort();
}

beforeAll(async () => {
  say(`seed ${SEED} (SOAK_SEED=${SEED} replays it), chaos for ${SOAK_MS / 1000} s`);
  lab = await Lab.up({ hosts: 3 });
  await L().applyIntent(intent());
  say(`lab ${L().id} up, intent applied`);
}, 300_000);

afterAll(async () => {
  if (process.env.SOAK_KEEP === '1' && lab) console.log(`kept lab ${lab.id}`);
  else await lab?.down();
});

describe('chaos soak', () => {
  it('after kills of agents, netmaster and etcd amid attaches and detaches: no leaked or doubled address, peers reach each other, flows exactly right', async () => {
    const end = Date.now() + SOAK_MS;
    await Promise.all([churn(end), churn(end), churn(end), chaos(end)]);
    say(`chaos over: ${JSON.stringify(counts)}; ${live.size} containers live, ${pendingDel.size} DELs pending`);

    // Everything back up (idempotent for what runs), then every pending DEL goes through.
    await L().startEtcd();
    await L().startMaster();
    for (const h of HOSTS) await L().startAgent(h);
    for (const h of HOSTS) await until(`${h}'s agent ready`, async () => (await agentApi(sock(h), 'GET', '/v1/status')).body?.ready === true, 60_000, () => logSinceStart(h).slice(-2000));
    for (const c of [...pendingDel.values()]) await until(`DEL of ${c.name}`, () => cniDel(c), 30_000);
    say(`settling: ${live.size} containers live (${[...live.values()].filter((c) => c.via === 'cni').length} through CNI)`);

    // Settled: the netns containers attached, each agent's CNI attachments exactly the live CNI containers.
    const netnsNames = [...live.values()].filter((c) => c.via === 'netns').map((c) => c.name);
    const eps = await L().waitAttached(netnsNames, 60_000);
    for (const h of HOSTS) {
      const want = [...live.values()].filter((c) => c.via === 'cni' && c.host === h).map((c) => `${c.name}/eth0 ${c.ip}`).sort();
      await until(`${h}'s CNI attachments`, async () => JSON.stringify((await cniAttachments(h)).map((a) => `${a.key} ${a.ip}`).sort()) === JSON.stringify(want), 30_000, async () => `want ${want.join(', ')}\nhave ${(await cniAttachments(h)).map((a) => `${a.key} ${a.ip}`).join(', ')}`);
    }
    say(`checked: ${netnsNames.length} netns containers attached, CNI attachments of every agent = the live CNI containers`);
    for (const c of live.values()) if (c.via === 'netns') c.ip = eps.find((e) => e.container === c.name)!.ip;

    // No address leaked: the claims in the store are exactly the live CNI containers' addresses.
    const claims = L().storeKeys(`/netplugin/oper/claims/${TENANT}/`).map((k) => k.split('/').slice(-2).join(' ')).sort();
    const wantClaims = [...live.values()].filter((c) => c.via === 'cni').map((c) => `${c.network} ${c.ip}`).sort();
    expect(claims, 'claims in the store vs live CNI containers').toEqual(wantClaims);
    const records = L().storeKeys('/netplugin/oper/attachments/').length;
    expect(records, 'attachment records in the store').toBe(wantClaims.length);
    say(`checked: ${claims.length} claims = the live CNI containers' addresses; ${records} attachment records`);

    // No address held twice, and each container really has its address.
    for (const net of NETWORKS) {
      const ips = [...live.values()].filter((c) => c.network === net).map((c) => c.ip);
      expect(ips.length, `addresses in ${net}`).toBe(new Set(ips).size);
    }
    await Promise.all(
      [...live.values()].map(async (c) => {
        const r = await L().execAsync(c.name, ['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0']);
        expect(r.out, `${c.name}'s eth0`).toContain(`inet ${c.ip}/`);
      }),
    );
    say(`checked: ${live.size} containers, every address held once and configured in its container`);

    // Peers reach each other: each container pings one peer of its network on another host.
    const pairs: [Live, Live][] = [];
    for (const c of live.values()) {
      const peers = [...live.values()].filter((p) => p.network === c.network && p.host !== c.host);
      if (peers.length) pairs.push([c, R.pick(peers)]);
    }
    expect(pairs.length, 'pairs to ping').toBeGreaterThan(0);
    await Promise.all(pairs.map(([a, b]) => until(`${a.name} (${a.host}) -> ${b.name} (${b.host}, ${b.ip})`, async () => (await L().execAsync(a.name, ['ping', '-c', '1', '-W', '1', b.ip!])).code === 0, 30_000, () => L().dumpFlows(a.host))));
    say(`checked: ${pairs.length} cross-host pings (${pairs.map(([a, b]) => `${a.name}->${b.name}`).join(' ')})`);

    // Flows exactly right: a fresh agent's first round changes nothing, and the bridge reads the same.
    for (const h of HOSTS) {
      const before = bridgeState(h);
      await L().stopAgent(h);
      await L().startAgent(h);
      let first: { flows?: Record<string, number> } | undefined;
      await until(`${h}'s fresh agent's first round`, () => {
        const line = logSinceStart(h).split('\n').find((l) => /"msg":"reconciled( \(no change\))?"/.test(l));
        first = line ? JSON.parse(line) : undefined;
        return first !== undefined;
      }, 30_000, () => logSinceStart(h).slice(-2000));
      const f = first!.flows!;
      expect({ host: h, flowsAdded: f.flowsAdded, flowsDeleted: f.flowsDeleted, groupsAdded: f.groupsAdded, groupsModified: f.groupsModified, groupsDeleted: f.groupsDeleted }).toEqual({ host: h, flowsAdded: 0, flowsDeleted: 0, groupsAdded: 0, groupsModified: 0, groupsDeleted: 0 });
      expect(bridgeState(h), `${h}'s bridge after a fresh agent's round`).toEqual(before);
      expect(before.filter((l) => l.startsWith('table=40')).length, `${h} has forwarding flows`).toBeGreaterThan(0);
      say(`checked: ${h}'s bridge (${before.length} flows and groups) is what a fresh agent computes: its first round kept ${f.flowsKept} and changed nothing`);
    }
    expect(existsSync(L().dir)).toBe(true);
  }, SOAK_MS + 240_000);
});
