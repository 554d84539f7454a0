import { checkFinite, checkInteger, fail } from '../errors.js';

/**
 * Small dense float64 matrices for the gradient-flow analysis: row-major
 * n×n arrays and plain loops (only matmul is unrolled). These run on one model's
 * W_rec (r×r), never in a training step.
 */

/**
 * C = A·B for n×n matrices (C must not alias A or B). Four rows of B per pass
 * over a row of C: a quarter of the loads and stores of the plain i-k-j loop,
 * about 2× faster in V8.
 */
export function matmul(a: Float64Array, b: Float64Array, n: number, c: Float64Array = new Float64Array(n * n)): Float64Array {
  c.fill(0);
  const k4 = n - (n % 4);
  for (let i = 0; i < n; i++) {
    const row = i * n;
    let k = 0;
    for (; k < k4; k += 4) {
      const a0 = a[row + k]!, a1 = a[row + k + 1]!, a2 = a[row + k + 2]!, a3 = a[row + k + 3]!;
      const b0 = k * n, b1 = b0 + n, b2 = b1 + n, b3 = b2 + n;
      for (let j = 0; j < n; j++) c[row + j]! += a0 * b[b0 + j]! + a1 * b[b1 + j]! + a2 * b[b2 + j]! + a3 * b[b3 + j]!;
    }
    for (; k < n; k++) {
      const a0 = a[row + k]!, b0 = k * n;
      for (let j = 0; j < n; j++) c[row + j]! += a0 * b[b0 + j]!;
    }
  }
  return c;
}

export function identity(n: number): Float64Array {
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) m[i * n + i] = 1;
  return m;
}

/** A^e by repeated multiplication (e ≥ 0). */
export function matrixPower(a: Float64Array, n: number, e: number): Float64Array {
  let m = identity(n);
  for (let i = 0; i < e; i++) m = matmul(a, m, n);
  return m;
}

/** |A| entrywise. */
export function absolute(a: Float64Array): Float64Array {
  return a.map(Math.abs);
}

/**
 * The induced 1-norm ‖A‖₁ = max_j Σ_i |a_ij| (largest absolute column sum).
 * It is submultiplicative and ‖diag(d)‖₁ = max|d_i|, which is what makes
 * Hochreiter's bound hold for it (see bound.ts).
 */
export function norm1(a: ArrayLike<number>, n: number): number {
  let best = 0;
  for (let j = 0; j < n; j++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += Math.abs(a[i * n + j]!);
    if (sum > best) best = sum;
  }
  return best;
}

/** Frobenius norm (of any array, e.g. an r×r gradient block). */
export function frobenius(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return Math.sqrt(s);
}

/**
 * Spectral radius ρ(A) = max |λ_i|, by Gelfand's formula ρ = lim ‖A^m‖^{1/m}
 * with m = 2^s: the matrix is squared s times and renormalised each time, the
 * logarithm of the scale carried separately so nothing overflows. Unlike
 * power iteration this converges when the largest eigenvalues are a complex
 * pair (an orthogonal W_rec), and it needs no eigen-solver. The error after s
 * squarings is about log(κ)/2^s for a matrix whose eigenvector basis has
 * condition κ; 60 squarings leave nothing visible in float64.
 */
export function spectralRadius(a: ArrayLike<number>, n: number): number {
  checkInteger('n', n, 1);
  if (!a || a.length !== n * n) fail('matrix', `n·n = ${n * n} values (row-major)`, a);
  checkFinite('matrix', a);
  let m = Float64Array.from(a);
  let scale = norm1(m, n);
  if (scale === 0) return 0;
  for (let i = 0; i < m.length; i++) m[i]! /= scale;
  // After s squarings: A^(2^s) = e^(L·2^s)·M with ‖M‖₁ = 1; the estimate is e^L.
  let logRho = Math.log(scale);
  let next = new Float64Array(n * n);
  for (let s = 1; s <= 60; s++) {
    matmul(m, m, n, next);
    const norm = norm1(next, n);
    if (norm === 0) return 0; // nilpotent: every eigenvalue is 0
    const step = Math.log(norm) / 2 ** s;
    logRho += step;
    for (let i = 0; i < next.length; i++) next[i]! /= norm;
    [m, next] = [next, m];
    if (s >= 12 && Math.abs(step) < 1e-16) break;
  }
  return Math.exp(logRho);
}
