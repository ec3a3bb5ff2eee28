import { describe, expect, it } from 'vitest';
import { NetpluginError } from '../common/errors.js';
import { CNI_CODES, cniCodeOf, cniError, errorResult } from './errors.js';

describe('cni error results', () => {
  it('carries the CNI code chosen by the raiser', () => {
    const err = cniError('NP_CNI_CONFIG', CNI_CODES.INVALID_ENV, 'CNI_IFNAME: must not be empty', 'got ""');
    expect(err).toBeInstanceOf(NetpluginError);
    expect(errorResult('1.0.0', err)).toEqual({ cniVersion: '1.0.0', code: 4, msg: 'CNI_IFNAME: must not be empty', details: 'got "" [NP_CNI_CONFIG]' });
  });

  it('maps agent errors to spec and plugin codes', () => {
    expect(cniCodeOf(new NetpluginError('NP_AGENT_NOT_READY', 'x'))).toBe(11);
    expect(cniCodeOf(new NetpluginError('NP_STORE_UNAVAILABLE', 'x'))).toBe(11);
    expect(cniCodeOf(new NetpluginError('NP_NOT_FOUND', 'x'))).toBe(7);
    expect(cniCodeOf(new NetpluginError('NP_ADDRESS_IN_USE', 'x'))).toBe(102);
    expect(cniCodeOf(new NetpluginError('NP_ADDRESS_OUT_OF_RANGE', 'x'))).toBe(103);
    expect(cniCodeOf(new NetpluginError('NP_POOL_EXHAUSTED', 'x'))).toBe(104);
    expect(cniCodeOf(new NetpluginError('NP_ATTACH_FAILED', 'x'))).toBe(100);
    expect(cniCodeOf(new NetpluginError('NP_NETLINK', 'x'))).toBe(999);
    expect(cniCodeOf(new Error('boom'))).toBe(999);
  });

  it('reports plain errors as internal with their message in details', () => {
    expect(errorResult('0.4.0', new Error('boom'))).toEqual({ cniVersion: '0.4.0', code: 999, msg: 'internal error', details: 'boom [NP_INTERNAL]' });
  });
});
