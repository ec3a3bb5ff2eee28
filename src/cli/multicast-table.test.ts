import { describe, expect, it } from 'vitest';
import { MULTICAST_HEADERS, multicastFooter, multicastRows } from './multicast-table.js';
import { renderTable } from './table.js';

describe('multicastRows', () => {
  it('gives one row per group, members without the tenant/network their row shows, hosts joined', () => {
    const rows = multicastRows({
      networks: [
        {
          tenant: 't',
          network: 'orange',
          mode: 'snoop',
          multicastRouter: false,
          groups: [
            { group: '239.1.1.1', members: ['t/orange/c1', 't/orange/c2', 'cni:host3:pod/eth0'], hosts: ['host1', 'host3'] },
            { group: '239.1.1.2', members: ['t/orange/c1'], hosts: ['host1'] },
          ],
        },
      ],
      hosts: [],
    });
    expect(rows).toEqual([
      ['t', 'orange', 'snoop', '239.1.1.1', 'c1,c2,cni:host3:pod/eth0', 'host1,host3'],
      ['t', 'orange', 'snoop', '239.1.1.2', 'c1', 'host1'],
    ]);
  });

  it('gives a network without groups one row of dashes, and marks a network that floods to the trunk router', () => {
    const rows = multicastRows({
      networks: [
        { tenant: 't', network: 'purple', mode: 'snoop', multicastRouter: true, groups: [] },
        { tenant: 't', network: 'blue', mode: 'flood', multicastRouter: false, groups: [] },
      ],
      hosts: [],
    });
    expect(rows).toEqual([
      ['t', 'purple', 'snoop+router', '-', '-', '-'],
      ['t', 'blue', 'flood', '-', '-', '-'],
    ]);
    expect(renderTable(MULTICAST_HEADERS, rows).split('\n')[0]).toBe('TENANT  NETWORK  MODE          GROUP  MEMBERS  HOSTS');
  });

  it('gives no rows when there are no networks', () => {
    expect(multicastRows({ networks: [], hosts: [] })).toEqual([]);
  });
});

describe('multicastFooter', () => {
  it('sums the malformed IGMP the hosts dropped and names each host', () => {
    expect(multicastFooter({ networks: [], hosts: [{ host: 'host1', malformed: 0 }, { host: 'host2', malformed: 3 }] })).toBe('malformed IGMP dropped: 3 (host1 0, host2 3)');
  });

  it('says when no host reported', () => {
    expect(multicastFooter({ networks: [], hosts: [] })).toBe('malformed IGMP dropped: 0 (no host reported)');
  });
});
