import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_TOKEN_FILE, loadOrCreateToken, readTokenFile, tokenMatches } from './api-token.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'np-token-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('API token file', () => {
  it('has the default path the issue names', () => {
    expect(DEFAULT_TOKEN_FILE).toBe('/var/lib/netplugin/api-token');
  });

  it('is created at first start: random, mode 0600, in a directory made 0700', () => {
    const file = join(dir, 'sub', 'api-token');
    const a = loadOrCreateToken(file);
    expect(a.created).toBe(true);
    expect(a.token).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'sub')).mode & 0o777).toBe(0o700);
    expect(readFileSync(file, 'utf8').trim()).toBe(a.token);
    const other = loadOrCreateToken(join(dir, 'other'));
    expect(other.token).not.toBe(a.token);
  });

  it('is kept after: a second start reads the same token', () => {
    const file = join(dir, 'api-token');
    const first = loadOrCreateToken(file);
    expect(loadOrCreateToken(file)).toEqual({ token: first.token, created: false });
  });

  it('takes a token an operator wrote, and refuses one others may read, a short one, or a symlink', () => {
    const file = join(dir, 'mine');
    writeFileSync(file, `${'a'.repeat(40)}\n`, { mode: 0o600 });
    expect(loadOrCreateToken(file)).toEqual({ token: 'a'.repeat(40), created: false });
    chmodSync(file, 0o644);
    expect(() => loadOrCreateToken(file)).toThrow(/mode 0644 lets other users read the API token; run chmod 600/);
    const short = join(dir, 'short');
    writeFileSync(short, 'abc\n', { mode: 0o600 });
    expect(() => loadOrCreateToken(short)).toThrow(/at least 32 characters/);
    const link = join(dir, 'link');
    symlinkSync(file, link);
    expect(() => readTokenFile(link)).toThrow(/cannot read it/);
  });

  it('makes missing directories, and reports one it cannot make, naming --token-file', () => {
    const blocker = join(dir, 'plain-file');
    writeFileSync(blocker, '');
    expect(() => loadOrCreateToken(join(dir, 'no-such-dir', 'x', 'api-token'))).not.toThrow();
    expect(() => loadOrCreateToken(join(blocker, 'api-token'))).toThrow(/--token-file .*plain-file\/api-token: cannot create its directory/);
  });
});

describe('tokenMatches', () => {
  it('is true only for the identical token', () => {
    const t = 'x'.repeat(64);
    expect(tokenMatches(t, t)).toBe(true);
    expect(tokenMatches(`${t.slice(0, -1)}y`, t)).toBe(false);
    expect(tokenMatches(t.slice(1), t)).toBe(false);
    expect(tokenMatches('', t)).toBe(false);
  });
});
