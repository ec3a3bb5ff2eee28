/**
 * CNI success results: their shape per spec version (0.3.x/0.4.0 `ips[].version`, 1.1.0
 * interface `mtu`/`socketPath`/`pciID` and route attributes), validation of results we
 * receive (`prevResult`, a delegated IPAM plugin's answer), conversion between versions,
 * and the result of one attachment. Pure.
 */
import { isIP } from 'node:net';
import type { ErrorCode } from '../common/errors.js';
import type { AttachmentStatus } from '../runtime/types.js';
import { CNI_CODES, cniError } from './errors.js';
import { compareVersions, type CniVersion } from './versions.js';

/** An interface of a result. */
export interface CniInterface {
  name: string;
  mac?: string;
  sandbox?: string;
  /** 1.1.0 only. */
  mtu?: number;
  /** 1.1.0 only. */
  socketPath?: string;
  /** 1.1.0 only. */
  pciID?: string;
}

/** An address of a result. */
export interface CniIp {
  /** Before 1.0.0 only: "4" or "6". */
  version?: '4' | '6';
  address: string;
  gateway?: string;
  interface?: number;
}

/** A route of a result. */
export interface CniRoute {
  dst: string;
  gw?: string;
  /** 1.1.0 only (with advmss, priority, table, scope). */
  mtu?: number;
  advmss?: number;
  priority?: number;
  table?: number;
  scope?: number;
}

/** DNS settings of a result or a configuration. */
export interface CniDns {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}

/** A success result (IPAM plugins return it without `interfaces`). */
export interface CniResult {
  cniVersion: string;
  interfaces?: CniInterface[];
  ips?: CniIp[];
  routes?: CniRoute[];
  dns?: CniDns;
  /** Keys we do not know are kept, so a chained plugin's additions survive. */
  [extra: string]: unknown;
}

/** Who produced a result being read: decides the error code and field prefix of a complaint. */
export type ResultSource = 'prevResult' | 'ipam';

function complain(source: ResultSource, path: string, why: string): never {
  const np: ErrorCode = source === 'ipam' ? 'NP_IPAM_DELEGATE' : 'NP_CNI_CONFIG';
  const code = source === 'ipam' ? CNI_CODES.IPAM_FAILED : CNI_CODES.INVALID_CONFIG;
  const field = source === 'ipam' ? `ipam result ${path}` : `prevResult${path ? '.' + path : ''}`;
  throw cniError(np, code, `${field}: ${why}`, undefined, { field });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Splits `a.b.c.d/n` (v4 or v6) or returns undefined. */
export function parseCidr(s: string): { ip: string; prefixLen: number; family: 4 | 6 } | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const ip = s.slice(0, slash);
  const len = s.slice(slash + 1);
  const family = isIP(ip);
  if (!family || !/^\d{1,3}$/.test(len)) return undefined;
  const prefixLen = Number(len);
  if (prefixLen > (family === 4 ? 32 : 128)) return undefined;
  return { ip, prefixLen, family: family as 4 | 6 };
}

function optString(o: Record<string, unknown>, key: string, source: ResultSource, path: string): string | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') complain(source, `${path}.${key}`, 'must be a string');
  return v;
}

function optInt(o: Record<string, unknown>, key: string, source: ResultSource, path: string): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) complain(source, `${path}.${key}`, 'must be a non-negative integer');
  return v;
}

function optStrings(o: Record<string, unknown>, key: string, source: ResultSource, path: string): string[] | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) complain(source, `${path}.${key}`, 'must be a list of strings');
  return v as string[];
}

/** Validates a `dns` object (of a configuration or a result). */
export function readDns(v: unknown, source: ResultSource, path: string): CniDns | undefined {
  if (v === undefined) return undefined;
  if (!isObject(v)) complain(source, path, 'must be an object');
  const dns: CniDns = {};
  const nameservers = optStrings(v, 'nameservers', source, path);
  const domain = optString(v, 'domain', source, path);
  const search = optStrings(v, 'search', source, path);
  const options = optStrings(v, 'options', source, path);
  if (nameservers) dns.nameservers = nameservers;
  if (domain !== undefined) dns.domain = domain;
  if (search) dns.search = search;
  if (options) dns.options = options;
  return dns;
}

/**
 * Reads a result of any supported version and returns it in version `to`: validates every
 * field, adds or drops `ips[].version`, drops 1.1.0-only fields for older versions.
 */
export function convertResult(input: unknown, to: CniVersion, source: ResultSource): CniResult {
  if (!isObject(input)) complain(source, '', 'must be a JSON object');
  if (input.ip4 !== undefined || input.ip6 !== undefined) complain(source, '', 'is in the pre-0.3.0 format (ip4/ip6), which this plugin does not read');
  const v11 = compareVersions(to, '1.1.0') >= 0;
  const withVersion = compareVersions(to, '1.0.0') < 0;
  const out: CniResult = { cniVersion: to };
  for (const [k, v] of Object.entries(input)) {
    if (!['cniVersion', 'interfaces', 'ips', 'routes', 'dns'].includes(k)) out[k] = v;
  }

  if (input.interfaces !== undefined) {
    if (!Array.isArray(input.interfaces)) complain(source, 'interfaces', 'must be a list');
    out.interfaces = input.interfaces.map((raw, i) => {
      const path = `interfaces[${i}]`;
      if (!isObject(raw)) complain(source, path, 'must be an object');
      const name = optString(raw, 'name', source, path);
      if (!name) complain(source, `${path}.name`, 'is required');
      const itf: CniInterface = { name };
      const mac = optString(raw, 'mac', source, path);
      const sandbox = optString(raw, 'sandbox', source, path);
      if (mac) itf.mac = mac;
      if (sandbox) itf.sandbox = sandbox;
      if (v11) {
        const mtu = optInt(raw, 'mtu', source, path);
        const socketPath = optString(raw, 'socketPath', source, path);
        const pciID = optString(raw, 'pciID', source, path);
        if (mtu !== undefined) itf.mtu = mtu;
        if (socketPath) itf.socketPath = socketPath;
        if (pciID) itf.pciID = pciID;
      }
      return itf;
    });
  }

  if (input.ips !== undefined) {
    if (!Array.isArray(input.ips)) complain(source, 'ips', 'must be a list');
    out.ips = input.ips.map((raw, i) => {
      const path = `ips[${i}]`;
      if (!isObject(raw)) complain(source, path, 'must be an object');
      const address = optString(raw, 'address', source, path);
      const cidr = address ? parseCidr(address) : undefined;
      if (!address || !cidr) complain(source, `${path}.address`, 'must be an address in CIDR notation (e.g. 10.1.0.5/24)');
      const gateway = optString(raw, 'gateway', source, path);
      if (gateway !== undefined && isIP(gateway) !== cidr.family) complain(source, `${path}.gateway`, `must be an IPv${cidr.family} address`);
      const itf = optInt(raw, 'interface', source, path);
      if (itf !== undefined && out.interfaces && itf >= out.interfaces.length) complain(source, `${path}.interface`, 'is not an index into interfaces');
      const ip: CniIp = withVersion ? { version: cidr.family === 6 ? '6' : '4', address } : { address };
      if (gateway) ip.gateway = gateway;
      if (itf !== undefined) ip.interface = itf;
      return ip;
    });
  }

  if (input.routes !== undefined) {
    if (!Array.isArray(input.routes)) complain(source, 'routes', 'must be a list');
    out.routes = input.routes.map((raw, i) => {
      const path = `routes[${i}]`;
      if (!isObject(raw)) complain(source, path, 'must be an object');
      const dst = optString(raw, 'dst', source, path);
      if (!dst || !parseCidr(dst)) complain(source, `${path}.dst`, 'must be a destination in CIDR notation');
      const gw = optString(raw, 'gw', source, path);
      if (gw !== undefined && !isIP(gw)) complain(source, `${path}.gw`, 'must be an IP address');
      const route: CniRoute = { dst };
      if (gw) route.gw = gw;
      if (v11) {
        for (const k of ['mtu', 'advmss', 'priority', 'table', 'scope'] as const) {
          const n = optInt(raw, k, source, path);
          if (n !== undefined) route[k] = n;
        }
      }
      return route;
    });
  }

  const dns = readDns(input.dns, source, 'dns');
  if (dns) out.dns = dns;
  return out;
}

/** Where a new attachment's interface goes and what it is. */
export interface AttachmentView {
  attachment: AttachmentStatus;
  ifName: string;
  netns: string;
  /** Configured DNS (from the network configuration or the IPAM result). */
  dns?: CniDns;
  /** Report a default route via the gateway (the agent adds one when the container has none). */
  defaultRoute: boolean;
}

/** The result of one of our attachments, in version `to`. */
export function attachmentResult(view: AttachmentView, to: CniVersion): CniResult {
  const a = view.attachment;
  const interfaces: CniInterface[] = [];
  if (a.hostPort) interfaces.push({ name: a.hostPort });
  const container: CniInterface = { name: view.ifName, mac: a.mac, sandbox: view.netns };
  if (compareVersions(to, '1.1.0') >= 0 && a.mtu > 0) container.mtu = a.mtu;
  interfaces.push(container);
  const address = `${a.ip}/${a.prefixLen}`;
  const ip: CniIp = compareVersions(to, '1.0.0') < 0 ? { version: '4', address } : { address };
  if (a.gateway) ip.gateway = a.gateway;
  ip.interface = interfaces.length - 1;
  const result: CniResult = { cniVersion: to, interfaces, ips: [ip] };
  result.routes = view.defaultRoute && a.gateway ? [{ dst: '0.0.0.0/0', gw: a.gateway }] : [];
  result.dns = view.dns ?? {};
  return result;
}

/**
 * Chains our result after a previous plugin's (ADD with `prevResult`): their interfaces
 * first, our interface indexes shifted, routes appended, their DNS kept unless empty.
 */
export function mergeResults(prev: CniResult | undefined, ours: CniResult): CniResult {
  if (!prev) return ours;
  const base = prev.interfaces ?? [];
  const shift = base.length;
  const merged: CniResult = { ...prev, cniVersion: ours.cniVersion };
  merged.interfaces = [...base, ...(ours.interfaces ?? [])];
  merged.ips = [...(prev.ips ?? []), ...(ours.ips ?? []).map((ip) => (ip.interface === undefined ? ip : { ...ip, interface: ip.interface + shift }))];
  merged.routes = [...(prev.routes ?? []), ...(ours.routes ?? [])];
  const prevDns = prev.dns && Object.keys(prev.dns).length ? prev.dns : undefined;
  merged.dns = prevDns ?? ours.dns ?? {};
  return merged;
}

/** Whether a result already routes the default destination (so we add none). */
export function hasDefaultRoute(r: CniResult | undefined): boolean {
  return !!r?.routes?.some((x) => x.dst === '0.0.0.0/0');
}

/** Serializes a result with the spec's key order first. */
export function encodeResult(r: CniResult): string {
  const { cniVersion, interfaces, ips, routes, dns, ...extra } = r;
  const ordered: Record<string, unknown> = { cniVersion };
  if (interfaces) ordered.interfaces = interfaces;
  if (ips) ordered.ips = ips;
  if (routes) ordered.routes = routes;
  if (dns) ordered.dns = dns;
  return JSON.stringify({ ...ordered, ...extra });
}
