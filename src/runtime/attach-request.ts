/**
 * The attach request as callers may send it: every field's type, size and form checked, and
 * nothing else accepted. The local API parses JSON bodies with `parseAttachRequest` (an
 * unknown field, `handoffPeer` included, is refused); the runtime service checks in-process
 * callers (the Docker plugin, the CNI route) with `validateAttachRequest`. Pure.
 */
import { NetpluginError } from '../common/errors.js';
import { ifNameProblem } from '../common/ifname.js';
import { ipToInt } from '../alloc/ip.js';
import { BURST_MAX, BURST_MIN, dscpProblem, RATE_MAX, RATE_MIN } from '../intent/qos.js';
import type { AttachRequest } from './types.js';

/** Size limits of an attach request's fields (bytes for strings, entries for lists and maps). */
export const ATTACH_LIMITS = {
  key: 512,
  containerId: 256,
  name: 128,
  intentNames: 16,
  /** As containerId: CNI looks a container up by its id too. */
  intentName: 256,
  ipClaimedBy: 512,
  /** PATH_MAX - 1: the longest path open(2) takes. */
  netns: 4095,
  labels: 64,
  labelKey: 253,
  labelValue: 1024,
  groups: 64,
  group: 128,
} as const;

/** Every field an AttachRequest may carry; anything else is refused by name. */
export const ATTACH_FIELDS: readonly (keyof AttachRequest)[] = [
  'source', 'key', 'containerId', 'intentNames', 'tenant', 'network', 'ip', 'ipClaimedBy', 'externalAddress', 'mac', 'netns', 'ifName', 'labels', 'groups', 'qos',
];

const QOS_FIELDS = ['bandwidth', 'dscp'];
const BANDWIDTH_FIELDS = ['egress', 'ingress'];
const LIMIT_FIELDS = ['rate', 'burst'];

const EXTERNAL_ADDRESS_FIELDS = ['ip', 'prefixLen', 'gateway'];
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const MAC_RE = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i;

function bad(field: string, why: string): NetpluginError {
  return new NetpluginError('NP_INVALID_ARGUMENT', `${field}: ${why}`, { field });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Shows a caller's value in an error without letting a huge one flood it. */
function shown(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function string(field: string, v: unknown, max: number, required = false): void {
  if (v === undefined && !required) return;
  if (typeof v !== 'string') throw bad(field, `must be a string, not ${v === null ? 'null' : typeof v}`);
  if (v === '') throw bad(field, 'must not be empty');
  if (Buffer.byteLength(v) > max) throw bad(field, `must be at most ${max} bytes (got ${Buffer.byteLength(v)})`);
  // NUL and other control characters end a C string or a log line early.
  if (/[\u0000-\u001f\u007f]/.test(v)) throw bad(field, 'must not contain control characters');
}

function name(field: string, v: unknown): void {
  string(field, v, ATTACH_LIMITS.name);
  if (v !== undefined && !NAME_RE.test(v as string)) throw bad(field, `${shown(v)} is not a valid name (letters, digits, '_', '.', '-'; starting with a letter or digit)`);
}

function ipv4(field: string, v: unknown): void {
  if (v === undefined) return;
  if (typeof v !== 'string' || ipToInt(v) === undefined) throw bad(field, `${shown(v)} is not an IPv4 address`);
}

function unknownFields(field: string, v: Record<string, unknown>, known: readonly string[]): void {
  const extra = Object.keys(v).filter((k) => !known.includes(k));
  if (extra.length > 0) {
    const path = field ? `${field}.${extra[0]}` : extra[0];
    throw bad(path, `is not a field of the attach request (accepted: ${known.join(', ')})`);
  }
}

/** Checks every field of `req` (types, sizes, forms); the first bad one is named in an NP_INVALID_ARGUMENT. */
export function validateAttachRequest(req: AttachRequest): void {
  const r = req as unknown as Record<string, unknown>;
  if (r.source !== 'cni' && r.source !== 'docker') throw bad('source', `must be "cni" or "docker", not ${shown(r.source)}`);
  string('key', r.key, ATTACH_LIMITS.key, true);
  string('containerId', r.containerId, ATTACH_LIMITS.containerId, true);
  if (r.intentNames !== undefined) {
    if (!Array.isArray(r.intentNames)) throw bad('intentNames', 'must be a list of strings');
    if (r.intentNames.length > ATTACH_LIMITS.intentNames) throw bad('intentNames', `must have at most ${ATTACH_LIMITS.intentNames} entries (got ${r.intentNames.length})`);
    r.intentNames.forEach((n, i) => string(`intentNames[${i}]`, n, ATTACH_LIMITS.intentName, true));
  }
  name('tenant', r.tenant);
  name('network', r.network);
  ipv4('ip', r.ip);
  string('ipClaimedBy', r.ipClaimedBy, ATTACH_LIMITS.ipClaimedBy);
  if (r.ipClaimedBy !== undefined && r.ip === undefined) throw bad('ipClaimedBy', 'needs ip');
  if (r.externalAddress !== undefined) {
    const x = r.externalAddress;
    if (!isObject(x)) throw bad('externalAddress', 'must be an object {ip, prefixLen, gateway?}');
    unknownFields('externalAddress', x, EXTERNAL_ADDRESS_FIELDS);
    if (x.ip === undefined) throw bad('externalAddress.ip', 'is required');
    ipv4('externalAddress.ip', x.ip);
    if (typeof x.prefixLen !== 'number' || !Number.isInteger(x.prefixLen) || x.prefixLen < 0 || x.prefixLen > 32) throw bad('externalAddress.prefixLen', `must be an integer 0-32, not ${shown(x.prefixLen)}`);
    ipv4('externalAddress.gateway', x.gateway);
  }
  if (r.mac !== undefined) {
    if (typeof r.mac !== 'string' || !MAC_RE.test(r.mac)) throw bad('mac', `${shown(r.mac)} is not a MAC address (aa:bb:cc:dd:ee:ff)`);
    if (parseInt(r.mac.slice(0, 2), 16) & 1) throw bad('mac', `${r.mac} is a multicast address`);
  }
  string('netns', r.netns, ATTACH_LIMITS.netns);
  if (r.netns !== undefined && !(r.netns as string).startsWith('/')) throw bad('netns', 'must be an absolute path');
  if (r.ifName !== undefined) {
    const problem = ifNameProblem(r.ifName);
    if (problem) throw bad('ifName', `${shown(r.ifName)} ${problem}`);
  }
  if (r.labels !== undefined) {
    if (!isObject(r.labels)) throw bad('labels', 'must be an object of strings');
    const entries = Object.entries(r.labels);
    if (entries.length > ATTACH_LIMITS.labels) throw bad('labels', `must have at most ${ATTACH_LIMITS.labels} entries (got ${entries.length})`);
    for (const [k, v] of entries) {
      string('labels (a key)', k, ATTACH_LIMITS.labelKey, true);
      if (typeof v !== 'string') throw bad(`labels.${k}`, `must be a string, not ${v === null ? 'null' : typeof v}`);
      if (Buffer.byteLength(v) > ATTACH_LIMITS.labelValue) throw bad(`labels.${k}`, `must be at most ${ATTACH_LIMITS.labelValue} bytes`);
    }
  }
  if (r.groups !== undefined) {
    if (!Array.isArray(r.groups)) throw bad('groups', 'must be a list of group names');
    if (r.groups.length > ATTACH_LIMITS.groups) throw bad('groups', `must have at most ${ATTACH_LIMITS.groups} entries (got ${r.groups.length})`);
    r.groups.forEach((g, i) => {
      string(`groups[${i}]`, g, ATTACH_LIMITS.group, true);
      // The intent's rule for names: they become parts of ids.
      if (/[\s/]/.test(g as string)) throw bad(`groups[${i}]`, `${shown(g)} must not contain '/' or whitespace`);
    });
  }
  if (r.qos !== undefined) validateQos(r.qos);
}

/** An integer in [min, max] (bits/s or bits), or NP_INVALID_ARGUMENT naming `field`. */
function bits(field: string, v: unknown, min: number, max: number, unit: string): void {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw bad(field, `must be an integer number of ${unit}, not ${shown(v)}`);
  if (v < min || v > max) throw bad(field, `${v} ${unit} is outside ${min}-${max}`);
}

/** Checks `qos` ({bandwidth?: {egress?, ingress?: {rate, burst}}, dscp?}): numbers only, each in range. */
function validateQos(v: unknown): void {
  if (!isObject(v)) throw bad('qos', 'must be an object {bandwidth?, dscp?}');
  unknownFields('qos', v, QOS_FIELDS);
  if (v.bandwidth !== undefined) {
    if (!isObject(v.bandwidth)) throw bad('qos.bandwidth', 'must be an object {egress?, ingress?}');
    unknownFields('qos.bandwidth', v.bandwidth, BANDWIDTH_FIELDS);
    for (const dir of BANDWIDTH_FIELDS) {
      const l = v.bandwidth[dir];
      if (l === undefined) continue;
      const field = `qos.bandwidth.${dir}`;
      if (!isObject(l)) throw bad(field, 'must be an object {rate, burst}');
      unknownFields(field, l, LIMIT_FIELDS);
      bits(`${field}.rate`, l.rate, RATE_MIN, RATE_MAX, 'bits/s');
      bits(`${field}.burst`, l.burst, BURST_MIN, BURST_MAX, 'bits');
    }
  }
  if (v.dscp !== undefined) {
    const problem = dscpProblem(v.dscp);
    if (problem) throw bad('qos.dscp', problem);
  }
}

/**
 * An attach request from a caller's JSON value: an object with only AttachRequest's fields,
 * each valid. What the agent decides itself (the Docker hand-off veth) is not among them.
 */
export function parseAttachRequest(body: unknown): AttachRequest {
  if (!isObject(body)) throw bad('body', 'must be a JSON object (an AttachRequest)');
  unknownFields('', body, ATTACH_FIELDS);
  const req = body as unknown as AttachRequest;
  validateAttachRequest(req);
  return req;
}
