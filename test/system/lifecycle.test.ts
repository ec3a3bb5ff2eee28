/**
 * The intent lifecycle through the CLI against real daemons: a rejected intent changes
 * nothing, --dry-run changes nothing, one container on two networks, static addresses
 * and overrides honoured, and none.json removing every port, interface and flow.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PIPELINE } from '../../src/datapath/ovs/pipeline/tables.js';
import {
  ROOT, dockerExec, dockerRm, dockerRun, dumpFlows, freePort, netdcli, runId, sh, startDaemon, stopDaemon, tempDir, waitFor, writeJson, type Daemon,
} from '../helpers/cluster.js';

const id = runId();
const bridge = `nplc${id}`;
const dir = tempDir('np-lifecycle-');
let master: Daemon | undefined;
let agent: Daemon | undefined;
let masterUrl = '';
const rename = (c: string) => `${c}-${id}`;
const containers = ['myContainer1', 'myContainer2', 'myContainer3'].map(rename);

/** An example with its container names made unique for this run. */
function example(name: string): string {
  const intent = JSON.parse(readFileSync(join(ROOT, 'examples', name), 'utf8'));
  for (const t of intent.Tenants) for (const n of t.Networks) for (const e of n.Endpoints ?? []) e.Container = rename(e.Container);
  return writeJson(join(dir.path, name), intent);
}

interface EndpointRow { container: string; network: string; ip: string; status: string }
function endpoints(): EndpointRow[] {
  return JSON.parse(netdcli(masterUrl, ['get', 'endpoints', '--json']).stdout) as EndpointRow[];
}
function ports(): string[] {
  return sh('ovs-vsctl', ['list-ports', bridge]).split('\n').filter(Boolean);
}

beforeAll(async () => {
  const port = await freePort();
  masterUrl = `http://127.0.0.1:${port}`;
  const store = `embedded:${join(dir.path, 'store')}`;
  master = startDaemon('netmaster', ['-listen', `127.0.0.1:${port}`, '-store', store], dir.path);
  await waitFor(async () => (await fetch(`${masterUrl}/api/v1/health`)).ok, 20_000, () => `netmaster up\n${master?.log()}`);
  // The classic single-dash spelling of the agent's flags.
  agent = startDaemon('netagent', [`-host-label=host1`, `-store=${store}`, `-bridge=${bridge}`], dir.path);
  for (const c of containers) dockerRun(c, ['--net=none']);
}, 120_000);

afterAll(async () => {
  await stopDaemon(agent);
  await stopDaemon(master);
  dockerRm(containers);
  sh('ovs-vsctl', ['--if-exists', 'del-br', bridge], { allowFail: true });
  dir.cleanup();
});

describe('intent lifecycle', () => {
  it('--dry-run prints the plan and changes nothing', () => {
    const r = netdcli(masterUrl, ['-cfg', example('multiple_eps_in_container.json'), '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`+ network tenant-one/purple`);
    expect(r.stdout).toMatch(/dry run: 7 to create, 0 to change, 0 to delete/);
    expect(endpoints()).toEqual([]);
  });

  it('one container on two networks gets an interface on each and reaches both peers', async () => {
    const r = netdcli(masterUrl, ['-cfg', example('multiple_eps_in_container.json')]);
    expect(r.code, r.stderr).toBe(0);
    await waitFor(() => endpoints().length === 4 && endpoints().every((e) => e.status === 'attached'), 60_000, () => `${JSON.stringify(endpoints())}\n${agent?.log().slice(-3000)}`);
    const [c1, c2, c3] = containers;
    const eps = endpoints();
    const on = (c: string, n: string) => eps.find((e) => e.container === c && e.network === n)!.ip;
    const addrs = dockerExec(c1, ['ip', '-o', '-4', 'addr', 'show']).out;
    expect(addrs).toContain(on(c1, 'orange'));
    expect(addrs).toContain(on(c1, 'purple'));
    expect(dockerExec(c1, ['ip', '-o', 'link', 'show']).out).toMatch(/eth0[\s\S]*eth1/);
    expect(dockerExec(c1, ['ping', '-c', '2', '-W', '1', on(c2, 'orange')]).code).toBe(0);
    expect(dockerExec(c1, ['ping', '-c', '2', '-W', '1', on(c3, 'purple')]).code).toBe(0);
    // c2 (orange only) reaches c3 (purple only) through the tenant's distributed gateway, one hop (TTL 63).
    expect(dockerExec(c2, ['ping', '-c', '1', '-W', '2', on(c3, 'purple')]).out).toMatch(/ttl=63/);
  });

  it('rejects a bad intent whole, naming every problem, and changes nothing', () => {
    const before = JSON.stringify(endpoints());
    const revBefore = netdcli(masterUrl, ['get', 'networks', '--json']).stdout;
    const bad = JSON.parse(readFileSync(example('multiple_eps_in_container.json'), 'utf8'));
    bad.Tenants[0].SubnetPool = '11.1.0.0/33';
    bad.Tenants[0].Networks[0].PktTag = 5000;
    bad.Tenants[0].Networks[1].Endpoints[0].IpAddress = '12.0.0.1';
    bad.Tenants[0].Networks[1].Shade = 'dark';
    const r = netdcli(masterUrl, ['-cfg', writeJson(join(dir.path, 'bad.json'), bad)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('[NP_INTENT_INVALID]');
    expect(r.stderr).toContain('$.Tenants[0].SubnetPool');
    expect(r.stderr).toContain('$.Tenants[0].Networks[0].PktTag');
    expect(r.stderr).toContain('$.Tenants[0].Networks[1].Shade');
    writeFileSync(join(dir.path, 'broken.json'), '{"Tenants": [ {"Name": "t" ');
    const malformed = netdcli(masterUrl, ['-cfg', join(dir.path, 'broken.json')]);
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toContain('[NP_INTENT_PARSE]');
    expect(JSON.stringify(endpoints())).toBe(before);
    expect(netdcli(masterUrl, ['get', 'networks', '--json']).stdout).toBe(revBefore);
  });

  it('none.json removes every port, interface and flow it made', async () => {
    const r = netdcli(masterUrl, ['-cfg', join(ROOT, 'examples/none.json')]);
    expect(r.code, r.stderr).toBe(0);
    await waitFor(() => ports().length === 0, 30_000, () => `ports left: ${ports().join(' ')}`);
    // Only the miss flow of each of the pipeline's tables is left.
    await waitFor(() => dumpFlows(bridge).length === PIPELINE.length && dumpFlows(bridge).every((l) => l.includes('priority=0 ')), 20_000, () => `flows left:\n${dumpFlows(bridge).join('\n')}`);
    for (const c of containers) {
      const links = dockerExec(c, ['ip', '-o', 'link', 'show']).out.trim().split('\n');
      expect(links, c).toHaveLength(1);
    }
    expect(endpoints()).toEqual([]);
    expect(sh('ovs-ofctl', ['-O', 'OpenFlow13', 'dump-groups', bridge]).trim().split('\n').slice(1)).toEqual([]);
  });
});
