// rnnkit on each of its backends, and the float64 reference every
// implementation is checked against (the JS kernels in float64).
import { existsSync, readFileSync } from 'node:fs';
import {
  ElmanRNN, RecurrentNetwork, FeedForwardNetwork, createSequenceBatch, createRowBatch, createOptimizer, computeGradients, train, useWasmModule,
  createThreadPool, rtrl,
} from '../../dist/index.js';
import { WORKLOADS } from '../lib/workloads.mjs';
import { gatedConfig } from '../lib/data.mjs';

/**
 * rnnkit's default entry embeds only the SIMD build; the scalar one ships as
 * dist/rnnkit-scalar.wasm and becomes the 'wasm-scalar' backend once given to
 * useWasmModule (as an app would do).
 */
function loadScalarBuild() {
  const file = new URL('../../dist/rnnkit-scalar.wasm', import.meta.url);
  if (existsSync(file)) useWasmModule(new WebAssembly.Module(readFileSync(file)), { variant: 'scalar' });
}

/**
 * A workload on one rnnkit backend. `variant` is a backend name, or 'float64'
 * (the js backend in float64: the reference of the agreement check; for
 * exact RTRL it computes the gradient by full BPTT, which RTRL equals), or
 * 'wasm-simd-threads-N' / '-auto': wasm-simd on a ThreadPool of N threads
 * (the training workloads; the same step, its gradient pass split over them).
 */
export function create(variant, workload, data, weights) {
  const w = WORKLOADS[workload];
  const threaded = /^wasm-simd-threads-(\d+|auto)$/.exec(variant);
  const pool = threaded ? createThreadPool({ threads: threaded[1] === 'auto' ? 'auto' : Number(threaded[1]) }) : undefined;
  if (threaded) variant = 'wasm-simd';
  const backend = variant === 'float64' ? 'js' : variant;
  if (backend === 'wasm-scalar') loadScalarBuild();
  const dtype = variant === 'float64' ? 'float64' : 'float32';
  const s = w.shape;
  const model = w.kind === 'ffnn-train'
    ? new FeedForwardNetwork({ layerSizes: s.layers, activation: 'tanh', backend, dtype })
    : w.cell
      ? new RecurrentNetwork({ ...gatedConfig(workload), backend, dtype })
      : new ElmanRNN({ inputSize: s.p, hiddenSize: s.r, outputSize: s.o, backend, dtype });
  model.setParameters(weights);
  pool?.prepare(model);
  const batch = w.kind === 'ffnn-train'
    ? createRowBatch({ size: data.N, inputSize: data.p, inputs: data.inputs, targets: data.targets, targetSize: data.o })
    : createSequenceBatch({ size: data.B, steps: data.T, inputSize: data.p, targetSize: data.o, inputs: data.inputs, targets: data.targets });
  const all = Int32Array.from({ length: batch.size }, (_, i) => i);
  let rate = 0, sgd;
  const setRate = (lr) => { rate = lr; sgd = createOptimizer({ type: 'sgd', learningRate: lr }); };
  setRate(1e-5);

  // Exact RTRL with its memory cap at what the workload needs (S LSTM RTRL keeps 509 MiB of sensitivities).
  const exactRtrl = rtrl({ maxBytes: 4 * 2 ** 30 });
  // On a pool, the gradient pass as train() takes it: the batch split over the threads (loading each share included).
  const pass = pool ? () => { for (const _ of pool.passes(model, batch, all, { type: 'bptt' }, false, true)); } : () => { model.loadExamples(batch, all); model.lossAndGradients(); };
  const steps = {
    // Forward + full BPTT (backprop for the FFNN) + one SGD update; the batch is copied in once per step.
    'rnn-train': () => { pass(); sgd.step(model); },
    'ffnn-train': () => { pass(); sgd.step(model); },
    'rnn-inference': () => { model.loadExamples(batch, all); model.loss(); },
    // The reference gets RTRL's gradient from BPTT (equal in exact arithmetic; the test suite holds them to 1e-9).
    'rtrl-train': variant === 'float64'
      ? () => { model.loadExamples(batch, all); model.lossAndGradients(); sgd.step(model); }
      : () => { computeGradients(model, batch, { algorithm: exactRtrl, threads: pool }); sgd.step(model); },
    // One pass over the long sequences, an update after every chunk of k steps (train() is the only public route to that).
    'tbptt-train': () => {
      train(model, batch, { epochs: 1, shuffle: false, optimizer: { type: 'sgd', learningRate: rate }, algorithm: { type: 'tbptt', k: s.k }, threads: pool });
    },
  };
  const backendObject = model.backend;
  return {
    label: variant === 'float64' ? 'rnnkit js float64 (reference)' : pool ? `rnnkit wasm-simd, ${pool.threads} threads (${threaded[1]})` : `rnnkit ${variant}`,
    threads: pool?.threads,
    setRate,
    step: steps[w.kind],
    loss() { model.loadExamples(batch, all); return model.loss(); },
    wasmBytes: () => (backendObject.name === 'js' ? undefined : backendObject.memoryBytes),
    dispose: () => { model.dispose(); pool?.dispose(); },
  };
}

