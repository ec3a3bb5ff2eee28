/** The whole pipeline for a host view: every feature's flows and groups. */
import { arpResponderFlows } from './arp-responder.js';
import { classifyFlows } from './classify.js';
import type { FeatureOutput, HostView } from './model.js';
import { l2ForwardFlows } from './l2-forward.js';
import { spoofGuardFlows } from './spoof-guard.js';
import { tableMissFlows } from './table-miss.js';
import { NO_MEMO, type FlowCache } from './memo.js';
import { reachableRemotes, remoteClassifyFlows, remoteForwardFlows } from './remote.js';
import { routingFlows } from './routing.js';
import { policyFlows } from './policy.js';
import { qosFlows, qosMeters } from './qos.js';
import { multicastFlows } from './multicast.js';

/**
 * Computes the desired flows and groups for `view`, with cookies for agent `round`. With a
 * `memo` kept across rounds, flows built from unchanged inputs are last round's objects.
 */
export function desiredPipeline(view: HostView, round: number, memo: FlowCache = NO_MEMO): FeatureOutput {
  const remotes = reachableRemotes(view);
  const l2 = l2ForwardFlows(view, round, remotes);
  const mc = multicastFlows(view, round);
  const out: FeatureOutput = {
    flows: [
      ...tableMissFlows(round),
      ...classifyFlows(view, round),
      ...remoteClassifyFlows(view, round),
      ...spoofGuardFlows(view, round),
      ...qosFlows(view, round),
      ...arpResponderFlows(view, round, memo, remotes),
      ...policyFlows(view, round, memo),
      ...routingFlows(view, round),
      ...l2.flows,
      ...mc.flows,
      ...remoteForwardFlows(view, round, memo, remotes),
    ],
    groups: [...l2.groups, ...mc.groups],
    meters: qosMeters(view),
  };
  memo.rotate();
  return out;
}

export * from './model.js';
export * from './cookie.js';
export { FlowMemo, NO_MEMO, type FlowCache } from './memo.js';
export { PIPELINE, TABLE } from './tables.js';
export { POLICY_LOG_METER, rulePriority } from './policy.js';
export { IGMP_METER, multicastMac, steeringMac } from './multicast.js';
export { QOS_METER_BASE, egressMeterId, ingressMeterId, sharedMeterId, sharedMeterSlots } from './qos.js';
