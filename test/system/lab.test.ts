/**
 * The multi-host lab itself (scripts/lab.sh through test/helpers/lab.ts): topology, one OVS
 * per host, etcd and netmaster on the control network, containers as namespaces watched
 * by the agents, the external-machine switch, host stop/start, and a `down` that leaves
 * nothing behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CONTROL_IP, LAB_SH, Lab } from '../helpers/lab.js';
import { expectReachability } from '../helpers/reachability.js';

let lab: Lab | undefined;

function L(): Lab {
  if (!lab) throw new Error('lab not up');
  return lab;
}

/** Network-namespace inode of a process, as `net:[N]`. */
function netnsOfPid(pid: number): string {
  return execFileSync('readlink', [`/proc/${pid}/ns/net`], { encoding: 'utf8' }).trim();
}

function pidFrom(file: string): number {
  return Number(readFileSync(file, 'utf8').trim());
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

beforeAll(async () => {
  lab = await Lab.up({ hosts: 2 });
});

afterAll(async () => {
  await lab?.down();
});

describe('lab topology', () => {
  it('runs one ovsdb-server + ovs-vswitchd per host, inside that host namespace, with userspace TSO on', () => {
    for (const h of L().hosts) {
      const tso = L().ovs(h, ['ovs-vsctl', 'get', 'Open_vSwitch', '.', 'other_config:userspace-tso-enable']);
      expect(tso.out.trim()).toBe('"true"');
      const hostNs = `net:[${statSync(`/run/netns/${L().netnsName(h)}`).ino}]`;
      for (const d of ['ovsdb-server', 'ovs-vswitchd']) {
        const pid = pidFrom(join(L().ovsRundir(h), `${d}.pid`));
        expect(alive(pid), `${h} ${d}`).toBe(true);
        expect(netnsOfPid(pid)).toBe(hostNs);
      }
      // The agent made its bridge on this host's own OVS, not on the machine's.
      expect(L().ovs(h, ['ovs-vsctl', 'get', 'Bridge', 'netplugin', 'datapath_type']).out.trim()).toBe('netdev');
      expect(L().agentLog(h)).toContain('netagent running');
      const agentPid = pidFrom(join(L().dir, h, 'netagent.pid'));
      expect(netnsOfPid(agentPid)).toBe(hostNs);
    }
  });

  it('gives each host up0 (no IP) and mgmt0 on the control network, and reaches etcd and netmaster from every host', () => {
    L().hosts.forEach((h, i) => {
      const addrs = L().hostExec(h, ['ip', '-o', '-4', 'addr', 'show']).out;
      expect(addrs).toContain(`mgmt0    inet 198.18.200.${i + 1}/24`);
      expect(addrs).not.toMatch(/up0\s+inet/);
      expect(L().hostExec(h, ['ip', '-o', 'link', 'show', 'up0']).code).toBe(0);
      const health = L().hostExec(h, ['curl', '-fsS', '--max-time', '5', `http://${CONTROL_IP}:2379/health`]);
      expect(health.out).toContain('"health":"true"');
    });
    const r = L().hostExec('host1', ['ping', '-c', '1', '-W', '2', '198.18.200.2']);
    expect(r.code).toBe(0);
    const tenants = L().netdcli(['get', 'tenants', '--json']);
    expect(tenants.code).toBe(0);
    expect(JSON.parse(tenants.stdout)).toEqual([]);
  });

  it('adds nothing to the root namespace', () => {
    const addrs = execFileSync('ip', ['-o', 'addr', 'show'], { encoding: 'utf8' });
    expect(addrs).not.toContain('198.18.');
    const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' });
    expect(links).not.toMatch(/: (up0|mgmt0|data|mgmt|h\d+-data|h\d+-mgmt)[@:]/);
    const routes = execFileSync('ip', ['route', 'show'], { encoding: 'utf8' });
    expect(routes).not.toContain('198.18.');
  });

  it('makes containers as namespace files and removes them with their processes', async () => {
    L().addContainer('host2', 'tmp1');
    const file = L().netnsPath('tmp1');
    expect(file).toBe(join(L().dir, 'host2', 'netns', 'tmp1'));
    expect(L().exec('tmp1', ['ip', '-o', 'link', 'show', 'lo']).out).toContain('UP');
    // A fresh namespace: nothing but loopback.
    expect(L().exec('tmp1', ['ip', '-o', 'link', 'show']).out.trim().split('\n')).toHaveLength(1);
    const sleeper = L().spawnIn('tmp1', ['sleep', '300']);
    await new Promise((r) => setTimeout(r, 200));
    expect(alive(sleeper.pid!)).toBe(true);
    const exited = new Promise((r) => sleeper.once('exit', r));
    L().delContainer('host2', 'tmp1');
    await exited;
    expect(existsSync(file)).toBe(false);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(file);
  });

  it('tags an external machine\'s untagged frames with its VLAN on the underlay switch', async () => {
    L().addExternal('ext1', 77, '10.77.0.9/24');
    expect(L().externalExec('ext1', ['ip', '-o', '-4', 'addr', 'show', 'eth0']).out).toContain('10.77.0.9/24');
    // Capture on h1's uplink while the external machine ARPs for a neighbour.
    const cap = spawn('ip', ['netns', 'exec', L().netnsName('host1'), 'tcpdump', '-c', '1', '-nn', '-e', '-i', 'up0', 'vlan 77 and arp'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    cap.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const done = new Promise<void>((r) => cap.once('exit', () => r()));
    await new Promise((r) => setTimeout(r, 1000));
    const timer = setTimeout(() => cap.kill('SIGKILL'), 10_000);
    for (let i = 0; i < 5 && cap.exitCode === null; i++) L().externalExec('ext1', ['ping', '-c', '1', '-W', '1', '10.77.0.10']);
    await done;
    clearTimeout(timer);
    expect(out).toMatch(/vlan 77, .*ARP.*who-has 10\.77\.0\.10 tell 10\.77\.0\.9/);
  });

  it('stops, kills and restarts agents and whole hosts by PID, and restarts etcd', async () => {
    const pidFile = join(L().dir, 'host1', 'netagent.pid');
    const pid1 = pidFrom(pidFile);
    await L().killAgent('host1');
    expect(alive(pid1)).toBe(false);
    await L().startAgent('host1');
    const pid2 = pidFrom(pidFile);
    expect(pid2).not.toBe(pid1);
    expect(alive(pid2)).toBe(true);
    await L().stopAgent('host1');
    expect(alive(pid2)).toBe(false);
    await L().startAgent('host1');

    const vsPid = pidFrom(join(L().ovsRundir('host2'), 'ovs-vswitchd.pid'));
    await L().hostDown('host2');
    expect(alive(vsPid)).toBe(false);
    expect(L().ovs('host2', ['ovs-vsctl', '--timeout=2', 'show']).code).not.toBe(0);
    await L().hostUp('host2');
    // Same database after the "reboot": the agent's bridge is still there.
    expect(L().ovs('host2', ['ovs-vsctl', 'br-exists', 'netplugin']).code).toBe(0);
    expect(L().agentLog('host2').match(/netagent running/g)!.length).toBeGreaterThanOrEqual(2);

    const etcdPid = pidFrom(join(L().dir, 'ul', 'etcd.pid'));
    await L().restartEtcd();
    expect(alive(etcdPid)).toBe(false);
    expect(L().netdcli(['get', 'tenants']).code).toBe(0);
  });
});

describe('lab datapath, one host', () => {
  it('two containers of one VLAN network on the same host reach each other; another tenant does not', async () => {
    await L().applyIntent({
      Tenants: [
        { Name: 'blue', DefaultNetType: 'vlan', SubnetPool: '11.1.0.0/16', AllocSubnetLen: 24, Vlans: '11-28', Networks: [{ Name: 'web', Endpoints: [{ Host: 'host1', Container: 'sa1' }, { Host: 'host1', Container: 'sa2' }] }] },
        { Name: 'red', DefaultNetType: 'vlan', SubnetPool: '11.1.0.0/16', AllocSubnetLen: 24, Vlans: '31-40', Networks: [{ Name: 'web', Endpoints: [{ Host: 'host1', Container: 'sa3' }] }] },
      ],
    });
    for (const c of ['sa1', 'sa2', 'sa3']) L().addContainer('host1', c);
    await L().waitAttached(['sa1', 'sa2', 'sa3']);
    const r = await expectReachability(L());
    expect(r.pairs.filter((p) => p.expected)).toHaveLength(2);
    expect(r.pairs.filter((p) => !p.expected)).toHaveLength(4);
  });
});

describe('lab down', () => {
  it('leaves no namespace, process, mount or file behind', async () => {
    const lab0 = L();
    const pidFiles = [
      join(lab0.dir, 'ul', 'etcd.pid'), join(lab0.dir, 'ul', 'netmaster.pid'), join(lab0.dir, 'ul', 'ovs', 'ovs-vswitchd.pid'),
      ...lab0.hosts.flatMap((h) => [join(lab0.dir, h, 'netagent.pid'), join(lab0.ovsRundir(h), 'ovs-vswitchd.pid'), join(lab0.ovsRundir(h), 'ovsdb-server.pid')]),
    ];
    const pids = pidFiles.filter((f) => existsSync(f)).map(pidFrom);
    expect(pids.length).toBeGreaterThanOrEqual(2 + 3 * lab0.hosts.length);
    lab0.addContainer('host2', 'leftover');
    await lab0.down();
    const prefix = `np${lab0.id}-`;
    expect(readdirSync('/run/netns').filter((n) => n.startsWith(prefix))).toEqual([]);
    for (const pid of pids) expect(alive(pid), `pid ${pid}`).toBe(false);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(lab0.dir);
    expect(existsSync(lab0.dir)).toBe(false);
    const ps = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
    expect(ps).not.toContain(lab0.dir);
    // Idempotent: the script's own down on a removed lab succeeds and does nothing.
    expect(execFileSync(LAB_SH, ['--lab', lab0.id, 'down'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })).toBe('');
    lab = undefined;
  });
});
