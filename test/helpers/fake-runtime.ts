/**
 * An in-memory RuntimeApi for tests of the runtime-facing layers (CNI, Docker): it keeps the
 * contract's observable rules — idempotent attach on the key, address claims per network,
 * static/external addresses, intent names, not-ready, failures that leave nothing — without
 * touching a store, OVS or the kernel.
 */
import { NetpluginError } from '../../src/common/errors.js';
import type { AttachRequest, AttachmentStatus, CheckResult, RuntimeApi, RuntimeNetwork, RuntimeSource } from '../../src/runtime/types.js';

/** An intent endpoint the fake knows by container name. */
export interface FakeIntentEndpoint {
  container: string;
  tenant: string;
  network: string;
  ip: string;
  mac?: string;
}

function toInt(ip: string): number {
  return ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);
}

function toIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

function inSubnet(ip: string, subnet: string): boolean {
  const [base, len] = subnet.split('/');
  const size = 2 ** (32 - Number(len));
  const b = toInt(base);
  const x = toInt(ip);
  return x > b && x < b + size - 1;
}

/** The fake itself; fields are public so tests can steer and inspect it. */
export class FakeRuntime implements RuntimeApi {
  ready = true;
  reason?: string;
  /** The next attach throws this (after validation, before recording anything). */
  failNextAttach?: NetpluginError;
  /** Problems `check` reports, by key. */
  checkProblems = new Map<string, string[]>();
  /** Every call, in order: [method, key or detail]. */
  calls: [string, string][] = [];
  readonly records = new Map<string, AttachmentStatus>();
  /** Claimed addresses per network id: ip → owner. */
  readonly claims = new Map<string, Map<string, string>>();
  private port = 0;

  /** Builds a fake with networks and intent endpoints. */
  constructor(
    readonly nets: RuntimeNetwork[],
    readonly intent: FakeIntentEndpoint[] = [],
  ) {}

  status(): { ready: boolean; reason?: string } {
    return this.ready ? { ready: true } : { ready: false, reason: this.reason ?? 'starting' };
  }

  async attach(req: AttachRequest): Promise<AttachmentStatus> {
    this.calls.push(['attach', req.key]);
    if (!this.ready) throw new NetpluginError('NP_AGENT_NOT_READY', `agent not ready: ${this.reason ?? 'starting'}`);
    const id = `${req.source}/${req.key}`;
    const existing = this.records.get(id);
    if (existing) return existing;
    // As RuntimeService: intent names match within the given network only, if one is given.
    // As RuntimeService: a named intent endpoint wins; tenant/network only break ties.
    const rank = (e: { tenant: string; network: string }) => (e.tenant === req.tenant ? (e.network === req.network ? 0 : 1) : 2);
    const ep = this.intent.filter((e) => req.intentNames?.includes(e.container)).sort((a, b) => rank(a) - rank(b))[0];
    const tenant = ep?.tenant ?? req.tenant;
    const network = ep?.network ?? req.network;
    if (!tenant || !network) throw new NetpluginError('NP_INVALID_ARGUMENT', `network: no intent endpoint matches ${JSON.stringify(req.intentNames ?? [])} and no tenant/network was given`, { field: 'network' });
    const net = this.nets.find((n) => n.tenant === tenant && n.name === network);
    if (!net) throw new NetpluginError('NP_NOT_FOUND', `network ${tenant}/${network} does not exist`);
    const claims = this.claims.get(net.id) ?? new Map<string, string>();
    const owner = `cni:${req.key}`;
    let ip: string;
    let prefixLen = Number(net.subnet.split('/')[1]);
    let gateway = net.gateway;
    let claim = true;
    if (ep) {
      ip = ep.ip;
      claim = false;
    } else if (req.externalAddress) {
      ip = req.externalAddress.ip;
      prefixLen = req.externalAddress.prefixLen;
      gateway = req.externalAddress.gateway ?? gateway;
      claim = inSubnet(ip, net.subnet);
    } else if (req.ip) {
      if (!inSubnet(req.ip, net.subnet)) throw new NetpluginError('NP_ADDRESS_OUT_OF_RANGE', `${req.ip} is not a host address of ${net.subnet}`);
      if (claims.has(req.ip) || req.ip === net.gateway || this.intent.some((e) => e.ip === req.ip)) throw new NetpluginError('NP_ADDRESS_IN_USE', `${req.ip} is already in use in ${net.id}`);
      ip = req.ip;
    } else {
      const [base, len] = net.subnet.split('/');
      const size = 2 ** (32 - Number(len));
      let found: string | undefined;
      for (let n = toInt(base) + 1; n < toInt(base) + size - 1 && !found; n++) {
        const c = toIp(n);
        if (c !== net.gateway && !claims.has(c) && !this.intent.some((e) => e.ip === c)) found = c;
      }
      if (!found) throw new NetpluginError('NP_POOL_EXHAUSTED', `network ${net.id} has no free address`);
      ip = found;
    }
    if (this.failNextAttach) {
      const err = this.failNextAttach;
      this.failNextAttach = undefined;
      throw err;
    }
    if (claim) claims.set(ip, owner);
    this.claims.set(net.id, claims);
    const mac = req.mac ?? ep?.mac ?? '02:00:' + ip.split('.').map((o) => Number(o).toString(16).padStart(2, '0')).join(':');
    const rec: AttachmentStatus = {
      source: req.source,
      key: req.key,
      containerId: req.containerId,
      host: 'fake',
      endpointId: `${tenant}/${network}/${ep?.container ?? 'cni-' + req.key}`,
      name: ep?.container ?? `cni-${req.containerId.slice(0, 12)}`,
      fromIntent: !!ep,
      tenant,
      network,
      ip,
      prefixLen,
      mac,
      gateway,
      mtu: net.mtu,
      claimOwner: claim ? owner : undefined,
      ownsClaim: claim,
      netns: req.netns,
      ifName: req.ifName ?? 'eth0',
      labels: { ...req.labels },
      createdAt: new Date().toISOString(),
      state: req.netns ? 'attached' : 'recorded',
      hostPort: req.netns ? `vfake${++this.port}` : undefined,
      ofport: req.netns ? this.port : undefined,
    };
    this.records.set(id, rec);
    return rec;
  }

  async unplumb(source: RuntimeSource, key: string): Promise<void> {
    this.calls.push(['unplumb', key]);
    const r = this.records.get(`${source}/${key}`);
    if (r) this.records.set(`${source}/${key}`, { ...r, state: 'recorded', hostPort: undefined, ofport: undefined });
  }

  async detach(source: RuntimeSource, key: string): Promise<boolean> {
    this.calls.push(['detach', key]);
    if (!this.ready) throw new NetpluginError('NP_AGENT_NOT_READY', `agent not ready: ${this.reason ?? 'starting'}`);
    const r = this.records.get(`${source}/${key}`);
    if (!r) return false;
    this.records.delete(`${source}/${key}`);
    if (r.ownsClaim) this.claims.get(`${r.tenant}/${r.network}`)?.delete(r.ip);
    return true;
  }

  list(source?: RuntimeSource): AttachmentStatus[] {
    return [...this.records.values()].filter((r) => !source || r.source === source);
  }

  get(source: RuntimeSource, key: string): AttachmentStatus | undefined {
    return this.records.get(`${source}/${key}`);
  }

  async check(source: RuntimeSource, key: string): Promise<CheckResult> {
    this.calls.push(['check', key]);
    if (!this.records.has(`${source}/${key}`)) return { problems: [`no attachment ${key}`] };
    return { problems: this.checkProblems.get(key) ?? [] };
  }

  async claimAddress(tenant: string, network: string, owner: string, ip?: string): Promise<{ ip: string; prefixLen: number; gateway: string }> {
    const net = this.nets.find((n) => n.tenant === tenant && n.name === network);
    if (!net) throw new NetpluginError('NP_NOT_FOUND', `network ${tenant}/${network} does not exist`);
    const claims = this.claims.get(net.id) ?? new Map<string, string>();
    if (!ip) throw new NetpluginError('NP_INVALID_ARGUMENT', 'ip: the fake only claims given addresses');
    if (claims.has(ip) && claims.get(ip) !== owner) throw new NetpluginError('NP_ADDRESS_IN_USE', `${ip} in use`);
    claims.set(ip, owner);
    this.claims.set(net.id, claims);
    return { ip, prefixLen: Number(net.subnet.split('/')[1]), gateway: net.gateway };
  }

  async releaseAddress(tenant: string, network: string, owner: string, ip: string): Promise<void> {
    const claims = this.claims.get(`${tenant}/${network}`);
    if (claims?.get(ip) === owner) claims.delete(ip);
  }

  networks(): RuntimeNetwork[] {
    return this.nets;
  }
}

/** A /24 network for tests: `tenant/name` with subnet `10.<n>.0.0/24`, gateway .1. */
export function fakeNetwork(tenant: string, name: string, n: number): RuntimeNetwork {
  return { id: `${tenant}/${name}`, tenant, name, subnet: `10.${n}.0.0/24`, gateway: `10.${n}.0.1`, mtu: 1500, pktTagType: 'vlan', pktTag: 100 + n };
}
