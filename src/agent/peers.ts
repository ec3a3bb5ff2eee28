/**
 * What other agents report: live host registrations (VTEP addresses) and where each
 * endpoint is attached. Read from the store's oper prefix and kept current by a watch.
 */
import { KEYS, parseOperKey } from '../state/keys.js';
import type { StateStore } from '../state/store.js';
import { PrefixFollower } from './prefix-follower.js';
import type { Attachment } from '../runtime/types.js';

/** A host as registered by its agent. */
export interface HostRegistration {
  host: string;
  vtepIp?: string;
  uplink?: string;
  /** Its VXLAN path (`kernel` / `ovs`), absent while it has no VTEP. */
  vxlan?: string;
  /** When it took that path (orders hosts that chose differently). */
  vxlanSince?: string;
}

/** A snapshot of peer state. */
export interface PeerSnapshot {
  hosts: Map<string, HostRegistration>;
  /** endpoint id → host that reports it attached. */
  attachments: Map<string, string>;
  /** Runtime attachments (CNI pods, Docker endpoints) of every host, by endpoint id. */
  runtime: Map<string, Attachment>;
  /** Address claims: `tenant/network` → ip → owner. */
  claims: Map<string, Map<string, string>>;
}

function emptyPeers(): PeerSnapshot {
  return { hosts: new Map(), attachments: new Map(), runtime: new Map(), claims: new Map() };
}

type KnownKey =
  | { kind: 'host' | 'endpoint'; id: string; host: string }
  | { kind: 'runtime'; id: string; host: string }
  | { kind: 'claim'; id: string; ip: string };

/** Keeps a live PeerSnapshot; calls `onChange` after each applied batch. */
export class PeerStateCache {
  private snap: PeerSnapshot = emptyPeers();
  /** What each oper key names, so deletes can be applied without re-reading. */
  private byKey = new Map<string, KnownKey>();
  private readonly follower: PrefixFollower;

  /**
   * `onChange` runs after each batch of changes that can matter to host `self`'s datapath:
   * its own endpoint reports and attachment records (it wrote them) and address claims do
   * not, so an agent's own writes never cause it another round.
   */
  constructor(store: StateStore, onChange: () => void, onError: (err: Error) => void, private readonly self?: string) {
    this.follower = new PrefixFollower(store, KEYS.operPrefix, {
      reset: (items) => {
        this.snap = emptyPeers();
        this.byKey.clear();
        for (const kv of items) this.put(kv.key, kv.value);
        onChange();
      },
      apply: (events) => {
        let relevant = false;
        for (const e of events) {
          relevant ||= this.matters(e.key);
          if (e.type === 'put' && e.value !== undefined) this.put(e.key, e.value);
          else this.remove(e.key);
        }
        if (relevant) onChange();
      },
      onError,
    });
  }

  /** Whether a change of `key` can change what host `self` must program. */
  private matters(key: string): boolean {
    const k = parseOperKey(key);
    if (!k || k.kind === 'operClaim') return false;
    if (k.kind === 'operHost') return true;
    return this.self === undefined || k.ids[0] !== this.self;
  }

  /** Loads the oper prefix and starts watching it. */
  start(): Promise<void> {
    return this.follower.start();
  }

  /** The current snapshot (do not mutate). */
  current(): PeerSnapshot {
    return this.snap;
  }

  /** Stops watching. */
  close(): Promise<void> {
    return this.follower.close();
  }

  private put(key: string, value: string): void {
    const k = parseOperKey(key);
    if (!k) return;
    if (k.kind === 'operAttachment') {
      const a = JSON.parse(value) as Attachment;
      this.snap.runtime.set(a.endpointId, a);
      this.byKey.set(key, { kind: 'runtime', id: a.endpointId, host: k.ids[0] });
      return;
    }
    if (k.kind === 'operClaim') {
      const c = JSON.parse(value) as { owner: string };
      const net = `${k.ids[0]}/${k.ids[1]}`;
      let m = this.snap.claims.get(net);
      if (!m) this.snap.claims.set(net, (m = new Map()));
      m.set(k.ids[2], c.owner);
      this.byKey.set(key, { kind: 'claim', id: net, ip: k.ids[2] });
      return;
    }
    const v = JSON.parse(value) as { status?: string; vtepIp?: string; uplink?: string; vxlan?: string; vxlanSince?: string };
    if (k.kind === 'operHost') {
      this.snap.hosts.set(k.ids[0], { host: k.ids[0], vtepIp: v.vtepIp, uplink: v.uplink, vxlan: v.vxlan, vxlanSince: v.vxlanSince });
      this.byKey.set(key, { kind: 'host', id: k.ids[0], host: k.ids[0] });
    } else {
      const id = k.ids.slice(1).join('/');
      this.byKey.set(key, { kind: 'endpoint', id, host: k.ids[0] });
      if (v.status === 'attached') this.snap.attachments.set(id, k.ids[0]);
      else if (this.snap.attachments.get(id) === k.ids[0]) this.snap.attachments.delete(id);
    }
  }

  private remove(key: string): void {
    const known = this.byKey.get(key);
    if (!known) return;
    this.byKey.delete(key);
    if (known.kind === 'host') this.snap.hosts.delete(known.id);
    else if (known.kind === 'runtime') {
      if (this.snap.runtime.get(known.id)?.host === known.host) this.snap.runtime.delete(known.id);
    } else if (known.kind === 'claim') this.snap.claims.get(known.id)?.delete(known.ip);
    else if (this.snap.attachments.get(known.id) === known.host) this.snap.attachments.delete(known.id);
  }
}
