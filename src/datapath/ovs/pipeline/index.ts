/** The whole pipeline for a host view: every feature's flows and groups. */
import { arpResponderFlows } from './arp-responder.js';
import { classifyFlows } from './classify.js';
import type { FeatureOutput, HostView } from './model.js';
import { l2ForwardFlows } from './l2-forward.js';
import { spoofGuardFlows } from './spoof-guard.js';
import { tableMissFlows } from './table-miss.js';
import { remoteClassifyFlows, remoteForwardFlows } from './remote.js';

/** Computes the desired flows and groups for `view`, with cookies for agent `round`. */
export function desiredPipeline(view: HostView, round: number): FeatureOutput {
  const l2 = l2ForwardFlows(view, round);
  return {
    flows: [
      ...tableMissFlows(round),
      ...classifyFlows(view, round),
      ...remoteClassifyFlows(view, round),
      ...spoofGuardFlows(view, round),
      ...arpResponderFlows(view, round),
      ...l2.flows,
      ...remoteForwardFlows(view, round),
    ],
    groups: l2.groups,
  };
}

export * from './model.js';
export * from './cookie.js';
export { PIPELINE, TABLE } from './tables.js';
