/**
 * Policy (issue 12), the parts that need no switch: the intent of 1,000 endpoints on 10 hosts,
 * 50 groups and 500 rules (bench/policy-intent.ts) goes through netmaster's parse, validation
 * and allocation; one host then resolves it as the agent does (policyIndex, policyViewFor) and
 * computes its flows.
 * - Flows of the policy tables on one host, beside the cross product (each rule's members x
 *   peers x port blocks: what the rules would cost without conjunctive matches); the time the
 *   agent takes for them and the heap they hold, beside the rest of the host's pipeline.
 * - One rule's port changed with the 500 rules in place: the flow-mods the agent's FlowSyncer
 *   sends for it (into the fake switch, bundles on) and the time from the new stored state to
 *   the bundle sent, beside a full reinstall of the host's flows.
 * The TCP, enforcement-latency and memory figures on a lab are bench/policy-lab.ts (suite `policy-tcp`).
 */
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { median, row, type BenchRow } from './lib.js';
import { ISSUE_SHAPE, policyIntent, type RuleJson } from './policy-intent.js';
import { parseIntentValue } from '../src/intent/parse.js';
import { allocate } from '../src/intent/allocate.js';
import type { JsonValue } from '../src/intent/json.js';
import type { DesiredState, EndpointState, NetworkState } from '../src/intent/types.js';
import type { TenantPolicyState } from '../src/intent/policy-types.js';
import { policyIndex, policyViewFor } from '../src/agent/policy-view.js';
import { gatewayMac } from '../src/agent/names.js';
import { gatewayModeOf } from '../src/intent/routing.js';
import { desiredPipeline, FlowMemo, networkKey, type HostView, type LocalNetwork, type PolicyView } from '../src/datapath/ovs/pipeline/index.js';
import { policyFlows } from '../src/datapath/ovs/pipeline/policy.js';
import { portRangeMasks } from '../src/datapath/ovs/pipeline/port-masks.js';
import { FlowSyncer } from '../src/datapath/ovs/flow-sync.js';
import { FakeSwitch } from '../test/fakes/fake-switch.js';

const HOST = 'host1';
const RUNS = Number(process.env.NP_BENCH_POLICY_RUNS ?? 15);
const CHANGES = Number(process.env.NP_BENCH_POLICY_CHANGES ?? 9);

function log(msg: string): void {
  process.stderr.write(`policy: ${msg}\n`);
}

/** The stored state netmaster writes for `intent` (parse, validate, allocate), or an error naming the problems. */
export function storedState(intent: Record<string, unknown>): DesiredState {
  const parsed = parseIntentValue(intent as JsonValue);
  if (!parsed.ok) throw new Error(`policy bench: the generated intent is refused: ${parsed.problems.slice(0, 5).map((p) => `${p.path}: ${p.reason}`).join('; ')}`);
  const alloc = allocate(parsed.intent, undefined);
  if (!alloc.ok) throw new Error(`policy bench: allocation failed: ${alloc.problems.slice(0, 5).map((p) => `${p.path}: ${p.reason}`).join('; ')}`);
  return alloc.state;
}

/** A network as the agent's pipeline sees it (as reconcile builds it). */
function pipelineNetwork(ns: NetworkState): LocalNetwork {
  return { id: ns.id, key: networkKey(ns.pktTagType, ns.pktTag), gateway: ns.gateway, gatewayMac: gatewayMac(ns.gateway), pktTagType: ns.pktTagType, pktTag: ns.pktTag, l3: { tenant: ns.tenant, subnet: ns.subnet, gateway: gatewayModeOf(ns) } };
}

/** `host`'s view without policy: its endpoints as ports, every other endpoint of their networks as remotes, kernel VXLAN devices. */
export function hostView(state: DesiredState, host: string): HostView {
  const networks = new Map(state.networks.map((n) => [n.id, pipelineNetwork(n)]));
  const netOf = (e: EndpointState) => networks.get(`${e.tenant}/${e.network}`)!;
  const vtep = new Map(state.hosts.map((h) => [h.name, h.vtepIp]));
  const local = state.endpoints.filter((e) => e.host === host);
  const localNets = new Set(local.map((e) => netOf(e).id));
  return {
    ports: local.map((e, i) => ({ ofport: i + 1, mac: e.mac, ip: e.ip, network: netOf(e) })),
    remotes: state.endpoints
      .filter((e) => e.host !== host && localNets.has(netOf(e).id))
      .map((e) => ({ id: e.id, mac: e.mac, ip: e.ip, network: netOf(e), host: e.host!, vtepIp: vtep.get(e.host!) })),
    tunnelOfport: 65000,
    // The agent's default (kernel VXLAN path): one device per network holds the remote MACs.
    vxlanDevices: new Map([...localNets].map((id, i) => [networks.get(id)!.key, 60000 + i])),
  };
}

/** What the agent computes for policy in a round: the index, this host's view of it. */
function resolve(state: DesiredState, view: HostView): PolicyView | undefined {
  const policies = new Map<string, TenantPolicyState>(state.policies.map((p) => [p.tenant, p]));
  const index = policyIndex(policies, state.endpoints, state.networks);
  return policyViewFor(index, view.ports, new Set(view.ports.map((p) => p.network)));
}

/** Flows the rules of `policy` would take as plain cross products (members x peers x port blocks), plus the same state flows. */
export function crossProductFlows(policy: PolicyView): number {
  let n = policyFlows({ ports: [], remotes: [], policy: { tenants: policy.tenants.map((t) => ({ ...t, rules: [] })) } }, 1).length;
  for (const t of policy.tenants) {
    for (const r of t.rules) {
      const ports = r.ports && r.protocol && r.protocol !== 'icmp' ? portRangeMasks(r.ports.min, r.ports.max).length : 1;
      n += new Set(r.members).size * (r.peers ? new Set(r.peers).size : 1) * ports;
    }
  }
  return n;
}

const gc: () => void = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

/** Where heapHeld keeps what it measures alive until the second reading. */
let retained: unknown;

/** Heap (bytes) that what `make` returns keeps alive, after full collections. */
function heapHeld(make: () => unknown): number {
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  retained = make();
  gc();
  gc();
  const after = process.memoryUsage().heapUsed;
  retained = undefined;
  return after - before;
}

/** Median ms of `f` over RUNS runs, after two warm-up runs. */
function timed(f: () => unknown): number {
  f();
  f();
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    f();
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(ms);
}

/** A copy of `intent` with the Port of rule `index` of policy `policy` moved by one. */
function withPortMoved(intent: Record<string, unknown>, policy: number, index: number): Record<string, unknown> {
  const copy = structuredClone(intent);
  const rule = ((copy.Tenants as Record<string, unknown>[])[0].Policies as { Rules: RuleJson[] }[])[policy].Rules[index];
  const port = rule.Port;
  if (typeof port === 'number') rule.Port = port === 65535 ? 1 : port + 1;
  else {
    const [low, high] = String(port).split('-').map(Number);
    rule.Port = `${low}-${high + 1 > 65535 ? high : high + 1}`;
  }
  return copy;
}

/** Rules (policy index, rule index) with a Port whose stored rule has members on `host`. */
function changeableRules(intent: Record<string, unknown>, policy: PolicyView): [number, number][] {
  const here = new Set(policy.tenants.flatMap((t) => t.rules.map((r) => r.id)));
  const tenant = (intent.Tenants as Record<string, unknown>[])[0];
  const out: [number, number][] = [];
  (tenant.Policies as { Name: string; Rules: RuleJson[] }[]).forEach((p, pi) =>
    p.Rules.forEach((r, ri) => {
      if (r.Port !== undefined && here.has(`${tenant.Name}/${p.Name}/${ri}`)) out.push([pi, ri]);
    }),
  );
  return out;
}

/** Runs both measurements and returns their rows. */
export async function runPolicyBench(): Promise<BenchRow[]> {
  const intent = policyIntent(ISSUE_SHAPE);
  const state = storedState(intent);
  const rules = state.policies.reduce((n, p) => n + p.rules.length, 0);
  log(`stored: ${state.endpoints.length} endpoints, ${state.policies[0].groups.length} groups, ${rules} rules`);

  // Flows per host, every host, so the one reported is seen against the others.
  const perHost = ISSUE_SHAPE.hosts.map((h) => {
    const view = hostView(state, h);
    const policy = resolve(state, view)!;
    return { host: h, local: view.ports.length, rules: policy.tenants.reduce((n, t) => n + t.rules.length, 0), flows: policyFlows({ ...view, policy }, 1).length, cross: crossProductFlows(policy) };
  });
  for (const p of perHost) log(`${p.host}: ${p.local} local endpoints, ${p.rules} rules with members here: ${p.flows} policy flows (cross product ${p.cross})`);
  const one = perHost.find((p) => p.host === HOST)!;

  const view = hostView(state, HOST);
  const withPolicy: HostView = { ...view, policy: resolve(state, view) };
  const pipelineTotal = desiredPipeline(withPolicy, 1).flows.length;
  const restTotal = desiredPipeline(view, 1).flows.length;
  log(`${HOST}: whole pipeline ${pipelineTotal} flows (${restTotal} without policy)`);
  const policyMs = timed(() => policyFlows({ ...view, policy: resolve(state, view) }, 1));
  const restMs = timed(() => desiredPipeline(view, 1));
  const policyHeap = heapHeld(() => {
    const policy = resolve(state, view);
    return [policy, policyFlows({ ...view, policy }, 1)];
  });
  const restHeap = heapHeld(() => desiredPipeline(view, 1));

  // One-rule change: the agent's memo and FlowSyncer against a fake switch (OpenFlow 1.4, bundles).
  const sw = new FakeSwitch({ bundles: true });
  const syncer = new FlowSyncer(3_600_000);
  const memo = new FlowMemo();
  let round = 1;
  const t0 = process.hrtime.bigint();
  const first = await syncer.sync(sw, desiredPipeline(withPolicy, round, memo));
  const fullMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const fullMods = first.flowsAdded + first.flowsDeleted;
  const candidates = changeableRules(intent, withPolicy.policy!);
  const ms: number[] = [];
  const mods: number[] = [];
  const computeMs: number[] = [];
  let current = intent;
  for (let k = 0; k < CHANGES; k++) {
    const [pi, ri] = candidates[Math.floor((k * candidates.length) / CHANGES)];
    current = withPortMoved(current, pi, ri);
    // netmaster's side (not timed): the new stored state.
    const next = storedState(current);
    const start = process.hrtime.bigint();
    const nextView: HostView = { ...view, policy: resolve(next, view) };
    const desired = desiredPipeline(nextView, ++round, memo);
    const computed = process.hrtime.bigint();
    const stats = await syncer.sync(sw, desired);
    const end = process.hrtime.bigint();
    ms.push(Number(end - start) / 1e6);
    computeMs.push(Number(computed - start) / 1e6);
    if (stats.full) throw new Error('policy bench: a one-rule change read the whole switch back');
    mods.push(stats.flowsAdded + stats.flowsDeleted);
    const onSwitch = (await sw.dumpFlows()).length;
    const want = desiredPipeline(nextView, round).flows.length;
    if (onSwitch !== want) throw new Error(`policy bench: after the change the switch holds ${onSwitch} flows, the pipeline wants ${want}`);
    log(`change ${k + 1}: Port of p${pi} rule ${ri}: ${stats.flowsAdded} added + ${stats.flowsDeleted} deleted in ${ms[k].toFixed(1)} ms (${computeMs[k].toFixed(1)} computing the pipeline, the rest syncing)`);
  }

  const shape = `${state.endpoints.length} endpoints on ${ISSUE_SHAPE.hosts.length} hosts, ${state.policies[0].groups.length} groups, ${rules} rules`;
  return [
    row(`policy: flows of the policy tables on one host (${one.local} local endpoints; ${shape})`, 'flows', one.flows, 'cross product: members x peers x port blocks per rule', one.cross, 'report: < 1.0x'),
    row('policy: agent time to resolve the rules and compute those flows, median', 'ms', policyMs, "the host's pipeline without policy (same endpoints)", restMs, 'report'),
    row('policy: agent heap held by the resolved rules and their flows', 'MiB', policyHeap / 2 ** 20, "the host's pipeline without policy", restHeap / 2 ** 20, 'report'),
    row(`policy: flow-mods sent for one rule's Port changed, 500 rules in place, median of ${CHANGES}`, 'flow-mods', median(mods), `a full reinstall: every flow of the host (${pipelineTotal})`, fullMods, 'report: << 1.0x'),
    row('policy: one rule changed, new stored state to bundle sent (resolve, pipeline, sync), median', 'ms', median(ms), "a full install of the host's flows into an empty switch", fullMs, 'report'),
  ];
}
