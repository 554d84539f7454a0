import { RnnkitError } from '../errors.js';
import { absolute, matmul } from './linalg.js';
import { forEachJacobian } from './jacobians.js';
import type { Trajectory } from './trajectory.js';

/*
 * ReLU's enabled paths (note 001 §1.3.4, figures 1.8–1.9). Entry (i, j) of
 * ∂a^t/∂a^k is a sum over paths j = h_k → h_{k+1} → … → h_t = i through the
 * unfolded network of  Π_{m=k}^{t−1} w_{h_{m+1} h_m} · σ'(a^m_{h_m}).
 * With ReLU each σ' is 0 or 1: a path is enabled when the units it leaves at
 * steps k … t−1 are all active, and then it costs its product of weights.
 * Hence, for lag = t − k,
 *   |(∂a^t/∂a^k)_ij| ≤ Σ_paths Π |w| = (|W_rec|^{lag})_ij,
 * with |W_rec| taken entrywise before the power. The note writes
 * |((W_rec)^{t−k−1})_ij|: the exponent is one short, and the absolute value
 * must go inside — with mixed signs, disabling some paths can remove a
 * cancellation, so |(W^lag)_ij| is not a bound (the tests show a case). When
 * every path is enabled the Jacobian is exactly W_rec^{lag}.
 */

export interface ReluPaths {
  /** [T]: the fraction of units active (a > 0) at step t (index t − 1), mean over the sequences that reach t. */
  readonly activeByStep: Float64Array;
  /**
   * [T]: at index lag, the share of the r^{lag+1} paths from step t − lag to
   * step t that are enabled, Π_{m=t−lag}^{t−1} (active fraction at m), mean
   * over sequences and t (1 at lag 0).
   */
  readonly enabledShareByLag: Float64Array;
  /**
   * The largest |(∂a^t/∂a^k)_ij| / (|W_rec|^{t−k})_ij over every pair and
   * entry examined: ≤ 1 (up to rounding) is the bound holding.
   */
  readonly maxBoundRatio: number;
  /** Pairs (sequence, k < t) with every path enabled, where ∂a^t/∂a^k = W_rec^{t−k} exactly. */
  readonly fullyEnabledPairs: number;
  /** Pairs (sequence, k < t) examined (lags up to maxLag). */
  readonly pairs: number;
}

export function reluPathsOf(tr: Trajectory, maxLag: number): ReluPaths {
  if (tr.activation !== 'relu') throw new RnnkitError(`relu paths: the model's activation is '${tr.activation}', not 'relu'`);
  const r = tr.hiddenSize, T = tr.steps;
  // Active fraction per sequence and step.
  const active = new Float64Array(tr.size * T);
  const activeByStep = new Float64Array(T), reach = new Int32Array(T);
  for (let b = 0; b < tr.size; b++) {
    for (let t = 1; t <= tr.lengths[b]!; t++) {
      let on = 0;
      for (let j = 0; j < r; j++) on += tr.slope[(b * T + t - 1) * r + j]!;
      active[b * T + t - 1] = on / r;
      activeByStep[t - 1]! += on / r;
      reach[t - 1]!++;
    }
  }
  for (let t = 0; t < T; t++) activeByStep[t] = reach[t]! > 0 ? activeByStep[t]! / reach[t]! : Number.NaN;

  const enabledShareByLag = new Float64Array(T), count = new Int32Array(T);
  for (let b = 0; b < tr.size; b++) {
    for (let t = 1; t <= tr.lengths[b]!; t++) {
      let share = 1;
      for (let lag = 0; lag < t && lag <= maxLag; lag++) {
        if (lag > 0) share *= active[b * T + t - lag - 1]!; // the units left at step t − lag
        enabledShareByLag[lag]! += share;
        count[lag]!++;
      }
    }
  }
  for (let lag = 0; lag < T; lag++) enabledShareByLag[lag] = count[lag]! > 0 ? enabledShareByLag[lag]! / count[lag]! : Number.NaN;

  // (|W_rec|^lag) for every lag examined.
  const absW = absolute(tr.recurrentWeights);
  const powers: Float64Array[] = [absW];
  for (let lag = 2; lag <= maxLag; lag++) powers.push(matmul(absW, powers[lag - 2]!, r));
  let maxBoundRatio = 0, fullyEnabledPairs = 0, pairs = 0;
  forEachJacobian(tr, maxLag, (b, t, lag, j) => {
    const bound = powers[lag - 1]!;
    for (let i = 0; i < r * r; i++) {
      const v = Math.abs(j[i]!);
      const ratio = v === 0 ? 0 : bound[i] === 0 ? Infinity : v / bound[i]!;
      if (ratio > maxBoundRatio) maxBoundRatio = ratio;
    }
    pairs++;
    let all = true;
    for (let m = t - lag; m < t && all; m++) all = active[b * T + m - 1] === 1;
    if (all) fullyEnabledPairs++;
  });
  return { activeByStep, enabledShareByLag, maxBoundRatio, fullyEnabledPairs, pairs };
}
