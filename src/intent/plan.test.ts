import { describe, expect, it } from 'vitest';
import { allocate } from './allocate.js';
import { parseIntent } from './parse.js';
import { diffState, formatPlan, planIsEmpty } from './plan.js';
import type { DesiredState } from './types.js';

function state(doc: object, previous?: DesiredState): DesiredState {
  const p = parseIntent(JSON.stringify(doc));
  if (!p.ok) throw new Error(JSON.stringify(p.problems));
  const a = allocate(p.intent, previous);
  if (!a.ok) throw new Error(JSON.stringify(a.problems));
  return a.state;
}

const v1 = {
  Hosts: [{ Name: 'host1' }, { Name: 'host2' }],
  Tenants: [
    {
      Name: 'tenant-one',
      SubnetPool: '11.1.0.0/16',
      Vlans: '11-28',
      Networks: [
        { Name: 'orange', Endpoints: [{ Container: 'c1', Host: 'host1' }, { Container: 'c2', Host: 'host1' }] },
        { Name: 'purple', Endpoints: [{ Container: 'c3' }] },
      ],
    },
  ],
};

const v2 = {
  Hosts: [{ Name: 'host1', VtepIp: '192.168.2.10' }, { Name: 'host3' }],
  Tenants: [
    {
      Name: 'tenant-one',
      SubnetPool: '11.1.0.0/16',
      Vlans: '11-28',
      Networks: [
        { Name: 'orange', Endpoints: [{ Container: 'c1', Host: 'host3' }, { Container: 'c4' }] },
        { Name: 'green', Endpoints: [] },
      ],
    },
  ],
};

describe('diffState', () => {
  it('creates everything from nothing, parents first', () => {
    const s = state(v1);
    const plan = diffState(undefined, s);
    expect(plan.update).toEqual([]);
    expect(plan.delete).toEqual([]);
    expect(plan.create.map((i) => `${i.kind} ${i.id}`)).toEqual([
      'host host1',
      'host host2',
      'tenant tenant-one',
      'network tenant-one/orange',
      'network tenant-one/purple',
      'endpoint tenant-one/orange/c1',
      'endpoint tenant-one/orange/c2',
      'endpoint tenant-one/purple/c3',
    ]);
  });

  it('lists creations, updates with field names, and deletions children first', () => {
    const a = state(v1);
    const b = state(v2, a);
    const plan = diffState(a, b);
    expect(plan.create).toEqual([
      { kind: 'host', id: 'host3' },
      { kind: 'network', id: 'tenant-one/green' },
      { kind: 'endpoint', id: 'tenant-one/orange/c4' },
    ]);
    expect(plan.update).toEqual([
      { kind: 'host', id: 'host1', fields: ['vtepIp'] },
      { kind: 'endpoint', id: 'tenant-one/orange/c1', fields: ['host'] },
    ]);
    expect(plan.delete).toEqual([
      { kind: 'endpoint', id: 'tenant-one/orange/c2' },
      { kind: 'endpoint', id: 'tenant-one/purple/c3' },
      { kind: 'network', id: 'tenant-one/purple' },
      { kind: 'host', id: 'host2' },
    ]);
    expect(planIsEmpty(plan)).toBe(false);
  });

  it('is empty between a state and its re-apply', () => {
    const a = state(v1);
    expect(planIsEmpty(diffState(a, state(v1, a)))).toBe(true);
    expect(formatPlan(diffState(a, a))).toBe('no changes\n');
  });

  it('deletes everything for an empty intent', () => {
    const a = state(v1);
    const plan = diffState(a, state({ Tenants: [] }, a));
    expect(plan.create).toEqual([]);
    expect(plan.delete.map((i) => i.kind)).toEqual(['endpoint', 'endpoint', 'endpoint', 'network', 'network', 'tenant', 'host', 'host']);
  });
});

describe('formatPlan', () => {
  it('renders one line per object with its resources', () => {
    const a = state(v1);
    const b = state(v2, a);
    expect(formatPlan(diffState(a, b), a, b)).toBe(
      [
        '+ host host3',
        '+ network tenant-one/green (vlan 12, 11.1.1.0/24, gw 11.1.1.1)',
        '+ endpoint tenant-one/orange/c4 (11.1.0.3/24, 02:02:0b:01:00:03)', // c2's freed address,
        '~ host host1 (vtepIp - -> 192.168.2.10)',
        '~ endpoint tenant-one/orange/c1 (host host1 -> host3)',
        '- endpoint tenant-one/orange/c2 (11.1.0.3/24, 02:02:0b:01:00:03, host host1)',
        '- endpoint tenant-one/purple/c3 (11.1.1.2/24, 02:02:0b:01:01:02)',
        '- network tenant-one/purple (vlan 12, 11.1.1.0/24, gw 11.1.1.1)',
        '- host host2',
        '3 to create, 2 to update, 4 to delete',
        '',
      ].join('\n'),
    );
  });

  it('names changed fields without states', () => {
    expect(formatPlan({ create: [{ kind: 'tenant', id: 't' }], update: [{ kind: 'network', id: 't/n', fields: ['pktTag', 'subnet'] }], delete: [] })).toBe(
      '+ tenant t\n~ network t/n (pktTag, subnet)\n1 to create, 1 to update, 0 to delete\n',
    );
  });
});
