/**
 * An agent with no Docker engine, whose containers are network-namespace files in a
 * directory (--netns-dir): plumbed when the file appears, unplumbed when it goes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { dumpFlows, freePort, netdcli, runId, sh, startDaemon, stopDaemon, tempDir, waitFor, writeJson, type Daemon } from '../helpers/cluster.js';

const id = runId();
const bridge = `npns${id}`;
const dir = tempDir('np-netns-');
const nsDir = join(dir.path, 'netns');
let master: Daemon | undefined;
let agent: Daemon | undefined;
let masterUrl = '';
const names = ['a', 'b'].map((n) => `${n}-${id}`);

function addNetns(name: string): void {
  const f = join(nsDir, name);
  writeFileSync(f, '');
  sh('unshare', [`--net=${f}`, 'true']);
}
function delNetns(name: string): void {
  const f = join(nsDir, name);
  sh('umount', [f], { allowFail: true });
  rmSync(f, { force: true });
}
function nsExec(name: string, cmd: string[]): number {
  try {
    execFileSync('nsenter', [`--net=${join(nsDir, name)}`, ...cmd], { stdio: 'ignore', timeout: 20_000 });
    return 0;
  } catch (err) {
    return (err as { status?: number }).status ?? 1;
  }
}
function endpoints(): { container: string; ip: string; status: string }[] {
  return JSON.parse(netdcli(masterUrl, ['get', 'endpoints', '--json']).stdout);
}

beforeAll(async () => {
  mkdirSync(nsDir);
  const port = await freePort();
  masterUrl = `http://127.0.0.1:${port}`;
  const store = `embedded:${join(dir.path, 'store')}`;
  master = startDaemon('netmaster', ['--listen', `127.0.0.1:${port}`, '--store', store], dir.path);
  await waitFor(async () => (await fetch(`${masterUrl}/api/v1/health`)).ok, 20_000, () => 'netmaster up');
  agent = startDaemon('netagent', ['--host-label', 'h1', '--store', store, '--bridge', bridge, '--docker-socket', 'none', '--netns-dir', nsDir], dir.path);
  const intent = {
    Tenants: [{ Name: 't', SubnetPool: '198.18.64.0/20', AllocSubnetLen: 24, Vlans: '300-310', Networks: [{ Name: 'n', Endpoints: names.map((c) => ({ Container: c })) }] }],
  };
  const r = netdcli(masterUrl, ['-cfg', writeJson(join(dir.path, 'intent.json'), intent)]);
  expect(r.code, r.stderr).toBe(0);
}, 60_000);

afterAll(async () => {
  await stopDaemon(agent);
  await stopDaemon(master);
  for (const n of names) delNetns(n);
  sh('ovs-vsctl', ['--if-exists', 'del-br', bridge], { allowFail: true });
  dir.cleanup();
});

describe('netns-dir container source, no Docker', () => {
  it('plumbs namespaces as they appear and they reach each other', async () => {
    for (const n of names) addNetns(n);
    await waitFor(() => endpoints().filter((e) => e.status === 'attached').length === 2, 30_000, () => `${JSON.stringify(endpoints())}\n${agent?.log().slice(-2000)}`);
    const ipB = endpoints().find((e) => e.container === names[1])!.ip;
    expect(nsExec(names[0], ['ping', '-c', '2', '-W', '1', ipB])).toBe(0);
  });

  it('unplumbs a namespace that goes away', async () => {
    delNetns(names[1]);
    await waitFor(() => sh('ovs-vsctl', ['list-ports', bridge]).trim().split('\n').filter(Boolean).length === 1, 30_000, () => `ports: ${sh('ovs-vsctl', ['list-ports', bridge])}`);
    await waitFor(() => endpoints().filter((e) => e.status === 'attached').length === 1, 20_000, () => JSON.stringify(endpoints()));
    expect(dumpFlows(bridge).some((l) => l.includes('in_port=2'))).toBe(false);
  });
});
