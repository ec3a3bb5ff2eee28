import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineStoreConformance } from '../../src/state/conformance.js';
import { EmbeddedStore } from '../../src/state/embedded.js';

const dir = mkdtempSync(join(tmpdir(), 'np-store-conf-'));

defineStoreConformance(
  'embedded',
  async () => EmbeddedStore.open(dir),
  async () => rmSync(dir, { recursive: true, force: true }),
  { compact: async (s, revision) => (s as EmbeddedStore).compact(revision) },
);
