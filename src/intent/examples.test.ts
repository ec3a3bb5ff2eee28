import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { allocate } from './allocate.js';
import { parseIntent } from './parse.js';
import { diffState, formatPlan } from './plan.js';
import { validateIntent } from './validate.js';

const dir = fileURLToPath(new URL('../../examples/', import.meta.url));
/** The JSON block under "A quick example" in the original README, dedented by 4 spaces. */
const QUICK_EXAMPLE = `{
    "Tenants" : [{
        "Name"                      : "tenant-one",
        "DefaultNetType"            : "vlan",
        "SubnetPool"                : "11.1.0.0/16",
        "AllocSubnetLen"            : 24,
        "Vlans"                     : "11-28",
        "Networks"  : [{
            "Name"                  : "orange",
            "Endpoints" : [{
                "Host"              : "host1",
                "Container"         : "myContainer1"
            }, {
                "Host"              : "host1",
                "Container"         : "myContainer2"
            }]
        }]
    }]
}
`;

describe('examples/', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

  it('holds the required examples', () => {
    expect(files).toEqual(expect.arrayContaining(['one_host_vlan.json', 'one_host_multiple_nets.json', 'multiple_eps_in_container.json', 'none.json']));
  });

  it.each(files)('%s parses, validates and allocates', (f) => {
    const p = parseIntent(readFileSync(dir + f, 'utf8'));
    if (!p.ok) throw new Error(JSON.stringify(p.problems));
    expect(validateIntent(p.intent)).toEqual([]);
    const a = allocate(p.intent, undefined);
    if (!a.ok) throw new Error(JSON.stringify(a.problems));
    const eps = p.intent.tenants.flatMap((t) => t.networks.flatMap((n) => n.endpoints));
    expect(a.state.endpoints).toHaveLength(eps.length);
    expect(formatPlan(diffState(undefined, a.state), undefined, a.state)).toMatch(f === 'none.json' ? /^no changes/ : /^\+ /);
  });

  it('one_host_vlan.json is the README quick example byte for byte', () => {
    expect(readFileSync(dir + 'one_host_vlan.json', 'utf8')).toBe(QUICK_EXAMPLE);
  });

  it('one_host_vlan.json allocates the classic result', () => {
    const p = parseIntent(readFileSync(dir + 'one_host_vlan.json', 'utf8'));
    if (!p.ok) throw new Error('parse');
    const a = allocate(p.intent, undefined);
    if (!a.ok) throw new Error('allocate');
    expect(a.state.networks).toEqual([
      { id: 'tenant-one/orange', tenant: 'tenant-one', name: 'orange', pktTagType: 'vlan', pktTag: 11, subnet: '11.1.0.0/24', gateway: '11.1.0.1', mtu: 1500 },
    ]);
    expect(a.state.endpoints.map((e) => [e.id, e.ip, e.mac, e.host])).toEqual([
      ['tenant-one/orange/myContainer1', '11.1.0.2', '02:02:0b:01:00:02', 'host1'],
      ['tenant-one/orange/myContainer2', '11.1.0.3', '02:02:0b:01:00:03', 'host1'],
    ]);
  });

  it('multiple_eps_in_container.json gives the container one address per network', () => {
    const p = parseIntent(readFileSync(dir + 'multiple_eps_in_container.json', 'utf8'));
    if (!p.ok) throw new Error('parse');
    const a = allocate(p.intent, undefined);
    if (!a.ok) throw new Error('allocate');
    const mine = a.state.endpoints.filter((e) => e.container === 'myContainer1');
    expect(mine.map((e) => [e.network, e.ip])).toEqual([
      ['orange', '11.1.0.2'],
      ['purple', '11.1.1.2'],
    ]);
  });
});
