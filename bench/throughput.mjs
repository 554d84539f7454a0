// Training and inference throughput of rnnkit's backends side by side, on the
// standard workloads of docs/benchmarks.md: one training step = forward over
// the sequence + full BPTT + one SGD update; inference = forward only; exact
// RTRL = the same step with the gradient by RTRL.
//
//   node bench/throughput.mjs                       # S and M, every backend
//   node bench/throughput.mjs S M L rtrl --backends=wasm-simd,js
//   node bench/throughput.mjs M L --cells=lstm,gru --layers=2   # gated cells, stacked
//
// Each figure is tinybench's median over ≥ 10 samples (and ≥ 2 s) after a
// warm-up; GFLOP/s = nominal FLOPs / median (train 6·B·T·(rp + r² + or),
// inference 2·B·T·(…), RTRL 2·B·T·r²·n with n = rp + r² + r). A cell with G
// gate blocks (LSTM 4, GRU 3) counts G·rp + G·r² + or, and 2·G·r² per extra layer.
import { Bench } from 'tinybench';
import { readFileSync } from 'node:fs';
import { ElmanRNN, RecurrentNetwork, createSequenceBatch, createOptimizer, computeGradients, Random, getBackend, useWasmModule } from '../dist/index.js';
import { rtrl } from '../dist/online.js';

const SIZES = {
  S: { p: 16, r: 64, o: 16, T: 32, B: 16 },
  M: { p: 64, r: 128, o: 64, T: 64, B: 32 },
  L: { p: 128, r: 256, o: 128, T: 128, B: 32 },
};
const args = process.argv.slice(2);
const backendsArg = args.find((a) => a.startsWith('--backends='));
const backends = backendsArg ? backendsArg.slice('--backends='.length).split(',') : ['wasm-simd', 'wasm-scalar', 'js'];
const rtrlMode = args.includes('rtrl');
const option = (name, fallback) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const cells = option('cells', 'elman').split(',');
const layers = Number(option('layers', '1'));
const GATES = { elman: 1, lstm: 4, gru: 3 };
// No entry embeds the scalar build: load it from dist/ as a user would.
if (backends.includes('wasm-scalar')) {
  useWasmModule(new WebAssembly.Module(readFileSync(new URL('../dist/rnnkit-scalar.wasm', import.meta.url))), { variant: 'scalar' });
}
const chosen = args.filter((a) => a in SIZES);
const sizes = chosen.length || rtrlMode ? chosen : ['S', 'M'];

function batchFor({ p, o, T, B }) {
  const rng = new Random(1);
  return createSequenceBatch({
    size: B, steps: T, inputSize: p, targetSize: o,
    inputs: Float32Array.from({ length: B * T * p }, () => rng.gaussian()),
    targets: Float32Array.from({ length: B * T * o }, () => rng.gaussian()),
  });
}

const rows = [];
async function measure(name, backend, flops, fn, options) {
  const bench = new Bench({ time: 2000, warmupTime: 300, iterations: 10, ...options });
  bench.add(name, fn);
  await bench.run();
  const r = bench.tasks[0].result;
  const median = r.latency.p50;
  rows.push({
    workload: name, backend, 'median ms': median.toFixed(median < 10 ? 3 : 1),
    'min–max ms': `${r.latency.min.toFixed(2)}–${r.latency.max.toFixed(2)}`,
    'GFLOP/s': (flops / (median / 1000) / 1e9).toFixed(2), samples: r.latency.samples.length,
  });
}

for (const size of sizes) {
  const { p, r, o, T, B } = SIZES[size];
  const batch = batchFor(SIZES[size]);
  const all = Int32Array.from({ length: B }, (_, i) => i);
  for (const cell of cells) for (const backend of backends) {
    const G = GATES[cell];
    const perStep = B * T * (G * r * p + G * r * r + o * r + (layers - 1) * 2 * G * r * r);
    const model = cell === 'elman' && layers === 1
      ? new ElmanRNN({ inputSize: p, hiddenSize: r, outputSize: o, seed: 1, backend })
      : new RecurrentNetwork({ cell, numLayers: layers, inputSize: p, hiddenSize: r, outputSize: o, seed: 1, backend });
    const sgd = createOptimizer({ type: 'sgd', learningRate: 1e-4 });
    const name = `${size}${cell === 'elman' ? '' : ` ${cell}`}${layers > 1 ? ` ×${layers}` : ''}`;
    await measure(`${name} train`, backend, 6 * perStep, () => { model.loadExamples(batch, all); model.lossAndGradients(); sgd.step(model); });
    await measure(`${name} inference`, backend, 2 * perStep, () => { model.loadExamples(batch, all); model.loss(); });
    model.dispose();
  }
}
if (rtrlMode) {
  const { p, r, o, T, B } = SIZES.S;
  const batch = batchFor(SIZES.S);
  for (const backend of backends) {
    const model = new ElmanRNN({ inputSize: p, hiddenSize: r, outputSize: o, seed: 1, backend });
    const sgd = createOptimizer({ type: 'sgd', learningRate: 1e-4 });
    await measure('S rtrl train', backend, 2 * B * T * r * r * (r * p + r * r + r), () => {
      computeGradients(model, batch, { algorithm: rtrl() });
      sgd.step(model);
    }, { time: 0, warmupTime: 0, warmupIterations: 1, iterations: backend === 'js' ? 3 : 5 });
    model.dispose();
  }
}
console.log(`rnnkit ${backends.join(', ')} — Node ${process.version}, float32, one thread; wasm memory ${(getBackend('wasm-simd').memoryBytes / 2 ** 20).toFixed(0)} MiB`);
console.table(rows);
