/**
 * The network configuration a runtime streams on stdin — a single-plugin `.conf`, or one
 * plugin's entry of a `.conflist` as the runtime derives it (`name` and `cniVersion`
 * inserted, `runtimeConfig` and `prevResult` added). Validated whole; each problem names
 * its field with the spec's code (6 undecodable, 1 version, 7 invalid, 2 unsupported). Pure.
 */
import { isIP } from 'node:net';
import { limitProblem, rateLimit } from '../intent/qos.js';
import type { Bandwidth } from '../intent/qos-types.js';
import { CNI_CODES, cniError } from './errors.js';
import { convertResult, parseCidr, readDns, type CniDns, type CniResult } from './result.js';
import { commandInVersion, introducedIn, isSupportedVersion, SUPPORTED_VERSIONS, type CniCommand, type CniVersion } from './versions.js';

/** One entry of `cni.dev/valid-attachments` (GC). */
export interface ValidAttachment {
  containerID: string;
  ifname: string;
}

/** A validated plugin configuration. */
export interface NetConf {
  cniVersion: CniVersion;
  /** Network name: scopes GC to this network's attachments. */
  name: string;
  type: string;
  /** Network of pods that match no intent endpoint (both or neither). */
  tenant?: string;
  network?: string;
  /** Agent socket the shim uses (validated here so a typo is reported, not ignored). */
  agentSocket?: string;
  /** Delegated IPAM plugin, by executable name in CNI_PATH. */
  ipam?: { type: string };
  dns?: CniDns;
  /** Capability arguments this plugin honours (`bandwidth` in bits/s and bits, each burst written out). */
  runtimeConfig: { ips: string[]; mac?: string; bandwidth?: Bandwidth };
  /** Policy groups pods of this configuration join: `args.netplugin.groups`, else `groups` (docs/policy.md). */
  groups?: string[];
  /** The previous result in this configuration's version (ADD in a chain, CHECK, DEL). */
  prevResult?: CniResult;
  /** GC only: the attachments still in use. */
  validAttachments?: ValidAttachment[];
  /** The configuration as received, for delegated plugins. */
  raw: Record<string, unknown>;
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const MAC = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;

function bad(field: string, why: string, value?: unknown) {
  return cniError('NP_CNI_CONFIG', CNI_CODES.INVALID_CONFIG, `${field}: ${why}`, value === undefined ? undefined : `got ${JSON.stringify(value)}`, { field });
}

function unsupported(field: string, why: string, value: unknown) {
  // Code 2: "the error message must contain the key and value of the unsupported field".
  return cniError('NP_CNI_CONFIG', CNI_CODES.UNSUPPORTED_FIELD, `${field}=${JSON.stringify(value)}: ${why}`, undefined, { field });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function optName(o: Record<string, unknown>, key: string): string | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.trim() === '') throw bad(key, 'must be a non-empty string', v);
  return v;
}

/** Whether a MAC is a usable unicast address for a container interface. */
export function macProblem(mac: string): string | undefined {
  if (!MAC.test(mac)) return 'must be a MAC address like 02:42:ac:11:00:02';
  if (parseInt(mac.slice(0, 2), 16) & 1) return 'must be a unicast MAC (lowest bit of the first octet clear)';
  if (/^(00:){5}00$/.test(mac)) return 'must not be all zeros';
  return undefined;
}

function readRuntimeConfig(v: unknown): NetConf['runtimeConfig'] {
  const rc: NetConf['runtimeConfig'] = { ips: [] };
  if (v === undefined) return rc;
  if (!isObject(v)) throw bad('runtimeConfig', 'must be an object', v);
  if (v.ips !== undefined) {
    if (!Array.isArray(v.ips)) throw bad('runtimeConfig.ips', 'must be a list of addresses', v.ips);
    for (const [i, entry] of v.ips.entries()) {
      const field = `runtimeConfig.ips[${i}]`;
      if (typeof entry !== 'string') throw bad(field, 'must be a string', entry);
      const ip = entry.includes('/') ? parseCidr(entry)?.ip : isIP(entry) ? entry : undefined;
      if (!ip) throw bad(field, 'must be an IP address, optionally with a prefix length', entry);
      if (isIP(ip) === 6) throw unsupported(field, 'IPv6 addresses are not supported', entry);
      rc.ips.push(ip);
    }
    if (rc.ips.length > 1) throw unsupported('runtimeConfig.ips', 'one IPv4 address per interface is supported', v.ips);
  }
  if (v.mac !== undefined) {
    if (typeof v.mac !== 'string') throw bad('runtimeConfig.mac', 'must be a string', v.mac);
    const problem = macProblem(v.mac);
    if (problem) throw bad('runtimeConfig.mac', problem, v.mac);
    rc.mac = v.mac.toLowerCase();
  }
  const bandwidth = readBandwidth(v.bandwidth);
  if (bandwidth) rc.bandwidth = bandwidth;
  return rc;
}

/** The `bandwidth` capability's keys by direction (CNI's ingress is into the pod, egress out of it: ours too). */
const BANDWIDTH_KEYS = [
  { dir: 'ingress', rate: 'ingressRate', burst: 'ingressBurst' },
  { dir: 'egress', rate: 'egressRate', burst: 'egressBurst' },
] as const;

/**
 * The `bandwidth` capability: rates in bits per second, bursts in bits, numbers only (the CNI
 * conventions). A 0 or absent value is "not set" (runtimes leave out what they do not limit);
 * a burst without its rate, or any other key, is refused. The burst defaults to 0.8x the rate.
 */
function readBandwidth(v: unknown): Bandwidth | undefined {
  if (v === undefined || v === null) return undefined;
  const field = 'runtimeConfig.bandwidth';
  if (!isObject(v)) throw bad(field, 'must be an object {ingressRate, ingressBurst, egressRate, egressBurst}', v);
  const known: string[] = BANDWIDTH_KEYS.flatMap((d) => [d.rate, d.burst]);
  const extra = Object.keys(v).find((k) => !known.includes(k));
  if (extra !== undefined) throw bad(`${field}.${extra}`, `is not a key of the bandwidth capability (accepted: ${known.join(', ')})`, v[extra]);
  const out: Bandwidth = {};
  for (const d of BANDWIDTH_KEYS) {
    const value = (key: string, what: 'rate' | 'burst'): number | undefined => {
      const x = v[key];
      if (x === undefined || x === null || x === 0) return undefined;
      const unit = what === 'rate' ? 'bits per second' : 'bits';
      if (typeof x !== 'number' || !Number.isFinite(x)) throw bad(`${field}.${key}`, `must be a number (${unit})`, x);
      const problem = limitProblem(Math.round(x), what);
      if (problem) throw bad(`${field}.${key}`, problem, x);
      return Math.round(x);
    };
    const rate = value(d.rate, 'rate');
    const burst = value(d.burst, 'burst');
    if (burst !== undefined && rate === undefined) throw bad(`${field}.${d.burst}`, `needs ${d.rate}: a burst belongs to a limit`, v[d.burst]);
    if (rate !== undefined) out[d.dir] = rateLimit(rate, burst);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** One groups list: non-empty strings without '/' or whitespace (the intent's rule for names). */
function readGroupList(field: string, v: unknown): string[] {
  if (!Array.isArray(v)) throw bad(field, 'must be a list of group names', v);
  return v.map((g, i) => {
    if (typeof g !== 'string' || g === '' || /[\s/]/.test(g)) throw bad(`${field}[${i}]`, "must be a group name (a non-empty string without '/' or whitespace)", g);
    return g;
  });
}

/**
 * The groups pods join. `args.netplugin.groups` (the CNI convention for arguments a runtime
 * or orchestrator adds to a configuration) is the more specific, so it wins over the
 * configuration's own `groups`.
 */
function readGroups(o: Record<string, unknown>): string[] | undefined {
  const args = o.args;
  if (args !== undefined && !isObject(args)) throw bad('args', 'must be an object', args);
  const ours = args?.netplugin;
  if (ours !== undefined && !isObject(ours)) throw bad('args.netplugin', 'must be an object', ours);
  if (ours?.groups !== undefined) return readGroupList('args.netplugin.groups', ours.groups);
  if (o.groups !== undefined) return readGroupList('groups', o.groups);
  return undefined;
}

function readValidAttachments(o: Record<string, unknown>): ValidAttachment[] {
  // libcni 1.2.x sends both keys (the spec's name changed once); the spec's wins.
  const key = o['cni.dev/valid-attachments'] !== undefined ? 'cni.dev/valid-attachments' : 'cni.dev/attachments';
  const v = o[key];
  // Absent must not read as "nothing is valid": that would delete every pod of the network.
  if (v === undefined) throw bad('cni.dev/valid-attachments', 'is required for GC');
  if (!Array.isArray(v)) throw bad(key, 'must be a list of {containerID, ifname}', v);
  return v.map((e, i) => {
    if (!isObject(e) || typeof e.containerID !== 'string' || !e.containerID || typeof e.ifname !== 'string' || !e.ifname) {
      throw bad(`${key}[${i}]`, 'must be an object with string containerID and ifname', e);
    }
    return { containerID: e.containerID, ifname: e.ifname };
  });
}

/**
 * Decodes and validates the configuration for `command`. Order matters for the codes a
 * runtime sees: undecodable (6) before version (1) before field problems (7/2).
 */
export function parseConfig(stdin: string, command: CniCommand): NetConf {
  let doc: unknown;
  try {
    doc = JSON.parse(stdin);
  } catch (err) {
    throw cniError('NP_CNI_CONFIG', CNI_CODES.DECODE_FAILED, 'failed to decode the network configuration on stdin as JSON', stdin.trim() === '' ? 'stdin is empty' : (err as Error).message, { field: 'stdin' });
  }
  if (!isObject(doc)) throw cniError('NP_CNI_CONFIG', CNI_CODES.DECODE_FAILED, 'the network configuration on stdin must be a JSON object', undefined, { field: 'stdin' });

  const version = doc.cniVersion;
  if (version !== undefined && typeof version !== 'string') throw bad('cniVersion', 'must be a string', version);
  if (!version || !isSupportedVersion(version)) {
    const said = version ? `"${version}"` : 'missing (which means 0.1.0)';
    throw cniError('NP_CNI_CONFIG', CNI_CODES.INCOMPATIBLE_VERSION, `cniVersion: incompatible CNI version ${said}`, `supported: ${SUPPORTED_VERSIONS.join(', ')}`, { field: 'cniVersion' });
  }
  if (!commandInVersion(command, version)) {
    throw cniError('NP_CNI_CONFIG', CNI_CODES.INCOMPATIBLE_VERSION, `cniVersion: ${command} needs CNI ${introducedIn(command)} or newer, the configuration says ${version}`, undefined, { field: 'cniVersion' });
  }
  if (Array.isArray(doc.plugins)) {
    throw bad('plugins', 'stdin holds a whole configuration list; a runtime passes one plugin configuration (with name and cniVersion)');
  }
  const name = doc.name;
  if (typeof name !== 'string' || !NAME.test(name)) throw bad('name', 'must be a network name (letters, digits, "_", ".", "-"; starting with a letter or digit)', name);
  const type = doc.type;
  if (typeof type !== 'string' || type === '' || type.includes('/')) throw bad('type', "must be the plugin's executable name", type);

  const tenant = optName(doc, 'tenant');
  const network = optName(doc, 'network');
  if ((tenant === undefined) !== (network === undefined)) {
    throw bad(tenant === undefined ? 'tenant' : 'network', 'tenant and network must be given together (the network pods join when no intent endpoint matches)');
  }
  const agentSocket = optName(doc, 'agentSocket');
  if (agentSocket !== undefined && !agentSocket.startsWith('/')) throw bad('agentSocket', 'must be an absolute path', agentSocket);

  let ipam: NetConf['ipam'];
  if (doc.ipam !== undefined) {
    if (!isObject(doc.ipam)) throw bad('ipam', 'must be an object', doc.ipam);
    const t = doc.ipam.type;
    // A plain file name: '/', '.' and '..' would leave the --cni-bin-dir directories.
    if (typeof t !== 'string' || t === '' || t === '.' || t === '..' || t.includes('/') || t.includes('\0') || Buffer.byteLength(t) > 255) {
      throw bad('ipam.type', 'must be the plain file name of an IPAM plugin executable in CNI_PATH (no "/", not "." or "..", at most 255 bytes)', t);
    }
    ipam = { type: t };
    if (tenant === undefined) throw bad('tenant', 'ipam delegation needs tenant and network (the network the delegated addresses belong to)');
  }

  let dns: CniDns | undefined;
  try {
    dns = readDns(doc.dns, 'prevResult', '');
  } catch {
    throw bad('dns', 'must be an object with nameservers/search/options lists and a domain string', doc.dns);
  }

  const runtimeConfig = readRuntimeConfig(doc.runtimeConfig);
  const groups = readGroups(doc);
  const prevResult = doc.prevResult === undefined ? undefined : convertResult(doc.prevResult, version, 'prevResult');
  if (command === 'CHECK' && !prevResult) throw bad('prevResult', 'is required for CHECK (the result of the ADD being checked)');
  const validAttachments = command === 'GC' ? readValidAttachments(doc) : undefined;

  return { cniVersion: version, name, type, tenant, network, agentSocket, ipam, dns, runtimeConfig, ...(groups ? { groups } : {}), prevResult, validAttachments, raw: doc };
}
