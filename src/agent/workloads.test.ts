import { describe, expect, it } from 'vitest';
import type { EndpointState } from '../intent/types.js';
import { withRuntimeEndpoints } from './workloads.js';

const ep = (id: string, extra: Partial<EndpointState> = {}): EndpointState => ({ id, tenant: 't', network: 'n', container: id.split('/')[2], ip: '10.0.0.2', prefixLen: 24, mac: '02:02:0a:00:00:02', ...extra });

describe('withRuntimeEndpoints', () => {
  it('returns the intent\'s own map when there is nothing to add', () => {
    const intent = new Map([['t/n/a', ep('t/n/a')]]);
    expect(withRuntimeEndpoints(intent, [], new Map())).toBe(intent);
  });

  it('adds runtime endpoints the intent does not list, the intent winning on the same id', () => {
    const intent = new Map([['t/n/a', ep('t/n/a', { ip: '10.0.0.5' })]]);
    const out = withRuntimeEndpoints(intent, [ep('t/n/a'), ep('t/n/cni-1', { qos: { dscp: 4 } })], new Map());
    expect([...out.keys()]).toEqual(['t/n/a', 't/n/cni-1']);
    expect(out.get('t/n/a')!.ip).toBe('10.0.0.5');
    expect(out.get('t/n/cni-1')!.qos).toEqual({ dscp: 4 });
    expect(intent.size).toBe(1);
  });

  it('puts a runtime attachment\'s QoS in place of an intent endpoint\'s own, leaving the intent untouched', () => {
    const own = ep('t/n/a', { qos: { dscp: 10 } });
    const intent = new Map([['t/n/a', own], ['t/n/b', ep('t/n/b', { qos: { dscp: 1 } })]]);
    const out = withRuntimeEndpoints(intent, [], new Map([['t/n/a', { dscp: 'trust' as const }], ['t/n/gone', { dscp: 3 }]]));
    expect(out.get('t/n/a')!.qos).toEqual({ dscp: 'trust' });
    expect(out.get('t/n/b')!.qos).toEqual({ dscp: 1 });
    // An override for an endpoint the intent no longer has plans nothing.
    expect(out.has('t/n/gone')).toBe(false);
    expect(own.qos).toEqual({ dscp: 10 });
  });

  it('puts the groups runtime attachments give intent endpoints in place of their own, and keeps a runtime endpoint\'s groups', () => {
    const own = ep('t/n/a', { groups: ['web'] });
    const intent = new Map([['t/n/a', own]]);
    const out = withRuntimeEndpoints(intent, [ep('t/n/cni-1', { groups: ['db'] })], new Map(), new Map([['t/n/a', ['db', 'web']], ['t/n/gone', ['x']]]));
    expect(out.get('t/n/a')!.groups).toEqual(['db', 'web']);
    expect(out.get('t/n/cni-1')!.groups).toEqual(['db']);
    expect(out.has('t/n/gone')).toBe(false);
    expect(own.groups).toEqual(['web']);
  });
});
