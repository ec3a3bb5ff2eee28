import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { claimSocketPath, listenUnix, socketAlive } from './unix-socket.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'np-sock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('unix sockets the agent serves', () => {
  it('creates the socket mode 0660 and refuses to take a live one', async () => {
    const path = join(dir, 'sub', 'a.sock');
    await claimSocketPath(path, 'test socket');
    const s = createServer();
    await listenUnix(s, path);
    try {
      expect(statSync(path).mode & 0o777).toBe(0o660);
      expect(await socketAlive(path)).toBe(true);
      await expect(claimSocketPath(path, 'test socket')).rejects.toThrow(`test socket ${path} is served by another process`);
    } finally {
      await new Promise((r) => s.close(r));
    }
  });

  it('replaces a dead socket, and never a regular file', async () => {
    const path = join(dir, 'b.sock');
    // A socket file nobody listens on: what a killed agent leaves behind.
    execFileSync('python3', ['-c', `import socket; socket.socket(socket.AF_UNIX).bind(${JSON.stringify(path)})`]);
    expect(statSync(path).isSocket()).toBe(true);
    expect(await socketAlive(path)).toBe(false);
    await claimSocketPath(path, 'test socket');
    expect(existsSync(path)).toBe(false);
    writeFileSync(join(dir, 'plain'), 'x');
    await expect(claimSocketPath(join(dir, 'plain'), 'test socket')).rejects.toThrow('exists and is not a socket');
    expect(existsSync(join(dir, 'plain'))).toBe(true);
  });
});
