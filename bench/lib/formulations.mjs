// A float64 reference for the gated cells as the peers define them, when a
// peer's equations are not PyTorch's (which rnnkit follows). With it, a peer
// that computes something else is still checked: from the same weights and
// data, its loss must match its own equations evaluated here, so that a wrong
// weight mapping cannot hide behind "the equations differ". Plain loops over
// Float64Array, time-major; forward, full BPTT, plain SGD.
//
// Every formulation takes rnnkit's parameter layout (per layer ℓ W_in_lℓ
// G·r × input, W_rec_lℓ G·r × r, b_rec_lℓ, GRU b_hn_lℓ; then W_out, b_out;
// gate blocks LSTM i, f, g, o and GRU r, z, n), with h (and c) starting at 0:
//
//   lstm              PyTorch nn.LSTM (= rnnkit): c' = f⊙c + i⊙g, h' = o⊙tanh(c')
//   lstm-no-cell      brain.js LSTM: no cell state is carried; the "cell" of the
//                     previous step is h: c' = f⊙h + i⊙g, h' = o⊙tanh(c')
//   gru               PyTorch nn.GRU (= rnnkit): n = tanh(a_n + r⊙(W_hn·h + b_hn))
//   gru-reset-before  Keras reset_after=false (tfjs layers.gru) and brain.js GRU:
//                     n = tanh(a_n + W_hn·(r⊙h)); these have no b_hn: one bias
//                     per gate, in b_rec (see ownWeights)
//
// with a = W_in·x + b_rec; LSTM i, f, o = σ, g = tanh of a + W_rec·h; GRU
// r, z = σ(a + W_rec·h) in their blocks and h' = (1 − z)⊙n + z⊙h. The
// PyTorch forms are here so that this file can be checked against rnnkit:
// `node bench/lib/formulations.mjs` does that (loss and every gradient).
import { pathToFileURL } from 'node:url';

export const FORMULATIONS = {
  lstm: { gates: 4, what: 'PyTorch nn.LSTM' },
  'lstm-no-cell': { gates: 4, what: 'LSTM without a cell state (c\' = f⊙h + i⊙g: the forget gate scales the previous h)' },
  gru: { gates: 3, what: 'PyTorch nn.GRU' },
  'gru-reset-before': { gates: 3, what: 'GRU with the reset gate applied before the recurrent product (n = tanh(W_in·x + b + W_hn·(r⊙h)), Keras reset_after=false)' },
};

/**
 * rnnkit's starting weights as a peer with these equations holds them: the
 * reset-before GRU has one bias per gate, so b_hn is added to the candidate's
 * block of b_rec (exact as long as the two are one bias, as at the start) and
 * is not a parameter of its own (SGD then moves one bias, as the peer does).
 */
export function ownWeights(formulation, weights) {
  if (formulation !== 'gru-reset-before') return weights;
  const out = {};
  for (const [name, values] of Object.entries(weights)) {
    if (name.startsWith('b_hn_')) continue;
    out[name] = Float64Array.from(values);
    if (name.startsWith('b_rec_')) {
      const bhn = weights[name.replace('b_rec_', 'b_hn_')], r = bhn.length;
      for (let j = 0; j < r; j++) out[name][2 * r + j] += bhn[j];
    }
  }
  return out;
}

const sigmoid = (z) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** out[i][k] += Σ_j a[i][j]·w[k][j]  (a rows×inner, w cols×inner: x·Wᵀ). */
function addABt(out, a, w, rows, cols, inner) {
  for (let i = 0; i < rows; i++) {
    for (let k = 0; k < cols; k++) {
      let s = 0;
      for (let j = 0, ai = i * inner, wk = k * inner; j < inner; j++) s += a[ai + j] * w[wk + j];
      out[i * cols + k] += s;
    }
  }
}
/** out[i][j] += Σ_k d[i][k]·w[k][j]  (d rows×inner, w inner×cols: ∂ back through x·Wᵀ). */
function addAB(out, d, w, rows, cols, inner) {
  for (let i = 0; i < rows; i++) {
    for (let k = 0; k < inner; k++) {
      const s = d[i * inner + k];
      if (s === 0) continue;
      for (let j = 0, oi = i * cols, wk = k * cols; j < cols; j++) out[oi + j] += s * w[wk + j];
    }
  }
}
/** g[k][j] += Σ_i d[i][k]·x[i][j]  (the weight gradient of x·Wᵀ). */
function addAtB(g, d, x, rows, cols, inner) {
  for (let i = 0; i < rows; i++) {
    for (let k = 0; k < cols; k++) {
      const s = d[i * cols + k];
      if (s === 0) continue;
      for (let j = 0, gk = k * inner, xi = i * inner; j < inner; j++) g[gk + j] += s * x[xi + j];
    }
  }
}
/** g[k] += Σ_i d[i][k]. */
function addColumnSums(g, d, rows, cols) {
  for (let i = 0; i < rows; i++) for (let k = 0; k < cols; k++) g[k] += d[i * cols + k];
}

/**
 * The loss (1/B)·Σ_b Σ_t ½‖y_t − target_t‖² of a network of `layers` stacked
 * cells of one formulation, and with `gradient` its gradient by parameter name.
 * `inputs` [T][B][p] and `targets` [T][B][o] are time-major.
 */
export function evaluate(formulation, { p, r, o, T, B }, layers, params, inputs, targets, gradient = false) {
  const cell = formulation.startsWith('lstm') ? 'lstm' : 'gru';
  const G = FORMULATIONS[formulation].gates, Gr = G * r;
  const P = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, Float64Array.from(v)]));
  const grads = gradient ? Object.fromEntries(Object.entries(P).map(([k, v]) => [k, new Float64Array(v.length)])) : undefined;
  const zeros = new Float64Array(B * r);
  // Per layer and step: the input, the activated gates, h, c (LSTM) and what the GRU's backward needs.
  const store = [];
  let below = Array.from({ length: T }, (_, t) => inputs.subarray(t * B * p, (t + 1) * B * p));
  for (let l = 0; l < layers; l++) {
    const inSize = l === 0 ? p : r;
    const W = P[`W_in_l${l}`], U = P[`W_rec_l${l}`], b = P[`b_rec_l${l}`], bhn = P[`b_hn_l${l}`];
    const s = { x: below, gates: [], h: [], c: [], q: [], rh: [] };
    let hPrev = zeros, cPrev = zeros;
    for (let t = 0; t < T; t++) {
      const a = new Float64Array(B * Gr);
      for (let i = 0; i < B; i++) a.set(b, i * Gr);
      addABt(a, below[t], W, B, Gr, inSize);
      const h = new Float64Array(B * r), c = cell === 'lstm' ? new Float64Array(B * r) : undefined;
      if (cell === 'lstm') {
        addABt(a, hPrev, U, B, Gr, r);
        const m = formulation === 'lstm' ? cPrev : hPrev;
        for (let i = 0; i < B; i++) {
          for (let j = 0; j < r; j++) {
            const row = i * Gr;
            const ig = sigmoid(a[row + j]), fg = sigmoid(a[row + r + j]), gg = Math.tanh(a[row + 2 * r + j]), og = sigmoid(a[row + 3 * r + j]);
            a[row + j] = ig; a[row + r + j] = fg; a[row + 2 * r + j] = gg; a[row + 3 * r + j] = og;
            const cc = fg * m[i * r + j] + ig * gg;
            c[i * r + j] = cc;
            h[i * r + j] = og * Math.tanh(cc);
          }
        }
      } else {
        // r and z: a + W_rec·h in their blocks (rows 0 … 2r of W_rec).
        const rz = new Float64Array(B * 2 * r);
        addABt(rz, hPrev, U, B, 2 * r, r);
        const q = new Float64Array(B * r);
        const rh = formulation === 'gru' ? undefined : new Float64Array(B * r);
        for (let i = 0; i < B; i++) {
          for (let j = 0; j < 2 * r; j++) a[i * Gr + j] = sigmoid(a[i * Gr + j] + rz[i * 2 * r + j]);
        }
        const Whn = U.subarray(2 * r * r);
        if (formulation === 'gru') {
          // q = W_hn·h + b_hn, gated by r inside the tanh.
          for (let i = 0; i < B; i++) q.set(bhn, i * r);
          addABt(q, hPrev, Whn, B, r, r);
        } else {
          // q = W_hn·(r⊙h): the reset gate before the product (the bias is in a).
          for (let i = 0; i < B; i++) for (let j = 0; j < r; j++) rh[i * r + j] = a[i * Gr + j] * hPrev[i * r + j];
          addABt(q, rh, Whn, B, r, r);
        }
        for (let i = 0; i < B; i++) {
          for (let j = 0; j < r; j++) {
            const row = i * Gr, rg = a[row + j], zg = a[row + r + j];
            const n = formulation === 'gru'
              ? Math.tanh(a[row + 2 * r + j] + rg * q[i * r + j])
              : Math.tanh(a[row + 2 * r + j] + q[i * r + j]);
            a[row + 2 * r + j] = n;
            h[i * r + j] = (1 - zg) * n + zg * hPrev[i * r + j];
          }
        }
        s.q.push(q);
        s.rh.push(rh);
      }
      s.gates.push(a); s.h.push(h); s.c.push(c);
      hPrev = h; cPrev = c ?? zeros;
    }
    store.push(s);
    below = s.h;
  }

  // Output layer and loss; ∂L/∂h of the top layer.
  let loss = 0;
  const top = store[layers - 1];
  const dH = gradient ? Array.from({ length: T }, () => new Float64Array(B * r)) : undefined;
  for (let t = 0; t < T; t++) {
    const y = new Float64Array(B * o);
    for (let i = 0; i < B; i++) y.set(P.b_out, i * o);
    addABt(y, top.h[t], P.W_out, B, o, r);
    const target = targets.subarray(t * B * o, (t + 1) * B * o);
    for (let k = 0; k < B * o; k++) {
      const e = y[k] - target[k];
      loss += 0.5 * e * e;
      y[k] = e / B;
    }
    if (gradient) {
      addAtB(grads.W_out, y, top.h[t], B, o, r);
      addColumnSums(grads.b_out, y, B, o);
      addAB(dH[t], y, P.W_out, B, r, o);
    }
  }
  loss /= B;
  if (!gradient) return { loss };

  // BPTT, top layer first; each layer hands ∂L/∂(its input) to the one below.
  let dTop = dH;
  for (let l = layers - 1; l >= 0; l--) {
    const inSize = l === 0 ? p : r;
    const s = store[l];
    const W = P[`W_in_l${l}`], U = P[`W_rec_l${l}`];
    const gW = grads[`W_in_l${l}`], gU = grads[`W_rec_l${l}`], gb = grads[`b_rec_l${l}`], gbhn = grads[`b_hn_l${l}`];
    const dBelow = l > 0 ? Array.from({ length: T }, () => new Float64Array(B * inSize)) : undefined;
    let dhNext = new Float64Array(B * r), dcNext = new Float64Array(B * r);
    for (let t = T - 1; t >= 0; t--) {
      const hPrev = t > 0 ? s.h[t - 1] : zeros;
      const dh = dTop[t];
      for (let k = 0; k < B * r; k++) dh[k] += dhNext[k];
      const a = s.gates[t];
      const dA = new Float64Array(B * Gr); // ∂L/∂(W_in·x + b_rec), by gate block
      const dPrev = new Float64Array(B * r); // ∂L/∂h_{t−1}
      const dc = new Float64Array(B * r); // LSTM: ∂L/∂c_{t−1}
      if (cell === 'lstm') {
        const cPrev = t > 0 ? s.c[t - 1] : zeros;
        const m = formulation === 'lstm' ? cPrev : hPrev;
        for (let i = 0; i < B; i++) {
          for (let j = 0; j < r; j++) {
            const row = i * Gr, k = i * r + j;
            const ig = a[row + j], fg = a[row + r + j], gg = a[row + 2 * r + j], og = a[row + 3 * r + j];
            const tc = Math.tanh(s.c[t][k]);
            const dcc = dh[k] * og * (1 - tc * tc) + (formulation === 'lstm' ? dcNext[k] : 0);
            dA[row + j] = dcc * gg * ig * (1 - ig);
            dA[row + r + j] = dcc * m[k] * fg * (1 - fg);
            dA[row + 2 * r + j] = dcc * ig * (1 - gg * gg);
            dA[row + 3 * r + j] = dh[k] * tc * og * (1 - og);
            if (formulation === 'lstm') dc[k] = dcc * fg;
            else dPrev[k] += dcc * fg; // the "cell" carried is h itself
          }
        }
        // The recurrent product saw all four blocks.
        addAtB(gU, dA, hPrev, B, Gr, r);
        addAB(dPrev, dA, U, B, r, Gr);
      } else {
        const q = s.q[t];
        const dq = new Float64Array(B * r); // ∂L/∂q
        for (let i = 0; i < B; i++) {
          for (let j = 0; j < r; j++) {
            const row = i * Gr, k = i * r + j;
            const rg = a[row + j], zg = a[row + r + j], n = a[row + 2 * r + j];
            const dn = dh[k] * (1 - zg) * (1 - n * n);
            dPrev[k] += dh[k] * zg;
            dA[row + r + j] = dh[k] * (hPrev[k] - n) * zg * (1 - zg);
            dA[row + 2 * r + j] = dn;
            if (formulation === 'gru') {
              dA[row + j] = dn * q[k] * rg * (1 - rg);
              dq[k] = dn * rg;
            } else {
              dq[k] = dn;
            }
          }
        }
        const Whn = U.subarray(2 * r * r), gWhn = gU.subarray(2 * r * r);
        if (formulation === 'gru') {
          addColumnSums(gbhn, dq, B, r);
          addAtB(gWhn, dq, hPrev, B, r, r);
          addAB(dPrev, dq, Whn, B, r, r);
        } else {
          addAtB(gWhn, dq, s.rh[t], B, r, r);
          const drh = new Float64Array(B * r);
          addAB(drh, dq, Whn, B, r, r);
          for (let i = 0; i < B; i++) {
            for (let j = 0; j < r; j++) {
              const rg = a[i * Gr + j], k = i * r + j;
              dA[i * Gr + j] = drh[k] * hPrev[k] * rg * (1 - rg);
              dPrev[k] += drh[k] * rg;
            }
          }
        }
        // r and z: the rows 0 … 2r of W_rec.
        const drz = new Float64Array(B * 2 * r);
        for (let i = 0; i < B; i++) drz.set(dA.subarray(i * Gr, i * Gr + 2 * r), i * 2 * r);
        addAtB(gU, drz, hPrev, B, 2 * r, r);
        addAB(dPrev, drz, U, B, r, 2 * r);
      }
      addAtB(gW, dA, s.x[t], B, Gr, inSize);
      addColumnSums(gb, dA, B, Gr);
      if (dBelow) addAB(dBelow[t], dA, W, B, inSize, Gr);
      dhNext = dPrev;
      dcNext = dc;
    }
    dTop = dBelow;
  }
  return { loss, gradients: grads };
}

/**
 * What a plain-SGD peer with these equations should report: the loss at the
 * starting weights and after `steps` full-batch SGD steps at `rate` (the
 * agreement check's protocol), in float64.
 */
export function sgdLosses(formulation, shape, layers, weights, data, rate, steps = 3) {
  let params = Object.fromEntries(Object.entries(ownWeights(formulation, weights)).map(([k, v]) => [k, Float64Array.from(v)]));
  const lossBefore = evaluate(formulation, shape, layers, params, data.inputsTM, data.targetsTM).loss;
  for (let s = 0; s < steps; s++) {
    const { gradients } = evaluate(formulation, shape, layers, params, data.inputsTM, data.targetsTM, true);
    params = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v.map((x, i) => x - rate * gradients[k][i])]));
  }
  const lossAfter = evaluate(formulation, shape, layers, params, data.inputsTM, data.targetsTM).loss;
  return { lossBefore, lossAfter3: lossAfter };
}

/** The loss at the starting weights (rnnkit's, as the peer holds them). */
export function lossAt(formulation, shape, layers, weights, data) {
  return evaluate(formulation, shape, layers, ownWeights(formulation, weights), data.inputsTM, data.targetsTM).loss;
}

/** The loss and gradient of sequence b alone (B = 1), for a peer that trains one sequence at a time. */
export function oneSequence(formulation, shape, layers, weights, data, b = 0) {
  const { p, o, T } = shape;
  const one = { ...shape, B: 1 };
  return evaluate(formulation, one, layers, ownWeights(formulation, weights),
    data.inputs.subarray(b * T * p, (b + 1) * T * p), data.targets.subarray(b * T * o, (b + 1) * T * o), true);
}

// `node bench/lib/formulations.mjs`: the PyTorch forms here against rnnkit's float64 (loss and gradients), and the
// other forms' gradients against central differences, on small networks of both cells, 1 and 2 layers.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { RecurrentNetwork, createSequenceBatch } = await import('../../dist/index.js');
  const { sequenceData } = await import('./data.mjs');
  const shape = { p: 3, r: 5, o: 3, T: 6, B: 2 };
  const data = sequenceData(shape);
  let fails = 0;
  for (const formulation of Object.keys(FORMULATIONS)) {
    for (const layers of [1, 2]) {
      const cell = formulation.startsWith('lstm') ? 'lstm' : 'gru';
      const net = new RecurrentNetwork({ cell, inputSize: shape.p, hiddenSize: shape.r, numLayers: layers, outputSize: shape.o, seed: 3, backend: 'js', dtype: 'float64' });
      // Non-zero biases, so that every bias (b_hn too) is exercised.
      for (const name of net.parameterNames) if (name.startsWith('b_')) net.setParameter(name, net.getParameter(name).map((_, i) => 0.1 * Math.sin(i + 1)));
      const params = ownWeights(formulation, net.parameters());
      const mine = evaluate(formulation, shape, layers, params, data.inputsTM, data.targetsTM, true);
      let line = `${formulation.padEnd(16)} ${layers} layer(s): `;
      if (formulation === cell) {
        const batch = createSequenceBatch({ size: shape.B, steps: shape.T, inputSize: shape.p, targetSize: shape.o, inputs: Float64Array.from(data.inputs), targets: Float64Array.from(data.targets) });
        const theirs = net.computeGradients(batch);
        let g = 0;
        for (const name of Object.keys(theirs.gradients)) {
          for (let i = 0; i < theirs.gradients[name].length; i++) g = Math.max(g, Math.abs(theirs.gradients[name][i] - mine.gradients[name][i]));
        }
        const l = Math.abs(theirs.loss - mine.loss) / theirs.loss;
        if (l > 1e-12 || g > 1e-12) fails++;
        line += `vs rnnkit float64: loss ${l.toExponential(1)}, gradients max |Δ| ${g.toExponential(1)}`;
      } else {
        let g = 0, scale = 0;
        for (const name of Object.keys(params)) {
          for (let i = 0; i < params[name].length; i++) {
            const plus = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, Float64Array.from(v)]));
            const minus = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, Float64Array.from(v)]));
            plus[name][i] += 1e-6; minus[name][i] -= 1e-6;
            const fd = (evaluate(formulation, shape, layers, plus, data.inputsTM, data.targetsTM).loss
              - evaluate(formulation, shape, layers, minus, data.inputsTM, data.targetsTM).loss) / 2e-6;
            g = Math.max(g, Math.abs(fd - mine.gradients[name][i]));
            scale = Math.max(scale, Math.abs(mine.gradients[name][i]));
          }
        }
        if (g > 1e-6 * scale) fails++;
        line += `gradients vs central differences: max |Δ| ${g.toExponential(1)} (max |g| ${scale.toFixed(2)})`;
      }
      console.log(line);
      net.dispose();
    }
  }
  if (fails) { console.log('formulations.mjs: DISAGREES'); process.exit(1); }
  console.log('formulations.mjs: agrees');
}
