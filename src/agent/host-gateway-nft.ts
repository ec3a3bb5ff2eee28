/**
 * The host gateway's nftables table (docs/datapath.md, "Host gateway"): one table of ours per
 * bridge holding one NAT rule, `ip saddr <gateway cidr> oifname != "<port>" masquerade`, so the
 * transit addresses OVS NATs containers to leave the host as the host's address on the egress
 * interface. Pure: scripts to feed `nft -f -` and a check of `nft -j list table` output.
 */
import type { HostGatewayAddrs } from './host-gateway-addrs.js';

/** Runs the nft tool: resolves with its stdout, rejects (message with its stderr) when it exits non-zero. */
export interface NftRunner {
  run(args: string[], stdin?: string): Promise<string>;
}

/** The nftables family of our table (IPv4 only, as the gateway cidr). */
export const NFT_FAMILY = 'ip';
/** The chain of our table that holds the masquerade rule. */
export const NFT_CHAIN = 'postrouting';
/** Priority of NF_IP_PRI_NAT_SRC, nft's `srcnat`, as `nft -j` prints it. */
const SRCNAT_PRIORITY = 100;

/** Our table of `bridge` (bridge names are letters, digits, '_', '.', '-': all valid in an nft identifier). */
export function nftTableName(bridge: string): string {
  return `netplugin_${bridge}`;
}

/**
 * The `nft -f -` script that leaves exactly our table with the masquerade rule, in one transaction:
 * adding the table first makes the delete valid when it is absent, and deleting it (rather than
 * flushing) also drops a chain an older agent declared differently, so a restart at any point
 * never leaves two rules or a stale chain.
 */
export function snatScript(a: HostGatewayAddrs): string {
  const t = `${NFT_FAMILY} ${nftTableName(a.bridge)}`;
  return [
    `table ${t}`,
    `delete table ${t}`,
    `table ${t} {`,
    `  chain ${NFT_CHAIN} {`,
    `    type nat hook postrouting priority srcnat; policy accept;`,
    `    ip saddr ${a.cidr} oifname != "${a.portName}" masquerade`,
    `  }`,
    `}`,
    '',
  ].join('\n');
}

/** The `nft -f -` script that removes our table, whether or not it exists. */
export function removeScript(bridge: string): string {
  const t = `${NFT_FAMILY} ${nftTableName(bridge)}`;
  return `table ${t}\ndelete table ${t}\n`;
}

/** The expressions `nft -j` shows for our masquerade rule. */
function wantedRuleExpr(a: HostGatewayAddrs): unknown[] {
  const [addr, len] = a.cidr.split('/');
  return [
    { match: { op: '==', left: { payload: { protocol: 'ip', field: 'saddr' } }, right: { prefix: { addr, len: Number(len) } } } },
    { match: { op: '!=', left: { meta: { key: 'oifname' } }, right: a.portName } },
    { masquerade: null },
  ];
}

/** Whether `nft -j list table ip <ours>` output shows exactly our chain with exactly our rule. */
export function snatTableMatches(listJson: string, a: HostGatewayAddrs): boolean {
  let items: Array<Record<string, Record<string, unknown>>>;
  try {
    items = (JSON.parse(listJson) as { nftables?: typeof items }).nftables ?? [];
  } catch {
    return false;
  }
  const chains = items.filter((i) => i.chain).map((i) => i.chain);
  const rules = items.filter((i) => i.rule).map((i) => i.rule);
  if (chains.length !== 1 || rules.length !== 1) return false;
  const [c] = chains;
  if (c.name !== NFT_CHAIN || c.type !== 'nat' || c.hook !== 'postrouting' || c.prio !== SRCNAT_PRIORITY || c.policy !== 'accept') return false;
  return rules[0].chain === NFT_CHAIN && JSON.stringify(rules[0].expr) === JSON.stringify(wantedRuleExpr(a));
}

/** Whether an nft failure says the table does not exist (`list table` of a missing table). */
export function isMissingTable(err: unknown): boolean {
  return /No such file or directory/.test(err instanceof Error ? err.message : String(err));
}
