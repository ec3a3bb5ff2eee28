/**
 * The policy tables (docs/datapath.md, "Policy"). IPv4 of a tenant with policy goes through
 * conntrack in the tenant's zone; packets of established or related connections pass at once,
 * and the first packet of a new one meets the egress rules of its source (when the source is
 * local) and the ingress rules of its destination (when that is local), highest priority first;
 * allowed, the connection is committed, so its replies pass whatever the rules of the other
 * direction say. Each host enforces the rules of its own endpoints, so a rule `From: web`
 * holds on the destination's host for sources on any host.
 *
 * A rule whose members, peers and ports are each more than one value is written as an OVS
 * conjunctive match: one flow per value of each dimension plus one deciding flow, so flows
 * grow with their sum, not their product.
 */
import { OFPP_CONTROLLER, type Action, type FlowMod, type Instruction, type Match } from '../openflow/index.js';
import { FEATURE, makeCookie } from './cookie.js';
import { cidrMatch, NETWORK_MASK, objectIdOf, type HostView, type PolicyRuleView, type TenantPolicyView } from './model.js';
import { portRangeMasks } from './port-masks.js';
import { TABLE } from './tables.js';
import { NO_MEMO, type FlowCache } from './memo.js';

const ETH_TYPE_IPV4 = 0x0800;
const IP_PROTO = { icmp: 1, tcp: 6, udp: 17 } as const;

/** Conntrack state bits (NXM_NX_CT_STATE). */
const CS_NEW = 0x01;
const CS_ESTABLISHED = 0x02;
const CS_RELATED = 0x04;
const CS_INVALID = 0x10;
const CS_TRACKED = 0x20;

/** A rule's flows sit at this plus its Priority (1..10000), above the table-miss flows. */
const RULE_PRIORITY_BASE = 100;

/** Flow priority of a rule's flows. */
export function rulePriority(priority: number): number {
  return RULE_PRIORITY_BASE + priority;
}

/** Keys of the networks whose packets from other hosts go through the policy tables (not straight to forwarding). */
export function policyNetworkKeys(view: HostView): Set<number> {
  const keys = new Set<number>();
  for (const t of view.policy?.tenants ?? []) for (const k of t.networkKeys) keys.add(k);
  return keys;
}

/** Every flow of the policy tables for `view` (none when no tenant here has policy). */
export function policyFlows(view: HostView, round: number, memo: FlowCache = NO_MEMO): FlowMod[] {
  const tenants = view.policy?.tenants ?? [];
  if (tenants.length === 0) return [];
  const flows: FlowMod[] = [...stateFlows(round)];
  const conjIds = allocateConjIds(tenants);
  for (const t of tenants) {
    flows.push(...tenantFlows(t, round));
    for (const r of t.rules) {
      const conjId = conjIds.get(r.id)!;
      // An unchanged rule keeps last round's flow objects, which the flow syncer passes over by reference.
      const sig = `${round}|${t.zone}|${conjId}|${JSON.stringify(r)}`;
      flows.push(...memo.getList('policy-rule', r.id, [sig], () => ruleFlows(t, r, round, conjId)));
    }
  }
  return mergeSamePosition(flows);
}

/** The tenant's conntrack entry (per network) and commit flows. */
function tenantFlows(t: TenantPolicyView, round: number): FlowMod[] {
  const cookie = makeCookie(round, FEATURE.POLICY, objectIdOf(`zone/${t.tenant}`));
  const flows: FlowMod[] = [...new Set(t.networkKeys)]
    .sort((a, b) => a - b)
    .map((key) => ({
      command: 'add',
      tableId: TABLE.POLICY_CONNTRACK,
      priority: 100,
      cookie,
      match: { metadata: BigInt(key), metadataMask: NETWORK_MASK, ethType: ETH_TYPE_IPV4 },
      instructions: [{ type: 'applyActions', actions: [{ type: 'ct', zone: t.zone, table: TABLE.POLICY_STATE }] }],
    }));
  flows.push({
    command: 'add',
    tableId: TABLE.POLICY_COMMIT,
    priority: 100,
    cookie,
    match: { ethType: ETH_TYPE_IPV4, ctZone: t.zone },
    instructions: [
      { type: 'applyActions', actions: [{ type: 'ct', commit: true, zone: t.zone }] },
      { type: 'gotoTable', tableId: TABLE.L3_ROUTE },
    ],
  });
  return flows;
}

/** POLICY_STATE: what conntrack says decides whether the rules are consulted at all. */
function stateFlows(round: number): FlowMod[] {
  const cookie = makeCookie(round, FEATURE.POLICY, TABLE.POLICY_STATE);
  const state = (priority: number, bits: number, instructions: Instruction[]): FlowMod => ({
    command: 'add',
    tableId: TABLE.POLICY_STATE,
    priority,
    cookie,
    match: { ethType: ETH_TYPE_IPV4, ctState: bits | CS_TRACKED, ctStateMask: bits | CS_TRACKED },
    instructions,
  });
  const pass: Instruction[] = [{ type: 'gotoTable', tableId: TABLE.L3_ROUTE }];
  return [
    // Invalid first: a packet conntrack cannot place (a stray ACK, say) is never let through.
    state(300, CS_INVALID, []),
    state(200, CS_ESTABLISHED, pass),
    state(200, CS_RELATED, pass),
    state(100, CS_NEW, [{ type: 'gotoTable', tableId: TABLE.POLICY_EGRESS }]),
  ];
}

/** The meter every logged deny goes through on its way to the agent: a flood of denied packets cannot starve it. */
export const POLICY_LOG_METER = 1;
/** Bytes of a denied packet sent to the agent: its headers are all the log needs. */
export const POLICY_LOG_BYTES = 128;

/** What a rule does once it matched. */
function decision(r: PolicyRuleView): Instruction[] {
  if (r.action === 'deny' && r.log) {
    return [
      { type: 'meter', meterId: POLICY_LOG_METER },
      { type: 'applyActions', actions: [{ type: 'output', port: OFPP_CONTROLLER, maxLen: POLICY_LOG_BYTES }] },
    ];
  }
  if (r.action === 'deny') return [];
  return [{ type: 'gotoTable', tableId: r.direction === 'out' ? TABLE.POLICY_INGRESS : TABLE.POLICY_COMMIT }];
}

/** One dimension of a rule: the partial matches, any one of which the packet must meet. */
type Dimension = Match[];

/** The rule's dimensions: members, then peers and ports when the rule names them. */
function dimensions(r: PolicyRuleView): Dimension[] {
  const ownField = r.direction === 'in' ? 'ipv4Dst' : 'ipv4Src';
  const peerField = r.direction === 'in' ? 'ipv4Src' : 'ipv4Dst';
  const dims: Dimension[] = [[...new Set(r.members)].sort().map((ip) => ({ [ownField]: ip }))];
  if (r.peers) {
    dims.push(
      [...new Set(r.peers)].sort().map((cidr) => {
        const { ip, mask, len } = cidrMatch(cidr.includes('/') ? cidr : `${cidr}/32`);
        if (len === 32) return { [peerField]: ip };
        if (len === 0) return {};
        return { [peerField]: ip, [`${peerField}Mask`]: mask };
      }),
    );
  }
  if (r.ports && r.protocol && r.protocol !== 'icmp') {
    const field = r.protocol === 'tcp' ? 'tcpDst' : 'udpDst';
    dims.push(portRangeMasks(r.ports.min, r.ports.max).map((m) => (m.mask === 0xffff ? { [field]: m.value } : { [field]: m.value, [`${field}Mask`]: m.mask })));
  }
  return dims;
}

/** The flows of one rule in its direction's table. */
function ruleFlows(t: TenantPolicyView, r: PolicyRuleView, round: number, conjId: number): FlowMod[] {
  if (r.members.length === 0) return [];
  const tableId = r.direction === 'in' ? TABLE.POLICY_INGRESS : TABLE.POLICY_EGRESS;
  const priority = rulePriority(r.priority);
  const base: Match = { ethType: ETH_TYPE_IPV4, ctZone: t.zone, ...(r.protocol ? { ipProto: IP_PROTO[r.protocol] } : {}) };
  const dims = dimensions(r);
  const ruleCookie = makeCookie(round, FEATURE.POLICY_RULE, objectIdOf(r.id));
  const wide = dims.filter((d) => d.length > 1).length;
  if (wide < 2) {
    // At most one dimension has several values: the cross product is no bigger than their sum.
    return crossProduct(dims).map((m) => ({ command: 'add', tableId, priority, cookie: ruleCookie, match: { ...base, ...m }, instructions: decision(r) }));
  }
  const clauseCookie = makeCookie(round, FEATURE.POLICY_CLAUSE, objectIdOf(r.id));
  const flows: FlowMod[] = [];
  dims.forEach((dim, i) => {
    for (const m of dim) {
      const conj: Action = { type: 'conjunction', id: conjId, clause: i + 1, nClauses: dims.length };
      flows.push({ command: 'add', tableId, priority, cookie: clauseCookie, match: { ...base, ...m }, instructions: [{ type: 'applyActions', actions: [conj] }] });
    }
  });
  flows.push({ command: 'add', tableId, priority, cookie: ruleCookie, match: { ethType: ETH_TYPE_IPV4, conjId }, instructions: decision(r) });
  return flows;
}

/** Every combination of one partial match per dimension. */
function crossProduct(dims: Dimension[]): Match[] {
  let out: Match[] = [{}];
  for (const d of dims) out = out.flatMap((m) => d.map((x) => ({ ...m, ...x })));
  return out;
}

/**
 * A 32-bit conjunction id per rule, from its identity (so it survives rounds and restarts);
 * a collision moves the later rule (by id) to the next free value.
 */
export function allocateConjIds(tenants: readonly TenantPolicyView[]): Map<string, number> {
  const ids = tenants.flatMap((t) => t.rules.map((r) => r.id)).sort();
  const taken = new Set<number>();
  const out = new Map<string, number>();
  for (const id of ids) {
    let v = (objectIdOf(id) - 2 ** 34) >>> 0;
    while (taken.has(v)) v = (v + 1) >>> 0;
    taken.add(v);
    out.set(id, v);
  }
  return out;
}

/**
 * Flows at one (table, priority, match) become one: a switch keeps one flow per position.
 * Clause flows of several rules join their conjunction actions; a plain flow there wins
 * over clauses (same priority and overlapping means same action: validation refuses the rest).
 */
function mergeSamePosition(flows: FlowMod[]): FlowMod[] {
  const at = new Map<string, number>();
  const out: FlowMod[] = [];
  for (const f of flows) {
    const pos = `${f.tableId}/${f.priority}/${matchKey(f.match)}`;
    const i = at.get(pos);
    if (i === undefined) {
      at.set(pos, out.length);
      out.push(f);
      continue;
    }
    const a = conjunctionsOf(out[i]);
    const b = conjunctionsOf(f);
    if (a && b) out[i] = { ...out[i], instructions: [{ type: 'applyActions', actions: [...a, ...b] }] };
    else if (a) out[i] = f;
  }
  return out;
}

/** The actions of a clause flow (conjunctions only), or undefined for a deciding flow. */
function conjunctionsOf(f: FlowMod): Action[] | undefined {
  const [only, ...rest] = f.instructions;
  if (rest.length || only?.type !== 'applyActions' || !only.actions.every((a) => a.type === 'conjunction')) return undefined;
  return only.actions;
}

function matchKey(m: Match): string {
  return Object.keys(m)
    .sort()
    .map((k) => `${k}=${String((m as Record<string, unknown>)[k])}`)
    .join(',');
}
