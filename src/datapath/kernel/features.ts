/** ethtool feature decisions (pure): expanding ethtool(8)'s aliases and checking that a set took effect. */
import type { FeatureState } from './types.js';

/** ethtool(8)'s short names for groups of kernel features, as shell-style patterns. */
const ALIASES: Record<string, string> = {
  rx: 'rx-checksum',
  tx: 'tx-checksum-*',
  sg: 'tx-scatter-gather*',
  tso: 'tx-tcp*-segmentation',
  gso: 'tx-generic-segmentation',
  gro: 'rx-gro',
  lro: 'rx-lro',
};

function globToRegExp(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
}

/** Expands aliases to kernel feature names; like `ethtool -K`, an alias touches only the changeable members. */
export function expandFeatureAliases(wanted: Record<string, boolean>, current: Record<string, FeatureState>): Array<[string, boolean]> {
  const out: Array<[string, boolean]> = [];
  for (const [name, on] of Object.entries(wanted)) {
    const pattern = ALIASES[name];
    if (pattern === undefined) {
      out.push([name, on]);
      continue;
    }
    const re = globToRegExp(pattern);
    for (const [f, st] of Object.entries(current)) if (st.changeable && re.test(f)) out.push([f, on]);
  }
  return out;
}

/**
 * The bits the kernel acked without applying (fixed or dependency-blocked), rendered for an error message;
 * '' when every bit took. Offloads decide TCP correctness on the userspace datapath, so a silent no-op matters.
 */
export function featuresNotApplied(bits: Array<[string, boolean]>, after: Record<string, FeatureState>): string {
  const missed: string[] = [];
  for (const [name, on] of bits) {
    const st = after[name];
    if (st && st.active !== on) missed.push(`${name}${st.changeable ? '' : ' [fixed]'}${on ? ' stays off' : ' stays on'}`);
  }
  return missed.join(', ');
}
