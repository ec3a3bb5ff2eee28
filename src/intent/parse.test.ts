import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { toClassicJson } from './normalize.js';
import { parseIntent } from './parse.js';

const example = readFileSync(fileURLToPath(new URL('../../examples/one_host_vlan.json', import.meta.url)), 'utf8');

describe('parseIntent', () => {
  it('reads the quick example into the typed intent', () => {
    expect(parseIntent(example)).toEqual({
      ok: true,
      intent: {
        tenants: [
          {
            name: 'tenant-one',
            defaultNetType: 'vlan',
            subnetPool: '11.1.0.0/16',
            allocSubnetLen: 24,
            vlans: '11-28',
            networks: [{ name: 'orange', endpoints: [{ container: 'myContainer1', host: 'host1' }, { container: 'myContainer2', host: 'host1' }] }],
          },
        ],
        hosts: [],
        hostBindings: [],
      },
    });
  });

  it('reports a syntax error once, at $, with its position', () => {
    const r = parseIntent('{\n  "Tenants": [\n    {"Name": "t",}\n  ]\n}');
    expect(r).toEqual({ ok: false, problems: [{ path: '$', reason: expect.stringMatching(/^invalid JSON at line 3 column 18 \(offset 34\): expected a key string/) }] });
  });

  it('quotes odd unknown keys in the path', () => {
    const r = parseIntent('{"Tenants":[],"my key":1}');
    expect(r).toEqual({ ok: false, problems: [{ path: '$["my key"]', reason: 'unknown key' }] });
  });

  it('rejects empty and non-integer values for typed keys', () => {
    const r = parseIntent('{"Tenants":[{"Name":"","AllocSubnetLen":24.5,"Networks":[{"Name":"n","PktTag":"-3"}]}],"HostBindings":[{"Container":"c"}]}');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.problems).toEqual([
        { path: '$.Tenants[0].Name', reason: 'must not be empty' },
        { path: '$.Tenants[0].AllocSubnetLen', reason: 'must be an integer (a number or a numeric string)' },
        { path: '$.Tenants[0].Networks[0].PktTag', reason: 'must be an integer (a number or a numeric string)' },
        { path: '$.HostBindings[0].Host', reason: 'required' },
      ]);
    }
  });

  it('accepts enum values in any case and stores them lowercased', () => {
    const r = parseIntent('{"Tenants":[{"Name":"t","DefaultNetType":"VXLAN","SubnetPool":"10.0.0.0/8"}]}');
    expect(r.ok && r.intent.tenants[0].defaultNetType).toBe('vxlan');
  });
});

describe('toClassicJson', () => {
  it('writes an intent back with the classic key spelling, losslessly', () => {
    const text = '{"tenants":[{"name":"t","subnetpool":"10.0.0.0/8","networks":[{"name":"n","pkttag":"7","endpoints":[{"container":"c","ipaddress":"10.0.0.9"}]}]}],"hosts":[{"name":"h","vtepip":"1.2.3.4"}],"hostbindings":[{"container":"c","host":"h"}]}';
    const r = parseIntent(text);
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    const classic = toClassicJson(r.intent);
    expect(classic).toEqual({
      Tenants: [{ Name: 't', DefaultNetType: 'vlan', SubnetPool: '10.0.0.0/8', Networks: [{ Name: 'n', PktTag: 7, Endpoints: [{ Container: 'c', IpAddress: '10.0.0.9' }] }] }],
      Hosts: [{ Name: 'h', VtepIp: '1.2.3.4' }],
      HostBindings: [{ Container: 'c', Host: 'h' }],
    });
    expect(parseIntent(JSON.stringify(classic))).toEqual(r);
  });
});
