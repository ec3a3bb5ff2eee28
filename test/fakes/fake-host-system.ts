/**
 * Message-level fakes of the host gateway's two non-netlink seams: sysctls (a map that records
 * every write) and the nft tool (a small model of tables that reads the scripts the gateway feeds
 * `nft -f -` transaction by transaction, and answers `nft -j list table` in the tool's own JSON
 * shape, checked against real output in test/fixtures/nft/snat-table.json).
 */
import type { NftRunner } from '../../src/agent/host-gateway-nft.js';
import type { SysctlAccess } from '../../src/agent/host-gateway-system.js';

/** An in-memory /proc/sys. */
export class FakeSysctl implements SysctlAccess {
  readonly writes: Array<[string, string]> = [];
  readonly values = new Map<string, string>();
  private failing?: { key: string; message: string };

  constructor(init: Record<string, string> = {}) {
    for (const [k, v] of Object.entries(init)) this.values.set(k, v);
  }

  /** Fails writes of `key` with `message` (as EACCES would). */
  failWrite(key: string, message: string): void {
    this.failing = { key, message };
  }

  /** Stops failing writes. */
  clearFailures(): void {
    this.failing = undefined;
  }

  async read(key: string): Promise<string | undefined> {
    return this.values.get(key);
  }

  async write(key: string, value: string): Promise<void> {
    this.writes.push([key, value]);
    if (this.failing?.key === key) throw new Error(this.failing.message);
    this.values.set(key, value);
  }
}

/** One rule of a modelled table: `ip saddr <cidr> oifname != "<port>" masquerade`. */
interface FakeRule {
  saddr: string;
  notOif: string;
}

/** One modelled table: its chains (by name) and their rules. */
interface FakeTable {
  chains: Map<string, FakeRule[]>;
}

/** One recorded invocation of the tool. */
export interface NftCall {
  args: string[];
  stdin?: string;
}

const MISSING = 'Error: No such file or directory';

/** A model of nft for the `ip` family tables the gateway manages. */
export class FakeNft implements NftRunner {
  readonly calls: NftCall[] = [];
  readonly tables = new Map<string, FakeTable>();
  private failing?: (c: NftCall) => string | undefined;

  /** Calls other than listings (what would change the ruleset). */
  get writes(): NftCall[] {
    return this.calls.filter((c) => c.args[0] !== '-j');
  }

  /** Forgets the recorded calls (the model stays). */
  clearLog(): void {
    this.calls.length = 0;
  }

  /** Fails calls for which `pred` gives a message (as nft's stderr). */
  failWhen(pred: (c: NftCall) => string | undefined): void {
    this.failing = pred;
  }

  /** Stops failing calls. */
  clearFailures(): void {
    this.failing = undefined;
  }

  /** Seeds a table directly (state left by an older agent or by someone else). */
  seed(name: string, chains: Record<string, FakeRule[]>): void {
    this.tables.set(name, { chains: new Map(Object.entries(chains)) });
  }

  async run(args: string[], stdin?: string): Promise<string> {
    const call: NftCall = stdin === undefined ? { args: [...args] } : { args: [...args], stdin };
    this.calls.push(call);
    const fail = this.failing?.(call);
    if (fail) throw new Error(`nft ${args.join(' ')}: ${fail}`);
    if (args.length === 5 && args[0] === '-j' && args[1] === 'list' && args[2] === 'table' && args[3] === 'ip') {
      const t = this.tables.get(args[4]);
      if (!t) throw new Error(`nft ${args.join(' ')}: ${MISSING}`);
      return JSON.stringify(listing(args[4], t));
    }
    if (args.length === 2 && args[0] === '-f' && args[1] === '-') {
      this.apply(stdin ?? '');
      return '';
    }
    throw new Error(`nft ${args.join(' ')}: unsupported in the fake`);
  }

  /** Applies a script as one transaction: all of it, or (on an error) nothing. */
  private apply(script: string): void {
    const next = new Map([...this.tables].map(([k, v]) => [k, { chains: new Map([...v.chains].map(([c, r]) => [c, [...r]])) }]));
    let table: FakeTable | undefined;
    let chain: FakeRule[] | undefined;
    for (const raw of script.split('\n')) {
      const line = raw.trim();
      let m: RegExpExecArray | null;
      if (line === '') {
        continue;
      } else if (line === '}') {
        if (chain) chain = undefined;
        else table = undefined;
      } else if ((m = /^table ip (\S+)( \{)?$/.exec(line))) {
        if (!next.has(m[1])) next.set(m[1], { chains: new Map() });
        if (m[2]) table = next.get(m[1]);
      } else if ((m = /^delete table ip (\S+)$/.exec(line))) {
        if (!next.delete(m[1])) throw new Error(`nft -f -: ${MISSING}`);
      } else if ((m = /^chain (\S+) \{$/.exec(line)) && table) {
        if (!table.chains.has(m[1])) table.chains.set(m[1], []);
        chain = table.chains.get(m[1]);
      } else if (line === 'type nat hook postrouting priority srcnat; policy accept;' && chain) {
        // The one chain type the gateway declares; listing() shows it.
      } else if ((m = /^ip saddr (\S+) oifname != "(\S+)" masquerade$/.exec(line)) && chain) {
        chain.push({ saddr: m[1], notOif: m[2] });
      } else {
        throw new Error(`nft -f -: syntax the fake does not model: ${line}`);
      }
    }
    this.tables.clear();
    for (const [k, v] of next) this.tables.set(k, v);
  }
}

/** `nft -j list table ip <name>` as nft 1.0.6 prints it. */
function listing(name: string, t: FakeTable): { nftables: unknown[] } {
  const out: unknown[] = [{ metainfo: { version: '1.0.6', release_name: 'Lester Gooch #5', json_schema_version: 1 } }, { table: { family: 'ip', name, handle: 1 } }];
  let handle = 1;
  for (const [chain, rules] of t.chains) {
    out.push({ chain: { family: 'ip', table: name, name: chain, handle: handle++, type: 'nat', hook: 'postrouting', prio: 100, policy: 'accept' } });
    for (const r of rules) {
      const [addr, len] = r.saddr.split('/');
      out.push({
        rule: {
          family: 'ip',
          table: name,
          chain,
          handle: handle++,
          expr: [
            { match: { op: '==', left: { payload: { protocol: 'ip', field: 'saddr' } }, right: { prefix: { addr, len: Number(len) } } } },
            { match: { op: '!=', left: { meta: { key: 'oifname' } }, right: r.notOif } },
            { masquerade: null },
          ],
        },
      });
    }
  }
  return { nftables: out };
}
