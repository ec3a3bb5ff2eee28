import { describe, expect, it } from 'vitest';
import { NetpluginError } from '../common/errors.js';
import { parseConfig } from './config.js';
import { parseEnv } from './env.js';
import { CNI_CODES, errorResult } from './errors.js';
import { attachRequest } from './mapping.js';

const conf = (bandwidth: unknown) => JSON.stringify({ cniVersion: '1.0.0', name: 'podnet', type: 'netplugin-cni', tenant: 't', network: 'n', runtimeConfig: { bandwidth } });
const env = parseEnv({ CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'ctr1', CNI_NETNS: '/run/netns/p', CNI_IFNAME: 'eth0', CNI_PATH: '/opt/cni/bin' });

function failure(bandwidth: unknown): { code: number; msg: string; details?: string } {
  let err: unknown;
  try {
    parseConfig(conf(bandwidth), 'ADD');
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a failure').toBeInstanceOf(NetpluginError);
  const r = errorResult('1.0.0', err);
  return { code: r.code, msg: r.msg, details: r.details };
}

describe('the bandwidth capability', () => {
  it('maps ingress and egress (bits/s, bits) onto the request\'s qos, into and out of the pod as ours', () => {
    const c = parseConfig(conf({ ingressRate: 20e6, ingressBurst: 16e6, egressRate: 50e6, egressBurst: 1e6 }), 'ADD');
    expect(c.runtimeConfig.bandwidth).toEqual({ ingress: { rate: 20e6, burst: 16e6 }, egress: { rate: 50e6, burst: 1e6 } });
    expect(attachRequest(env, c).qos).toEqual({ bandwidth: { ingress: { rate: 20e6, burst: 16e6 }, egress: { rate: 50e6, burst: 1e6 } } });
  });

  it('defaults a missing burst to 0.8x its rate, and reads 0 or an absent direction as no limit', () => {
    expect(parseConfig(conf({ egressRate: 10e6 }), 'ADD').runtimeConfig.bandwidth).toEqual({ egress: { rate: 10e6, burst: 8e6 } });
    expect(parseConfig(conf({ ingressRate: 10e6, ingressBurst: 0, egressRate: 0, egressBurst: 0 }), 'ADD').runtimeConfig.bandwidth).toEqual({ ingress: { rate: 10e6, burst: 8e6 } });
    const none = parseConfig(conf({}), 'ADD');
    expect(none.runtimeConfig).toEqual({ ips: [] });
    expect(attachRequest(env, none)).not.toHaveProperty('qos');
  });

  it.each([
    ['a rate as text', { egressRate: '50M' }, 'runtimeConfig.bandwidth.egressRate: must be a number (bits per second)'],
    ['a burst as text', { ingressRate: 1e6, ingressBurst: 'big' }, 'runtimeConfig.bandwidth.ingressBurst: must be a number (bits)'],
    ['a negative rate', { ingressRate: -5 }, 'runtimeConfig.bandwidth.ingressRate: must be positive (got -5)'],
    ['a rate below 1k', { egressRate: 999 }, 'runtimeConfig.bandwidth.egressRate: 999 bits/s is below the minimum 1k (1000 bits/s): meters count kbit'],
    ['a burst without its rate', { egressBurst: 1e6 }, 'runtimeConfig.bandwidth.egressBurst: needs egressRate: a burst belongs to a limit'],
    ['an unknown key', { egressRate: 1e6, rate: 5 }, 'runtimeConfig.bandwidth.rate: is not a key of the bandwidth capability (accepted: ingressRate, ingressBurst, egressRate, egressBurst)'],
    ['not an object', 5, 'runtimeConfig.bandwidth: must be an object {ingressRate, ingressBurst, egressRate, egressBurst}'],
  ])('refuses %s with code 7 naming the key', (_name, bandwidth, msg) => {
    const f = failure(bandwidth);
    expect(f.code).toBe(CNI_CODES.INVALID_CONFIG);
    expect(f.code).toBe(7);
    expect(f.msg).toBe(msg);
  });
});
