import { describe, expect, it } from 'vitest';
import { intentProblems } from '../../test/helpers/intent-problems.js';
import { toClassicJson } from './normalize.js';
import { parseIntent } from './parse.js';
import type { Intent } from './types.js';

type Json = Record<string, any>;

/** A valid intent with one network, one endpoint and one group, each row adds QoS keys to. */
function base(): Json {
  return {
    Tenants: [
      {
        Name: 't',
        SubnetPool: '11.1.0.0/16',
        Networks: [{ Name: 'n', Endpoints: [{ Container: 'c1', Groups: ['g'] }, { Container: 'c2' }] }],
        Groups: [{ Name: 'g' }, { Name: 'lonely' }],
      },
    ],
  };
}

const N = '$.Tenants[0].Networks[0]';
const E = `${N}.Endpoints[0]`;
const G = '$.Tenants[0].Groups[0]';

function parsed(d: Json): Intent {
  const p = parseIntent(JSON.stringify(d));
  if (!p.ok) throw new Error(JSON.stringify(p.problems));
  return p.intent;
}

describe('QoS intent keys', () => {
  it('reads Bandwidth and Dscp on a network, a group and an endpoint, and Shared on a group', () => {
    const d = base();
    d.Tenants[0].Networks[0].Bandwidth = { EgressRate: '50M', EgressBurst: '40M', IngressRate: '20M', IngressBurst: '16M' };
    d.Tenants[0].Networks[0].Dscp = 0;
    d.Tenants[0].Groups[0] = { Name: 'g', Bandwidth: { EgressRate: 10_000_000 }, Shared: true, Dscp: 'trust' };
    d.Tenants[0].Networks[0].Endpoints[0].Bandwidth = { IngressRate: '1.5G' };
    d.Tenants[0].Networks[0].Endpoints[0].Dscp = '46';
    const t = parsed(d).tenants[0];
    expect(t.networks[0].qos).toEqual({ bandwidth: { egress: { rate: 50e6, burst: 40e6 }, ingress: { rate: 20e6, burst: 16e6 } }, dscp: 0 });
    expect(t.groups![0]).toEqual({ name: 'g', policies: [], qos: { bandwidth: { egress: { rate: 10e6, burst: 8e6 } }, shared: true, dscp: 'trust' } });
    expect(t.networks[0].endpoints[0].qos).toEqual({ bandwidth: { ingress: { rate: 1.5e9, burst: 1.2e9 } }, dscp: 46 });
    // Nothing written, nothing stored.
    expect(t.networks[0].endpoints[1]).not.toHaveProperty('qos');
    expect(t.groups![1]).not.toHaveProperty('qos');
  });

  it('matches the keys case-insensitively, and treats null, "" and an empty Bandwidth as unset', () => {
    const d = base();
    d.Tenants[0].Networks[0].bandwidth = { egressrate: '5M', INGRESSRATE: null, IngressBurst: '' };
    d.Tenants[0].Networks[0].DSCP = 8;
    d.Tenants[0].Networks[0].Endpoints[0].Bandwidth = {};
    d.Tenants[0].Networks[0].Endpoints[0].Dscp = null;
    d.Tenants[0].Groups[0].shared = false;
    const t = parsed(d).tenants[0];
    expect(t.networks[0].qos).toEqual({ bandwidth: { egress: { rate: 5e6, burst: 4e6 } }, dscp: 8 });
    expect(t.networks[0].endpoints[0]).not.toHaveProperty('qos');
    expect(t.groups![0].qos).toEqual({ shared: false });
  });

  it('accepts the bounds: 1k and 4000G', () => {
    const d = base();
    d.Tenants[0].Networks[0].Bandwidth = { EgressRate: '1k', EgressBurst: 1000, IngressRate: '4000G', IngressBurst: '4000G' };
    expect(intentProblems(d)).toEqual([]);
  });

  it('a limit on a group with no members anywhere is fine', () => {
    const d = base();
    d.Tenants[0].Groups[1] = { Name: 'lonely', Bandwidth: { EgressRate: '1M' }, Shared: true };
    expect(intentProblems(d)).toEqual([]);
  });
});

const rows: [string, (d: Json) => void, string, RegExp][] = [
  ['unparsable rate', (d) => (d.Tenants[0].Networks[0].Bandwidth = { EgressRate: 'fast' }), `${N}.Bandwidth.EgressRate`, /"fast" is not a rate: write bits as a number, or with a suffix k, M or G/],
  ['unknown suffix', (d) => (d.Tenants[0].Networks[0].Bandwidth = { IngressRate: '10X' }), `${N}.Bandwidth.IngressRate`, /"10X" is not a rate/],
  ['negative rate string', (d) => (d.Tenants[0].Networks[0].Bandwidth = { EgressRate: '-5M' }), `${N}.Bandwidth.EgressRate`, /^must be positive \(got "-5M"\)$/],
  ['negative rate number', (d) => (d.Tenants[0].Groups[0].Bandwidth = { EgressRate: -5 }), `${G}.Bandwidth.EgressRate`, /^must be positive \(got -5\)$/],
  ['zero rate', (d) => (d.Tenants[0].Networks[0].Endpoints[0].Bandwidth = { EgressRate: 0 }), `${E}.Bandwidth.EgressRate`, /^must be positive \(got 0\)$/],
  ['zero rate as text', (d) => (d.Tenants[0].Networks[0].Bandwidth = { EgressRate: '0M' }), `${N}.Bandwidth.EgressRate`, /^must be positive \(got 0\)$/],
  ['rate below 1k', (d) => (d.Tenants[0].Networks[0].Bandwidth = { EgressRate: '0.5k' }), `${N}.Bandwidth.EgressRate`, /500 bits\/s is below the minimum 1k \(1000 bits\/s\): meters count kbit/],
  ['rate above 4000G', (d) => (d.Tenants[0].Networks[0].Bandwidth = { IngressRate: '4001G' }), `${N}.Bandwidth.IngressRate`, /above the maximum 4000G/],
  ['rate of the wrong type', (d) => (d.Tenants[0].Networks[0].Bandwidth = { EgressRate: true }), `${N}.Bandwidth.EgressRate`, /must be a number or a string like "50M" \(got boolean\)/],
  ['burst without its rate', (d) => (d.Tenants[0].Networks[0].Bandwidth = { EgressBurst: '40M', IngressRate: '1M' }), `${N}.Bandwidth.EgressBurst`, /EgressBurst needs EgressRate: a burst belongs to a limit/],
  ['ingress burst without its rate', (d) => (d.Tenants[0].Groups[0].Bandwidth = { IngressBurst: '4M' }), `${G}.Bandwidth.IngressBurst`, /IngressBurst needs IngressRate/],
  ['burst below 1k', (d) => (d.Tenants[0].Networks[0].Bandwidth = { EgressRate: '1M', EgressBurst: 999 }), `${N}.Bandwidth.EgressBurst`, /999 bits is below the minimum 1k/],
  ['burst unparsable', (d) => (d.Tenants[0].Networks[0].Bandwidth = { EgressRate: '1M', EgressBurst: 'lots' }), `${N}.Bandwidth.EgressBurst`, /"lots" is not a rate/],
  ['unknown key inside Bandwidth', (d) => (d.Tenants[0].Networks[0].Bandwidth = { EgressRate: '1M', Rate: '1M' }), `${N}.Bandwidth.Rate`, /^unknown key$/],
  ['Bandwidth not an object', (d) => (d.Tenants[0].Networks[0].Bandwidth = '50M'), `${N}.Bandwidth`, /^must be an object$/],
  ['Dscp above 63', (d) => (d.Tenants[0].Networks[0].Dscp = 64), `${N}.Dscp`, /must be an integer 0-63 or "trust" \(got 64\)/],
  ['Dscp negative', (d) => (d.Tenants[0].Groups[0].Dscp = -1), `${G}.Dscp`, /must be an integer 0-63 or "trust" \(got -1\)/],
  ['Dscp not an integer', (d) => (d.Tenants[0].Networks[0].Endpoints[0].Dscp = 4.5), `${E}.Dscp`, /must be an integer 0-63 or "trust" \(got 4.5\)/],
  ['Dscp another string', (d) => (d.Tenants[0].Networks[0].Dscp = 'ef'), `${N}.Dscp`, /must be an integer 0-63 or "trust" \(got "ef"\)/],
  ['Dscp trust in capitals', (d) => (d.Tenants[0].Networks[0].Dscp = 'TRUST'), `${N}.Dscp`, /\(got "TRUST"\)/],
  ['Shared not a boolean', (d) => (d.Tenants[0].Groups[0].Shared = 'yes'), `${G}.Shared`, /^must be true or false$/],
  ['Shared on a network', (d) => (d.Tenants[0].Networks[0].Shared = true), `${N}.Shared`, /Shared is a key of Groups only: a network's Bandwidth is already one limit per endpoint/],
  ['Shared on an endpoint', (d) => (d.Tenants[0].Networks[0].Endpoints[0].Shared = false), `${E}.Shared`, /Shared is a key of Groups only: an endpoint's Bandwidth/],
];

describe('bad QoS input', () => {
  it.each(rows)('%s: one problem at its field, and the intent is refused', (_name, mutate, path, reason) => {
    const d = base();
    mutate(d);
    const problems = intentProblems(d);
    expect(problems).toEqual([{ path, reason: expect.stringMatching(reason) }]);
    expect(parseIntent(JSON.stringify(d)).ok).toBe(false);
  });

  it('reports every QoS problem at once, along with other problems', () => {
    const d = base();
    d.Tenants[0].Networks[0].Bandwidth = { EgressRate: 'fast', IngressBurst: '1M' };
    d.Tenants[0].Networks[0].Dscp = 99;
    d.Tenants[0].Groups[0].Shared = 1;
    d.Tenants[0].Networks[0].Endpoints[1].IpAddress = '12.0.0.1';
    expect(intentProblems(d).map((p) => p.path)).toEqual([
      `${N}.Bandwidth.EgressRate`,
      `${N}.Bandwidth.IngressBurst`,
      `${N}.Dscp`,
      `${G}.Shared`,
      `${N}.Endpoints[1].IpAddress`,
    ]);
  });
});

describe('QoS written back (toClassicJson)', () => {
  it('writes the keys with suffixed rates, and reads back to the same intent', () => {
    const d = base();
    d.Tenants[0].Networks[0].Bandwidth = { EgressRate: '50M', IngressRate: 1_234_567 };
    d.Tenants[0].Networks[0].Dscp = 'trust';
    d.Tenants[0].Groups[0] = { Name: 'g', Bandwidth: { EgressRate: '1.5G', EgressBurst: '1M' }, Shared: true };
    d.Tenants[0].Networks[0].Endpoints[0].Dscp = 0;
    const intent = parsed(d);
    const classic = toClassicJson(intent) as Json;
    const t = classic.Tenants[0];
    expect(t.Networks[0].Bandwidth).toEqual({ EgressRate: '50M', EgressBurst: '40M', IngressRate: 1_234_567, IngressBurst: 987_654 });
    expect(t.Networks[0].Dscp).toBe('trust');
    expect(t.Networks[0].Endpoints[0]).toEqual({ Container: 'c1', Groups: ['g'], Dscp: 0 });
    expect(t.Groups[0]).toEqual({ Name: 'g', Bandwidth: { EgressRate: '1.5G', EgressBurst: '1M' }, Shared: true });
    expect(parseIntent(JSON.stringify(classic))).toEqual({ ok: true, intent });
  });
});
