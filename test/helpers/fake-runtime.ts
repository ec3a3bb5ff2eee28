/**
 * The one in-memory RuntimeApi for tests of the runtime-facing layers (CNI, Docker plugin).
 * It keeps the contract's observable rules — idempotent attach on the key (a later `netns`
 * plumbs), intent endpoints by container name, static/external addresses checked like the
 * real service, the lowest free address otherwise, not-ready, failures that leave nothing —
 * without OVS or the kernel: `netns` only flips the state to 'attached'.
 *
 * Claims live in memory, or, given a store, under the store's claim keys exactly where
 * RuntimeService puts them (the Docker plugin reads them there).
 */
import { createHash } from 'node:crypto';
import { NetpluginError } from '../../src/common/errors.js';
import { ipToInt } from '../../src/alloc/ip.js';
import { macFromIp } from '../../src/alloc/mac.js';
import { checkRequestedAddress, inSubnet, lowestFreeAddress } from '../../src/runtime/addresses.js';
import { attachmentOwner, claimOps, listClaims, readClaim } from '../../src/runtime/claims.js';
import { KEYS } from '../../src/state/keys.js';
import type { StateStore } from '../../src/state/store.js';
import { handoffPeerName } from '../../src/runtime/handoff.js';
import type { AttachInternal, AttachRequest, AttachmentStatus, CheckResult, RuntimeApi, RuntimeNetwork, RuntimeSource } from '../../src/runtime/types.js';

/** An intent endpoint the fake knows by container name. */
export interface FakeIntentEndpoint {
  container: string;
  tenant: string;
  network: string;
  ip: string;
  mac?: string;
}

/** How a fake is set up. */
export interface FakeRuntimeOptions {
  /** Intent endpoints that runtimes can name (`intentNames`). */
  intent?: FakeIntentEndpoint[];
  /** Keep claims under this store's claim keys instead of in `claims`. */
  store?: StateStore;
  /** Host label of the records and claims (default `host1`). */
  host?: string;
}

/** The fake itself; fields are public so tests can steer and inspect it. */
export class FakeRuntime implements RuntimeApi {
  ready = true;
  reason?: string;
  /** The next attach throws this (after validation, before recording anything). */
  failNextAttach?: NetpluginError;
  /** Problems `check` reports, by key. */
  checkProblems = new Map<string, string[]>();
  /** Every call, in order: [method, key or address]. */
  calls: [string, string][] = [];
  /** Attachments by `source/key`. */
  readonly records = new Map<string, AttachmentStatus>();
  /** Claimed addresses per network id (`tenant/network`): ip → owner (without a store). */
  readonly claims = new Map<string, Map<string, string>>();
  readonly intent: FakeIntentEndpoint[];
  private readonly store?: StateStore;
  private readonly host: string;
  private port = 0;

  /** A fake with the given intent networks. */
  constructor(
    public nets: RuntimeNetwork[],
    opts: FakeRuntimeOptions = {},
  ) {
    this.intent = opts.intent ?? [];
    this.store = opts.store;
    this.host = opts.host ?? 'host1';
  }

  status(): { ready: boolean; reason?: string } {
    return this.ready ? { ready: true } : { ready: false, reason: this.reason || 'starting' };
  }

  networks(): RuntimeNetwork[] {
    return this.nets;
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

  async attach(req: AttachRequest, internal: AttachInternal = {}): Promise<AttachmentStatus> {
    this.calls.push(['attach', req.key]);
    this.requireReady();
    const id = `${req.source}/${req.key}`;
    const existing = this.records.get(id);
    if (existing) {
      if (req.netns && existing.state !== 'attached') this.records.set(id, this.plumbed(existing, req, internal));
      return this.records.get(id)!;
    }
    // As RuntimeService: a named intent endpoint wins; tenant/network only break ties.
    const rank = (e: { tenant: string; network: string }) => (e.tenant === req.tenant ? (e.network === req.network ? 0 : 1) : 2);
    const ep = this.intent.filter((e) => req.intentNames?.includes(e.container)).sort((a, b) => rank(a) - rank(b))[0];
    const tenant = ep?.tenant ?? req.tenant;
    const network = ep?.network ?? req.network;
    if (!tenant || !network) throw new NetpluginError('NP_INVALID_ARGUMENT', `network: no intent endpoint matches ${JSON.stringify(req.intentNames ?? [])} and no tenant/network was given`, { field: 'network' });
    const net = this.net(tenant, network);
    let owner: string | undefined = attachmentOwner(req.source, this.host, req.key);
    let ip: string;
    let prefixLen = Number(net.subnet.split('/')[1]);
    let gateway = net.gateway;
    let claim = true;
    if (ep) {
      ip = ep.ip;
      owner = undefined;
      claim = false;
    } else if (req.ipClaimedBy && req.ip) {
      ip = req.ip;
      if ((await this.claimOwner(net, ip)) !== req.ipClaimedBy) throw new NetpluginError('NP_ADDRESS_IN_USE', `ip: ${ip} in ${net.id} is not claimed by ${req.ipClaimedBy}`, { field: 'ip' });
      owner = req.ipClaimedBy;
      claim = false;
    } else if (req.externalAddress) {
      ({ ip, prefixLen } = req.externalAddress);
      gateway = req.externalAddress.gateway ?? gateway;
      claim = inSubnet(ip, net.subnet);
      if (!claim) owner = undefined;
      else await this.requireFree(net, ip, owner);
    } else if (req.ip) {
      checkRequestedAddress(req.ip, net.subnet, net.gateway, 'ip');
      await this.requireFree(net, req.ip, owner);
      ip = req.ip;
    } else {
      ip = await this.lowestFree(net);
    }
    if (this.failNextAttach) {
      const err = this.failNextAttach;
      this.failNextAttach = undefined;
      throw err;
    }
    if (claim) await this.takeClaim(net, ip, owner!);
    const name = ep?.container ?? `${req.source}-${createHash('sha256').update(req.key).digest('hex').slice(0, 12)}`;
    const rec: AttachmentStatus = {
      source: req.source, key: req.key, containerId: req.containerId, host: this.host,
      endpointId: `${tenant}/${network}/${name}`, name, fromIntent: !!ep, tenant, network,
      ip, prefixLen, mac: req.mac ?? ep?.mac ?? macFromIp(ipToInt(ip)!), gateway, mtu: net.mtu,
      claimOwner: owner, ownsClaim: claim, ifName: req.ifName ?? 'eth0',
      labels: { ...req.labels }, createdAt: new Date().toISOString(), state: 'recorded',
    };
    this.records.set(id, req.netns ? this.plumbed(rec, req, internal) : rec);
    return this.records.get(id)!;
  }

  async unplumb(source: RuntimeSource, key: string): Promise<void> {
    this.calls.push(['unplumb', key]);
    const r = this.records.get(`${source}/${key}`);
    if (r) this.records.set(`${source}/${key}`, { ...r, state: 'recorded', netns: undefined, handoffPeer: undefined, hostPort: undefined, ofport: undefined });
  }

  async detach(source: RuntimeSource, key: string): Promise<boolean> {
    this.calls.push(['detach', key]);
    const r = this.records.get(`${source}/${key}`);
    if (!r) return false;
    this.records.delete(`${source}/${key}`);
    if (r.ownsClaim && r.claimOwner) await this.releaseAddress(r.tenant, r.network, r.claimOwner, r.ip);
    return true;
  }

  async claimAddress(tenant: string, network: string, owner: string, ip?: string): Promise<{ ip: string; prefixLen: number; gateway: string }> {
    this.requireReady();
    const net = this.net(tenant, network);
    const answer = (chosen: string) => ({ ip: chosen, prefixLen: Number(net.subnet.split('/')[1]), gateway: net.gateway });
    if (ip !== undefined) {
      checkRequestedAddress(ip, net.subnet, net.gateway, 'ip');
      if ((await this.claimOwner(net, ip)) === owner) return answer(ip);
      await this.requireFree(net, ip, owner);
    }
    const chosen = ip ?? (await this.lowestFree(net));
    await this.takeClaim(net, chosen, owner);
    this.calls.push(['claim', chosen]);
    return answer(chosen);
  }

  async releaseAddress(tenant: string, network: string, owner: string, ip: string): Promise<void> {
    const net = this.net(tenant, network);
    if ((await this.claimOwner(net, ip)) !== owner) return;
    if (this.store) await this.store.delete(KEYS.operClaim(tenant, network, ip));
    else this.claims.get(net.id)?.delete(ip);
    this.calls.push(['release', ip]);
  }

  // --- internals -------------------------------------------------------------------------

  private plumbed(rec: AttachmentStatus, req: AttachRequest, internal: AttachInternal): AttachmentStatus {
    this.port++;
    return { ...rec, state: 'attached', netns: req.netns, handoffPeer: internal.handoff ? handoffPeerName(req.key) : undefined, hostPort: `vfake${this.port}`, ofport: this.port };
  }

  private net(tenant: string, network: string): RuntimeNetwork {
    const n = this.nets.find((x) => x.tenant === tenant && x.name === network);
    if (!n) throw new NetpluginError('NP_NOT_FOUND', `network ${tenant}/${network} does not exist`, { tenant, network });
    return n;
  }

  private requireReady(): void {
    if (!this.ready) throw new NetpluginError('NP_AGENT_NOT_READY', `agent not ready: ${this.reason || 'starting'}`);
  }

  private async claimOwner(net: RuntimeNetwork, ip: string): Promise<string | undefined> {
    if (this.store) return (await readClaim(this.store, net.tenant, net.name, ip))?.owner;
    return this.claims.get(net.id)?.get(ip);
  }

  /** Intent addresses, claims and records of `net`. */
  private async taken(net: RuntimeNetwork): Promise<Set<string>> {
    const used = new Set<string>();
    for (const e of this.intent) if (e.tenant === net.tenant && e.network === net.name) used.add(e.ip);
    for (const r of this.records.values()) if (r.tenant === net.tenant && r.network === net.name) used.add(r.ip);
    if (this.store) for (const c of await listClaims(this.store, net.tenant, net.name)) used.add(c.ip);
    else for (const ip of this.claims.get(net.id)?.keys() ?? []) used.add(ip);
    return used;
  }

  private async requireFree(net: RuntimeNetwork, ip: string, owner: string): Promise<void> {
    const holder = await this.claimOwner(net, ip);
    if ((holder !== undefined && holder !== owner) || (holder === undefined && (await this.taken(net)).has(ip))) {
      throw new NetpluginError('NP_ADDRESS_IN_USE', `${ip} is already in use in ${net.id}`, { ip });
    }
  }

  private async lowestFree(net: RuntimeNetwork): Promise<string> {
    const ip = lowestFreeAddress(net.subnet, net.gateway, await this.taken(net));
    if (!ip) throw new NetpluginError('NP_POOL_EXHAUSTED', `network ${net.id} has no free address left`, { network: net.id });
    return ip;
  }

  private async takeClaim(net: RuntimeNetwork, ip: string, owner: string): Promise<void> {
    if (this.store) {
      const c = claimOps(net.tenant, net.name, ip, { owner, host: this.host, at: new Date().toISOString() });
      if (!(await this.store.txn(c.compares, c.ops)).succeeded) throw new NetpluginError('NP_ADDRESS_IN_USE', `${ip} was taken concurrently`, { ip });
      return;
    }
    const claims = this.claims.get(net.id) ?? new Map<string, string>();
    claims.set(ip, owner);
    this.claims.set(net.id, claims);
  }
}

/** A /24 network for tests: `tenant/name` with subnet `10.<n>.0.0/24`, gateway .1. */
export function fakeNetwork(tenant: string, name: string, n: number): RuntimeNetwork {
  return { id: `${tenant}/${name}`, tenant, name, subnet: `10.${n}.0.0/24`, gateway: `10.${n}.0.1`, mtu: 1500, pktTagType: 'vlan', pktTag: 100 + n };
}
