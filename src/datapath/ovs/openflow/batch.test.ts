import { describe, expect, it } from 'vitest';
import { encodeBatch, type FlowMod, type GroupMod } from './index.js';

const flow = (priority: number): FlowMod => ({ command: 'add', tableId: 0, priority, cookie: 1n, match: {}, instructions: [] });
const group: GroupMod = { command: 'add', type: 'all', groupId: 7, buckets: [] };

/** Splits a buffer of OpenFlow messages into [type, xid] pairs from their headers. */
function headers(buf: Buffer): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let off = 0; off < buf.length; off += buf.readUInt16BE(off + 2)) out.push([buf[off + 1], buf.readUInt32BE(off + 4)]);
  return out;
}

// Message types from the OpenFlow spec (OFPT_*): 14 FLOW_MOD, 15 GROUP_MOD, 20 BARRIER_REQUEST, 33 BUNDLE_CONTROL, 34 BUNDLE_ADD_MESSAGE.
describe('batch framing (encodeBatch)', () => {
  it('numbers groups then flows from firstXid and ends with a barrier when asked', () => {
    expect(headers(encodeBatch({ version: 4, firstXid: 10, groupMods: [group], flowMods: [flow(1), flow(2)], barrier: true }))).toEqual([
      [15, 10], [14, 11], [14, 12], [20, 13],
    ]);
  });

  it('bundles: OPEN, one BUNDLE_ADD per mod, COMMIT; later chunks skip OPEN, a barrier replaces COMMIT', () => {
    expect(headers(encodeBatch({ version: 5, firstXid: 1, flowMods: [flow(1)], bundleId: 3 }))).toEqual([[33, 1], [34, 2], [33, 3]]);
    expect(headers(encodeBatch({ version: 5, firstXid: 8, flowMods: [flow(1)], bundleId: 3, bundleOpen: false, barrier: true }))).toEqual([[34, 8], [20, 9]]);
    expect(headers(encodeBatch({ version: 5, firstXid: 8, flowMods: [flow(1)], bundleId: 3, bundleOpen: false, bundleCommit: false }))).toEqual([[34, 8]]);
  });

  it("names a bad mod by its index in the caller's whole list", () => {
    const bad = { ...flow(1), priority: 70000 };
    expect(() => encodeBatch({ version: 4, firstXid: 1, flowMods: [flow(1), bad], flowIndexBase: 500 })).toThrow(/^OpenFlow encode: flowMods\[501\]: .*16 bits/);
    expect(() => encodeBatch({ version: 4, firstXid: 1, flowMods: [bad] })).toThrow(TypeError);
  });
});
