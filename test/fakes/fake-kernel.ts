/**
 * A message-level fake of the kernel for unit tests of the agent's round: it records every
 * batch of netlink operations exactly as the round would send it, keeps a small model of
 * namespaces, links, addresses, routes and forwarding entries so later operations see the
 * effect of earlier ones, and can fail any operation on demand.
 */
import { NetpluginError } from '../../src/common/errors.js';
import type { FdbEntry, Kernel, LinkInfo, NetlinkOp, OpError, OpResult, RouteInfo } from '../../src/datapath/kernel/index.js';

/** One link of the model. */
export interface FakeLink {
  name: string;
  index: number;
  mtu: number;
  mac: string;
  up: boolean;
  kind?: string;
  /** Namespace path ('' for the agent's own). */
  netns: string;
  /** For a veth: its peer's key (`netns|name`). */
  peer?: string;
  addrs: string[];
  features: Record<string, boolean>;
  vxlan?: { vni: number; local?: string; dev?: string; learning: boolean };
}

const ENOENT = 2;
const ESRCH = 3;
const EEXIST = 17;
const ENODEV = 19;

function opError(errno: number, message: string): OpError {
  return Object.assign(new NetpluginError('NP_NETLINK', message, { errno }), { errno }) as OpError;
}

/** The fake kernel. `batches` holds every batch sent, in order. */
export class FakeKernel implements Kernel {
  readonly batches: NetlinkOp[][] = [];
  private readonly links = new Map<string, FakeLink>();
  private readonly namespaces = new Set<string>(['']);
  private readonly routes = new Map<string, RouteInfo[]>();
  private readonly fdb = new Map<string, FdbEntry[]>();
  private readonly failures: ((op: NetlinkOp) => OpError | undefined)[] = [];
  private nextIndex = 2;
  private macSeq = 0;

  /** Every op sent so far, flattened. */
  get ops(): NetlinkOp[] {
    return this.batches.flat();
  }

  /** Forgets the recorded batches (the model stays). */
  clearLog(): void {
    this.batches.length = 0;
  }

  /** Makes a namespace exist (a container's netns file). */
  addNamespace(path: string): void {
    this.namespaces.add(path);
  }

  /** Removes a namespace and every link in it (a container that went away); veth peers go too. */
  removeNamespace(path: string): void {
    this.namespaces.delete(path);
    for (const l of [...this.links.values()]) if (l.netns === path) this.deleteLink(l);
  }

  /** Adds a link directly (the uplink NIC, a leftover veth). */
  addLink(name: string, init: Partial<FakeLink> = {}): FakeLink {
    const link: FakeLink = { name, index: this.nextIndex++, mtu: 1500, mac: this.freshMac(), up: false, netns: '', addrs: [], features: {}, ...init };
    this.links.set(this.key(link.netns, name), link);
    return link;
  }

  /** Removes a link as its owner would (vswitchd deleting an internal port's netdev), with its routes. */
  removeLink(name: string, netns = ''): void {
    const l = this.links.get(this.key(netns, name));
    if (l) this.deleteLink(l);
  }

  /** Adds a route directly (one someone else installed). */
  addRoute(route: RouteInfo, netns = ''): void {
    this.routes.set(netns, [...(this.routes.get(netns) ?? []), route]);
  }

  /** A link of the model, or undefined. */
  link(name: string, netns = ''): FakeLink | undefined {
    return this.links.get(this.key(netns, name));
  }

  /** Links of one namespace, by name. */
  linkNames(netns = ''): string[] {
    return [...this.links.values()].filter((l) => l.netns === netns).map((l) => l.name).sort();
  }

  /** Routes of one namespace. */
  routesOf(netns = ''): RouteInfo[] {
    return this.routes.get(netns) ?? [];
  }

  /** Forwarding entries of one device. */
  fdbOf(dev: string): FdbEntry[] {
    return this.fdb.get(dev) ?? [];
  }

  /** Fails every op for which `pred` is true (with errno and message), until `clearFailures()`. */
  failWhen(pred: (op: NetlinkOp) => boolean, errno = 1, message = 'Operation not permitted'): void {
    this.failures.push((op) => (pred(op) ? opError(errno, message) : undefined));
  }

  /** Stops failing ops. */
  clearFailures(): void {
    this.failures.length = 0;
  }

  async run(ops: NetlinkOp[]): Promise<OpResult[]> {
    this.batches.push(structuredClone(ops));
    return ops.map((op) => {
      for (const f of this.failures) {
        const e = f(op);
        if (e) return { ok: false, error: e };
      }
      try {
        return { ok: true, value: this.apply(op) };
      } catch (e) {
        return { ok: false, error: e as OpError };
      }
    });
  }

  private key(netns: string | undefined, name: string): string {
    return `${netns ?? ''}|${name}`;
  }

  private freshMac(): string {
    const n = ++this.macSeq;
    return `0e:00:00:00:${((n >> 8) & 0xff).toString(16).padStart(2, '0')}:${(n & 0xff).toString(16).padStart(2, '0')}`;
  }

  private ns(netns: string | undefined): string {
    const p = netns ?? '';
    if (!this.namespaces.has(p)) throw opError(ENOENT, `opening network namespace ${p}: No such file or directory`);
    return p;
  }

  private get(netns: string | undefined, name: string): FakeLink {
    const l = this.links.get(this.key(this.ns(netns), name));
    if (!l) throw opError(ENODEV, `link ${name}: No such device`);
    return l;
  }

  /** Deletes a link as the kernel does: with its veth peer, its forwarding entries and the routes through it. */
  private deleteLink(l: FakeLink): void {
    const gone = [l, ...(l.peer && this.links.has(l.peer) ? [this.links.get(l.peer)!] : [])];
    for (const x of gone) {
      this.links.delete(this.key(x.netns, x.name));
      this.fdb.delete(x.name);
      const routes = this.routes.get(x.netns);
      if (routes) this.routes.set(x.netns, routes.filter((r) => r.dev !== x.name));
    }
  }

  private info(l: FakeLink): LinkInfo {
    const out: LinkInfo = { index: l.index, name: l.name, mtu: l.mtu, mac: l.mac, up: l.up, operUp: l.up };
    if (l.kind) out.kind = l.kind;
    if (l.vxlan) out.vxlan = { vni: l.vxlan.vni, local: l.vxlan.local, dstPort: 4789, learning: l.vxlan.learning };
    return out;
  }

  private apply(op: NetlinkOp): unknown {
    switch (op.op) {
      case 'createVeth': {
        const a = this.ns(op.netns);
        const b = this.ns(op.peerNetns ?? op.netns);
        if (this.links.has(this.key(a, op.name)) || this.links.has(this.key(b, op.peerName))) throw opError(EEXIST, `link ${op.name}: File exists`);
        const mtu = op.mtu ?? 1500;
        this.addLink(op.name, { netns: a, kind: 'veth', mtu, mac: op.mac ?? this.freshMac(), peer: this.key(b, op.peerName) });
        this.addLink(op.peerName, { netns: b, kind: 'veth', mtu, mac: op.peerMac ?? this.freshMac(), peer: this.key(a, op.name) });
        return undefined;
      }
      case 'linkSet': {
        const l = this.get(op.netns, op.name);
        if (op.up !== undefined) l.up = op.up;
        if (op.mtu !== undefined) l.mtu = op.mtu;
        if (op.mac !== undefined) l.mac = op.mac;
        if (op.newName !== undefined || op.moveToNetns !== undefined) {
          const oldKey = this.key(l.netns, l.name);
          this.links.delete(oldKey);
          if (op.newName !== undefined) l.name = op.newName;
          if (op.moveToNetns !== undefined) l.netns = this.ns(op.moveToNetns);
          const newKey = this.key(l.netns, l.name);
          this.links.set(newKey, l);
          if (l.peer) {
            const p = this.links.get(l.peer);
            if (p) p.peer = newKey;
          }
        }
        return undefined;
      }
      case 'linkDel': {
        const l = this.links.get(this.key(this.ns(op.netns), op.name));
        if (!l) {
          if (op.ignoreMissing) return undefined;
          throw opError(ENODEV, `link ${op.name}: No such device`);
        }
        this.deleteLink(l);
        return undefined;
      }
      case 'linkGet': {
        const l = this.links.get(this.key(this.ns(op.netns), op.name));
        return l ? this.info(l) : undefined;
      }
      case 'linkList': {
        const ns = this.ns(op.netns);
        return [...this.links.values()].filter((l) => l.netns === ns).sort((x, y) => x.index - y.index).map((l) => this.info(l));
      }
      case 'addrAdd': {
        const l = this.get(op.netns, op.name);
        if (!l.addrs.includes(op.cidr)) l.addrs.push(op.cidr);
        return undefined;
      }
      case 'addrDel': {
        const l = this.links.get(this.key(this.ns(op.netns), op.name));
        if (!l || !l.addrs.includes(op.cidr)) {
          if (op.ignoreMissing) return undefined;
          throw opError(l ? 99 : ENODEV, `address ${op.cidr} on ${op.name}: not found`);
        }
        l.addrs = l.addrs.filter((a) => a !== op.cidr);
        return undefined;
      }
      case 'addrList': {
        const ns = this.ns(op.netns);
        return [...this.links.values()]
          .filter((l) => l.netns === ns && (op.name === undefined || l.name === op.name))
          .flatMap((l) => l.addrs.map((cidr) => ({ name: l.name, index: l.index, cidr, family: cidr.includes(':') ? 6 : 4 })));
      }
      case 'routeReplace': {
        const ns = this.ns(op.netns);
        if (op.dev) this.get(ns, op.dev);
        const list = (this.routes.get(ns) ?? []).filter((r) => r.dst !== op.dst);
        list.push({ dst: op.dst, gateway: op.gateway, dev: op.dev, table: 254, ...(op.protocol !== undefined ? { protocol: op.protocol } : {}) });
        this.routes.set(ns, list);
        return undefined;
      }
      case 'routeDel': {
        // As the kernel: the first route matching every field given; none is ESRCH.
        const ns = this.ns(op.netns);
        const list = this.routes.get(ns) ?? [];
        const at = list.findIndex(
          (r) => r.dst === op.dst && (op.protocol === undefined || (r.protocol ?? 3) === op.protocol) && (op.gateway === undefined || r.gateway === op.gateway) && (op.dev === undefined || r.dev === op.dev),
        );
        if (at < 0) {
          if (op.ignoreMissing) return undefined;
          throw opError(ESRCH, `route ${op.dst}: No such process`);
        }
        list.splice(at, 1);
        return undefined;
      }
      case 'routeList':
        return [...(this.routes.get(this.ns(op.netns)) ?? [])];
      case 'featuresGet': {
        const l = this.get(op.netns, op.name);
        return Object.fromEntries(Object.entries(l.features).map(([k, v]) => [k, { active: v, changeable: true }]));
      }
      case 'featuresSet': {
        const l = this.get(op.netns, op.name);
        Object.assign(l.features, op.features);
        return undefined;
      }
      case 'createVxlan': {
        const ns = this.ns(op.netns);
        if (this.links.has(this.key(ns, op.name))) throw opError(EEXIST, `link ${op.name}: File exists`);
        this.addLink(op.name, { netns: ns, kind: 'vxlan', mtu: op.mtu ?? 1450, vxlan: { vni: op.vni, local: op.local, dev: op.dev, learning: op.learning ?? false } });
        return undefined;
      }
      case 'fdbAppend': {
        this.get(op.netns, op.dev);
        const list = this.fdb.get(op.dev) ?? [];
        if (!list.some((e) => e.mac === op.mac && e.dst === op.dst)) list.push({ mac: op.mac, dst: op.dst, permanent: true });
        this.fdb.set(op.dev, list);
        return undefined;
      }
      case 'fdbDel': {
        const list = this.fdb.get(op.dev);
        const has = list?.some((e) => e.mac === op.mac && e.dst === op.dst);
        if (!has) {
          if (op.ignoreMissing) return undefined;
          throw opError(ENOENT, `fdb ${op.mac} dst ${op.dst} on ${op.dev}: not found`);
        }
        this.fdb.set(op.dev, list!.filter((e) => !(e.mac === op.mac && e.dst === op.dst)));
        return undefined;
      }
      case 'fdbList':
        this.get(op.netns, op.dev);
        return [...(this.fdb.get(op.dev) ?? [])];
    }
  }
}
