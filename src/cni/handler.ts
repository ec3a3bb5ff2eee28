/**
 * CNI semantics on the agent side: one relayed call (the CNI_* environment and stdin) in,
 * the plugin's exit code and stdout out. Every outcome — success or a spec error — is an
 * answer, never an exception, so the shim can pass it to the runtime verbatim.
 */
import { existsSync } from 'node:fs';
import { NetpluginError } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import type { AttachmentStatus, RuntimeApi } from '../runtime/types.js';
import { parseConfig, type NetConf } from './config.js';
import type { IpamDelegate } from './delegate.js';
import { attachmentKey, parseEnv, type CniEnv } from './env.js';
import { CNI_CODES, cniCodeOf, cniError, errorResult } from './errors.js';
import { attachRequest, LABELS, type ExternalAddress } from './mapping.js';
import { attachmentResult, encodeResult, hasDefaultRoute, mergeResults, type CniResult } from './result.js';
import { LATEST_VERSION, versionResult } from './versions.js';

/** What the CNI layer needs from the agent. */
export interface CniContext {
  api: RuntimeApi;
  log: Logger;
  ipam: IpamDelegate;
}

/** The plugin's answer to one call: exit code and stdout, as the runtime will see them. */
export interface CniOutcome {
  exitCode: number;
  stdout: string;
}

/** The `cniVersion` an error reports: the configuration's, when it has a readable one. */
function versionForErrors(stdin: string): string {
  try {
    const v = (JSON.parse(stdin) as { cniVersion?: unknown }).cniVersion;
    if (typeof v === 'string' && v !== '') return v;
  } catch {
    // undecodable config: the error says so
  }
  return LATEST_VERSION;
}

/** Handles one CNI call; never throws. */
export async function handleCni(ctx: CniContext, rawEnv: Readonly<Record<string, string | undefined>>, stdin: string): Promise<CniOutcome> {
  const t0 = process.hrtime.bigint();
  let command = rawEnv.CNI_COMMAND ?? '';
  let key = '';
  try {
    const env = parseEnv(rawEnv);
    command = env.command;
    if (env.containerId && env.ifName) key = attachmentKey(env.containerId, env.ifName);
    if (env.command === 'VERSION') return { exitCode: 0, stdout: JSON.stringify(versionResult(versionForErrors(stdin))) + '\n' };
    const conf = parseConfig(stdin, env.command);
    let stdout = '';
    switch (env.command) {
      case 'ADD':
        stdout = encodeResult(await add(ctx, env, conf)) + '\n';
        break;
      case 'DEL':
        await del(ctx, env, conf);
        break;
      case 'CHECK':
        await check(ctx, env, conf);
        break;
      case 'GC':
        await gc(ctx, env, conf);
        break;
      case 'STATUS':
        await status(ctx, env, conf);
        break;
    }
    ctx.log.info({ cni: command, key: key || undefined, ms: elapsed(t0) }, 'cni call done');
    return { exitCode: 0, stdout };
  } catch (err) {
    const result = errorResult(versionForErrors(stdin), err);
    const level = cniCodeOf(err) === CNI_CODES.INTERNAL ? 'error' : 'warn';
    ctx.log[level]({ cni: command, key: key || undefined, code: result.code, msg: result.msg, details: result.details, ms: elapsed(t0) }, 'cni call failed');
    return { exitCode: 1, stdout: JSON.stringify(result) + '\n' };
  }
}

function elapsed(t0: bigint): number {
  return Math.round(Number(process.hrtime.bigint() - t0) / 1e4) / 100;
}

/** The agent's refusal of the request's `netns` as the runtime knows that field: CNI_NETNS, code 4. */
function asCniNetnsError(err: unknown): unknown {
  if (!(err instanceof NetpluginError) || err.code !== 'NP_NETNS_INVALID' || err.details?.field !== 'netns') return err;
  const why = err.message.replace(/^netns: /, '');
  return cniError('NP_NETNS_INVALID', CNI_CODES.INVALID_ENV, `CNI_NETNS: ${why}`, undefined, { ...err.details, field: 'CNI_NETNS' });
}

/**
 * ADD: address from the IPAM plugin (if delegated), then one attach call. A failed attach
 * leaves nothing behind in the agent (RuntimeApi contract) and the IPAM reservation is
 * released again with a DEL (spec: "execute again with DEL before returning failure").
 */
async function add(ctx: CniContext, env: CniEnv, conf: NetConf): Promise<CniResult> {
  if (!existsSync(env.netns!)) {
    throw cniError('NP_CNI_CONFIG', CNI_CODES.INVALID_ENV, 'CNI_NETNS: no such network namespace', `got ${JSON.stringify(env.netns)}`, { field: 'CNI_NETNS' });
  }
  let delegated: { address: ExternalAddress; result: CniResult } | undefined;
  if (conf.ipam) delegated = await ctx.ipam.add(env, conf);
  let attachment: AttachmentStatus;
  try {
    attachment = await ctx.api.attach(attachRequest(env, conf, delegated?.address));
  } catch (err) {
    if (delegated) {
      await ctx.ipam.call('DEL', env, conf).catch((e: unknown) => {
        ctx.log.error({ err: (e as Error).message, ipam: conf.ipam?.type }, 'cni ADD rollback: ipam DEL failed; the IPAM plugin keeps that reservation until a DEL for this container succeeds');
      });
    }
    throw asCniNetnsError(err);
  }
  const dns = conf.dns ?? delegated?.result.dns;
  const ours = attachmentResult(
    { attachment, ifName: attachment.ifName ?? env.ifName!, netns: env.netns!, dns, defaultRoute: !hasDefaultRoute(conf.prevResult) },
    conf.cniVersion,
  );
  return mergeResults(conf.prevResult, ours);
}

/** DEL: idempotent; works without a netns and without a record (the IPAM plugin is still told). */
async function del(ctx: CniContext, env: CniEnv, conf: NetConf): Promise<void> {
  await ctx.api.detach('cni', attachmentKey(env.containerId!, env.ifName!));
  if (conf.ipam) await ctx.ipam.call('DEL', env, conf);
}

/** CHECK: the record, the previous result and the datapath must agree; then the IPAM plugin's CHECK. */
async function check(ctx: CniContext, env: CniEnv, conf: NetConf): Promise<void> {
  const key = attachmentKey(env.containerId!, env.ifName!);
  const rec = ctx.api.get('cni', key);
  if (!rec) throw cniError('NP_NOT_FOUND', CNI_CODES.UNKNOWN_CONTAINER, `no attachment ${key} on this host`);
  const problems: string[] = [];
  const prev = conf.prevResult!;
  const itf = prev.interfaces?.find((i) => i.name === env.ifName && (!i.sandbox || i.sandbox === env.netns));
  if (!itf) problems.push(`prevResult lists no interface ${env.ifName} in ${env.netns}`);
  const address = `${rec.ip}/${rec.prefixLen}`;
  if (!prev.ips?.some((ip) => ip.address === address)) problems.push(`prevResult does not list the address ${address}`);
  if (rec.netns && rec.netns !== env.netns) problems.push(`attached in ${rec.netns}, not CNI_NETNS ${env.netns}`);
  problems.push(...(await ctx.api.check('cni', key)).problems);
  if (problems.length) {
    throw cniError('NP_ATTACH_FAILED', CNI_CODES.CHECK_FAILED, `CHECK ${key}: ${problems[0]}`, problems.join('; '), { problems });
  }
  if (conf.ipam) await ctx.ipam.call('CHECK', env, conf);
}

/**
 * GC: removes this network's attachments that are not in `cni.dev/valid-attachments`
 * (address claim, port, flows — detach does all), releases their delegated addresses with
 * a DEL each, then forwards GC to the IPAM plugin. Keeps going past failures and reports
 * them together, as the spec asks.
 */
async function gc(ctx: CniContext, env: CniEnv, conf: NetConf): Promise<void> {
  const valid = new Set(conf.validAttachments!.map((a) => attachmentKey(a.containerID, a.ifname)));
  const stale = ctx.api.list('cni').filter((a) => a.labels[LABELS.network] === conf.name && !valid.has(a.key));
  const failures: unknown[] = [];
  for (const a of stale) {
    try {
      await ctx.api.detach('cni', a.key);
    } catch (err) {
      failures.push(err);
      continue;
    }
    if (conf.ipam && a.labels[LABELS.ipam] === conf.ipam.type) {
      const ifName = a.ifName ?? a.key.slice(a.key.indexOf('/') + 1);
      await ctx.ipam.call('DEL', env, conf, { CNI_CONTAINERID: a.containerId, CNI_IFNAME: ifName }).catch((err: unknown) => failures.push(err));
    }
  }
  if (conf.ipam) await ctx.ipam.call('GC', env, conf).catch((err: unknown) => failures.push(err));
  if (stale.length) ctx.log.info({ network: conf.name, removed: stale.map((a) => a.key), failures: failures.length }, 'cni GC removed stale attachments');
  if (failures.length) {
    const first = failures[0];
    const texts = failures.map((f) => (f instanceof Error ? f.message : String(f)));
    throw cniError('NP_ATTACH_FAILED', cniCodeOf(first), `GC: ${failures.length} step(s) failed: ${texts[0]}`, texts.join('; '));
  }
}

/** STATUS: the agent's readiness, then the IPAM plugin's (only plugins that speak 1.1.0 have STATUS). */
async function status(ctx: CniContext, env: CniEnv, conf: NetConf): Promise<void> {
  const s = ctx.api.status();
  if (!s.ready) throw cniError('NP_AGENT_NOT_READY', CNI_CODES.NOT_AVAILABLE, `netplugin agent cannot take pods: ${s.reason ?? 'not ready'}`);
  if (!conf.ipam) return;
  try {
    await ctx.ipam.call('STATUS', env, conf);
  } catch (err) {
    const code = cniCodeOf(err);
    if (code === CNI_CODES.NOT_AVAILABLE || code === CNI_CODES.LIMITED_CONNECTIVITY) throw err;
    // Any other failure of the delegate still means ADD cannot be served.
    throw cniError('NP_IPAM_DELEGATE', CNI_CODES.NOT_AVAILABLE, `ipam plugin "${conf.ipam.type}" not available: ${(err as Error).message}`);
  }
}
