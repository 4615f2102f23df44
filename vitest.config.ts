import { defineConfig } from 'vitest/config';

// Integration tests start real Prometheus processes; on a 2-core box two test files at a time
// keep them from starving each other.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'bench/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
