// brain.js RNNTimeStep as a peer, versions 1.6.1 and 2.0.0-beta.24 (installed
// side by side; the second under the alias "brain.js-2").
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
import { createRequire } from 'node:module';
import { WORKLOADS } from '../lib/workloads.mjs';

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

export async function create(variant, workload, data, weights) {
  const pkg = PACKAGES[variant];
  const brain = require(pkg);
  const version = require(`${pkg}/package.json`).version;
  const { p, r, o, T, B } = WORKLOADS[workload].shape;
  const Net = tanhRnnClass(brain);
  const net = new Net({ inputSize: p, hiddenLayers: [r], outputSize: o });
  net.initialize();
  // 1.6.1 picks its per-pattern trainer from the data's shape on the first train(); this is the one for arrays of vectors.
  const trainSequence = version.startsWith('1.') ? (seq) => net.trainArrays(seq) : (seq) => net.trainArrayOfArray(seq);
  if (version.startsWith('1.')) net.trainInput = net.trainArrays;
  const m = net.model;
  const layer = m.hiddenLayers[0];
  layer.weight.weights.set(weights.W_in);
  layer.transition.weights.set(weights.W_rec);
  layer.bias.weights.set(weights.b_rec);
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
  const kind = WORKLOADS[workload].kind;
  return {
    label: `brain.js ${version} RNNTimeStep`,
    detail: `brain.js ${version}: one sequence at a time, RMSProp`,
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
      return {
        W_in: Float64Array.from(layer.weight.deltas), W_rec: Float64Array.from(layer.transition.deltas),
        W_out: Float64Array.from(m.outputConnector.deltas), b_rec: Float64Array.from(layer.bias.deltas), b_out: Float64Array.from(m.output.deltas),
      };
    },
    wasmBytes: () => undefined,
    dispose: () => {},
  };
}
