/**
 * RuntimeService: the agent side of `attach`/`detach` for container runtimes (CNI, Docker
 * remote driver). An attachment is first recorded in the store — together with the claim of
 * its address, in one transaction — and only then plumbed by the agent's ordinary reconcile
 * round, so a kill -9 at any point leaves either nothing or a record the next agent plumbs.
 */
import { createHash } from 'node:crypto';
import { NetpluginError } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import { ipToInt } from '../alloc/ip.js';
import { macFromIp } from '../alloc/mac.js';
import { addrList, addonNetnsProbe, checkContainerNetns, type NetnsProbe } from '../datapath/kernel/index.js';
import { overrideQos } from '../intent/qos.js';
import { externalOf, gatewayModeOf } from '../intent/routing.js';
import type { QosSettings } from '../intent/qos-types.js';
import type { EndpointState, NetworkState } from '../intent/types.js';
import { KEYS } from '../state/keys.js';
import type { Compare, Op, StateStore } from '../state/store.js';
import type { DesiredSnapshot } from '../agent/desired.js';
import type { PeerSnapshot } from '../agent/peers.js';
import type { EndpointStatus } from '../agent/reconcile.js';
import type { LocalContainer } from '../agent/containers.js';
import type { ExtraWorkloads } from '../agent/workloads.js';
import { checkRequestedAddress, inSubnet, lowestFreeAddress } from './addresses.js';
import { attachmentOwner, claimOps, intentUnchanged, listClaims, readClaim, type ClaimValue } from './claims.js';
import { validateAttachRequest } from './attach-request.js';
import { handoffPeerName } from './handoff.js';
import type { AttachInternal, AttachRequest, Attachment, AttachmentStatus, CheckResult, RuntimeApi, RuntimeNetwork, RuntimeSource } from './types.js';

/** An attach request with what the agent decided for it. */
type ResolvedRequest = AttachRequest & { handoffPeer?: string };

/** Options of the service (tests replace the namespace probe). */
export interface RuntimeServiceOptions {
  /** How netns paths are checked before anything is recorded (default: the addon and /proc). */
  netnsProbe?: NetnsProbe;
  /** Time limit of that check (default NETNS_OP_TIMEOUT_MS). */
  netnsTimeoutMs?: number;
}

/** What the service needs from the agent it runs on (an `Agent` is one). */
export interface RuntimeHost {
  readonly host: string;
  readonly store: StateStore;
  desired(): DesiredSnapshot;
  peers(): PeerSnapshot;
  readiness(): { ready: boolean; reason?: string };
  /** Asks for a round and resolves with the statuses of the first round that starts after this call. */
  nextRound(): Promise<ReadonlyMap<string, EndpointStatus>>;
  /** Statuses of the last completed round, by endpoint id. */
  lastStatuses(): ReadonlyMap<string, EndpointStatus>;
  /** Resolves once the desired view holds the intent of meta revision `metaRevision` or later. */
  caughtUp(metaRevision: number): Promise<void>;
}

const MAX_TXN_ATTEMPTS = 20;
const ROUND_TIMEOUT_MS = 60_000;
const SOURCE_KIND: Record<RuntimeSource, LocalContainer['source']> = { cni: 'cni', docker: 'docker-driver' };

/**
 * Implements RuntimeApi on top of the store and the agent's reconcile rounds; the agent
 * takes its attachments as ExtraWorkloads (the entry point wires the two).
 */
export class RuntimeService implements RuntimeApi, ExtraWorkloads {
  private readonly local = new Map<string, Attachment>();
  private readonly locks = new Map<string, Promise<unknown>>();
  /** Addresses being claimed by calls in flight, per network, so concurrent attaches do not pick the same one. */
  private readonly inFlight = new Map<string, Set<string>>();

  /** `host` is the agent; call `load()` before the agent's first round. */
  constructor(
    private readonly host: RuntimeHost,
    private readonly log: Logger,
    private readonly opts: RuntimeServiceOptions = {},
  ) {}

  /** Reads this host's attachment records (they survive agent restarts). */
  async load(): Promise<void> {
    const { items } = await this.host.store.list(KEYS.operAttachmentsOf(this.host.host));
    this.local.clear();
    for (const kv of items) {
      const a = JSON.parse(kv.value) as Attachment;
      this.local.set(id(a.source, a.key), a);
    }
    if (items.length) this.log.info({ attachments: items.length }, 'runtime attachments loaded');
  }

  /** Containers of plumbable local attachments, by endpoint name (for the reconcile round). */
  localContainers(): Map<string, LocalContainer> {
    const out = new Map<string, LocalContainer>();
    for (const a of this.local.values()) {
      if (!a.netns) continue;
      out.set(a.name, { id: a.containerId, name: a.name, pid: 0, netns: a.netns, source: SOURCE_KIND[a.source], ifName: a.ifName, handoffPeer: a.handoffPeer });
    }
    return out;
  }

  /**
   * Endpoints that exist only through runtime attachments, on every host (local records
   * from memory, other hosts' from the peer view), for the round to add to the intent's.
   */
  runtimeEndpoints(): EndpointState[] {
    const out: EndpointState[] = [];
    for (const a of this.local.values()) if (!a.fromIntent) out.push(endpointOf(a));
    for (const a of this.host.peers().runtime.values()) if (!a.fromIntent && a.host !== this.host.host) out.push(endpointOf(a));
    return out;
  }

  /**
   * QoS of this host's attachments that took an intent endpoint, by endpoint id: the request's
   * laid part by part over the intent endpoint's own (`desired`, the intent's endpoints), for
   * the round to use in place of the intent's. Attachments that asked for no QoS are absent.
   */
  intentEndpointQos(desired: ReadonlyMap<string, EndpointState>): Map<string, QosSettings> {
    const out = new Map<string, QosSettings>();
    for (const a of this.local.values()) {
      if (!a.fromIntent || !a.qos) continue;
      const qos = overrideQos(desired.get(a.endpointId)?.qos, a.qos);
      if (qos) out.set(a.endpointId, qos);
    }
    return out;
  }

  /**
   * Groups that runtime attachments (of every host) add to the intent endpoints they took, by
   * endpoint id: the intent endpoint's own `Groups` (from `desired`) and the request's, sorted,
   * each once. Every host needs them: a rule's peers on one host are members on another.
   */
  intentEndpointGroups(desired: ReadonlyMap<string, EndpointState>): Map<string, string[]> {
    const out = new Map<string, string[]>();
    const add = (a: Attachment) => {
      if (!a.fromIntent || !a.groups?.length) return;
      out.set(a.endpointId, [...new Set([...(out.get(a.endpointId) ?? desired.get(a.endpointId)?.groups ?? []), ...a.groups])].sort());
    };
    for (const a of this.local.values()) add(a);
    for (const a of this.host.peers().runtime.values()) if (a.host !== this.host.host) add(a);
    return out;
  }

  /** Whether containers can be attached now. */
  status(): { ready: boolean; reason?: string } {
    return this.host.readiness();
  }

  /** Intent networks as runtimes see them. */
  networks(): RuntimeNetwork[] {
    return [...this.host.desired().networks.values()].map((n) => ({
      id: n.id, tenant: n.tenant, name: n.name, subnet: n.subnet, gateway: n.gateway, mtu: n.mtu, pktTagType: n.pktTagType, pktTag: n.pktTag,
      gatewayMode: gatewayModeOf(n), external: externalOf(n),
    }));
  }

  /** This host's attachments with their last seen state. */
  list(source?: RuntimeSource): AttachmentStatus[] {
    const statuses = this.host.lastStatuses();
    return [...this.local.values()].filter((a) => !source || a.source === source).map((a) => withState(a, statuses));
  }

  /** One attachment with its state, or undefined. */
  get(source: RuntimeSource, key: string): AttachmentStatus | undefined {
    const a = this.local.get(id(source, key));
    return a ? withState(a, this.host.lastStatuses()) : undefined;
  }

  /** Records, then (with a netns) plumbs; a failure leaves what was there before the call. */
  async attach(request: AttachRequest, internal: AttachInternal = {}): Promise<AttachmentStatus> {
    validateAttachRequest(request);
    const req: ResolvedRequest = { ...request, mac: request.mac?.toLowerCase() };
    // Always set here, so a value smuggled in with the request never survives.
    req.handoffPeer = internal.handoff ? handoffPeerName(req.key) : undefined;
    // Before anything is recorded: a path the agent would refuse (or block on) never reaches a round.
    // A Docker hand-off is the exception: Docker makes the sandbox after Join and moves the veth
    // itself; the agent opens that namespace only on a later repair, through the same checked open.
    if (req.netns && !req.handoffPeer) await checkContainerNetns(req.netns, 'netns', this.opts.netnsProbe ?? addonNetnsProbe, this.opts.netnsTimeoutMs);
    this.requireReady();
    return this.serialized(id(req.source, req.key), async () => {
      const before = this.local.get(id(req.source, req.key));
      const rec = before ?? (await this.record(req));
      if (!req.netns) return withState(rec, this.host.lastStatuses());
      const plumbed: Attachment = { ...rec, netns: req.netns, ifName: req.ifName ?? rec.ifName, handoffPeer: req.handoffPeer };
      if (!sameTarget(rec, plumbed) || rec.handoffPeer !== plumbed.handoffPeer) await this.save(plumbed);
      const status = (await this.roundWithTimeout()).get(rec.endpointId);
      if (status?.status === 'attached' && status.containerId === rec.containerId) {
        // A handed-off veth is the runtime's to move now; a later repair plumbs straight into the netns.
        if (plumbed.handoffPeer) await this.save({ ...plumbed, handoffPeer: undefined, ifName: undefined });
        return { ...withState(this.local.get(id(rec.source, rec.key))!, this.host.lastStatuses()), hostPort: status.port, ofport: status.ofport, ifName: plumbed.handoffPeer ?? status.ifName, state: 'attached' };
      }
      const reason = status?.error ?? `endpoint ${rec.endpointId} was not planned on this host (network ${rec.tenant}/${rec.network} missing?)`;
      if (before) {
        await this.save({ ...before, netns: undefined, ifName: undefined, handoffPeer: undefined });
      } else {
        await this.remove(rec);
      }
      await this.host.nextRound().catch(() => undefined);
      throw new NetpluginError('NP_ATTACH_FAILED', `attaching ${req.source} ${req.key} to ${rec.tenant}/${rec.network}: ${reason}`, { endpoint: rec.endpointId });
    });
  }

  /** Unplumbs, keeping the record and address. */
  async unplumb(source: RuntimeSource, key: string): Promise<void> {
    await this.serialized(id(source, key), async () => {
      const rec = this.local.get(id(source, key));
      if (!rec || !rec.netns) return;
      await this.save({ ...rec, netns: undefined, ifName: undefined, handoffPeer: undefined });
      await this.roundWithTimeout();
    });
  }

  /** Unplumbs, deletes the record and releases its claim. */
  async detach(source: RuntimeSource, key: string): Promise<boolean> {
    return this.serialized(id(source, key), async () => {
      const rec = this.local.get(id(source, key));
      if (!rec) return false;
      await this.remove(rec);
      if (!rec.netns) return true;
      // The port, its veth (and with it the container's interface) and its flows go in the
      // next round, which starts now; nothing waits on it — vswitchd's port removal and the
      // kernel's veth teardown are the slow part. A later round for the same container runs
      // after it, so a re-ADD never meets the old interface.
      this.host.nextRound().catch(() => undefined);
      return true;
    });
  }

  /** Compares the record with the datapath and the container's interface. */
  async check(source: RuntimeSource, key: string): Promise<CheckResult> {
    const rec = this.local.get(id(source, key));
    if (!rec) throw new NetpluginError('NP_NOT_FOUND', `no ${source} attachment ${key} on host ${this.host.host}`);
    const problems: string[] = [];
    const st = this.host.lastStatuses().get(rec.endpointId);
    if (!rec.netns) problems.push('attachment is recorded but not plumbed (no network namespace)');
    else if (!st || st.status !== 'attached') problems.push(`port not attached: ${st?.error ?? 'no status yet'}`);
    if (rec.netns && rec.ifName) {
      try {
        const addrs = await addrList({ netns: rec.netns, name: rec.ifName });
        if (!addrs.some((a) => a.cidr === `${rec.ip}/${rec.prefixLen}`)) problems.push(`interface ${rec.ifName} lacks address ${rec.ip}/${rec.prefixLen}`);
      } catch (err) {
        problems.push(`interface ${rec.ifName} in ${rec.netns}: ${(err as Error).message}`);
      }
    }
    return { problems };
  }

  /** Claims an address for `owner` (Docker IPAM), idempotently. */
  async claimAddress(tenant: string, network: string, owner: string, ip?: string): Promise<{ ip: string; prefixLen: number; gateway: string }> {
    if (!owner) throw new NetpluginError('NP_INVALID_ARGUMENT', 'owner: must not be empty', { field: 'owner' });
    this.requireReady();
    const lost: string[] = [];
    for (let attempt = 1; ; attempt++) {
      const desired = this.host.desired();
      const net = this.networkOf(desired, tenant, network);
      const prefixLen = Number(net.subnet.split('/')[1]);
      if (ip !== undefined) {
        checkRequestedAddress(ip, net.subnet, net.gateway, 'ip');
        const existing = (await readClaim(this.host.store, tenant, network, ip))?.owner;
        if (existing === owner) return { ip, prefixLen, gateway: net.gateway };
      }
      const chosen = ip ?? this.pickAddress(desired, net, lost);
      const value: ClaimValue = { owner, host: this.host.host, at: new Date().toISOString() };
      const done = await this.tryClaim(desired, net, chosen, ip !== undefined, value, []);
      if (done === 'ok') return { ip: chosen, prefixLen, gateway: net.gateway };
      if (done === 'taken') lost.push(chosen, ...(await listClaims(this.host.store, net.tenant, net.name)).map((c) => c.ip));
      if (attempt >= MAX_TXN_ATTEMPTS) throw conflict();
    }
  }

  /** Releases `owner`'s claim of `ip`; no-op when it is not theirs. */
  async releaseAddress(tenant: string, network: string, owner: string, ip: string): Promise<void> {
    const claim = await readClaim(this.host.store, tenant, network, ip);
    if (claim?.owner !== owner) return;
    await this.host.store.txn([{ key: claim.kv.key, modRevision: claim.kv.modRevision }], [{ type: 'delete', key: claim.kv.key }]);
  }

  // --- internals -------------------------------------------------------------------------

  private requireReady(): void {
    const r = this.host.readiness();
    if (!r.ready) throw new NetpluginError('NP_AGENT_NOT_READY', `netagent on ${this.host.host} cannot take containers yet: ${r.reason ?? 'starting'}`);
  }

  /** Runs `fn` after every earlier call for the same attachment has finished. */
  private async serialized<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(key) ?? Promise.resolve();
    const run = prev.catch(() => undefined).then(fn);
    this.locks.set(key, run);
    try {
      return await run;
    } finally {
      if (this.locks.get(key) === run) this.locks.delete(key);
    }
  }

  private async roundWithTimeout(): Promise<ReadonlyMap<string, EndpointStatus>> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new NetpluginError('NP_ATTACH_FAILED', `no reconcile round completed within ${ROUND_TIMEOUT_MS / 1000} s (is OVS reachable?)`)), ROUND_TIMEOUT_MS);
    });
    try {
      return await Promise.race([this.host.nextRound(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private networkOf(desired: DesiredSnapshot, tenant: string, network: string): NetworkState {
    const net = desired.networks.get(`${tenant}/${network}`);
    if (!net) {
      const tenantKnown = [...desired.networks.values()].some((n) => n.tenant === tenant);
      const what = tenantKnown ? `network "${network}" of tenant "${tenant}"` : `tenant "${tenant}"`;
      throw new NetpluginError('NP_NOT_FOUND', `${what} is not in the intent`, { tenant, network });
    }
    return net;
  }

  /** Addresses of `net` taken by intent endpoints, claims (as watched, and this host's own) and calls in flight. */
  private taken(desired: DesiredSnapshot, net: NetworkState): Set<string> {
    const used = new Set<string>();
    for (const e of desired.endpoints.values()) if (e.tenant === net.tenant && e.network === net.name) used.add(e.ip);
    for (const ip of this.host.peers().claims.get(net.id)?.keys() ?? []) used.add(ip);
    for (const a of this.local.values()) if (a.tenant === net.tenant && a.network === net.name) used.add(a.ip);
    for (const ip of this.inFlight.get(net.id) ?? []) used.add(ip);
    return used;
  }

  private pickAddress(desired: DesiredSnapshot, net: NetworkState, extra: Iterable<string> = []): string {
    const used = this.taken(desired, net);
    for (const ip of extra) used.add(ip);
    const ip = lowestFreeAddress(net.subnet, net.gateway, used);
    if (!ip) throw new NetpluginError('NP_POOL_EXHAUSTED', `network ${net.id} (${net.subnet}) has no free address left`, { network: net.id });
    return ip;
  }

  /**
   * One claim transaction (plus `extraOps`): 'ok', or why the caller must retry — 'taken' (a
   * dynamic choice lost a race) or 'stale' (the intent moved); throws NP_ADDRESS_IN_USE for a
   * lost static address.
   */
  private async tryClaim(desired: DesiredSnapshot, net: NetworkState, ip: string, isStatic: boolean, value: ClaimValue, extraOps: Op[], extraCompares: Compare[] = []): Promise<'ok' | 'taken' | 'stale'> {
    const intentUser = [...desired.endpoints.values()].find((e) => e.tenant === net.tenant && e.network === net.name && e.ip === ip);
    if (intentUser) throw new NetpluginError('NP_ADDRESS_IN_USE', `address ${ip} in ${net.id} belongs to intent endpoint "${intentUser.container}"`, { network: net.id, ip });
    let flight = this.inFlight.get(net.id);
    if (!flight) this.inFlight.set(net.id, (flight = new Set()));
    flight.add(ip);
    try {
      const c = claimOps(net.tenant, net.name, ip, value);
      const res = await this.host.store.txn([...c.compares, intentUnchanged(desired.metaRevision), ...extraCompares], [...c.ops, ...extraOps]);
      if (res.succeeded) return 'ok';
      const owner = (await readClaim(this.host.store, net.tenant, net.name, ip))?.owner;
      if (owner !== undefined && isStatic) throw new NetpluginError('NP_ADDRESS_IN_USE', `address ${ip} in ${net.id} is already in use (by ${owner})`, { network: net.id, ip, owner });
      if (owner !== undefined) return 'taken';
      await this.host.caughtUp((await this.host.store.get(KEYS.meta))?.modRevision ?? 0);
      return 'stale';
    } finally {
      flight.delete(ip);
    }
  }

  /** Resolves the request into an attachment and records it (with its claim) in one transaction. */
  private async record(req: ResolvedRequest): Promise<Attachment> {
    const owner = attachmentOwner(req.source, this.host.host, req.key);
    const lost: string[] = [];
    for (let attempt = 1; ; attempt++) {
      const desired = this.host.desired();
      // The netns goes into the first write: a record is never without the place to plumb it.
      const intentEp = this.intentMatch(desired, req);
      const groups = joinedGroups(desired, req, intentEp?.tenant ?? req.tenant);
      // Kept as asked, not merged with an intent endpoint's own: the intent may change later.
      const qos = req.qos ? structuredClone(req.qos) : undefined;
      const base = {
        source: req.source, key: req.key, containerId: req.containerId, host: this.host.host, labels: req.labels ?? {}, createdAt: new Date().toISOString(),
        netns: req.netns, ifName: req.netns ? req.ifName : undefined, handoffPeer: req.netns ? req.handoffPeer : undefined,
        ...(groups ? { groups } : {}),
        ...(qos ? { qos } : {}),
      };
      if (intentEp) {
        const net = this.networkOf(desired, intentEp.tenant, intentEp.network);
        const holder = [...this.local.values()].find((a) => a.endpointId === intentEp.id);
        if (holder) throw new NetpluginError('NP_ADDRESS_IN_USE', `intent endpoint ${intentEp.id} is already attached for ${holder.source} ${holder.key}`, { endpoint: intentEp.id });
        if (req.ip && req.ip !== intentEp.ip) throw new NetpluginError('NP_INVALID_ARGUMENT', `ip: ${req.ip} differs from intent endpoint ${intentEp.id}'s address ${intentEp.ip}`, { field: 'ip' });
        const rec: Attachment = { ...base, endpointId: intentEp.id, name: intentEp.container, fromIntent: true, tenant: intentEp.tenant, network: intentEp.network, ip: intentEp.ip, prefixLen: intentEp.prefixLen, mac: intentEp.mac, gateway: net.gateway, mtu: net.mtu, ownsClaim: false };
        const res = await this.host.store.txn([intentUnchanged(desired.metaRevision)], [putRecord(rec)]);
        if (res.succeeded) return this.remember(rec);
        // The intent moved since this view: wait for the new one, then decide again.
        await this.host.caughtUp((await this.host.store.get(KEYS.meta))?.modRevision ?? 0);
      } else {
        if (!req.tenant || !req.network) {
          throw new NetpluginError('NP_INVALID_ARGUMENT', `network: no intent endpoint matches ${JSON.stringify(req.intentNames ?? [])} and no tenant/network was given`, { field: 'network' });
        }
        const net = this.networkOf(desired, req.tenant, req.network);
        const name = `${req.source}-${createHash('sha256').update(req.key).digest('hex').slice(0, 12)}`;
        const common = { ...base, endpointId: `${net.tenant}/${net.name}/${name}`, name, fromIntent: false, tenant: net.tenant, network: net.name, mtu: net.mtu };
        if (req.ipClaimedBy) {
          const ip = req.ip!;
          const claim = await readClaim(this.host.store, net.tenant, net.name, ip);
          if (claim?.owner !== req.ipClaimedBy) throw new NetpluginError('NP_ADDRESS_IN_USE', `ip: ${ip} in ${net.id} is not claimed by ${req.ipClaimedBy}${claim ? ` (held by ${claim.owner})` : ''}`, { field: 'ip' });
          const rec: Attachment = { ...common, ip, prefixLen: prefixOf(net), mac: req.mac ?? macFromIp(ipToInt(ip)!), gateway: net.gateway, claimOwner: req.ipClaimedBy, ownsClaim: false };
          // The record stands only while the claim it uses is the one just read.
          const res = await this.host.store.txn([{ key: claim.kv.key, modRevision: claim.kv.modRevision }], [putRecord(rec)]);
          if (res.succeeded) return this.remember(rec);
        } else if (req.externalAddress && !inSubnet(req.externalAddress.ip, net.subnet)) {
          const x = req.externalAddress;
          const rec: Attachment = { ...common, ip: x.ip, prefixLen: x.prefixLen, mac: req.mac ?? macFromIp(ipToInt(x.ip)!), gateway: x.gateway ?? net.gateway, ownsClaim: false };
          await this.host.store.put(KEYS.operAttachment(rec.host, rec.source, rec.key), JSON.stringify(rec));
          return this.remember(rec);
        } else {
          const wanted = req.externalAddress?.ip ?? req.ip;
          if (wanted !== undefined && !req.externalAddress) checkRequestedAddress(wanted, net.subnet, net.gateway, 'ip');
          const ip = wanted ?? this.pickAddress(desired, net, lost);
          const x = req.externalAddress;
          const rec: Attachment = { ...common, ip, prefixLen: x?.prefixLen ?? prefixOf(net), mac: req.mac ?? macFromIp(ipToInt(ip)!), gateway: x?.gateway ?? net.gateway, claimOwner: owner, ownsClaim: true };
          const value: ClaimValue = { owner, host: this.host.host, endpointId: rec.endpointId, at: rec.createdAt };
          const done = await this.tryClaim(desired, net, ip, wanted !== undefined, value, [putRecord(rec)]);
          if (done === 'ok') return this.remember(rec);
          // The watched view of claims lags: read them all, then choose around them.
          if (done === 'taken') lost.push(ip, ...(await listClaims(this.host.store, net.tenant, net.name)).map((c) => c.ip));
        }
      }
      if (attempt >= MAX_TXN_ATTEMPTS) throw conflict();
    }
  }

  /**
   * The intent endpoint a request names (pod name = `Container`), if any. The request's
   * tenant/network are the fallback for pods the intent does not name, so they only break
   * ties: a container on several networks joins the requested one (else one of the tenant's).
   */
  private intentMatch(desired: DesiredSnapshot, req: AttachRequest): EndpointState | undefined {
    const rank = (e: EndpointState) => (e.tenant === req.tenant ? (e.network === req.network ? 0 : 1) : 2);
    for (const name of req.intentNames ?? []) {
      const found = [...desired.endpoints.values()].filter((e) => e.container === name).sort((a, b) => rank(a) - rank(b));
      if (found.length === 0) continue;
      const here = found.find((e) => e.host === undefined || e.host === this.host.host);
      if (!here) throw new NetpluginError('NP_INVALID_ARGUMENT', `intentNames: intent endpoint "${name}" is bound to host ${found[0].host}, not ${this.host.host}`, { field: 'intentNames' });
      return here;
    }
    return undefined;
  }

  private remember(rec: Attachment): Attachment {
    this.local.set(id(rec.source, rec.key), rec);
    return rec;
  }

  private async save(rec: Attachment): Promise<void> {
    await this.host.store.put(KEYS.operAttachment(rec.host, rec.source, rec.key), JSON.stringify(rec));
    this.local.set(id(rec.source, rec.key), rec);
  }

  /** Deletes the record and, when it made one, its claim — one transaction. */
  private async remove(rec: Attachment): Promise<void> {
    const ops: Op[] = [{ type: 'delete', key: KEYS.operAttachment(rec.host, rec.source, rec.key) }];
    if (rec.ownsClaim) ops.push({ type: 'delete', key: KEYS.operClaim(rec.tenant, rec.network, rec.ip) });
    await this.host.store.txn([], ops);
    this.local.delete(id(rec.source, rec.key));
  }
}

/**
 * The request's groups, sorted and each once, after checking each is a group of the
 * endpoint's tenant (policies are per tenant: a name from another tenant is unknown).
 */
function joinedGroups(desired: DesiredSnapshot, req: AttachRequest, tenant: string | undefined): string[] | undefined {
  if (!req.groups || req.groups.length === 0) return undefined;
  const known = new Set(tenant === undefined ? [] : (desired.policies.get(tenant)?.groups ?? []));
  req.groups.forEach((g, i) => {
    if (!known.has(g)) throw new NetpluginError('NP_INVALID_ARGUMENT', `groups[${i}]: unknown group "${g}": not a group of tenant "${tenant ?? '-'}"`, { field: `groups[${i}]` });
  });
  return [...new Set(req.groups)].sort();
}

function id(source: RuntimeSource, key: string): string {
  return `${source}\0${key}`;
}

function prefixOf(net: NetworkState): number {
  return Number(net.subnet.split('/')[1]);
}

function putRecord(rec: Attachment): Op {
  return { type: 'put', key: KEYS.operAttachment(rec.host, rec.source, rec.key), value: JSON.stringify(rec) };
}

function conflict(): NetpluginError {
  return new NetpluginError('NP_STORE_CONFLICT', `address claim lost ${MAX_TXN_ATTEMPTS} races with concurrent changes; try again`);
}

function sameTarget(a: Attachment, b: Attachment): boolean {
  return a.netns === b.netns && a.ifName === b.ifName;
}

/** The endpoint a runtime-only attachment stands for. */
function endpointOf(a: Attachment): EndpointState {
  const ep: EndpointState = { id: a.endpointId, tenant: a.tenant, network: a.network, container: a.name, host: a.host, ip: a.ip, prefixLen: a.prefixLen, mac: a.mac };
  if (a.qos) ep.qos = structuredClone(a.qos);
  if (a.groups?.length) ep.groups = [...a.groups];
  return ep;
}

function withState(a: Attachment, statuses: ReadonlyMap<string, EndpointStatus>): AttachmentStatus {
  if (!a.netns) return { ...a, state: 'recorded' };
  const st = statuses.get(a.endpointId);
  if (!st || st.containerId !== a.containerId) return { ...a, state: 'pending' };
  if (st.status === 'attached') return { ...a, state: 'attached', hostPort: st.port, ofport: st.ofport, ifName: a.ifName ?? st.ifName };
  return { ...a, state: 'error', error: st.error };
}
