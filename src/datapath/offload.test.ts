import { describe, expect, it } from 'vitest';
import { containerVethOffloads } from './offload.js';

describe('containerVethOffloads', () => {
  it('turns tx checksum off on the userspace datapath without TSO', () => {
    expect(containerVethOffloads({ datapathType: 'netdev', userspaceTso: false })).toEqual({ tx: false });
  });
  it('leaves offloads on with userspace TSO', () => {
    expect(containerVethOffloads({ datapathType: 'netdev', userspaceTso: true })).toBeUndefined();
  });
  it('turns tx checksum off for VXLAN networks on the userspace datapath, TSO or not', () => {
    expect(containerVethOffloads({ datapathType: 'netdev', userspaceTso: true }, 'vxlan')).toEqual({ tx: false });
  });
  it('leaves offloads on with the kernel datapath', () => {
    expect(containerVethOffloads({ datapathType: 'system', userspaceTso: false })).toBeUndefined();
  });
});
