/**
 * WAL checkpoints of the embedded store on a worker thread. After a transaction of
 * 100,000 keys, SQLite's automatic checkpoint (run inside COMMIT) copied tens of MB into
 * the database file and synced it: 100-200 ms with the event loop held. The writer skips
 * it for such a transaction and a worker, with its own connection, checkpoints instead.
 * A PASSIVE checkpoint never blocks readers or writers, and one cut short (the worker or
 * the process dies) loses nothing: the frames stay in the WAL for the next checkpoint.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** What the worker runs: open the database, checkpoint, close, report. */
const WORKER_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
let db;
try {
  db = new Database(workerData.file, { fileMustExist: true, timeout: workerData.busyTimeoutMs });
  const [row] = db.pragma('wal_checkpoint(PASSIVE)');
  parentPort.postMessage({ ok: true, busy: row.busy, log: row.log, checkpointed: row.checkpointed });
} catch (err) {
  parentPort.postMessage({ ok: false, error: String(err && err.message || err) });
} finally {
  if (db) db.close();
}
`;

/** Outcome of one background checkpoint (`log`: WAL frames, `checkpointed`: frames now in the database file). */
export type CheckpointResult = { ok: true; busy: number; log: number; checkpointed: number } | { ok: false; error: string };

/** Runs a PASSIVE checkpoint of the SQLite database `file` on a worker thread. */
export function checkpointInWorker(file: string, busyTimeoutMs: number): Promise<CheckpointResult> {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  return new Promise((resolve) => {
    let settled = false;
    const settle = (r: CheckpointResult): void => {
      if (!settled) resolve(r);
      settled = true;
    };
    const worker = new Worker(WORKER_CODE, { eval: true, workerData: { file, driver, busyTimeoutMs } });
    // Housekeeping: never what keeps a process alive.
    worker.unref();
    worker.once('message', (m: CheckpointResult) => settle(m));
    worker.once('error', (err) => settle({ ok: false, error: err.message }));
    worker.once('exit', (code) => settle({ ok: false, error: `checkpoint worker exited with code ${code}` }));
  });
}
