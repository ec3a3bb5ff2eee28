/** Waiting for vswitchd to give interfaces their OpenFlow port numbers. */
import { NetpluginError } from '../../../common/errors.js';
import type { OvsdbClient, TableUpdate, Monitor } from './client.js';
import { decodeOptional } from './codec.js';

interface IfaceState {
  name: string;
  ofport: number;
  error?: string;
}

/**
 * Resolves with name → ofport once every named interface has ofport > 0. Rejects with
 * NP_OVSDB_ERROR when one gets ofport -1 (with its `error` column) or on timeout.
 * Watches the Interface table with a monitor instead of polling; interface names are
 * unique in the database, so `bridge` only labels the errors.
 */
export async function waitForOfports(c: OvsdbClient, bridge: string, names: string[], timeoutMs: number): Promise<Map<string, number>> {
  const want = new Set(names);
  const rows = new Map<string, IfaceState>();
  let settle: { resolve(v: Map<string, number>): void; reject(e: Error): void } | undefined;
  let outcome: { value?: Map<string, number>; error?: Error } | undefined;

  const evaluate = (): void => {
    if (outcome) return;
    const found = new Map<string, number>();
    for (const r of rows.values()) {
      if (!want.has(r.name)) continue;
      if (r.ofport === -1) {
        outcome = { error: new NetpluginError('NP_OVSDB_ERROR', `interface ${r.name} on ${bridge} failed: ${r.error ?? 'ofport -1'}`, { bridge, name: r.name, error: r.error }) };
        break;
      }
      if (r.ofport > 0) found.set(r.name, r.ofport);
    }
    if (!outcome && found.size === want.size) outcome = { value: found };
    if (outcome && settle) settleWith(outcome);
  };
  const settleWith = (o: { value?: Map<string, number>; error?: Error }): void => {
    if (o.error) settle!.reject(o.error);
    else settle!.resolve(o.value!);
  };
  const apply = (u: TableUpdate | undefined): void => {
    for (const [id, change] of Object.entries(u ?? {})) {
      if (!change.new) {
        rows.delete(id);
        continue;
      }
      const n = change.new;
      const ofport = decodeOptional(n.ofport);
      const error = decodeOptional(n.error);
      rows.set(id, { name: String(n.name), ofport: ofport === undefined ? 0 : Number(ofport), error: error === undefined ? undefined : String(error) });
    }
    evaluate();
  };

  if (want.size === 0) return new Map();
  const mon: Monitor = await c.monitor({ Interface: { columns: ['name', 'ofport', 'error'] } }, (u) => apply(u.Interface));
  try {
    apply(mon.initial.Interface);
    return await new Promise<Map<string, number>>((resolve, reject) => {
      const timer = setTimeout(() => {
        const ok = new Set([...rows.values()].filter((r) => r.ofport > 0).map((r) => r.name));
        const missing = [...want].filter((n) => !ok.has(n));
        outcome = { error: new NetpluginError('NP_OVSDB_ERROR', `timed out after ${timeoutMs} ms waiting for ofports on ${bridge}: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', ...' : ''}`, { bridge, missing, timeoutMs }) };
        reject(outcome.error);
      }, timeoutMs);
      settle = {
        resolve: (v) => { clearTimeout(timer); resolve(v); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      };
      if (outcome) settleWith(outcome);
    });
  } finally {
    // The answer is in: cancelling the monitor need not hold the caller for another round trip.
    void mon.cancel().catch(() => undefined);
  }
}
