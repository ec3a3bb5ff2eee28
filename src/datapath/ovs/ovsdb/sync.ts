/** Waiting until ovs-vswitchd has applied the database as of now. */
import { NetpluginError } from '../../../common/errors.js';
import type { OvsdbClient } from './client.js';
import { decodeOptional } from './codec.js';
import { mutateOp, rowsOf, selectOp } from './ops.js';

/**
 * Bumps Open_vSwitch.next_cfg and resolves once vswitchd reports cur_cfg at least that
 * high, i.e. it has reconfigured from every change committed before the call (what
 * `ovs-vsctl` waits for unless `--no-wait`). Rejects with NP_OVSDB_ERROR on timeout.
 */
export async function waitForVswitchd(c: OvsdbClient, timeoutMs: number): Promise<void> {
  const [, sel] = await c.transact([
    mutateOp('Open_vSwitch', [], [['next_cfg', '+=', 1]]),
    selectOp('Open_vSwitch', [], ['next_cfg']),
  ]);
  const target = Number(decodeOptional(rowsOf(sel)[0]?.next_cfg) ?? 0);
  let resolveSeen!: () => void;
  const seen = new Promise<void>((r) => (resolveSeen = r));
  const check = (row: Record<string, unknown> | undefined): void => {
    if (row && row.cur_cfg !== undefined && Number(decodeOptional(row.cur_cfg)) >= target) resolveSeen();
  };
  const mon = await c.monitor({ Open_vSwitch: { columns: ['cur_cfg'] } }, (u) => {
    for (const ch of Object.values(u.Open_vSwitch ?? {})) check(ch.new);
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    for (const ch of Object.values(mon.initial.Open_vSwitch ?? {})) check(ch.new);
    await Promise.race([
      seen,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new NetpluginError('NP_OVSDB_ERROR', `vswitchd did not reach cfg ${target} within ${timeoutMs} ms`, { target, timeoutMs })), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    await mon.cancel().catch(() => undefined);
  }
}
