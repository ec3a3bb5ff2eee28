import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

vi.mock('../intent/validate.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../intent/validate.js')>();
  return { ...real, analyseIntent: vi.fn(real.analyseIntent) };
});

const { analyseIntent } = await import('../intent/validate.js');
const { applyIntent } = await import('./apply.js');
const { EmbeddedStore } = await import('../state/embedded.js');

let dir: string;
let store: InstanceType<typeof EmbeddedStore>;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'np-apply-once-'));
  store = EmbeddedStore.open(dir);
  vi.mocked(analyseIntent).mockClear();
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('applyIntent', () => {
  it('analyses the intent once per apply: validation and allocation share the analysis', async () => {
    const r = await applyIntent(store, readFileSync(join(import.meta.dirname, '../../examples/one_host_vlan.json'), 'utf8'));
    expect(r.applied).toBe(true);
    expect(analyseIntent).toHaveBeenCalledTimes(1);
  });
});
