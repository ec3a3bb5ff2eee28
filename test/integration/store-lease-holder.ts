/**
 * Spawns store-lease-child.ts: another process that holds a lease on the store at a URL
 * and can be killed with SIGKILL, for the lease conformance test.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const LOADER = fileURLToPath(new URL('./store-ts-loader.mjs', import.meta.url));
const CHILD = fileURLToPath(new URL('./store-lease-child.ts', import.meta.url));

/** A running lease holder. */
export interface LeaseHolder {
  /** SIGKILLs the holder (by PID) and waits for it to exit. */
  kill(): Promise<void>;
}

/** Starts a holder that put `key` under a `ttlSeconds` lease; resolves once the key is written. */
export async function spawnLeaseHolder(url: string, key: string, ttlSeconds: number): Promise<LeaseHolder> {
  const proc = spawn(process.execPath, ['--import', LOADER, CHILD, url, key, String(ttlSeconds)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const kill = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null && proc.pid !== undefined) process.kill(proc.pid, 'SIGKILL');
    await exited;
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`lease holder not ready after 15 s: ${stderr}`)), 15_000);
      proc.stdout.on('data', (d) => {
        if (String(d).includes('ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`lease holder exited (${code ?? signal}) before it was ready: ${stderr}`));
      });
    });
  } catch (err) {
    await kill();
    throw err;
  }
  return { kill };
}
