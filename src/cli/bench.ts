import { getBackend, type BackendName } from '../backend/index.js';
import { createSequenceBatch } from '../data/sequence-batch.js';
import { CELL_TYPES, type CellType } from '../model/recurrent/config.js';
import { CELLS } from '../model/recurrent/cells.js';
import { RecurrentNetwork } from '../model/recurrent/network.js';
import { Random } from '../model/random.js';
import { createOptimizer } from '../train/optimizer.js';
import { computeGradients } from '../train/gradient-algorithm.js';
import { createThreadPool } from '../threads/pool.js';
import type { Command } from './commands.js';
import { choiceFlag, numberFlag, parseFlags } from './io.js';

const SIZES = {
  S: { p: 16, r: 64, o: 16, T: 32, B: 16 },
  M: { p: 64, r: 128, o: 64, T: 64, B: 32 },
  L: { p: 128, r: 256, o: 128, T: 128, B: 32 },
} as const;

const usage = `usage: rnnkit bench [--size S|M|L] [--cell elman|lstm|gru] [--layers 1] [--backend all|wasm-simd|wasm-scalar|js] [--threads N|auto] [--seconds 2]

Times one training step (forward + full BPTT + SGD) of the standard workloads
(docs/benchmarks.md) on this machine, for each backend: the median over
repeated steps for about --seconds each, with GFLOP/s (nominal: 6·B·T·(G·r·p +
G·r² + o·r) with G = 1, 4, 3 gate blocks for Elman, LSTM, GRU, and 2·G·r² per
extra layer). With --threads, wasm-simd is timed again on a thread pool of
that size (the batch's sequences split over the threads). For the full suite beside
TensorFlow.js and brain.js, run \`npm run bench\` in a clone of the repository.`;

/** A quick, dependency-free benchmark of rnnkit's own backends (medians of timed steps). */
export const benchCommand: Command = {
  summary: "time a training step on each backend (the repository's `npm run bench` adds the peers)",
  usage,
  async run(args, io) {
    const { values } = parseFlags(args, {
      size: { type: 'string' }, cell: { type: 'string' }, layers: { type: 'string' }, backend: { type: 'string' }, seconds: { type: 'string' },
      threads: { type: 'string' },
    });
    const size = choiceFlag('size', values.size, 'M', ['S', 'M', 'L'] as const);
    const which = choiceFlag('backend', values.backend, 'all', ['all', 'wasm-simd', 'wasm-scalar', 'js'] as const);
    const seconds = numberFlag('seconds', values.seconds, 2, { min: 0.1 });
    const cell = choiceFlag('cell', values.cell, 'elman', CELL_TYPES) as CellType;
    const numLayers = numberFlag('layers', values.layers, 1, { min: 1, integer: true });
    const threads = values.threads === undefined || values.threads === 'auto' ? values.threads ?? 1 : numberFlag('threads', values.threads, 1, { min: 1, integer: true });
    const { p, r, o, T, B } = SIZES[size];
    const rng = new Random(1);
    const batch = createSequenceBatch({
      size: B, steps: T, inputSize: p, targetSize: o,
      inputs: Float32Array.from({ length: B * T * p }, () => rng.gaussian()),
      targets: Float32Array.from({ length: B * T * o }, () => rng.gaussian()),
    });
    const G = CELLS[cell].gates;
    const flops = 6 * B * T * (G * r * p + G * r * r + o * r + (numLayers - 1) * 2 * G * r * r);
    const all = Int32Array.from({ length: B }, (_, i) => i);
    io.out(`size ${size} (p ${p}, r ${r}, o ${o}, T ${T}, B ${B}), ${cell}${numLayers > 1 ? ` ×${numLayers} layers` : ''}, Node ${process.version}`);
    io.out('backend        median ms   GFLOP/s   steps timed');
    const names: BackendName[] = which === 'all' ? ['wasm-simd', 'wasm-scalar', 'js'] : [which];
    const pool = threads !== 1 && names.includes('wasm-simd') ? createThreadPool({ threads }) : undefined;
    for (const name of [...names, ...(pool ? ['threads' as const] : [])]) {
      let backend;
      try { backend = getBackend(name === 'threads' ? 'wasm-simd' : name); } catch { io.out(`${name.padEnd(14)} unavailable`); continue; }
      const model = new RecurrentNetwork({ cell, numLayers, inputSize: p, hiddenSize: r, outputSize: o, backend });
      const sgd = createOptimizer({ type: 'sgd', learningRate: 1e-4 });
      let step = () => { model.loadExamples(batch, all); model.lossAndGradients(); sgd.step(model); };
      let label: string = name;
      if (name === 'threads') {
        pool!.prepare(model);
        label = `wasm-simd ×${pool!.active}`;
        if (pool!.active === 1) io.out(`(threads: 1, ${pool!.unavailable})`);
        step = () => { computeGradients(model, batch, { threads: pool }); sgd.step(model); };
      }
      for (let i = 0; i < 3; i++) step(); // warm-up: compilation and caches
      const times: number[] = [];
      const end = performance.now() + seconds * 1000;
      while (times.length < 5 || (performance.now() < end && times.length < 10_000)) {
        const t0 = performance.now();
        step();
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      const median = times[times.length >> 1]!;
      io.out(`${label.padEnd(14)} ${median.toFixed(median < 10 ? 3 : 1).padStart(9)}   ${(flops / median / 1e6).toFixed(2).padStart(7)}   ${String(times.length).padStart(11)}`);
      model.dispose();
    }
    pool?.dispose();
    return 0;
  },
};
