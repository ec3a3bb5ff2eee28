import { describe, expect, it } from 'vitest';
import { multicastRows } from './multicast-table.js';
import { renderTable } from './table.js';
import { MULTICAST_HEADERS } from './multicast-table.js';

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
    });
    expect(rows).toEqual([
      ['t', 'purple', 'snoop+router', '-', '-', '-'],
      ['t', 'blue', 'flood', '-', '-', '-'],
    ]);
    expect(renderTable(MULTICAST_HEADERS, rows).split('\n')[0]).toBe('TENANT  NETWORK  MODE          GROUP  MEMBERS  HOSTS');
  });

  it('gives no rows when there are no networks', () => {
    expect(multicastRows({ networks: [] })).toEqual([]);
  });
});
