/**
 * Flow-mods laid out flat for the C++ encoder (layout: native/openflow/packed.h), so it reads numbers from two
 * typed arrays instead of making dozens of N-API property reads per flow. JS reads the objects at JIT speed.
 * The packer only lays out what it is sure the object path would encode the same way; anything else (move, ct and
 * raw actions, unusual spellings, bad input) is marked "read this one from its object", so errors and rare
 * shapes keep exactly one implementation.
 */
import {
  OFP_NO_BUFFER,
  OFPAT_DEC_NW_TTL,
  OFPAT_GROUP,
  OFPAT_OUTPUT,
  OFPAT_POP_VLAN,
  OFPAT_PUSH_VLAN,
  OFPAT_SET_FIELD,
  OFPAT_SET_QUEUE,
  OFPFC_ADD,
  OFPFC_DELETE,
  OFPFC_DELETE_STRICT,
  OFPFC_MODIFY,
  OFPFC_MODIFY_STRICT,
  OFPG_ANY,
  OFPIT_APPLY_ACTIONS,
  OFPIT_CLEAR_ACTIONS,
  OFPIT_GOTO_TABLE,
  OFPIT_METER,
  OFPIT_WRITE_ACTIONS,
  OFPIT_WRITE_METADATA,
  OFPP_ANY,
} from './constants.js';
import type { FlowMod } from './types.js';

/** One match field as the native table lists it (its position is the index the layout uses). */
export interface NativeMatchField {
  name: string;
  width: number;
  kind: 'uint' | 'u64' | 'mac' | 'ipv4';
  maskable: boolean;
}

/** Tags of native/openflow/packed.h. */
const PACKED_MOD = 0;
const OBJECT_MOD = 1;
const U64_MAX = 0xffffffffffffffffn;

/** What a match key means: the field's index, its kind, and whether the key is the field's mask. */
interface KeyInfo {
  index: number;
  kind: NativeMatchField['kind'];
  /** Largest value for 'uint' fields. */
  max: number;
  maskable: boolean;
  isMask: boolean;
  /** The other half of the pair: the mask's key for a value key, the value's key for a mask key. */
  partner: string;
}

/** Thrown inside the packer when a mod must go the object path; never escapes it. */
const BAIL = Symbol('bail');

/** The packed layout of a run of flow-mods: `words` and `wide` are views valid until the next pack. */
export interface PackedFlowMods {
  words: Uint32Array;
  wide: BigUint64Array;
  /** How many mods were marked to be read from their objects. */
  fromObjects: number;
}

/** Lays flow-mods out for encodeFlowModsPacked; one instance reuses its arrays between calls (not reentrant). */
export class FlowModPacker {
  private readonly keys = new Map<string, KeyInfo>();
  private readonly setFieldIndex = new Map<string, KeyInfo>();
  private words = new Uint32Array(1 << 16);
  private wide = new BigUint64Array(1 << 13);
  private n = 0;
  private x = 0;

  constructor(fields: NativeMatchField[]) {
    fields.forEach((f, index) => {
      const max = f.kind === 'uint' ? 2 ** (8 * f.width) - 1 : 0;
      const value: KeyInfo = { index, kind: f.kind, max, maskable: f.maskable, isMask: false, partner: `${f.name}Mask` };
      this.keys.set(f.name, value);
      this.setFieldIndex.set(f.name, value);
      if (f.maskable) this.keys.set(`${f.name}Mask`, { ...value, isMask: true, partner: f.name });
    });
  }

  /** Packs `mods` (all of them; a mod the packer does not take is marked for the object path). */
  pack(mods: readonly FlowMod[]): PackedFlowMods {
    this.n = 0;
    this.x = 0;
    let fromObjects = 0;
    for (let i = 0; i < mods.length; i++) {
      const n0 = this.n;
      const x0 = this.x;
      try {
        this.word(PACKED_MOD);
        this.mod(mods[i]);
      } catch (e) {
        if (e !== BAIL) throw e;
        this.n = n0;
        this.x = x0;
        this.word(OBJECT_MOD);
        fromObjects++;
      }
    }
    return { words: this.words.subarray(0, this.n), wide: this.wide.subarray(0, this.x), fromObjects };
  }

  private mod(m: FlowMod): void {
    if (typeof m !== 'object' || m === null) throw BAIL;
    this.word(command(m.command));
    this.word(req(m.tableId, 0xff));
    this.word(req(m.priority, 0xffff));
    this.word(opt(m.idleTimeout, 0xffff, 0));
    this.word(opt(m.hardTimeout, 0xffff, 0));
    this.word(opt(m.flags, 0xffff, 0));
    this.word(opt(m.bufferId, 0xffffffff, OFP_NO_BUFFER));
    this.word(opt(m.outPort, 0xffffffff, OFPP_ANY));
    this.word(opt(m.outGroup, 0xffffffff, OFPG_ANY));
    this.u64(opt64(m.cookie, 0n));
    this.u64(opt64(m.cookieMask, 0n));
    this.match(m.match);
    this.instructions(m.instructions);
  }

  private match(match: unknown): void {
    if (match === undefined || match === null) {
      this.word(0);
      return;
    }
    if (typeof match !== 'object' || Array.isArray(match)) throw BAIL;
    const o = match as Record<string, unknown>;
    const countAt = this.n;
    this.word(0);
    let count = 0;
    for (const key in o) {
      const v = o[key];
      if (v === undefined) continue;
      const k = this.keys.get(key);
      if (k === undefined) throw BAIL;
      if (k.isMask) {
        // Written beside its value; a mask alone is an error the object path reports.
        if (o[k.partner] === undefined) throw BAIL;
        continue;
      }
      const mask = k.maskable ? o[k.partner] : undefined;
      this.word(k.index);
      this.word(mask === undefined ? 0 : 1);
      this.value(k, v);
      if (mask !== undefined) this.value(k, mask);
      count++;
    }
    this.words[countAt] = count;
  }

  private value(k: KeyInfo, v: unknown): void {
    switch (k.kind) {
      case 'uint':
        this.word(req(v, k.max));
        return;
      case 'u64':
        this.u64(req64(v));
        return;
      case 'mac':
        this.mac(v);
        return;
      case 'ipv4':
        this.word(ipv4(v));
        return;
    }
  }

  private instructions(list: unknown): void {
    if (list === undefined) {
      this.word(0);
      return;
    }
    if (!Array.isArray(list) || list.length > 0xffff) throw BAIL;
    this.word(list.length);
    for (const ins of list as unknown[]) {
      if (typeof ins !== 'object' || ins === null) throw BAIL;
      const i = ins as Record<string, unknown>;
      switch (i.type) {
        case 'gotoTable':
          this.word(OFPIT_GOTO_TABLE);
          this.word(req(i.tableId, 0xff));
          break;
        case 'writeMetadata':
          this.word(OFPIT_WRITE_METADATA);
          this.u64(req64(i.metadata));
          this.u64(opt64(i.mask, U64_MAX));
          break;
        case 'applyActions':
        case 'writeActions':
          this.word(i.type === 'applyActions' ? OFPIT_APPLY_ACTIONS : OFPIT_WRITE_ACTIONS);
          this.actions(i.actions);
          break;
        case 'clearActions':
          this.word(OFPIT_CLEAR_ACTIONS);
          break;
        case 'meter':
          this.word(OFPIT_METER);
          this.word(req(i.meterId, 0xffffffff));
          break;
        default:
          throw BAIL;
      }
    }
  }

  private actions(list: unknown): void {
    if (list === undefined) {
      this.word(0);
      return;
    }
    if (!Array.isArray(list) || list.length > 0xffff) throw BAIL;
    this.word(list.length);
    for (const act of list as unknown[]) {
      if (typeof act !== 'object' || act === null) throw BAIL;
      const a = act as Record<string, unknown>;
      switch (a.type) {
        case 'output':
          this.word(OFPAT_OUTPUT);
          this.word(req(a.port, 0xffffffff));
          this.word(opt(a.maxLen, 0xffff, 0));
          break;
        case 'group':
          this.word(OFPAT_GROUP);
          this.word(req(a.groupId, 0xffffffff));
          break;
        case 'setField': {
          const k = typeof a.field === 'string' ? this.setFieldIndex.get(a.field) : undefined;
          if (k === undefined) throw BAIL;
          this.word(OFPAT_SET_FIELD);
          this.word(k.index);
          this.value(k, a.value);
          break;
        }
        case 'pushVlan':
          this.word(OFPAT_PUSH_VLAN);
          this.word(opt(a.ethertype, 0xffff, 0x8100));
          break;
        case 'popVlan':
          this.word(OFPAT_POP_VLAN);
          break;
        case 'decNwTtl':
          this.word(OFPAT_DEC_NW_TTL);
          break;
        case 'setQueue':
          this.word(OFPAT_SET_QUEUE);
          this.word(req(a.queueId, 0xffffffff));
          break;
        default:
          throw BAIL;
      }
    }
  }

  private mac(v: unknown): void {
    if (typeof v !== 'string' || v.length !== 17) throw BAIL;
    let hi = 0;
    let lo = 0;
    for (let b = 0; b < 6; b++) {
      const p = b * 3;
      if (b < 5) {
        const sep = v.charCodeAt(p + 2);
        if (sep !== 0x3a && sep !== 0x2d) throw BAIL;
      }
      const byte = (hexDigit(v.charCodeAt(p)) << 4) | hexDigit(v.charCodeAt(p + 1));
      if (b < 2) hi = (hi << 8) | byte;
      else lo = lo * 256 + byte;
    }
    this.word(hi);
    this.word(lo);
  }

  private word(v: number): void {
    if (this.n === this.words.length) {
      const bigger = new Uint32Array(this.words.length * 2);
      bigger.set(this.words);
      this.words = bigger;
    }
    this.words[this.n++] = v;
  }

  private u64(v: bigint): void {
    if (this.x === this.wide.length) {
      const bigger = new BigUint64Array(this.wide.length * 2);
      bigger.set(this.wide);
      this.wide = bigger;
    }
    this.wide[this.x++] = v;
  }
}

function command(c: unknown): number {
  switch (c) {
    case 'add':
      return OFPFC_ADD;
    case 'modify':
      return OFPFC_MODIFY;
    case 'modifyStrict':
      return OFPFC_MODIFY_STRICT;
    case 'delete':
      return OFPFC_DELETE;
    case 'deleteStrict':
      return OFPFC_DELETE_STRICT;
    default:
      throw BAIL;
  }
}

/** An unsigned integer (number or bigint) no larger than `max` (at most 32 bits), as the object path accepts it. */
function req(v: unknown, max: number): number {
  if (typeof v === 'number') {
    if (v >= 0 && v <= max && Number.isInteger(v)) return v;
  } else if (typeof v === 'bigint' && v >= 0n && v <= BigInt(max)) {
    return Number(v);
  }
  throw BAIL;
}

/** Absent (undefined or null) means the default. */
function opt(v: unknown, max: number, dflt: number): number {
  return v === undefined || v === null ? dflt : req(v, max);
}

function req64(v: unknown): bigint {
  if (typeof v === 'bigint') {
    if (v >= 0n && v <= U64_MAX) return v;
  } else if (typeof v === 'number' && v >= 0 && v <= Number.MAX_SAFE_INTEGER && Number.isInteger(v)) {
    return BigInt(v);
  }
  throw BAIL;
}

function opt64(v: unknown, dflt: bigint): bigint {
  return v === undefined || v === null ? dflt : req64(v);
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  throw BAIL;
}

/** Dotted quad as the object path parses it (1-3 digits per octet, each at most 255). */
function ipv4(v: unknown): number {
  if (typeof v !== 'string' || v.length < 7 || v.length > 15) throw BAIL;
  let out = 0;
  let octets = 0;
  let cur = 0;
  let digits = 0;
  for (let i = 0; i <= v.length; i++) {
    const c = i < v.length ? v.charCodeAt(i) : 0x2e;
    if (c >= 0x30 && c <= 0x39 && digits < 3) {
      cur = cur * 10 + (c - 0x30);
      digits++;
    } else if (c === 0x2e && digits > 0 && cur <= 255 && octets < 4) {
      out = out * 256 + cur;
      octets++;
      cur = 0;
      digits = 0;
    } else {
      throw BAIL;
    }
  }
  if (octets !== 4) throw BAIL;
  return out;
}
