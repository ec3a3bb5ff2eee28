import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hostGatewayAddrs } from './host-gateway-addrs.js';
import { isMissingTable, nftTableName, removeScript, snatScript, snatTableMatches } from './host-gateway-nft.js';
import { FakeNft } from '../../test/fakes/fake-host-system.js';

// `nft -j list table` of the table snatScript makes, from the real tool (test/fixtures/nft/capture.mjs).
const captured = JSON.parse(readFileSync(new URL('../../test/fixtures/nft/snat-table.json', import.meta.url), 'utf8')) as { bridge: string; cidr: string; listing: { nftables: Array<Record<string, Record<string, unknown>>> } };
const a = hostGatewayAddrs(captured.bridge, captured.cidr);

describe('the nft table of the host gateway', () => {
  it('is one transaction that adds, deletes and declares the table with the masquerade rule', () => {
    expect(snatScript(a)).toBe(
      [
        'table ip netplugin_br0',
        'delete table ip netplugin_br0',
        'table ip netplugin_br0 {',
        '  chain postrouting {',
        '    type nat hook postrouting priority srcnat; policy accept;',
        '    ip saddr 169.254.64.0/20 oifname != "br0-gw" masquerade',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    expect(removeScript('br0')).toBe('table ip netplugin_br0\ndelete table ip netplugin_br0\n');
    expect(nftTableName('my-br.1')).toBe('netplugin_my-br.1');
  });

  it('matches what the real nft lists for it, and nothing else', () => {
    const json = JSON.stringify(captured.listing);
    expect(snatTableMatches(json, a)).toBe(true);
    expect(snatTableMatches(json, hostGatewayAddrs('br1', captured.cidr))).toBe(false);
    expect(snatTableMatches(json, hostGatewayAddrs('br0', '10.200.0.0/16'))).toBe(false);
    const twoRules = { nftables: [...captured.listing.nftables, captured.listing.nftables.find((i) => i.rule)!] };
    expect(snatTableMatches(JSON.stringify(twoRules), a)).toBe(false);
    const otherPrio = { nftables: captured.listing.nftables.map((i) => (i.chain ? { chain: { ...i.chain, prio: 0 } } : i)) };
    expect(snatTableMatches(JSON.stringify(otherPrio), a)).toBe(false);
    expect(snatTableMatches('not json', a)).toBe(false);
  });

  it('the fake nft lists the applied script as the real tool does (handles aside)', async () => {
    const nft = new FakeNft();
    await nft.run(['-f', '-'], snatScript(a));
    const strip = (l: { nftables: Array<Record<string, Record<string, unknown>>> }) =>
      l.nftables.map((i) => Object.fromEntries(Object.entries(i).map(([k, v]) => [k, { ...v, handle: undefined }])));
    const got = JSON.parse(await nft.run(['-j', 'list', 'table', 'ip', 'netplugin_br0'])) as typeof captured.listing;
    expect(strip(got)).toEqual(strip(captured.listing));
  });

  it('tells a missing table from other failures', () => {
    expect(isMissingTable(new Error('nft -j list table ip netplugin_br0: Error: No such file or directory'))).toBe(true);
    expect(isMissingTable(new Error('nft -j list table ip netplugin_br0: Error: Operation not permitted'))).toBe(false);
  });
});
