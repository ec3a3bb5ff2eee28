import { describe, expect, it } from 'vitest';
import { parseDelta, type DeltaKind } from './delta.js';
import { mergeDelta } from './merge.js';
import { toClassicJson } from './normalize.js';
import { parseIntent } from './parse.js';
import { removeDelta } from './remove.js';
import { validateIntent } from './validate.js';
import type { Intent, Problem } from './types.js';

const BASE = {
  Tenants: [
    {
      Name: 't1',
      SubnetPool: '11.1.0.0/16',
      Networks: [{ Name: 'orange', Endpoints: [{ Container: 'web1', Groups: ['web'] }, { Container: 'db1', Groups: ['db'] }] }],
      Groups: [{ Name: 'web' }, { Name: 'db', Policies: ['db-in'] }],
      Policies: [
        {
          Name: 'db-in',
          Rules: [
            { Priority: 20, Direction: 'in', Action: 'allow', From: 'web', Protocol: 'tcp', Port: 5432 },
            { Priority: 15, Direction: 'out', Action: 'allow', ToNetwork: 'orange', Protocol: 'udp', Port: '8000-8080', Log: false },
            { Priority: 10, Direction: 'in', Action: 'allow', FromIpAddress: '10.9.0.0/16', Protocol: 'icmp' },
            { Priority: 1, Direction: 'in', Action: 'deny', Log: true },
          ],
        },
      ],
    },
  ],
};

function base(): Intent {
  const p = parseIntent(JSON.stringify(BASE));
  if (!p.ok) throw new Error(JSON.stringify(p.problems));
  return p.intent;
}

function run(kind: DeltaKind, doc: unknown): { intent?: Intent; problems?: Problem[] } {
  const d = parseDelta(JSON.stringify(doc), kind);
  if (!d.ok) return { problems: d.problems };
  const r = (kind === 'add' ? mergeDelta : removeDelta)(base(), d.delta);
  return r.ok ? { intent: r.intent } : { problems: r.problems };
}

describe('policy keys in classic JSON', () => {
  it('round-trips: printed back exactly as written (canonical keys, one port a number, a range a string)', () => {
    expect(toClassicJson(base())).toEqual({ ...BASE, Tenants: [{ ...BASE.Tenants[0], DefaultNetType: 'vlan' }] });
  });

  it('prints a bare address as the /32 it means, and reads its own output back to the same intent', () => {
    const d = structuredClone(BASE);
    (d.Tenants[0].Policies[0].Rules[2] as Record<string, unknown>).FromIpAddress = '10.9.0.7';
    const p = parseIntent(JSON.stringify(d));
    if (!p.ok) throw new Error(JSON.stringify(p.problems));
    expect(p.intent.tenants[0].policies![0].rules[2].peer).toEqual({ cidr: '10.9.0.7/32' });
    const again = parseIntent(JSON.stringify(toClassicJson(p.intent)));
    expect(again.ok && again.intent).toEqual(p.intent);
  });

  it('reads keys case-insensitively like every other intent key', () => {
    const p = parseIntent(JSON.stringify({ Tenants: [{ name: 't', groups: [{ name: 'g', policies: ['p'] }], policies: [{ name: 'p', rules: [{ priority: 1, direction: 'in', action: 'deny', port: 1, protocol: 'tcp' }] }] }] }));
    expect(p.ok && p.intent.tenants[0].policies![0].rules[0]).toEqual({ priority: 1, direction: 'in', action: 'deny', protocol: 'tcp', ports: { min: 1, max: 1 } });
  });
});

describe('-add-cfg with groups and policies', () => {
  it('adds a new group and replaces a policy of the same name whole', () => {
    const r = run('add', {
      Tenants: [{ Name: 't1', Groups: [{ Name: 'ops' }], Policies: [{ Name: 'db-in', Rules: [{ Priority: 5, Direction: 'in', Action: 'deny' }] }] }],
    });
    const t = r.intent!.tenants[0];
    expect(t.groups!.map((g) => g.name)).toEqual(['web', 'db', 'ops']);
    expect(t.policies).toEqual([{ name: 'db-in', rules: [{ priority: 5, direction: 'in', action: 'deny' }] }]);
    expect(validateIntent(r.intent!)).toEqual([]);
  });

  it('moves an endpoint into another group by replacing it', () => {
    const r = run('add', { Tenants: [{ Name: 't1', Networks: [{ Name: 'orange', Endpoints: [{ Container: 'web1', Groups: ['db'] }] }] }] });
    expect(r.intent!.tenants[0].networks[0].endpoints[0]).toEqual({ container: 'web1', groups: ['db'] });
  });

  it('refuses a delta naming one group twice', () => {
    expect(run('add', { Tenants: [{ Name: 't1', Groups: [{ Name: 'x' }, { Name: 'x' }] }] }).problems).toEqual([
      { path: '$.Tenants[0].Groups[1].Name', reason: 'group "x" appears twice in this delta (also $.Tenants[0].Groups[0])' },
    ]);
  });
});

describe('-del-cfg with groups and policies', () => {
  it('removes groups and policies by name and keeps the tenant', () => {
    const r = run('delete', { Tenants: [{ Name: 't1', Groups: [{ Name: 'db' }], Policies: [{ Name: 'db-in' }] }] });
    const t = r.intent!.tenants[0];
    expect(t.networks.length).toBe(1);
    expect(t.groups!.map((g) => g.name)).toEqual(['web']);
    expect(t.policies).toEqual([]);
    // An endpoint still in the removed group makes the result invalid, naming it.
    expect(validateIntent(r.intent!)).toEqual([{ path: '$.Tenants[0].Networks[0].Endpoints[1].Groups[0]', reason: 'unknown group "db": not a group of tenant "t1"' }]);
  });

  it('naming a group the tenant lacks is a problem with its path', () => {
    expect(run('delete', { Tenants: [{ Name: 't1', Groups: [{ Name: 'nope' }] }] }).problems).toEqual([
      { path: '$.Tenants[0].Groups[0].Name', reason: 'no group "nope" in tenant "t1"' },
    ]);
  });

  it('a tenant written with only its name still goes whole', () => {
    expect(run('delete', { Tenants: [{ Name: 't1' }] }).intent!.tenants).toEqual([]);
  });
});
