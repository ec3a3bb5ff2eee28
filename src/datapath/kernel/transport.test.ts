import { describe, expect, it } from 'vitest';
import { FakeNetlinkSession } from '../../../test/helpers/fake-netlink-session.js';
import { runOps } from './executor.js';
import type { NativeSession, Step, StepResult } from './native.js';
import { NetlinkTransport } from './transport.js';
import type { NetlinkOp } from './types.js';

const genl = { decodeFamilyId: () => 0, decodeFeatures: () => ({}) };
const STUCK = '/run/netns/stuck';

/** The fake kernel, except that an exchange touching STUCK never answers and host exchanges take `hostDelayMs`. */
class StallingSession implements NativeSession {
  readonly kernel = new FakeNetlinkSession({ echo: true });
  closed = false;
  constructor(private readonly hostDelayMs = 0) {}
  async exchange(steps: Step[]): Promise<StepResult[] & { workerNetnsInode: number }> {
    const touches = (s: Step) => s.netns === STUCK || (s.spec as { peerNetns?: string }).peerNetns === STUCK;
    if (steps.some(touches)) return new Promise(() => undefined);
    if (this.hostDelayMs) await new Promise((r) => setTimeout(r, this.hostDelayMs));
    return this.kernel.exchange(steps);
  }
  close(): void {
    this.closed = true;
  }
}

describe('time limit on work inside a container namespace', () => {
  it('fails a stuck namespace exchange with NP_NETNS_TIMEOUT, abandons the session and lets the batch finish', async () => {
    const s = new StallingSession();
    s.kernel.addLink('/run/netns/ok', 'eth0');
    const ops: NetlinkOp[] = [
      { op: 'linkList', netns: '/run/netns/ok' },
      { op: 'linkList', netns: STUCK },
      { op: 'linkList' },
    ];
    const t0 = Date.now();
    const results = await runOps(ops, new NetlinkTransport(s, 50), genl);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(results[0].ok).toBe(true);
    expect(results[1]).toMatchObject({ ok: false, error: { code: 'NP_NETNS_TIMEOUT' } });
    expect(!results[1].ok && results[1].error.message).toMatch(/netlink exchange in \/run\/netns\/stuck: no answer within 0.05 s/);
    // The session's worker may still be inside the namespace: nothing more goes through it.
    expect(results[2]).toMatchObject({ ok: false, error: { code: 'NP_NETNS_TIMEOUT' } });
    expect(s.closed).toBe(true);
    // The next batch (a new transport, as runBatch makes one per batch) works again.
    const next = await runOps([{ op: 'linkList' }], new NetlinkTransport(new StallingSession(), 50), genl);
    expect(next[0].ok).toBe(true);
  });

  it('also limits a veth whose peer goes into the stuck namespace', async () => {
    const s = new StallingSession();
    const [r] = await runOps([{ op: 'createVeth', name: 'h0', peerName: 'eth0', peerNetns: STUCK }], new NetlinkTransport(s, 50), genl);
    expect(r).toMatchObject({ ok: false, error: { code: 'NP_NETNS_TIMEOUT' } });
  });

  it('does not limit exchanges in the agent\'s own namespace', async () => {
    const s = new StallingSession(120);
    const [r] = await runOps([{ op: 'linkList' }], new NetlinkTransport(s, 20), genl);
    expect(r.ok).toBe(true);
    expect(s.closed).toBe(false);
  });
});
