import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkpointInWorker } from './embedded-checkpoint.js';
import { EmbeddedStore } from './embedded.js';
import { DB_FILE } from './embedded-schema.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'np-ckpt-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The value of `key` in the database file alone, i.e. what checkpoints have copied out of the WAL. */
function inMainFile(key: string): string | undefined {
  const copy = join(dir, 'copy.db');
  copyFileSync(join(dir, DB_FILE), copy);
  const db = new Database(copy, { readonly: true });
  try {
    return db.prepare<[Buffer], { value: string }>('SELECT value FROM kv WHERE key = ?').get(Buffer.from(key))?.value;
  } finally {
    db.close();
    rmSync(copy);
  }
}

async function eventually(cond: () => boolean, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

describe('checkpoints on a worker thread', () => {
  it('checkpoints the WAL of a store that has one open', async () => {
    const store = EmbeddedStore.open(dir, { safetyPollMs: 0, leaseSweepMs: 0 });
    try {
      await store.put('/k', 'small');
      expect(inMainFile('/k')).toBeUndefined(); // a small commit stays in the WAL (below the auto-checkpoint)
      const r = await checkpointInWorker(join(dir, DB_FILE), 1000);
      expect(r.ok && r.log > 0 && r.checkpointed === r.log).toBe(true);
      expect(inMainFile('/k')).toBe('small');
    } finally {
      await store.close();
    }
  });

  it('reports a database it cannot open, and changes nothing', async () => {
    const r = await checkpointInWorker(join(dir, 'missing.db'), 1000);
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.error).toMatch(/missing\.db|unable to open|does not exist/i);
  });

  it('commits a transaction that ran in slices whole, then a worker checkpoints it', async () => {
    // writeSliceMs 0: every 64 rows the event loop turns, so this transaction is sliced.
    const store = EmbeddedStore.open(dir, { safetyPollMs: 0, leaseSweepMs: 0, writeSliceMs: 0 });
    const other = EmbeddedStore.open(dir, { safetyPollMs: 0, leaseSweepMs: 0 });
    try {
      const ops = Array.from({ length: 3000 }, (_, i) => ({ type: 'put' as const, key: `/big/${String(i).padStart(5, '0')}`, value: 'v'.repeat(200) }));
      let turns = 0;
      let seenMidway: number | undefined;
      const ticker = setInterval(() => {
        turns++;
        void other.list('/big/').then((l) => (seenMidway ??= l.items.length));
      }, 0);
      const res = await store.txn([], ops);
      clearInterval(ticker);
      expect(res.succeeded).toBe(true);
      expect(turns).toBeGreaterThan(0); // the event loop turned during the write
      expect(seenMidway).toBe(0); // and nothing of it was visible before COMMIT
      expect((await other.list('/big/')).items.length).toBe(3000);
      // A copy taken while the checkpoint is still writing the file may be torn: poll past it.
      const copied = () => {
        try {
          return inMainFile('/big/02999') !== undefined;
        } catch {
          return false;
        }
      };
      expect(await eventually(copied)).toBe(true);
    } finally {
      await store.close();
      await other.close();
    }
  });
});
