/**
 * Unix-socket servers the agent owns (local API, Docker plugin): the path is taken over only
 * from a dead predecessor, and the socket exists only ever with mode 0660 — whoever can write
 * to it can plumb containers.
 */
import type { Server } from 'node:http';
import { createConnection } from 'node:net';
import { chmodSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { NetpluginError } from './errors.js';

/** Whether something accepts connections on the unix socket `path`. */
export function socketAlive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = createConnection(path);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

/**
 * Makes `path` free for a new socket: creates its directory, removes a stale socket left by
 * a killed process, and refuses (NP_USAGE, naming `what`) a live socket or any other file.
 */
export async function claimSocketPath(path: string, what: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  try {
    if (!lstatSync(path).isSocket()) throw new NetpluginError('NP_USAGE', `${what} ${path} exists and is not a socket; refusing to replace it`, { socketPath: path });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (await socketAlive(path)) {
    throw new NetpluginError('NP_USAGE', `${what} ${path} is served by another process (another agent on this machine needs its own path)`, { socketPath: path });
  }
  unlinkSync(path);
}

/** Listens on `path` with the socket created mode 0660 (no window where it is wider). */
export async function listenUnix(server: Server, path: string): Promise<void> {
  const oldMask = process.umask(0o117);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    process.umask(oldMask);
  }
  chmodSync(path, 0o660);
}
