/**
 * Writes an Intent back as classic-format JSON (canonical key spelling, unset fields
 * left out), e.g. for `netdcli get`.
 */

import { peerKey, peerValue } from './parse-policy.js';
import type { GroupIntent, PolicyIntent, RuleIntent } from './policy-types.js';
import { formatRate } from './qos.js';
import type { GroupQos, QosSettings, RateLimit } from './qos-types.js';
import type { Intent } from './types.js';

/** Copies `o` without its undefined fields, so they do not appear in the JSON. */
function defined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/** The intent as a plain object with the classic key spelling (`Tenants`, `SubnetCIDR`, ...). */
export function toClassicJson(intent: Intent): Record<string, unknown> {
  const out: Record<string, unknown> = {
    Tenants: intent.tenants.map((t) =>
      defined({
        Name: t.name,
        DefaultNetType: t.defaultNetType,
        SubnetPool: t.subnetPool,
        AllocSubnetLen: t.allocSubnetLen,
        Vlans: t.vlans,
        Vxlans: t.vxlans,
        Networks: t.networks.map((n) =>
          defined({
            Name: n.name,
            PktTagType: n.pktTagType,
            PktTag: n.pktTag,
            SubnetCIDR: n.subnetCIDR,
            DefaultGw: n.defaultGw,
            Gateway: n.gatewayMode,
            External: n.external,
            Multicast: n.multicast,
            MulticastRouter: n.multicastRouter,
            ...qosJson(n.qos),
            Endpoints: n.endpoints.map((e) =>
              defined({ Container: e.container, Host: e.host, IpAddress: e.ipAddress, AttachUUID: e.attachUUID, Groups: e.groups, ...qosJson(e.qos) }),
            ),
          }),
        ),
        Groups: t.groups?.map(groupJson),
        Policies: t.policies?.map(policyJson),
      }),
    ),
  };
  if (intent.hosts.length > 0) out.Hosts = intent.hosts.map((h) => defined({ Name: h.name, Intf: h.intf, VtepIp: h.vtepIp }));
  if (intent.hostBindings.length > 0) out.HostBindings = intent.hostBindings.map((b) => ({ Container: b.container, Host: b.host }));
  return out;
}

function groupJson(g: GroupIntent): Record<string, unknown> {
  const out: Record<string, unknown> = g.policies.length > 0 ? { Name: g.name, Policies: g.policies } : { Name: g.name };
  return { ...out, ...qosJson(g.qos), ...(g.qos?.shared !== undefined ? { Shared: g.qos.shared } : {}) };
}

/** `Bandwidth` and `Dscp` as written, rates with their suffix ("50M"); no keys for what is not set. */
function qosJson(q: QosSettings | GroupQos | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const limit = (l: RateLimit | undefined, rate: string, burst: string, into: Record<string, unknown>): void => {
    if (!l) return;
    into[rate] = formatRate(l.rate);
    into[burst] = formatRate(l.burst);
  };
  if (q?.bandwidth) {
    const b: Record<string, unknown> = {};
    limit(q.bandwidth.egress, 'EgressRate', 'EgressBurst', b);
    limit(q.bandwidth.ingress, 'IngressRate', 'IngressBurst', b);
    out.Bandwidth = b;
  }
  if (q?.dscp !== undefined) out.Dscp = q.dscp;
  return out;
}

function policyJson(p: PolicyIntent): Record<string, unknown> {
  return { Name: p.name, Rules: p.rules.map(ruleJson) };
}

/** A rule as written: the peer under its direction's key, one port as a number, a range as `"low-high"`. */
function ruleJson(r: RuleIntent): Record<string, unknown> {
  const out: Record<string, unknown> = { Priority: r.priority, Direction: r.direction, Action: r.action };
  if (r.peer) out[peerKey(r.direction, r.peer)] = peerValue(r.peer);
  if (r.protocol) out.Protocol = r.protocol;
  if (r.ports) out.Port = r.ports.min === r.ports.max ? r.ports.min : `${r.ports.min}-${r.ports.max}`;
  if (r.log !== undefined) out.Log = r.log;
  return out;
}
