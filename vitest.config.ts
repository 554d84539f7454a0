import { defineConfig } from 'vitest/config';

import { fileURLToPath } from 'node:url';

export default defineConfig({
  // src/analysis, src/safetensors and src/onnx import the public API by name ('rnnkit'): in the tests, the sources.
  resolve: { alias: { rnnkit: fileURLToPath(new URL('./src/index.ts', import.meta.url)) } },
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
