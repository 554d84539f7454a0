// The standard workloads of docs/benchmarks.md: sizes, what one step does,
// nominal FLOPs. (The data and starting weights are in data.mjs.)
//
// An Elman RNN, tanh hidden, identity output, MSE:
//   a_t = W_rec·φ_{t−1} + W_in·x_t + b_rec,  φ_t = tanh(a_t),  y_t = W_out·φ_t + b_out,  φ_0 = 0
//   L = (1/B)·Σ_b Σ_t ½‖y_t − target_t‖²   (many-to-many, no mask)
// One training step = forward over the whole sequence + full BPTT + one plain SGD update.
//
// The gated workloads replace the Elman cell by PyTorch's nn.LSTM / nn.GRU
// (rnnkit's RecurrentNetwork, same equations and gate order), same sizes,
// data, output layer and loss; one size (M) also with 2 stacked LSTM layers.

/** Sizes of docs/benchmarks.md (S, M, L) and a tiny one, where exact RTRL is practical. p = o everywhere (see sequenceData). */
export const SIZES = {
  tiny: { p: 4, r: 16, o: 4, T: 32, B: 16 },
  S: { p: 16, r: 64, o: 16, T: 32, B: 16 },
  M: { p: 64, r: 128, o: 64, T: 64, B: 32 },
  L: { p: 128, r: 256, o: 128, T: 128, B: 32 },
};

/** Nominal FLOPs (docs/benchmarks.md): per (sequence, step), a multiply-add counts 2 and each of the three products runs forward, back to the weights and back to the inputs. */
const perStep = ({ p, r, o }) => r * p + r * r + o * r;
const trainFlops = (s) => 6 * s.B * s.T * perStep(s);
const inferenceFlops = (s) => 2 * s.B * s.T * perStep(s);
/**
 * Gated cells (docs/benchmarks.md): G gate blocks of r rows (G = 4 for LSTM, 3 for GRU);
 * each layer above the first reads the r-wide h below, adding G·r² + G·r² per step.
 */
export const GATES = { elman: 1, lstm: 4, gru: 3 };
const gatedPerStep = ({ p, r, o }, G, layers) => G * r * p + G * r * r + o * r + (layers - 1) * 2 * G * r * r;
const gatedTrainFlops = (s, G, layers) => 6 * s.B * s.T * gatedPerStep(s, G, layers);
/**
 * Exact RTRL, the dominant term: the product W_rec·P_(t−1), 2·B·T·G·r²·n with
 * n = G·r·(p + r + 1) (+ r for the GRU's b_hn) sensitivity columns per hidden
 * unit (docs/theory.md (T27), (T49), (T51)); G = 1 for Elman: n = r·p + r² + r.
 */
const rtrlFlops = (s, cell = 'elman') => {
  const G = GATES[cell], n = G * s.r * (s.p + s.r + 1) + (cell === 'gru' ? s.r : 0);
  return 2 * s.B * s.T * G * s.r * s.r * n;
};

/** The feed-forward workload: an MNIST-shaped MLP, tanh hidden layers, identity output, MSE, a batch of N rows. */
export const FFNN = { layers: [784, 256, 256, 10], N: 256 };
const ffnnFlops = ({ layers, N }) => 6 * N * layers.slice(1).reduce((sum, out, k) => sum + out * layers[k], 0);

/** Truncated BPTT on a long sequence at size M: one step = one pass over T = 1024 steps, an SGD update after every chunk of k = 32. */
export const TBPTT = { ...SIZES.M, T: 1024, k: 32 };

/**
 * The online algorithms timed by the 'online' mode, by name: `make` takes
 * rnnkit's module (dist/index.js) and returns the OnlineLearner's
 * `algorithm`; `traceFlops(shape, G, n)` is the algorithm's own work per
 * stream and step (nominal, docs/benchmarks.md), n the recurrent parameters
 * G·r·(p + r + 1); `kernels` (optional) matches the names of its wasm kernels,
 * for bench/online-profile.mjs. Each entry gets an "S online NAME", "M LSTM online NAME", …
 * workload. SnAp-1 (src/kernels/js/snap.ts): per parameter and stream, the
 * trace J ← γ·J + κ·s (3 FLOPs; the LSTM's pair J^c, J^h 10) and the gradient
 * grad += e·J (2). `stateFloats(G, n)`: the numbers per stream that a step
 * must read and write whatever the kernel (SnAp-1's traces, two for the LSTM;
 * UORO's θ̃), for bench/online-profile.mjs's floor.
 */
export const ONLINE_ALGORITHMS = {
  'SnAp-1': { make: (rnnkit) => rnnkit.snap({ n: 1 }), traceFlops: (s, G, n) => (G === 4 ? 12 : 5) * n, stateFloats: (G, n) => (G === 4 ? 2 : 1) * n, kernels: /^snap/ },
  UORO: { make: (rnnkit) => rnnkit.uoro({ seed: 1 }), traceFlops: (s, G, n) => 2 * G * s.r * s.r + 8 * n, stateFloats: (G, n) => n, kernels: /uoro/i },
};

/** Recurrent parameters of one layer (no learned h0): G·r·(p + r + 1). */
const recurrentParameters = ({ p, r }, G) => G * r * (p + r + 1);
/** One forward step of B streams: 2·B·(G·r·p + G·r² + o·r). */
const forwardStepFlops = (s, G) => 2 * s.B * (G * s.r * s.p + G * s.r * s.r + s.o * s.r);
/**
 * One learn() call on B streams: the forward step, the output layer's
 * gradient and ∂L/∂h (4·B·o·r), the algorithm's work on every stream, and the
 * SGD update of every parameter (2 FLOPs each; the weights are updated every step).
 */
const onlineStepFlops = (s, G, algorithm) => {
  const n = recurrentParameters(s, G), all = n + s.o * s.r + s.o;
  return forwardStepFlops(s, G) + 4 * s.B * s.o * s.r + s.B * ONLINE_ALGORITHMS[algorithm].traceFlops(s, G, n) + 2 * all;
};

/**
 * The 'online' mode: for each size and cell, a forward step ("S forward
 * step": one RnnStepper.step on B streams, the denominator of the online
 * ratios), then one online step per algorithm ("S online SnAp-1": one
 * OnlineLearner.learn() on B streams, SGD every step). One timed sample is T
 * calls (the size's T, one per time step of the data), reported per call.
 */
function onlineWorkloads(sizes, cells) {
  const out = {};
  for (const size of sizes) {
    for (const cell of cells) {
      const shape = SIZES[size], G = GATES[cell], prefix = `${size}${cell === 'elman' ? '' : ` ${cell.toUpperCase()}`}`;
      const common = { size, shape, ...(cell === 'elman' ? {} : { cell, layers: 1 }) };
      out[`${prefix} forward step`] = { kind: 'online-forward', ...common, flops: forwardStepFlops(shape, G) };
      for (const algorithm of Object.keys(ONLINE_ALGORITHMS)) {
        out[`${prefix} online ${algorithm}`] = {
          kind: 'online-step', ...common, algorithm, forward: `${prefix} forward step`, train: `${prefix} train`,
          flops: onlineStepFlops(shape, G, algorithm), traceFlops: shape.B * ONLINE_ALGORITHMS[algorithm].traceFlops(shape, G, recurrentParameters(shape, G)),
          forwardFlops: forwardStepFlops(shape, G), checkRate: size === 'S' ? 2e-3 : 5e-4,
        };
      }
    }
  }
  return out;
}

/**
 * Every workload: `kind` says what one timed step does, `flops` its nominal
 * FLOPs, `checkRate` the SGD learning rate of the 3-step agreement check
 * (large enough that 3 steps move the loss measurably).
 */
export const WORKLOADS = {
  'S train': { kind: 'rnn-train', size: 'S', shape: SIZES.S, flops: trainFlops(SIZES.S), checkRate: 2e-3 },
  'M train': { kind: 'rnn-train', size: 'M', shape: SIZES.M, flops: trainFlops(SIZES.M), checkRate: 5e-4 },
  'L train': { kind: 'rnn-train', size: 'L', shape: SIZES.L, flops: trainFlops(SIZES.L), checkRate: 2e-4 },
  'S inference': { kind: 'rnn-inference', size: 'S', shape: SIZES.S, flops: inferenceFlops(SIZES.S) },
  'M inference': { kind: 'rnn-inference', size: 'M', shape: SIZES.M, flops: inferenceFlops(SIZES.M) },
  'L inference': { kind: 'rnn-inference', size: 'L', shape: SIZES.L, flops: inferenceFlops(SIZES.L) },
  'S LSTM train': gated('S', 'lstm', 1, 2e-3),
  'M LSTM train': gated('M', 'lstm', 1, 5e-4),
  'L LSTM train': gated('L', 'lstm', 1, 2e-4),
  'M 2-layer LSTM train': gated('M', 'lstm', 2, 5e-4),
  'S GRU train': gated('S', 'gru', 1, 2e-3),
  'M GRU train': gated('M', 'gru', 1, 5e-4),
  'L GRU train': gated('L', 'gru', 1, 2e-4),
  'tiny RTRL train': { kind: 'rtrl-train', size: 'tiny', shape: SIZES.tiny, flops: rtrlFlops(SIZES.tiny), checkRate: 2e-3 },
  'S RTRL train': { kind: 'rtrl-train', size: 'S', shape: SIZES.S, flops: rtrlFlops(SIZES.S), checkRate: 2e-3 },
  'tiny LSTM RTRL train': gatedRtrl('tiny', 'lstm'),
  'tiny GRU RTRL train': gatedRtrl('tiny', 'gru'),
  // 348 GFLOP a step and 509 MiB of sensitivities (16× Elman's S RTRL): run only when named in --workloads.
  'S LSTM RTRL train': { ...gatedRtrl('S', 'lstm'), onlyWhenNamed: true },
  'M TBPTT train': { kind: 'tbptt-train', size: 'M', shape: TBPTT, flops: trainFlops(TBPTT), checkRate: 1e-4 },
  'FFNN train': { kind: 'ffnn-train', size: 'FFNN', shape: FFNN, flops: ffnnFlops(FFNN), checkRate: 1e-3 },
  ...onlineWorkloads(['S', 'M'], ['elman', 'lstm']),
};

/** What --quick runs: a smoke test of every kind of step, seconds in all. */
export const QUICK = ['S train', 'S LSTM train', 'S GRU train', 'S inference', 'tiny RTRL train', 'S forward step', 'S online SnAp-1'];

/** A gated training workload: `cell` and `layers` say which network; everything else is the Elman workload's of that size. */
function gated(size, cell, layers, checkRate) {
  const shape = SIZES[size];
  return { kind: 'rnn-train', size, cell, layers, shape, flops: gatedTrainFlops(shape, GATES[cell], layers), checkRate };
}

/** Exact RTRL on one gated layer (docs/theory.md (T48)–(T53)): the gated workload's network, RTRL's step. */
function gatedRtrl(size, cell) {
  const shape = SIZES[size];
  return { kind: 'rtrl-train', size, cell, layers: 1, shape, flops: rtrlFlops(shape, cell), checkRate: 2e-3 };
}

/** The cell of a recurrent workload ('elman' unless it says otherwise); undefined for the FFNN. */
export const cellOf = (name) => (WORKLOADS[name].kind === 'ffnn-train' ? undefined : WORKLOADS[name].cell ?? 'elman');
/** Stacked recurrent layers of a workload (1 unless it says otherwise). */
export const layersOf = (name) => WORKLOADS[name].layers ?? 1;

/** What one step of each kind of workload does, for the tables. */
const ABOUT = {
  'rnn-train': 'One step: forward over the whole sequence, full BPTT, one plain SGD update.',
  'rnn-inference': 'One step: forward over the whole sequence and the loss; no gradient.',
  'rtrl-train': 'One step: the exact gradient by RTRL (sensitivities carried forward), one SGD update. GFLOP/s counts the dominant term 2·B·T·G·r²·n (G gate blocks: Elman 1, GRU 3, LSTM 4). No peer implements RTRL.',
  'tbptt-train': 'One step: one pass over the long sequences by truncated BPTT(k, k), an SGD update after every chunk (train() with algorithm tbptt). No peer has truncated BPTT built in.',
  'ffnn-train': 'One step: forward, backprop and one SGD update on N rows; MSE on a linear output. brain.js has no comparable network (its output layer is always squashed).',
  'online-forward': 'One step: one time step of B streams forward (RnnStepper.step), the denominator of the online ratios; timed as T steps per sample, reported per step. rnnkit only (it is there for the ratios).',
  'online-step': 'One step: one OnlineLearner.learn() on B streams (forward, the output layer\'s gradient, the online algorithm\'s traces and gradient, one SGD update); timed as T steps per sample, reported per step. GFLOP/s counts the forward step, 4·B·o·r for the output layer, the algorithm\'s trace work and 2 FLOPs per parameter for SGD. No peer implements it: TensorFlow.js and brain.js have no online learning, PyTorch has no SnAp or UORO.',
};
export const about = (name) => {
  const w = WORKLOADS[name];
  if (!w.cell) return ABOUT[w.kind];
  const cell = w.cell === 'lstm'
    ? 'LSTM cell with PyTorch nn.LSTM\'s equations (gates i, f, g, o; c and h start at 0)'
    : 'GRU cell with PyTorch nn.GRU\'s equations (gates r, z, n; the reset gate applied after W_hn·h + b_hn)';
  return `${ABOUT[w.kind]} The ${cell}${w.layers > 1 ? `, ${w.layers} layers stacked` : ''}; the output layer and loss of the Elman workloads.`;
};

/** What each workload is, in words, for the tables. */
export function describe(name) {
  const w = WORKLOADS[name];
  const s = w.shape;
  if (w.kind === 'ffnn-train') return `FFNN train (${s.layers.join('-')}, tanh, N ${s.N})`;
  const gatedShape = w.cell ? `${w.cell === 'lstm' ? 'LSTM' : 'GRU'}${w.layers > 1 ? `, ${w.layers} layers` : ''}, ` : '';
  const shape = `${gatedShape}p${s.p} r${s.r} o${s.o} T${s.T} B${s.B}`;
  if (w.kind === 'tbptt-train') return `${name} (${shape}, k ${s.k}: ${s.T / s.k} updates per step)`;
  if (w.kind === 'online-forward' || w.kind === 'online-step') return `${name} (${gatedShape}p${s.p} r${s.r} o${s.o} B${s.B}: ${w.kind === 'online-step' ? 'one learn()' : 'one RnnStepper step'})`;
  return `${name} (${shape})`;
}

/** The SGD learning rate while timing: small, so that hundreds of steps stay finite (the cost of a step does not depend on it). */
export const TIMING_RATE = 1e-5;
