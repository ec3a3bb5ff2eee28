import { describe, expect, it } from 'vitest';
import { allocate } from './allocate.js';
import { parseIntent } from './parse.js';
import { diffState, diffStateSliced, formatPlan, formatPlanSliced, planIsEmpty } from './plan.js';
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

/** A tenant of `n` networks n0..n(n-1), each with one endpoint. */
function many(n: number, from = 0): object {
  const Networks = Array.from({ length: n }, (_, i) => ({ Name: `n${i + from}`, Endpoints: [{ Container: `c${i + from}` }] }));
  return { Tenants: [{ Name: 't', SubnetPool: '10.0.0.0/8', AllocSubnetLen: 28, Vlans: '1-4000', Networks }] };
}

describe('diff and text in slices', () => {
  // Overlapping ranges: 300 kept (same allocation), 300 created, 300 deleted, more than one
  // slice of everything; a clock that moves 1 ms per read makes every check pause.
  const a = state(many(600));
  const b = state(many(600, 300), a);
  let pauses = 0;
  const slicing = { sliceMs: 1, now: ((t) => () => t++)(0), pause: async () => void pauses++ };

  it('gives the plan and the text of the one-piece versions, pausing on the way', async () => {
    const plan = await diffStateSliced(a, b, slicing);
    expect(pauses).toBeGreaterThan(10);
    expect(plan).toEqual(diffState(a, b));
    expect([plan.create.length, plan.update.length, plan.delete.length]).toEqual([600, 0, 600]);
    const before = pauses;
    const text = await formatPlanSliced(plan, a, b, slicing);
    expect(pauses).toBeGreaterThan(before);
    expect(text).toBe(formatPlan(plan, a, b));
    expect(text.split('\n').filter((l) => l.startsWith('- ')).length).toBe(600);
    expect(text.endsWith('600 to create, 0 to update, 600 to delete\n')).toBe(true);
  });

  it('orders the plan by id when a state is not sorted (the check falls back to sorting)', async () => {
    const sorted = state(many(3));
    const shuffled: DesiredState = { ...sorted, networks: [...sorted.networks].reverse(), endpoints: [...sorted.endpoints].reverse() };
    const plan = await diffStateSliced(undefined, shuffled, slicing);
    expect(plan.create.filter((i) => i.kind === 'network').map((i) => i.id)).toEqual(['t/n0', 't/n1', 't/n2']);
    expect(plan).toEqual(diffState(undefined, sorted));
    expect(diffState(shuffled, { tenants: [], networks: [], endpoints: [], hosts: [] }).delete.filter((i) => i.kind === 'endpoint').map((i) => i.id)).toEqual(['t/n0/c0', 't/n1/c1', 't/n2/c2']);
  });
});
