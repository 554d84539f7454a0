import { describe, expect, it } from 'vitest';
import { ElmanRNN } from '../src/model/rnn.js';
import type { Activation } from '../src/model/functions.js';
import { createSequenceBatch, type SequenceBatch } from '../src/data/sequence-batch.js';
import { computeGradients } from '../src/train/gradient-algorithm.js';
import { Random } from '../src/model/random.js';
import { analyzeGradientFlow, lagContributions, reluPaths, temporalJacobian } from '../src/analysis/gradient-flow.js';
import { spectralRadius } from '../src/analysis/linalg.js';
import { randomBatch } from './helpers/random-data.js';
import { HEADS } from './helpers/cases.js';

/*
 * The oracles here are independent of src/analysis: a plain float64 forward
 * pass written out below, central differences, naive matrix powers, explicit
 * enumeration of paths, and rnnkit's own BPTT (computeGradients).
 */

type Matrix = number[][];
const matrix = (flat: ArrayLike<number>, n: number): Matrix => Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => flat[i * n + j]!));
const multiply = (a: Matrix, b: Matrix): Matrix => a.map((row) => b[0]!.map((_, j) => row.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
const power = (a: Matrix, e: number): Matrix => {
  let m: Matrix = a.map((row, i) => row.map((_, j) => (i === j ? 1 : 0)));
  for (let i = 0; i < e; i++) m = multiply(m, a);
  return m;
};
const norm1 = (a: Matrix) => Math.max(...a[0]!.map((_, j) => a.reduce((s, row) => s + Math.abs(row[j]!), 0)));

const sigma: Record<Activation, (a: number) => number> = {
  identity: (a) => a, tanh: Math.tanh, sigmoid: (a) => 1 / (1 + Math.exp(-a)), relu: (a) => Math.max(0, a),
};

/**
 * a^t of sequence b (T steps), computed from scratch; with `at`, a^k is
 * replaced by a^k + h·e_j before the recurrence continues.
 */
function preactivations(model: ElmanRNN, batch: SequenceBatch, b: number, at?: { k: number; j: number; h: number }): number[][] {
  const { inputSize: p, hiddenSize: r, activation } = model.config;
  const Win = model.getParameter('W_in'), Wrec = model.getParameter('W_rec'), bias = model.getParameter('b_rec');
  let phi: number[] = new Array(r).fill(0);
  const out: number[][] = [[]];
  for (let t = 1; t <= batch.steps; t++) {
    const a = Array.from({ length: r }, (_, i) => {
      let s = bias[i]!;
      for (let j = 0; j < r; j++) s += Wrec[i * r + j]! * phi[j]!;
      for (let j = 0; j < p; j++) s += Win[i * p + j]! * batch.inputs[(b * batch.steps + t - 1) * p + j]!;
      return s;
    });
    if (at && at.k === t) a[at.j]! += at.h;
    out.push(a);
    phi = a.map(sigma[activation]);
  }
  return out;
}

function model64(activation: Activation, r: number, options: { gain?: number; seed?: number; p?: number; o?: number } = {}): ElmanRNN {
  return new ElmanRNN({
    inputSize: options.p ?? 3, hiddenSize: r, outputSize: options.o ?? 2, activation, seed: options.seed ?? 1,
    dtype: 'float64', backend: 'js', init: { recurrent: 'glorot', recurrentGain: options.gain ?? 1 },
  });
}

describe('temporal Jacobians ∂a^t/∂a^k (note 001 eq. 1.45)', () => {
  it('linear RNN: ∂a^t/∂a^k = W_rec^{t−k} exactly (t − k factors)', () => {
    const model = model64('identity', 5, { gain: 1.3 });
    model.setParameter('b_rec', [0.3, -0.2, 0.1, 0, 0.5]);
    const batch = randomBatch({ size: 2, steps: 9, inputSize: 3, outputSize: 2, targets: 'vector' });
    const W = matrix(model.getParameter('W_rec'), 5);
    for (const [t, k] of [[9, 1], [5, 4], [7, 2], [3, 3]] as const) {
      const J = matrix(temporalJacobian(model, batch, { sequence: 1, t, k }), 5);
      const expected = power(W, t - k);
      for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) expect(J[i]![j]!).toBeCloseTo(expected[i]![j]!, 12);
    }
  });

  for (const activation of ['tanh', 'sigmoid'] as const) {
    it(`${activation}: every column of ∂a^t/∂a^k matches central differences of a^t in a^k`, () => {
      const r = 6;
      const model = model64(activation, r, { gain: 1.5, seed: 4 });
      model.setParameter('b_rec', Float64Array.from({ length: r }, (_, i) => 0.2 * Math.sin(i)));
      const batch = randomBatch({ size: 2, steps: 8, inputSize: 3, outputSize: 2, targets: 'vector', seed: 5 });
      const h = 1e-5;
      for (const [t, k] of [[8, 1], [6, 3], [4, 3], [7, 7]] as const) {
        const J = temporalJacobian(model, batch, { sequence: 1, t, k });
        for (let j = 0; j < r; j++) {
          const plus = preactivations(model, batch, 1, { k, j, h })[t]!;
          const minus = preactivations(model, batch, 1, { k, j, h: -h })[t]!;
          for (let i = 0; i < r; i++) {
            const numeric = (plus[i]! - minus[i]!) / (2 * h);
            expect(Math.abs(J[i * r + j]! - numeric), `(${t},${k}) entry ${i},${j}`).toBeLessThan(1e-8 * Math.max(1, Math.abs(numeric)));
          }
        }
      }
    });
  }

  it('by-lag norms are the mean and max of the pairwise norms; lag 0 is the identity', () => {
    const model = model64('tanh', 4, { gain: 1.2 });
    const batch = randomBatch({ size: 3, steps: 6, inputSize: 3, outputSize: 2, targets: 'vector', ragged: true });
    const { jacobians } = analyzeGradientFlow(model, batch);
    const T = 6;
    for (let lag = 1; lag < T; lag++) {
      const norms: number[] = [];
      for (let b = 0; b < 3; b++) {
        for (let t = lag + 1; t <= batch.lengths[b]!; t++) norms.push(norm1(matrix(temporalJacobian(model, batch, { sequence: b, t, k: t - lag }), 4)));
      }
      expect(jacobians.pairsByLag[lag]).toBe(norms.length);
      if (norms.length === 0) { expect(jacobians.meanByLag[lag]).toBeNaN(); continue; }
      expect(jacobians.meanByLag[lag]).toBeCloseTo(norms.reduce((s, v) => s + v, 0) / norms.length, 12);
      expect(jacobians.maxByLag[lag]).toBeCloseTo(Math.max(...norms), 12);
    }
    expect(jacobians.meanByLag[0]).toBe(1);
    // The heatmap entry (t = 6, lag = 2) averages the sequences that reach t = 6 (ragged: lengths 6, 5, 4).
    const reach = [0, 1, 2].filter((b) => batch.lengths[b]! >= 6);
    const expected = reach.map((b) => norm1(matrix(temporalJacobian(model, batch, { sequence: b, t: 6, k: 4 }), 4)));
    expect(jacobians.byTime[5 * T + 2]).toBeCloseTo(expected.reduce((s, v) => s + v, 0) / expected.length, 12);
    expect(jacobians.byTime[2 * T + 5]).toBeNaN(); // lag 5 at t = 3 does not exist
  });
});

describe("Hochreiter's bound (eqs. 1.47–1.48), in the form valid for the induced 1-norm", () => {
  it('‖∂a^t/∂a^k‖₁ ≤ τ^{t−k} for every pair, on random models of every σ and scale', () => {
    const rng = new Random(3);
    let checked = 0;
    for (const activation of ['tanh', 'sigmoid', 'relu', 'identity'] as const) {
      for (const gain of [0.3, 1, 2.5]) {
        const r = 2 + rng.int(6);
        const model = model64(activation, r, { gain, seed: 10 + checked });
        model.setParameter('b_rec', Float64Array.from({ length: r }, () => rng.gaussian()));
        const batch = randomBatch({ size: 2, steps: 7, inputSize: 3, outputSize: 2, targets: 'vector', seed: checked });
        const { bound, jacobians } = analyzeGradientFlow(model, batch);
        // Independently: τ from the data's σ' and the weights, and the per-window σ'max of the note.
        const W = matrix(model.getParameter('W_rec'), r);
        expect(bound.recurrentNorm).toBeCloseTo(norm1(W), 12);
        for (let b = 0; b < 2; b++) {
          const a = preactivations(model, batch, b);
          const slope = (t: number) => a[t]!.map((v) => {
            const y = sigma[activation](v);
            return activation === 'tanh' ? 1 - y * y : activation === 'sigmoid' ? y * (1 - y) : activation === 'relu' ? (v > 0 ? 1 : 0) : 1;
          });
          for (let t = 2; t <= 7; t++) {
            for (let k = 1; k < t; k++) {
              const J = norm1(matrix(temporalJacobian(model, batch, { sequence: b, t, k }), r));
              let windowMax = 0;
              for (let i = k; i < t; i++) windowMax = Math.max(windowMax, ...slope(i));
              expect(J).toBeLessThanOrEqual((windowMax * norm1(W)) ** (t - k) * (1 + 1e-12));
              expect(J).toBeLessThanOrEqual(bound.byLag[t - k]! * (1 + 1e-12));
              expect(windowMax).toBeLessThanOrEqual(bound.slopeMax);
            }
          }
        }
        for (let lag = 1; lag < 7; lag++) expect(jacobians.maxByLag[lag]!).toBeLessThanOrEqual(bound.byLag[lag]! * (1 + 1e-12));
        expect(bound.tau).toBeLessThanOrEqual(bound.tauApriori);
        checked++;
      }
    }
  });

  it('the exponent is t − k: one linear unit with weight w has ∂a^t/∂a^k = w^{t−k}, so τ^{t−k} is tight and r·τ^{t−k−1} fails', () => {
    const model = model64('identity', 1, { p: 1, o: 1 });
    model.setParameter('W_rec', [2]);
    const batch = randomBatch({ size: 1, steps: 6, inputSize: 1, outputSize: 1, targets: 'vector' });
    const { bound, jacobians, crossings } = analyzeGradientFlow(model, batch);
    expect(bound.tau).toBe(2);
    for (let lag = 1; lag < 6; lag++) {
      expect(jacobians.meanByLag[lag]).toBeCloseTo(2 ** lag, 12);
      expect(bound.byLag[lag]).toBe(2 ** lag);
      expect(bound.noteByLag[lag]).toBe(2 ** (lag - 1)); // the note's p·τ^{t−k−1} with p = r = 1
    }
    expect(crossings.noteBoundViolated).toBe(1);
    expect(crossings.ratePerStep).toBeCloseTo(2, 12);
    expect(crossings.bound).toBeNull(); // τ ≥ 1: no guarantee of vanishing
  });

  it('crossings: where norm and bound fall below the threshold, and the rate per step', () => {
    const model = model64('identity', 1, { p: 1, o: 1 });
    model.setParameter('W_rec', [-0.5]);
    const batch = randomBatch({ size: 2, steps: 12, inputSize: 1, outputSize: 1, targets: 'vector' });
    const { crossings, bound } = analyzeGradientFlow(model, batch, { threshold: 0.01 });
    // 0.5^6 = 0.0156, 0.5^7 = 0.0078
    expect(crossings.norm).toBe(7);
    expect(crossings.bound).toBe(7);
    expect(crossings.ratePerStep).toBeCloseTo(0.5, 12);
    expect(crossings.noteBoundViolated).toBeNull();
    expect(bound.spectralRadius).toBeCloseTo(0.5, 12);
  });
});

describe('spectral radius', () => {
  it('matches known eigenvalues: a scaled rotation, a triangular matrix, a 2×2 with a complex pair, zero', () => {
    const c = 0.9, th = 0.7;
    expect(spectralRadius([c * Math.cos(th), -c * Math.sin(th), c * Math.sin(th), c * Math.cos(th)], 2)).toBeCloseTo(0.9, 12);
    expect(spectralRadius([0.5, 3, -2, 0, -1.25, 7, 0, 0, 0.75], 3)).toBeCloseTo(1.25, 9);
    // [[1, -2], [3, 1]]: λ = 1 ± i√6, |λ| = √7
    expect(spectralRadius([1, -2, 3, 1], 2)).toBeCloseTo(Math.sqrt(7), 12);
    expect(spectralRadius([0, 1, 0, 0], 2)).toBe(0);
    // A symmetric matrix: the largest |eigenvalue| by the closed form for 2×2.
    const [a, b, d] = [2, -1.5, -3];
    const mean = (a + d) / 2, radius = Math.hypot((a - d) / 2, b);
    expect(spectralRadius([a, b, b, d], 2)).toBeCloseTo(Math.max(Math.abs(mean + radius), Math.abs(mean - radius)), 12);
  });

  it('an orthogonal W_rec (the default init) has ρ = 1', () => {
    const model = new ElmanRNN({ inputSize: 2, hiddenSize: 16, outputSize: 1, seed: 2, dtype: 'float64', backend: 'js' });
    expect(spectralRadius(model.getParameter('W_rec'), 16)).toBeCloseTo(1, 10);
  });
});

describe('the W_rec gradient split by lag (eq. 1.38)', () => {
  for (const activation of ['tanh', 'sigmoid', 'relu', 'identity'] as const) {
    for (const head of HEADS) {
      it(`σ=${activation}, F=${head.output}, ${head.loss} (${head.targets}): Σ_lag C_lag = rnnkit's BPTT ∂L/∂W_rec (ragged, learned h0)`, () => {
        const r = 5;
        const model = new ElmanRNN({
          inputSize: 3, hiddenSize: r, outputSize: 4, activation, output: head.output, loss: head.loss, initialState: 'learned',
          seed: 6, dtype: 'float64', backend: 'js', init: { recurrentGain: 1.1 },
        });
        model.setParameter('h0', Float64Array.from({ length: r }, (_, i) => 0.3 * Math.cos(i)));
        const batch = randomBatch({ size: 3, steps: 7, inputSize: 3, outputSize: 4, targets: head.targets, ragged: true, seed: 2 });
        const split = lagContributions(model, batch);
        const bptt = computeGradients(model, batch).gradients.W_rec!;
        const scale = Math.max(...bptt.map(Math.abs));
        for (let i = 0; i < r * r; i++) expect(Math.abs(split.total[i]! - bptt[i]!)).toBeLessThan(1e-12 * scale);
        // and the total is literally the sum of the per-lag blocks
        for (let i = 0; i < r * r; i++) {
          let s = 0;
          for (let lag = 0; lag < 7; lag++) s += split.byLag[lag * r * r + i]!;
          expect(s).toBeCloseTo(split.total[i]!, 14);
        }
      });
    }
  }

  it('many-to-one: the split still sums to BPTT; the longest lag multiplies φ^0 = 0', () => {
    const model = model64('tanh', 4, { gain: 1 });
    const batch = randomBatch({ size: 4, steps: 6, inputSize: 3, outputSize: 2, targets: 'vector', task: 'many-to-one', ragged: true });
    const split = lagContributions(model, batch);
    const bptt = computeGradients(model, batch).gradients.W_rec!;
    for (let i = 0; i < 16; i++) expect(split.total[i]).toBeCloseTo(bptt[i]!, 12);
    // Lengths 6, 5, 4, 6: lag 4 reaches (t = 6, k = 2) and multiplies φ^1; lag 5 only (6, 1), which multiplies φ^0 = 0.
    expect(split.normByLag[4]).toBeGreaterThan(0);
    expect(split.normByLag[5]).toBe(0);
  });

  it('a float32 model on the default backend is analysed in float64 and agrees with its own float32 gradient', () => {
    const model = new ElmanRNN({ inputSize: 3, hiddenSize: 8, outputSize: 2, seed: 3 });
    const batch = randomBatch({ size: 2, steps: 10, inputSize: 3, outputSize: 2, targets: 'vector' });
    const split = lagContributions(model, batch);
    const bptt = computeGradients(model, batch).gradients.W_rec!;
    const scale = Math.max(...bptt.map(Math.abs));
    for (let i = 0; i < 64; i++) expect(Math.abs(split.total[i]! - bptt[i]!)).toBeLessThan(1e-4 * scale);
  });

  it('one linear unit: C_lag = Σ_t w^lag·g_t·φ^{t−lag−1}, lag by lag', () => {
    const model = model64('identity', 1, { p: 1, o: 1 });
    model.setParameter('W_rec', [0.8]);
    model.setParameter('W_out', [1]);
    const batch = randomBatch({ size: 1, steps: 5, inputSize: 1, outputSize: 1, targets: 'vector' });
    const a = preactivations(model, batch, 0);
    const y = a.map((v) => v[0] ?? 0); // φ = a, y = W_out·φ = φ
    const g = (t: number) => y[t]! - batch.targets![t - 1]!; // MSE: ∂L_t/∂φ^t
    const split = lagContributions(model, batch);
    for (let lag = 0; lag < 5; lag++) {
      let expected = 0;
      for (let t = lag + 1; t <= 5; t++) expected += 0.8 ** lag * g(t) * (t - lag - 1 >= 1 ? y[t - lag - 1]! : 0);
      expect(split.byLag[lag]).toBeCloseTo(expected, 12);
    }
  });
});

describe('ReLU: enabled paths (figures 1.8–1.9)', () => {
  /** A 2-unit ReLU RNN with W_in = I, so each step's input sets a^t directly. */
  function twoUnits(W: number[], inputs: number[][]): { model: ElmanRNN; batch: SequenceBatch } {
    const model = new ElmanRNN({ inputSize: 2, hiddenSize: 2, outputSize: 1, activation: 'relu', dtype: 'float64', backend: 'js' });
    model.setParameter('W_rec', W);
    model.setParameter('W_in', [1, 0, 0, 1]);
    const batch = createSequenceBatch({ size: 1, steps: inputs.length, inputSize: 2, inputs: inputs.flat(), targets: new Array(inputs.length).fill(0), targetSize: 1 });
    return { model, batch };
  }

  it('|(∂a^t/∂a^k)_ij| ≤ (|W_rec|^{t−k})_ij on random models, and an enabled-path sum reproduces every entry (eq. 1.46)', () => {
    const rng = new Random(8);
    for (let trial = 0; trial < 6; trial++) {
      const r = 3;
      const model = model64('relu', r, { gain: 1.5, seed: 20 + trial });
      model.setParameter('b_rec', Float64Array.from({ length: r }, () => 0.5 * rng.gaussian()));
      const batch = randomBatch({ size: 2, steps: 6, inputSize: 3, outputSize: 2, targets: 'vector', seed: 30 + trial });
      const result = reluPaths(model, batch);
      expect(result.maxBoundRatio).toBeLessThanOrEqual(1 + 1e-12);
      // Brute force: enumerate every path j = h_k → … → h_t = i and add the cost of the enabled ones.
      const W = model.getParameter('W_rec');
      const shares: number[][] = Array.from({ length: 6 }, () => []);
      for (let b = 0; b < 2; b++) {
        const a = preactivations(model, batch, b);
        const on = (m: number, u: number) => (a[m]![u]! > 0 ? 1 : 0);
        for (let t = 2; t <= 6; t++) {
          for (let k = 1; k < t; k++) {
            const lag = t - k;
            const J = temporalJacobian(model, batch, { sequence: b, t, k });
            const Wabs = power(matrix(W.map(Math.abs), r), lag);
            let enabled = 0;
            for (let i = 0; i < r; i++) {
              for (let j = 0; j < r; j++) {
                let sum = 0;
                for (let path = 0; path < r ** (lag - 1); path++) {
                  // units h_{k+1} … h_{t−1} from the digits of `path`
                  const units = [j];
                  for (let m = 0, code = path; m < lag - 1; m++, code = Math.floor(code / r)) units.push(code % r);
                  units.push(i);
                  let cost = 1;
                  for (let m = 0; m < lag; m++) cost *= W[units[m + 1]! * r + units[m]!]! * on(k + m, units[m]!);
                  sum += cost;
                  if (i === 0 && units.slice(0, lag).every((u, m) => on(k + m, u) === 1)) enabled++;
                }
                expect(J[i * r + j]).toBeCloseTo(sum, 12);
                expect(Math.abs(J[i * r + j]!)).toBeLessThanOrEqual(Wabs[i]![j]! * (1 + 1e-12));
              }
            }
            shares[lag]!.push(enabled / r ** lag); // paths into unit 0: r^{lag} of them
          }
        }
      }
      for (let lag = 1; lag < 6; lag++) {
        expect(result.enabledShareByLag[lag]).toBeCloseTo(shares[lag]!.reduce((s, v) => s + v, 0) / shares[lag]!.length, 12);
      }
    }
  });

  it("the note's |((W_rec)^{t−k−1})_ij| is not a bound: disabling a path removes a cancellation", () => {
    // W = [[1, 1], [1, −1]]: W² = 2I, so (W²)_12 = 0. Step 2 switches unit 2 off.
    const { model, batch } = twoUnits([1, 1, 1, -1], [[1, 1], [0, -1], [0, 0]]);
    const J = temporalJacobian(model, batch, { t: 3, k: 1 });
    expect(Array.from(J)).toEqual([1, 1, 1, 1]); // W·diag(1, 0)·W·diag(1, 1)
    expect(Math.abs(J[1]!)).toBeGreaterThan(Math.abs(power([[1, 1], [1, -1]], 2)[0]![1]!)); // 1 > |(W²)_12| = 0
    const result = reluPaths(model, batch);
    expect(result.maxBoundRatio).toBeLessThanOrEqual(1); // (|W|²)_12 = 2 ≥ 1
    expect(result.activeByStep[0]).toBe(1);
    expect(result.activeByStep[1]).toBe(0.5);
    // And the exponent: one always-active unit with w = 2 has ∂a^t/∂a^k = 2^{t−k} > |w^{t−k−1}|.
    const one = new ElmanRNN({ inputSize: 1, hiddenSize: 1, outputSize: 1, activation: 'relu', dtype: 'float64', backend: 'js' });
    one.setParameter('W_rec', [2]);
    one.setParameter('b_rec', [1]);
    const ones = createSequenceBatch({ size: 1, steps: 4, inputSize: 1, inputs: [0, 0, 0, 0] });
    expect(temporalJacobian(one, ones, { t: 4, k: 1 })[0]).toBe(8);
  });

  it('all units active: every path enabled and ∂a^t/∂a^k = W_rec^{t−k} exactly', () => {
    const r = 4;
    const model = model64('relu', r, { gain: 0.5, seed: 3 });
    model.setParameter('b_rec', new Array(r).fill(20)); // far above anything W·φ + W_in·x can subtract
    const batch = randomBatch({ size: 2, steps: 6, inputSize: 3, outputSize: 2, targets: 'vector' });
    const result = reluPaths(model, batch);
    expect(result.fullyEnabledPairs).toBe(result.pairs);
    expect(Array.from(result.activeByStep)).toEqual(new Array(6).fill(1));
    for (let lag = 0; lag < 6; lag++) expect(result.enabledShareByLag[lag]).toBe(1);
    const W = matrix(model.getParameter('W_rec'), r);
    const J = matrix(temporalJacobian(model, batch, { t: 6, k: 2 }), r);
    const W4 = power(W, 4);
    for (let i = 0; i < r; i++) for (let j = 0; j < r; j++) expect(J[i]![j]).toBeCloseTo(W4[i]![j]!, 14);
  });
});
