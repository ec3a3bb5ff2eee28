import { describe, expect, it } from 'vitest';
import type { NetpluginError } from '../../common/errors.js';
import type { RuntimeNetwork } from '../../runtime/types.js';
import { checkRoutingOptions } from './routing-options.js';

const M = 'NetworkDriver.CreateNetwork';
const net = (extra: Partial<RuntimeNetwork> = {}): RuntimeNetwork => ({ id: 't/n', tenant: 't', name: 'n', subnet: '10.1.0.0/24', gateway: '10.1.0.1', mtu: 1500, pktTagType: 'vlan', pktTag: 11, ...extra });

/** The error checkRoutingOptions throws, as code, field and message. */
function refusal(options: Record<string, string>, n: RuntimeNetwork): { code: string; field: unknown; message: string } {
  try {
    checkRoutingOptions(M, options, n);
  } catch (e) {
    const err = e as NetpluginError;
    return { code: err.code, field: err.details?.field, message: err.message };
  }
  throw new Error('no refusal');
}

describe('checkRoutingOptions', () => {
  it('accepts no routing options, and options that state what the intent network has', () => {
    expect(() => checkRoutingOptions(M, { tenant: 't', network: 'n', other: 'x' }, net())).not.toThrow();
    expect(() => checkRoutingOptions(M, { 'netplugin.gateway': 'distributed', 'netplugin.external': 'snat' }, net())).not.toThrow();
    expect(() => checkRoutingOptions(M, { 'netplugin.gateway': 'external', 'netplugin.external': 'none' }, net({ gatewayMode: 'external', external: 'none' }))).not.toThrow();
  });

  it('reads a network without routing fields (stored before routing) as the defaults', () => {
    expect(() => checkRoutingOptions(M, { 'netplugin.gateway': 'distributed', 'netplugin.external': 'snat' }, net())).not.toThrow();
    expect(refusal({ 'netplugin.gateway': 'external' }, net()).code).toBe('NP_INVALID_ARGUMENT');
  });

  it('refuses a value outside the intent key values, naming the option', () => {
    expect(refusal({ 'netplugin.gateway': 'Distributed' }, net())).toEqual({
      code: 'NP_DOCKER_PLUGIN',
      field: 'Options.netplugin.gateway',
      message: `${M}: -o netplugin.gateway=Distributed: must be "distributed" or "external"`,
    });
    expect(refusal({ 'netplugin.external': 'masquerade' }, net())).toEqual({
      code: 'NP_DOCKER_PLUGIN',
      field: 'Options.netplugin.external',
      message: `${M}: -o netplugin.external=masquerade: must be "snat" or "none"`,
    });
  });

  it('refuses a valid value the intent network does not have, naming the option and the intent value', () => {
    const r = refusal({ 'netplugin.gateway': 'distributed' }, net({ gatewayMode: 'external' }));
    expect(r).toMatchObject({ code: 'NP_INVALID_ARGUMENT', field: 'Options.netplugin.gateway' });
    expect(r.message).toMatch(/-o netplugin\.gateway=distributed disagrees with intent network t\/n, whose Gateway is "external"/);
  });
});
