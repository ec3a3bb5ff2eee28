/**
 * The OVSDB replica and ReplicaVswitch against the real root ovsdb-server/vswitchd: its
 * port list equals a fresh listPorts at every step, a write is visible the moment it
 * resolves, ofports arrive through the replica, and a port vswitchd cannot open fails.
 * Makes one uniquely named bridge and 3 veth pairs; removes them in afterAll.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OvsdbClient, ReplicaVswitch, deleteBridge, ensureBridge, listPorts } from '../../src/datapath/ovs/ovsdb/index.js';

const DB_SOCK = '/var/run/openvswitch/db.sock';
const rand = randomBytes(3).toString('hex');
const BR = `nprp${rand}`;
const veths = [0, 1, 2].map((i) => `npr${rand}${i}`);

let c: OvsdbClient;
let vs: ReplicaVswitch;

beforeAll(async () => {
  execFileSync('ip', ['-batch', '-'], { input: veths.map((v) => `link add ${v} type veth peer name ${v}p\nlink set ${v} up\n`).join('') });
  c = await OvsdbClient.connect(DB_SOCK, { timeoutMs: 10_000 });
  await ensureBridge(c, { name: BR, datapathType: 'netdev', failMode: 'secure' });
  vs = await ReplicaVswitch.start(c);
});

afterAll(async () => {
  try {
    await vs?.replica.close();
    if (c && !c.closed) await deleteBridge(c, BR);
  } finally {
    c?.close();
    try { execFileSync('ovs-vsctl', ['--if-exists', 'del-br', BR]); } catch { /* gone */ }
    for (const v of veths) try { execFileSync('ip', ['link', 'del', v], { stdio: 'ignore' }); } catch { /* gone */ }
  }
});

describe('ReplicaVswitch', () => {
  it('lists the same ports as a fresh read, sees its own add at once, and gets ofports from the replica', async () => {
    expect(await vs.listPorts(BR)).toEqual(await listPorts(c, BR));
    await vs.addPorts(BR, [
      { name: veths[0], ofportRequest: 7, externalIds: { 'netplugin-endpoint': 't/n/a' } },
      { name: veths[1], ofportRequest: 8 },
    ]);
    expect((await vs.listPorts(BR)).map((p) => p.name)).toEqual([veths[0], veths[1]].sort());
    const ofports = await vs.waitForOfports(BR, [veths[0], veths[1]], 10_000);
    expect(ofports).toEqual(new Map([[veths[0], 7], [veths[1], 8]]));
    expect(await vs.listPorts(BR)).toEqual(await listPorts(c, BR));
    expect(execFileSync('ovs-vsctl', ['get', 'Interface', veths[0], 'ofport'], { encoding: 'utf8' }).trim()).toBe('7');
  });

  it('deletes by the replica uuids in one transaction, gone from the list when it resolves', async () => {
    await vs.deletePorts(BR, [veths[1], 'not-a-port']);
    expect((await vs.listPorts(BR)).map((p) => p.name)).toEqual([veths[0]]);
    expect(execFileSync('ovs-vsctl', ['list-ports', BR], { encoding: 'utf8' }).trim()).toBe(veths[0]);
  });

  it('follows changes made by others, and rejects the wait for a port vswitchd cannot open', async () => {
    execFileSync('ovs-vsctl', ['add-port', BR, veths[2]]);
    const after = await vs.replica.until(() => (vs.replica.listPorts(BR).some((p) => p.name === veths[2]) ? true : undefined), 5000, () => new Error('not seen'));
    expect(after).toBe(true);
    await vs.addPorts(BR, [{ name: `npr${rand}x`, ofportRequest: 9 }]);
    await expect(vs.waitForOfports(BR, [`npr${rand}x`], 10_000)).rejects.toMatchObject({ code: 'NP_OVSDB_ERROR', message: expect.stringMatching(/failed: could not open network device/) });
  });

  it('fails NP_NOT_FOUND for a bridge that does not exist, writing nothing', async () => {
    await expect(vs.addPorts(`${BR}zz`, [{ name: 'x' }])).rejects.toMatchObject({ code: 'NP_NOT_FOUND' });
  });
});
