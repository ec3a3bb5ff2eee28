import { describe, expect, it } from 'vitest';
import type { NetpluginError } from '../../common/errors.js';
import { endpointQosOptions, overrideQosOptions, qosOptionsOf, readQosOptions } from './qos-options.js';

const M = 'NetworkDriver.CreateEndpoint';

function refusal(f: () => unknown): string {
  try {
    f();
    return 'accepted';
  } catch (e) {
    const err = e as NetpluginError;
    return `${err.code} ${err.message} (${String(err.details?.field)})`;
  }
}

describe('QoS driver options', () => {
  it('reads rates with the intent\'s suffixes, bursts defaulting to 0.8x, and a DSCP class or trust', () => {
    expect(readQosOptions(M, { 'netplugin.egress-rate': '50M', 'netplugin.egress-burst': '1M', 'netplugin.ingress-rate': '1.5G', 'netplugin.dscp': '46' })).toEqual({
      bandwidth: { egress: { rate: 50e6, burst: 1e6 }, ingress: { rate: 1.5e9, burst: 1.2e9 } },
      dscp: 46,
    });
    expect(readQosOptions(M, { 'netplugin.dscp': 'trust' })).toEqual({ dscp: 'trust' });
    expect(readQosOptions(M, { 'netplugin.ingress-rate': '20000' })).toEqual({ bandwidth: { ingress: { rate: 20000, burst: 16000 } } });
    expect(readQosOptions(M, {})).toBeUndefined();
  });

  it.each([
    [{ 'netplugin.egress-rate': 'fast' }, 'netplugin.egress-rate=fast: "fast" is not a rate: write bits as a number, or with a suffix k, M or G (e.g. "50M", "1.5G")', 'netplugin.egress-rate'],
    [{ 'netplugin.ingress-rate': '-5M' }, 'netplugin.ingress-rate=-5M: must be positive (got "-5M")', 'netplugin.ingress-rate'],
    [{ 'netplugin.ingress-rate': '0' }, 'netplugin.ingress-rate=0: must be positive (got 0)', 'netplugin.ingress-rate'],
    [{ 'netplugin.egress-rate': '100' }, 'netplugin.egress-rate=100: 100 bits/s is below the minimum 1k (1000 bits/s): meters count kbit', 'netplugin.egress-rate'],
    [{ 'netplugin.egress-rate': '5000G' }, 'netplugin.egress-rate=5000G: 5000000000000 bits/s is above the maximum 4000G (4000000000000 bits/s)', 'netplugin.egress-rate'],
    [{ 'netplugin.egress-rate': '1M', 'netplugin.egress-burst': '10X' }, 'netplugin.egress-burst=10X: "10X" is not a rate: write bits as a number, or with a suffix k, M or G (e.g. "50M", "1.5G")', 'netplugin.egress-burst'],
    [{ 'netplugin.ingress-burst': '1M' }, 'netplugin.ingress-burst=1M: needs netplugin.ingress-rate: a burst belongs to a limit', 'netplugin.ingress-burst'],
    [{ 'netplugin.dscp': '64' }, 'netplugin.dscp=64: must be an integer 0-63 or "trust" (got "64")', 'netplugin.dscp'],
    [{ 'netplugin.dscp': 'ef' }, 'netplugin.dscp=ef: must be an integer 0-63 or "trust" (got "ef")', 'netplugin.dscp'],
  ])('refuses %j naming the option', (options, message, option) => {
    expect(refusal(() => readQosOptions(M, options))).toBe(`NP_DOCKER_PLUGIN ${M}: ${message} (Options.${option})`);
  });

  it('keeps only the QoS options, trimmed, and refuses one that is not a string', () => {
    expect(qosOptionsOf(M, { tenant: 't', 'netplugin.egress-rate': ' 5M ', 'netplugin.dscp': '', 'netplugin.groups': 'a' })).toEqual({ 'netplugin.egress-rate': '5M' });
    expect(refusal(() => qosOptionsOf(M, { 'netplugin.dscp': 46 }))).toBe(`NP_DOCKER_PLUGIN ${M}: netplugin.dscp=46: must be a string (Options.netplugin.dscp)`);
  });

  it('reads an endpoint\'s options at the top of Options or nested in the generic options, the top winning', () => {
    expect(endpointQosOptions(M, { Options: { 'netplugin.egress-rate': '1M', 'com.docker.network.generic': { 'netplugin.egress-rate': '2M', 'netplugin.dscp': '4' } } })).toEqual({
      'netplugin.egress-rate': '1M',
      'netplugin.dscp': '4',
    });
    expect(endpointQosOptions(M, {})).toEqual({});
    expect(endpointQosOptions(M, { Options: null })).toEqual({});
  });
});

describe('endpoint options over network options', () => {
  const net = { 'netplugin.egress-rate': '50M', 'netplugin.egress-burst': '40M', 'netplugin.ingress-rate': '20M', 'netplugin.dscp': '10' };

  it('override option by option, an endpoint rate bringing its own default burst', () => {
    const merged = overrideQosOptions(net, { 'netplugin.egress-rate': '10M', 'netplugin.dscp': 'trust' });
    expect(readQosOptions(M, merged)).toEqual({ bandwidth: { egress: { rate: 10e6, burst: 8e6 }, ingress: { rate: 20e6, burst: 16e6 } }, dscp: 'trust' });
  });

  it('an endpoint burst alone keeps the network\'s rate', () => {
    expect(readQosOptions(M, overrideQosOptions(net, { 'netplugin.ingress-burst': '1M' }))!.bandwidth!.ingress).toEqual({ rate: 20e6, burst: 1e6 });
  });

  it('an endpoint burst with no rate anywhere is refused', () => {
    expect(refusal(() => readQosOptions(M, overrideQosOptions({}, { 'netplugin.egress-burst': '1M' })))).toMatch(/netplugin\.egress-burst=1M: needs netplugin\.egress-rate/);
  });

  it('no options anywhere: no QoS', () => {
    expect(readQosOptions(M, overrideQosOptions({}, {}))).toBeUndefined();
  });
});
