/** Docker engine network objects: decoding `/networks` answers and encoding create requests. Pure: no I/O. */
import { NetpluginError } from '../common/errors.js';

/** One container endpoint of a network, as `docker network inspect` shows it. */
export interface NetworkEndpoint {
  containerId: string;
  /** Container name without the leading '/'. */
  name: string;
  endpointId: string;
  macAddress: string;
  /** Address with prefix length ("10.1.0.5/24"), or '' when the endpoint has none. */
  ipv4Address: string;
}

/** One IPAM pool of a network (IPAM.Config[i]). */
export interface NetworkSubnet {
  subnet: string;
  gateway?: string;
  ipRange?: string;
  auxAddresses: Record<string, string>;
}

/** What the plugin and the network sync need from a Docker network. */
export interface DockerNetwork {
  id: string;
  name: string;
  driver: string;
  scope: string;
  labels: Record<string, string>;
  /** Driver options (`docker network create -o`). */
  options: Record<string, string>;
  ipamDriver: string;
  ipamOptions: Record<string, string>;
  subnets: NetworkSubnet[];
  /** Attached containers; empty in list answers (only inspect fills it). */
  endpoints: NetworkEndpoint[];
}

/** What `createNetwork` sends (a subset of the engine's NetworkCreateRequest). */
export interface NetworkCreateSpec {
  name: string;
  driver: string;
  options?: Record<string, string>;
  labels?: Record<string, string>;
  ipamDriver?: string;
  ipamOptions?: Record<string, string>;
  subnets?: { subnet: string; gateway?: string }[];
}

type RawNetwork = {
  Id?: unknown; Name?: unknown; Driver?: unknown; Scope?: unknown; Labels?: unknown; Options?: unknown;
  IPAM?: { Driver?: unknown; Options?: unknown; Config?: unknown };
  Containers?: unknown;
};

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function strMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  }
  return out;
}

/** Decodes one network object of `GET /networks` or `GET /networks/{id}`. */
export function decodeNetwork(raw: unknown): DockerNetwork {
  if (!raw || typeof raw !== 'object' || typeof (raw as RawNetwork).Id !== 'string') {
    throw new NetpluginError('NP_DOCKER_API', 'docker answered a network object without an Id', { raw: JSON.stringify(raw)?.slice(0, 200) });
  }
  const n = raw as RawNetwork;
  const config = Array.isArray(n.IPAM?.Config) ? (n.IPAM!.Config as Record<string, unknown>[]) : [];
  const subnets: NetworkSubnet[] = config
    .filter((c) => c && typeof c.Subnet === 'string')
    .map((c) => {
      const s: NetworkSubnet = { subnet: c.Subnet as string, auxAddresses: strMap(c.AuxiliaryAddresses) };
      if (typeof c.Gateway === 'string' && c.Gateway) s.gateway = c.Gateway;
      if (typeof c.IPRange === 'string' && c.IPRange) s.ipRange = c.IPRange;
      return s;
    });
  const endpoints: NetworkEndpoint[] = [];
  if (n.Containers && typeof n.Containers === 'object') {
    for (const [containerId, v] of Object.entries(n.Containers as Record<string, Record<string, unknown>>)) {
      if (!v || typeof v !== 'object') continue;
      endpoints.push({
        containerId,
        name: str(v.Name).replace(/^\//, ''),
        endpointId: str(v.EndpointID),
        macAddress: str(v.MacAddress),
        ipv4Address: str(v.IPv4Address),
      });
    }
  }
  return {
    id: n.Id as string,
    name: str(n.Name),
    driver: str(n.Driver),
    scope: str(n.Scope),
    labels: strMap(n.Labels),
    options: strMap(n.Options),
    ipamDriver: str(n.IPAM?.Driver),
    ipamOptions: strMap(n.IPAM?.Options),
    subnets,
    endpoints,
  };
}

/** The `filters` query value of `GET /networks` (engine JSON form), or '' when there is nothing to filter. */
export function networkFilters(f: { labels?: string[]; driver?: string; name?: string }): string {
  const m: Record<string, string[]> = {};
  if (f.labels?.length) m.label = f.labels;
  if (f.driver) m.driver = [f.driver];
  if (f.name) m.name = [f.name];
  return Object.keys(m).length ? `?filters=${encodeURIComponent(JSON.stringify(m))}` : '';
}

/** The JSON body of `POST /networks/create`. */
export function encodeNetworkCreate(spec: NetworkCreateSpec): Record<string, unknown> {
  const body: Record<string, unknown> = {
    Name: spec.name,
    Driver: spec.driver,
    // The engine refuses a second network of the same name instead of making a twin.
    CheckDuplicate: true,
    Options: spec.options ?? {},
    Labels: spec.labels ?? {},
  };
  if (spec.ipamDriver || spec.ipamOptions || spec.subnets) {
    body.IPAM = {
      Driver: spec.ipamDriver ?? 'default',
      Options: spec.ipamOptions ?? {},
      Config: (spec.subnets ?? []).map((s) => (s.gateway ? { Subnet: s.subnet, Gateway: s.gateway } : { Subnet: s.subnet })),
    };
  }
  return body;
}
