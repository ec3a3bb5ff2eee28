import { describe, expect, it } from 'vitest';
import { allocate, type ClaimedAddresses } from './allocate.js';
import { parseIntent } from './parse.js';
import type { Intent } from './types.js';

function intentOf(endpoints: Record<string, unknown>[], subnet = '11.1.0.0/29'): Intent {
  const p = parseIntent(JSON.stringify({ Tenants: [{ Name: 't', Vlans: '11-28', Networks: [{ Name: 'n', SubnetCIDR: subnet, Endpoints: endpoints }] }] }));
  if (!p.ok) throw new Error(JSON.stringify(p.problems));
  return p.intent;
}
const claims = (ips: string[]): ClaimedAddresses => new Map([['t/n', new Map(ips.map((ip) => [ip, `cni:h1:${ip}`]))]]);

describe('allocate around runtime claims', () => {
  it('never hands out a claimed address', () => {
    const a = allocate(intentOf([{ Container: 'a' }, { Container: 'b' }]), undefined, claims(['11.1.0.2', '11.1.0.4']));
    if (!a.ok) throw new Error(JSON.stringify(a.problems));
    expect(a.state.endpoints.map((e) => e.ip)).toEqual(['11.1.0.3', '11.1.0.5']);
  });

  it('rejects a static address that a runtime attachment holds, at its path', () => {
    const a = allocate(intentOf([{ Container: 'a', IpAddress: '11.1.0.4' }]), undefined, claims(['11.1.0.4']));
    expect(a).toEqual({ ok: false, problems: [{ path: '$.Tenants[0].Networks[0].Endpoints[0].IpAddress', reason: 'address 11.1.0.4 is in use by runtime attachment cni:h1:11.1.0.4' }] });
  });

  it('counts claims when the subnet runs out', () => {
    const a = allocate(intentOf([{ Container: 'a' }, { Container: 'b' }]), undefined, claims(['11.1.0.2', '11.1.0.3', '11.1.0.4', '11.1.0.5']));
    expect(a.ok).toBe(false);
    if (!a.ok) expect(a.problems[0].reason).toContain('no free address in 11.1.0.0/29');
  });

  it('refuses to move a network with claims to another subnet', () => {
    const first = allocate(intentOf([]), undefined);
    if (!first.ok) throw new Error('first');
    const moved = allocate(intentOf([], '11.2.0.0/29'), first.state, claims(['11.1.0.2']));
    expect(moved.ok).toBe(false);
    if (!moved.ok) expect(moved.problems[0].reason).toContain('cannot change from 11.1.0.0/29');
  });
});
