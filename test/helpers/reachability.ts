/**
 * Reachability matrices over a lab: every ordered (source, target) pair is probed by ping
 * and by a TCP token through busybox nc, and compared with an expectation. A mismatch
 * produces a readable matrix (rows = from, columns = to, cells ok / FAIL / blocked).
 */
import type { ChildProcess } from 'node:child_process';
import type { Lab, LabEndpoint } from './lab.js';

/** One probe target: an address inside some namespace of the lab. */
export interface Target {
  /** Container or external machine name (the row/column label). */
  name: string;
  ip: string;
  tenant?: string;
  network?: string;
  /** True for an external machine (runs commands with `externalExec`). */
  external?: boolean;
}

/** Decides whether `from` (all of whose addresses are given) must reach `to`. */
export type Expectation = (from: Target[], to: Target) => boolean;

/** Same tenant and same network must reach; anything else must not (networks without routing). */
export const sameNetwork: Expectation = (from, to) => from.some((f) => f.tenant === to.tenant && f.network === to.network);

/**
 * Default: the networks of a tenant route to each other (the distributed gateway), tenants never
 * meet; an external machine on a VLAN has no route, so it only shares its own network.
 */
export const sameTenant: Expectation = (from, to) =>
  from.some((f) => f.tenant === to.tenant && (f.external || to.external ? f.network === to.network : true));

/** The outcome of one ordered pair. */
export interface PairResult {
  from: string;
  to: Target;
  expected: boolean;
  /** undefined when ping cannot tell (the target IP is also a reachable peer's IP). */
  ping?: boolean;
  tcp?: boolean;
  ok: boolean;
}

/** A whole check. */
export interface ReachabilityReport {
  ok: boolean;
  pairs: PairResult[];
  /** The rendered matrix plus one line per mismatch. */
  text: string;
}

/** Options of a check. */
export interface ReachabilityOptions {
  /** Probe targets; default: every endpoint from `netdcli get endpoints --json`. */
  targets?: Target[];
  /** Restrict sources and targets to these names. */
  only?: string[];
  expect?: Expectation;
  ping?: boolean;
  tcp?: boolean;
  /** How many probes run at once. */
  concurrency?: number;
  /** How long to wait for pairs that must reach to start answering (convergence), default 20 s. */
  settleMs?: number;
}

/** Turns `netdcli get endpoints --json` rows into targets. */
export function endpointTargets(eps: LabEndpoint[]): Target[] {
  return eps.filter((e) => e.ip).map((e) => ({ name: e.container, ip: e.ip, tenant: e.tenant, network: e.network }));
}

async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  });
  await Promise.all(workers);
}

function netnsOf(lab: Lab, t: Target): string {
  return t.external ? lab.externalNetnsPath(t.name) : lab.netnsPath(t.name);
}

function execIn(lab: Lab, t: Target, cmd: string[], timeoutMs: number) {
  return lab.execInNetns(netnsOf(lab, t), cmd, timeoutMs);
}

function spawnIn(lab: Lab, t: Target, cmd: string[]): ChildProcess {
  return lab.spawnInNetns(netnsOf(lab, t), cmd);
}

async function listening(lab: Lab, t: Target, port: number): Promise<boolean> {
  const r = await execIn(lab, t, ['ss', '-Hltn', `sport = :${port}`], 10_000);
  return r.code === 0 && r.out.includes(`:${port}`);
}

/** Probes every ordered pair of distinct sources/targets and compares with the expectation. */
export async function checkReachability(lab: Lab, opts: ReachabilityOptions = {}): Promise<ReachabilityReport> {
  let targets = opts.targets ?? endpointTargets(lab.endpoints());
  if (opts.only) targets = targets.filter((t) => opts.only!.includes(t.name));
  const expect = opts.expect ?? sameTenant;
  const doPing = opts.ping ?? true;
  const doTcp = opts.tcp ?? true;
  const concurrency = opts.concurrency ?? 16;
  const sources = [...new Set(targets.map((t) => t.name))];
  const addrsOf = (name: string) => targets.filter((t) => t.name === name);

  const pairs: PairResult[] = [];
  for (const from of sources) {
    for (const to of targets) {
      if (to.name === from) continue;
      pairs.push({ from, to, expected: expect(addrsOf(from), to), ok: false });
    }
  }

  // Hosts converge asynchronously (each agent learns the others' attachments from the store):
  // wait until every pair that must reach answers one ping, within a deadline, before judging.
  // A pair that never answers still fails below.
  const settleDeadline = Date.now() + (opts.settleMs ?? 20_000);
  await pool(
    pairs.filter((p) => p.expected),
    concurrency,
    async (p) => {
      const src = targets.find((t) => t.name === p.from)!;
      while (Date.now() < settleDeadline) {
        if ((await execIn(lab, src, ['ping', '-c', '1', '-W', '1', p.to.ip], 5_000)).code === 0) return;
      }
    },
  );

  if (doPing) {
    await pool(pairs, concurrency, async (p) => {
      // With overlapping subnets the target IP may also be the source's own or a peer's it must reach: ping cannot tell them apart.
      const own = addrsOf(p.from).some((a) => a.ip === p.to.ip);
      const ambiguous = !p.expected && (own || targets.some((t) => t.name !== p.to.name && t.name !== p.from && t.ip === p.to.ip && expect(addrsOf(p.from), t)));
      if (ambiguous) return;
      const src = targets.find((t) => t.name === p.from)!;
      const r = await execIn(lab, src, ['ping', '-c', '2', '-W', '1', '-i', '0.3', p.to.ip], 15_000);
      p.ping = r.code === 0;
    });
  }

  if (doTcp) {
    // One listener per pair on its own port: a token arriving there proves it reached exactly that namespace.
    const basePort = 20000 + Math.floor(Math.random() * 20000);
    const tokens = pairs.map((p, i) => ({ p, port: basePort + i, token: `tok-${p.from}-${p.to.name}-${i}`, got: '' }));
    const listeners: ChildProcess[] = [];
    try {
      for (const t of tokens) {
        const l = spawnIn(lab, t.p.to, ['busybox', 'nc', '-l', '-p', String(t.port)]);
        l.stdout!.on('data', (d: Buffer) => (t.got += d.toString()));
        l.stderr!.resume();
        listeners.push(l);
      }
      await pool(tokens, concurrency, async (t) => {
        for (let i = 0; i < 50 && !(await listening(lab, t.p.to, t.port)); i++) await new Promise((r) => setTimeout(r, 100));
      });
      await pool(tokens, concurrency, async (t) => {
        const src = targets.find((x) => x.name === t.p.from)!;
        await execIn(lab, src, ['sh', '-c', `echo ${t.token} | busybox nc -w 3 ${t.p.to.ip} ${t.port}`], 15_000);
      });
      // A listener exits once its one connection closes; give late segments (retransmits) time to land.
      const deadline = Date.now() + 3000;
      while (Date.now() < deadline && tokens.some((t) => !t.got.includes(t.token) && t.p.expected)) await new Promise((r) => setTimeout(r, 100));
      for (const t of tokens) t.p.tcp = t.got.includes(t.token);
    } finally {
      for (const l of listeners) if (l.exitCode === null && l.signalCode === null) l.kill('SIGKILL');
    }
  }

  for (const p of pairs) {
    const results = [p.ping, p.tcp].filter((x): x is boolean => x !== undefined);
    p.ok = results.length > 0 && results.every((x) => x === p.expected);
  }
  const ok = pairs.every((p) => p.ok);
  return { ok, pairs, text: renderMatrix(sources, targets, pairs) };
}

/** Runs `checkReachability` and throws with the matrix when anything differs from the expectation. */
export async function expectReachability(lab: Lab, opts: ReachabilityOptions = {}): Promise<ReachabilityReport> {
  const r = await checkReachability(lab, opts);
  if (!r.ok) throw new Error(`reachability differs from the expectation:\n${r.text}`);
  return r;
}

function label(t: Target, targets: Target[]): string {
  return targets.filter((x) => x.name === t.name).length > 1 ? `${t.name}@${t.network ?? t.ip}` : t.name;
}

/** Renders the matrix (ok = reached as expected, blocked = kept apart as expected, FAIL = differs). */
export function renderMatrix(sources: string[], targets: Target[], pairs: PairResult[]): string {
  const cols = targets.map((t) => label(t, targets));
  const width = Math.max(4, ...cols.map((c) => c.length), ...sources.map((s) => s.length));
  const pad = (s: string) => s.padEnd(width);
  const lines = [[pad('from \\ to'), ...cols.map(pad)].join(' ')];
  for (const s of sources) {
    const cells = targets.map((t) => {
      if (t.name === s) return pad('-');
      const p = pairs.find((x) => x.from === s && x.to === t)!;
      return pad(p.ok ? (p.expected ? 'ok' : 'blocked') : 'FAIL');
    });
    lines.push([pad(s), ...cells].join(' '));
  }
  for (const p of pairs.filter((x) => !x.ok)) {
    const what = (v: boolean | undefined) => (v === undefined ? 'n/a' : v ? 'reached' : 'no');
    lines.push(`FAIL ${p.from} -> ${label(p.to, targets)} (${p.to.ip}): expected ${p.expected ? 'reach' : 'blocked'}, ping ${what(p.ping)}, tcp ${what(p.tcp)}`);
  }
  return lines.join('\n');
}
