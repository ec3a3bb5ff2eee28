import { describe, expect, it } from 'vitest';
import { checkRequestedAddress, inSubnet, lowestFreeAddress } from './addresses.js';
import { NetpluginError } from '../common/errors.js';

function codeOf(f: () => void): string | undefined {
  try {
    f();
    return undefined;
  } catch (err) {
    return (err as NetpluginError).code;
  }
}

/** The error `f` throws; fails the test when it throws nothing. */
function thrown(f: () => void): Error {
  try {
    f();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure');
}

describe('runtime address choice', () => {
  it('hands out the lowest host address that is neither the gateway nor taken', () => {
    expect(lowestFreeAddress('10.1.0.0/29', '10.1.0.1', new Set())).toBe('10.1.0.2');
    expect(lowestFreeAddress('10.1.0.0/29', '10.1.0.1', new Set(['10.1.0.2', '10.1.0.4']))).toBe('10.1.0.3');
    expect(lowestFreeAddress('10.1.0.0/29', '10.1.0.6', new Set())).toBe('10.1.0.1');
  });
  it('never hands out the network or broadcast address, and reports exhaustion as undefined', () => {
    const all = new Set(['10.1.0.2', '10.1.0.3', '10.1.0.4', '10.1.0.5', '10.1.0.6']);
    expect(lowestFreeAddress('10.1.0.0/29', '10.1.0.1', all)).toBeUndefined();
    expect(lowestFreeAddress('10.1.0.0/30', '10.1.0.1', new Set())).toBe('10.1.0.2');
    expect(lowestFreeAddress('10.1.0.0/30', '10.1.0.1', new Set(['10.1.0.2']))).toBeUndefined();
    // Same host range as the requested-address check: a /31 has no address to give.
    expect(lowestFreeAddress('10.1.0.0/31', '10.1.0.9', new Set())).toBeUndefined();
    expect(codeOf(() => checkRequestedAddress('10.1.0.0', '10.1.0.0/31', '10.1.0.9', 'ip'))).toBe('NP_ADDRESS_OUT_OF_RANGE');
  });
  it('checks a requested address against the subnet and gateway, naming the field', () => {
    expect(codeOf(() => checkRequestedAddress('10.1.0.9', '10.1.0.0/24', '10.1.0.1', 'ip'))).toBeUndefined();
    expect(codeOf(() => checkRequestedAddress('10.1.0.1', '10.1.0.0/24', '10.1.0.1', 'ip'))).toBe('NP_ADDRESS_OUT_OF_RANGE');
    expect(codeOf(() => checkRequestedAddress('10.1.0.255', '10.1.0.0/24', '10.1.0.1', 'ip'))).toBe('NP_ADDRESS_OUT_OF_RANGE');
    expect(codeOf(() => checkRequestedAddress('10.1.0.0', '10.1.0.0/24', '10.1.0.1', 'ip'))).toBe('NP_ADDRESS_OUT_OF_RANGE');
    expect(codeOf(() => checkRequestedAddress('10.2.0.5', '10.1.0.0/24', '10.1.0.1', 'ip'))).toBe('NP_ADDRESS_OUT_OF_RANGE');
    expect(codeOf(() => checkRequestedAddress('10.1.0.300', '10.1.0.0/24', '10.1.0.1', 'ip'))).toBe('NP_INVALID_ARGUMENT');
    const err = thrown(() => checkRequestedAddress('10.2.0.5', '10.1.0.0/24', '10.1.0.1', 'runtimeConfig.ips[0]'));
    expect(err).toBeInstanceOf(NetpluginError);
    expect(err.message).toBe('runtimeConfig.ips[0]: 10.2.0.5 is not a host address of 10.1.0.0/24');
  });
  it('tells addresses inside a subnet from those outside', () => {
    expect(inSubnet('10.1.0.9', '10.1.0.0/24')).toBe(true);
    expect(inSubnet('10.1.1.9', '10.1.0.0/24')).toBe(false);
    expect(inSubnet('nonsense', '10.1.0.0/24')).toBe(false);
  });
});
