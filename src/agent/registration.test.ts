import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { EmbeddedStore } from '../state/embedded.js';
import { KEYS } from '../state/keys.js';
import { HostRegistration } from './registration.js';

let dir: string;
let store: EmbeddedStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'np-reg-'));
  store = EmbeddedStore.open(dir);
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const read = async () => JSON.parse((await store.get(KEYS.operHost('h1')))!.value) as Record<string, unknown>;

describe('HostRegistration.update', () => {
  it('rewrites the registration at once (a VXLAN path decided after start reaches the peers)', async () => {
    const reg = new HostRegistration(store, 'h1', { vtepIp: undefined }, pino({ level: 'silent' }));
    await reg.start();
    expect(await read()).toMatchObject({ host: 'h1' });
    expect((await read()).vxlan).toBeUndefined();
    await reg.update({ vtepIp: '10.0.0.1', vxlan: 'kernel' });
    expect(await read()).toMatchObject({ host: 'h1', vtepIp: '10.0.0.1', vxlan: 'kernel' });
    reg.stop();
  });

  it('before start only remembers: start then writes what was given last', async () => {
    const reg = new HostRegistration(store, 'h1', { vtepIp: '10.0.0.1' }, pino({ level: 'silent' }));
    await reg.update({ vtepIp: '10.0.0.2', vxlan: 'ovs' });
    expect(await store.get(KEYS.operHost('h1'))).toBeUndefined();
    await reg.start();
    expect(await read()).toMatchObject({ vtepIp: '10.0.0.2', vxlan: 'ovs' });
    reg.stop();
  });
});
