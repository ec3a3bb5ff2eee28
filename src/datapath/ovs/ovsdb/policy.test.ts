import { describe, expect, it } from 'vitest';
import { createBridgeOps, updateBridgeOps } from './bridge.js';
import { addPortsOps, deletePortsOps, portInfo } from './ports.js';

describe('bridge operations', () => {
  it('creates bridge, internal port and interface, and links the bridge from the root row', () => {
    const ops = createBridgeOps({ name: 'br0', datapathType: 'netdev', protocols: ['OpenFlow13'], failMode: 'secure' }) as any[];
    expect(ops.map((o) => `${o.op} ${o.table}`)).toEqual(['insert Interface', 'insert Port', 'insert Bridge', 'mutate Open_vSwitch']);
    expect(ops[0].row).toEqual({ name: 'br0', type: 'internal' });
    expect(ops[1].row.interfaces).toEqual(['set', [['named-uuid', ops[0]['uuid-name']]]]);
    expect(ops[2].row).toMatchObject({ name: 'br0', datapath_type: 'netdev', protocols: ['set', ['OpenFlow13']], fail_mode: 'secure', ports: ['set', [['named-uuid', ops[1]['uuid-name']]]] });
    expect(ops[2].row).not.toHaveProperty('other_config');
    expect(ops[3]).toEqual({ op: 'mutate', table: 'Open_vSwitch', where: [], mutations: [['bridges', 'insert', ['set', [['named-uuid', ops[2]['uuid-name']]]]]] });
  });

  const current = {
    datapath_type: 'netdev',
    protocols: ['set', ['OpenFlow13', 'OpenFlow10']],
    fail_mode: 'secure',
    other_config: ['map', [['a', '1'], ['b', '2']]],
    external_ids: ['map', []],
  };

  it('writes nothing when the bridge already matches (set order does not matter)', () => {
    expect(updateBridgeOps({ name: 'br0', datapathType: 'netdev', protocols: ['OpenFlow10', 'OpenFlow13'], failMode: 'secure', otherConfig: { a: '1' } }, current)).toEqual([]);
  });

  it('updates changed scalar columns and merges only changed map keys', () => {
    const ops = updateBridgeOps({ name: 'br0', datapathType: 'netdev', failMode: 'standalone', otherConfig: { a: '1', b: '3', c: '4' } }, current) as any[];
    expect(ops).toEqual([
      { op: 'update', table: 'Bridge', where: [['name', '==', 'br0']], row: { fail_mode: 'standalone' } },
      { op: 'mutate', table: 'Bridge', where: [['name', '==', 'br0']], mutations: [
        ['other_config', 'delete', ['set', ['b', 'c']]],
        ['other_config', 'insert', ['map', [['b', '3'], ['c', '4']]]],
      ] },
    ]);
  });
});

describe('port operations', () => {
  it('adds N ports with N interface + N port inserts and a single mutate', () => {
    const ops = addPortsOps('br0', [
      { name: 'v0', ofportRequest: 10, externalIds: { ep: 'a' }, tag: 11 },
      { name: 'v1', type: 'vxlan', options: { remote_ip: 'flow' }, trunks: [1, 2] },
    ]) as any[];
    expect(ops).toHaveLength(5);
    expect(ops[0]).toMatchObject({ op: 'insert', table: 'Interface', row: { name: 'v0', type: '', ofport_request: 10, external_ids: ['map', [['ep', 'a']]] } });
    expect(ops[1]).toMatchObject({ op: 'insert', table: 'Port', row: { name: 'v0', tag: 11 } });
    expect(ops[2].row).toMatchObject({ name: 'v1', type: 'vxlan', options: ['map', [['remote_ip', 'flow']]] });
    expect(ops[3].row.trunks).toEqual(['set', [1, 2]]);
    expect(ops[4]).toEqual({ op: 'mutate', table: 'Bridge', where: [['name', '==', 'br0']], mutations: [['ports', 'insert', ['set', [['named-uuid', ops[1]['uuid-name']], ['named-uuid', ops[3]['uuid-name']]]]]] });
    expect(new Set(ops.map((o) => o['uuid-name'])).size).toBe(5);
  });

  it('writes Interface mac only when the port asks for one', () => {
    const ops = addPortsOps('br0', [{ name: 'br0-gw', type: 'internal', ofportRequest: 65002, mac: '02:02:a9:fe:40:01' }, { name: 'v1' }]) as any[];
    expect(ops[0].row).toEqual({ name: 'br0-gw', type: 'internal', ofport_request: 65002, mac: '02:02:a9:fe:40:01' });
    expect(ops[2].row).not.toHaveProperty('mac');
  });

  it('deletes ports with one mutate and row deletes', () => {
    const ops = deletePortsOps('br0', [{ port: 'p1', interfaces: ['i1'] }, { port: 'p2', interfaces: ['i2', 'i3'] }]) as any[];
    expect(ops[0]).toEqual({ op: 'mutate', table: 'Bridge', where: [['name', '==', 'br0']], mutations: [['ports', 'delete', ['set', [['uuid', 'p1'], ['uuid', 'p2']]]]] });
    expect(ops.slice(1).map((o) => `${o.table} ${o.where[0][2][1]}`)).toEqual(['Port p1', 'Port p2', 'Interface i1', 'Interface i2', 'Interface i3']);
  });

  it('decodes an Interface row into PortInfo', () => {
    expect(portInfo('v0', { type: '', ofport: -1, ofport_request: ['set', []], external_ids: ['map', [['k', 'v']]], options: ['map', []], error: 'could not open network device v0 (No such device)', mac_in_use: ['set', []] }))
      .toEqual({ name: 'v0', type: '', ofport: -1, externalIds: { k: 'v' }, options: {}, error: 'could not open network device v0 (No such device)' });
    expect(portInfo('v1', { type: 'internal', ofport: ['set', []], ofport_request: 7, mac_in_use: '02:00:00:00:00:01' }))
      .toMatchObject({ ofport: 0, ofportRequest: 7, mac: '02:00:00:00:00:01' });
  });
});
