/**
 * An in-memory stand-in for the addon's netlink Session, for unit tests of the TypeScript op semantics
 * and framing: a few namespaces of links, answering the field-level specs the way the kernel answers
 * the requests they encode (errno values from Node's table), and recording every exchange.
 */
import { constants } from 'node:os';
import type { DecodedMessage, NativeError, NativeSession, Step, StepResult } from '../../src/datapath/kernel/native.js';

const { ENODEV, EEXIST, EADDRNOTAVAIL, ESRCH, EOPNOTSUPP, EINVAL } = constants.errno as Record<string, number>;
const NLM_F_ECHO = 0x08;
const NLM_F_MULTI = 0x02;
const NLM_F_DUMP_INTR = 0x10;
const RTM_NEWLINK = 16;
const RTM_NEWROUTE = 24;
const RTPROT_BOOT = 3;

/** One main-table route of the model (`oif` 0 = none, `protocol` as the kernel stores it). */
export interface FakeRoute {
  dst: string;
  gateway?: string;
  oif: number;
  protocol: number;
}

interface FakeLink {
  index: number;
  name: string;
  up: boolean;
  kind?: string;
  peer?: { netns: string; index: number };
  addrs: Set<string>;
  /** A PF's VFs (the settings vfSet gave each); undefined = a driver without VF support. */
  vfs?: Array<Record<string, unknown>>;
}

/** Options: whether RTM_NEWLINK honours NLM_F_ECHO, and how many dumps come back NLM_F_DUMP_INTR first. */
export interface FakeKernelOptions {
  echo?: boolean;
  interruptedDumps?: number;
}

/** The fake kernel's state plus the session interface the transport drives. */
export class FakeNetlinkSession implements NativeSession {
  readonly exchanges: Step[][] = [];
  private readonly spaces = new Map<string, Map<number, FakeLink>>();
  private readonly routeTables = new Map<string, FakeRoute[]>();
  private nextIndex = 10;
  private interruptsLeft: number;
  closed = false;

  constructor(private readonly opts: FakeKernelOptions = {}) {
    this.interruptsLeft = opts.interruptedDumps ?? 0;
  }

  /** Adds an existing link (as if made before the batch). */
  addLink(netns: string, name: string, kind?: string): number {
    const index = this.nextIndex++;
    this.space(netns).set(index, { index, name, up: false, kind, addrs: new Set() });
    return index;
  }

  /** Adds an existing SR-IOV PF with `numVfs` VFs (vfSet on any other link answers EOPNOTSUPP, as a veth does). */
  addPf(netns: string, name: string, numVfs: number): number {
    const index = this.addLink(netns, name);
    this.space(netns).get(index)!.vfs = Array.from({ length: numVfs }, (_, vf) => ({ vf }));
    return index;
  }

  /** The link called `name` in `netns`, if any. */
  link(netns: string, name: string): FakeLink | undefined {
    return [...this.space(netns).values()].find((l) => l.name === name);
  }

  /** The routes of `netns` (the live list: tests may seed it). */
  routes(netns: string): FakeRoute[] {
    if (!this.routeTables.has(netns)) this.routeTables.set(netns, []);
    return this.routeTables.get(netns)!;
  }

  /** Every step sent, flattened in order. */
  steps(): Step[] {
    return this.exchanges.flat();
  }

  async exchange(steps: Step[]): Promise<StepResult[] & { workerNetnsInode: number }> {
    this.exchanges.push(steps);
    const out = steps.map((s) => this.answer(s));
    return Object.assign(out, { workerNetnsInode: 1 });
  }

  close(): void {
    this.closed = true;
  }

  private space(netns: string | undefined): Map<number, FakeLink> {
    const key = netns ?? '';
    if (!this.spaces.has(key)) this.spaces.set(key, new Map());
    return this.spaces.get(key)!;
  }

  private answer(step: Step): StepResult {
    const s = step.spec as Record<string, never>;
    const ns = this.space(step.netns);
    const byName = (n: string) => [...ns.values()].find((l) => l.name === n);
    const byIndex = (i: number) => ns.get(i);
    const okMsgs = (messages: DecodedMessage[] = [], doneFlags = 0): StepResult => ({ ok: true, messages, doneFlags });
    switch (s.op as string) {
      case 'linkGet': {
        const l = byName(s.name);
        return l ? okMsgs([linkMsg(l)]) : err(ENODEV, step.label);
      }
      case 'linkList': {
        const flags = this.interruptsLeft-- > 0 ? NLM_F_MULTI | NLM_F_DUMP_INTR : NLM_F_MULTI;
        return okMsgs([...ns.values()].map((l) => ({ ...linkMsg(l), flags })), flags);
      }
      case 'createVeth': {
        if (byName(s.name)) return err(EEXIST, step.label);
        const peerNs = (s.peerNetns as string | undefined) ?? step.netns ?? '';
        const a = this.addLink(step.netns ?? '', s.name, 'veth');
        const b = this.addLink(peerNs, s.peerName, 'veth');
        this.space(step.netns).get(a)!.peer = { netns: peerNs, index: b };
        this.space(peerNs).get(b)!.peer = { netns: step.netns ?? '', index: a };
        const echo = this.opts.echo && ((step.flags ?? 0) & NLM_F_ECHO) !== 0;
        return okMsgs(echo ? [linkMsg(this.space(step.netns).get(a)!)] : []);
      }
      case 'linkSet': {
        const l = byIndex(s.index);
        if (!l) return err(ENODEV, step.label);
        if (s.up !== undefined) l.up = s.up;
        if (s.newName !== undefined) l.name = s.newName;
        return okMsgs();
      }
      case 'linkDel': {
        const l = byIndex(s.index);
        if (!l) return err(ENODEV, step.label);
        ns.delete(l.index);
        if (l.peer) this.space(l.peer.netns).delete(l.peer.index);
        return okMsgs();
      }
      case 'addrAdd':
      case 'addrDel': {
        const l = byIndex(s.index);
        if (!l) return err(ENODEV, step.label);
        if (s.op === 'addrAdd') l.addrs.add(s.cidr);
        else if (!l.addrs.delete(s.cidr)) return err(EADDRNOTAVAIL, step.label);
        return okMsgs();
      }
      case 'routeReplace': {
        const routes = this.routes(step.netns ?? '');
        const at = routes.findIndex((r) => r.dst === s.dst);
        const route: FakeRoute = { dst: s.dst, gateway: (s.gateway as string | undefined) || undefined, oif: s.index ?? 0, protocol: (s.protocol as number | undefined) ?? RTPROT_BOOT };
        if (at >= 0) routes[at] = route;
        else routes.push(route);
        return okMsgs();
      }
      case 'routeDel': {
        // The kernel deletes the first route matching every field the request gives.
        const routes = this.routes(step.netns ?? '');
        const at = routes.findIndex(
          (r) => r.dst === s.dst && (s.protocol === undefined || r.protocol === s.protocol) && (!s.gateway || r.gateway === s.gateway) && (!s.index || r.oif === s.index),
        );
        if (at < 0) return err(ESRCH, step.label);
        routes.splice(at, 1);
        return okMsgs();
      }
      case 'routeList': {
        const family = s.family === 6 ? 6 : 4;
        const mine = this.routes(step.netns ?? '').filter((r) => (r.dst.includes(':') ? 6 : 4) === family);
        return okMsgs(mine.map((r) => ({ type: RTM_NEWROUTE, flags: NLM_F_MULTI, kind: 'route', value: { dst: r.dst, gateway: r.gateway, oif: r.oif, table: 254, type: 1, family, protocol: r.protocol } })), NLM_F_MULTI);
      }
      case 'vfSet': {
        const l = byIndex(s.index);
        if (!l) return err(ENODEV, step.label);
        if (!l.vfs) return err(EOPNOTSUPP, step.label);
        const vf = l.vfs[s.vf as number];
        // Drivers refuse a VF number beyond what is enabled.
        if (!vf) return err(EINVAL, step.label);
        const { op: _op, index: _index, ...settings } = s as Record<string, unknown>;
        Object.assign(vf, settings);
        return okMsgs();
      }
      default:
        return err(ENODEV, `unsupported in fake: ${String(s.op)}`);
    }
  }
}

function linkMsg(l: FakeLink): DecodedMessage {
  const value: Record<string, unknown> = { index: l.index, name: l.name, mtu: 1500, mac: '', up: l.up, operUp: false };
  if (l.kind) value.kind = l.kind;
  if (l.peer && l.peer.index !== l.index) value.peerIndex = l.peer.index;
  if (l.vfs) {
    value.numVf = l.vfs.length;
    value.vfs = l.vfs.map((v) => ({ ...v }));
  }
  return { type: RTM_NEWLINK, flags: 0, kind: 'link', value };
}

function err(errno: number, label: string): StepResult {
  const error = Object.assign(new Error(`${label}: errno ${errno}`), { code: 'NP_NETLINK', errno, syscall: label }) as NativeError;
  return { ok: false, error };
}
