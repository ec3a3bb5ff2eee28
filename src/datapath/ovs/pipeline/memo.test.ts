import { describe, expect, it } from 'vitest';
import { FlowMemo } from './memo.js';
import { desiredPipeline } from './index.js';
import type { HostView, LocalNetwork } from './model.js';

const net: LocalNetwork = { id: 't/n', key: 0x1000000 + 5, gateway: '10.0.0.1', gatewayMac: '02:02:0a:00:00:01', pktTagType: 'vxlan', pktTag: 5 };
const remote = (i: number, vtepIp = '198.18.0.2') => ({ id: `t/n/r${i}`, mac: `02:02:0a:00:01:${i.toString(16).padStart(2, '0')}`, ip: `10.0.1.${i}`, network: net, host: 'h2', vtepIp });
const view = (remotes: ReturnType<typeof remote>[]): HostView => ({ ports: [{ ofport: 1, mac: '02:02:0a:00:00:02', ip: '10.0.0.2', network: net }], remotes, tunnelOfport: 65000 });

describe('FlowMemo', () => {
  it('gives back the same flow objects for unchanged inputs, new ones for changed inputs, and forgets unused ones', () => {
    const memo = new FlowMemo();
    const a = desiredPipeline(view([remote(1), remote(2)]), 3, memo);
    const b = desiredPipeline(view([remote(1), remote(2, '198.18.0.9')]), 3, memo);
    const shared = b.flows.filter((f) => a.flows.includes(f));
    // r1's forward and ARP flows are the same objects; r2's forward flow changed (new VTEP), its ARP flow did not.
    expect(shared).toHaveLength(3);
    const r2forward = b.flows.find((f) => JSON.stringify(f.instructions, (_k, v) => (typeof v === 'bigint' ? String(v) : v)).includes('198.18.0.9'));
    expect(a.flows).not.toContain(r2forward);
    // A pipeline built without the memo has equal content.
    expect(JSON.stringify(b, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).toBe(JSON.stringify(desiredPipeline(view([remote(1), remote(2, '198.18.0.9')]), 3), (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
    desiredPipeline(view([]), 3, memo);
    expect(memo.size).toBe(0);
  });
});
