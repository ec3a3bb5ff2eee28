import { describe, expect, it } from 'vitest';
import { NetpluginError } from '../../common/errors.js';
import { errorBody, genericOptions, ipamDataList, isMalformed, optStringMap, parseBody, reqString, splitAddress } from './protocol.js';

describe('plugin protocol codec', () => {
  it('reads an empty or null body as {} and refuses non-objects', () => {
    expect(parseBody('Plugin.Activate', '')).toEqual({});
    expect(parseBody('Plugin.Activate', 'null')).toEqual({});
    expect(() => parseBody('X.Y', '[1]')).toThrow(/X.Y: the body must be a JSON object/);
    expect(() => parseBody('X.Y', '{bad')).toThrow(/X.Y: the body is not JSON/);
    let caught: unknown;
    try {
      parseBody('X.Y', '{bad');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(NetpluginError);
    expect(isMalformed(caught)).toBe(true);
    expect(isMalformed(new NetpluginError('NP_DOCKER_PLUGIN', 'not malformed'))).toBe(false);
  });

  it('names the missing or mistyped field', () => {
    expect(() => reqString('NetworkDriver.Join', { NetworkID: 'n' }, 'EndpointID')).toThrow('NetworkDriver.Join: EndpointID is required (a non-empty string)');
    expect(() => reqString('M', { A: 3 }, 'A')).toThrow(/A is required/);
    expect(() => optStringMap('M', { Options: { x: 1 } }, 'Options')).toThrow('M: Options.x must be a string');
    expect(optStringMap('M', { Options: null }, 'Options')).toEqual({});
  });

  it('extracts the -o options Docker nests under com.docker.network.generic', () => {
    const body = { Options: { 'com.docker.network.enable_ipv6': false, 'com.docker.network.generic': { tenant: 'T1', network: 'N1' } } };
    expect(genericOptions('M', body)).toEqual({ tenant: 'T1', network: 'N1' });
    expect(genericOptions('M', { Options: {} })).toEqual({});
  });

  it('decodes IPv4Data as Docker 20.10 sends it', () => {
    const body = { IPv4Data: [{ AddressSpace: 'netplugin', AuxAddresses: { a: '10.77.0.5/24' }, Gateway: '10.77.0.1/24', Pool: '10.77.0.0/24' }], IPv6Data: [] };
    expect(ipamDataList('M', body, 'IPv4Data')).toEqual([{ addressSpace: 'netplugin', pool: '10.77.0.0/24', gateway: '10.77.0.1/24', auxAddresses: { a: '10.77.0.5/24' } }]);
    expect(ipamDataList('M', body, 'IPv6Data')).toEqual([]);
    expect(() => ipamDataList('M', { IPv4Data: [{}] }, 'IPv4Data')).toThrow(/Pool is required/);
  });

  it('puts the stable code after the message, under both Err (network driver) and Error (IPAM)', () => {
    const text = 'network t/n has no free address left [NP_POOL_EXHAUSTED]';
    expect(errorBody(new NetpluginError('NP_POOL_EXHAUSTED', 'network t/n has no free address left'))).toEqual({ Err: text, Error: text });
    expect(errorBody(new Error('boom'))).toEqual({ Err: 'boom [NP_INTERNAL]', Error: 'boom [NP_INTERNAL]' });
  });

  it('splits addresses with and without prefix', () => {
    expect(splitAddress('M', 'A', '10.0.0.2/24')).toEqual({ ip: '10.0.0.2', prefixLen: 24 });
    expect(splitAddress('M', 'A', '10.0.0.2')).toEqual({ ip: '10.0.0.2' });
    expect(() => splitAddress('M', 'Interface.Address', '10.0.0.2/99')).toThrow(/Interface.Address has a bad prefix length/);
  });
});
