import { afterAll, describe, expect, it } from 'vitest';
import { createSequenceBatch, type SequenceBatch } from '../src/data/sequence-batch.js';
import type { Mem } from '../src/kernels/js/types.js';
import { RecurrentNetwork, type RecurrentNetworkConfig } from '../src/model/recurrent/network.js';
import { computeGradients } from '../src/train/gradient-algorithm.js';
import { rtrl } from '../src/train/rtrl.js';
import { snap, snapBytes } from '../src/train/snap.js';
import { uoro } from '../src/train/uoro.js';
import { createThreadPool } from '../src/threads/pool.js';
import { relativeDifference } from './helpers/chunks.js';
import { randomBatch } from './helpers/random-data.js';
import { awayFromZero, withoutTime } from './helpers/online-models.js';

/*
 * SnAp-1 and UORO on stacked networks and with an embedding (docs/theory.md
 * (T66)–(T69)): each layer runs the single-layer algorithm on its own
 * parameters, its input (the layer below's output, after dropout) taken as
 * external, with the error from above at the same step only. What that drops
 * is every path by which a layer's parameters reach the loss through a later
 * step of a layer above. So:
 *  - with no path through time (every W_rec = 0, and the gated cells' own
 *    carries closed: an LSTM's forget gate and a GRU's update gate held at
 *    exactly 0 by a bias of −1000, since W_rec = 0 alone leaves c_t = f·c_(t−1) + …
 *    and h_t = … + z·h_(t−1)), per-layer SnAp-1 and UORO's expectation equal
 *    full BPTT, for 2 and 3 layers, learned states, dropout and an embedding;
 *  - for T = 1 they equal BPTT with any W_rec;
 *  - a 2-layer Elman network with a dense W_rec matches the approximation
 *    written out here in plain float64 (definition level), and differs from BPTT.
 */
const CELLS = ['elman', 'lstm', 'gru'] as const;
type Cell = (typeof CELLS)[number];
type Grads = Record<string, Float64Array | Float32Array>;

interface Options { layers: number; embedding?: boolean; r?: number; p?: number; o?: number; dropout?: number; learned?: boolean; backend?: 'js' }

function stacked(cell: Cell, { layers, embedding = false, r = 13, p = 7, o = 5, dropout = 0, learned = true }: Options) {
  const m = new RecurrentNetwork({
    cell, numLayers: layers, hiddenSize: r, outputSize: o, dtype: 'float64', backend: 'js', seed: 4, init: { recurrentGain: 0.9 }, dropout,
    initialState: learned ? 'learned' : 'zeros', ...(embedding ? { inputSize: 1, vocabularySize: 9, embeddingSize: p } : { inputSize: p }),
  } as RecurrentNetworkConfig);
  return awayFromZero(m);
}

/** B sequences of token ids (or vectors), ragged, vector targets, one masked step. */
function batchFor(m: RecurrentNetwork, size: number, steps: number, seed: number, extra: { initialStateSize?: number; ragged?: boolean } = {}): SequenceBatch {
  const o = m.outputSize, V = m.structure.vocabularySize;
  const base = randomBatch({ size, steps, inputSize: V > 0 ? 1 : m.inputSize, outputSize: o, targets: 'vector', ragged: extra.ragged ?? true, seed, initialStateSize: extra.initialStateSize });
  const batch = V > 0
    ? createSequenceBatch({ size, steps, inputSize: 1, inputs: Float64Array.from(base.inputs, (_, i) => (i * 5 + seed) % V), lengths: base.lengths, targets: base.targets!, targetSize: o, ...(base.initialState ? { initialState: base.initialState, stateSize: extra.initialStateSize } : {}) })
    : base;
  if (size > 1 && steps > 2) (batch.mask as Float32Array)[2] = 0;
  return batch;
}

/** max |a − b| over every parameter, relative to the largest |b|. */
function globalDifference(a: Grads, b: Grads): number {
  let diff = 0, norm = 0;
  for (const name of Object.keys(b)) b[name]!.forEach((v, i) => { diff = Math.max(diff, Math.abs(a[name]![i]! - v)); norm = Math.max(norm, Math.abs(v)); });
  return diff / norm;
}

const nonzero = (g: Grads, name: string) => Math.max(...Array.from(g[name]!, Math.abs));

describe('per-layer SnAp-1 equals full BPTT when no path goes through time (float64, r=13 p=7 o=5 and r=1, ≤ 1e-9)', () => {
  for (const cell of CELLS) {
    for (const layers of [2, 3]) {
      it(`${cell}, ${layers} layers: learned states, dropout 0.3, ragged, a mask; on vectors and through an embedding; and r = 1`, () => {
        for (const options of [{ layers, dropout: 0.3 }, { layers, embedding: true }, { layers, r: 1 }] as Options[]) {
          const model = withoutTime(stacked(cell, options), cell), batch = batchFor(model, 3, 6, 5);
          const bptt = computeGradients(model, batch), approx = computeGradients(model, batch, { algorithm: snap() });
          expect(approx.loss).toBe(bptt.loss);
          const difference = relativeDifference(approx.gradients, bptt.gradients);
          console.log(`no path through time, SnAp-1 vs BPTT, ${cell} ${JSON.stringify(options)}: ${difference.toExponential(1)}`);
          expect(difference, JSON.stringify(options)).toBeLessThanOrEqual(1e-9);
          // The error from above reaches every layer and the embedding.
          for (let l = 0; l < layers; l++) expect(nonzero(bptt.gradients, model.parameterName('W_in', l)), `layer ${l}`).toBeGreaterThan(1e-6);
          if (options.embedding) expect(nonzero(bptt.gradients, 'embedding')).toBeGreaterThan(1e-6);
        }
      });
    }
  }
});

describe('for T = 1, stacked SnAp-1 equals BPTT (the immediate gradient), any W_rec (≤ 1e-12)', () => {
  it('every cell, 2 and 3 layers, per-sequence initial states, dropout, an embedding; with learned states all but h0, c0', () => {
    for (const cell of CELLS) {
      for (const layers of [2, 3]) {
        for (const options of [{ layers, dropout: 0.3, learned: false }, { layers, embedding: true, learned: false }] as Options[]) {
          const model = stacked(cell, options), batch = batchFor(model, 3, 1, 8, { initialStateSize: model.stateSize });
          expect(relativeDifference(computeGradients(model, batch, { algorithm: snap() }).gradients, computeGradients(model, batch).gradients), `${cell} ${JSON.stringify(options)}`)
            .toBeLessThanOrEqual(1e-12);
        }
        const learned = stacked(cell, { layers, dropout: 0.3 }), plain = batchFor(learned, 3, 1, 8);
        const a = computeGradients(learned, plain, { algorithm: snap() }).gradients, b = computeGradients(learned, plain).gradients;
        const others = (g: Grads) => Object.fromEntries(Object.entries(g).filter(([name]) => !/^(h0|c0)/.test(name)));
        expect(relativeDifference(others(a), others(b)), `${cell} ${layers} learned`).toBeLessThanOrEqual(1e-12);
      }
    }
  });
});

/**
 * Per-layer SnAp-1 for a 2-layer Elman network (tanh, identity output, MSE),
 * written out from the definition: each layer's traces J[k] ≈ ∂h_u/∂θ_k with
 * J ← σ'(a_u)·(W_rec[u][u]·J + s_k) (s: the layer's input for W_in, its
 * h_(t−1) for W_rec, 1 for b_rec, 0 for h0; J_0 = 1 in h0[u]'s column), the top
 * layer's error ε² = W_outᵀ·∂L_t/∂z_t, the lower layer's
 * ε¹ = W_in²ᵀ·(ε² ∘ σ'(a²_t)) at the same step, and grad[k] += ε_u·J[k].
 */
function referenceSnap(model: RecurrentNetwork, batch: SequenceBatch): Grads {
  const { hiddenSize: r, inputSize: p, outputSize: o } = model.structure, B = batch.size, T = batch.steps;
  const get = (role: 'W_in' | 'W_rec' | 'b_rec' | 'h0', l: number) => Array.from(model.getParameter(model.parameterName(role, l)));
  const wOut = Array.from(model.getParameter('W_out')), bOut = Array.from(model.getParameter('b_out'));
  const layer = [0, 1].map((l) => ({ wIn: get('W_in', l), wRec: get('W_rec', l), b: get('b_rec', l), h0: get('h0', l), p: l === 0 ? p : r }));
  const grads = layer.map((L) => ({ wIn: new Float64Array(r * L.p), wRec: new Float64Array(r * r), b: new Float64Array(r), h0: new Float64Array(r) }));
  for (let seq = 0; seq < B; seq++) {
    const h = layer.map((L) => L.h0.slice());
    // Traces per layer, per unit u: W_in row u (p_l), W_rec row u (r), b_rec[u], h0[u].
    const J = layer.map((L) => Array.from({ length: r }, () => ({ wIn: new Float64Array(L.p), wRec: new Float64Array(r), b: 0, h0: 1 })));
    const dA: number[][] = [[], []];
    for (let t = 0; t < T; t++) {
      let input = Array.from(batch.inputs.subarray((seq * T + t) * p, (seq * T + t + 1) * p));
      for (let l = 0; l < 2; l++) {
        const L = layer[l]!, prev = h[l]!, next = new Array<number>(r);
        for (let u = 0; u < r; u++) {
          let a = L.b[u]!;
          for (let q = 0; q < L.p; q++) a += L.wIn[u * L.p + q]! * input[q]!;
          for (let m = 0; m < r; m++) a += L.wRec[u * r + m]! * prev[m]!;
          next[u] = Math.tanh(a);
        }
        for (let u = 0; u < r; u++) {
          const d = 1 - next[u]! * next[u]!, w = L.wRec[u * r + u]!, j = J[l]![u]!;
          for (let q = 0; q < L.p; q++) j.wIn[q] = d * (w * j.wIn[q]! + input[q]!);
          for (let m = 0; m < r; m++) j.wRec[m] = d * (w * j.wRec[m]! + prev[m]!);
          j.b = d * (w * j.b + 1);
          j.h0 = d * (w * j.h0);
          dA[l]![u] = d;
        }
        h[l] = next;
        input = next;
      }
      const weight = batch.mask[seq * T + t]! / B, top = h[1]!;
      const dz = Array.from({ length: o }, (_, k) => {
        let z = bOut[k]!;
        for (let u = 0; u < r; u++) z += wOut[k * r + u]! * top[u]!;
        return weight * (z - batch.targets![(seq * T + t) * o + k]!);
      });
      const e2 = Array.from({ length: r }, (_, u) => dz.reduce((s, v, k) => s + v * wOut[k * r + u]!, 0));
      const e1 = Array.from({ length: r }, (_, m) => e2.reduce((s, v, u) => s + v * dA[1]![u]! * layer[1]!.wIn[u * r + m]!, 0));
      [e1, e2].forEach((e, l) => {
        const g = grads[l]!, P = layer[l]!.p;
        for (let u = 0; u < r; u++) {
          const j = J[l]![u]!;
          for (let q = 0; q < P; q++) g.wIn[u * P + q]! += e[u]! * j.wIn[q]!;
          for (let m = 0; m < r; m++) g.wRec[u * r + m]! += e[u]! * j.wRec[m]!;
          g.b[u]! += e[u]! * j.b;
          g.h0[u]! += e[u]! * j.h0;
        }
      });
    }
  }
  const out: Grads = {};
  grads.forEach((g, l) => {
    out[model.parameterName('W_in', l)] = g.wIn; out[model.parameterName('W_rec', l)] = g.wRec;
    out[model.parameterName('b_rec', l)] = g.b; out[model.parameterName('h0', l)] = g.h0;
  });
  return out;
}

describe('stacked SnAp-1 against its definition, with a dense W_rec (float64)', () => {
  it('2-layer Elman, r=13 p=7 o=5, learned h0, ragged, a mask: the library equals the plain-JS reference ≤ 1e-12, and differs from BPTT', () => {
    const model = stacked('elman', { layers: 2 }), batch = batchFor(model, 3, 6, 5);
    const reference = referenceSnap(model, batch), library = computeGradients(model, batch, { algorithm: snap() }).gradients;
    const subset = (g: Grads) => Object.fromEntries(Object.keys(reference).map((name) => [name, g[name]!]));
    console.log(`2-layer Elman, SnAp-1 vs its plain-JS definition: ${relativeDifference(subset(library), reference).toExponential(1)}`);
    expect(relativeDifference(subset(library), reference)).toBeLessThanOrEqual(1e-12);
    for (const name of Object.keys(reference)) expect(nonzero(reference, name), name).toBeGreaterThan(1e-6);
    const bptt = computeGradients(model, batch).gradients, difference = relativeDifference(library, bptt);
    console.log(`stacked SnAp-1 vs BPTT, 2-layer Elman, dense W_rec: relative difference ${difference.toExponential(2)}`);
    expect(difference).toBeGreaterThan(1e-3);
  });

  it('dense W_rec, 2 layers of every cell: differs from BPTT (the dropped paths), yet points the same way', () => {
    for (const cell of CELLS) {
      const model = stacked(cell, { layers: 2 }), batch = batchFor(model, 3, 6, 5);
      const a = computeGradients(model, batch, { algorithm: snap() }).gradients, b = computeGradients(model, batch).gradients;
      const difference = relativeDifference(a, b);
      let dot = 0, aa = 0, bb = 0;
      for (const name of model.parameterNames) a[name]!.forEach((v, i) => { const w = b[name]![i]!; dot += v * w; aa += v * v; bb += w * w; });
      console.log(`stacked SnAp-1 vs BPTT, 2-layer ${cell}, dense W_rec: relative difference ${difference.toExponential(2)}, cosine ${(dot / Math.sqrt(aa * bb)).toFixed(3)}`);
      expect(difference, cell).toBeGreaterThan(1e-3);
      expect(dot / Math.sqrt(aa * bb), cell).toBeGreaterThan(0.5);
    }
  });

  it('counts every layer\'s traces: snapBytes and the maxBytes refusal', () => {
    const model = stacked('lstm', { layers: 3, embedding: true }), [r, E, B] = [13, 7, 3];
    const n = 4 * r * (E + r + 1) + 2 * r + 2 * (4 * r * (r + r + 1) + 2 * r);
    expect(snapBytes(model, B)).toBe((2 * B + 1) * n * 8);
    const recurrent = model.parameterNames.filter((name) => !/^(W_out|b_out|embedding)/.test(name)).reduce((s, name) => s + model.getParameter(name).length, 0);
    expect(n).toBe(recurrent);
    const batch = batchFor(model, B, 2, 1);
    expect(() => computeGradients(model, batch, { algorithm: snap({ maxBytes: 1000 }) }))
      .toThrow(new RegExp(`^SnAp-1 would need .* MiB for its traces \\(2 × B·n = 2 × 3·${n} values, n over 3 layers\\), over the cap`));
  });

  it('exact RTRL still refuses stacked layers and embeddings, as before', () => {
    const batch = randomBatch({ size: 2, steps: 3, inputSize: 7, outputSize: 5, targets: 'vector' });
    expect(() => computeGradients(stacked('gru', { layers: 2 }), batch, { algorithm: rtrl() })).toThrow(
      /^algorithm: exact RTRL is implemented for a single recurrent layer \(Elman, LSTM or GRU\) on vector inputs, and this model has 2 stacked layers\. Use full BPTT/);
  });
});

/* UORO: its expectation, exactly, by enumerating every sign vector of every layer and step (as test/uoro.test.ts). */
const SIGNS = 0x756f726f;
const enumerated = { pattern: 0, first: 0, layers: 1 };
/** Step t's signs of layer l are bits ((t − first)·L + l)·S·r … of the pattern (B = 1). */
function enumeratedMask(mem: Mem, mask: number, _ids: number, batch: number, steps: number, firstStep: number, cols: number, _seed: number, _draw: number, layer: number): void {
  const size = steps * batch * cols, bit = ((firstStep / steps - enumerated.first) * enumerated.layers + (layer - SIGNS)) * size;
  for (let i = 0; i < size; i++) mem[mask + i] = (enumerated.pattern >> (bit + i)) & 1 ? 2 : 0;
}

function enumerating<T>(model: RecurrentNetwork, body: () => T): T {
  const workspace = model.workspace as unknown as { backend: { kernels: object } }, original = workspace.backend;
  Object.defineProperty(workspace, 'backend', { value: { ...original, kernels: { ...original.kernels, dropoutMask: enumeratedMask } }, configurable: true, writable: true });
  try { return body(); } finally { Object.defineProperty(workspace, 'backend', { value: original, configurable: true, writable: true }); }
}

/** The mean of UORO's gradient over every sign pattern. */
function expectedUoro(model: RecurrentNetwork, batch: SequenceBatch, learned: boolean): Grads {
  const S = model.structure.cell === 'lstm' ? 2 : 1, L = model.structure.numLayers;
  const bits = (batch.steps + (learned ? 1 : 0)) * S * model.hiddenSize * L;
  expect(bits).toBeLessThanOrEqual(12);
  Object.assign(enumerated, { first: learned ? 0 : 1, layers: L });
  const probe = model.clone(), sum: Grads = {};
  enumerating(probe, () => {
    for (let pattern = 0; pattern < 2 ** bits; pattern++) {
      enumerated.pattern = pattern;
      const g = computeGradients(probe, batch, { algorithm: uoro() }).gradients;
      for (const name of Object.keys(g)) {
        const s = (sum[name] ??= new Float64Array(g[name]!.length));
        g[name]!.forEach((v, i) => { s[i]! += v / 2 ** bits; });
      }
    }
  });
  return sum;
}

describe('stacked UORO\'s expectation (every sign vector enumerated, float64, B = 1)', () => {
  // r = 2 (the LSTM, with its (h, c), r = 1) so that every layer's signs of every step are at most 12 bits.
  const tinyR = (cell: Cell) => (cell === 'lstm' ? 1 : 2);
  for (const cell of CELLS) {
    it(`${cell}: with no path through time equals BPTT for 2 and 3 layers (learned states; an embedding), ≤ 1e-9; for T = 1 with a dense W_rec too`, () => {
      for (const [options, learned] of [[{ layers: 2, learned: true }, true], [{ layers: 2, embedding: true, learned: false }, false], [{ layers: 3, learned: false }, false]] as const) {
        const model = withoutTime(stacked(cell, { ...options, r: tinyR(cell), p: 3, o: 2 }), cell), batch = batchFor(model, 1, 2, 3);
        const mean = expectedUoro(model, batch, learned), bptt = computeGradients(model, batch).gradients;
        // Over all parameters at once: the learned states' gradient is zero here, and the mean over the signs leaves
        // rounding (about 1e-23) there.
        console.log(`no path through time, E[UORO] vs BPTT, ${cell} ${JSON.stringify(options)}: ${globalDifference(mean, bptt).toExponential(1)}`);
        expect(globalDifference(mean, bptt), JSON.stringify(options)).toBeLessThanOrEqual(1e-9);
        for (let l = 0; l < options.layers; l++) expect(nonzero(bptt, model.parameterName('W_in', l))).toBeGreaterThan(1e-6);
        // One sample is not the mean.
        expect(relativeDifference(computeGradients(model, batch, { algorithm: uoro() }).gradients, bptt)).toBeGreaterThan(1e-3);
      }
      const dense = stacked(cell, { layers: 2, r: tinyR(cell), p: 3, o: 2, learned: false }), one = batchFor(dense, 1, 1, 4, { initialStateSize: dense.stateSize });
      expect(globalDifference(expectedUoro(dense, one, false), computeGradients(dense, one).gradients)).toBeLessThanOrEqual(1e-9);
    });
  }
});

describe('stacked UORO\'s mean is the same approximation as stacked SnAp-1 where SnAp-1 is per-layer RTRL (r = 1)', () => {
  it('every cell, 2 layers, r = 1, a recurrent W_rec, learned states, T = 3 (LSTM 2): E[UORO] = SnAp-1 ≤ 1e-9, both away from BPTT', () => {
    for (const cell of CELLS) {
      const model = stacked(cell, { layers: 2, r: 1, p: 3, o: 2 }), batch = batchFor(model, 1, cell === 'lstm' ? 2 : 3, 6);
      const mean = expectedUoro(model, batch, true), snapped = computeGradients(model, batch, { algorithm: snap() }).gradients;
      const bptt = computeGradients(model, batch).gradients;
      console.log(`r = 1, 2-layer ${cell}: E[UORO] vs SnAp-1 ${globalDifference(mean, snapped).toExponential(1)}, SnAp-1 vs BPTT ${globalDifference(snapped, bptt).toExponential(1)}`);
      expect(globalDifference(mean, snapped), cell).toBeLessThanOrEqual(1e-9);
      expect(globalDifference(snapped, bptt), cell).toBeGreaterThan(1e-4);
    }
  });
});

describe('stacked SnAp-1 and UORO on a thread pool', () => {
  const pool = createThreadPool({ threads: 2, minShareFlops: 0 });
  afterAll(() => pool.dispose());

  it('2 threads give the gradient of 1 thread (float32, every cell, 2 layers with dropout and learned states; 3 layers through an embedding)', async () => {
    await pool.ready;
    for (const cell of CELLS) {
      for (const config of [{ numLayers: 2, dropout: 0.25, initialState: 'learned', inputSize: 7 }, { numLayers: 3, inputSize: 1, vocabularySize: 9, embeddingSize: 6 }] as const) {
        const single = new RecurrentNetwork({ cell, hiddenSize: 13, outputSize: 5, seed: 4, ...config } as RecurrentNetworkConfig), threaded = single.clone();
        const batch = batchFor(single, 5, 6, 13);
        for (const algorithm of [snap(), uoro({ seed: 3 })]) {
          const one = computeGradients(single, batch, { algorithm }), two = computeGradients(threaded, batch, { algorithm: { ...algorithm }, threads: pool });
          const what = `${cell} ${config.numLayers} layers ${algorithm.type}`;
          expect(threaded.backend, what).toBe(pool.backend);
          expect(Math.abs(two.loss - one.loss) / one.loss, what).toBeLessThan(1e-6);
          expect(relativeDifference(two.gradients, one.gradients), what).toBeLessThan(2e-5);
        }
      }
    }
  });
});
