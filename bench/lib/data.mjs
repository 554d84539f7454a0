// The data and starting weights every implementation gets for a workload, so
// that all of them compute the same thing. (Apart from workloads.mjs so that
// run.mjs can start, and say what is missing, before rnnkit is built.)
import { ElmanRNN, FeedForwardNetwork, RecurrentNetwork, Random } from '../../dist/index.js';
import { WORKLOADS } from './workloads.mjs';

/**
 * Sequence data, the same for everyone: B sequences of T + 1 vectors of size
 * p, each channel a sine of its own frequency and phase plus a little noise.
 * Inputs are steps 0..T−1 and targets steps 1..T (next-step prediction, so
 * p = o). That is the only task brain.js's RNNTimeStep trains on, so all
 * implementations get it. Layouts: `series` [B][T+1][p], `inputs` [B][T][p],
 * `targets` [B][T][o], and time-major copies [T][B][·] for tfjs's ops.
 */
export function sequenceData({ p, o, T, B }, seed = 7) {
  if (p !== o) throw new Error(`sequence data: next-step prediction needs p = o, got p ${p}, o ${o}`);
  const rng = new Random(seed);
  const series = new Float32Array(B * (T + 1) * p);
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < p; j++) {
      const omega = rng.uniform(0.05, 0.6), phase = rng.uniform(0, 2 * Math.PI), amp = rng.uniform(0.3, 1);
      for (let t = 0; t <= T; t++) series[(b * (T + 1) + t) * p + j] = amp * Math.sin(omega * t + phase) + 0.05 * rng.gaussian();
    }
  }
  const inputs = new Float32Array(B * T * p), targets = new Float32Array(B * T * o);
  const inputsTM = new Float32Array(T * B * p), targetsTM = new Float32Array(T * B * o);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const x = series.subarray((b * (T + 1) + t) * p, (b * (T + 1) + t + 1) * p);
      const y = series.subarray((b * (T + 1) + t + 1) * p, (b * (T + 1) + t + 2) * p);
      inputs.set(x, (b * T + t) * p);
      targets.set(y, (b * T + t) * o);
      inputsTM.set(x, (t * B + b) * p);
      targetsTM.set(y, (t * B + b) * o);
    }
  }
  return { p, o, T, B, series, inputs, targets, inputsTM, targetsTM };
}

/** Rows for the feed-forward workload: inputs [N][p0] uniform in [0, 1) (pixel-like), targets [N][pU] one-hot. */
export function rowData({ layers, N }, seed = 7) {
  const rng = new Random(seed);
  const p = layers[0], o = layers[layers.length - 1];
  const inputs = Float32Array.from({ length: N * p }, () => rng.next());
  const targets = new Float32Array(N * o);
  for (let i = 0; i < N; i++) targets[i * o + rng.int(o)] = 1;
  return { N, p, o, inputs, targets };
}

/**
 * The starting weights, the same for everyone: rnnkit's own initialisation
 * (seed 1: Glorot W_in and W_out, orthogonal W_rec, zero biases) as float32,
 * row-major in the notes' shapes (W_in r×p, W_rec r×r, W_out o×r, b_rec r, b_out o;
 * feed-forward W1…WU with W^k p(k)×p(k−1), b1…bU). Gated workloads: rnnkit's
 * RecurrentNetwork initialisation, seed 1 (each gate block Glorot in W_in and
 * orthogonal in W_rec, biases zero except the LSTM forget-gate block of b_rec = 1),
 * by its names: per layer ℓ W_in_lℓ (G·r × input), W_rec_lℓ (G·r × r), b_rec_lℓ (G·r),
 * for GRU b_hn_lℓ (r); then W_out (o × r), b_out (o). Gate blocks in PyTorch's
 * order (LSTM i, f, g, o; GRU r, z, n): rows [k·r, (k+1)·r) are gate k.
 */
export function initialWeights(workload) {
  const w = WORKLOADS[workload];
  const model = w.kind === 'ffnn-train'
    ? new FeedForwardNetwork({ layerSizes: w.shape.layers, activation: 'tanh', seed: 1, backend: 'js' })
    : w.cell
      ? new RecurrentNetwork({ ...gatedConfig(workload), seed: 1, backend: 'js' })
      : new ElmanRNN({ inputSize: w.shape.p, hiddenSize: w.shape.r, outputSize: w.shape.o, seed: 1, backend: 'js' });
  const params = model.parameters();
  model.dispose();
  return params;
}

/** The RecurrentNetwork structure of a gated workload. */
export function gatedConfig(workload) {
  const w = WORKLOADS[workload];
  return { cell: w.cell, inputSize: w.shape.p, hiddenSize: w.shape.r, numLayers: w.layers, outputSize: w.shape.o };
}

/** The data of a workload. */
export function workloadData(workload) {
  const w = WORKLOADS[workload];
  return w.kind === 'ffnn-train' ? rowData(w.shape) : sequenceData(w.shape);
}
