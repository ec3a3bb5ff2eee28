/**
 * From a CNI call to the agent's AttachRequest: which intent endpoint or network the pod
 * joins, which address and MAC it asks for, and the labels that let DEL/GC find it again.
 * Pure.
 */
import { isIP } from 'node:net';
import type { AttachRequest } from '../runtime/types.js';
import { macProblem, type NetConf } from './config.js';
import { attachmentKey, type CniEnv } from './env.js';
import { CNI_CODES, cniError } from './errors.js';

/** Label keys this plugin stores with each attachment. */
export const LABELS = {
  /** The CNI network name (config `name`): GC only touches attachments of its own network. */
  network: 'cni.network',
  /** The delegated IPAM plugin, so GC can release addresses of attachments it removes. */
  ipam: 'cni.ipam',
  podNamespace: 'k8s.namespace',
  podName: 'k8s.pod',
} as const;

/** An address assigned by a delegated IPAM plugin. */
export interface ExternalAddress {
  ip: string;
  prefixLen: number;
  gateway?: string;
}

/**
 * The names an intent endpoint is looked up by: the Kubernetes pod name (CNI_ARGS
 * K8S_POD_NAME), then the container id (what `ctr run --cni … ID` and other plain runtimes
 * name a container by), so the README's by-name flow works under CNI too.
 */
export function intentNames(env: CniEnv): string[] {
  const names: string[] = [];
  const pod = env.args.get('K8S_POD_NAME');
  if (pod) names.push(pod);
  if (env.containerId && !names.includes(env.containerId)) names.push(env.containerId);
  return names;
}

/** The static address wanted: the `ips` capability first, then the CNI_ARGS `IP` convention. */
function wantedIp(env: CniEnv, conf: NetConf): string | undefined {
  if (conf.runtimeConfig.ips.length) return conf.runtimeConfig.ips[0];
  const ip = env.args.get('IP');
  if (ip === undefined || ip === '') return undefined;
  const bare = ip.split('/')[0];
  if (isIP(bare) !== 4) throw cniError('NP_CNI_CONFIG', CNI_CODES.INVALID_ENV, 'CNI_ARGS: IP must be one IPv4 address', `got ${JSON.stringify(ip)}`, { field: 'CNI_ARGS' });
  return bare;
}

/** The MAC wanted: the `mac` capability first, then the CNI_ARGS `MAC` convention. */
function wantedMac(env: CniEnv, conf: NetConf): string | undefined {
  if (conf.runtimeConfig.mac) return conf.runtimeConfig.mac;
  const mac = env.args.get('MAC');
  if (mac === undefined || mac === '') return undefined;
  const problem = macProblem(mac);
  if (problem) throw cniError('NP_CNI_CONFIG', CNI_CODES.INVALID_ENV, `CNI_ARGS: MAC ${problem}`, `got ${JSON.stringify(mac)}`, { field: 'CNI_ARGS' });
  return mac.toLowerCase();
}

/**
 * Builds the attach request of an ADD. With a delegated IPAM the address is the plugin's
 * (`external`), the `ips` capability is the plugin's business, and no intent endpoint is
 * looked up (its declared address would contradict the plugin's).
 */
export function attachRequest(env: CniEnv, conf: NetConf, external?: ExternalAddress): AttachRequest {
  const labels: Record<string, string> = { [LABELS.network]: conf.name };
  const ns = env.args.get('K8S_POD_NAMESPACE');
  const pod = env.args.get('K8S_POD_NAME');
  if (ns) labels[LABELS.podNamespace] = ns;
  if (pod) labels[LABELS.podName] = pod;
  if (conf.ipam) labels[LABELS.ipam] = conf.ipam.type;
  const req: AttachRequest = {
    source: 'cni',
    key: attachmentKey(env.containerId!, env.ifName!),
    containerId: env.containerId!,
    netns: env.netns,
    ifName: env.ifName,
    labels,
  };
  if (conf.tenant && conf.network) {
    req.tenant = conf.tenant;
    req.network = conf.network;
  }
  if (external) req.externalAddress = external;
  else {
    req.intentNames = intentNames(env);
    const ip = wantedIp(env, conf);
    if (ip) req.ip = ip;
  }
  const mac = wantedMac(env, conf);
  if (mac) req.mac = mac;
  if (conf.groups && conf.groups.length > 0) req.groups = conf.groups;
  if (conf.runtimeConfig.bandwidth) req.qos = { bandwidth: structuredClone(conf.runtimeConfig.bandwidth) };
  return req;
}
