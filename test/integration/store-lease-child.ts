/**
 * Child process of the lease conformance test: opens the store named by a --store URL,
 * grants a lease, puts KEY under it, prints "ready" and then just keeps the lease alive
 * until the parent kills it with SIGKILL (a crashed lease holder).
 *   node --import ./store-ts-loader.mjs store-lease-child.ts URL KEY TTL
 */
import { openStore } from '../../src/state/open.js';

const [url, key, ttl] = process.argv.slice(2);
const store = await openStore(url, { embeddedDir: '/nonexistent' });
const lease = await store.grantLease(Number(ttl));
await store.put(key, `held by ${process.pid}`, { lease });
process.stdout.write('ready\n');
// Leases never keep a process alive by themselves; this timer does.
setInterval(() => undefined, 1 << 30);
