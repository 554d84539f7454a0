// Relaxed SIMD in the real kernels: builds the AssemblyScript source a second
// time with relaxed SIMD enabled (the matmul micro-kernels' multiply-add then
// becomes f32x4.relaxed_madd, assembly/matmul.ts), and times one training step
// (forward, full BPTT, SGD) of the M workloads on it against the shipped SIMD
// build, in interleaved rounds; the best median of each.
//
//   node --experimental-wasm-relaxed-simd bench/relaxed-simd.mjs   # Node 20 needs the flag; 22 and 24 do not
//   node bench/relaxed-simd.mjs S lstm,gru                         # a size and cells
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecurrentNetwork, Random, createSequenceBatch, train, useWasmModule } from '../dist/index.js';

const root = new URL('..', import.meta.url).pathname;
const SIZES = { S: [16, 64, 16, 32, 16], M: [64, 128, 64, 64, 32], L: [128, 256, 128, 128, 32] };
const size = process.argv[2] ?? 'M', cells = (process.argv[3] ?? 'elman,lstm,gru').split(',');
const [p, r, o, T, B] = SIZES[size];

const out = join(mkdtempSync(join(tmpdir(), 'rnnkit-relaxed-')), 'relaxed.wasm');
execFileSync(process.execPath, [join(root, 'node_modules/assemblyscript/bin/asc.js'), 'assembly/index.ts', '--runtime', 'stub', '--noAssert',
  '-O3', '--converge', '--enable', 'simd', '--enable', 'relaxed-simd', '--disableWarning', '112', '-o', out], { cwd: root, stdio: 'ignore' });
const relaxedBytes = readFileSync(out);
if (!WebAssembly.validate(relaxedBytes)) {
  console.error('this runtime refuses relaxed SIMD: on Node 20 run with --experimental-wasm-relaxed-simd');
  process.exit(1);
}
const modules = {
  simd: new WebAssembly.Module(readFileSync(join(root, 'dist/rnnkit-simd.wasm'))),
  relaxed: new WebAssembly.Module(relaxedBytes),
};

const rng = new Random(1);
const batch = createSequenceBatch({
  size: B, steps: T, inputSize: p, targetSize: o,
  inputs: Float32Array.from({ length: B * T * p }, () => rng.gaussian()), targets: Float32Array.from({ length: B * T * o }, () => rng.gaussian()),
});
const median = (fn, n) => {
  for (let i = 0; i < 3; i++) fn();
  const t = [];
  for (let i = 0; i < n; i++) { const t0 = performance.now(); fn(); t.push(performance.now() - t0); }
  return t.sort((a, b) => a - b)[n >> 1];
};
console.log(`${size} (p${p} r${r} o${o} T${T} B${B}), ${process.version}: best median ms per training step over 3 rounds`);
for (const cell of cells) {
  const G = { elman: 1, lstm: 4, gru: 3 }[cell], flops = 6 * B * T * (G * r * p + G * r * r + o * r);
  const best = { simd: Infinity, relaxed: Infinity };
  for (let round = 0; round < 3; round++) {
    for (const [name, module] of Object.entries(modules)) {
      const model = new RecurrentNetwork({ cell, inputSize: p, hiddenSize: r, outputSize: o, backend: useWasmModule(module) });
      best[name] = Math.min(best[name], median(() => train(model, batch, { optimizer: { type: 'sgd', learningRate: 1e-4 } }), size === 'L' ? 7 : 21));
      model.dispose();
    }
  }
  const gf = (ms) => (flops / ms / 1e6).toFixed(1);
  console.log(`${cell.padEnd(6)} simd ${best.simd.toFixed(2)} ms (${gf(best.simd)} GFLOP/s)  relaxed ${best.relaxed.toFixed(2)} ms (${gf(best.relaxed)})  ` +
    `relaxed is ${((best.simd / best.relaxed - 1) * 100).toFixed(1)} % faster`);
}
