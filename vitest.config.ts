import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Registers the scalar wasm build (not embedded in the bundle) for the suites that compare backends.
    setupFiles: ['test/helpers/scalar-kernels.ts'],
    testTimeout: 60_000,
    // Learning tests are CPU-bound; two cores, two workers.
    maxWorkers: 2,
    // In CI, also write a JSON report so .ci/run can print a plain "N passed, N failed" line.
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'test-results.json' }]] : ['default'],
  },
});
