import { describe, expect, it } from 'vitest';
import { expandFeatureAliases, featuresNotApplied } from './features.js';

const current = {
  'tx-checksum-ipv4': { active: true, changeable: false },
  'tx-checksum-ip-generic': { active: true, changeable: true },
  'tx-checksum-sctp': { active: false, changeable: true },
  'rx-gro': { active: true, changeable: true },
  'tx-tcp-segmentation': { active: true, changeable: true },
  'tx-tcp6-segmentation': { active: true, changeable: true },
};

describe('ethtool feature decisions', () => {
  it('expands an alias to its changeable members only, and passes kernel names through', () => {
    expect(expandFeatureAliases({ tx: false }, current)).toEqual([['tx-checksum-ip-generic', false], ['tx-checksum-sctp', false]]);
    expect(expandFeatureAliases({ tso: true, 'rx-gro': false }, current)).toEqual([
      ['tx-tcp-segmentation', true], ['tx-tcp6-segmentation', true], ['rx-gro', false],
    ]);
    expect(expandFeatureAliases({ lro: true }, current)).toEqual([]);
  });

  it('reports bits the kernel acked without applying, marking fixed ones', () => {
    expect(featuresNotApplied([['tx-checksum-ipv4', false]], current)).toBe('tx-checksum-ipv4 [fixed] stays on');
    expect(featuresNotApplied([['tx-checksum-sctp', true], ['rx-gro', true]], current)).toBe('tx-checksum-sctp stays off');
    expect(featuresNotApplied([['rx-gro', true]], current)).toBe('');
  });
});
