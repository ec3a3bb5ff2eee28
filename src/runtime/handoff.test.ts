import { describe, expect, it } from 'vitest';
import { ifNameProblem } from '../common/ifname.js';
import { handoffPeerName } from './handoff.js';

describe('handoffPeerName', () => {
  it('names a Docker endpoint by its short id', () => {
    expect(handoffPeerName('1111111111111111111111111111111111111111111111111111111111111111')).toBe('npd111111111111');
    expect(handoffPeerName('ABCDEF0123456789')).toBe('npdabcdef012345');
  });

  it('gives a valid interface name for any key, never the key itself', () => {
    for (const key of ['eth0', '../../x', 'a b', 'k'.repeat(512), 'ünï']) {
      const name = handoffPeerName(key);
      expect(name).toMatch(/^npd[0-9a-f]{12}$/);
      expect(ifNameProblem(name)).toBeUndefined();
    }
    expect(handoffPeerName('eth0')).not.toBe(handoffPeerName('eth1'));
  });
});
