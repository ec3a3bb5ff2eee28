import { describe, expect, it } from 'vitest';
import type { NetpluginError } from '../../common/errors.js';
import { endpointGroups } from './endpoint-groups.js';

const M = 'NetworkDriver.CreateEndpoint';

describe('netplugin.groups endpoint option', () => {
  it('reads a comma-separated list from Options, or from the generic options of older engines', () => {
    expect(endpointGroups(M, { Options: { 'netplugin.groups': 'web, db,web' } })).toEqual(['web', 'db']);
    expect(endpointGroups(M, { Options: { 'com.docker.network.generic': { 'netplugin.groups': 'ops' } } })).toEqual(['ops']);
  });

  it('has no groups when the option is absent or empty', () => {
    expect(endpointGroups(M, {})).toBeUndefined();
    expect(endpointGroups(M, { Options: {} })).toBeUndefined();
    expect(endpointGroups(M, { Options: { 'netplugin.groups': '' } })).toBeUndefined();
  });

  it('names the option when an entry is not a group name', () => {
    const err = (body: object) => {
      try {
        endpointGroups(M, body as never);
        return 'accepted';
      } catch (e) {
        return `${(e as NetpluginError).code} ${(e as NetpluginError).message}`;
      }
    };
    expect(err({ Options: { 'netplugin.groups': 'web,,db' } })).toBe('NP_DOCKER_PLUGIN NetworkDriver.CreateEndpoint: netplugin.groups=web,,db: "" is not a group name (non-empty, no \'/\' or whitespace)');
    expect(err({ Options: { 'netplugin.groups': 'a/b' } })).toContain('"a/b" is not a group name');
    expect(err({ Options: { 'netplugin.groups': 7 } })).toBe('NP_DOCKER_PLUGIN NetworkDriver.CreateEndpoint: netplugin.groups: must be a comma-separated list of group names');
  });
});
