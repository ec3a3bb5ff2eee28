import { describe, expect, it } from 'vitest';
import { KEYS, parseConfigKey, parseOperKey } from './keys.js';

describe('KEYS', () => {
  it('builds the documented layout', () => {
    expect(KEYS.meta).toBe('/netplugin/config/meta');
    expect(KEYS.intent).toBe('/netplugin/intent');
    expect(KEYS.intent.startsWith(KEYS.configPrefix)).toBe(false);
    expect(KEYS.legacyIntent).toBe('/netplugin/config/intent');
    expect(KEYS.tenant('t1')).toBe('/netplugin/config/tenants/t1');
    expect(KEYS.network('t1', 'n1')).toBe('/netplugin/config/networks/t1/n1');
    expect(KEYS.endpoint('t1', 'n1', 'c1')).toBe('/netplugin/config/endpoints/t1/n1/c1');
    expect(KEYS.host('h1')).toBe('/netplugin/config/hosts/h1');
    expect(KEYS.policy('t1')).toBe('/netplugin/config/policies/t1');
    expect(KEYS.policy('t1').startsWith(KEYS.policiesPrefix)).toBe(true);
    expect(KEYS.policiesPrefix).toBe('/netplugin/config/policies/');
    expect(KEYS.operHost('h1')).toBe('/netplugin/oper/hosts/h1');
    expect(KEYS.operEndpoint('h1', 't1', 'n1', 'c1')).toBe('/netplugin/oper/endpoints/h1/t1/n1/c1');
    expect(KEYS.operEndpointsOf('h1')).toBe('/netplugin/oper/endpoints/h1/');
    expect(KEYS.operEndpoint('h1', 't', 'n', 'c').startsWith(KEYS.operEndpointsOf('h1'))).toBe(true);
    expect(KEYS.endpoint('t', 'n', 'c').startsWith(KEYS.configPrefix)).toBe(true);
    expect(KEYS.operHost('h').startsWith(KEYS.operPrefix)).toBe(true);
  });
  it('encodes separators so a name cannot change the key shape', () => {
    expect(KEYS.network('a/b', 'c')).toBe('/netplugin/config/networks/a%2Fb/c');
    expect(KEYS.operEndpointsOf('h1').startsWith(KEYS.operEndpointsOf('h'))).toBe(false);
  });
});

describe('parseConfigKey / parseOperKey', () => {
  it('round-trips every kind', () => {
    expect(parseConfigKey(KEYS.meta)).toEqual({ kind: 'meta', ids: [] });
    expect(parseConfigKey(KEYS.legacyIntent)).toEqual({ kind: 'intent', ids: [] });
    expect(parseConfigKey(KEYS.intent)).toBeUndefined();
    expect(parseConfigKey(KEYS.tenant('t'))).toEqual({ kind: 'tenant', ids: ['t'] });
    expect(parseConfigKey(KEYS.network('t', 'n/x'))).toEqual({ kind: 'network', ids: ['t', 'n/x'] });
    expect(parseConfigKey(KEYS.endpoint('t', 'n', 'c'))).toEqual({ kind: 'endpoint', ids: ['t', 'n', 'c'] });
    expect(parseConfigKey(KEYS.host('h 1'))).toEqual({ kind: 'host', ids: ['h 1'] });
    expect(parseConfigKey(KEYS.policy('t/1'))).toEqual({ kind: 'policy', ids: ['t/1'] });
    expect(parseOperKey(KEYS.operHost('h'))).toEqual({ kind: 'operHost', ids: ['h'] });
    expect(parseOperKey(KEYS.operEndpoint('h', 't', 'n', 'c'))).toEqual({ kind: 'operEndpoint', ids: ['h', 't', 'n', 'c'] });
  });
  it('rejects keys outside the layout', () => {
    for (const k of [
      '/netplugin/config/',
      '/netplugin/config/tenants/',
      '/netplugin/config/networks/t',
      '/netplugin/config/networks/t/n/x',
      '/netplugin/config/policies/',
      '/netplugin/config/policies/t/x',
      '/netplugin/config/__proto__/x',
      '/netplugin/config/toString/x',
      '/netplugin/config/tenants/%E0%A4%A',
      '/netplugin/oper/hosts/h',
      '/other/x',
    ]) {
      expect(parseConfigKey(k), k).toBeUndefined();
    }
    expect(parseOperKey(KEYS.tenant('t'))).toBeUndefined();
    expect(parseOperKey('/netplugin/oper/endpoints/h/t/n')).toBeUndefined();
  });
});
