import { checkInteger, RnnkitError } from '../errors.js';
import { frobenius } from './linalg.js';
import type { Trajectory } from './trajectory.js';

/*
 * The BPTT gradient of W_rec split by lag (note 001 eq. 1.38 with the
 * erratum of eq. 1.35: the factor is φ^{k−1}, where the weight is used):
 *   ∂L/∂W_rec = Σ_t Σ_{k≤t} (∂a^t/∂a^k)ᵀ g_t · (φ^{k−1})ᵀ,   g_t = σ'(a^t) ∘ ∂L_t/∂φ^t,
 * grouped by lag = t − k into C_lag, so that Σ_lag C_lag = ∂L/∂W_rec exactly.
 * C_0 is the immediate term; large lags are the long-term contributions.
 * For each t the vector e_lag = (∂a^t/∂a^{t−lag})ᵀ g_t is carried back one
 * step at a time, e_{lag+1} = D_{t−lag−1}·W_recᵀ·e_lag: O(B·T²·r²) in all.
 */

/** The BPTT gradient of W_rec split by lag: C_lag, what the errors `lag` steps back contribute. */
export interface LagContributions {
  /** r: the model's hidden units (each C_lag is r×r). */
  readonly hiddenSize: number;
  /** [T][r·r]: C_lag at lag·r², row-major r×r. */
  readonly byLag: Float64Array;
  /** [T]: the Frobenius norm ‖C_lag‖_F of each lag's contribution. */
  readonly normByLag: Float64Array;
  /** Σ_lag C_lag, r×r: rnnkit's BPTT gradient of W_rec. */
  readonly total: Float64Array;
}

export function lagContributionsOf(tr: Trajectory): LagContributions {
  const dPhi = tr.dPhi;
  if (!dPhi) throw new RnnkitError('lag contributions: the batch needs targets (a loss to differentiate)');
  const r = tr.hiddenSize, T = tr.steps, w = tr.recurrentWeights, rr = r * r;
  const byLag = new Float64Array(T * rr);
  let e = new Float64Array(r), next = new Float64Array(r);
  for (let b = 0; b < tr.size; b++) {
    const phi = (step: number) => (b * (T + 1) + step) * r; // offset of φ^step
    const slope = (step: number) => (b * T + step - 1) * r; // offset of σ'(a^step)
    // Past a sequence's length the mask is 0, so dPhi is 0 there: those t add nothing.
    for (let t = 1; t <= T; t++) {
      for (let i = 0; i < r; i++) e[i] = tr.slope[slope(t) + i]! * dPhi[slope(t) + i]!;
      for (let lag = 0; lag < t; lag++) {
        const k = t - lag, c = lag * rr, prev = phi(k - 1);
        // C_lag += e·(φ^{k−1})ᵀ
        for (let i = 0; i < r; i++) {
          const ei = e[i]!;
          if (ei === 0) continue;
          for (let j = 0; j < r; j++) byLag[c + i * r + j]! += ei * tr.phi[prev + j]!;
        }
        if (k === 1) break;
        // e ← D_{k−1}·W_recᵀ·e
        for (let j = 0; j < r; j++) {
          let s = 0;
          for (let i = 0; i < r; i++) s += w[i * r + j]! * e[i]!;
          next[j] = s * tr.slope[slope(k - 1) + j]!;
        }
        [e, next] = [next, e];
      }
    }
  }
  const total = new Float64Array(rr);
  const normByLag = new Float64Array(T);
  for (let lag = 0; lag < T; lag++) {
    const c = byLag.subarray(lag * rr, (lag + 1) * rr);
    normByLag[lag] = frobenius(c);
    for (let i = 0; i < rr; i++) total[i]! += c[i]!;
  }
  return { hiddenSize: r, byLag, normByLag, total };
}

/**
 * ‖Σ_{lag ≥ longFrom} C_lag‖_F / ‖Σ_{lag < longFrom} C_lag‖_F: how much of the
 * W_rec gradient comes from long-term versus short-term terms (note 001
 * §1.3.4). Infinity when the short-term part is exactly zero.
 */
export function longShortRatio(contributions: LagContributions, longFrom: number): number {
  const rr = contributions.hiddenSize ** 2, T = contributions.normByLag.length;
  checkInteger('longFrom', longFrom, 1);
  const short = new Float64Array(rr), long = new Float64Array(rr);
  for (let lag = 0; lag < T; lag++) {
    const into = lag < longFrom ? short : long;
    for (let i = 0; i < rr; i++) into[i]! += contributions.byLag[lag * rr + i]!;
  }
  const s = frobenius(short), l = frobenius(long);
  return l === 0 ? 0 : l / s;
}

/** The default split between short and long term: a quarter of the sequence, at least 2 steps. */
export function defaultLongFrom(steps: number): number {
  return Math.max(2, Math.ceil(steps / 4));
}
