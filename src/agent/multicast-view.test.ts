import { describe, expect, it } from 'vitest';
import { formulaMac, networkKey, type LocalNetwork } from '../datapath/ovs/pipeline/index.js';
import type { NetworkState } from '../intent/types.js';
import { multicastView, snoopedPorts, type MulticastInputs } from './multicast-view.js';

const net = (id: string, type: 'vlan' | 'vxlan', tag: number): LocalNetwork => ({ id, key: networkKey(type, tag), gateway: '10.0.0.1', gatewayMac: formulaMac('10.0.0.1'), pktTagType: type, pktTag: tag });
const blue = net('t/blue', 'vxlan', 5001);
const orange = net('t/orange', 'vlan', 11);
const state = (id: string, extra: Partial<NetworkState> = {}) => ({ id, ...extra }) as NetworkState;

const inputs = (over: Partial<MulticastInputs> = {}): MulticastInputs => ({
  local: (n) => (n === 't/blue' ? new Map([['239.1.1.1', ['t/blue/a', 't/blue/gone']]]) : new Map()),
  remote: new Map([
    ['h2', { host: 'h2', networks: { 't/blue': { '239.1.1.1': { 't/blue/r': 2000 }, '239.3.3.3': { 't/blue/old': 500 } }, 't/orange': { '239.1.1.1': { 't/orange/r': 2000 } } } }],
    ['h3', { host: 'h3', networks: { 't/blue': { '239.2.2.2': { 't/blue/s': 2000 } } } }],
    ['h1', { host: 'h1', networks: { 't/blue': { '239.9.9.9': { 't/blue/self': 2000 } } } }],
  ]),
  vtepOf: (h) => ({ h2: '198.18.0.2', h3: '198.18.0.3' })[h],
  now: 1000,
  ...over,
});
const ofports = new Map([['t/blue/a', 3]]);

describe('multicastView', () => {
  it('lists each group with its local member ports and the VTEPs of the other hosts with unexpired members', () => {
    const v = multicastView([orange, blue], (id) => state(id), (ep) => ofports.get(ep), inputs(), 'h1');
    expect(v).toEqual([
      { network: orange, router: false, groups: [{ group: '239.1.1.1', localPorts: [], remoteVteps: ['198.18.0.2'], remoteMembers: true }] },
      {
        network: blue,
        router: false,
        groups: [
          { group: '239.1.1.1', localPorts: [3], remoteVteps: ['198.18.0.2'], remoteMembers: true },
          { group: '239.2.2.2', localPorts: [], remoteVteps: ['198.18.0.3'], remoteMembers: true },
        ],
      },
    ]);
  });

  it('leaves out networks in flood mode, and marks a VLAN network with a router (never a VXLAN one)', () => {
    const v = multicastView([orange, blue], (id) => state(id, id === 't/blue' ? { multicast: 'flood' } : { multicastRouter: true }), (ep) => ofports.get(ep), inputs(), 'h1');
    expect(v.map((m) => [m.network.id, m.router])).toEqual([['t/orange', true]]);
    const vx = multicastView([blue], (id) => state(id, { multicastRouter: true }), (ep) => ofports.get(ep), inputs(), 'h1');
    expect(vx[0].router).toBe(false);
  });
});

describe('snoopedPorts', () => {
  it('maps the attached ports of snooping networks to their endpoint, network and gateway', () => {
    const endpoints = new Map([
      ['t/blue/a', { tenant: 't', network: 'blue' }],
      ['t/flood/b', { tenant: 't', network: 'flood' }],
      ['t/blue/c', { tenant: 't', network: 'blue' }],
    ]);
    const networks = new Map([
      ['t/blue', { ...state('t/blue'), gateway: '10.0.0.1' }],
      ['t/flood', { ...state('t/flood', { multicast: 'flood' }), gateway: '10.9.0.1' }],
    ]);
    const ports = snoopedPorts(
      [
        { endpoint: 't/blue/a', ofport: 3, status: 'attached' },
        { endpoint: 't/flood/b', ofport: 4, status: 'attached' },
        { endpoint: 't/blue/c', status: 'error' },
      ],
      endpoints,
      networks,
      (ip) => `mac-of-${ip}`,
    );
    expect(ports).toEqual(new Map([[3, { endpoint: 't/blue/a', network: 't/blue', gatewayIp: '10.0.0.1', gatewayMac: 'mac-of-10.0.0.1' }]]));
  });
});
