/**
 * Op semantics: each NetlinkOp becomes the requests that carry it and a function that reads their
 * results back into the op's OpResult. The decisions live here: a missing link under `ignoreMissing`
 * is success, an fdb append that exists is success, ENOENT on a route dump is an empty table, ESRCH on a
 * route delete under `ignoreMissing` is success, and what
 * each request teaches the batch's link cache.
 */
import { isIP } from 'node:net';
import { EADDRNOTAVAIL, EEXIST, ENODEV, ENOENT, ESRCH, NETLINK_ROUTE, NLM_F_ECHO, RT_TABLE_MAIN, RTN_UNICAST } from './constants.js';
import type { LinkIndexCache, LinkFacts } from './link-cache.js';
import type { DecodedMessage, StepResult } from './native.js';
import { about, invalid, noSuchLink } from './op-errors.js';
import type { TransportStep } from './transport.js';
import { checkVfSettings } from './vf-settings.js';
import type { AddrInfo, FdbEntry, LinkInfo, NetlinkOp, OpError, OpResult, RouteInfo } from './types.js';

/** VNIs are 24-bit on the wire; the kernel would reject a larger one with a vaguer message. */
const MAX_VNI = 2 ** 24 - 1;

/** An op's requests and how to read their results; `dump` ops end their frame so a re-read stays in order. */
export type Plan =
  | { kind: 'done'; result: OpResult }
  | { kind: 'send'; steps: TransportStep[]; finish: (results: StepResult[]) => OpResult; endsFrame?: boolean };

/** The link names (per namespace) an op needs as indexes before it can be encoded. */
export function linkRefs(op: NetlinkOp): Array<{ netns?: string; name: string }> {
  switch (op.op) {
    case 'linkSet':
    case 'linkDel':
    case 'addrAdd':
    case 'addrDel':
      return [{ netns: op.netns, name: op.name }];
    case 'vfSet':
      // Bad settings are refused by compile without a look-up of the PF.
      return checkVfSettings(op.name, op) ? [] : [{ netns: op.netns, name: op.name }];
    case 'addrList':
      return op.name ? [{ netns: op.netns, name: op.name }] : [];
    case 'routeReplace':
    case 'routeDel':
    case 'createVxlan':
      return op.dev ? [{ netns: op.netns, name: op.dev }] : [];
    case 'fdbAppend':
    case 'fdbDel':
    case 'fdbList':
      return [{ netns: op.netns, name: op.dev }];
    default:
      return [];
  }
}

/** The link names (per namespace) an op creates, renames to or moves in: not worth resolving before it runs. */
export function linkProduces(op: NetlinkOp): Array<{ netns?: string; name: string }> {
  switch (op.op) {
    case 'createVeth':
      return [{ netns: op.netns, name: op.name }, { netns: op.peerNetns ?? op.netns, name: op.peerName }];
    case 'createVxlan':
      return [{ netns: op.netns, name: op.name }];
    case 'linkSet':
      if (op.moveToNetns !== undefined) return [{ netns: op.moveToNetns, name: op.newName ?? op.name }];
      return op.newName !== undefined ? [{ netns: op.netns, name: op.newName }] : [];
    default:
      return [];
  }
}

/** True for the ethtool ops, which run through compileFeatures in the executor. */
export function isFeatureOp(op: NetlinkOp): op is Extract<NetlinkOp, { op: 'featuresGet' | 'featuresSet' }> {
  return op.op === 'featuresGet' || op.op === 'featuresSet';
}

const ok = (value?: unknown): OpResult => (value === undefined ? { ok: true } : { ok: true, value });
const fail = (error: OpError): OpResult => ({ ok: false, error });
const done = (result: OpResult): Plan => ({ kind: 'done', result });

function rtnl(netns: string | undefined, spec: Record<string, unknown>, label: string, extra: Partial<TransportStep> = {}): TransportStep {
  return { netns: netns ?? '', protocol: NETLINK_ROUTE, spec, label, ...extra };
}

function links(messages: DecodedMessage[]): LinkInfo[] {
  return messages.filter((m) => m.kind === 'link').map((m) => m.value as unknown as LinkInfo);
}

function missing(r: StepResult): boolean {
  return !r.ok && (r.error.errno === ENODEV || r.error.errno === ENOENT);
}

/**
 * Compiles one op against the batch's cache (every name in linkRefs(op) must already be resolved, i.e.
 * lookup() not undefined). Ops that create, rename, move or delete links mark the names they touch as
 * unknown at once, so a later op that names them waits for this op's result.
 */
export function compile(op: NetlinkOp, cache: LinkIndexCache): Plan {
  const idx = (name: string) => cache.lookup(op.netns, name);
  switch (op.op) {
    case 'createVeth': {
      const peerNs = op.peerNetns ?? op.netns;
      cache.forget(op.netns, op.name);
      cache.forget(peerNs, op.peerName);
      return {
        kind: 'send',
        steps: [rtnl(op.netns, { ...op }, 'RTM_NEWLINK', { flags: NLM_F_ECHO })],
        finish: ([r]) => {
          if (!r.ok) return fail(about(r.error, op.name));
          // The echo is the created link: its index, and IFLA_LINK the peer's (in the peer's namespace).
          const made = links(r.messages).find((l) => l.name === op.name);
          if (made) {
            cache.learn(op.netns, [made]);
            const peer = made.peerIndex ?? made.index;
            cache.learn(peerNs, [{ name: op.peerName, index: peer, peerIndex: made.index, kind: 'veth' }]);
          }
          return ok();
        },
      };
    }
    case 'linkSet': {
      const index = idx(op.name);
      if (index === null || index === undefined) return done(fail(noSuchLink(op.name)));
      const renames = op.newName !== undefined && op.newName !== op.name;
      if (op.moveToNetns !== undefined) {
        cache.forget(op.netns, op.name);
        cache.forget(op.moveToNetns, op.newName ?? op.name);
      } else if (renames) {
        cache.forget(op.netns, op.newName!);
      }
      return {
        kind: 'send',
        steps: [rtnl(op.netns, { ...op, index }, 'RTM_NEWLINK')],
        finish: ([r]) => {
          if (!r.ok) return fail(about(r.error, op.name));
          if (op.moveToNetns !== undefined) cache.absent(op.netns, op.name);
          else if (renames) {
            cache.learn(op.netns, [{ name: op.newName!, index }]);
            cache.absent(op.netns, op.name);
          }
          return ok();
        },
      };
    }
    case 'linkDel': {
      const index = idx(op.name);
      if (index === null || index === undefined) return done(op.ignoreMissing ? ok() : fail(noSuchLink(op.name)));
      return {
        kind: 'send',
        steps: [rtnl(op.netns, { op: 'linkDel', index }, 'RTM_DELLINK')],
        finish: ([r]) => {
          if (r.ok || (op.ignoreMissing && missing(r))) {
            cache.deleted(op.netns, op.name);
            return ok();
          }
          return fail(about(r.error, op.name));
        },
      };
    }
    case 'linkGet':
      return {
        kind: 'send',
        steps: [rtnl(op.netns, { op: 'linkGet', name: op.name }, 'RTM_GETLINK')],
        finish: ([r]) => {
          if (!r.ok) {
            if (!missing(r)) return fail(about(r.error, op.name));
            cache.absent(op.netns, op.name);
            return ok(undefined);
          }
          const l = links(r.messages)[0];
          if (l) cache.learn(op.netns, [l]);
          return ok(l);
        },
      };
    case 'linkList':
      return {
        kind: 'send',
        endsFrame: true,
        steps: [rtnl(op.netns, { op: 'linkList' }, 'RTM_GETLINK', { dump: true })],
        finish: ([r]) => {
          if (!r.ok) return fail(about(r.error, undefined));
          const all = links(r.messages);
          cache.learn(op.netns, all, true);
          return ok(all);
        },
      };
    case 'addrAdd':
    case 'addrDel': {
      const add = op.op === 'addrAdd';
      const index = idx(op.name);
      const ignore = !add && op.ignoreMissing === true;
      if (index === null || index === undefined) return done(ignore ? ok() : fail(noSuchLink(op.name)));
      return {
        kind: 'send',
        steps: [rtnl(op.netns, { op: op.op, index, cidr: op.cidr }, add ? 'RTM_NEWADDR' : 'RTM_DELADDR')],
        finish: ([r]) => {
          if (r.ok || (ignore && (r.error.errno === EADDRNOTAVAIL || missing(r)))) return ok();
          return fail(about(r.error, `${op.name} ${op.cidr}`));
        },
      };
    }
    case 'addrList': {
      const only = op.name ? idx(op.name) : 0;
      if (only === null || only === undefined) return done(fail(noSuchLink(op.name!)));
      return {
        kind: 'send',
        endsFrame: true,
        // IPv6 addresses carry no IFA_LABEL; the link dump names them.
        steps: [rtnl(op.netns, { op: 'addrList' }, 'RTM_GETADDR', { dump: true }), rtnl(op.netns, { op: 'linkList' }, 'RTM_GETLINK', { dump: true })],
        finish: ([a, l]) => {
          if (!a.ok) return fail(about(a.error, op.name));
          if (!l.ok) return fail(about(l.error, op.name));
          const all = links(l.messages);
          cache.learn(op.netns, all, true);
          const names = new Map(all.map((x) => [x.index, x.name]));
          const addrs = a.messages
            .filter((m) => m.kind === 'addr')
            .map((m) => m.value as unknown as AddrInfo)
            .filter((x) => !only || x.index === only)
            .map((x) => (x.name ? x : { ...x, name: names.get(x.index) ?? '' }));
          return ok(addrs);
        },
      };
    }
    case 'routeReplace':
    case 'routeDel':
      return compileRoute(op, idx);
    case 'routeList':
      return {
        kind: 'send',
        endsFrame: true,
        steps: [
          rtnl(op.netns, { op: 'routeList', family: 4 }, 'RTM_GETROUTE', { dump: true }),
          rtnl(op.netns, { op: 'routeList', family: 6 }, 'RTM_GETROUTE', { dump: true }),
          rtnl(op.netns, { op: 'linkList' }, 'RTM_GETLINK', { dump: true }),
        ],
        finish: ([v4, v6, l]) => {
          const routes: RouteInfo[] = [];
          for (const r of [v4, v6]) {
            // A namespace that never had a route of this family has no table to dump: empty, not an error.
            if (!r.ok && r.error.errno === ENOENT) continue;
            if (!r.ok) return fail(about(r.error, undefined));
            for (const m of r.messages) {
              if (m.kind !== 'route') continue;
              const v = m.value as unknown as RouteInfo & { oif: number; type: number; family: number };
              if (v.table === RT_TABLE_MAIN && v.type === RTN_UNICAST) routes.push(v);
            }
          }
          if (!l.ok) return fail(about(l.error, undefined));
          const all = links(l.messages);
          cache.learn(op.netns, all, true);
          const names = new Map(all.map((x) => [x.index, x.name]));
          return ok(routes.map((r) => toRouteInfo(r as RouteInfo & { oif: number }, names)));
        },
      };
    case 'createVxlan': {
      if (!Number.isInteger(op.vni) || op.vni < 0 || op.vni > MAX_VNI) return done(fail(invalid(`VNI ${op.vni}`)));
      if (op.local !== undefined && (op.local.includes('/') || isIP(op.local) === 0)) return done(fail(invalid(`local address '${op.local}'`)));
      const linkIndex = op.dev ? idx(op.dev) : 0;
      if (linkIndex === null || linkIndex === undefined) return done(fail(noSuchLink(op.dev!)));
      cache.forget(op.netns, op.name);
      return {
        kind: 'send',
        steps: [rtnl(op.netns, { ...op, index: linkIndex }, 'RTM_NEWLINK', { flags: NLM_F_ECHO })],
        finish: ([r]) => {
          if (!r.ok) return fail(about(r.error, op.name));
          const made = links(r.messages).find((l) => l.name === op.name);
          if (made) cache.learn(op.netns, [made]);
          return ok();
        },
      };
    }
    case 'fdbAppend':
    case 'fdbDel': {
      const add = op.op === 'fdbAppend';
      if (!op.mac) return done(fail(invalid('fdb entry without MAC')));
      if (op.dst.includes('/') || isIP(op.dst) === 0) return done(fail(invalid(`fdb destination '${op.dst}'`)));
      const ignore = !add && op.ignoreMissing === true;
      const index = idx(op.dev);
      if (index === null || index === undefined) return done(ignore ? ok() : fail(noSuchLink(op.dev)));
      return {
        kind: 'send',
        steps: [rtnl(op.netns, { op: op.op, index, mac: op.mac, dst: op.dst }, add ? 'RTM_NEWNEIGH' : 'RTM_DELNEIGH')],
        finish: ([r]) => {
          if (r.ok) return ok();
          // Appending a pair that is already there is the state the caller wants.
          if (add && r.error.errno === EEXIST) return ok();
          if (ignore && missing(r)) return ok();
          return fail(about(r.error, `${op.dev} ${op.mac} dst ${op.dst}`));
        },
      };
    }
    case 'fdbList': {
      const index = idx(op.dev);
      if (index === null || index === undefined) return done(fail(noSuchLink(op.dev)));
      return {
        kind: 'send',
        endsFrame: true,
        steps: [rtnl(op.netns, { op: 'fdbList', index }, 'RTM_GETNEIGH', { dump: true })],
        finish: ([r]) => {
          if (!r.ok) return fail(about(r.error, op.dev));
          // The kernel filters by ndm_ifindex under strict checking; without it, this does.
          const entries = r.messages
            .filter((m) => m.kind === 'fdb' && m.value!.index === index)
            .map(({ value }) => {
              const { index: _i, ...e } = value as unknown as FdbEntry & { index: number };
              return e;
            });
          return ok(entries);
        },
      };
    }
    case 'vfSet': {
      const bad = checkVfSettings(op.name, op);
      if (bad) return done(fail(bad));
      const index = idx(op.name);
      if (index === null || index === undefined) return done(fail(noSuchLink(op.name)));
      const { netns: _ns, name: _pf, ...settings } = op;
      return {
        kind: 'send',
        steps: [rtnl(op.netns, { ...settings, index }, 'RTM_NEWLINK')],
        // A PF whose driver has no VF support answers EOPNOTSUPP; it reaches the caller as is.
        finish: ([r]) => (r.ok ? ok() : fail(about(r.error, `${op.name} vf ${op.vf}`))),
      };
    }
    default:
      return done(fail(invalid(`unknown op '${(op as { op?: unknown }).op}'`)));
  }
}

/** rtm_protocol is one byte on the wire. */
const MAX_RTPROT = 255;

function compileRoute(op: Extract<NetlinkOp, { op: 'routeReplace' | 'routeDel' }>, idx: (name: string) => number | null | undefined): Plan {
  const del = op.op === 'routeDel';
  const ignore = del && op.ignoreMissing === true;
  const gwFamily = op.gateway !== undefined ? isIP(op.gateway) : 0;
  // "default" takes its family from the gateway.
  const dst = op.dst === 'default' && gwFamily === 6 ? '::/0' : op.dst;
  const dstFamily = dst === 'default' ? 4 : isIP(dst.split('/')[0]);
  if (gwFamily && dstFamily && gwFamily !== dstFamily) return done(fail(invalid(`gateway family differs from destination ${op.dst}`)));
  if (op.protocol !== undefined && !(Number.isInteger(op.protocol) && op.protocol >= 0 && op.protocol <= MAX_RTPROT)) {
    return done(fail(invalid(`route protocol ${op.protocol} (must be 0..${MAX_RTPROT})`)));
  }
  const oif = op.dev ? idx(op.dev) : 0;
  // A route through a link that is gone went with the link.
  if (oif === null || oif === undefined) return done(ignore ? ok() : fail(noSuchLink(op.dev!)));
  const spec = { op: op.op, dst, gateway: op.gateway, index: oif, protocol: op.protocol };
  return {
    kind: 'send',
    steps: [rtnl(op.netns, spec, del ? 'RTM_DELROUTE' : 'RTM_NEWROUTE')],
    finish: ([r]) => {
      // The kernel answers ESRCH when no route matches the delete.
      if (r.ok || (ignore && r.error.errno === ESRCH)) return ok();
      return fail(about(r.error, op.dst));
    },
  };
}

function toRouteInfo(r: RouteInfo & { oif: number }, names: Map<number, string>): RouteInfo {
  const out: RouteInfo = { dst: r.dst, table: r.table, protocol: r.protocol };
  if (r.gateway !== undefined) out.gateway = r.gateway;
  const dev = r.oif ? names.get(r.oif) : undefined;
  if (dev) out.dev = dev;
  return out;
}

/** Learns what a by-name RTM_GETLINK step said about `name` (used by the executor's resolver). */
export function learnGetLink(cache: LinkIndexCache, netns: string | undefined, name: string, r: StepResult): OpError | undefined {
  if (r.ok) {
    const l = links(r.messages)[0] as LinkFacts | undefined;
    if (l) cache.learn(netns, [l]);
    else cache.absent(netns, name);
    return undefined;
  }
  if (missing(r)) {
    cache.absent(netns, name);
    return undefined;
  }
  return about(r.error, name);
}

/** Learns a whole-namespace link dump step; returns its error, if any. */
export function learnDump(cache: LinkIndexCache, netns: string | undefined, r: StepResult): OpError | undefined {
  if (!r.ok) return about(r.error, undefined);
  cache.learn(netns, links(r.messages), true);
  return undefined;
}
