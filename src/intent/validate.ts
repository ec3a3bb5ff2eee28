/**
 * Meaning checks on a parsed intent: pools and ranges, overrides against them, and
 * uniqueness (names, tags, subnets, addresses). Every problem is reported, each with
 * the JSON path of the offending value spelled as the classic format spells it.
 */

import { cidrOverlap, cidrLast, formatCidr, parseCidr, type Cidr } from '../alloc/ip.js';
import { rangesContain } from '../alloc/ranges.js';
import { unroutableReason } from '../alloc/unroutable.js';
import {
  MAX_SUBNET_LEN,
  VLAN_MAX,
  VLAN_MIN,
  VNI_MAX,
  VNI_MIN,
  tagName,
  tenantSettings,
  type TenantSettings,
} from './defaults.js';
import { checkNetworkAddresses, type NetworkFacts } from './validate-addresses.js';
import { checkHosts } from './validate-hosts.js';
import { checkPolicies } from './validate-policy.js';
import { checkName } from './names.js';
import type { Intent, PktTagType, Problem, TenantIntent } from './types.js';

export type { NetworkFacts } from './validate-addresses.js';

/** Validation result: the problems plus per-tenant settings and per-network facts. */
export interface IntentAnalysis {
  problems: Problem[];
  tenants: TenantSettings[];
  networks: NetworkFacts[][];
}

/** Returns every problem with the intent; empty means it can be allocated (barring exhaustion). */
export function validateIntent(intent: Intent): Problem[] {
  return analyseIntent(intent).problems;
}

/** Validates the intent and keeps what it learned for the allocator. */
export function analyseIntent(intent: Intent): IntentAnalysis {
  const problems: Problem[] = [];
  const tags = new Map<string, string>();
  const tenantNames = new Map<string, string>();
  const tenants: TenantSettings[] = [];
  const networks: NetworkFacts[][] = [];
  const groupOwners = new Map<string, string[]>();
  for (const t of intent.tenants) for (const g of t.groups ?? []) (groupOwners.get(g.name) ?? groupOwners.set(g.name, []).get(g.name)!).push(t.name);
  intent.tenants.forEach((t, i) => {
    const path = `$.Tenants[${i}]`;
    checkName(t.name, `${path}.Name`, problems);
    const first = tenantNames.get(t.name);
    if (first !== undefined) problems.push({ path: `${path}.Name`, reason: `duplicate tenant name "${t.name}" (also ${first})` });
    else tenantNames.set(t.name, path);
    const settings = checkTenantPools(t, path, problems);
    tenants.push(settings);
    const facts = checkNetworks(t, settings, path, tags, problems);
    networks.push(facts);
    checkPolicies(t, { path, networks: facts, pool: settings.pool, groupOwners }, problems);
  });
  checkHosts(intent, problems);
  return { problems, tenants, networks };
}

function checkTenantPools(t: TenantIntent, path: string, problems: Problem[]): TenantSettings {
  const s = tenantSettings(t);
  if (t.subnetPool !== undefined) {
    const p = parseCidr(t.subnetPool);
    const unroutable = p.ok ? unroutableReason(p.cidr) : undefined;
    if (!p.ok) problems.push({ path: `${path}.SubnetPool`, reason: p.reason });
    else if (unroutable) problems.push({ path: `${path}.SubnetPool`, reason: `SubnetPool ${unroutable}` });
  }
  const len = s.allocSubnetLen;
  const minLen = s.pool ? s.pool.len : 1;
  if (len < minLen || len > MAX_SUBNET_LEN) {
    const given = t.allocSubnetLen !== undefined;
    const why = s.pool && len < s.pool.len ? `pool ${formatCidr(s.pool)} is smaller than /${len}` : `must be ${minLen}-${MAX_SUBNET_LEN}`;
    problems.push({
      path: given ? `${path}.AllocSubnetLen` : `${path}.SubnetPool`,
      reason: `AllocSubnetLen ${len}${given ? '' : ' (the default)'} does not fit: ${why}`,
    });
  }
  if (s.vlansError) problems.push({ path: `${path}.Vlans`, reason: s.vlansError });
  if (s.vxlansError) problems.push({ path: `${path}.Vxlans`, reason: s.vxlansError });
  return s;
}

function checkNetworks(
  t: TenantIntent,
  s: TenantSettings,
  tpath: string,
  tags: Map<string, string>,
  problems: Problem[],
): NetworkFacts[] {
  const names = new Map<string, string>();
  const facts: NetworkFacts[] = [];
  t.networks.forEach((n, j) => {
    const path = `${tpath}.Networks[${j}]`;
    checkName(n.name, `${path}.Name`, problems);
    const first = names.get(n.name);
    if (first !== undefined) problems.push({ path: `${path}.Name`, reason: `duplicate network name "${n.name}" in tenant "${t.name}" (also ${first})` });
    else names.set(n.name, path);
    const type = n.pktTagType ?? t.defaultNetType;
    if (n.pktTag !== undefined) checkTag(n.pktTag, type, s, path, tags, problems);
    if (n.gatewayMode === 'external' && type !== 'vlan') {
      // A VXLAN segment never reaches a physical router: nothing but the plugin could own its gateway.
      const from = n.pktTagType !== undefined ? 'its PktTagType' : `the tenant's DefaultNetType`;
      problems.push({
        path: `${path}.Gateway`,
        reason: `Gateway "external" needs a VLAN network, and this network is ${tagName(type)} (${from}): an external gateway is a hand-off to a physical router on the VLAN trunk; use "distributed" or make the network VLAN`,
      });
    }
    if (n.multicastRouter === true && type !== 'vlan') {
      // Only a VLAN network has a trunk, where a physical multicast router could listen.
      const from = n.pktTagType !== undefined ? 'its PktTagType' : `the tenant's DefaultNetType`;
      problems.push({
        path: `${path}.MulticastRouter`,
        reason: `MulticastRouter true needs a VLAN network, and this network is ${tagName(type)} (${from}): it sends multicast out the VLAN trunk to a physical router, and a ${tagName(type)} network has no trunk; remove it or make the network VLAN`,
      });
    }
    const f: NetworkFacts = { path, type };
    if (n.subnetCIDR !== undefined) {
      const c = parseCidr(n.subnetCIDR);
      const unroutable = c.ok ? unroutableReason(c.cidr) : undefined;
      if (!c.ok) problems.push({ path: `${path}.SubnetCIDR`, reason: c.reason });
      else if (c.cidr.len > MAX_SUBNET_LEN) {
        problems.push({ path: `${path}.SubnetCIDR`, reason: `${n.subnetCIDR} is too small: prefix must be at most /${MAX_SUBNET_LEN} to hold a gateway and hosts` });
      } else if (unroutable) problems.push({ path: `${path}.SubnetCIDR`, reason: `SubnetCIDR ${unroutable}` });
      else f.subnet = c.cidr;
    } else if (t.subnetPool === undefined) {
      problems.push({ path, reason: 'SubnetPool or SubnetCIDR required (the tenant has no SubnetPool and the network no SubnetCIDR)' });
    }
    checkNetworkAddresses(n, s, f, path, problems);
    facts.push(f);
  });
  checkOverlaps(t, facts, problems);
  return facts;
}

function checkTag(tag: number, type: PktTagType, s: TenantSettings, path: string, tags: Map<string, string>, problems: Problem[]): void {
  const where = `${path}.PktTag`;
  const [min, max] = type === 'vlan' ? [VLAN_MIN, VLAN_MAX] : [VNI_MIN, VNI_MAX];
  const ranges = type === 'vlan' ? s.vlans : s.vxlans;
  const rangesText = type === 'vlan' ? s.vlansText : s.vxlansText;
  if (tag < min || tag > max) {
    problems.push({ path: where, reason: `${tagName(type)} ${tag} outside ${min}-${max}` });
    return;
  }
  if (ranges && !rangesContain(ranges, tag)) {
    problems.push({ path: where, reason: `${tagName(type)} ${tag} outside the tenant's ${type === 'vlan' ? 'Vlans' : 'Vxlans'} "${rangesText}"` });
  }
  const key = `${type}:${tag}`;
  const first = tags.get(key);
  if (first !== undefined) problems.push({ path: where, reason: `${tagName(type)} ${tag} already used by ${first}` });
  else tags.set(key, path);
}

/** Fixed subnets of one tenant must not overlap; different tenants may (they are isolated). */
function checkOverlaps(t: TenantIntent, facts: NetworkFacts[], problems: Problem[]): void {
  const fixed = facts
    .map((f, j) => ({ f, j }))
    .filter((x) => x.f.subnet !== undefined)
    .sort((a, b) => a.f.subnet!.base - b.f.subnet!.base || a.j - b.j);
  let widest: { f: NetworkFacts; j: number } | undefined;
  for (const x of fixed) {
    if (widest && cidrOverlap(widest.f.subnet!, x.f.subnet!)) {
      // Blame the network written later, the one an operator most likely just added.
      const [later, other] = x.j > widest.j ? [x, widest] : [widest, x];
      const explicit = t.networks[later.j].subnetCIDR !== undefined;
      problems.push({
        path: explicit ? `${later.f.path}.SubnetCIDR` : later.f.path,
        reason: `subnet ${formatCidr(later.f.subnet!)}${explicit ? '' : ' (implied by its addresses)'} overlaps ${formatCidr(other.f.subnet!)} of ${other.f.path}`,
      });
    }
    if (!widest || cidrLast(x.f.subnet!) > cidrLast(widest.f.subnet!)) widest = x;
  }
}
