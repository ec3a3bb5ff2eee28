import { describe, expect, it } from 'vitest';
import type { NetpluginError } from '../common/errors.js';
import { ATTACH_FIELDS, parseAttachRequest, validateAttachRequest } from './attach-request.js';

const base = { source: 'cni', key: 'k', containerId: 'c', tenant: 't', network: 'n' };

/** The NP_INVALID_ARGUMENT an attach request with `qos` gets ('accepted' when none). */
function verdict(qos: unknown): string {
  try {
    parseAttachRequest({ ...base, qos });
    return 'accepted';
  } catch (e) {
    const err = e as NetpluginError;
    return `${err.code} ${err.message}`;
  }
}

describe('attach request qos', () => {
  it('is a field of the request', () => {
    expect(ATTACH_FIELDS).toContain('qos');
  });

  it('accepts limits in bits/s and bits within range, a DSCP class or trust, and parts left out', () => {
    expect(verdict({ bandwidth: { egress: { rate: 50e6, burst: 40e6 }, ingress: { rate: 1000, burst: 1000 } }, dscp: 46 })).toBe('accepted');
    expect(verdict({ bandwidth: { ingress: { rate: 4e12, burst: 4e12 } } })).toBe('accepted');
    expect(verdict({ dscp: 'trust' })).toBe('accepted');
    expect(verdict({ dscp: 0 })).toBe('accepted');
    expect(verdict({})).toBe('accepted');
  });

  it.each([
    ['not an object', '50M', 'qos: must be an object {bandwidth?, dscp?}'],
    ['an unknown field', { rate: 5 }, 'qos.rate: is not a field of the attach request (accepted: bandwidth, dscp)'],
    ['bandwidth not an object', { bandwidth: [] }, 'qos.bandwidth: must be an object {egress?, ingress?}'],
    ['an unknown direction', { bandwidth: { up: {} } }, 'qos.bandwidth.up: is not a field of the attach request (accepted: egress, ingress)'],
    ['a limit not an object', { bandwidth: { egress: 5 } }, 'qos.bandwidth.egress: must be an object {rate, burst}'],
    ['an unknown limit field', { bandwidth: { egress: { rate: 1e6, burst: 1e6, peak: 1 } } }, 'qos.bandwidth.egress.peak: is not a field of the attach request (accepted: rate, burst)'],
    ['a rate as text', { bandwidth: { egress: { rate: '50M', burst: 1e6 } } }, 'qos.bandwidth.egress.rate: must be an integer number of bits/s, not "50M"'],
    ['a missing burst', { bandwidth: { egress: { rate: 1e6 } } }, 'qos.bandwidth.egress.burst: must be an integer number of bits, not undefined'],
    ['a fractional rate', { bandwidth: { ingress: { rate: 1000.5, burst: 1e6 } } }, 'qos.bandwidth.ingress.rate: must be an integer number of bits/s, not 1000.5'],
    ['a negative rate', { bandwidth: { ingress: { rate: -5, burst: 1e6 } } }, 'qos.bandwidth.ingress.rate: -5 bits/s is outside 1000-4000000000000'],
    ['a zero rate', { bandwidth: { ingress: { rate: 0, burst: 1e6 } } }, 'qos.bandwidth.ingress.rate: 0 bits/s is outside 1000-4000000000000'],
    ['a rate above 4000G', { bandwidth: { egress: { rate: 4e12 + 1, burst: 1e6 } } }, 'qos.bandwidth.egress.rate: 4000000000001 bits/s is outside 1000-4000000000000'],
    ['a burst below 1k', { bandwidth: { egress: { rate: 1e6, burst: 999 } } }, 'qos.bandwidth.egress.burst: 999 bits is outside 1000-4000000000000'],
    ['a DSCP above 63', { dscp: 64 }, 'qos.dscp: must be an integer 0-63 or "trust" (got 64)'],
    ['a DSCP as text', { dscp: '46' }, 'qos.dscp: must be an integer 0-63 or "trust" (got "46")'],
    ['another string', { dscp: 'ef' }, 'qos.dscp: must be an integer 0-63 or "trust" (got "ef")'],
  ])('refuses %s, naming the field', (_name, qos, message) => {
    expect(verdict(qos)).toBe(`NP_INVALID_ARGUMENT ${message}`);
  });

  it('checks in-process callers the same way', () => {
    expect(() => validateAttachRequest({ ...base, source: 'docker', qos: { dscp: 99 } } as never)).toThrow('qos.dscp: must be an integer 0-63');
  });
});
