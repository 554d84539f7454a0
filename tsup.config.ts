import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    treeshake: true,
  },
  {
    // The command-line programs: ESM only, not part of the typed public API.
    entry: { 'cli/demo': 'src/cli/demo.ts' },
    format: ['esm'],
    dts: false,
    sourcemap: false,
    target: 'es2022',
  },
]);
