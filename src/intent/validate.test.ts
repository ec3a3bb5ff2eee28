import { describe, expect, it } from 'vitest';
import { parseIntent } from './parse.js';
import { validateIntent } from './validate.js';
import { intentProblems } from '../../test/helpers/intent-problems.js';

type Json = Record<string, any>;

/** A valid two-network intent each row breaks in one way. */
function base(): Json {
  return {
    Hosts: [{ Name: 'host1', Intf: 'eth2', VtepIp: '192.168.2.10' }, { Name: 'host2' }],
    Tenants: [
      {
        Name: 'tenant-one',
        DefaultNetType: 'vlan',
        SubnetPool: '11.1.0.0/16',
        AllocSubnetLen: 24,
        Vlans: '11-28',
        Vxlans: '10001-10010',
        Networks: [
          { Name: 'orange', Endpoints: [{ Container: 'c1', Host: 'host1' }, { Container: 'c2', Host: 'host1' }] },
          { Name: 'purple', SubnetCIDR: '11.2.0.0/24', Endpoints: [{ Container: 'c3', IpAddress: '11.2.0.10' }] },
        ],
      },
      {
        Name: 'tenant-two',
        SubnetPool: '11.1.0.0/16',
        Vlans: '30-40',
        Networks: [{ Name: 'orange', Endpoints: [{ Container: 'c4' }] }],
      },
    ],
    HostBindings: [{ Container: 'c4', Host: 'host2' }],
  };
}

const problemsOf = intentProblems;

const T0 = '$.Tenants[0]';
const N0 = `${T0}.Networks[0]`;
const N1 = `${T0}.Networks[1]`;

const rows: [string, (d: Json) => Json | string, string[], RegExp?][] = [
  ['malformed JSON', () => '{"Tenants": [', ['$'], /line 1 column 14/],
  ['top level an array', () => '[]', ['$.Tenants'], /must be a JSON object with a "Tenants" array, not an array/],
  ['top level a string', () => '"hello"', ['$.Tenants'], /must be a JSON object with a "Tenants" array, not a string/],
  ['top level null', () => 'null', ['$.Tenants'], /not null/],
  ['top level without Tenants', () => '{"Hosts": []}', ['$.Tenants'], /required: a whole intent must list its "Tenants" \("Tenants": \[\] removes every tenant\)/],
  ['unknown key deep inside', (d) => ((d.Tenants[0].Networks[0].Colour = 'red'), d), [`${N0}.Colour`], /unknown key/],
  ['unknown top-level key', (d) => ((d.Tenant = []), d), ['$.Tenant'], /unknown key/],
  ['same key in two spellings', (d) => ((d.Tenants[0].name = 'x'), d), [`${T0}.Name`], /duplicate key/],
  ['Name wrong type', (d) => ((d.Tenants[0].Name = 5), d), [`${T0}.Name`], /must be a string/],
  ['Networks wrong type', (d) => ((d.Tenants[0].Networks = {}), d), [`${T0}.Networks`], /must be an array/],
  ['AllocSubnetLen not a number', (d) => ((d.Tenants[0].AllocSubnetLen = 'big'), d), [`${T0}.AllocSubnetLen`], /integer/],
  ['network Name missing', (d) => (delete d.Tenants[0].Networks[0].Name, d), [`${N0}.Name`], /required/],
  ['endpoint Container missing', (d) => (delete d.Tenants[0].Networks[0].Endpoints[1].Container, d), [`${N0}.Endpoints[1].Container`], /required/],
  ['bad DefaultNetType', (d) => ((d.Tenants[0].DefaultNetType = 'gre'), d), [`${T0}.DefaultNetType`], /"vlan" or "vxlan"/],
  ['bad PktTagType', (d) => ((d.Tenants[0].Networks[0].PktTagType = 'vlam'), d), [`${N0}.PktTagType`], /"vlan" or "vxlan"/],
  ['SubnetPool syntax', (d) => ((d.Tenants[0].SubnetPool = '11.1.0/16'), d), [`${T0}.SubnetPool`], /bad IPv4/],
  ['SubnetPool host bits set', (d) => ((d.Tenants[0].SubnetPool = '11.1.0.1/16'), d), [`${T0}.SubnetPool`], /host bits/],
  ['pool smaller than AllocSubnetLen', (d) => ((d.Tenants[0].SubnetPool = '11.1.0.0/25'), d), [`${T0}.AllocSubnetLen`], /smaller than \/24/],
  ['AllocSubnetLen above 30', (d) => ((d.Tenants[0].AllocSubnetLen = 31), d), [`${T0}.AllocSubnetLen`], /must be 16-30/],
  ['VLAN range above 4094', (d) => ((d.Tenants[0].Vlans = '4000-4095'), d), [`${T0}.Vlans`], /outside 1-4094/],
  ['VLAN 0', (d) => ((d.Tenants[0].Vlans = '0,5'), d), [`${T0}.Vlans`], /outside 1-4094/],
  ['reversed range', (d) => ((d.Tenants[0].Vlans = '28-11'), d), [`${T0}.Vlans`], /reversed/],
  ['garbage range', (d) => ((d.Tenants[0].Vlans = '11-x'), d), [`${T0}.Vlans`], /bad range/],
  ['VXLAN range above 24 bits', (d) => ((d.Tenants[0].Vxlans = '16777215-16777216'), d), [`${T0}.Vxlans`], /outside 1-16777215/],
  ['PktTag outside tenant range', (d) => ((d.Tenants[0].Networks[0].PktTag = 40), d), [`${N0}.PktTag`], /outside the tenant's Vlans "11-28"/],
  ['PktTag wrong for its type', (d) => ((d.Tenants[0].Networks[0].PktTag = 10005), d), [`${N0}.PktTag`], /VLAN 10005 outside 1-4094/],
  ['VXLAN PktTag outside Vxlans', (d) => ((d.Tenants[0].Networks[0].PktTagType = 'vxlan'), (d.Tenants[0].Networks[0].PktTag = 20000), d), [`${N0}.PktTag`], /outside the tenant's Vxlans/],
  ['VLAN used twice across tenants', (d) => ((d.Tenants[0].Networks[0].PktTag = '12'), (d.Tenants[1].Vlans = '1-40'), (d.Tenants[1].Networks[0].PktTag = 12), d), ['$.Tenants[1].Networks[0].PktTag'], /already used by \$\.Tenants\[0\]\.Networks\[0\]/],
  ['bad SubnetCIDR', (d) => ((d.Tenants[0].Networks[1].SubnetCIDR = '11.2.0.0/33'), d), [`${N1}.SubnetCIDR`], /prefix length/],
  ['SubnetCIDR host bits', (d) => ((d.Tenants[0].Networks[1].SubnetCIDR = '11.2.0.5/24'), d), [`${N1}.SubnetCIDR`], /host bits/],
  ['SubnetCIDR overlaps in tenant', (d) => ((d.Tenants[0].Networks[0].SubnetCIDR = '11.2.0.0/16'), d), [`${N1}.SubnetCIDR`], /overlaps 11\.2\.0\.0\/16 of \$\.Tenants\[0\]\.Networks\[0\]/],
  ['static IP outside subnet', (d) => ((d.Tenants[0].Networks[1].Endpoints[0].IpAddress = '11.3.0.10'), d), [`${N1}.Endpoints[0].IpAddress`], /outside the subnet 11\.2\.0\.0\/24/],
  ['static IP is network address', (d) => ((d.Tenants[0].Networks[1].Endpoints[0].IpAddress = '11.2.0.0'), d), [`${N1}.Endpoints[0].IpAddress`], /network address/],
  ['static IP is broadcast', (d) => ((d.Tenants[0].Networks[1].Endpoints[0].IpAddress = '11.2.0.255'), d), [`${N1}.Endpoints[0].IpAddress`], /broadcast/],
  ['static IP is the default gateway', (d) => ((d.Tenants[0].Networks[1].Endpoints[0].IpAddress = '11.2.0.1'), d), [`${N1}.Endpoints[0].IpAddress`], /gateway/],
  ['static IP is the given gateway', (d) => ((d.Tenants[0].Networks[1].DefaultGw = '11.2.0.10'), d), [`${N1}.Endpoints[0].IpAddress`], /gateway/],
  ['static IP used twice', (d) => (d.Tenants[0].Networks[1].Endpoints.push({ Container: 'c9', IpAddress: '11.2.0.10' }), d), [`${N1}.Endpoints[1].IpAddress`], /already used/],
  ['static IP not an address', (d) => ((d.Tenants[0].Networks[1].Endpoints[0].IpAddress = '11.2.0.300'), d), [`${N1}.Endpoints[0].IpAddress`], /not an IPv4/],
  ['static IP outside pool, no SubnetCIDR', (d) => ((d.Tenants[0].Networks[0].Endpoints[0].IpAddress = '12.0.0.5'), d), [`${N0}.Endpoints[0].IpAddress`], /^IpAddress 12\.0\.0\.5 is outside the tenant's SubnetPool/],
  ['gateway outside subnet', (d) => ((d.Tenants[0].Networks[1].DefaultGw = '11.9.0.1'), d), [`${N1}.DefaultGw`], /^DefaultGw 11\.9\.0\.1 is outside the subnet 11\.2\.0\.0\/24$/],
  ['gateway outside pool, no SubnetCIDR', (d) => ((d.Tenants[0].Networks[0].DefaultGw = '12.0.0.1'), d), [`${N0}.DefaultGw`], /^DefaultGw 12\.0\.0\.1 is outside the tenant's SubnetPool 11\.1\.0\.0\/16/],
  ['Gateway not a known mode', (d) => ((d.Tenants[0].Networks[0].Gateway = 'router'), d), [`${N0}.Gateway`], /^must be "distributed" or "external" \(got "router"\)$/],
  ['Gateway in another case', (d) => ((d.Tenants[0].Networks[0].Gateway = 'External'), d), [`${N0}.Gateway`], /^must be "distributed" or "external" \(got "External"\)$/],
  ['Gateway not a string', (d) => ((d.Tenants[0].Networks[0].Gateway = true), d), [`${N0}.Gateway`], /^must be "distributed" or "external" \(got true\)$/],
  ['External not a known mode', (d) => ((d.Tenants[0].Networks[1].External = 'masquerade'), d), [`${N1}.External`], /^must be "snat" or "none" \(got "masquerade"\)$/],
  [
    'external Gateway on a network made VXLAN by PktTagType',
    (d) => ((d.Tenants[0].Networks[0].PktTagType = 'vxlan'), (d.Tenants[0].Networks[0].Gateway = 'external'), d),
    [`${N0}.Gateway`],
    /^Gateway "external" needs a VLAN network, and this network is VXLAN \(its PktTagType\): an external gateway is a hand-off to a physical router on the VLAN trunk/,
  ],
  [
    'external Gateway on a network made VXLAN by the tenant default',
    (d) => ((d.Tenants[0].DefaultNetType = 'vxlan'), (d.Tenants[0].Networks[1].Gateway = 'external'), d),
    [`${N1}.Gateway`],
    /^Gateway "external" needs a VLAN network, and this network is VXLAN \(the tenant's DefaultNetType\)/,
  ],
  ['gateway is broadcast', (d) => ((d.Tenants[0].Networks[1].DefaultGw = '11.2.0.255'), d), [`${N1}.DefaultGw`], /broadcast/],
  ['duplicate tenant', (d) => ((d.Tenants[1].Name = 'tenant-one'), d), ['$.Tenants[1].Name'], /duplicate tenant name/],
  ['duplicate network', (d) => ((d.Tenants[0].Networks[1].Name = 'orange'), d), [`${N1}.Name`], /duplicate network name/],
  ['same container twice in one network', (d) => ((d.Tenants[0].Networks[0].Endpoints[1].Container = 'c1'), d), [`${N0}.Endpoints[1].Container`], /appears twice/],
  ['name with a slash', (d) => ((d.Tenants[0].Networks[0].Name = 'a/b'), d), [`${N0}.Name`], /'\/'/],
  ['endpoint host not in Hosts', (d) => ((d.Tenants[0].Networks[0].Endpoints[0].Host = 'host9'), d), [`${N0}.Endpoints[0].Host`], /unknown host "host9"/],
  ['container on two hosts', (d) => ((d.HostBindings[0].Container = 'c1'), d), ['$.HostBindings[0].Host'], /placed on host "host1"/],
  ['binding names unknown container', (d) => ((d.HostBindings[0].Container = 'ghost'), d), ['$.HostBindings[0].Container'], /unknown container/],
  ['binding names unknown host', (d) => ((d.HostBindings[0].Host = 'host7'), d), ['$.HostBindings[0].Host'], /unknown host/],
  ['duplicate host', (d) => ((d.Hosts[1].Name = 'host1'), (d.HostBindings[0].Host = 'host1'), d), ['$.Hosts[1].Name'], /duplicate host name/],
  ['bad VtepIp', (d) => ((d.Hosts[1].VtepIp = 'nope'), d), ['$.Hosts[1].VtepIp'], /not an IPv4/],
  ['no pool and no SubnetCIDR', (d) => (delete d.Tenants[1].SubnetPool, d), ['$.Tenants[1].Networks[0]'], /SubnetPool or SubnetCIDR required/],
  [
    'pool exhausted',
    (d) => ((d.Tenants[0].SubnetPool = '11.1.0.0/24'), d.Tenants[0].Networks.push({ Name: 'n3' }), d),
    [`${T0}.SubnetPool`],
    /pool 11\.1\.0\.0\/24 of tenant "tenant-one" cannot fit 2 networks of \/24 \(the first that does not fit is \$\.Tenants\[0\]\.Networks\[2\]\); widen SubnetPool or raise AllocSubnetLen/,
  ],
  ['VLAN range exhausted', (d) => ((d.Tenants[0].Vlans = '11'), d.Tenants[0].Networks.push({ Name: 'n3' }), d), [`${T0}.Vlans`], /VLAN range 11 of tenant "tenant-one" exhausted at \$\.Tenants\[0\]\.Networks\[1\].*widen Vlans/],
  [
    'VXLAN range exhausted',
    (d) => ((d.Tenants[0].DefaultNetType = 'vxlan'), (d.Tenants[0].Vxlans = '10001'), d),
    [`${T0}.Vxlans`],
    /VXLAN range 10001 of tenant "tenant-one" exhausted at \$\.Tenants\[0\]\.Networks\[1\].*widen Vxlans/,
  ],
  [
    'addresses exhausted',
    (d) => ((d.Tenants[0].Networks[1].SubnetCIDR = '11.2.0.0/30'), (d.Tenants[0].Networks[1].Endpoints = [{ Container: 'a' }, { Container: 'b' }]), d),
    [`${N1}.SubnetCIDR`],
    /no free address in 11\.2\.0\.0\/30 for container "b" \(\$\.Tenants\[0\]\.Networks\[1\]\.Endpoints\[1\]\); give the network a larger SubnetCIDR/,
  ],
  [
    'addresses exhausted in a carved subnet',
    (d) => ((d.Tenants[0].AllocSubnetLen = 30), (d.Tenants[0].Networks[0].Endpoints.push({ Container: 'c9' })), d),
    [`${T0}.AllocSubnetLen`],
    /no free address in 11\.1\.0\.0\/30 for container "c2" \(\$\.Tenants\[0\]\.Networks\[0\]\.Endpoints\[1\]\); lower AllocSubnetLen/,
  ],
  ['SubnetPool 0.0.0.0/0', (d) => ((d.Tenants[0].SubnetPool = '0.0.0.0/0'), (d.Tenants[0].AllocSubnetLen = 24), d), [`${T0}.SubnetPool`], /SubnetPool 0\.0\.0\.0\/0 is every IPv4 address \(the default route\); pools and subnets must be unicast and routable/],
  ['SubnetPool inside 0.0.0.0/8', (d) => ((d.Tenants[0].SubnetPool = '0.1.0.0/16'), d), [`${T0}.SubnetPool`], /0\.1\.0\.0\/16 lies in "this network" \(0\.0\.0\.0\/8/],
  ['SubnetPool loopback', (d) => ((d.Tenants[0].SubnetPool = '127.0.0.0/16'), d), [`${T0}.SubnetPool`], /lies in loopback \(127\.0\.0\.0\/8\)/],
  ['SubnetPool link-local', (d) => ((d.Tenants[0].SubnetPool = '169.254.0.0/16'), d), [`${T0}.SubnetPool`], /lies in link-local \(169\.254\.0\.0\/16\)/],
  ['SubnetPool multicast', (d) => ((d.Tenants[0].SubnetPool = '239.1.0.0/16'), d), [`${T0}.SubnetPool`], /lies in multicast \(224\.0\.0\.0\/4\)/],
  ['SubnetPool reserved 240/4', (d) => ((d.Tenants[0].SubnetPool = '250.0.0.0/16'), d), [`${T0}.SubnetPool`], /lies in reserved \(240\.0\.0\.0\/4/],
  ['SubnetPool covering loopback', (d) => ((d.Tenants[0].SubnetPool = '64.0.0.0/2'), d), [`${T0}.SubnetPool`], /64\.0\.0\.0\/2 covers loopback/],
  ['SubnetCIDR link-local', (d) => ((d.Tenants[0].Networks[1].SubnetCIDR = '169.254.1.0/24'), (d.Tenants[0].Networks[1].Endpoints = []), d), [`${N1}.SubnetCIDR`], /SubnetCIDR 169\.254\.1\.0\/24 lies in link-local/],
  ['SubnetCIDR multicast', (d) => ((d.Tenants[0].Networks[1].SubnetCIDR = '224.0.0.0/24'), (d.Tenants[0].Networks[1].Endpoints = []), d), [`${N1}.SubnetCIDR`], /lies in multicast/],
];

describe('bad intents', () => {
  it('the base intent is valid', () => {
    expect(problemsOf(base())).toEqual([]);
  });

  it.each(rows)('%s', (_name, mutate, paths, reason) => {
    const problems = problemsOf(mutate(base()));
    expect(problems.map((p) => p.path)).toEqual(paths);
    if (reason) expect(problems[0].reason).toMatch(reason);
  });

  it('reports every shape problem at once', () => {
    const d = base();
    d.Tenants[0].Colour = 'red';
    d.Tenants[0].DefaultNetType = 'gre';
    delete d.Tenants[0].Networks[0].Name;
    d.Tenants[1].Networks[0].Endpoints[0].Container = 7;
    d.Hosts = 'host1';
    expect(problemsOf(d).map((p) => p.path).sort()).toEqual(
      ['$.Hosts', `${T0}.Colour`, `${T0}.DefaultNetType`, `${N0}.Name`, '$.Tenants[1].Networks[0].Endpoints[0].Container'].sort(),
    );
  });

  it('reports shape and meaning problems together, leaving out those a shape problem makes unreliable', () => {
    const d = base();
    d.Tenants[0].Vlans = '5000-5001';
    d.Tenants[0].Networks[0].Colour = 'red';
    d.Tenants[0].Networks[1].PktTag = 'twelve';
    d.Tenants[0].Networks[1].Endpoints[0].IpAddress = '11.2.0.0';
    d.Tenants[1].DefaultNetType = 'gre';
    d.Tenants[1].Networks[0].PktTag = 12;
    d.Tenants[1].Networks[0].SubnetCIDR = '11.1.0.1/24';
    expect(problemsOf(d)).toEqual([
      { path: `${T0}.Networks[0].Colour`, reason: 'unknown key' },
      { path: `${N1}.PktTag`, reason: 'must be an integer (a number or a numeric string)' },
      { path: '$.Tenants[1].DefaultNetType', reason: 'must be "vlan" or "vxlan" (got "gre")' },
      { path: `${T0}.Vlans`, reason: 'VLAN range "5000-5001" outside 1-4094' },
    ]);
  });

  it('reports every meaning problem at once', () => {
    const d = base();
    d.Tenants[0].Vlans = '28-11';
    d.Tenants[0].Networks[1].SubnetCIDR = '11.2.0.1/24';
    d.Tenants[0].Networks[0].Endpoints[1].Container = 'c1';
    d.Tenants[1].Name = 'tenant-one';
    d.HostBindings.push({ Container: 'nobody', Host: 'host1' });
    expect(problemsOf(d).map((p) => p.path).sort()).toEqual(
      [`${T0}.Vlans`, `${N1}.SubnetCIDR`, `${N0}.Endpoints[1].Container`, '$.Tenants[1].Name', '$.HostBindings[1].Container'].sort(),
    );
  });
});

describe('accepted variations', () => {
  it('matches keys case-insensitively and accepts numeric strings', () => {
    const p = parseIntent('{"tenants":[{"NAME":"t","subnetpool":"10.0.0.0/8","allocsubnetlen":"26","VLANS":"11-28,40,50-60","networks":[{"name":"n","pkttag":"40","ENDPOINTS":[{"container":"c"}]}]}]}');
    if (!p.ok) throw new Error(JSON.stringify(p.problems));
    expect(p.intent.tenants[0]).toMatchObject({ name: 't', subnetPool: '10.0.0.0/8', allocSubnetLen: 26, vlans: '11-28,40,50-60', defaultNetType: 'vlan' });
    expect(p.intent.tenants[0].networks[0]).toMatchObject({ name: 'n', pktTag: 40, endpoints: [{ container: 'c' }] });
    expect(validateIntent(p.intent)).toEqual([]);
  });

  it('reads Gateway and External in any key spelling, and an external gateway on a VLAN network is valid', () => {
    const d = base();
    delete d.Tenants[0].Networks[1].SubnetCIDR;
    d.Tenants[0].Networks[1].Endpoints = [];
    Object.assign(d.Tenants[0].Networks[0], { gateway: 'external', EXTERNAL: 'none' });
    Object.assign(d.Tenants[0].Networks[1], { PktTagType: 'vxlan', Gateway: 'distributed', External: 'snat' });
    const p = parseIntent(JSON.stringify(d));
    if (!p.ok) throw new Error(JSON.stringify(p.problems));
    expect(p.intent.tenants[0].networks.map((n) => [n.gatewayMode, n.external])).toEqual([['external', 'none'], ['distributed', 'snat']]);
    expect(p.intent.tenants[1].networks[0]).not.toHaveProperty('gatewayMode');
    expect(p.intent.tenants[1].networks[0]).not.toHaveProperty('external');
    expect(problemsOf(d)).toEqual([]);
  });

  it('reports a bad Gateway, a bad External and an external VXLAN gateway together, each at its field', () => {
    const d = base();
    d.Tenants[0].Networks[0].Gateway = 'router';
    d.Tenants[0].Networks[1].External = 'nat';
    d.Tenants[1].DefaultNetType = 'vxlan';
    d.Tenants[1].Vxlans = '10001-10010';
    d.Tenants[1].Networks[0].Gateway = 'external';
    expect(problemsOf(d).map((p) => p.path)).toEqual([`${N0}.Gateway`, `${N1}.External`, '$.Tenants[1].Networks[0].Gateway']);
  });

  it('allows the same subnet in two tenants', () => {
    const d = base();
    d.Tenants[1].Networks[0].SubnetCIDR = '11.2.0.0/24';
    expect(problemsOf(d)).toEqual([]);
  });

  it('treats null and empty optional values as unset', () => {
    const p = parseIntent('{"Tenants":[{"Name":"t","SubnetPool":"10.0.0.0/8","Vlans":null,"Vxlans":"","Networks":null}],"Hosts":null}');
    if (!p.ok) throw new Error(JSON.stringify(p.problems));
    expect(p.intent).toEqual({ tenants: [{ name: 't', defaultNetType: 'vlan', subnetPool: '10.0.0.0/8', networks: [] }], hosts: [], hostBindings: [] });
  });
});
