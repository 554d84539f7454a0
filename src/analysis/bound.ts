import { norm1, spectralRadius } from './linalg.js';
import { SLOPE_SUPREMUM, type Trajectory } from './trajectory.js';

/*
 * Hochreiter's weak upper bound (note 001 eqs. 1.47–1.48), in the form that
 * holds for rnnkit's convention. With the induced 1-norm (largest absolute
 * column sum), which is submultiplicative and gives ‖diag(d)‖₁ = max_i |d_i|,
 *   ‖∂a^t/∂a^k‖₁ = ‖W·D_{t−1} ⋯ W·D_k‖₁ ≤ Π ‖W‖₁·‖D_i‖₁ ≤ τ^{t−k},
 *   τ = σ'max·‖W_rec‖₁,
 * with one factor τ per step of lag: the exponent is t − k, not t − k − 1.
 * The note's p·τ^{t−k−1} (p = r units) is the same thing multiplied by r/τ,
 * so it is implied only while τ ≤ r; for a 1-unit linear RNN with W_rec = 2 the
 * true derivative at lag 1 is 2 and the note's bound says 1. Both are
 * reported; the tests check that τ^{t−k} holds and the note's form can fail.
 * The factor p in the note comes from Hochreiter's bound on a single entry,
 * |x·y| ≤ n‖x‖_∞‖y‖_∞; for the matrix norm it is not needed.
 */

export interface HochreiterBound {
  /** ‖W_rec‖₁, the induced 1-norm: max_j Σ_i |w_ij|. */
  readonly recurrentNorm: number;
  /** ρ(W_rec) = max |λ|: the asymptotic growth per step of a linear RNN. */
  readonly spectralRadius: number;
  /** σ'max: the largest σ'(a_j^t) over every sequence, valid step and unit of the data. */
  readonly slopeMax: number;
  /** sup σ' over ℝ (tanh 1, sigmoid ¼, relu 1, identity 1): σ'max for any data. */
  readonly slopeSupremum: number;
  /** τ = σ'max·‖W_rec‖₁ from the data. τ < 1 guarantees exponential vanishing. */
  readonly tau: number;
  /** τ with sup σ' instead: a bound before seeing any data. */
  readonly tauApriori: number;
  /** [T]: τ^lag at index lag, bounding ‖∂a^t/∂a^{t−lag}‖₁ for every pair of the data. */
  readonly byLag: Float64Array;
  /** [T]: the note's eq. 1.48 as written, r·τ^{lag−1} (not a bound when τ > r). */
  readonly noteByLag: Float64Array;
}

export function hochreiterBoundOf(tr: Trajectory): HochreiterBound {
  const r = tr.hiddenSize, T = tr.steps, w = tr.recurrentWeights;
  let slopeMax = 0;
  for (let b = 0; b < tr.size; b++) {
    const end = (b * T + tr.lengths[b]!) * r;
    for (let i = b * T * r; i < end; i++) if (tr.slope[i]! > slopeMax) slopeMax = tr.slope[i]!;
  }
  const recurrentNorm = norm1(w, r);
  const slopeSupremum = SLOPE_SUPREMUM[tr.activation];
  const tau = slopeMax * recurrentNorm;
  const byLag = new Float64Array(T), noteByLag = new Float64Array(T);
  for (let lag = 0; lag < T; lag++) {
    byLag[lag] = tau ** lag;
    noteByLag[lag] = r * tau ** (lag - 1);
  }
  return {
    recurrentNorm, spectralRadius: spectralRadius(w, r), slopeMax, slopeSupremum,
    tau, tauApriori: slopeSupremum * recurrentNorm, byLag, noteByLag,
  };
}

/** Where the curves of norm and bound by lag cross the threshold below which a contribution counts as vanished. */
export interface Crossings {
  /** The threshold on ‖∂a^t/∂a^k‖₁ (lag 0 has norm 1). */
  readonly threshold: number;
  /** First lag at which the mean Jacobian norm falls below the threshold: the measured memory horizon (null: never within the data). */
  readonly norm: number | null;
  /** First lag at which the bound τ^lag falls below it: past it, vanishing is guaranteed (null when τ ≥ 1 or beyond the data). */
  readonly bound: number | null;
  /** First lag at which some Jacobian norm exceeds the note's r·τ^{lag−1}, showing that form is not a bound (null: it held here). */
  readonly noteBoundViolated: number | null;
  /**
   * Geometric growth per step of the mean norm, exp of the least-squares slope
   * of log‖∂a^t/∂a^{t−lag}‖₁ against lag (< 1 vanishing, > 1 exploding;
   * null with fewer than two lags).
   */
  readonly ratePerStep: number | null;
}

export function crossingsOf(meanByLag: Float64Array, maxByLag: Float64Array, bound: HochreiterBound, threshold: number): Crossings {
  const firstLag = (test: (lag: number) => boolean): number | null => {
    for (let lag = 1; lag < meanByLag.length; lag++) if (test(lag)) return lag;
    return null;
  };
  const valid = (lag: number) => Number.isFinite(meanByLag[lag]!);
  // Least squares of log(mean norm) on lag, over the lags the data reaches (lag 0 included: norm 1).
  let n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (let lag = 0; lag < meanByLag.length; lag++) {
    const v = meanByLag[lag]!;
    if (!(v > 0) || !Number.isFinite(v)) continue;
    const y = Math.log(v);
    n++; sx += lag; sy += y; sxx += lag * lag; sxy += lag * y;
  }
  const slope = n >= 2 ? (n * sxy - sx * sy) / (n * sxx - sx * sx) : Number.NaN;
  return {
    threshold,
    norm: firstLag((lag) => valid(lag) && meanByLag[lag]! < threshold),
    bound: bound.tau < 1 ? firstLag((lag) => bound.byLag[lag]! < threshold) : null,
    noteBoundViolated: firstLag((lag) => maxByLag[lag]! > bound.noteByLag[lag]! * (1 + 1e-12)),
    ratePerStep: Number.isFinite(slope) ? Math.exp(slope) : null,
  };
}
