/**
 * QoS driver options (docs/qos.md): on a network (`docker network create -d netplugin -o
 * netplugin.egress-rate=50M`) for each of its endpoints, and on an endpoint (`docker run
 * --network name=N,driver-opt=netplugin.egress-rate=10M`). Rates and bursts are written as
 * the intent writes them ("50M", "1.5G", plain bits); `netplugin.dscp` is 0-63 or `trust`.
 * An endpoint's options override the network's option by option, except that an endpoint
 * rate without its burst gets the default burst for that rate, not the network's.
 */
import { NetpluginError } from '../../common/errors.js';
import { dscpProblem, limitProblem, rateLimit, readDscp, readRate } from '../../intent/qos.js';
import type { QosSettings } from '../../intent/qos-types.js';
import { GENERIC_OPTIONS, type Body } from './protocol.js';

/** The QoS option names, by what they set. */
export const QOS_OPTIONS = {
  egressRate: 'netplugin.egress-rate',
  egressBurst: 'netplugin.egress-burst',
  ingressRate: 'netplugin.ingress-rate',
  ingressBurst: 'netplugin.ingress-burst',
  dscp: 'netplugin.dscp',
} as const;

const DIRECTIONS = [
  { dir: 'egress', rate: QOS_OPTIONS.egressRate, burst: QOS_OPTIONS.egressBurst },
  { dir: 'ingress', rate: QOS_OPTIONS.ingressRate, burst: QOS_OPTIONS.ingressBurst },
] as const;
const NAMES: readonly string[] = Object.values(QOS_OPTIONS);

function bad(method: string, option: string, value: unknown, why: string): NetpluginError {
  return new NetpluginError('NP_DOCKER_PLUGIN', `${method}: ${option}=${typeof value === 'string' ? value : JSON.stringify(value)}: ${why}`, { method, field: `Options.${option}` });
}

/** Only the QoS options of `options`, each a string (what the Docker CLI sends). */
export function qosOptionsOf(method: string, options: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of NAMES) {
    const v = options[name];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') throw bad(method, name, v, 'must be a string');
    if (v.trim() !== '') out[name] = v.trim();
  }
  return out;
}

/**
 * The QoS the options say (undefined when none); throws NP_DOCKER_PLUGIN naming the first bad
 * option: an unreadable or out-of-range rate or burst, a burst without its rate, a bad DSCP.
 */
export function readQosOptions(method: string, options: Record<string, string>): QosSettings | undefined {
  const out: QosSettings = {};
  for (const d of DIRECTIONS) {
    const value = (name: string, what: 'rate' | 'burst'): number | undefined => {
      const raw = options[name];
      if (raw === undefined) return undefined;
      const read = readRate(raw);
      const problem = read.ok ? limitProblem(read.bits, what) : read.reason;
      if (problem !== undefined || !read.ok) throw bad(method, name, raw, problem ?? 'not a rate');
      return read.bits;
    };
    const rate = value(d.rate, 'rate');
    const burst = value(d.burst, 'burst');
    if (burst !== undefined && rate === undefined) throw bad(method, d.burst, options[d.burst], `needs ${d.rate}: a burst belongs to a limit`);
    if (rate !== undefined) (out.bandwidth ??= {})[d.dir] = rateLimit(rate, burst);
  }
  const dscp = options[QOS_OPTIONS.dscp];
  if (dscp !== undefined) {
    const setting = readDscp(dscp);
    if (setting === undefined) throw bad(method, QOS_OPTIONS.dscp, dscp, dscpProblem(dscp) ?? 'not a DSCP value');
    out.dscp = setting;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The endpoint's options laid over the network's, option by option (see the file comment). */
export function overrideQosOptions(network: Record<string, string>, endpoint: Record<string, string>): Record<string, string> {
  const out = { ...network, ...endpoint };
  for (const d of DIRECTIONS) if (endpoint[d.rate] !== undefined && endpoint[d.burst] === undefined) delete out[d.burst];
  return out;
}

/**
 * The QoS options of CreateEndpoint: keys of its `Options`, or (older engines) of the generic
 * options nested in them, as for `netplugin.groups`.
 */
export function endpointQosOptions(method: string, body: Body): Record<string, string> {
  const opts = body.Options;
  if (opts === undefined || opts === null || typeof opts !== 'object' || Array.isArray(opts)) return {};
  const o = opts as Record<string, unknown>;
  const generic = o[GENERIC_OPTIONS];
  const nested = generic !== null && typeof generic === 'object' && !Array.isArray(generic) ? qosOptionsOf(method, generic as Record<string, unknown>) : {};
  return { ...nested, ...qosOptionsOf(method, o) };
}
