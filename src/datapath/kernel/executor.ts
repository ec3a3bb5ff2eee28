/**
 * Batch framing: runs a batch's ops in order through one transport, packing consecutive ops into one
 * exchange (one worker round trip) until an op needs an answer the batch does not have yet: a link index
 * no reply has told it (resolved then for every name the rest of the batch needs in that namespace, by
 * name when few, from one dump when many) or a name an earlier op of the frame creates, renames or deletes.
 * Results are mapped back to ops by position; every op gets one, failures never stop later ops.
 */
import { ENOENT, EOPNOTSUPP, NETLINK_GENERIC, NETLINK_ROUTE } from './constants.js';
import { compile, isFeatureOp, learnDump, learnGetLink, linkProduces, linkRefs, type Plan } from './compile.js';
import { expandFeatureAliases, featuresNotApplied } from './features.js';
import { LinkIndexCache } from './link-cache.js';
import type { NetlinkAddon } from './native.js';
import { about, invalid, netlinkError, syscallError } from './op-errors.js';
import type { NetlinkTransport, TransportStep } from './transport.js';
import type { FeatureState, NetlinkOp, OpError, OpResult } from './types.js';

/** Up to this many unknown names of one namespace are resolved by name; more take one RTM_GETLINK dump. */
export const BY_NAME_MAX = 4;

/** The genl decoders the ethtool ops need from the addon. */
export type GenlCodec = Pick<NetlinkAddon, 'decodeFamilyId' | 'decodeFeatures'>;

type SendPlan = Extract<Plan, { kind: 'send' }>;
type Features = Record<string, FeatureState>;

/** Runs `ops` in order and returns one result per op. */
export async function runOps(ops: NetlinkOp[], t: NetlinkTransport, genl: GenlCodec): Promise<OpResult[]> {
  return new BatchRun(ops, t, genl).run();
}

class BatchRun {
  private readonly cache = new LinkIndexCache();
  private readonly results: OpResult[];
  private readonly refs: Array<Array<{ netns?: string; name: string }>>;
  private readonly families = new Map<string, number>();
  private frame: Array<{ i: number; plan: SendPlan }> = [];

  constructor(
    private readonly ops: NetlinkOp[],
    private readonly t: NetlinkTransport,
    private readonly genl: GenlCodec,
  ) {
    this.results = new Array<OpResult>(ops.length);
    this.refs = ops.map((op) => (op && typeof op === 'object' ? linkRefs(op) : []));
  }

  async run(): Promise<OpResult[]> {
    for (let i = 0; i < this.ops.length; i++) {
      const op = this.ops[i];
      if (!op || typeof op !== 'object') {
        this.results[i] = { ok: false, error: invalid('op is not an object') };
        continue;
      }
      if (isFeatureOp(op)) {
        await this.flush();
        this.results[i] = op.op === 'featuresGet' ? await this.featuresGet(op) : await this.featuresSet(op);
        continue;
      }
      const unknown = () => this.refs[i].filter((r) => this.cache.lookup(r.netns, r.name) === undefined);
      if (unknown().length > 0) {
        // The frame may hold the op that creates or renames the name: its reply comes first.
        await this.flush();
        const still = unknown();
        if (still.length > 0) {
          const err = await this.resolve(i, still);
          if (err) {
            this.results[i] = { ok: false, error: err };
            continue;
          }
        }
      }
      const plan = compile(op, this.cache);
      if (plan.kind === 'done') {
        this.results[i] = plan.result;
        continue;
      }
      this.frame.push({ i, plan });
      if (plan.endsFrame) await this.flush();
    }
    await this.flush();
    return this.results;
  }

  private async send(steps: TransportStep[]) {
    return this.t.exchange(steps);
  }

  private async flush(): Promise<void> {
    if (this.frame.length === 0) return;
    const frame = this.frame;
    this.frame = [];
    const res = await this.send(frame.flatMap((f) => f.plan.steps));
    let k = 0;
    for (const { i, plan } of frame) {
      this.results[i] = plan.finish(res.slice(k, k + plan.steps.length));
      k += plan.steps.length;
    }
  }

  /**
   * Resolves the names op `i` needs, and with them every other unknown name later ops need in the same
   * namespaces; returns the error that left one of op i's names unresolved.
   */
  private async resolve(i: number, need: Array<{ netns?: string; name: string }>): Promise<OpError | undefined> {
    const spaces = new Map<string, { netns?: string; names: Set<string> }>();
    for (const r of need) {
      const key = r.netns ?? '';
      if (!spaces.has(key)) spaces.set(key, { netns: r.netns, names: new Set() });
      spaces.get(key)!.names.add(r.name);
    }
    // Names a later op creates (or renames to) are learnt from that op's reply, not looked up now.
    const produced = new Set<string>();
    for (let j = i; j < this.refs.length; j++) {
      const op = this.ops[j];
      if (op && typeof op === 'object') for (const r of linkProduces(op)) produced.add(`${r.netns ?? ''}\0${r.name}`);
      if (j === i) continue;
      for (const r of this.refs[j]) {
        const s = spaces.get(r.netns ?? '');
        if (s && !produced.has(`${r.netns ?? ''}\0${r.name}`) && this.cache.lookup(r.netns, r.name) === undefined) s.names.add(r.name);
      }
    }
    const steps: TransportStep[] = [];
    const readers: Array<(r: Awaited<ReturnType<NetlinkTransport['exchange']>>[number]) => [string | undefined, string[], OpError | undefined]> = [];
    for (const { netns, names } of spaces.values()) {
      if (names.size <= BY_NAME_MAX) {
        for (const name of names) {
          steps.push({ netns: netns ?? '', protocol: NETLINK_ROUTE, spec: { op: 'linkGet', name }, label: 'RTM_GETLINK' });
          readers.push((r) => [netns, [name], learnGetLink(this.cache, netns, name, r)]);
        }
      } else {
        steps.push({ netns: netns ?? '', protocol: NETLINK_ROUTE, spec: { op: 'linkList' }, label: 'RTM_GETLINK', dump: true });
        readers.push((r) => [netns, [...names], learnDump(this.cache, netns, r)]);
      }
    }
    const res = await this.send(steps);
    let first: OpError | undefined;
    res.forEach((r, k) => {
      const [netns, names, err] = readers[k](r);
      if (err && !first && need.some((n) => (n.netns ?? '') === (netns ?? '') && names.includes(n.name))) first = err;
    });
    return first;
  }

  private async family(netns: string | undefined): Promise<number | OpError> {
    const key = netns ?? '';
    const known = this.families.get(key);
    if (known) return known;
    const [r] = await this.send([
      { netns: key, protocol: NETLINK_GENERIC, spec: { op: 'getFamily', name: 'ethtool' }, label: 'CTRL_CMD_GETFAMILY', raw: true },
    ]);
    if (!r.ok) return about(r.error, 'ethtool');
    const id = (r.raw ?? []).map((b) => this.genl.decodeFamilyId(b)).find((x) => x > 0);
    if (!id) return syscallError('CTRL_CMD_GETFAMILY', ENOENT, 'no ethtool family id in reply');
    this.families.set(key, id);
    return id;
  }

  private async readFeatures(netns: string | undefined, name: string): Promise<Features | OpError> {
    const genlFamily = await this.family(netns);
    if (typeof genlFamily !== 'number') return genlFamily;
    const base = { netns: netns ?? '', protocol: NETLINK_GENERIC, raw: true };
    const [names, feats] = await this.send([
      { ...base, spec: { op: 'featureNamesGet', genlFamily, name }, label: 'ETHTOOL_MSG_STRSET_GET' },
      { ...base, spec: { op: 'featuresGet', genlFamily, name }, label: 'ETHTOOL_MSG_FEATURES_GET' },
    ]);
    if (!names.ok) return about(names.error, name);
    if (!feats.ok) return about(feats.error, name);
    const n = names.raw?.at(-1);
    const f = feats.raw?.at(-1);
    return n && f ? this.genl.decodeFeatures(n, f) : {};
  }

  private async featuresGet(op: Extract<NetlinkOp, { op: 'featuresGet' }>): Promise<OpResult> {
    const r = await this.readFeatures(op.netns, op.name);
    return r instanceof Error ? { ok: false, error: r } : { ok: true, value: r };
  }

  private async featuresSet(op: Extract<NetlinkOp, { op: 'featuresSet' }>): Promise<OpResult> {
    const current = await this.readFeatures(op.netns, op.name);
    if (current instanceof Error) return { ok: false, error: current };
    const bits = expandFeatureAliases(op.features, current);
    if (bits.length === 0) return { ok: true };
    const genlFamily = this.families.get(op.netns ?? '')!;
    const [set] = await this.send([
      {
        netns: op.netns ?? '',
        protocol: NETLINK_GENERIC,
        spec: { op: 'featuresSet', genlFamily, name: op.name, features: Object.fromEntries(bits) },
        label: 'ETHTOOL_MSG_FEATURES_SET',
      },
    ]);
    if (!set.ok) return { ok: false, error: about(set.error, op.name) };
    // The kernel acks fixed or dependency-blocked bits without applying them.
    const after = await this.readFeatures(op.netns, op.name);
    if (after instanceof Error) return { ok: false, error: after };
    const missed = featuresNotApplied(bits, after);
    if (missed) return { ok: false, error: netlinkError(EOPNOTSUPP, 'ETHTOOL_MSG_FEATURES_SET', `not applied: ${missed} (${op.name})`) };
    return { ok: true };
  }
}

