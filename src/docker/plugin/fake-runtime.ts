/**
 * An in-memory RuntimeApi with the contract's semantics (idempotent attach by key, claims
 * created only if absent and written to the store's claim keys, lowest free address), for
 * the plugin's unit tests. No datapath: `netns` only flips the state to 'attached'.
 */
import { NetpluginError } from '../../common/errors.js';
import { cidrContains, cidrLast, intToIp, ipToInt, isHostAddress, parseCidr } from '../../alloc/ip.js';
import { macFromIp } from '../../alloc/mac.js';
import { KEYS } from '../../state/keys.js';
import type { StateStore } from '../../state/store.js';
import type { AttachRequest, AttachmentStatus, CheckResult, RuntimeApi, RuntimeNetwork, RuntimeSource } from '../../runtime/types.js';

/** A fake agent for tests: networks are set directly, calls are recorded. */
export class FakeRuntime implements RuntimeApi {
  ready = true;
  reason = '';
  /** Every mutating call, in order ("attach key", "detach key", ...). */
  readonly calls: string[] = [];
  private readonly atts = new Map<string, AttachmentStatus>();

  /** A fake over `store` (claims are written there) with the given intent networks. */
  constructor(
    private readonly store: StateStore,
    public nets: RuntimeNetwork[],
    private readonly host = 'host1',
  ) {}

  status(): { ready: boolean; reason?: string } {
    return this.ready ? { ready: true } : { ready: false, reason: this.reason || 'starting' };
  }

  networks(): RuntimeNetwork[] {
    return this.nets;
  }

  list(source?: RuntimeSource): AttachmentStatus[] {
    return [...this.atts.values()].filter((a) => !source || a.source === source);
  }

  get(source: RuntimeSource, key: string): AttachmentStatus | undefined {
    return this.atts.get(`${source}/${key}`);
  }

  async check(): Promise<CheckResult> {
    return { problems: [] };
  }

  async attach(req: AttachRequest): Promise<AttachmentStatus> {
    this.calls.push(`attach ${req.key}${req.netns ? ' netns' : ''}`);
    this.requireReady();
    const id = `${req.source}/${req.key}`;
    const have = this.atts.get(id);
    if (have) {
      if (req.netns && have.state !== 'attached') Object.assign(have, { state: 'attached', netns: req.netns, handoffPeer: req.handoffPeer, hostPort: `vh${req.key.slice(0, 8)}` });
      return have;
    }
    if (!req.tenant || !req.network) throw new NetpluginError('NP_INVALID_ARGUMENT', 'tenant and network are required', { field: 'tenant' });
    const n = this.net(req.tenant, req.network);
    let ip = req.ip;
    let claimOwner: string | undefined;
    let ownsClaim = false;
    if (ip && req.ipClaimedBy) {
      const kv = await this.store.get(KEYS.operClaim(n.tenant, n.name, ip));
      if (!kv || (JSON.parse(kv.value) as { owner: string }).owner !== req.ipClaimedBy) {
        throw new NetpluginError('NP_INVALID_ARGUMENT', `ipClaimedBy: ${ip} is not claimed by ${req.ipClaimedBy}`, { field: 'ipClaimedBy' });
      }
      claimOwner = req.ipClaimedBy;
    } else {
      claimOwner = `${req.source}:${this.host}:${req.key}`;
      ip = (await this.claimAddress(n.tenant, n.name, claimOwner, ip)).ip;
      ownsClaim = true;
    }
    const att: AttachmentStatus = {
      source: req.source, key: req.key, containerId: req.containerId, host: this.host,
      endpointId: `${n.tenant}/${n.name}/${req.source}-${req.key.slice(0, 12)}`, name: `${req.source}-${req.key.slice(0, 12)}`,
      fromIntent: false, tenant: n.tenant, network: n.name, ip: ip!, prefixLen: Number(n.subnet.split('/')[1]),
      mac: req.mac ?? macFromIp(ipToInt(ip!)!), gateway: n.gateway, mtu: n.mtu, claimOwner, ownsClaim,
      labels: req.labels ?? {}, createdAt: new Date().toISOString(), state: req.netns ? 'attached' : 'recorded',
    };
    if (req.netns) Object.assign(att, { netns: req.netns, handoffPeer: req.handoffPeer, hostPort: `vh${req.key.slice(0, 8)}` });
    this.atts.set(id, att);
    return att;
  }

  async unplumb(source: RuntimeSource, key: string): Promise<void> {
    this.calls.push(`unplumb ${key}`);
    const a = this.atts.get(`${source}/${key}`);
    if (a) {
      a.state = 'recorded';
      delete a.netns;
      delete a.hostPort;
    }
  }

  async detach(source: RuntimeSource, key: string): Promise<boolean> {
    this.calls.push(`detach ${key}`);
    const a = this.atts.get(`${source}/${key}`);
    if (!a) return false;
    this.atts.delete(`${source}/${key}`);
    if (a.ownsClaim && a.claimOwner) await this.releaseAddress(a.tenant, a.network, a.claimOwner, a.ip);
    return true;
  }

  async claimAddress(tenant: string, network: string, owner: string, ip?: string): Promise<{ ip: string; prefixLen: number; gateway: string }> {
    this.requireReady();
    const n = this.net(tenant, network);
    const c = parseCidr(n.subnet);
    if (!c.ok) throw new Error(c.reason);
    const gw = ipToInt(n.gateway)!;
    const free = async (v: number) => !(await this.store.get(KEYS.operClaim(tenant, network, intToIp(v))));
    let pick: number | undefined;
    if (ip) {
      const v = ipToInt(ip);
      if (v === undefined || !cidrContains(c.cidr, v) || !isHostAddress(c.cidr, v) || v === gw) {
        throw new NetpluginError('NP_ADDRESS_OUT_OF_RANGE', `${ip} is not a host address of ${n.id} (${n.subnet})`, { ip });
      }
      const kv = await this.store.get(KEYS.operClaim(tenant, network, ip));
      if (kv) {
        if ((JSON.parse(kv.value) as { owner: string }).owner === owner) return { ip, prefixLen: c.cidr.len, gateway: n.gateway };
        throw new NetpluginError('NP_ADDRESS_IN_USE', `${ip} is already in use in ${n.id}`, { ip });
      }
      pick = v;
    } else {
      for (let v = c.cidr.base + 1; v < cidrLast(c.cidr); v++) {
        if (v !== gw && (await free(v))) {
          pick = v;
          break;
        }
      }
      if (pick === undefined) throw new NetpluginError('NP_POOL_EXHAUSTED', `network ${n.id} has no free address left`, { network: n.id });
    }
    const key = KEYS.operClaim(tenant, network, intToIp(pick));
    const r = await this.store.txn([{ key, modRevision: 0 }], [{ type: 'put', key, value: JSON.stringify({ owner, host: this.host, at: new Date().toISOString() }) }]);
    if (!r.succeeded) throw new NetpluginError('NP_ADDRESS_IN_USE', `${intToIp(pick)} was taken concurrently`, {});
    this.calls.push(`claim ${intToIp(pick)}`);
    return { ip: intToIp(pick), prefixLen: c.cidr.len, gateway: n.gateway };
  }

  async releaseAddress(tenant: string, network: string, owner: string, ip: string): Promise<void> {
    const key = KEYS.operClaim(tenant, network, ip);
    const kv = await this.store.get(key);
    if (kv && (JSON.parse(kv.value) as { owner: string }).owner === owner) {
      await this.store.delete(key);
      this.calls.push(`release ${ip}`);
    }
  }

  private net(tenant: string, network: string): RuntimeNetwork {
    const n = this.nets.find((x) => x.tenant === tenant && x.name === network);
    if (!n) throw new NetpluginError('NP_NOT_FOUND', `unknown network ${tenant}/${network}`, { tenant, network });
    return n;
  }

  private requireReady(): void {
    if (!this.ready) throw new NetpluginError('NP_AGENT_NOT_READY', `agent not ready: ${this.reason || 'starting'}`, {});
  }
}
