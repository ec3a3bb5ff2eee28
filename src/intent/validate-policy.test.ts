import { describe, expect, it } from 'vitest';
import { intentProblems } from '../../test/helpers/intent-problems.js';

type Json = Record<string, any>;

/** A valid intent with the policy (tenant t1) and a second tenant with its own group; each row breaks it once. */
function base(): Json {
  return {
    Hosts: [{ Name: 'host1' }, { Name: 'host2' }],
    Tenants: [
      {
        Name: 't1',
        SubnetPool: '11.1.0.0/16',
        Vlans: '11-28',
        Networks: [
          { Name: 'orange', Endpoints: [{ Container: 'web1', Host: 'host1', Groups: ['web'] }, { Container: 'db1', Host: 'host2', Groups: ['db'] }] },
          { Name: 'purple', SubnetCIDR: '11.2.0.0/24', Endpoints: [] },
        ],
        Groups: [{ Name: 'web' }, { Name: 'db', Policies: ['db-in'] }],
        Policies: [
          {
            Name: 'db-in',
            Rules: [
              { Priority: 20, Direction: 'in', Action: 'allow', From: 'web', Protocol: 'tcp', Port: 5432 },
              { Priority: 10, Direction: 'in', Action: 'allow', FromIpAddress: '10.9.0.0/16', Protocol: 'icmp' },
              { Priority: 1, Direction: 'in', Action: 'deny' },
            ],
          },
        ],
      },
      {
        Name: 't2',
        SubnetPool: '11.1.0.0/16',
        Vlans: '30-40',
        Networks: [{ Name: 'orange', Endpoints: [{ Container: 'app1', Groups: ['app'] }] }],
        Groups: [{ Name: 'app' }],
      },
    ],
  };
}

const problemsOf = intentProblems;

const T0 = '$.Tenants[0]';
const P0 = `${T0}.Policies[0]`;
const R = (k: number): string => `${P0}.Rules[${k}]`;
/** Appends a rule to t1's db-in policy. */
const addRule = (d: Json, rule: Json): Json => (d.Tenants[0].Policies[0].Rules.push(rule), d);

const rows: [string, (d: Json) => Json, string[], RegExp][] = [
  ['unknown key in a rule', (d) => ((d.Tenants[0].Policies[0].Rules[0].Ports = 1), d), [`${R(0)}.Ports`], /unknown key/],
  ['unknown key in a group', (d) => ((d.Tenants[0].Groups[0].Members = []), d), [`${T0}.Groups[0].Members`], /unknown key/],
  ['unknown key in a policy', (d) => ((d.Tenants[0].Policies[0].Rule = []), d), [`${P0}.Rule`], /unknown key/],
  ['unknown group in an endpoint', (d) => ((d.Tenants[0].Networks[0].Endpoints[0].Groups = ['webs']), d), [`${T0}.Networks[0].Endpoints[0].Groups[0]`], /unknown group "webs": not a group of tenant "t1"$/],
  ['an endpoint naming a group of another tenant', (d) => ((d.Tenants[0].Networks[0].Endpoints[0].Groups = ['app']), d), [`${T0}.Networks[0].Endpoints[0].Groups[0]`], /unknown group "app": not a group of tenant "t1" \(it is a group of tenant "t2"; groups are per tenant\)/],
  ['a rule From a group of another tenant', (d) => ((d.Tenants[0].Policies[0].Rules[0].From = 'app'), d), [`${R(0)}.From`], /not a group of tenant "t1" \(it is a group of tenant "t2"/],
  ['a rule To an unknown group', (d) => addRule(d, { Priority: 30, Direction: 'out', Action: 'deny', To: 'nobody' }), [`${R(3)}.To`], /unknown group "nobody": not a group of tenant "t1"/],
  ['unknown policy in a group', (d) => ((d.Tenants[0].Groups[0].Policies = ['web-in']), d), [`${T0}.Groups[0].Policies[0]`], /unknown policy "web-in": not a policy of tenant "t1"/],
  ['unknown network in FromNetwork', (d) => addRule(d, { Priority: 30, Direction: 'in', Action: 'allow', FromNetwork: 'green' }), [`${R(3)}.FromNetwork`], /unknown network "green": not a network of tenant "t1"/],
  ['a network of another tenant in ToNetwork', (d) => ((d.Tenants[1].Networks[0].Name = 'teal'), addRule(d, { Priority: 30, Direction: 'out', Action: 'allow', ToNetwork: 'teal' })), [`${R(3)}.ToNetwork`], /unknown network "teal": not a network of tenant "t1"/],
  ['a port on ICMP', (d) => ((d.Tenants[0].Policies[0].Rules[1].Port = 7), d), [`${R(1)}.Port`], /needs Protocol "tcp" or "udp" \(ICMP has no ports\)/],
  ['a port with no protocol', (d) => addRule(d, { Priority: 30, Direction: 'in', Action: 'deny', Port: 22 }), [`${R(3)}.Port`], /needs Protocol "tcp" or "udp" \(the rule has no Protocol\)/],
  ['a port range high before low', (d) => ((d.Tenants[0].Policies[0].Rules[0].Port = '8080-8000'), d), [`${R(0)}.Port`], /port range 8080-8000 is empty/],
  ['a port above 65535', (d) => ((d.Tenants[0].Policies[0].Rules[0].Port = '8000-70000'), d), [`${R(0)}.Port`], /port 8000-70000 outside 1-65535/],
  ['port 0', (d) => ((d.Tenants[0].Policies[0].Rules[0].Port = 0), d), [`${R(0)}.Port`], /port 0 outside 1-65535/],
  ['a port that is no range', (d) => ((d.Tenants[0].Policies[0].Rules[0].Port = '80,443'), d), [`${R(0)}.Port`], /must be a port number or a range "low-high" \(got "80,443"\)/],
  ['a bad CIDR', (d) => ((d.Tenants[0].Policies[0].Rules[1].FromIpAddress = '10.9.0.0/33'), d), [`${R(1)}.FromIpAddress`], /bad prefix length/],
  ['a CIDR with host bits', (d) => ((d.Tenants[0].Policies[0].Rules[1].FromIpAddress = '10.9.0.1/16'), d), [`${R(1)}.FromIpAddress`], /host bits set/],
  ['a bad bare address', (d) => ((d.Tenants[0].Policies[0].Rules[1].FromIpAddress = '10.9.0.300'), d), [`${R(1)}.FromIpAddress`], /bad IPv4 address/],
  ['duplicate group names', (d) => (d.Tenants[0].Groups.push({ Name: 'web' }), d), [`${T0}.Groups[2].Name`], /duplicate group name "web" in tenant "t1" \(also \$\.Tenants\[0\]\.Groups\[0\]\)/],
  ['duplicate policy names', (d) => (d.Tenants[0].Policies.push({ Name: 'db-in', Rules: [] }), d), [`${T0}.Policies[1].Name`], /duplicate policy name "db-in"/],
  ['a group name with a slash', (d) => ((d.Tenants[0].Groups[0].Name = 'w/eb'), (d.Tenants[0].Networks[0].Endpoints[0].Groups = ['w/eb']), (d.Tenants[0].Policies[0].Rules[0].From = 'w/eb'), d), [`${T0}.Groups[0].Name`], /must not contain '\/'/],
  ['Priority 0', (d) => ((d.Tenants[0].Policies[0].Rules[2].Priority = 0), d), [`${R(2)}.Priority`], /Priority 0 outside 1-10000/],
  ['Priority above 10000', (d) => ((d.Tenants[0].Policies[0].Rules[2].Priority = 10001), d), [`${R(2)}.Priority`], /Priority 10001 outside 1-10000/],
  ['Priority missing', (d) => (delete d.Tenants[0].Policies[0].Rules[2].Priority, d), [`${R(2)}.Priority`], /required/],
  ['a bad Direction', (d) => ((d.Tenants[0].Policies[0].Rules[2].Direction = 'both'), d), [`${R(2)}.Direction`], /must be "in" or "out" \(got "both"\)/],
  ['a bad Action', (d) => ((d.Tenants[0].Policies[0].Rules[2].Action = 'drop'), d), [`${R(2)}.Action`], /must be "allow" or "deny"/],
  ['a bad Protocol', (d) => ((d.Tenants[0].Policies[0].Rules[0].Protocol = 'sctp'), d), [`${R(0)}.Protocol`], /must be "tcp" or "udp" or "icmp"/],
  ['Log not a boolean', (d) => ((d.Tenants[0].Policies[0].Rules[2].Log = 'yes'), d), [`${R(2)}.Log`], /must be true or false/],
  ['From on an out rule', (d) => ((d.Tenants[0].Policies[0].Rules[0].Direction = 'out'), d), [`${R(0)}.From`], /Direction is "out" \(use To\)/],
  ['ToIpAddress on an in rule', (d) => addRule(d, { Priority: 30, Direction: 'in', Action: 'deny', ToIpAddress: '10.0.0.1' }), [`${R(3)}.ToIpAddress`], /use FromIpAddress/],
  ['two peers in one rule', (d) => ((d.Tenants[0].Policies[0].Rules[0].FromNetwork = 'orange'), d), [`${R(0)}.FromNetwork`], /at most one peer \(it also has From\)/],
  ['an endpoint Groups entry not a string', (d) => ((d.Tenants[0].Networks[0].Endpoints[0].Groups = [7]), d), [`${T0}.Networks[0].Endpoints[0].Groups[0]`], /must be a non-empty string/],
  [
    'same Priority, different Actions, same peer',
    (d) => addRule(d, { Priority: 20, Direction: 'in', Action: 'deny', From: 'web' }),
    [`${R(3)}.Priority`],
    /rules \$\.Tenants\[0\]\.Policies\[0\]\.Rules\[0\] \(allow\) and \$\.Tenants\[0\]\.Policies\[0\]\.Rules\[3\] \(deny\) have the same Priority 20 and can match the same packet \(both apply to group "db"\)/,
  ],
  [
    'same Priority across two policies of one group, cidr inside a fixed subnet',
    (d) => {
      d.Tenants[0].Groups[1].Policies.push('more');
      d.Tenants[0].Policies.push({ Name: 'more', Rules: [{ Priority: 10, Direction: 'in', Action: 'deny', FromNetwork: 'purple' }] });
      d.Tenants[0].Policies[0].Rules[1] = { Priority: 10, Direction: 'in', Action: 'allow', FromIpAddress: '11.2.0.7' };
      return d;
    },
    [`${T0}.Policies[1].Rules[0].Priority`],
    /Rules\[1\] \(allow\) and .*Policies\[1\]\.Rules\[0\] \(deny\) have the same Priority 10/,
  ],
  [
    'same Priority, port ranges that intersect',
    (d) => addRule(d, { Priority: 20, Direction: 'in', Action: 'deny', Protocol: 'tcp', Port: '5000-6000' }),
    [`${R(3)}.Priority`],
    /same Priority 20/,
  ],
  [
    'same Priority, two groups an endpoint belongs to both of',
    (d) => {
      d.Tenants[0].Networks[0].Endpoints[0].Groups = ['web', 'db'];
      return addRule(d, { Priority: 20, Direction: 'in', Action: 'deny', From: 'db' });
    },
    [`${R(3)}.Priority`],
    /same Priority 20/,
  ],
];

describe('bad policy intents', () => {
  it('the base intent is valid', () => {
    expect(problemsOf(base())).toEqual([]);
  });

  it.each(rows)('%s', (_name, mutate, paths, reason) => {
    const problems = problemsOf(mutate(base()));
    expect(problems.map((p) => p.path)).toEqual(paths);
    expect(problems[0].reason).toMatch(reason);
  });
});

describe('rules of equal Priority that cannot meet are accepted', () => {
  const ok: [string, (d: Json) => Json][] = [
    ['same action', (d) => addRule(d, { Priority: 20, Direction: 'in', Action: 'allow', From: 'db' })],
    ['other direction', (d) => addRule(d, { Priority: 20, Direction: 'out', Action: 'deny' })],
    ['other protocol', (d) => addRule(d, { Priority: 20, Direction: 'in', Action: 'deny', Protocol: 'udp' })],
    ['disjoint ports', (d) => addRule(d, { Priority: 20, Direction: 'in', Action: 'deny', Protocol: 'tcp', Port: '5433-6000' })],
    ['disjoint cidrs', (d) => addRule(d, { Priority: 10, Direction: 'in', Action: 'deny', FromIpAddress: '10.10.0.0/16' })],
    ['two networks', (d) => {
      d.Tenants[0].Policies[0].Rules[1] = { Priority: 10, Direction: 'in', Action: 'allow', FromNetwork: 'orange' };
      return addRule(d, { Priority: 10, Direction: 'in', Action: 'deny', FromNetwork: 'purple' });
    }],
    ['a cidr outside the fixed subnet of a network', (d) => {
      d.Tenants[0].Policies[0].Rules[1] = { Priority: 10, Direction: 'in', Action: 'allow', FromNetwork: 'purple' };
      return addRule(d, { Priority: 10, Direction: 'in', Action: 'deny', FromIpAddress: '11.3.0.0/24' });
    }],
    ['a cidr outside the pool a network gets its subnet from', (d) => {
      d.Tenants[0].Policies[0].Rules[1] = { Priority: 10, Direction: 'in', Action: 'allow', FromNetwork: 'orange' };
      return addRule(d, { Priority: 10, Direction: 'in', Action: 'deny', FromIpAddress: '12.0.0.0/8' });
    }],
    ['two groups no endpoint shares', (d) => addRule(d, { Priority: 20, Direction: 'in', Action: 'deny', From: 'db' })],
    ['policies applied to different groups', (d) => {
      d.Tenants[0].Groups[0].Policies = ['web-in'];
      d.Tenants[0].Policies.push({ Name: 'web-in', Rules: [{ Priority: 20, Direction: 'in', Action: 'deny' }] });
      return d;
    }],
    ['a policy no group lists', (d) => (d.Tenants[0].Policies.push({ Name: 'unused', Rules: [{ Priority: 20, Direction: 'in', Action: 'deny' }] }), d)],
  ];
  it.each(ok)('%s', (_name, mutate) => {
    expect(problemsOf(mutate(base()))).toEqual([]);
  });

  it('the same rule pair is refused once it can meet (positive control for "disjoint cidrs")', () => {
    const d = addRule(base(), { Priority: 10, Direction: 'in', Action: 'deny', FromIpAddress: '10.9.128.0/17' });
    expect(problemsOf(d).map((p) => p.path)).toEqual([`${R(3)}.Priority`]);
  });
});

describe('conflict reports stay bounded', () => {
  it('names each clashing rule once, against the first earlier rule it meets', () => {
    const d = base();
    d.Tenants[0].Policies[0].Rules = Array.from({ length: 6 }, (_, i) => ({ Priority: 5, Direction: 'in', Action: i % 2 === 0 ? 'allow' : 'deny' }));
    const problems = problemsOf(d);
    expect(problems.map((p) => p.path)).toEqual([1, 2, 3, 4, 5].map((k) => `${R(k)}.Priority`));
    expect(problems[1].reason).toMatch(/^rules \$\.Tenants\[0\]\.Policies\[0\]\.Rules\[1\] \(deny\) and \$\.Tenants\[0\]\.Policies\[0\]\.Rules\[2\] \(allow\)/);
  });

  it('checks 4,000 rules of one priority (4 million allow-deny pairs) in under 3 s', () => {
    const d = base();
    d.Tenants[0].Policies[0].Rules = Array.from({ length: 4000 }, (_, i) => ({ Priority: 5, Direction: 'in', Action: i % 2 === 0 ? 'allow' : 'deny', Protocol: 'tcp', Port: i + 1 }));
    const t0 = performance.now();
    expect(problemsOf(d)).toEqual([]);
    expect(performance.now() - t0).toBeLessThan(3000);
  });
});
