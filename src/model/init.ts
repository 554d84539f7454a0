import type { Random } from './random.js';

/** How a weight matrix starts: Glorot, He, a random orthogonal matrix, the identity (IRNN) or zeros. */
export type WeightInit = 'glorot' | 'he' | 'orthogonal' | 'identity' | 'zeros';

/**
 * Fills a rows×cols row-major matrix.
 * - glorot: U(±√(6/(fanIn+fanOut))) — for tanh, sigmoid and identity units (Glorot & Bengio 2010)
 * - he: N(0, 2/fanIn) — for ReLU units (He et al. 2015)
 * - orthogonal: a random orthogonal matrix (Saxe et al. 2014), by Gram–Schmidt on a Gaussian matrix
 * - identity: the scaled identity (IRNN, Le et al. 2015)
 * `gain` multiplies the result.
 */
export function initMatrix(out: Float64Array, rows: number, cols: number, kind: WeightInit, gain: number, rng: Random): void {
  switch (kind) {
    case 'zeros':
      out.fill(0);
      return;
    case 'glorot': {
      const limit = gain * Math.sqrt(6 / (rows + cols));
      for (let i = 0; i < out.length; i++) out[i] = rng.uniform(-limit, limit);
      return;
    }
    case 'he': {
      const std = gain * Math.sqrt(2 / cols);
      for (let i = 0; i < out.length; i++) out[i] = std * rng.gaussian();
      return;
    }
    case 'identity':
      out.fill(0);
      for (let i = 0; i < Math.min(rows, cols); i++) out[i * cols + i] = gain;
      return;
    case 'orthogonal':
      orthogonal(out, rows, cols, gain, rng);
      return;
  }
}

/** Orthonormal rows (or columns, when rows > cols) by modified Gram–Schmidt. */
function orthogonal(out: Float64Array, rows: number, cols: number, gain: number, rng: Random): void {
  // Work on the wider orientation so the vectors being orthonormalised are independent.
  const transpose = rows > cols;
  const count = transpose ? cols : rows;
  const length = transpose ? rows : cols;
  const v = new Float64Array(count * length);
  for (let i = 0; i < v.length; i++) v[i] = rng.gaussian();
  for (let i = 0; i < count; i++) {
    const vi = i * length;
    for (let j = 0; j < i; j++) {
      const vj = j * length;
      let dot = 0;
      for (let k = 0; k < length; k++) dot += v[vi + k]! * v[vj + k]!;
      for (let k = 0; k < length; k++) v[vi + k]! -= dot * v[vj + k]!;
    }
    let norm = 0;
    for (let k = 0; k < length; k++) norm += v[vi + k]! * v[vi + k]!;
    norm = Math.sqrt(norm);
    for (let k = 0; k < length; k++) v[vi + k]! /= norm;
  }
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      out[r * cols + c] = gain * (transpose ? v[c * length + r]! : v[r * length + c]!);
    }
  }
}
