/**
 * Child process for the embedded store's multi-process tests (run by
 * store-embedded.test.ts through store-ts-loader.mjs). Modes:
 *   writer DIR PREFIX COUNT   puts COUNT keys 40 ms apart, value = commit time (ms)
 *   churn DIR                 txns in a tight loop until killed (crash test)
 *   cas DIR KEY COUNT         COUNT compare-and-swap increments of KEY
 *   sweep DIR MS              only sweeps expired leases every MS ms until killed
 */
import { EmbeddedStore } from '../../src/state/embedded.js';

const [mode, dir, ...args] = process.argv.slice(2);
const store = EmbeddedStore.open(dir, mode === 'sweep' ? { leaseSweepMs: Number(args[0]) } : {});

/** One churn txn: a and b move together; the list keeps a sliding window of 5. */
async function churnOnce(i: number): Promise<void> {
  const ops: Parameters<EmbeddedStore['txn']>[1] = [
    { type: 'put', key: '/crash/a', value: String(i) },
    { type: 'put', key: '/crash/b', value: String(i) },
    { type: 'put', key: `/crash/list/${String(i).padStart(8, '0')}`, value: 'x'.repeat(i % 7000) },
  ];
  if (i > 5) ops.push({ type: 'delete', key: `/crash/list/${String(i - 5).padStart(8, '0')}` });
  const r = await store.txn([{ key: '/crash/a', modRevision: i === 1 ? 0 : (await store.get('/crash/a'))!.modRevision }], ops);
  if (!r.succeeded) throw new Error(`churn txn ${i} lost a race it cannot lose`);
}

if (mode === 'writer') {
  const [prefix, count] = args;
  for (let i = 0; i < Number(count); i++) {
    await store.put(`${prefix}${i}`, String(Date.now()));
    await new Promise((r) => setTimeout(r, 40));
  }
} else if (mode === 'churn') {
  let i = Number((await store.get('/crash/a'))?.value ?? '0');
  process.stdout.write('ready\n');
  for (;;) await churnOnce(++i);
} else if (mode === 'cas') {
  const [key, count] = args;
  for (let n = 0; n < Number(count); ) {
    const cur = await store.get(key);
    const next = String(Number(cur?.value ?? '0') + 1);
    const r = await store.txn([{ key, modRevision: cur?.modRevision ?? 0 }], [{ type: 'put', key, value: next }]);
    if (r.succeeded) n++;
  }
} else if (mode === 'sweep') {
  process.stdout.write('ready\n');
  // The sweep timer is unref'd by design; this one keeps the process (and the sweeps) going.
  setInterval(() => undefined, 1 << 30);
  await new Promise(() => undefined);
} else {
  throw new Error(`unknown mode ${mode}`);
}
await store.close();
