import { describe, expect, it } from 'vitest';
import { flowModToString } from '../openflow/format.js';
import { desiredPipeline, FlowMemo, formulaMac, networkKey, TABLE, type HostView, type LocalNetwork, type PolicyRuleView, type TenantPolicyView } from './index.js';
import { allocateConjIds, policyFlows } from './policy.js';
import { remoteClassifyFlows } from './remote.js';

const net = (id: string, type: 'vlan' | 'vxlan', tag: number, subnet: string): LocalNetwork => {
  const gateway = subnet.replace(/\.0\/\d+$/, '.1');
  return { id, key: networkKey(type, tag), gateway, gatewayMac: formulaMac(gateway), pktTagType: type, pktTag: tag, l3: { tenant: id.split('/')[0], subnet, gateway: 'distributed' } };
};

const orange = net('t1/orange', 'vxlan', 5001, '10.1.0.0/24');
const twin = net('t2/orange', 'vxlan', 5002, '10.1.0.0/24');
const DB = '10.1.0.3';
const WEB = '10.1.0.2';

const rule = (r: Partial<PolicyRuleView> & Pick<PolicyRuleView, 'id' | 'priority'>): PolicyRuleView => ({ direction: 'in', action: 'allow', members: [DB], ...r });

/** The issue's example as host2 (db1's host) sees it. */
const dbIn = (zone: number, tenant: string): TenantPolicyView => ({
  tenant,
  zone,
  networkKeys: [tenant === 't1' ? orange.key : twin.key],
  rules: [
    rule({ id: `${tenant}/db-in/0`, priority: 20, peers: [`${WEB}/32`], protocol: 'tcp', ports: { min: 5432, max: 5432 } }),
    rule({ id: `${tenant}/db-in/1`, priority: 10, peers: ['10.9.0.0/16'], protocol: 'icmp' }),
    rule({ id: `${tenant}/db-in/2`, priority: 1, action: 'deny' }),
  ],
});

const host2: HostView = {
  ports: [{ ofport: 3, mac: formulaMac(DB), ip: DB, network: orange }],
  remotes: [{ id: 't1/orange/web1', mac: formulaMac(WEB), ip: WEB, network: orange, host: 'host1', vtepIp: '198.18.0.1' }],
  tunnelOfport: 65000,
  policy: { tenants: [dbIn(0x8001, 't1')] },
};

const text = (v: HostView) => policyFlows(v, 1).map((f) => flowModToString(f));
const table = (flows: string[], id: number) => flows.filter((f) => f.startsWith(`table=${id},`));

describe('policyFlows', () => {
  it('puts nothing in the policy tables, and leaves remote traffic on its old path, when no tenant has policy', () => {
    const plain: HostView = { ...host2, policy: undefined };
    expect(policyFlows(plain, 1)).toEqual([]);
    expect(remoteClassifyFlows(plain, 1).map((f) => flowModToString(f))).toEqual([
      'priority=100,tun_id=0x1389,in_port=65000 actions=write_metadata:0x101001389/0x1ffffffff,goto_table:40',
    ]);
  });

  it('tracks the tenant network in its own zone, from local ports and from other hosts alike', () => {
    const flows = text(host2);
    expect(table(flows, TABLE.POLICY_CONNTRACK)).toEqual(['table=21, priority=100,ip,metadata=0x1001389/0xffffffff actions=ct(table=22,zone=32769)']);
    expect(remoteClassifyFlows(host2, 1).map((f) => flowModToString(f))).toEqual([
      'priority=100,tun_id=0x1389,in_port=65000 actions=write_metadata:0x101001389/0x1ffffffff,goto_table:21',
    ]);
  });

  it('passes established and related packets, drops invalid ones, and sends new connections to the rules', () => {
    expect(table(text(host2), TABLE.POLICY_STATE)).toEqual([
      'table=22, priority=300,ct_state=+inv+trk,ip actions=drop',
      'table=22, priority=200,ct_state=+est+trk,ip actions=goto_table:30',
      'table=22, priority=200,ct_state=+rel+trk,ip actions=goto_table:30',
      'table=22, priority=100,ct_state=+new+trk,ip actions=goto_table:24',
    ]);
  });

  it("writes the issue's db-in rules as ingress flows in priority order, and commits what passes", () => {
    const flows = text(host2);
    expect(table(flows, TABLE.POLICY_INGRESS)).toEqual([
      'table=26, priority=120,ct_zone=32769,tcp,nw_src=10.1.0.2,nw_dst=10.1.0.3,tp_dst=5432 actions=goto_table:28',
      'table=26, priority=110,ct_zone=32769,icmp,nw_src=10.9.0.0/16,nw_dst=10.1.0.3 actions=goto_table:28',
      'table=26, priority=101,ct_zone=32769,ip,nw_dst=10.1.0.3 actions=drop',
    ]);
    expect(table(flows, TABLE.POLICY_EGRESS)).toEqual([]);
    expect(table(flows, TABLE.POLICY_COMMIT)).toEqual(['table=28, priority=100,ct_zone=32769,ip actions=ct(commit,zone=32769),goto_table:30']);
  });

  it('enforces out rules on the source host: members are sources, peers destinations, and an allow goes on to the ingress rules', () => {
    const v: HostView = { ...host2, policy: { tenants: [{ ...dbIn(0x8001, 't1'), rules: [rule({ id: 't1/p/0', priority: 5, direction: 'out', peers: ['10.1.0.0/24'], protocol: 'udp', ports: { min: 53, max: 53 } })] }] } };
    expect(table(text(v), TABLE.POLICY_EGRESS)).toEqual(['table=24, priority=105,ct_zone=32769,udp,nw_src=10.1.0.3,nw_dst=10.1.0.0/24,tp_dst=53 actions=goto_table:26']);
  });

  it('grows with members plus peers plus port blocks, not their product: 100 x 100 x a port range', () => {
    const members = Array.from({ length: 100 }, (_, i) => `10.1.1.${i + 1}`);
    const peers = Array.from({ length: 100 }, (_, i) => `10.1.2.${i + 1}/32`);
    const big = rule({ id: 't1/big/0', priority: 30, members, peers, protocol: 'tcp', ports: { min: 8000, max: 8009 } });
    const v: HostView = { ...host2, policy: { tenants: [{ ...dbIn(0x8001, 't1'), rules: [big] }] } };
    const flows = table(text(v), TABLE.POLICY_INGRESS);
    const conj = allocateConjIds(v.policy!.tenants).get('t1/big/0')!;
    // 100 member clauses + 100 peer clauses + 2 port blocks (8000/0xfff8, 8008/0xfffe) + the deciding flow.
    expect(flows).toHaveLength(203);
    expect(flows).toContain(`table=26, priority=130,ct_zone=32769,tcp,nw_dst=10.1.1.1 actions=conjunction(${conj},1/3)`);
    expect(flows).toContain(`table=26, priority=130,ct_zone=32769,tcp,nw_src=10.1.2.100 actions=conjunction(${conj},2/3)`);
    expect(flows).toContain(`table=26, priority=130,ct_zone=32769,tcp,tp_dst=0x1f40/0xfff8 actions=conjunction(${conj},3/3)`);
    expect(flows).toContain(`table=26, priority=130,ct_zone=32769,tcp,tp_dst=0x1f48/0xfffe actions=conjunction(${conj},3/3)`);
    expect(flows).toContain(`table=26, priority=130,conj_id=${conj},ip actions=goto_table:28`);
  });

  it('joins the clauses of two rules at the same priority and match into one flow with both conjunctions', () => {
    const members = [DB, '10.1.0.4'];
    const a = rule({ id: 't1/a/0', priority: 7, members, peers: ['10.1.5.1/32', '10.1.5.2/32'] });
    const b = rule({ id: 't1/b/0', priority: 7, members, peers: ['10.1.6.1/32', '10.1.6.2/32'] });
    const v: HostView = { ...host2, policy: { tenants: [{ ...dbIn(0x8001, 't1'), rules: [a, b] }] } };
    const ids = allocateConjIds(v.policy!.tenants);
    const flows = table(text(v), TABLE.POLICY_INGRESS);
    expect(flows.filter((f) => f.includes(`nw_dst=${DB} `))).toEqual([`table=26, priority=107,ct_zone=32769,ip,nw_dst=${DB} actions=conjunction(${ids.get('t1/a/0')},1/2),conjunction(${ids.get('t1/b/0')},1/2)`]);
    // 2 shared member flows, 2 + 2 peer flows, 2 deciding flows.
    expect(flows).toHaveLength(8);
  });

  it('keeps overlapping tenants apart by zone: the same addresses, separate flows and state', () => {
    const v: HostView = {
      ...host2,
      ports: [...host2.ports, { ofport: 4, mac: formulaMac(DB), ip: DB, network: twin }],
      policy: { tenants: [dbIn(0x8001, 't1'), dbIn(0x8002, 't2')] },
    };
    const flows = text(v);
    expect(table(flows, TABLE.POLICY_CONNTRACK)).toEqual([
      'table=21, priority=100,ip,metadata=0x1001389/0xffffffff actions=ct(table=22,zone=32769)',
      'table=21, priority=100,ip,metadata=0x100138a/0xffffffff actions=ct(table=22,zone=32770)',
    ]);
    expect(table(flows, TABLE.POLICY_INGRESS).filter((f) => f.includes('tp_dst=5432'))).toEqual([
      'table=26, priority=120,ct_zone=32769,tcp,nw_src=10.1.0.2,nw_dst=10.1.0.3,tp_dst=5432 actions=goto_table:28',
      'table=26, priority=120,ct_zone=32770,tcp,nw_src=10.1.0.2,nw_dst=10.1.0.3,tp_dst=5432 actions=goto_table:28',
    ]);
  });

  it('sends the packets of a logged deny to the agent through the packet-in meter, 128 bytes of each', () => {
    const v: HostView = { ...host2, policy: { tenants: [{ ...dbIn(0x8001, 't1'), rules: [rule({ id: 't1/p/0', priority: 2, action: 'deny', log: true })] }] } };
    expect(table(text(v), TABLE.POLICY_INGRESS)).toEqual(['table=26, priority=102,ct_zone=32769,ip,nw_dst=10.1.0.3 actions=meter:1,CONTROLLER:128']);
  });

  it('writes no flows for a rule whose peer group is empty (it matches nobody) or that has no member here', () => {
    const v: HostView = { ...host2, policy: { tenants: [{ ...dbIn(0x8001, 't1'), rules: [rule({ id: 't1/p/0', priority: 3, peers: [] }), rule({ id: 't1/p/1', priority: 4, members: [] })] }] } };
    expect(table(text(v), TABLE.POLICY_INGRESS)).toEqual([]);
  });

  it('gives each rule a conjunction id from its identity, the same whatever the order of tenants', () => {
    const a = allocateConjIds([dbIn(1, 't1'), dbIn(2, 't2')]);
    const b = allocateConjIds([dbIn(2, 't2'), dbIn(1, 't1')]);
    expect([...a].sort()).toEqual([...b].sort());
    expect(new Set(a.values()).size).toBe(a.size);
  });

  it("keeps an unchanged rule's flow objects across rounds, and rebuilds only a changed rule's", () => {
    const memo = new FlowMemo();
    const a = desiredPipeline(host2, 1, memo).flows;
    const edited: HostView = { ...host2, policy: { tenants: [{ ...dbIn(0x8001, 't1'), rules: dbIn(0x8001, 't1').rules.map((r) => (r.priority === 10 ? { ...r, protocol: 'udp' as const } : r)) }] } };
    const b = desiredPipeline(edited, 1, memo).flows;
    const ruleFlow = (flows: typeof a, p: number) => flows.find((f) => f.tableId === TABLE.POLICY_INGRESS && f.priority === p)!;
    expect(ruleFlow(b, 120)).toBe(ruleFlow(a, 120));
    expect(ruleFlow(b, 101)).toBe(ruleFlow(a, 101));
    expect(ruleFlow(b, 110)).not.toBe(ruleFlow(a, 110));
    expect(flowModToString(ruleFlow(b, 110))).toContain(',udp,');
    // The memo's flows are what a fresh build gives.
    expect(b.map((f) => flowModToString(f))).toEqual(desiredPipeline(edited, 1).flows.map((f) => flowModToString(f)));
  });

  it('routes the table misses of the pipeline through the policy tables', () => {
    const flows = desiredPipeline(host2, 1).flows.map((f) => flowModToString(f));
    expect(flows).toContain('table=20, priority=0 actions=goto_table:21');
    expect(flows).toContain('table=21, priority=0 actions=goto_table:30');
    expect(flows).toContain('table=24, priority=0 actions=goto_table:26');
    expect(flows).toContain('table=26, priority=0 actions=goto_table:28');
  });
});
