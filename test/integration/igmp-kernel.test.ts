/**
 * Our IGMP general queries against the real Linux kernel (root; no OVS, no Docker): in a throw-away
 * netns pair (test/fixtures/igmp/netns-pair.mjs, unique names, removed in afterAll) one side joins
 * 239.1.2.3 through node's dgram; the other injects encodeGeneralQuery's frames on its veth (AF_PACKET
 * via python3) and captures with tcpdump. The kernel must answer each with a report for the group,
 * as our decoder reads it: a v3 query with a current-state MODE_IS_EXCLUDE record (unsolicited reports
 * carry CHANGE_TO_EXCLUDE_MODE, so the answer is told apart), a v2 query with a v2 report. A query
 * with a broken IGMP checksum gets no answer, and the valid one sent after it does (the control).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeIgmpFrame, encodeGeneralQuery, MODE_IS_EXCLUDE, type IgmpMessage } from '../../src/datapath/igmp/index.js';
import { capture, inject, makePair, member, readPcap } from '../fixtures/igmp/netns-pair.mjs';

const GROUP = '239.1.2.3';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let pair: ReturnType<typeof makePair> | undefined;
let joined: Awaited<ReturnType<typeof member>> | undefined;
let dir: string;
let n = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'np-igmpk-'));
  pair = makePair('npigmpk');
  joined = await member(pair);
  await joined.send(`join ${GROUP}`);
  // Let the unsolicited reports (two, about 1 s apart) pass before any query.
  await sleep(2500);
}, 20000);

afterAll(() => {
  joined?.close();
  pair?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Injects `frame`, then waits up to `ms` for a report the host side sends that `match` accepts; the IGMP messages seen. */
async function answerTo(frame: Buffer, match: (m: IgmpMessage) => boolean, ms: number): Promise<{ found: boolean; seen: IgmpMessage[] }> {
  const file = join(dir, `cap-${n++}.pcap`);
  const cap = await capture(pair!, file);
  try {
    inject(pair!, frame);
    const deadline = Date.now() + ms;
    for (;;) {
      const seen = readPcap(file).flatMap((f: Buffer) => {
        const d = decodeIgmpFrame(f);
        return d.ok && d.srcIp === pair!.ipHost ? [d.igmp] : [];
      });
      if (seen.some(match) || Date.now() > deadline) return { found: seen.some(match), seen };
      await sleep(100);
    }
  } finally {
    await cap.stop();
  }
}

const currentState = (m: IgmpMessage) => m.type === 'v3report' && (m.records ?? []).some((r) => r.type === MODE_IS_EXCLUDE && r.group === GROUP);
const v2Report = (m: IgmpMessage) => m.type === 'v2report' && m.group === GROUP;

describe('the kernel answers our general queries', () => {
  const opts = { srcMac: '02:00:0a:e7:00:02', srcIp: '10.231.0.2', maxRespTimeDs: 10 };

  it('ignores a v3 query with a broken IGMP checksum, and answers the valid one with MODE_IS_EXCLUDE for the group', async () => {
    const bad = encodeGeneralQuery({ ...opts, version: 3 });
    bad[bad.length - 1] ^= 0x01;
    const ignored = await answerTo(bad, currentState, 2500);
    expect(ignored.found).toBe(false);
    const answered = await answerTo(encodeGeneralQuery({ ...opts, version: 3 }), currentState, 4000);
    expect(answered.found, JSON.stringify(answered.seen)).toBe(true);
  }, 20000);

  // After this the host stays in IGMPv2 compatibility mode (RFC 3376 §7.2.1), so it runs last.
  it('answers a v2 query with a v2 report for the group', async () => {
    const answered = await answerTo(encodeGeneralQuery({ ...opts, version: 2 }), v2Report, 4000);
    expect(answered.found, JSON.stringify(answered.seen)).toBe(true);
  }, 20000);
});
