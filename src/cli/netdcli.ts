/**
 * `netdcli [--master URL] -cfg FILE [--dry-run]` replaces the desired state;
 * `-add-cfg FILE` / `-del-cfg FILE` merge a delta into it or remove what a delta names;
 * `netdcli get tenants|networks|endpoints|hosts|groups [--json]` shows it (`get endpoints --qos`: limits, DSCP, meter drops), `netdcli get policies [--host H]`
 * each rule's hits, `netdcli get multicast` each network's groups and members; `netdcli forget-host H` drops
 * the runtime state (CNI pods, Docker endpoints, address claims) of a host that is gone.
 * Every call carries netmaster's API token (see token-source.ts for where it comes from).
 */
import { QOS_HEADERS, qosCells, type QosRow } from './qos-table.js';
import { MULTICAST_HEADERS, multicastFooter, multicastRows } from './multicast-table.js';
import type { MulticastView } from '../master/multicast-views.js';
import { readFileSync } from 'node:fs';
import { NetpluginError } from '../common/errors.js';
import { flagBool, flagString, parseFlags, usage, type FlagSpec, type ParsedFlags } from '../common/flags.js';
import { DEFAULT_TOKEN_FILE } from '../master/api-token.js';
import type { Problem } from '../intent/types.js';
import { externalOf, gatewayModeOf } from '../intent/routing.js';
import { callMaster, type MasterClientOptions } from './master-client.js';
import { resolveApiToken, TOKEN_ENV } from './token-source.js';
import { runMain } from './run.js';
import { renderTable } from './table.js';

const FLAGS: FlagSpec[] = [
  { name: 'master', kind: 'string', help: 'netmaster URL', defaultText: 'http://127.0.0.1:9999' },
  { name: 'cfg', kind: 'string', help: 'intent file to apply (replaces the desired state)' },
  { name: 'add-cfg', kind: 'string', help: 'intent delta to merge into the desired state (add or replace)' },
  { name: 'del-cfg', kind: 'string', help: 'intent delta naming what to remove from the desired state' },
  { name: 'dry-run', kind: 'boolean', help: 'print the plan and change nothing' },
  { name: 'json', kind: 'boolean', help: 'print JSON instead of tables' },
  { name: 'host', kind: 'string', help: 'get policies: the counters of this host only (default: summed over every host)' },
  { name: 'qos', kind: 'boolean', help: 'get endpoints: each endpoint\'s rate limits, DSCP and meter drops as its host enforces them' },
  { name: 'token-file', kind: 'string', help: `file holding netmaster's API token (else $${TOKEN_ENV}, else netmaster's default file)`, defaultText: DEFAULT_TOKEN_FILE },
  { name: 'cacert', kind: 'string', help: "CA certificate (PEM) to verify an https:// netmaster's certificate" },
  { name: 'cert', kind: 'string', help: 'client certificate (PEM), for a netmaster started with --tls-client-ca' },
  { name: 'key', kind: 'string', help: 'private key (PEM) of --cert' },
  { name: 'help', kind: 'boolean', help: 'show this help' },
];

/** A function calling netmaster with the token and TLS material the flags name. */
type Call = (method: string, path: string, body?: string) => Promise<unknown>;

/** The client for `master`: the token resolved once, on the first call (--help needs none). */
function clientOf(p: ParsedFlags, master: string): Call {
  const files: Partial<Record<'ca' | 'cert' | 'key', Buffer>> = {};
  for (const [flag, field] of [['cacert', 'ca'], ['cert', 'cert'], ['key', 'key']] as const) {
    const file = flagString(p, flag);
    if (file === undefined) continue;
    try {
      files[field] = readFileSync(file);
    } catch (err) {
      throw new NetpluginError('NP_USAGE', `--${flag} ${file}: ${(err as Error).message}`, { flag });
    }
  }
  if ((files.cert === undefined) !== (files.key === undefined)) throw new NetpluginError('NP_USAGE', '--cert and --key go together', { flag: files.cert ? 'key' : 'cert' });
  let opts: MasterClientOptions | undefined;
  return (method, path, body) => {
    opts ??= { ...files, token: resolveApiToken({ tokenFile: flagString(p, 'token-file'), env: process.env }).token };
    return callMaster(master, method, path, body, opts);
  };
}

const SYNOPSIS = '[--master URL] [--token-file F] [--cacert F [--cert F --key F]] ((-cfg | -add-cfg | -del-cfg) FILE [--dry-run] | get tenants|networks|endpoints|hosts|groups|intent [--json] | get endpoints --qos [--json] | get policies [--host H] [--json] | get multicast [--json] | forget-host HOST)';

function printProblems(err: NetpluginError): void {
  const problems = (err.details?.problems ?? []) as Problem[];
  process.stderr.write(`netdcli: ${err.message} [${err.code}]\n`);
  for (const p of problems) process.stderr.write(`  ${p.path}: ${p.reason}\n`);
}

/** What each intent flag posts to. */
const INTENT_APIS = { cfg: '/api/v1/intent', 'add-cfg': '/api/v1/intent/add', 'del-cfg': '/api/v1/intent/delete' } as const;

async function apply(call: Call, flag: keyof typeof INTENT_APIS, file: string, dryRun: boolean): Promise<number> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new NetpluginError('NP_USAGE', `cannot read -${flag} ${file}: ${(err as Error).message}`);
  }
  try {
    const r = (await call('POST', `${INTENT_APIS[flag]}${dryRun ? '?dryRun=true' : ''}`, text)) as { applied: boolean; planText: string; revision: number; plan: { create: unknown[]; update: unknown[]; delete: unknown[] } };
    if (r.planText) console.log(r.planText);
    const counts = `${r.plan.create.length} to create, ${r.plan.update.length} to change, ${r.plan.delete.length} to delete`;
    if (dryRun) console.log(`dry run: ${counts}; nothing was changed`);
    else if (r.applied) console.log(`applied at revision ${r.revision}: ${counts.replace(/to /g, '')}`);
    else console.log('no changes: the desired state already matches this intent');
    return 0;
  } catch (err) {
    if (err instanceof NetpluginError && (err.code === 'NP_INTENT_INVALID' || err.code === 'NP_INTENT_PARSE')) {
      printProblems(err);
      return 1;
    }
    throw err;
  }
}

type Row = Record<string, unknown>;
const s = (v: unknown) => (v === undefined || v === null ? '-' : String(v));

const VIEWS: Record<string, { headers: string[]; row: (r: Row) => string[] }> = {
  tenants: { headers: ['TENANT', 'TYPE', 'SUBNET POOL', 'SUBNET LEN', 'VLANS', 'VXLANS'], row: (r) => [r.name, r.defaultNetType, r.subnetPool, r.allocSubnetLen, r.vlans, r.vxlans].map(s) },
  networks: {
    headers: ['TENANT', 'NETWORK', 'TYPE', 'TAG', 'SUBNET', 'GATEWAY', 'GATEWAY MODE', 'EXTERNAL', 'MTU'],
    // States written before routing lack the two modes: they read as the defaults, as agents read them.
    row: (r) => [r.tenant, r.name, r.pktTagType, r.pktTag, r.subnet, r.gateway, gatewayModeOf(r), externalOf(r), r.mtu].map(s),
  },
  endpoints: {
    headers: ['TENANT', 'NETWORK', 'CONTAINER', 'IP', 'MAC', 'HOST', 'VIA', 'STATUS'],
    row: (r) => [r.tenant, r.network, r.container, `${s(r.ip)}/${s(r.prefixLen)}`, r.mac, r.attachedHost ?? r.host, r.runtime ?? 'name', r.status === 'error' ? `error: ${s(r.error)}` : r.status].map(s),
  },
  hosts: { headers: ['HOST', 'UPLINK', 'VTEP', 'VXLAN', 'AGENT'], row: (r) => [r.name, r.intf, r.vtepIp, r.vxlan, r.agent].map(s) },
  groups: { headers: ['TENANT', 'GROUP', 'POLICIES', 'MEMBERS'], row: (r) => [r.tenant, r.group, (r.policies as string[]).join(',') || '-', r.members].map(s) },
};

runMain('netdcli', async () => {
  const p = parseFlags(process.argv.slice(2), FLAGS);
  const master = flagString(p, 'master', process.env.NETMASTER_URL ?? 'http://127.0.0.1:9999')!;
  if (flagBool(p, 'help')) {
    console.log(usage('netdcli', SYNOPSIS, FLAGS));
    return 0;
  }
  const call = clientOf(p, master);
  const given = (Object.keys(INTENT_APIS) as (keyof typeof INTENT_APIS)[]).filter((f) => flagString(p, f) !== undefined);
  if (given.length > 1) throw new NetpluginError('NP_USAGE', `give only one of ${given.map((f) => `-${f}`).join(', ')}`);
  if (given.length === 1) return apply(call, given[0], flagString(p, given[0])!, flagBool(p, 'dry-run'));
  const [verb, what] = p.positional;
  if (verb === 'get' && what === 'intent') {
    console.log(JSON.stringify(await call('GET', '/api/v1/intent'), null, 4));
    return 0;
  }
  if (verb === 'forget-host' && what) {
    const r = (await call('POST', `/api/v1/hosts/${encodeURIComponent(what)}/forget`)) as { attachments: number; claims: number; reports: number };
    console.log(`forgot host ${what}: ${r.attachments} runtime attachment(s), ${r.claims} address claim(s), ${r.reports} endpoint report(s)`);
    return 0;
  }
  if (verb === 'get' && what === 'policies') {
    const host = flagString(p, 'host');
    const v = (await call('GET', `/api/v1/policies${host ? `?host=${encodeURIComponent(host)}` : ''}`)) as { rules: Row[]; spoofDrops: { packets: number; bytes: number }; hosts: string[] };
    if (flagBool(p, 'json')) console.log(JSON.stringify(v, null, 2));
    else {
      const headers = ['TENANT', 'POLICY', 'PRIO', 'DIR', 'ACTION', 'GROUPS', 'PEER', 'PROTO', 'PORT', 'PACKETS', 'BYTES'];
      console.log(renderTable(headers, v.rules.map((r) => [r.tenant, r.policy, r.priority, r.direction, r.action, (r.appliesTo as string[]).join(','), r.peer, r.protocol, r.port, r.packets, r.bytes].map(s))));
      console.log(`spoof guard drops: ${v.spoofDrops.packets} packets (${v.hosts.length ? `hosts: ${v.hosts.join(', ')}` : 'no host reported'})`);
    }
    return 0;
  }
  if (verb === 'get' && what === 'multicast') {
    const v = (await call('GET', '/api/v1/multicast')) as MulticastView;
    if (flagBool(p, 'json')) console.log(JSON.stringify(v, null, 2));
    else {
      console.log(renderTable(MULTICAST_HEADERS, multicastRows(v)));
      console.log(multicastFooter(v));
    }
    return 0;
  }
  if (verb === 'get' && what === 'endpoints' && flagBool(p, 'qos')) {
    const rows = (await call('GET', '/api/v1/endpoints?qos=true')) as QosRow[];
    if (flagBool(p, 'json')) console.log(JSON.stringify(rows, null, 2));
    else console.log(renderTable(QOS_HEADERS, rows.map(qosCells)));
    return 0;
  }
  if (verb === 'get' && what && VIEWS[what]) {
    const rows = (await call('GET', `/api/v1/${what}`)) as Row[];
    if (flagBool(p, 'json')) console.log(JSON.stringify(rows, null, 2));
    else console.log(renderTable(VIEWS[what].headers, rows.map(VIEWS[what].row)));
    return 0;
  }
  throw new NetpluginError('NP_USAGE', `usage: netdcli ${SYNOPSIS}`);
});
