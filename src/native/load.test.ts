import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadNative } from './load.js';

const built = resolve(import.meta.dirname, '../../build/Release/np_netlink.node');
const saved = process.env.NETPLUGIN_ADDON_DIR;
const dirs: string[] = [];

afterEach(() => {
  if (saved === undefined) delete process.env.NETPLUGIN_ADDON_DIR;
  else process.env.NETPLUGIN_ADDON_DIR = saved;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('loadNative', () => {
  it('loads the module from NETPLUGIN_ADDON_DIR when set (the sanitizer build)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'np-addon-'));
    dirs.push(dir);
    copyFileSync(built, join(dir, 'np_netlink.node'));
    process.env.NETPLUGIN_ADDON_DIR = dir;
    const m = loadNative<{ decodeFamilyId: unknown }>('np_netlink');
    expect(typeof m.decodeFamilyId).toBe('function');
  });

  it('refuses a NETPLUGIN_ADDON_DIR without the module, naming the variable and the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'np-addon-'));
    dirs.push(dir);
    process.env.NETPLUGIN_ADDON_DIR = dir;
    expect(() => loadNative('np_openflow')).toThrow(`NETPLUGIN_ADDON_DIR: ${join(dir, 'np_openflow.node')} does not exist`);
  });
});
