/**
 * Checks of a vfSet op before anything is encoded: each bad field is refused with its name and
 * the reason, so nothing half-configured reaches the PF.
 */
import { invalid } from './op-errors.js';
import type { OpError, VfSettings } from './types.js';

/** The largest VF number the kernel accepts (do_setvfinfo refuses vf >= INT_MAX). */
export const MAX_VF = 2 ** 31 - 2;
/** 802.1Q VLAN IDs are 12 bits. */
export const MAX_VF_VLAN = 4095;
/** 802.1p priority is 3 bits. */
export const MAX_VF_QOS = 7;
/** Rates are u32 Mbit/s on the wire. */
export const MAX_VF_RATE = 2 ** 32 - 1;

const VLAN_PROTOS = ['802.1Q', '802.1ad'];
const LINK_STATES = ['auto', 'enable', 'disable'];
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

function whole(v: unknown, max: number): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;
}

/** The first problem with `s` for PF `pf` as an NP_INVALID_ARGUMENT error naming the field, or undefined. */
export function checkVfSettings(pf: string, s: VfSettings): OpError | undefined {
  const bad = (field: string, why: string) => invalid(`vfSet ${pf} vf ${String(s.vf)}: ${field} ${why}`);
  if (!whole(s.vf, MAX_VF)) return bad('vf', `must be an integer 0-${MAX_VF}`);
  if (s.mac !== undefined) {
    if (typeof s.mac !== 'string' || !MAC.test(s.mac)) return bad('mac', `'${String(s.mac)}' is not a MAC address`);
    // A VF's admin MAC is its unicast station address; drivers refuse group addresses anyway.
    if (parseInt(s.mac.slice(0, 2), 16) & 1) return bad('mac', `'${s.mac}' is a multicast address`);
  }
  if (s.vlan !== undefined && !whole(s.vlan, MAX_VF_VLAN)) return bad('vlan', `${String(s.vlan)} must be 0-${MAX_VF_VLAN}`);
  if (s.qos !== undefined && !whole(s.qos, MAX_VF_QOS)) return bad('qos', `${String(s.qos)} must be 0-${MAX_VF_QOS}`);
  if (s.vlanProto !== undefined && !VLAN_PROTOS.includes(s.vlanProto)) return bad('vlanProto', `'${String(s.vlanProto)}' must be 802.1Q or 802.1ad`);
  if (s.vlan === undefined && (s.qos !== undefined || s.vlanProto !== undefined)) return bad(s.qos !== undefined ? 'qos' : 'vlanProto', 'needs vlan');
  for (const field of ['txRate', 'minTxRate', 'maxTxRate'] as const) {
    const v = s[field];
    if (v !== undefined && !whole(v, MAX_VF_RATE)) return bad(field, `${String(v)} must be an integer 0-${MAX_VF_RATE} (Mbit/s)`);
  }
  if (s.txRate !== undefined && (s.minTxRate !== undefined || s.maxTxRate !== undefined)) {
    return bad('txRate', 'is the legacy form of maxTxRate; give maxTxRate/minTxRate instead');
  }
  // A max of 0 means no limit, so any guarantee fits under it (iproute2 checks the same way).
  if (s.minTxRate !== undefined && s.maxTxRate !== undefined && s.maxTxRate !== 0 && s.minTxRate > s.maxTxRate) {
    return bad('minTxRate', `${s.minTxRate} is above maxTxRate ${s.maxTxRate}`);
  }
  for (const field of ['spoofchk', 'trust'] as const) {
    const v = s[field];
    if (v !== undefined && typeof v !== 'boolean') return bad(field, 'must be true or false');
  }
  if (s.linkState !== undefined && !LINK_STATES.includes(s.linkState)) return bad('linkState', `'${String(s.linkState)}' must be auto, enable or disable`);
  const settings = ['mac', 'vlan', 'txRate', 'minTxRate', 'maxTxRate', 'spoofchk', 'trust', 'linkState'] as const;
  if (!settings.some((k) => s[k] !== undefined)) return bad('settings', 'are empty: nothing to set');
  return undefined;
}
