import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Integration and system tests start real switches, namespaces and containers.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    teardownTimeout: 60_000,
    reporters: ['default'],
  },
});
