import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    // Learning tests are CPU-bound; two cores, two workers.
    maxWorkers: 2,
  },
});
