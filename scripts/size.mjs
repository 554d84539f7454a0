// The size budget. Each published entry is bundled and minified with esbuild,
// then gzipped (zlib's default level, as a server sends it), two ways:
//   whole:   everything the entry exports (what bundlephobia would show);
//   typical: what an app that trains an RNN keeps after tree-shaking
//            (ElmanRNN, sequenceBatch, train, and with them the wasm kernels).
// The default entry embeds the SIMD wasm build; the .wasm file that the workerd
// and edge-light entries import is counted on its own line. Exits non-zero when a
// budget is exceeded or the JS-only entry is not the smaller. 1 kB = 1000 bytes.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const TYPICAL = 'ElmanRNN, sequenceBatch, train';
const entries = [
  // [name, file, budget for whole, budget for typical] (kB, min+gzip)
  // The default entry's budgets are the project's: ≤ 64 kB whole, ≤ 35 kB for a typical import.
  ['rnnkit (default, wasm embedded)', 'dist/index.js', 64, 35],
  ['rnnkit/js', 'dist/js.js', 48, 30],
  ['rnnkit (workerd/edge-light)', 'dist/workerd.js', 48, 30],
];
// rnnkit/analysis, rnnkit/online, rnnkit/tasks, rnnkit/safetensors and rnnkit/onnx on their own ('rnnkit' itself left external: the app has it already).
const extras = [['rnnkit/analysis', 'dist/analysis.js', 12], ['rnnkit/csv', 'dist/csv.js', 5], ['rnnkit/tasks', 'dist/tasks.js', 5], ['rnnkit/online', 'dist/online.js', 20], ['rnnkit/safetensors', 'dist/safetensors.js', 7], ['rnnkit/onnx', 'dist/onnx.js', 5]];

async function minGzip(stdin) {
  const result = await build({
    stdin: { contents: stdin, resolveDir: process.cwd(), loader: 'js' },
    bundle: true, minify: true, write: false, format: 'esm', platform: 'neutral', logLevel: 'error',
    external: ['*.wasm', '*.wasm?module', 'rnnkit'],
  });
  return gzipSync(result.outputFiles[0].contents).length;
}

const kB = (bytes) => (bytes / 1000).toFixed(1);
const failures = [];
const sizes = {};
console.log('entry                              whole (budget)     typical (budget)');
for (const [name, file, wholeBudget, typicalBudget] of entries) {
  const whole = await minGzip(`export * from './${file}';`);
  const typical = await minGzip(`export { ${TYPICAL} } from './${file}';`);
  sizes[file] = { whole, typical };
  if (whole > wholeBudget * 1000) failures.push(`${name}: whole ${kB(whole)} kB > ${wholeBudget} kB`);
  if (typical > typicalBudget * 1000) failures.push(`${name}: typical ${kB(typical)} kB > ${typicalBudget} kB`);
  console.log(`${name.padEnd(34)} ${`${kB(whole)} kB (${wholeBudget})`.padEnd(18)} ${kB(typical)} kB (${typicalBudget})`);
}
for (const [name, file, budget] of extras) {
  const whole = await minGzip(`export * from './${file}';`);
  if (whole > budget * 1000) failures.push(`${name}: ${kB(whole)} kB > ${budget} kB`);
  console.log(`${name.padEnd(34)} ${`${kB(whole)} kB (${budget})`.padEnd(18)} -`);
}
for (const kind of ['whole', 'typical']) {
  if (sizes['dist/js.js'][kind] >= sizes['dist/index.js'][kind]) failures.push(`rnnkit/js is not smaller than rnnkit (${kind})`);
}
// An app that learns online: a typical import of rnnkit and one algorithm of rnnkit/online, bundled together (rnnkit
// resolved to the built entry, counted once). No budget: the app asked for it.
for (const factory of ['rtrl', 'snap', 'uoro']) {
  const result = await build({
    stdin: { contents: `export { ${TYPICAL} } from './dist/index.js'; export { ${factory} } from './dist/online.js';`, resolveDir: process.cwd(), loader: 'js' },
    bundle: true, minify: true, write: false, format: 'esm', platform: 'neutral', logLevel: 'error',
    external: ['*.wasm'], alias: { rnnkit: './dist/index.js' },
  });
  const withIt = gzipSync(result.outputFiles[0].contents).length;
  console.log(`typical + ${factory} (rnnkit/online): ${kB(withIt)} kB (+${kB(withIt - sizes['dist/index.js'].typical)} kB)`);
}
const wasm = readFileSync('dist/rnnkit-simd.wasm');
console.log(`dist/rnnkit-simd.wasm (imported by workerd/edge-light): ${kB(wasm.length)} kB, ${kB(gzipSync(wasm).length)} kB gzip`);
console.log('min+gzip, kB = 1000 bytes; typical = export { ' + TYPICAL + ' }');
for (const failure of failures) console.error(`over budget: ${failure}`);
process.exit(failures.length ? 1 : 0);
