import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { basename, resolve, sep } from 'node:path';
import { defineConfig, type Options } from 'tsup';

type Plugin = NonNullable<Options['esbuildPlugins']>[number];

// Cleaned once here, not by each config's `clean`: tsup builds the configs in
// parallel, and one config's clean could delete another's output.
rmSync('dist', { recursive: true, force: true });

/**
 * Every rnnkit entry is src/index.ts, the one public API, and every
 * rnnkit/online entry is src/train/online-entry.ts. They differ only in where
 * the wasm kernels come from: src/backend/kernel-source.ts (the core module)
 * and src/backend/online-kernel-source.ts (the online algorithms', which only
 * rnnkit/online imports), the embedded bytes by default. This links other
 * sources in their place.
 */
function kernelSource(core: string | undefined, online?: string): Plugin {
  return {
    name: 'kernel-source',
    setup(build) {
      if (core) {
        build.onResolve({ filter: /^\.\/kernel-source\.js$/ }, (args) =>
          args.importer.endsWith(`${sep}src${sep}backend${sep}index.ts`) ? { path: resolve(core) } : undefined);
      }
      if (online) build.onResolve({ filter: /online-kernel-source\.js$/ }, () => ({ path: resolve(online) }));
    },
  };
}

/** The entries that cannot run threads link a one-thread pool (src/entries/no-threads.ts) in place of src/threads/pool.ts. */
function oneThread(): Plugin {
  return {
    name: 'one-thread',
    setup(build) {
      build.onResolve({ filter: /^\.\/threads\/pool\.js$/ }, (args) =>
        args.importer.endsWith(`${sep}src${sep}index.ts`) ? { path: resolve('src/entries/no-threads.ts') } : undefined);
    },
  };
}

/**
 * Leaves a .wasm import for the runtime's own loader (workerd, wrangler and
 * Vercel's edge bundler make it a WebAssembly.Module) and ships the file in
 * dist/ beside the entry that imports it.
 */
const wasmBesideEntry: Plugin = {
  name: 'wasm-beside-entry',
  setup(build) {
    build.onResolve({ filter: /\.wasm(\?module)?$/ }, (args) => {
      const [file, query] = args.path.split('?');
      const source = resolve(args.resolveDir, file!);
      mkdirSync('dist', { recursive: true });
      copyFileSync(source, `dist/${basename(source)}`);
      return { path: `./${basename(source)}${query ? `?${query}` : ''}`, external: true };
    });
  },
};

const library: Options = { format: ['esm', 'cjs'], dts: false, sourcemap: false, target: 'es2022', treeshake: true };
/**
 * The published type declarations: members marked @internal (what rnnkit's
 * own modules call: trainers, kernels, threads, codecs, rnnkit/analysis) are
 * left out, so a model's autocomplete shows its public API only. The sources
 * keep them typed; test/public-types.test.ts checks the emitted files.
 */
const declarations: Options['dts'] = { compilerOptions: { stripInternal: true } };

export default defineConfig([
  // The default entry: the SIMD kernel build embedded (deflated, base64); needs no file system or fetch.
  // Its type declarations serve every entry, which all export the same API. The scalar build ships
  // beside it as rnnkit-scalar.wasm, with its online kernels' rnnkit-online-scalar.wasm, for useWasmModule (no entry embeds them).
  {
    ...library, entry: { index: 'src/index.ts' }, dts: declarations,
    onSuccess: async () => {
      copyFileSync('build/rnnkit-scalar.wasm', 'dist/rnnkit-scalar.wasm');
      copyFileSync('build/rnnkit-online-scalar.wasm', 'dist/rnnkit-online-scalar.wasm');
    },
  },
  // rnnkit/analysis: the gradient-flow tools. They import the models and the
  // error class from 'rnnkit', left to the app's resolver, so they work on
  // the models of whichever entry (default, js, workerd…) the app imports.
  { ...library, entry: { analysis: 'src/analysis/index.ts' }, dts: declarations, external: ['rnnkit'] },
  // rnnkit/safetensors: PyTorch weights in and out. Like rnnkit/analysis, it imports the models,
  // fromJSON and RnnkitError from 'rnnkit', so it loads into the app's own copy of the classes.
  { ...library, entry: { safetensors: 'src/safetensors/index.ts' }, dts: declarations, external: ['rnnkit'] },
  // rnnkit/onnx: ONNX export. Like rnnkit/analysis, it imports the models and
  // the error class from 'rnnkit', so it exports the models of the app's entry.
  { ...library, entry: { onnx: 'src/onnx/index.ts' }, dts: declarations, external: ['rnnkit'] },
  // rnnkit/online: the OnlineLearner and the online gradient algorithms, with their own wasm kernels (embedded
  // here; imported as a .wasm module under workerd and edge-light). Like rnnkit/analysis, they import the models
  // and error classes from 'rnnkit', the app's, and work on its memory.
  { ...library, entry: { online: 'src/train/online-entry.ts' }, dts: declarations, external: ['rnnkit'] },
  {
    ...library, format: ['esm'], entry: { 'online-workerd': 'src/train/online-entry.ts' }, external: ['rnnkit'],
    esbuildPlugins: [kernelSource(undefined, 'src/entries/workerd-online-kernels.ts'), wasmBesideEntry],
  },
  {
    ...library, format: ['esm'], entry: { 'online-edge-light': 'src/train/online-entry.ts' }, external: ['rnnkit'],
    esbuildPlugins: [kernelSource(undefined, 'src/entries/edge-light-online-kernels.ts'), wasmBesideEntry],
  },
  // rnnkit/tasks: the generated sequence tasks. Like rnnkit/analysis, they build their batches with the
  // 'rnnkit' the app imports.
  { ...library, entry: { tasks: 'src/tasks/tasks-entry.ts' }, dts: declarations, external: ['rnnkit'] },
  // rnnkit/csv: the CSV reader, self-contained.
  { ...library, entry: { csv: 'src/data/csv-entry.ts' }, dts: declarations },
  // rnnkit/js: no wasm bytes in the bundle; the js backend unless useWasmModule() is given a module.
  { ...library, entry: { js: 'src/index.ts' }, esbuildPlugins: [kernelSource('src/entries/no-kernels.ts'), oneThread()] },
  // The workerd and edge-light export conditions: ESM only, the kernels imported as a .wasm module.
  {
    ...library, format: ['esm'], entry: { workerd: 'src/index.ts' },
    esbuildPlugins: [kernelSource('src/entries/workerd-kernels.ts'), wasmBesideEntry, oneThread()],
  },
  {
    ...library, format: ['esm'], entry: { 'edge-light': 'src/index.ts' },
    esbuildPlugins: [kernelSource('src/entries/edge-light-kernels.ts'), wasmBesideEntry, oneThread()],
  },
  {
    // The command-line programs: ESM only, not part of the typed public API.
    entry: { 'cli/main': 'src/cli/main.ts' },
    format: ['esm'],
    dts: false,
    sourcemap: false,
    target: 'es2022',
    banner: { js: '#!/usr/bin/env node' },
  },
]);
