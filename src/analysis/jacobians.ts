import { checkInteger, fail } from '../errors.js';
import { identity, norm1 } from './linalg.js';
import type { Trajectory } from './trajectory.js';

/*
 * Temporal Jacobians (note 001 eq. 1.45, in rnnkit's index convention).
 * With a^t = W_rec·φ^{t−1} + W_in·x^t + b and φ^t = σ(a^t),
 *   ∂a^{t}/∂a^{t−1} = W_rec·diag(σ'(a^{t−1})),
 *   ∂a^t/∂a^k      = W_rec·D_{t−1} · W_rec·D_{t−2} ⋯ W_rec·D_k,   D_i = diag(σ'(a^i)),
 * a product of exactly t − k factors (the identity when t = k). The note
 * writes each factor as diag(σ')·W_rec and counts t − k − 1 of them; for a
 * linear RNN the product above is W_rec^{t−k}, which the tests check.
 */

/** σ'(a^t) of sequence b: r values. */
function slopes(tr: Trajectory, b: number, t: number): Float64Array {
  const r = tr.hiddenSize, at = (b * tr.steps + t - 1) * r;
  return tr.slope.subarray(at, at + r);
}

/**
 * out = W_rec·diag(d)·J: one more factor on the left. Only the k with d_k ≠ 0
 * contribute (for ReLU, the active units), four at a time as in matmul.
 */
function prepend(w: Float64Array, d: Float64Array, j: Float64Array, n: number, active: Int32Array, out: Float64Array): void {
  let m = 0;
  for (let k = 0; k < n; k++) if (d[k] !== 0) active[m++] = k;
  out.fill(0);
  const m4 = m - (m % 4);
  for (let i = 0; i < n; i++) {
    const row = i * n;
    let q = 0;
    for (; q < m4; q += 4) {
      const k0 = active[q]!, k1 = active[q + 1]!, k2 = active[q + 2]!, k3 = active[q + 3]!;
      const a0 = w[row + k0]! * d[k0]!, a1 = w[row + k1]! * d[k1]!, a2 = w[row + k2]! * d[k2]!, a3 = w[row + k3]! * d[k3]!;
      const b0 = k0 * n, b1 = k1 * n, b2 = k2 * n, b3 = k3 * n;
      for (let c = 0; c < n; c++) out[row + c]! += a0 * j[b0 + c]! + a1 * j[b1 + c]! + a2 * j[b2 + c]! + a3 * j[b3 + c]!;
    }
    for (; q < m; q++) {
      const k = active[q]!, a = w[row + k]! * d[k]!, b = k * n;
      for (let c = 0; c < n; c++) out[row + c]! += a * j[b + c]!;
    }
  }
}

function checkSequence(tr: Trajectory, b: number): number {
  checkInteger('sequence', b, 0, tr.size - 1);
  return tr.lengths[b]!;
}

/** ∂a^t/∂a^k (r×r, row-major) for sequence b, 1 ≤ k ≤ t ≤ its length. */
export function jacobianOf(tr: Trajectory, b: number, t: number, k: number): Float64Array {
  const length = checkSequence(tr, b);
  checkInteger('t', t, 1, length);
  checkInteger('k', k, 1, t);
  const n = tr.hiddenSize, w = tr.recurrentWeights;
  let j: Float64Array = identity(n), next: Float64Array = new Float64Array(n * n);
  const active = new Int32Array(n);
  // J_{k,k} = I, then J_{i+1,k} = W·D_i·J_{i,k}: each step puts one more factor on the left.
  for (let i = k; i < t; i++) {
    prepend(w, slopes(tr, b, i), j, n, active, next);
    [j, next] = [next, j];
  }
  return j;
}

/**
 * Calls visit(b, t, lag, J) with J = ∂a^t/∂a^{t−lag} for every sequence b,
 * every step t within its length and 1 ≤ lag ≤ min(maxLag, t − 1). J is a
 * reused buffer: copy it to keep it. Cost O(B·T·maxLag·r³).
 */
export function forEachJacobian(
  tr: Trajectory, maxLag: number, visit: (b: number, t: number, lag: number, jacobian: Float64Array) => void,
): void {
  const n = tr.hiddenSize, w = tr.recurrentWeights;
  const active = new Int32Array(n);
  let j: Float64Array = new Float64Array(n * n), next: Float64Array = new Float64Array(n * n);
  for (let b = 0; b < tr.size; b++) {
    const length = tr.lengths[b]!;
    for (let k = 1; k < length; k++) {
      j.set(identity(n));
      for (let t = k + 1; t <= Math.min(length, k + maxLag); t++) {
        prepend(w, slopes(tr, b, t - 1), j, n, active, next);
        [j, next] = [next, j];
        visit(b, t, t - k, j);
      }
    }
  }
}

/** The temporal Jacobians' induced 1-norms ‖∂a^t/∂a^{t−lag}‖₁, by (t, lag) and by lag. */
export interface JacobianNorms {
  /** T: steps per sequence of the batch. */
  readonly steps: number;
  /** Largest lag computed. */
  readonly maxLag: number;
  /**
   * [T][T]: at (t − 1)·T + lag, the mean over sequences of ‖∂a^t/∂a^{t−lag}‖₁
   * (1 at lag 0; NaN where lag ≥ t, lag > maxLag, or no sequence reaches t).
   */
  readonly byTime: Float64Array;
  /** [T]: at index lag, the mean of ‖∂a^t/∂a^{t−lag}‖₁ over sequences and t (NaN if no pair). */
  readonly meanByLag: Float64Array;
  /** [T]: the largest ‖∂a^t/∂a^{t−lag}‖₁ over sequences and t. */
  readonly maxByLag: Float64Array;
  /** [T]: how many (sequence, t) pairs each lag averages. */
  readonly pairsByLag: Int32Array;
}

export function resolveMaxLag(tr: Trajectory, maxLag: unknown): number {
  const longest = Math.max(1, ...tr.lengths) - 1;
  if (maxLag === undefined) return longest;
  if (typeof maxLag !== 'number') fail('maxLag', 'an integer ≥ 1', maxLag);
  return Math.min(checkInteger('maxLag', maxLag, 1), longest);
}

/** Induced 1-norms of every temporal Jacobian, by (t, lag) and by lag. */
export function jacobianNormsOf(tr: Trajectory, maxLag: number): JacobianNorms {
  const T = tr.steps, n = tr.hiddenSize;
  const sum = new Float64Array(T * T), count = new Int32Array(T * T);
  const meanByLag = new Float64Array(T), maxByLag = new Float64Array(T).fill(Number.NaN), pairsByLag = new Int32Array(T);
  for (let b = 0; b < tr.size; b++) {
    for (let t = 1; t <= tr.lengths[b]!; t++) { sum[(t - 1) * T] += 1; count[(t - 1) * T]++; }
  }
  meanByLag[0] = 1; maxByLag[0] = 1; pairsByLag[0] = count.reduce((s, c, i) => s + (i % T === 0 ? c : 0), 0);
  forEachJacobian(tr, maxLag, (_b, t, lag, j) => {
    const norm = norm1(j, n);
    sum[(t - 1) * T + lag]! += norm;
    count[(t - 1) * T + lag]!++;
    meanByLag[lag]! += norm;
    pairsByLag[lag]!++;
    if (!(norm <= maxByLag[lag]!)) maxByLag[lag] = norm;
  });
  const byTime = sum.map((s, i) => (count[i]! > 0 ? s / count[i]! : Number.NaN));
  for (let lag = 1; lag < T; lag++) meanByLag[lag] = pairsByLag[lag]! > 0 ? meanByLag[lag]! / pairsByLag[lag]! : Number.NaN;
  return { steps: T, maxLag, byTime, meanByLag, maxByLag, pairsByLag };
}
