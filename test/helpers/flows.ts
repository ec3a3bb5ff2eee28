/**
 * Desired flows and groups as `ovs-ofctl --no-stats --no-names dump-flows` / `dump-groups` lines,
 * so unit tests can write their expectations as literal dump lines and compare.
 */
import { flowModToString, flowStatsToString, groupModToString, type FlowStats } from '../../src/datapath/ovs/openflow/index.js';
import type { FeatureOutput } from '../../src/datapath/ovs/pipeline/model.js';

/** The output's flows as dump-flows lines without cookies, sorted (the order dumpFlows() of cluster.ts gives). */
export function formatFlows(output: Pick<FeatureOutput, 'flows'>): string[] {
  return output.flows.map((f) => flowModToString(f)).sort();
}

/** The output's groups as dump-groups lines, sorted. */
export function formatGroups(output: Pick<FeatureOutput, 'groups'>): string[] {
  return output.groups.map(groupModToString).sort();
}

/** Flows as a switch reports them, as dump-flows lines without cookies, sorted. */
export function formatDumpedFlows(flows: readonly FlowStats[]): string[] {
  return flows.map((f) => flowStatsToString(f)).sort();
}
