/**
 * The defaults applied to a tenant when the intent leaves a setting out, and the
 * effective settings derived from them (documented in docs/intent.md).
 */

import { parseCidr, type Cidr } from '../alloc/ip.js';
import { parseRanges, type IdRange } from '../alloc/ranges.js';
import type { PktTagType, TenantIntent } from './types.js';

/** Prefix length of subnets carved from a pool when AllocSubnetLen is not given. */
export const DEFAULT_ALLOC_SUBNET_LEN = 24;
/** VLAN ids a tenant may use when Vlans is not given. */
export const DEFAULT_VLANS = '1-4094';
/** VXLAN VNIs a tenant may use when Vxlans is not given. */
export const DEFAULT_VXLANS = '10001-14000';
/** Lowest valid VLAN id (802.1Q reserves 0). */
export const VLAN_MIN = 1;
/** Highest valid VLAN id (802.1Q reserves 4095). */
export const VLAN_MAX = 4094;
/** Lowest VXLAN VNI handed out (0 is left out as "no VNI"). */
export const VNI_MIN = 1;
/** Highest VXLAN VNI (the field is 24 bits). */
export const VNI_MAX = 16777215;
/** Longest prefix a network may have: a gateway and at least one endpoint must fit. */
export const MAX_SUBNET_LEN = 30;
/** Container MTU per tagging: VXLAN loses 50 bytes to its encapsulation. */
export const MTU: Record<PktTagType, number> = { vlan: 1500, vxlan: 1450 };

/** A tenant's settings with defaults applied; a field is undefined when its text is invalid. */
export interface TenantSettings {
  pool?: Cidr;
  allocSubnetLen: number;
  vlans?: IdRange[];
  vxlans?: IdRange[];
  vlansText: string;
  vxlansText: string;
  /** Why Vlans / Vxlans did not parse, when they did not. */
  vlansError?: string;
  vxlansError?: string;
}

/** Applies the defaults to a tenant and parses its pools (invalid ones come back undefined). */
export function tenantSettings(t: TenantIntent): TenantSettings {
  const pool = t.subnetPool === undefined ? undefined : parseCidr(t.subnetPool);
  const vlansText = t.vlans ?? DEFAULT_VLANS;
  const vxlansText = t.vxlans ?? DEFAULT_VXLANS;
  const vlans = parseRanges(vlansText, VLAN_MIN, VLAN_MAX, 'VLAN');
  const vxlans = parseRanges(vxlansText, VNI_MIN, VNI_MAX, 'VXLAN');
  return {
    pool: pool?.ok ? pool.cidr : undefined,
    allocSubnetLen: t.allocSubnetLen ?? DEFAULT_ALLOC_SUBNET_LEN,
    vlans: vlans.ok ? vlans.ranges : undefined,
    vxlans: vxlans.ok ? vxlans.ranges : undefined,
    vlansText,
    vxlansText,
    vlansError: vlans.ok ? undefined : vlans.reason,
    vxlansError: vxlans.ok ? undefined : vxlans.reason,
  };
}

/** Human name of a tag kind, for messages. */
export function tagName(t: PktTagType): string {
  return t === 'vlan' ? 'VLAN' : 'VXLAN';
}
