/** Loading test/fixtures/igmp/igmp-fixtures.json, written by test/fixtures/igmp/capture.mjs from the real kernel, tcpdump and tshark. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** One captured or encoded frame with how it came about and the tools' decode of it. */
export interface IgmpFixtureFrame {
  name: string;
  how: string;
  hex: string;
  tcpdump: string;
  tshark?: string;
}

/** The fixture file. */
export interface IgmpFixtures {
  kernel: string;
  tcpdump: string;
  /** Reports the kernel sent unsolicited on join and leave (v3, v2 forced, v1 forced). */
  reports: IgmpFixtureFrame[];
  /** Our general queries, with the options that made them. */
  queries: (IgmpFixtureFrame & { options: { srcMac: string; srcIp: string; version: 2 | 3; maxRespTimeDs: number; qqic?: number } })[];
  /** The kernel's reports answering our injected queries. */
  answers: IgmpFixtureFrame[];
}

/** Loads igmp-fixtures.json. */
export function loadIgmpFixtures(): IgmpFixtures {
  return JSON.parse(readFileSync(join(here, '../fixtures/igmp/igmp-fixtures.json'), 'utf8')) as IgmpFixtures;
}
