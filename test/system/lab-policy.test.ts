/**
 * ACL policy (issue 12) on a 3-host lab with etcd: a VXLAN and a VLAN network in each of two
 * tenants with the same addresses. A matrix of TCP, UDP and ICMP probes between every ordered
 * pair of a tenant's containers gives exactly what the rules say, replies of allowed connections
 * pass, and each rule's counters (summed over hosts) equal the probes it decided; spoofed IP, MAC
 * and ARP senders reach nobody and raise the spoof guard's drop counter; a running allowed TCP
 * stream loses nothing while a policy is edited and while the agent of its destination's host is
 * killed with -9 and restarted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { Lab } from '../helpers/lab.js';
import { objectIdOf } from '../../src/datapath/ovs/pipeline/model.js';
import { FEATURE } from '../../src/datapath/ovs/pipeline/cookie.js';

let lab: Lab | undefined;
const servers: ChildProcess[] = [];

function L(): Lab {
  if (!lab) throw new Error('lab not up');
  return lab;
}

const HOSTS = [1, 2, 3].map((i) => ({ Name: `host${i}`, Intf: 'up0', VtepIp: `198.18.100.${i}` }));

type Proto = 'tcp' | 'udp' | 'icmp';
interface RuleSpec {
  Priority: number;
  Direction: 'in' | 'out';
  Action: 'allow' | 'deny';
  From?: string;
  To?: string;
  FromNetwork?: string;
  FromIpAddress?: string;
  Protocol?: Proto;
  Port?: number;
  Log?: boolean;
}

/** Tenant ta: db takes postgres from web and ICMP from the front network, nothing else; web may not reach misc's 5432. */
const TA_POLICIES: Array<{ Name: string; Rules: RuleSpec[] }> = [
  {
    Name: 'db-in',
    Rules: [
      { Priority: 20, Direction: 'in', Action: 'allow', From: 'web', Protocol: 'tcp', Port: 5432 },
      { Priority: 15, Direction: 'in', Action: 'allow', FromNetwork: 'front', Protocol: 'icmp' },
      { Priority: 1, Direction: 'in', Action: 'deny' },
    ],
  },
  { Name: 'web-out', Rules: [{ Priority: 10, Direction: 'out', Action: 'deny', To: 'misc', Protocol: 'tcp', Port: 5432 }] },
];
/** Tenant tb (same addresses): db takes TCP 80 from anyone, nothing else. */
const TB_POLICIES: Array<{ Name: string; Rules: RuleSpec[] }> = [
  {
    Name: 'db-in',
    Rules: [
      { Priority: 5, Direction: 'in', Action: 'allow', Protocol: 'tcp', Port: 80 },
      { Priority: 1, Direction: 'in', Action: 'deny', Log: true },
    ],
  },
];

interface Member {
  container: string;
  host: string;
  tenant: 'ta' | 'tb';
  network: 'front' | 'back';
  groups: string[];
}
const MEMBERS: Member[] = [
  { container: 'aw1', host: 'host1', tenant: 'ta', network: 'front', groups: ['web'] },
  { container: 'aw2', host: 'host2', tenant: 'ta', network: 'front', groups: ['web'] },
  { container: 'am1', host: 'host3', tenant: 'ta', network: 'front', groups: ['misc'] },
  { container: 'ad1', host: 'host3', tenant: 'ta', network: 'back', groups: ['db'] },
  { container: 'ad2', host: 'host1', tenant: 'ta', network: 'back', groups: ['db'] },
  { container: 'bw1', host: 'host1', tenant: 'tb', network: 'front', groups: [] },
  { container: 'bm1', host: 'host2', tenant: 'tb', network: 'front', groups: [] },
  { container: 'bd1', host: 'host3', tenant: 'tb', network: 'back', groups: ['db'] },
];

function tenantIntent(name: 'ta' | 'tb', vlans: string, vxlans: string, policies: typeof TA_POLICIES, groups: Array<{ Name: string; Policies?: string[] }>) {
  const eps = (network: string) =>
    MEMBERS.filter((m) => m.tenant === name && m.network === network).map((m) => ({ Container: m.container, Host: m.host, ...(m.groups.length ? { Groups: m.groups } : {}) }));
  return {
    Name: name,
    DefaultNetType: 'vxlan',
    SubnetPool: '10.60.0.0/16',
    AllocSubnetLen: 24,
    Vlans: vlans,
    Vxlans: vxlans,
    Networks: [
      { Name: 'front', PktTagType: 'vxlan', Endpoints: eps('front') },
      { Name: 'back', PktTagType: 'vlan', Endpoints: eps('back') },
    ],
    Groups: groups,
    Policies: policies,
  };
}

function intent(taPolicies = TA_POLICIES) {
  return {
    Hosts: HOSTS,
    Tenants: [
      tenantIntent('ta', '300-349', '7000-7099', taPolicies, [{ Name: 'web', Policies: ['web-out'] }, { Name: 'db', Policies: ['db-in'] }, { Name: 'misc' }]),
      tenantIntent('tb', '350-399', '7100-7199', TB_POLICIES, [{ Name: 'db', Policies: ['db-in'] }]),
    ],
  };
}

const ips = new Map<string, string>();
const ipOf = (c: string): string => {
  const ip = ips.get(c);
  if (!ip) throw new Error(`no address for ${c}`);
  return ip;
};
const memberOf = (c: string): Member => MEMBERS.find((m) => m.container === c)!;

/** Every container answers TCP on 5432 and 80 (reporting the bytes it received at the end) and echoes UDP on 5432. */
const SERVER = `
const net=require('net'),dgram=require('dgram');
for (const p of [5432,80]) net.createServer(s=>{let n=0;s.on('data',d=>{n+=d.length});s.on('end',()=>s.end(n+'\\n'));s.on('error',()=>{})}).listen(p,'0.0.0.0');
const u=dgram.createSocket('udp4');u.on('message',(m,r)=>u.send(m,r.port,r.address));u.bind(5432,()=>console.log('ready'));
`;

/** One probe from a container: exit 0 when the connection (or the UDP/ICMP exchange) completed. */
function probeCmd(proto: Proto, ip: string, port: number): string[] {
  if (proto === 'icmp') return ['ping', '-c', '1', '-W', '1', ip];
  // 800 ms: below the first SYN retransmission (1 s), so a denied connect is one packet, like the others.
  const js =
    proto === 'tcp'
      ? `const s=require('net').connect(${port},'${ip}',()=>{s.end('x')});s.on('data',()=>{});s.on('end',()=>process.exit(0));s.on('error',()=>process.exit(1));setTimeout(()=>process.exit(2),800)`
      : `const u=require('dgram').createSocket('udp4');u.on('message',()=>process.exit(0));u.send('x',${port},'${ip}');setTimeout(()=>process.exit(2),800)`;
  return [process.execPath, '-e', js];
}

interface Probe {
  from: string;
  to: string;
  proto: Proto;
  port: number;
}

/** The rules of `policies` that apply to `m` in direction `dir`, highest priority first. */
function rulesFor(m: Member, dir: 'in' | 'out'): Array<{ id: string; rule: RuleSpec }> {
  const tenantIntentObj = intent().Tenants.find((t) => t.Name === m.tenant)!;
  const out: Array<{ id: string; rule: RuleSpec }> = [];
  for (const g of tenantIntentObj.Groups) {
    if (!m.groups.includes(g.Name)) continue;
    for (const pname of g.Policies ?? []) {
      const p = tenantIntentObj.Policies.find((x) => x.Name === pname)!;
      p.Rules.forEach((rule, i) => {
        if (rule.Direction === dir) out.push({ id: `${m.tenant}/${pname}/${i}`, rule });
      });
    }
  }
  return out.sort((a, b) => b.rule.Priority - a.rule.Priority);
}

/** Whether `rule` matches `probe` as seen from the member's side. */
function matches(rule: RuleSpec, probe: Probe): boolean {
  const peer = memberOf(rule.Direction === 'in' ? probe.from : probe.to);
  if (rule.Protocol && rule.Protocol !== probe.proto) return false;
  if (rule.Port !== undefined && rule.Port !== probe.port) return false;
  if (rule.From && !peer.groups.includes(rule.From)) return false;
  if (rule.To && !peer.groups.includes(rule.To)) return false;
  if (rule.FromNetwork && peer.network !== rule.FromNetwork) return false;
  return true;
}

/** The table: what the rules say of a probe, and which rules decided it (the counters it must raise). */
function expected(probe: Probe): { pass: boolean; decidedBy: string[] } {
  const decidedBy: string[] = [];
  const out = rulesFor(memberOf(probe.from), 'out').find((r) => matches(r.rule, probe));
  if (out) {
    decidedBy.push(out.id);
    if (out.rule.Action === 'deny') return { pass: false, decidedBy };
  }
  const inn = rulesFor(memberOf(probe.to), 'in').find((r) => matches(r.rule, probe));
  if (inn) decidedBy.push(inn.id);
  return { pass: !inn || inn.rule.Action === 'allow', decidedBy };
}

/** Packets counted by each rule's deciding flows, summed over the hosts (by rule id). */
function ruleCounters(ruleIds: string[]): Map<string, number> {
  const byObject = new Map(ruleIds.map((id) => [BigInt(objectIdOf(id)), id]));
  const out = new Map(ruleIds.map((id) => [id, 0]));
  for (const h of ['host1', 'host2', 'host3']) {
    for (const line of L().dumpFlows(h).split('\n')) {
      const m = /cookie=(0x[0-9a-f]+).*n_packets=(\d+)/.exec(line);
      if (!m) continue;
      const cookie = BigInt(m[1]);
      if (Number((cookie >> 40n) & 0xffn) !== FEATURE.POLICY_RULE) continue;
      const id = byObject.get(cookie & ((1n << 40n) - 1n));
      if (id) out.set(id, out.get(id)! + Number(m[2]));
    }
  }
  return out;
}

/** Rule hits as `netdcli get policies --json` reports them (summed over hosts, or `--host`'s), by rule id. */
function cliCounters(host?: string): Map<string, number> {
  const r = L().netdcli(['get', 'policies', '--json', ...(host ? ['--host', host] : [])]);
  if (r.code !== 0) throw new Error(`netdcli get policies failed: ${r.stderr}${r.stdout}`);
  const v = JSON.parse(r.stdout) as { rules: Array<{ id: string; packets: number }> };
  return new Map(v.rules.map((x) => [x.id, x.packets]));
}

/** Waits (statistics reach flows about once a second) until the spoof guard of `host` has dropped at least `n` packets; returns the count. */
async function spoofDropsAtLeast(host: string, n: number): Promise<number> {
  let seen = spoofDrops(host);
  for (let i = 0; i < 20 && !(seen >= n); i++) {
    await new Promise((r) => setTimeout(r, 250));
    seen = spoofDrops(host);
  }
  return seen;
}

/** Packets dropped by the spoof guard's table miss on `host`. */
function spoofDrops(host: string): number {
  const line = L()
    .dumpFlows(host)
    .split('\n')
    .find((l) => /table=10, .*priority=0 /.test(l));
  return Number(/n_packets=(\d+)/.exec(line ?? '')?.[1] ?? NaN);
}

async function runProbes(probes: Probe[]): Promise<Array<{ probe: Probe; pass: boolean }>> {
  const results: Array<{ probe: Probe; pass: boolean }> = [];
  // Eight at a time: the lab's two cores, and probes that must time out take 800 ms.
  for (let i = 0; i < probes.length; i += 8) {
    const batch = probes.slice(i, i + 8);
    results.push(...(await Promise.all(batch.map(async (p) => ({ probe: p, pass: (await L().execAsync(p.from, probeCmd(p.proto, ipOf(p.to), p.port), 10_000)).code === 0 })))));
  }
  return results;
}

const PROBES_OF_PAIR: Array<[Proto, number]> = [
  ['tcp', 5432],
  ['tcp', 80],
  ['udp', 5432],
  ['icmp', 0],
];

function matrix(): Probe[] {
  const probes: Probe[] = [];
  for (const a of MEMBERS) for (const b of MEMBERS) if (a !== b && a.tenant === b.tenant) for (const [proto, port] of PROBES_OF_PAIR) probes.push({ from: a.container, to: b.container, proto, port });
  return probes;
}

function allRuleIds(): string[] {
  const ids = new Set<string>();
  for (const m of MEMBERS) for (const d of ['in', 'out'] as const) for (const r of rulesFor(m, d)) ids.add(r.id);
  return [...ids].sort();
}

/** Runs the matrix; returns the mismatches (as text) and the counter deltas against the table's. */
async function checkMatrix(): Promise<{ mismatches: string[]; counted: Map<string, number>; want: Map<string, number> }> {
  const ids = allRuleIds();
  const before = ruleCounters(ids);
  const results = await runProbes(matrix());
  const want = new Map(ids.map((id) => [id, 0]));
  const mismatches: string[] = [];
  for (const { probe, pass } of results) {
    const e = expected(probe);
    for (const id of e.decidedBy) want.set(id, want.get(id)! + 1);
    if (pass !== e.pass) mismatches.push(`${probe.from} -> ${probe.to} ${probe.proto}/${probe.port}: ${pass ? 'passed' : 'blocked'}, expected ${e.pass ? 'pass' : 'block'} (${e.decidedBy.join(', ') || 'no rule'})`);
  }
  // vswitchd folds datapath statistics into its flows about once a second: read until they settle.
  let counted = new Map<string, number>();
  for (let i = 0; i < 20; i++) {
    const after = ruleCounters(ids);
    counted = new Map(ids.map((id) => [id, after.get(id)! - before.get(id)!]));
    if (ids.every((id) => counted.get(id) === want.get(id))) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  return { mismatches, counted, want };
}

async function waitFlows(host: string, pred: (flows: string) => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const flows = L().dumpFlows(host);
    if (pred(flows)) return;
    if (Date.now() > deadline) throw new Error(`${what} not on ${host} after ${timeoutMs} ms; its flows:\n${flows}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  lab = await Lab.up({ hosts: 3 });
  await L().applyIntent(intent());
  for (const m of MEMBERS) L().addContainer(m.host, m.container);
  const eps = await L().waitAttached(MEMBERS.map((m) => m.container), 120_000);
  for (const e of eps) ips.set(e.container, e.ip);
  for (const m of MEMBERS) {
    const s = L().spawnIn(m.container, [process.execPath, '-e', SERVER]);
    servers.push(s);
    await new Promise<void>((res, rej) => {
      s.stdout!.once('data', () => res());
      s.once('exit', (code) => rej(new Error(`server in ${m.container} exited ${code}`)));
    });
  }
  // The db rules are in place on the db hosts before any probe.
  await waitFlows('host3', (f) => f.includes('table=26'), 'the ingress rules');
}, 600_000);

afterAll(async () => {
  for (const s of servers) if (s.pid) s.kill('SIGKILL');
  await lab?.down();
});

describe('policy lab', () => {
  it('gives every (source, destination, protocol, port) of both tenants exactly what the rules say, and each rule counts the probes it decided', async () => {
    // The overlapping tenants really share addresses, so the tenant (zone) is what tells their rules apart.
    expect(ipOf('ad1')).toBe(ipOf('bd1'));
    const cliBefore = cliCounters();
    const host3Before = cliCounters('host3');
    const r = await checkMatrix();
    expect(r.mismatches).toEqual([]);
    expect(Object.fromEntries(r.counted)).toEqual(Object.fromEntries(r.want));
    // The same counts through the operator's command: agents publish them every few seconds.
    let cli = new Map<string, number>();
    for (let i = 0; i < 40; i++) {
      const now = cliCounters();
      cli = new Map(allRuleIds().map((id) => [id, (now.get(id) ?? 0) - (cliBefore.get(id) ?? 0)]));
      if (allRuleIds().every((id) => cli.get(id) === r.want.get(id))) break;
      await new Promise((res) => setTimeout(res, 500));
    }
    expect(Object.fromEntries(cli)).toEqual(Object.fromEntries(r.want));
    // tb's default deny logs: host3's agent logged a denied connection from bw1 to bd1 (TCP 5432), once.
    const logged = L()
      .agentLog('host3')
      .split('\n')
      .filter((l) => l.includes('policy denied a connection') && l.includes('"rule":"tb/db-in/1"') && l.includes(`"src":"${ipOf('bw1')}"`) && l.includes('"dstPort":5432') && l.includes('"protocol":"tcp"'));
    expect(logged).toHaveLength(1);
    expect(JSON.parse(logged[0])).toMatchObject({ dst: ipOf('bd1'), protocol: 'tcp', host: 'host3' });
    // Only rules with Log log: ta's default deny (no Log) denied probes too, and wrote nothing.
    expect(L().agentLog('host3')).not.toContain('"rule":"ta/db-in/2"');
    // Per host: host3 holds the db rules of ad1 and bd1, so it counts every probe to them and none to ad2 (host1).
    const host3 = cliCounters('host3');
    expect(host3.get('tb/db-in/1')! - host3Before.get('tb/db-in/1')!).toBe(cli.get('tb/db-in/1'));
    expect(host3.get('ta/web-out/0') ?? 0).toBe(0);
    // Positive controls on the table's shape: both outcomes occur, and every rule decided something.
    const outcomes = matrix().map((p) => expected(p).pass);
    expect(outcomes.filter((x) => x).length).toBeGreaterThan(10);
    expect(outcomes.filter((x) => !x).length).toBeGreaterThan(10);
    for (const id of allRuleIds()) expect(r.want.get(id), id).toBeGreaterThan(0);
  });

  it('drops spoofed source addresses, MACs and ARP senders before they reach anyone, and counts them', async () => {
    const devOf = (c: string) => L().exec(c, ['sh', '-c', "ip -o link show | awk -F': ' '$2 != \"lo\" {print $2}' | cut -d@ -f1 | head -1"]).out.trim();
    // ICMP echo requests the container's kernel received (/proc/net/snmp is per network namespace).
    const echos = (c: string) => {
      const [names, values] = L().exec(c, ['grep', '^Icmp:', '/proc/net/snmp']).out.trim().split('\n').map((l) => l.split(/\s+/));
      return Number(values[names.indexOf('InEchos')]);
    };
    const dev = devOf('aw1');
    // (Not /sys/class/net: nsenter enters the network namespace only, and sysfs is still the host's.)
    const macOf = (c: string) => L().endpoints().find((e) => e.container === c)!.mac!;
    const realMac = macOf('aw1');
    const target = 'am1';
    const targetMac = macOf(target);
    // Three ICMP echo requests written whole by a raw socket in aw1, with the given source MAC and address.
    const echoFrames = (srcMac: string, srcIp: string) => `import socket,struct
def csum(b):
  if len(b)%2: b+=b"\\0"
  t=sum(struct.unpack("!%dH"%(len(b)//2),b)); t=(t>>16)+(t&0xffff); t+=t>>16
  return (~t)&0xffff
s=socket.socket(socket.AF_PACKET,socket.SOCK_RAW);s.bind(("${dev}",0))
for seq in range(3):
  icmp=struct.pack("!BBHHH",8,0,0,0x5151,seq)+b"policy-spoof"
  icmp=icmp[:2]+struct.pack("!H",csum(icmp))+icmp[4:]
  ip=struct.pack("!BBHHHBBH4s4s",0x45,0,20+len(icmp),seq,0,64,1,0,socket.inet_aton("${srcIp}"),socket.inet_aton("${ipOf(target)}"))
  ip=ip[:10]+struct.pack("!H",csum(ip))+ip[12:]
  s.send(bytes.fromhex("${targetMac.replace(/:/g, "")}")+bytes.fromhex("${srcMac.replace(/:/g, "")}")+b"\\x08\\x00"+ip+icmp)`;
    const sendEchos = async (srcMac: string, srcIp: string): Promise<number> => {
      const before = echos(target);
      const r = L().exec('aw1', ['python3', '-c', echoFrames(srcMac, srcIp)]);
      if (r.code !== 0) throw new Error(`sending from aw1: ${r.out}`);
      await new Promise((res) => setTimeout(res, 500));
      return echos(target) - before;
    };
    // Positive control: the real sender's frames reach the target (no rule stops ICMP from web to misc).
    expect(await sendEchos(realMac, ipOf('aw1'))).toBe(3);

    const drops0 = spoofDrops('host1');
    // A forged source address, then a forged source MAC: neither reaches the target, each is counted.
    expect(await sendEchos(realMac, '10.60.250.9')).toBe(0);
    const drops1 = await spoofDropsAtLeast('host1', drops0 + 3);
    expect(drops1).toBeGreaterThanOrEqual(drops0 + 3);
    expect(await sendEchos('02:aa:bb:cc:dd:ee', ipOf('aw1'))).toBe(0);
    const drops2 = await spoofDropsAtLeast('host1', drops1 + 3);
    expect(drops2).toBeGreaterThanOrEqual(drops1 + 3);

    // A forged ARP sender (claiming the target's own address), broadcast on the VLAN network from
    // ad2 (host1) to ad1 (host3); the same frame with the real sender is the positive control: it
    // floods to ad1 over the trunk, the forged one never leaves host1.
    const arpDev = devOf('ad2');
    const arpMac = macOf('ad2');
    const arpFrame = (spa: string) =>
      `import socket,struct,time
s=socket.socket(socket.AF_PACKET,socket.SOCK_RAW);s.bind(("${arpDev}",0))
mac=bytes.fromhex("${arpMac.replace(/:/g, '')}")
ip=lambda a:socket.inet_aton(a)
f=b"\\xff"*6+mac+b"\\x08\\x06"+struct.pack("!HHBBH",1,0x0800,6,4,1)+mac+ip("${spa}")+b"\\x00"*6+ip("10.60.250.77")
for i in range(3): s.send(f); time.sleep(0.1)`;
    const listen = `import socket,select,time
s=socket.socket(socket.AF_PACKET,socket.SOCK_RAW,socket.htons(0x0806))
n=0;end=time.time()+2.5
while time.time()<end:
  r,_,_=select.select([s],[],[],0.2)
  if r:
    f=s.recv(2048)
    if f[38:42]==socket.inet_aton("10.60.250.77"): n+=1
print(n)`;
    const capture = (spa: string) => {
      const l = L().execAsync('ad1', ['python3', '-c', listen], 10_000);
      return new Promise<number>((res) =>
        setTimeout(() => {
          const sent = L().exec('ad2', ['python3', '-c', arpFrame(spa)]);
          if (sent.code !== 0) throw new Error(`sending ARP from ad2: ${sent.out}`);
          void l.then((r) => res(Number(r.out.trim())));
        }, 500),
      );
    };
    expect(await capture(ipOf('ad2'))).toBe(3);
    expect(await capture(ipOf('ad1'))).toBe(0);
    expect(await spoofDropsAtLeast('host1', drops2 + 3)).toBeGreaterThanOrEqual(drops2 + 3);
  });

  it('a running allowed TCP stream loses nothing while a policy is edited, an unrelated rule changes, and its host agent is killed with -9', async () => {
    const total = 6_000_000;
    const js = `const s=require('net').connect(5432,'${ipOf('ad1')}',()=>{let sent=0;const chunk=Buffer.alloc(10000,120);const tick=()=>{if(sent>=${total})return s.end();sent+=chunk.length;s.write(chunk);setTimeout(tick,20)};tick()});let b='';s.on('data',d=>{b+=d});s.on('end',()=>{process.stdout.write(b);process.exit(0)});s.on('error',e=>{console.error(e.message);process.exit(1)});setTimeout(()=>process.exit(3),60000)`;
    const stream = L().execAsync('aw1', [process.execPath, '-e', js], 70_000);
    await new Promise((r) => setTimeout(r, 1000));
    // Edit: db-in's ICMP rule becomes UDP 53, and web-out gains a rule (unrelated to the stream).
    const edited = TA_POLICIES.map((p) =>
      p.Name === 'db-in'
        ? { ...p, Rules: p.Rules.map((r) => (r.Priority === 15 ? { ...r, Protocol: 'udp' as const, Port: 53 } : r)) }
        : { ...p, Rules: [...p.Rules, { Priority: 11, Direction: 'out' as const, Action: 'deny' as const, To: 'misc', Protocol: 'udp' as const, Port: 9 }] },
    );
    await L().applyIntent(intent(edited));
    await waitFlows('host3', (f) => /table=26,.*udp.*tp_dst=53/.test(f), 'the edited rule');
    await L().killAgent('host3');
    await new Promise((r) => setTimeout(r, 1000));
    await L().startAgent('host3');
    const r = await stream;
    expect(r.out.trim()).toBe(String(total));
    expect(r.code).toBe(0);
    // The edit took: ICMP from the front network to db is now denied.
    expect(L().exec('aw1', ['ping', '-c', '1', '-W', '1', ipOf('ad1')]).code).not.toBe(0);
    await L().applyIntent(intent());
    await waitFlows('host3', (f) => /table=26,.*icmp/.test(f), 'the restored rule');
  });

  it('with the agent of the db hosts killed -9, and after it returns, every outcome of the matrix is unchanged', async () => {
    await L().killAgent('host3');
    const down = await checkMatrix();
    expect(down.mismatches).toEqual([]);
    await L().startAgent('host3');
    await L().waitAttached(MEMBERS.map((m) => m.container), 60_000);
    // Its first round done (the endpoints reported), the flows it replays are the ones counted below.
    await new Promise((r) => setTimeout(r, 2000));
    const up = await checkMatrix();
    expect(up.mismatches).toEqual([]);
    expect(Object.fromEntries(up.counted)).toEqual(Object.fromEntries(up.want));
  });
});
