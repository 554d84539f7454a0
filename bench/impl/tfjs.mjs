// TensorFlow.js 4.22 as a peer, on its wasm backend (XNNPACK, SIMD; Node gets
// one thread: tfjs turns wasm threads off under Node) and its cpu backend
// (plain JS). Two formulations of the same network, loss and SGD:
//   ops    — tf ops + tf.variableGrads + tf.train.sgd: the fastest
//            formulation we found on each backend (see rnnOps).
//   layers — tf.layers.simpleRNN + dense, compiled with SGD and trainOnBatch:
//            what users write.
// Both minimise exactly L = (1/B)·Σ_b Σ_t ½‖y_t − target_t‖² (a custom loss
// for layers: the built-in MSE averages over units and steps) with plain SGD.
//
// Gated cells (see gatedOps and gatedLayers):
//   ops    — PyTorch's LSTM and GRU written with tf ops: the same equations as
//            rnnkit, so the same loss after 3 SGD steps.
//   layers — tf.layers.lstm / tf.layers.gru + dense. The LSTM is PyTorch's
//            (with recurrentActivation 'sigmoid'; tfjs's default is
//            hardSigmoid). The GRU is not: tfjs 4.22 has only reset_after =
//            false (GRUCell throws "GRUCell does not support reset_after
//            parameter set to true", tfjs-layers/dist/layers/recurrent.js),
//            i.e. n = tanh(W_n·x + b_n + W_hn·(r⊙h)) where PyTorch has
//            r⊙(W_hn·h + b_hn). It is timed, marked not comparable, and
//            checked against those equations of its own in float64
//            (lib/formulations.mjs).
// (@tensorflow/tfjs-node would be faster still, but it downloads a native
// libtensorflow at install time, from outside the npm registry.)
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { WORKLOADS, GATES } from '../lib/workloads.mjs';

const require = createRequire(import.meta.url);

let tf, tfl, wasmModule;
/** Loads tfjs (the union package users install: core, layers, gradients, cpu backend) and switches to the backend; the wasm binaries come from the npm package itself. */
async function load(backend) {
  if (!tf) {
    tf = require('@tensorflow/tfjs');
    tfl = tf;
    wasmModule = require('@tensorflow/tfjs-backend-wasm');
    wasmModule.setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/'));
    // As tfjs's docs advise for speed: skip the debug-time correctness checks.
    tf.enableProdMode();
  }
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs: backend ${backend} failed to initialise`);
  await tf.ready();
}

/** Row-major gate blocks (each `rows`×`cols`) put in another order: blocks[k] of the result is blocks[order[k]] of `a`. */
function reorderBlocks(a, rows, cols, order) {
  const out = new Float32Array(a.length), size = rows * cols;
  order.forEach((from, k) => out.set(a.subarray(from * size, (from + 1) * size), k * size));
  return out;
}

/** Row-major r×c → c×r (tfjs layers keep kernels as [in, out]). */
function transpose(a, rows, cols) {
  const out = new Float32Array(a.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = a[i * cols + j];
  return out;
}

export async function create(variant, workload, data, weights) {
  const [backend, formulation] = variant.split('-');
  await load(backend);
  const w = WORKLOADS[workload];
  const made = w.kind === 'ffnn-train'
    ? (formulation === 'ops' ? ffnnOps(w, data, weights) : ffnnLayers(w, data, weights))
    : w.cell
      ? (formulation === 'ops' ? gatedOps(w, data, weights, backend) : gatedLayers(w, data, weights))
      : (formulation === 'ops' ? rnnOps(w, data, weights, backend) : rnnLayers(w, data, weights));
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = backend === 'wasm' ? `, ${simd ? 'SIMD' : 'no SIMD'}, ${wasmModule.getThreadsCount()} thread(s)` : '';
  const inference = w.kind === 'rnn-inference';
  const how = formulation === 'ops' ? (inference ? 'tf ops' : 'tf ops + variableGrads') : inference ? 'layers, predict' : 'layers + trainOnBatch';
  const differs = made.formulation ? ` (${made.formulation.short}: not comparable)` : '';
  return {
    label: `tfjs ${tf.version.tfjs} ${backend}, ${how}${differs}`,
    detail: `@tensorflow/tfjs ${tf.version.tfjs}, backend ${tf.getBackend()}${threads}`,
    ...made,
    wasmBytes: () => (backend === 'wasm' ? tf.backend().wasm.HEAPU8.buffer.byteLength : undefined),
    leakCheck: () => tf.memory().numTensors,
  };
}

/**
 * The RNN with tf ops, weights stored [in, out] as tfjs users keep them (no
 * transposes in the products), inputs and targets held as one [B, ·] tensor
 * per step (made once, before timing). Per backend, the faster of the two
 * formulations we measured:
 * - wasm: step by step, each step's input product, recurrence and output
 *   (batching the input or output products over all T steps needs tf.split or
 *   tf.unstack, whose slices cost more than they save on wasm: 1.0 s vs 1.4 s
 *   per L step);
 * - cpu: all T input projections in one product, then T recurrent steps,
 *   then all T outputs in one product (a few % faster there).
 */
function rnnOps(w, data, weights, backend) {
  const { p, r, o, T, B } = w.shape;
  const v = {
    W_in: tf.variable(tf.tensor2d(transpose(weights.W_in, r, p), [p, r])),
    W_rec: tf.variable(tf.tensor2d(transpose(weights.W_rec, r, r), [r, r])),
    W_out: tf.variable(tf.tensor2d(transpose(weights.W_out, o, r), [r, o])),
    b_rec: tf.variable(tf.tensor1d(weights.b_rec)),
    b_out: tf.variable(tf.tensor1d(weights.b_out)),
  };
  const varList = Object.values(v);
  // Time-major rows: rows t·B … t·B + B − 1 are step t.
  const X = tf.tensor2d(data.inputsTM, [T * B, p]);
  const Y = tf.tensor2d(data.targetsTM, [T * B, o]);
  const Xs = Array.from({ length: T }, (_, t) => tf.tensor2d(data.inputsTM.subarray(t * B * p, (t + 1) * B * p), [B, p]));
  const Ys = Array.from({ length: T }, (_, t) => tf.tensor2d(data.targetsTM.subarray(t * B * o, (t + 1) * B * o), [B, o]));

  // wasm: step by step, products through matMulTransposing (its transposed products are slow, see there).
  // Returns the loss, and the outputs y_t when asked (for the check).
  const mm = matMulTransposing();
  const stepwise = (keep) => {
    let h = null, loss = null;
    for (let t = 0; t < T; t++) {
      let a = tf.add(mm(Xs[t], v.W_in), v.b_rec);
      if (h) a = tf.add(a, mm(h, v.W_rec)); // φ_0 = 0: the first step has no recurrent term
      h = tf.tanh(a);
      const y = tf.add(mm(h, v.W_out), v.b_out);
      if (keep) keep.push(y);
      const l = tf.sum(tf.squaredDifference(y, Ys[t]));
      loss = loss ? tf.add(loss, l) : l;
    }
    return tf.mul(loss, 0.5 / B);
  };
  // cpu: the input and output products batched over all steps.
  const batchedOutputs = () => {
    const projected = tf.unstack(tf.reshape(tf.add(tf.matMul(X, v.W_in), v.b_rec), [T, B, r]));
    const states = [];
    let h = tf.tanh(projected[0]);
    states.push(h);
    for (let t = 1; t < T; t++) {
      h = tf.tanh(tf.add(projected[t], tf.matMul(h, v.W_rec)));
      states.push(h);
    }
    return tf.add(tf.matMul(tf.concat(states, 0), v.W_out), v.b_out); // [T·B, o]
  };
  const lossFn = backend === 'wasm' ? () => stepwise(null) : () => tf.mul(tf.sum(tf.squaredDifference(batchedOutputs(), Y)), 0.5 / B);
  const outputs = backend === 'wasm' ? () => { const ys = []; stepwise(ys); return tf.concat(ys, 0); } : batchedOutputs;
  const optimizer = tf.train.sgd(1e-5);
  return {
    setRate: (lr) => optimizer.setLearningRate(lr),
    step: w.kind === 'rnn-inference'
      ? () => { const l = tf.tidy(lossFn); l.dataSync(); l.dispose(); }
      : () => {
        tf.tidy(() => {
          const { grads } = tf.variableGrads(lossFn, varList);
          optimizer.applyGradients(grads);
        });
      },
    loss: () => accurateLoss(outputs, Y, B),
    dispose: () => { tf.dispose([...varList, X, Y, ...Xs, ...Ys]); optimizer.dispose(); },
  };
}

/**
 * The check's loss from the model's own outputs (its forward pass): per-row
 * sums in tfjs, their total in float64. (tfjs wasm's one-shot float32 sum
 * over all B·T·o terms is off by ~2e-4 at size L: rounding in the final
 * reduction, not a difference in what was trained.)
 */
function accurateLoss(outputs, Y, count) {
  const rows = tf.tidy(() => tf.sum(tf.squaredDifference(outputs(), Y), 1));
  const sums = rows.dataSync();
  rows.dispose();
  let total = 0;
  for (let i = 0; i < sums.length; i++) total += sums[i];
  return (0.5 * total) / count;
}

/** The per-sequence loss the layers model minimises: Σ_t ½‖y_t − target_t‖²; tfjs averages it over the batch. */
const halfSumOfSquares = (axes) => (yTrue, yPred) => tf.mul(tf.sum(tf.squaredDifference(yPred, yTrue), axes), 0.5);

/** The RNN as users write it with tfjs-layers: simpleRNN (tanh, all steps returned) + dense on every step. */
function rnnLayers(w, data, weights) {
  const { p, r, o, T, B } = w.shape;
  const model = tfl.sequential();
  // Its default orthogonal initializer throws in tfjs 4.22 ("rMat.flatten is not a function"); the weights are set below anyway.
  model.add(tfl.layers.simpleRNN({ units: r, activation: 'tanh', returnSequences: true, inputShape: [T, p], recurrentInitializer: 'glorotUniform' }));
  model.add(tfl.layers.dense({ units: o }));
  const optimizer = tf.train.sgd(1e-5);
  model.compile({ optimizer, loss: halfSumOfSquares([1, 2]) });
  // Keras layouts: kernels are [in, out], i.e. transposed.
  model.layers[0].setWeights([
    tf.tensor2d(transpose(weights.W_in, r, p), [p, r]), tf.tensor2d(transpose(weights.W_rec, r, r), [r, r]), tf.tensor1d(weights.b_rec),
  ]);
  model.layers[1].setWeights([tf.tensor2d(transpose(weights.W_out, o, r), [r, o]), tf.tensor1d(weights.b_out)]);
  const x = tf.tensor3d(data.inputs, [B, T, p]);
  const y = tf.tensor3d(data.targets, [B, T, o]);
  const yRows = tf.reshape(y, [B * T, o]);
  return {
    setRate: (lr) => optimizer.setLearningRate(lr),
    step: w.kind === 'rnn-inference'
      ? () => { tf.tidy(() => model.predict(x, { batchSize: B })).dispose(); }
      : async () => { await model.trainOnBatch(x, y); },
    loss: () => accurateLoss(() => tf.reshape(model.predict(x, { batchSize: B }), [B * T, o]), yRows, B),
    dispose: () => { tf.dispose([x, y, yRows]); model.dispose(); },
  };
}

/**
 * PyTorch's LSTM or GRU (rnnkit's equations, gate blocks i, f, g, o and
 * r, z, n) with tf ops, `w.layers` layers stacked, weights [in, out], one
 * product x·W_in and one h·W_rec per step and layer for all G gates, the
 * gates taken apart with tf.split. Layer by layer: each layer's input
 * products either step by step (wasm) or for all T steps in one product
 * (cpu), as for the Elman network (see rnnOps), and the outputs likewise.
 * On wasm the products go through matMulTransposing (below), which makes a
 * step 2–3× faster there.
 */
function gatedOps(w, data, weights, backend) {
  const { p, r, o, T, B } = w.shape;
  const G = GATES[w.cell], L = w.layers, lstm = w.cell === 'lstm';
  const batched = backend === 'cpu';
  const matMul = backend === 'wasm' ? matMulTransposing() : tf.matMul;
  const v = {};
  for (let l = 0; l < L; l++) {
    const inSize = l === 0 ? p : r;
    v[`W_in_l${l}`] = tf.variable(tf.tensor2d(transpose(weights[`W_in_l${l}`], G * r, inSize), [inSize, G * r]));
    v[`W_rec_l${l}`] = tf.variable(tf.tensor2d(transpose(weights[`W_rec_l${l}`], G * r, r), [r, G * r]));
    v[`b_rec_l${l}`] = tf.variable(tf.tensor1d(weights[`b_rec_l${l}`]));
    if (!lstm) v[`b_hn_l${l}`] = tf.variable(tf.tensor1d(weights[`b_hn_l${l}`]));
  }
  v.W_out = tf.variable(tf.tensor2d(transpose(weights.W_out, o, r), [r, o]));
  v.b_out = tf.variable(tf.tensor1d(weights.b_out));
  const varList = Object.values(v);
  const X = tf.tensor2d(data.inputsTM, [T * B, p]);
  const Y = tf.tensor2d(data.targetsTM, [T * B, o]);
  const Xs = Array.from({ length: T }, (_, t) => tf.tensor2d(data.inputsTM.subarray(t * B * p, (t + 1) * B * p), [B, p]));
  const Ys = Array.from({ length: T }, (_, t) => tf.tensor2d(data.targetsTM.subarray(t * B * o, (t + 1) * B * o), [B, o]));

  /** One layer over all steps: its inputs (T tensors [B, in], or one [T·B, in] when batched) → its h_t, T tensors [B, r]. */
  const layer = (l, inputs) => {
    const Win = v[`W_in_l${l}`], Wrec = v[`W_rec_l${l}`], b = v[`b_rec_l${l}`], bhn = v[`b_hn_l${l}`];
    const projected = batched ? tf.unstack(tf.reshape(tf.add(matMul(inputs, Win), b), [T, B, G * r])) : null;
    const hs = [];
    let h = null, c = null; // h_0 = c_0 = 0: the first step has no recurrent term
    for (let t = 0; t < T; t++) {
      const a = batched ? projected[t] : tf.add(matMul(inputs[t], Win), b);
      if (lstm) {
        const [zi, zf, zg, zo] = tf.split(h ? tf.add(a, matMul(h, Wrec)) : a, 4, 1);
        const ig = tf.mul(tf.sigmoid(zi), tf.tanh(zg));
        c = c ? tf.add(tf.mul(tf.sigmoid(zf), c), ig) : ig;
        h = tf.mul(tf.sigmoid(zo), tf.tanh(c));
      } else {
        const [ar, az, an] = tf.split(a, 3, 1);
        if (h) {
          const [ur, uz, un] = tf.split(matMul(h, Wrec), 3, 1);
          const rg = tf.sigmoid(tf.add(ar, ur)), zg = tf.sigmoid(tf.add(az, uz));
          const n = tf.tanh(tf.add(an, tf.mul(rg, tf.add(un, bhn))));
          h = tf.add(n, tf.mul(zg, tf.sub(h, n))); // (1 − z)·n + z·h
        } else {
          const rg = tf.sigmoid(ar), zg = tf.sigmoid(az);
          const n = tf.tanh(tf.add(an, tf.mul(rg, bhn)));
          h = tf.mul(tf.sub(1, zg), n);
        }
      }
      hs.push(h);
    }
    return hs;
  };
  /** The top layer's h_t, T tensors [B, r]. */
  const top = () => {
    let hs = layer(0, batched ? X : Xs);
    for (let l = 1; l < L; l++) hs = layer(l, batched ? tf.concat(hs, 0) : hs);
    return hs;
  };
  const outputs = () => {
    const hs = top();
    if (batched) return tf.add(matMul(tf.concat(hs, 0), v.W_out), v.b_out); // [T·B, o]
    return tf.concat(hs.map((h) => tf.add(matMul(h, v.W_out), v.b_out)), 0);
  };
  const lossFn = () => {
    if (batched) return tf.mul(tf.sum(tf.squaredDifference(outputs(), Y)), 0.5 / B);
    const hs = top();
    let loss = null;
    for (let t = 0; t < T; t++) {
      const l = tf.sum(tf.squaredDifference(tf.add(matMul(hs[t], v.W_out), v.b_out), Ys[t]));
      loss = loss ? tf.add(loss, l) : l;
    }
    return tf.mul(loss, 0.5 / B);
  };
  const optimizer = tf.train.sgd(1e-5);
  return {
    setRate: (lr) => optimizer.setLearningRate(lr),
    step: () => {
      tf.tidy(() => {
        const { grads } = tf.variableGrads(lossFn, varList);
        optimizer.applyGradients(grads);
      });
    },
    loss: () => accurateLoss(outputs, Y, B),
    dispose: () => { tf.dispose([...varList, X, Y, ...Xs, ...Ys]); optimizer.dispose(); },
  };
}

/**
 * a·b with a backward pass that transposes explicitly: tfjs-backend-wasm's
 * matMul with transposeA or transposeB (what tf.matMul's gradient uses:
 * dy·bᵀ and aᵀ·dy) runs several times slower than tf.transpose and a plain
 * product, at these shapes (e.g. [32,128]ᵀ·[32,512]: ~3 ms against ~1 ms).
 * The same products, the same values.
 */
function matMulTransposing() {
  return tf.customGrad((a, b, save) => {
    save([a, b]);
    return {
      value: tf.matMul(a, b),
      gradFunc: (dy, [sa, sb]) => [tf.matMul(dy, tf.transpose(sb)), tf.matMul(tf.transpose(sa), dy)],
    };
  });
}

/**
 * The gated network as users write it with tfjs-layers: tf.layers.lstm or
 * tf.layers.gru (all steps returned; `w.layers` of them stacked) + dense on
 * every step, trainOnBatch. Keras layouts: kernels [in, G·r], transposed
 * from rnnkit's, one bias of G·r.
 * - LSTM: gate order i, f, c, o = rnnkit's i, f, g, o; bias = b_rec;
 *   recurrentActivation 'sigmoid' (tfjs's default is 'hardSigmoid').
 * - GRU: gate order z, r, h (rnnkit's blocks 1, 0, 2); tfjs 4.22 computes
 *   the candidate with the reset gate before the product (resetAfter: true
 *   throws), so PyTorch's b_hn has no place of its own: it is added to the
 *   candidate's bias, exact while the two are one bias (as at the start:
 *   rnnkit starts b_hn at 0). Not PyTorch's GRU: marked not comparable.
 */
function gatedLayers(w, data, weights) {
  const { p, r, o, T, B } = w.shape;
  const G = GATES[w.cell], L = w.layers, lstm = w.cell === 'lstm';
  const model = tfl.sequential();
  for (let l = 0; l < L; l++) {
    const options = {
      units: r, activation: 'tanh', recurrentActivation: 'sigmoid', returnSequences: true,
      // As for simpleRNN: the default orthogonal initializer throws in tfjs 4.22; the weights are set below.
      recurrentInitializer: 'glorotUniform', ...(l === 0 ? { inputShape: [T, p] } : {}),
    };
    model.add(lstm ? tfl.layers.lstm(options) : tfl.layers.gru(options));
  }
  model.add(tfl.layers.dense({ units: o }));
  const optimizer = tf.train.sgd(1e-5);
  model.compile({ optimizer, loss: halfSumOfSquares([1, 2]) });
  // tfjs's gate blocks, as rnnkit's block indices.
  const order = lstm ? [0, 1, 2, 3] : [1, 0, 2];
  for (let l = 0; l < L; l++) {
    const inSize = l === 0 ? p : r;
    const bias = reorderBlocks(Float32Array.from(weights[`b_rec_l${l}`]), 1, r, order);
    if (!lstm) for (let j = 0; j < r; j++) bias[2 * r + j] += weights[`b_hn_l${l}`][j];
    model.layers[l].setWeights([
      tf.tensor2d(transpose(reorderBlocks(Float32Array.from(weights[`W_in_l${l}`]), r, inSize, order), G * r, inSize), [inSize, G * r]),
      tf.tensor2d(transpose(reorderBlocks(Float32Array.from(weights[`W_rec_l${l}`]), r, r, order), G * r, r), [r, G * r]),
      tf.tensor1d(bias),
    ]);
  }
  model.layers[L].setWeights([tf.tensor2d(transpose(weights.W_out, o, r), [r, o]), tf.tensor1d(weights.b_out)]);
  const x = tf.tensor3d(data.inputs, [B, T, p]);
  const y = tf.tensor3d(data.targets, [B, T, o]);
  const yRows = tf.reshape(y, [B * T, o]);
  return {
    setRate: (lr) => optimizer.setLearningRate(lr),
    step: async () => { await model.trainOnBatch(x, y); },
    loss: () => accurateLoss(() => tf.reshape(model.predict(x, { batchSize: B }), [B * T, o]), yRows, B),
    dispose: () => { tf.dispose([x, y, yRows]); model.dispose(); },
    ...(lstm ? {} : {
      formulation: {
        id: 'gru-reset-before',
        short: 'reset-before GRU',
        why: 'tf.layers.gru in tfjs 4.22 has only resetAfter: false (GRUCell throws for true; tfjs-layers/dist/layers/recurrent.js): '
          + 'its candidate is tanh(W_n·x + b_n + W_hn·(r⊙h)), PyTorch\'s and rnnkit\'s tanh(W_n·x + b_n + r⊙(W_hn·h + b_hn)). '
          + 'Same weights and products, a different function',
      },
    }),
  };
}

/** The feed-forward network with tf ops: one product per layer over the N rows, weights [in, out]. */
function ffnnOps(w, data, weights) {
  const { layers, N } = w.shape;
  const U = layers.length - 1;
  const W = [], b = [];
  for (let k = 1; k <= U; k++) {
    W.push(tf.variable(tf.tensor2d(transpose(weights[`W${k}`], layers[k], layers[k - 1]), [layers[k - 1], layers[k]])));
    b.push(tf.variable(tf.tensor1d(weights[`b${k}`])));
  }
  const X = tf.tensor2d(data.inputs, [N, layers[0]]);
  const Y = tf.tensor2d(data.targets, [N, layers[U]]);
  const outputs = () => {
    let h = X;
    for (let k = 0; k < U; k++) {
      const z = tf.add(tf.matMul(h, W[k]), b[k]);
      h = k < U - 1 ? tf.tanh(z) : z;
    }
    return h;
  };
  const lossFn = () => tf.mul(tf.sum(tf.squaredDifference(outputs(), Y)), 0.5 / N);
  const optimizer = tf.train.sgd(1e-5);
  const varList = [...W, ...b];
  return {
    setRate: (lr) => optimizer.setLearningRate(lr),
    step: () => { tf.tidy(() => optimizer.applyGradients(tf.variableGrads(lossFn, varList).grads)); },
    loss: () => accurateLoss(outputs, Y, N),
    dispose: () => { tf.dispose([...varList, X, Y]); optimizer.dispose(); },
  };
}

/** The feed-forward network with tfjs-layers: dense layers, tanh hidden, linear output. */
function ffnnLayers(w, data, weights) {
  const { layers, N } = w.shape;
  const U = layers.length - 1;
  const model = tfl.sequential();
  for (let k = 1; k <= U; k++) {
    model.add(tfl.layers.dense({ units: layers[k], activation: k < U ? 'tanh' : 'linear', ...(k === 1 ? { inputShape: [layers[0]] } : {}) }));
  }
  const optimizer = tf.train.sgd(1e-5);
  model.compile({ optimizer, loss: halfSumOfSquares([1]) });
  for (let k = 1; k <= U; k++) {
    model.layers[k - 1].setWeights([
      tf.tensor2d(transpose(weights[`W${k}`], layers[k], layers[k - 1]), [layers[k - 1], layers[k]]), tf.tensor1d(weights[`b${k}`]),
    ]);
  }
  const x = tf.tensor2d(data.inputs, [N, layers[0]]);
  const y = tf.tensor2d(data.targets, [N, layers[U]]);
  return {
    setRate: (lr) => optimizer.setLearningRate(lr),
    step: async () => { await model.trainOnBatch(x, y); },
    loss: () => accurateLoss(() => model.predict(x, { batchSize: N }), y, N),
    dispose: () => { tf.dispose([x, y]); model.dispose(); },
  };
}
