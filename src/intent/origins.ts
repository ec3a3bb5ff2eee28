/**
 * Where each object of a merged intent came from, so problems found in the merged
 * intent point the operator at the delta file they wrote when the object is theirs,
 * and name the stored object (tenant/network/container) when it is not.
 */

import type { Intent, Problem } from './types.js';

/** Maps paths in a merged intent back to paths in the delta that produced it. */
export class Origins {
  /** Merged object path → delta object path; everything under the object came from the delta. */
  private readonly objects = new Map<string, string>();
  /** Merged field path → delta field path, for fields a delta overrode on a stored object. */
  private readonly fields = new Map<string, string>();

  /** Records that the whole object at `merged` is the delta's object at `delta`. */
  addObject(merged: string, delta: string): void {
    this.objects.set(merged, delta);
  }

  /** Records that the field at `merged` was written by the delta at `delta`. */
  addField(merged: string, delta: string): void {
    this.fields.set(merged, delta);
  }

  /** The delta path of a merged path, or undefined when the delta did not write it. */
  toDelta(path: string): string | undefined {
    const field = this.fields.get(path);
    if (field !== undefined) return field;
    let best: string | undefined;
    for (const k of this.objects.keys()) {
      const under = path === k || path.startsWith(`${k}.`) || path.startsWith(`${k}[`);
      if (under && (best === undefined || k.length > best.length)) best = k;
    }
    return best === undefined ? undefined : this.objects.get(best)! + path.slice(best.length);
  }

  /**
   * Rewrites problems found in `merged`: paths (and paths cited in reasons) the delta
   * wrote become delta paths; others stay merged paths, tagged with the stored object's name.
   */
  translate(problems: Problem[], merged: Intent): Problem[] {
    return problems.map((pr) => {
      const mapped = this.toDelta(pr.path);
      // Cited paths follow the main path's frame; the other frame is said explicitly.
      const cite = (p: string): string => {
        const d = this.toDelta(p);
        if (d === undefined) return `${p} (stored ${describePath(p, merged)})`;
        return mapped === undefined ? `${d} (of this delta)` : d;
      };
      const reason = pr.reason.replace(/\$(?:\.[A-Za-z_]\w*|\[\d+\])*/g, cite);
      if (mapped !== undefined) return { path: mapped, reason };
      return { path: pr.path, reason: `${reason} (in the stored intent: ${describePath(pr.path, merged)})` };
    });
  }
}

/** Names the object a path points into, e.g. `endpoint tenant-one/orange/myContainer2`. */
export function describePath(path: string, intent: Intent): string {
  const ep = /^\$\.Tenants\[(\d+)\](?:\.Networks\[(\d+)\](?:\.Endpoints\[(\d+)\])?)?/.exec(path);
  if (ep) {
    const t = intent.tenants[Number(ep[1])];
    const n = ep[2] === undefined ? undefined : t?.networks[Number(ep[2])];
    const e = ep[3] === undefined ? undefined : n?.endpoints[Number(ep[3])];
    if (e && n && t) return `endpoint ${t.name}/${n.name}/${e.container}`;
    if (n && t) return `network ${t.name}/${n.name}`;
    if (t) return `tenant ${t.name}`;
  }
  const h = /^\$\.Hosts\[(\d+)\]/.exec(path);
  if (h && intent.hosts[Number(h[1])]) return `host ${intent.hosts[Number(h[1])].name}`;
  const b = /^\$\.HostBindings\[(\d+)\]/.exec(path);
  if (b && intent.hostBindings[Number(b[1])]) return `binding of container ${intent.hostBindings[Number(b[1])].container}`;
  return 'intent';
}
