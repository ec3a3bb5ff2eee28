/**
 * The OVSDB client against the real root ovsdb-server/vswitchd (netdev datapath).
 * Makes one uniquely named bridge and 100 veth pairs; removes them in afterAll.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  OvsdbClient, addPorts, deleteBridge, deletePorts, ensureBridge, getSwitchInfo,
  kernelDatapathAvailable, listPorts, waitForOfports, waitForVswitchd,
} from '../../src/datapath/ovs/ovsdb/index.js';
import { NetpluginError } from '../../src/common/errors.js';

const DB_SOCK = '/var/run/openvswitch/db.sock';
const rand = randomBytes(3).toString('hex');
const BR = `npdb${rand}`;
const N = 100;
const veths = Array.from({ length: N }, (_, i) => `npv${rand}${i}`);
const peers = Array.from({ length: N }, (_, i) => `npw${rand}${i}`);

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8' }).trim();
}
/** ovs-vsctl output with its optional string quoting removed. */
function vsctl(...args: string[]): string {
  return sh('ovs-vsctl', ['--db=unix:' + DB_SOCK, ...args]).replace(/"/g, '');
}

let c: OvsdbClient;

beforeAll(async () => {
  const batch = veths.map((v, i) => `link add ${v} type veth peer name ${peers[i]}\nlink set ${v} up\nlink set ${peers[i]} up`).join('\n') + '\n';
  execFileSync('ip', ['-batch', '-'], { input: batch });
  c = await OvsdbClient.connect(DB_SOCK, { timeoutMs: 10_000 });
});

afterAll(async () => {
  try {
    if (c && !c.closed) await deleteBridge(c, BR);
  } finally {
    c?.close();
    // Fallbacks run even when the client failed, so nothing we made outlives the test.
    try { vsctl('--if-exists', 'del-br', BR); } catch { /* already gone */ }
    const batch = veths.map((v) => `link del ${v}`).join('\n') + '\n';
    try { execFileSync('ip', ['-force', '-batch', '-'], { input: batch, stdio: ['pipe', 'ignore', 'ignore'] }); } catch { /* some already gone */ }
  }
});

describe('OVSDB client against the root ovsdb-server', () => {
  it('reads the switch info and the datapath fact of this host', async () => {
    const info = await getSwitchInfo(c);
    expect(info.ovsVersion).toBe(sh('ovs-vsctl', ['get', 'Open_vSwitch', '.', 'ovs_version']).replace(/"/g, ''));
    expect(info.datapathTypes).toContain('netdev');
    expect(info.ifaceTypes).toContain('internal');
    expect(kernelDatapathAvailable()).toBe(sh('sh', ['-c', 'test -d /sys/module/openvswitch && echo y || echo n']) === 'y');
  });

  it('creates a netdev bridge in one transaction, visible to ovs-vsctl', async () => {
    const r = await ensureBridge(c, {
      name: BR, datapathType: 'netdev', protocols: ['OpenFlow10', 'OpenFlow13', 'OpenFlow14'],
      failMode: 'secure', externalIds: { owner: 'np-test' },
    });
    expect(r).toEqual({ created: true });
    expect(vsctl('get', 'Bridge', BR, 'datapath_type')).toBe('netdev');
    expect(vsctl('get', 'Bridge', BR, 'protocols')).toBe('[OpenFlow10, OpenFlow13, OpenFlow14]');
    expect(vsctl('get', 'Bridge', BR, 'fail_mode')).toBe('secure');
    expect(vsctl('get', 'Bridge', BR, 'external_ids:owner')).toBe('np-test');
    expect(vsctl('list-br').split('\n')).toContain(BR);
    expect(vsctl('get', 'Interface', BR, 'type')).toBe('internal');
    await waitForOfports(c, BR, [BR], 10_000).then((m) => expect(m.get(BR)).toBe(65534));
  });

  it('is idempotent and updates only the listed columns, merging maps', async () => {
    vsctl('set', 'Bridge', BR, 'other_config:foreign=keep');
    const spec = { name: BR, datapathType: 'netdev' as const, protocols: ['OpenFlow13', 'OpenFlow10', 'OpenFlow14'], failMode: 'secure' as const };
    expect(await ensureBridge(c, spec)).toEqual({ created: false });
    expect(await ensureBridge(c, { ...spec, failMode: 'standalone', otherConfig: { 'mac-aging-time': '120' } })).toEqual({ created: false });
    expect(vsctl('get', 'Bridge', BR, 'fail_mode')).toBe('standalone');
    expect(vsctl('get', 'Bridge', BR, 'other_config:mac-aging-time')).toBe('120');
    expect(vsctl('get', 'Bridge', BR, 'other_config:foreign')).toBe('keep');
    expect(vsctl('get', 'Bridge', BR, 'external_ids:owner')).toBe('np-test');
    expect(vsctl('get', 'Bridge', BR, 'protocols')).toBe('[OpenFlow10, OpenFlow13, OpenFlow14]');
    expect(vsctl('list-br').split('\n').filter((b) => b === BR)).toHaveLength(1);
  });

  it('adds 100 veth ports in one transaction and sees their ofports', async () => {
    const t0 = performance.now();
    await addPorts(c, BR, veths.map((name, i) => ({ name, ofportRequest: 100 + i, externalIds: { 'np-ep': `ep-${i}` } })));
    const tAdd = performance.now() - t0;
    const ofports = await waitForOfports(c, BR, veths, 30_000);
    const tReady = performance.now() - t0;
    console.log(`addPorts(${N}) transaction: ${tAdd.toFixed(1)} ms; all ofports assigned after ${tReady.toFixed(1)} ms`);
    expect(ofports.size).toBe(N);
    veths.forEach((v, i) => expect(ofports.get(v)).toBe(100 + i));
    expect(vsctl('get', 'Interface', veths[42], 'ofport')).toBe('142');
    expect(vsctl('list-ports', BR).split('\n').sort()).toEqual([...veths].sort());

    const ports = await listPorts(c, BR);
    expect(ports.map((p) => p.name)).toEqual([...veths].sort());
    const p7 = ports.find((p) => p.name === veths[7])!;
    expect(p7).toMatchObject({ type: '', ofport: 107, ofportRequest: 107, externalIds: { 'np-ep': 'ep-7' } });
    expect(p7.error).toBeUndefined();
    expect(p7.mac).toBe(sh('cat', [`/sys/class/net/${veths[7]}/address`]));
  });

  it('rejects a port whose device does not exist with its error column', async () => {
    const ghost = `npg${rand}`;
    await addPorts(c, BR, [{ name: ghost }]);
    try {
      const err = await waitForOfports(c, BR, [ghost], 10_000).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(NetpluginError);
      expect((err as NetpluginError).code).toBe('NP_OVSDB_ERROR');
      expect((err as NetpluginError).details?.error).toMatch(/No such device/);
      const info = (await listPorts(c, BR)).find((p) => p.name === ghost)!;
      expect(info.ofport).toBe(-1);
      expect(info.error).toMatch(/could not open network device/);
    } finally {
      await deletePorts(c, BR, [ghost]);
    }
  });

  it('deletes 100 ports in one transaction, rows included', async () => {
    const t0 = performance.now();
    await deletePorts(c, BR, [...veths, 'not-a-port']);
    const tDel = performance.now() - t0;
    await waitForVswitchd(c, 30_000);
    const tApplied = performance.now() - t0;
    console.log(`deletePorts(${N}) transaction: ${tDel.toFixed(1)} ms; vswitchd applied after ${tApplied.toFixed(1)} ms`);
    expect(await listPorts(c, BR)).toEqual([]);
    expect(vsctl('list-ports', BR)).toBe('');
    expect(vsctl('--columns=name', 'find', 'Interface', `name=${veths[0]}`)).toBe('');
    expect(vsctl('--columns=name', 'find', 'Port', `name=${veths[99]}`)).toBe('');
    // vswitchd has released the devices: the OpenFlow port table lists only LOCAL.
    expect(sh('ovs-ofctl', ['show', BR])).not.toContain(veths[0]);
  });

  it('reports a failed operation with its index and the server error', async () => {
    const err = await c
      .transact([
        { op: 'select', table: 'Bridge', where: [['name', '==', BR]], columns: ['name'] },
        { op: 'insert', table: 'No_Such_Table', row: {} },
      ])
      .then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(NetpluginError);
    expect((err as NetpluginError).code).toBe('NP_OVSDB_ERROR');
    expect((err as NetpluginError).details).toMatchObject({ index: 1, op: 'insert', table: 'No_Such_Table', error: 'syntax error' });
    expect((err as NetpluginError).message).toMatch(/operation 1 \(insert No_Such_Table\)/);
    console.log(`bad op -> ${(err as NetpluginError).message}`);
    // A commit-time failure (duplicate unique name) is reported past the last operation.
    const dup = await addPorts(c, BR, [{ name: BR, type: 'internal' }]).then(() => undefined, (e: unknown) => e);
    expect((dup as NetpluginError).code).toBe('NP_OVSDB_ERROR');
    expect((dup as NetpluginError).details).toMatchObject({ error: 'constraint violation' });
    const unknownDb = await c.transact([], 'No_Such_Db').then(() => undefined, (e: unknown) => e);
    expect((unknownDb as NetpluginError).code).toBe('NP_OVSDB_ERROR');
  });

  it('deletes the bridge with its port and interface rows', async () => {
    await deleteBridge(c, BR);
    expect(vsctl('list-br').split('\n')).not.toContain(BR);
    expect(vsctl('--columns=name', 'find', 'Interface', `name=${BR}`)).toBe('');
    expect(vsctl('--columns=name', 'find', 'Port', `name=${BR}`)).toBe('');
    await deleteBridge(c, BR); // absent: a no-op
  });

  it('rejects with NP_OVSDB_CLOSED once closed, and when the socket is missing', async () => {
    const c2 = await OvsdbClient.connect(DB_SOCK);
    c2.close();
    await expect(c2.transact([])).rejects.toMatchObject({ code: 'NP_OVSDB_CLOSED' });
    await expect(OvsdbClient.connect(`/tmp/np-missing-${rand}.sock`)).rejects.toMatchObject({ code: 'NP_OVSDB_CLOSED', details: { errno: 'ENOENT' } });
  });
});
