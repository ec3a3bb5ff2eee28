/**
 * Name -> ifindex answers for one batch, per namespace, so a batch resolves each name once (from one
 * dump, a by-name RTM_GETLINK, or the echo of the request that created the link) instead of once per op.
 */

/** What the cache knows about one name: an index, known absent (null), or unknown (undefined). */
export type Lookup = number | null | undefined;

interface Known {
  index: number;
  /** IFLA_LINK of a veth: the peer's index, in the peer's namespace. */
  peer?: number;
}

interface Space {
  names: Map<string, Known | null | 'unknown'>;
  /** Set by a full dump: a name it did not list is absent unless marked unknown since. */
  complete: boolean;
}

/** A link as the decoders report it (only the fields the cache keeps). */
export interface LinkFacts {
  name: string;
  index: number;
  peerIndex?: number;
  kind?: string;
}

/** Per-batch, per-namespace name -> index cache; namespaces are keyed by their path ('' = own). */
export class LinkIndexCache {
  private readonly spaces = new Map<string, Space>();

  private space(netns: string | undefined): Space {
    const key = netns ?? '';
    let s = this.spaces.get(key);
    if (!s) {
      s = { names: new Map(), complete: false };
      this.spaces.set(key, s);
    }
    return s;
  }

  /** The index of `name`, null when known absent, undefined when it has to be resolved. */
  lookup(netns: string | undefined, name: string): Lookup {
    const s = this.space(netns);
    const e = s.names.get(name);
    if (e === 'unknown') return undefined;
    if (e === null) return null;
    if (e) return e.index;
    return s.complete ? null : undefined;
  }

  /** Records links seen in a reply; `complete` when they are a whole dump of the namespace. */
  learn(netns: string | undefined, links: LinkFacts[], complete = false): void {
    const s = this.space(netns);
    if (complete) {
      s.names.clear();
      s.complete = true;
    }
    for (const l of links) s.names.set(l.name, { index: l.index, peer: peerOf(l) });
  }

  /** Records that `name` does not exist (the kernel said ENODEV, or we deleted it). */
  absent(netns: string | undefined, name: string): void {
    this.space(netns).names.set(name, null);
  }

  /** Drops what is known about `name` (a request in flight may create, rename or move it). */
  forget(netns: string | undefined, name: string): void {
    this.space(netns).names.set(name, 'unknown');
  }

  /** After a rename: the new name has the old one's index (if known) and the old name is gone. */
  renamed(netns: string | undefined, from: string, to: string): void {
    const s = this.space(netns);
    const e = s.names.get(from);
    s.names.set(from, null);
    s.names.set(to, e && e !== 'unknown' ? e : 'unknown');
  }

  /**
   * After a delete: the name is gone, and so may be a veth peer elsewhere; names whose index or peer
   * matches are dropped (in every namespace, since indexes repeat across namespaces: a re-resolve is cheap).
   */
  deleted(netns: string | undefined, name: string): void {
    const s = this.space(netns);
    const e = s.names.get(name);
    s.names.set(name, null);
    if (!e || e === 'unknown') return;
    for (const other of this.spaces.values()) {
      for (const [n, v] of other.names) {
        if (v && v !== 'unknown' && (v.index === e.peer || v.peer === e.index) && !(other === s && n === name)) other.names.set(n, 'unknown');
      }
    }
  }
}

/** A veth's kernel omits IFLA_LINK when the peer's index equals its own. */
function peerOf(l: LinkFacts): number | undefined {
  if (l.peerIndex) return l.peerIndex;
  return l.kind === 'veth' ? l.index : undefined;
}
