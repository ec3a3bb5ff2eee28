import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveApiToken } from './token-source.js';

const FLAG_TOKEN = 'f'.repeat(40);
const ENV_TOKEN = 'e'.repeat(40);
const DEFAULT_TOKEN = 'd'.repeat(40);

let dir: string;
let flagFile: string;
let defaultFile: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'np-token-source-'));
  flagFile = join(dir, 'flag-token');
  defaultFile = join(dir, 'api-token');
  writeFileSync(flagFile, `${FLAG_TOKEN}\n`, { mode: 0o600 });
  writeFileSync(defaultFile, `${DEFAULT_TOKEN}\n`, { mode: 0o600 });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("netdcli's API token", () => {
  it('comes from --token-file first, then NETPLUGIN_TOKEN, then the default file', () => {
    const env = { NETPLUGIN_TOKEN: ENV_TOKEN };
    expect(resolveApiToken({ tokenFile: flagFile, env, defaultFile })).toEqual({ token: FLAG_TOKEN, from: `--token-file ${flagFile}` });
    expect(resolveApiToken({ env, defaultFile })).toEqual({ token: ENV_TOKEN, from: 'NETPLUGIN_TOKEN' });
    expect(resolveApiToken({ env: {}, defaultFile })).toEqual({ token: DEFAULT_TOKEN, from: defaultFile });
    expect(resolveApiToken({ env: { NETPLUGIN_TOKEN: '' }, defaultFile }).token).toBe(DEFAULT_TOKEN);
  });

  it('reads a token file of any mode (a copy in a home directory), unlike netmaster', () => {
    chmodSync(flagFile, 0o644);
    expect(resolveApiToken({ tokenFile: flagFile, env: {}, defaultFile }).token).toBe(FLAG_TOKEN);
  });

  it('fails on a --token-file it cannot read instead of falling back', () => {
    expect(() => resolveApiToken({ tokenFile: join(dir, 'missing'), env: { NETPLUGIN_TOKEN: ENV_TOKEN }, defaultFile })).toThrow(/--token-file .*missing: cannot read it/);
  });

  it('without any source says which three it tried, as NP_UNAUTHORIZED', () => {
    const missing = join(dir, 'nothing-here');
    expect(() => resolveApiToken({ env: {}, defaultFile: missing })).toThrow(
      expect.objectContaining({ code: 'NP_UNAUTHORIZED', message: expect.stringMatching(new RegExp(`^no API token: ${missing}: cannot read it: .*ENOENT.*; run netdcli as root on netmaster's host, or give --token-file FILE or NETPLUGIN_TOKEN$`)) }),
    );
  });

  it('refuses a short NETPLUGIN_TOKEN', () => {
    expect(() => resolveApiToken({ env: { NETPLUGIN_TOKEN: 'short' }, defaultFile })).toThrow(/NETPLUGIN_TOKEN: the API token must be one word of at least 32 characters/);
  });
});
