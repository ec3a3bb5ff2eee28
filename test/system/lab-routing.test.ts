/**
 * Routing (issue 11) on a 3-host lab with etcd: the distributed gateway between the
 * networks of a tenant (VXLAN and VLAN, same host and across hosts), two tenants with the
 * same subnets kept apart, SNAT to an "outside" namespace behind host1 for both tenants at
 * once, `External: none`, the host reaching a local endpoint, a physical router owning the
 * gateway of a `Gateway: external` VLAN network, and an agent kill -9 under routed and
 * SNATed traffic.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { Lab } from '../helpers/lab.js';
import { endpointTargets, expectReachability, type Target } from '../helpers/reachability.js';

let lab: Lab | undefined;
let outsideNs: string | undefined;
let server: ChildProcess | undefined;

function L(): Lab {
  if (!lab) throw new Error('lab not up');
  return lab;
}

const OUTSIDE_IP = '203.0.113.10';
const HOST1_OUTSIDE_IP = '203.0.113.1';
const PORT = 8080;

/** Hosts[] entries for the lab: uplink up0, VTEP 198.18.100.N. */
const HOSTS = [1, 2, 3].map((i) => ({ Name: `host${i}`, Intf: 'up0', VtepIp: `198.18.100.${i}` }));

/** Two tenants with the same pool (so the same subnets and addresses), each with a VXLAN and a VLAN network across hosts. */
const TENANTS_INTENT = {
  Hosts: HOSTS,
  Tenants: [
    {
      Name: 'ta', DefaultNetType: 'vxlan', SubnetPool: '10.50.0.0/16', AllocSubnetLen: 24, Vlans: '100-149', Vxlans: '5000-5099',
      Networks: [
        { Name: 'web', PktTagType: 'vxlan', Endpoints: [{ Container: 'a1', Host: 'host1' }, { Container: 'a2', Host: 'host2' }] },
        { Name: 'db', PktTagType: 'vlan', External: 'none', Endpoints: [{ Container: 'a3', Host: 'host1' }, { Container: 'a4', Host: 'host3' }] },
        { Name: 'solo', PktTagType: 'vxlan', SubnetCIDR: '10.77.0.0/24', Endpoints: [{ Container: 'a5', Host: 'host1' }] },
      ],
    },
    {
      Name: 'tb', DefaultNetType: 'vxlan', SubnetPool: '10.50.0.0/16', AllocSubnetLen: 24, Vlans: '150-199', Vxlans: '5100-5199',
      Networks: [
        { Name: 'web', PktTagType: 'vxlan', Endpoints: [{ Container: 'b1', Host: 'host1' }, { Container: 'b2', Host: 'host2' }] },
        { Name: 'db', PktTagType: 'vlan', Endpoints: [{ Container: 'b3', Host: 'host1' }, { Container: 'b4', Host: 'host3' }] },
      ],
    },
  ],
};
const PLACEMENT: [string, string][] = [['a1', 'host1'], ['a2', 'host2'], ['a3', 'host1'], ['a4', 'host3'], ['a5', 'host1'], ['b1', 'host1'], ['b2', 'host2'], ['b3', 'host1'], ['b4', 'host3']];

function ipOf(container: string): string {
  const e = L().endpoints().find((x) => x.container === container);
  if (!e?.ip) throw new Error(`no address for ${container}`);
  return e.ip;
}

/** A TCP client in `container`: sends its name, prints what the server answers (the name back and the peer address it saw). */
function tcpClient(container: string, ip: string, port: number, name: string, holdMs = 0): string[] {
  const js = `const s=require('net').connect(${port},'${ip}',()=>setTimeout(()=>s.write('${name}\\n'),${holdMs}));let b='';s.on('data',d=>{b+=d;if(b.includes('\\n')){process.stdout.write(b);s.destroy();process.exit(0)}});s.on('error',e=>{console.error(e.message);process.exit(2)});setTimeout(()=>process.exit(3),15000)`;
  return ['nsenter', `--net=${L().netnsPath(container)}`, process.execPath, '-e', js];
}

/** The outside server's program: answers each line with `line peer-address`. */
const ECHO_SERVER = `require('net').createServer(s=>{let b='';s.on('data',d=>{b+=d;let i;while((i=b.indexOf('\\n'))>=0){const l=b.slice(0,i);b=b.slice(i+1);s.write(l+' '+s.remoteAddress+'\\n')}})}).listen(${PORT},'0.0.0.0',()=>console.log('listening'))`;

async function run(cmd: string[], timeoutMs = 30_000): Promise<{ code: number; out: string }> {
  const { runAsync } = await import('../helpers/lab.js');
  const r = await runAsync(cmd[0], cmd.slice(1), timeoutMs);
  return { code: r.code, out: r.stdout + r.stderr };
}

beforeAll(async () => {
  lab = await Lab.up({ hosts: 3 });
  await L().applyIntent(TENANTS_INTENT);
  for (const [c, h] of PLACEMENT) L().addContainer(h, c);
  await L().waitAttached(PLACEMENT.map(([c]) => c), 120_000);
  // The outside: a namespace behind host1, reached through host1's own routing.
  outsideNs = `npo${L().id}`;
  execFileSync('ip', ['netns', 'add', outsideNs]);
  execFileSync('ip', ['-n', outsideNs, 'link', 'set', 'lo', 'up']);
  execFileSync('ip', ['link', 'add', 'npout0', 'netns', L().netnsName('host1'), 'type', 'veth', 'peer', 'name', 'eth0', 'netns', outsideNs]);
  L().hostExec('host1', ['ip', 'addr', 'add', `${HOST1_OUTSIDE_IP}/24`, 'dev', 'npout0']);
  L().hostExec('host1', ['ip', 'link', 'set', 'npout0', 'up']);
  execFileSync('ip', ['-n', outsideNs, 'addr', 'add', `${OUTSIDE_IP}/24`, 'dev', 'eth0']);
  execFileSync('ip', ['-n', outsideNs, 'link', 'set', 'eth0', 'up']);
  server = L().spawnInNetns(`/run/netns/${outsideNs}`, [process.execPath, '-e', ECHO_SERVER]);
  await new Promise<void>((res, rej) => {
    server!.stdout!.once('data', () => res());
    server!.once('exit', (code) => rej(new Error(`outside server exited ${code}`)));
  });
}, 600_000);

afterAll(async () => {
  if (server?.pid) server.kill('SIGKILL');
  if (outsideNs) execFileSync('ip', ['netns', 'del', outsideNs], { stdio: 'ignore' });
  await lab?.down();
});

describe('routing lab', () => {
  it('every ordered pair within a tenant reaches across its networks, on one host and across hosts; no pair across tenants does', async () => {
    const targets: Target[] = endpointTargets(L().endpoints());
    const r = await expectReachability(L(), { targets, expect: (from, to) => from.some((f) => f.tenant === to.tenant) });
    // Positive control on the shape: cross-network pairs were expected to reach, cross-tenant ones not.
    expect(r.pairs.filter((p) => p.expected).length).toBe(5 * 4 + 4 * 3);
    expect(r.pairs.some((p) => !p.expected)).toBe(true);
  });

  it('a routed packet has its TTL decremented once (routed on the sending host only)', async () => {
    const r = await run(['nsenter', `--net=${L().netnsPath('a1')}`, 'ping', '-c', '1', '-W', '2', ipOf('a4')]);
    expect(r.out).toMatch(/ttl=63/);
    const same = await run(['nsenter', `--net=${L().netnsPath('a1')}`, 'ping', '-c', '1', '-W', '2', ipOf('a2')]);
    expect(same.out).toMatch(/ttl=64/);
  });

  it('containers of both tenants (same address) reach the outside at once through SNAT; the server sees host1, each reply returns to its container', async () => {
    // The tenants got the same subnets from the shared pool: a container of each on host1 holds the same address.
    // (a3's network has External "none", so the pair is a1 and whichever of b1, b3 shares its address.)
    const [c1, c2] = [['a1', 'b1'], ['a1', 'b3']].find(([p, q]) => ipOf(p) === ipOf(q)) ?? [];
    expect(c2, 'a container of tb on host1 with the address of a1').toBeDefined();
    const [a, b] = await Promise.all([run(tcpClient(c1, OUTSIDE_IP, PORT, c1, 1500)), run(tcpClient(c2, OUTSIDE_IP, PORT, c2, 1500))]);
    expect(a.out.trim()).toBe(`${c1} ${HOST1_OUTSIDE_IP}`);
    expect(b.out.trim()).toBe(`${c2} ${HOST1_OUTSIDE_IP}`);
  });

  it('a network with External "none" does not reach the outside (a network of the same host that SNATs does)', async () => {
    const ok = await run(tcpClient('b1', OUTSIDE_IP, PORT, 'b1'));
    expect(ok.out.trim()).toBe(`b1 ${HOST1_OUTSIDE_IP}`);
    const none = await run(tcpClient('a3', OUTSIDE_IP, PORT, 'a3'));
    expect(none.code).not.toBe(0);
    expect(none.out).not.toContain('a3 ');
  });

  it('the host reaches a local endpoint of a network that overlaps nothing (ping and TCP)', async () => {
    const ip = ipOf('a5');
    const ping = L().hostExec('host1', ['ping', '-c', '2', '-W', '2', ip]);
    expect(ping.code, ping.out).toBe(0);
    const srv = L().spawnIn('a5', [process.execPath, '-e', ECHO_SERVER]);
    try {
      await new Promise<void>((res) => srv.stdout!.once('data', () => res()));
      const js = `const s=require('net').connect(${PORT},'${ip}',()=>s.write('host\\n'));s.on('data',d=>{process.stdout.write(d);s.end()});setTimeout(()=>process.exit(3),10000)`;
      const r = await run(['ip', 'netns', 'exec', L().netnsName('host1'), process.execPath, '-e', js]);
      expect(r.out.trim()).toMatch(/^host 169\.254\.64\.1$/);
    } finally {
      srv.kill('SIGKILL');
    }
    // The overlapping subnets of ta/web and tb/web get no host route.
    const routes = L().hostExec('host1', ['ip', 'route', 'show', 'proto', 'all']).out;
    expect(routes).toContain('10.77.0.0/24');
    expect(routes).not.toContain(`${ipOf('a1').replace(/\.\d+$/, '.0')}/24 via`);
  });

  it('kill -9 of the agent under routed and SNATed traffic loses no reply; an established SNAT connection survives the restart', async () => {
    // A long-lived SNAT connection from a1, and a routed ping a1 -> a4 across hosts.
    const js = `const s=require('net').connect(${PORT},'${OUTSIDE_IP}',()=>{s.write('before\\n')});s.on('data',d=>process.stdout.write(d));process.stdin.on('data',d=>s.write(d));process.stdin.on('end',()=>s.end())`;
    const conn = L().spawnIn('a1', [process.execPath, '-e', js]);
    let got = '';
    conn.stdout!.on('data', (d: Buffer) => (got += d.toString()));
    const ping = L().spawnIn('a1', ['ping', '-i', '0.2', '-W', '1', ipOf('a4')]);
    let pingOut = '';
    ping.stdout!.on('data', (d: Buffer) => (pingOut += d.toString()));
    try {
      const wait = async (f: () => boolean, ms: number, what: string) => {
        const end = Date.now() + ms;
        while (!f()) {
          if (Date.now() > end) throw new Error(what);
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      await wait(() => got.includes(`before ${HOST1_OUTSIDE_IP}`), 10_000, `no first answer: ${got}`);
      await wait(() => /icmp_seq=5 /.test(pingOut), 10_000, `routed ping does not run: ${pingOut}`);
      await L().killAgent('host1');
      await L().startAgent('host1');
      await L().waitAttached(PLACEMENT.map(([c]) => c), 60_000);
      conn.stdin!.write('after\n');
      await wait(() => got.includes(`after ${HOST1_OUTSIDE_IP}`), 10_000, `the SNAT connection did not survive: ${got}`);
      const sent = (pingOut.match(/icmp_seq=(\d+) /g) ?? []).map((s) => Number(s.slice(9, -1)));
      ping.kill('SIGINT');
      await new Promise((r) => ping.once('exit', r));
      const stats = /(\d+) packets transmitted, (\d+) received/.exec(pingOut);
      expect(stats, pingOut).not.toBeNull();
      expect(Number(stats![1]) - Number(stats![2]), pingOut).toBe(0);
      expect(sent.length).toBeGreaterThan(10);
    } finally {
      conn.kill('SIGKILL');
      ping.kill('SIGKILL');
    }
  });
});

describe('routing lab: a physical router owns the gateway', () => {
  it('containers reach addresses behind the router; the agent answers no ARP for DefaultGw', async () => {
    const intent = {
      Hosts: HOSTS,
      Tenants: [
        ...TENANTS_INTENT.Tenants,
        {
          Name: 'tc', DefaultNetType: 'vlan', SubnetPool: '10.88.0.0/16', AllocSubnetLen: 24, Vlans: '300-310',
          Networks: [{ Name: 'phys', PktTagType: 'vlan', PktTag: 300, SubnetCIDR: '10.88.0.0/24', DefaultGw: '10.88.0.254', Gateway: 'external', Endpoints: [{ Container: 'c1', Host: 'host1' }, { Container: 'c2', Host: 'host2' }] }],
        },
      ],
    };
    await L().applyIntent(intent);
    L().addContainer('host1', 'c1');
    L().addContainer('host2', 'c2');
    try {
      await L().waitAttached(['c1', 'c2'], 60_000);
      L().addExternal('rtr', 300, '10.88.0.254/24');
      // An address "behind" the router (on its loopback: the dummy module may be missing).
      expect(L().externalExec('rtr', ['ip', 'addr', 'add', '192.0.2.1/32', 'dev', 'lo']).code).toBe(0);
      const srv = L().spawnInNetns(L().externalNetnsPath('rtr'), [process.execPath, '-e', ECHO_SERVER]);
      try {
        await new Promise<void>((res) => srv.stdout!.once('data', () => res()));
        for (const c of ['c1', 'c2']) {
          const p = await run(['nsenter', `--net=${L().netnsPath(c)}`, 'ping', '-c', '2', '-W', '2', '192.0.2.1']);
          expect(p.code, p.out).toBe(0);
          const t = await run(tcpClient(c, '192.0.2.1', PORT, c));
          expect(t.out.trim()).toBe(`${c} ${ipOf(c)}`);
        }
      } finally {
        srv.kill('SIGKILL');
      }
      // netdcli shows each network's routing modes.
      const nets = L().netdcli(['get', 'networks']).stdout.split('\n');
      expect(nets[0]).toMatch(/GATEWAY MODE\s+EXTERNAL/);
      expect(nets.find((l) => /^tc\s+phys\s/.test(l))).toMatch(/10\.88\.0\.254\s+external\s+snat\s/);
      expect(nets.find((l) => /^ta\s+db\s/.test(l))).toMatch(/\sdistributed\s+none\s/);
      const flows = L().dumpFlows('host1');
      expect(flows).not.toContain('arp_tpa=10.88.0.254');
      // Positive control: the endpoint's own address is answered on the same bridge.
      expect(flows).toContain(`arp_tpa=${ipOf('c1')}`);
      // The neighbour entry the container holds for its gateway is the router's own MAC, not one of ours.
      const neigh = L().exec('c1', ['ip', 'neigh', 'show', '10.88.0.254']).out;
      const rtrMac = L().externalExec('rtr', ['cat', '/sys/class/net/eth0/address']).out.trim();
      expect(neigh).toContain(rtrMac);
    } finally {
      L().delContainer('host1', 'c1');
      L().delContainer('host2', 'c2');
      await L().applyIntent(TENANTS_INTENT);
    }
  });
});
