// rnnkit on each of its backends, and the float64 reference every
// implementation is checked against (the JS kernels in float64).
import { existsSync, readFileSync } from 'node:fs';
import {
  ElmanRNN, RecurrentNetwork, FeedForwardNetwork, createSequenceBatch, createRowBatch, createOptimizer, computeGradients, train, useWasmModule,
  createThreadPool, RnnStepper,
} from '../../dist/index.js';
import { rtrl, OnlineLearner } from '../../dist/online.js';
import * as core from '../../dist/index.js';
import * as online from '../../dist/online.js';

/** Both entries as one namespace, for the online algorithms' factories (ONLINE_ALGORITHMS' make(rnnkit)). */
const rnnkit = { ...core, ...online };
import { WORKLOADS, ONLINE_ALGORITHMS } from '../lib/workloads.mjs';
import { gatedConfig } from '../lib/data.mjs';

/**
 * rnnkit's default entry embeds only the SIMD build; the scalar one ships as
 * dist/rnnkit-scalar.wasm and becomes the 'wasm-scalar' backend once given to
 * useWasmModule with its online twin, dist/rnnkit-online-scalar.wasm (as an app would do).
 */
function loadScalarBuild() {
  const file = new URL('../../dist/rnnkit-scalar.wasm', import.meta.url), onlineFile = new URL('../../dist/rnnkit-online-scalar.wasm', import.meta.url);
  // With its online kernels' twin, so that the online workloads run scalar wasm too, not the JS kernels.
  if (existsSync(file)) useWasmModule(new WebAssembly.Module(readFileSync(file)), { variant: 'scalar', online: new WebAssembly.Module(readFileSync(onlineFile)) });
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
  const setRate = (lr) => { rate = lr; sgd = createOptimizer({ type: 'sgd', learningRate: lr }); online?.setRate(lr); };
  const online = w.kind === 'online-step' || w.kind === 'online-forward' ? onlineSteps(w, model, data) : undefined;
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
    'online-step': () => online.steps(),
    'online-forward': () => online.steps(),
  };
  const backendObject = model.backend;
  return {
    label: variant === 'float64' ? 'rnnkit js float64 (reference)' : pool ? `rnnkit wasm-simd, ${pool.threads} threads (${threaded[1]})` : `rnnkit ${variant}`,
    threads: pool?.threads,
    setRate,
    step: steps[w.kind],
    // An online workload's step is T calls (one per time step of the data); the worker reports times per call.
    stepsPerCall: online ? s.T : undefined,
    loss: online?.loss ?? (() => { model.loadExamples(batch, all); return model.loss(); }),
    wasmBytes: () => (backendObject.name === 'js' ? undefined : backendObject.memoryBytes),
    dispose: () => { online?.dispose(); model.dispose(); pool?.dispose(); },
  };
}

/**
 * The online workloads, on B streams that are the workload's B sequences,
 * fed one time step at a time (x_t and target_t of every stream: the
 * time-major copies of the data, [T][B][·]). One `steps()` is T calls:
 *   online-step    — OnlineLearner.learn(x_t, target_t) with the workload's
 *                    algorithm and plain SGD after every step; the stream goes
 *                    on from call to call (its state is never reset while timing);
 *   online-forward — RnnStepper.step(x_t): the forward step alone.
 * Their loss (the agreement check): for the learner, the batch loss L at the
 * weights it reached (so the check after 3 calls compares the weights after
 * 3·T online updates); for the stepper, L accumulated from its own outputs
 * over the T steps, from a reset state.
 */
function onlineSteps(w, model, data) {
  const { p, o, T, B } = w.shape;
  const xs = Array.from({ length: T }, (_, t) => data.inputsTM.subarray(t * B * p, (t + 1) * B * p));
  const ys = Array.from({ length: T }, (_, t) => data.targetsTM.subarray(t * B * o, (t + 1) * B * o));
  if (w.kind === 'online-forward') {
    const stepper = new RnnStepper(model, { streams: B });
    return {
      setRate() {},
      steps() { for (let t = 0; t < T; t++) stepper.step(xs[t]); },
      loss() {
        stepper.reset();
        let sum = 0;
        for (let t = 0; t < T; t++) {
          const y = stepper.step(xs[t]), target = ys[t];
          for (let i = 0; i < B * o; i++) sum += 0.5 * (y[i] - target[i]) ** 2;
        }
        return sum / B;
      },
      dispose() {},
    };
  }
  const batch = createSequenceBatch({ size: B, steps: T, inputSize: p, targetSize: o, inputs: data.inputs, targets: data.targets });
  const all = Int32Array.from({ length: B }, (_, i) => i);
  let learner;
  return {
    // A new learner (fresh traces and stream state) at each rate: the check and the timing each start a stream.
    setRate(lr) {
      learner?.dispose();
      learner = new OnlineLearner(model, { algorithm: ONLINE_ALGORITHMS[w.algorithm].make(rnnkit), streams: B, optimizer: { type: 'sgd', learningRate: lr } });
    },
    steps() { for (let t = 0; t < T; t++) learner.learn(xs[t], ys[t]); },
    loss() { model.loadExamples(batch, all); return model.loss(); },
    dispose() { learner?.dispose(); },
  };
}

