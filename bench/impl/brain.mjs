// brain.js RNNTimeStep (LSTMTimeStep, GRUTimeStep for the gated workloads) as
// a peer, versions 1.6.1 and 2.0.0-beta.24 (installed side by side; the
// second under the alias "brain.js-2").
//
// Roughly comparable, not the same computation:
// - it trains one sequence at a time: a "step" here is B sequences, each with
//   its own forward, backward and update (B updates where the others make 1);
// - its update is RMSProp (decay 0.999) with per-element clipping at 5 and an
//   L2 term, not plain SGD; none of that can be switched off;
// - its RNN is ReLU; we subclass it to use tanh (the `activation` option is
//   accepted but ignored by RNNTimeStep);
// - it trains only on next-step prediction (target_t = x_{t+1}), which is why
//   every implementation here gets that task.
// Its loss and gradient at the same weights can still be compared; see check().
//
// Its gated cells are not PyTorch's, in both versions (1.6.1:
// dist/recurrent/lstm.js and gru.js, getEquation; 2.0.0-beta.24: dist/index.js,
// getLSTMEquation and getGRUEquation):
// - LSTM: no cell state is carried from step to step. `retainCell =
//   multiplyElement(forgetGate, previousResult)` where previousResult is the
//   layer's previous output h: c' = f⊙h + i⊙g, h' = o⊙tanh(c') (PyTorch:
//   c' = f⊙c + i⊙g). No choice of weights makes the two agree.
// - GRU: the reset gate is applied before the recurrent product,
//   tanh(W_cx·x + W_ch·(r⊙h) + b_c) (PyTorch: r⊙(W_hn·h + b_hn)), as in
//   Keras' reset_after=false; the update rule h' = (1 − z)⊙n + z⊙h is PyTorch's.
// Those cells are timed as they are, marked not comparable, and their loss at
// the starting weights must match their own equations evaluated in float64
// (lib/formulations.mjs), which checks the weight mapping below.
import { createRequire } from 'node:module';
import { WORKLOADS, layersOf } from '../lib/workloads.mjs';
import { ownWeights } from '../lib/formulations.mjs';

const require = createRequire(import.meta.url);
const PACKAGES = { '1.6.1': 'brain.js', '2.0.0-beta.24': 'brain.js-2' };

function tanhRnnClass(brain) {
  return class TanhRNNTimeStep extends brain.recurrent.RNNTimeStep {
    getEquation(equation, inputMatrix, previousResult, hiddenLayer) {
      return equation.tanh(equation.add(
        equation.add(equation.multiply(hiddenLayer.weight, inputMatrix), equation.multiply(hiddenLayer.transition, previousResult)),
        hiddenLayer.bias));
    }
  };
}

/**
 * brain.js's matrices of each gate block, in rnnkit's block order (LSTM i, f,
 * g, o; GRU r, z, n): [input weights (r × input), hidden weights (r × r), bias (r)].
 */
const GATE_MATRICES = {
  lstm: [
    ['inputMatrix', 'inputHidden', 'inputBias'], ['forgetMatrix', 'forgetHidden', 'forgetBias'],
    ['cellActivationMatrix', 'cellActivationHidden', 'cellActivationBias'], ['outputMatrix', 'outputHidden', 'outputBias'],
  ],
  gru: [
    ['resetGateInputMatrix', 'resetGateHiddenMatrix', 'resetGateBias'], ['updateGateInputMatrix', 'updateGateHiddenMatrix', 'updateGateBias'],
    ['cellWriteInputMatrix', 'cellWriteHiddenMatrix', 'cellWriteBias'],
  ],
};

/** What brain.js's gated cells compute (lib/formulations.mjs), and why that is not PyTorch's. */
const FORMULATION = {
  lstm: {
    id: 'lstm-no-cell', short: 'no cell state',
    why: 'brain.js\'s LSTM carries no cell state: the forget gate scales the previous h (c\' = f⊙h + i⊙g, h\' = o⊙tanh(c\'); '
      + 'dist/recurrent/lstm.js in 1.6.1, getLSTMEquation in 2.0.0-beta.24\'s dist/index.js), where PyTorch\'s and rnnkit\'s is c\' = f⊙c + i⊙g',
  },
  gru: {
    id: 'gru-reset-before', short: 'reset-before GRU',
    why: 'brain.js\'s GRU applies the reset gate before the recurrent product, tanh(W_cx·x + W_ch·(r⊙h) + b_c) '
      + '(dist/recurrent/gru.js in 1.6.1, getGRUEquation in 2.0.0-beta.24\'s dist/index.js), where PyTorch\'s and rnnkit\'s is '
      + 'tanh(W_in·x + b + r⊙(W_hn·h + b_hn))',
    // Found by making each of the three backward functions exact in turn: with all three, every gradient agrees to ~2e-7.
    backward: 'its backward pass is not the gradient of its forward pass: multiplyElement\'s backward assigns deltas where it should add them '
      + '(so h_{t−1}, used by both r⊙h and z⊙h, keeps one of the two terms), the 1 − z of the update rule is built with cloneNegative, '
      + 'which has no backward (so z misses the −n term), and addB assigns too (the biases); '
      + '1.6.1: dist/recurrent/matrix/multiply-element-b.js, add-b.js and equation.js (cloneNegative); 2.0.0-beta.24: dist/index.js, '
      + 'multiplyElementB, addB and cloneNegative (backpropagationFn: () => { })',
  },
};

export async function create(variant, workload, data, weights) {
  const pkg = PACKAGES[variant];
  const brain = require(pkg);
  const version = require(`${pkg}/package.json`).version;
  const w = WORKLOADS[workload];
  const { p, r, o, T, B } = w.shape;
  const cell = w.cell ?? 'elman', layers = layersOf(workload);
  const Net = cell === 'lstm' ? brain.recurrent.LSTMTimeStep : cell === 'gru' ? brain.recurrent.GRUTimeStep : tanhRnnClass(brain);
  const net = new Net({ inputSize: p, hiddenLayers: Array(layers).fill(r), outputSize: o });
  net.initialize();
  // 1.6.1 picks its per-pattern trainer from the data's shape on the first train(); this is the one for arrays of vectors.
  const trainSequence = version.startsWith('1.') ? (seq) => net.trainArrays(seq) : (seq) => net.trainArrayOfArray(seq);
  if (version.startsWith('1.')) net.trainInput = net.trainArrays;
  const m = net.model;
  const layer = m.hiddenLayers[0];
  const formulation = cell === 'elman' ? undefined : FORMULATION[cell];
  if (cell === 'elman') {
    layer.weight.weights.set(weights.W_in);
    layer.transition.weights.set(weights.W_rec);
    layer.bias.weights.set(weights.b_rec);
  } else {
    // Gate block k of W_in_lℓ, W_rec_lℓ and b_rec_lℓ (rows [k·r, (k+1)·r)) → that gate's three matrices (GATE_MATRICES);
    // the GRU's b_hn is added to the candidate's bias (brain.js has one bias per gate; b_hn starts at 0).
    const own = ownWeights(formulation.id, weights);
    for (let l = 0; l < layers; l++) {
      const inSize = l === 0 ? p : r;
      GATE_MATRICES[cell].forEach(([input, hidden, bias], k) => {
        m.hiddenLayers[l][input].weights.set(own[`W_in_l${l}`].subarray(k * r * inSize, (k + 1) * r * inSize));
        m.hiddenLayers[l][hidden].weights.set(own[`W_rec_l${l}`].subarray(k * r * r, (k + 1) * r * r));
        m.hiddenLayers[l][bias].weights.set(own[`b_rec_l${l}`].subarray(k * r, (k + 1) * r));
      });
    }
  }
  m.outputConnector.weights.set(weights.W_out);
  m.output.weights.set(weights.b_out);
  while (m.equations.length <= T) net.bindEquation();

  // Each sequence as brain.js takes it: T + 1 vectors, step t predicting step t + 1.
  const sequences = [];
  for (let b = 0; b < B; b++) {
    const seq = [];
    for (let t = 0; t <= T; t++) seq.push(data.series.slice((b * (T + 1) + t) * p, (b * (T + 1) + t + 1) * p));
    sequences.push(seq);
  }
  const inputsOnly = sequences.map((seq) => seq.slice(0, T));

  /** L at the current weights, from brain.js's own forward pass: (1/B)·Σ_b Σ_t ½‖y_t − x_{t+1}‖². */
  const loss = () => {
    let total = 0;
    for (const seq of sequences) {
      for (let t = 0; t < T; t++) {
        const y = m.equations[t].runInput(seq[t]).weights, target = seq[t + 1];
        for (let j = 0; j < o; j++) total += 0.5 * (y[j] - target[j]) ** 2;
      }
    }
    return total / B;
  };
  const kind = w.kind;
  const className = { elman: 'RNNTimeStep', lstm: 'LSTMTimeStep', gru: 'GRUTimeStep' }[cell];
  /** Gradient deltas of brain.js's gate matrices, gathered into rnnkit's layout and names. */
  const gatedDeltas = () => {
    const out = {};
    for (let l = 0; l < layers; l++) {
      const inSize = l === 0 ? p : r, G = GATE_MATRICES[cell].length;
      const W = new Float64Array(G * r * inSize), U = new Float64Array(G * r * r), b = new Float64Array(G * r);
      GATE_MATRICES[cell].forEach(([input, hidden, bias], k) => {
        W.set(m.hiddenLayers[l][input].deltas, k * r * inSize);
        U.set(m.hiddenLayers[l][hidden].deltas, k * r * r);
        b.set(m.hiddenLayers[l][bias].deltas, k * r);
      });
      Object.assign(out, { [`W_in_l${l}`]: W, [`W_rec_l${l}`]: U, [`b_rec_l${l}`]: b });
    }
    return { ...out, W_out: Float64Array.from(m.outputConnector.deltas), b_out: Float64Array.from(m.output.deltas) };
  };
  return {
    label: `brain.js ${version} ${className}${formulation ? ` (${formulation.short}: not comparable)` : ''}`,
    detail: `brain.js ${version}: one sequence at a time, RMSProp`,
    formulation,
    setRate: (lr) => { net.trainOpts.learningRate = lr; },
    // trainPattern = forward + backward + RMSProp update for one sequence; train() adds only data formatting around it.
    step: kind === 'rnn-inference'
      ? () => { for (const seq of inputsOnly) net.run(seq); }
      : () => { for (const seq of sequences) net.trainPattern(seq, true); },
    loss,
    /** Gradient of sequence 0's loss, from brain.js's backward pass (before any update), by parameter name. */
    gradientOfFirstSequence() {
      trainSequence(sequences[0]);
      net.backpropagate();
      if (cell !== 'elman') return gatedDeltas();
      return {
        W_in: Float64Array.from(layer.weight.deltas), W_rec: Float64Array.from(layer.transition.deltas),
        W_out: Float64Array.from(m.outputConnector.deltas), b_rec: Float64Array.from(layer.bias.deltas), b_out: Float64Array.from(m.output.deltas),
      };
    },
    wasmBytes: () => undefined,
    dispose: () => {},
  };
}
