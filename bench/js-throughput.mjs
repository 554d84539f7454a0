// Rough training throughput of the pure-JS kernels on the standard workloads of
// shared/BENCHMARKS.md: one step = forward over the sequence + full BPTT + one
// SGD update; inference = forward only. The full benchmark suite (all backends,
// the peers) is its own piece of work; this script gives the JS figure.
//
//   npm run bench:js            # sizes S and M
//   npm run bench:js -- L       # any of S M L
//   npm run bench:js -- rtrl    # exact RTRL on S (one step takes seconds on the JS kernels)
import { Bench } from 'tinybench';
import { ElmanRNN, createSequenceBatch, createOptimizer, computeGradients, Random } from '../dist/index.js';

const SIZES = {
  S: { p: 16, r: 64, o: 16, T: 32, B: 16 },
  M: { p: 64, r: 128, o: 64, T: 64, B: 32 },
  L: { p: 128, r: 256, o: 128, T: 128, B: 32 },
};
const args = process.argv.slice(2);
const rtrl = args.includes('rtrl');
const chosen = args.filter((a) => a in SIZES);
const sizes = chosen.length || rtrl ? chosen : ['S', 'M'];

const bench = new Bench({ time: 3000, warmupTime: 500, iterations: 10 });
const flops = {};
for (const name of sizes) {
  const { p, r, o, T, B } = SIZES[name];
  const rng = new Random(1);
  const batch = createSequenceBatch({
    size: B, steps: T, inputSize: p, targetSize: o,
    inputs: Float32Array.from({ length: B * T * p }, () => rng.gaussian()),
    targets: Float32Array.from({ length: B * T * o }, () => rng.gaussian()),
  });
  const model = new ElmanRNN({ inputSize: p, hiddenSize: r, outputSize: o, activation: 'tanh', output: 'identity', seed: 1 });
  const sgd = createOptimizer({ type: 'sgd', learningRate: 1e-4 });
  const all = Int32Array.from({ length: B }, (_, i) => i);
  const perStep = B * T * (r * p + r * r + o * r);
  flops[`${name} train`] = 6 * perStep;
  flops[`${name} inference`] = 2 * perStep;
  bench.add(`${name} train`, () => {
    model.loadExamples(batch, all);
    model.lossAndGradients();
    sgd.step(model);
  });
  bench.add(`${name} inference`, () => {
    model.loadExamples(batch, all);
    model.loss();
  });
}
const tasks = [];
if (rtrl) {
  // Exact RTRL training step on S: forward, the output layer, the sensitivity
  // recursion over every step (dominant cost 2·B·T·r²·n, n = r·p + r² + r), SGD.
  const { p, r, o, T, B } = SIZES.S;
  const rng = new Random(1);
  const batch = createSequenceBatch({
    size: B, steps: T, inputSize: p, targetSize: o,
    inputs: Float32Array.from({ length: B * T * p }, () => rng.gaussian()),
    targets: Float32Array.from({ length: B * T * o }, () => rng.gaussian()),
  });
  const model = new ElmanRNN({ inputSize: p, hiddenSize: r, outputSize: o, seed: 1 });
  const sgd = createOptimizer({ type: 'sgd', learningRate: 1e-4 });
  flops['S rtrl train'] = 2 * B * T * r * r * (r * p + r * r + r);
  const rtrlBench = new Bench({ time: 0, warmupTime: 0, warmupIterations: 1, iterations: 5 });
  rtrlBench.add('S rtrl train', () => {
    computeGradients(model, batch, { algorithm: 'rtrl' });
    sgd.step(model);
  });
  await rtrlBench.run();
  tasks.push(...rtrlBench.tasks);
}
await bench.run();
tasks.unshift(...bench.tasks);
const rows = tasks.map((task) => {
  const median = task.result.latency.p50;
  return {
    workload: task.name,
    'median ms': median.toFixed(2),
    'min–max ms': `${task.result.latency.min.toFixed(1)}–${task.result.latency.max.toFixed(1)}`,
    'GFLOP/s': (flops[task.name] / (median / 1000) / 1e9).toFixed(2),
    samples: task.result.latency.samples.length,
  };
});
console.log(`rnnkit ${'js'} backend, Node ${process.version}, float32, one thread`);
console.table(rows);
