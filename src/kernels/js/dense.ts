import { activationForward } from './activation.js';
import { columnSums, matmulAB, matmulABt, matmulAtB } from './matmul.js';
import { NONE, type Mem } from './types.js';

/**
 * A fully connected layer over `rows` examples at once:
 * z = x·Wᵀ + b (note 001 eq. 1.5), y = act(z). W is out×in row-major.
 * `y` may equal `z` (in place) when the pre-activation is not needed later.
 */
export function denseForward(
  mem: Mem, x: number, w: number, b: number, z: number, y: number,
  rows: number, inSize: number, outSize: number, act: number,
): void {
  for (let i = 0; i < rows; i++) mem.copyWithin(z + i * outSize, b, b + outSize);
  matmulABt(mem, z, x, w, rows, outSize, inSize, 1);
  activationForward(mem, z, y, rows, outSize, act);
}

/**
 * Given dz = ∂L/∂z for every row: dW += dzᵀ·x, db += Σ_rows dz (eqs. 1.21–1.26),
 * and, unless dx is NONE, dx = dz·W (the δ passed to the layer below, eq. 1.23).
 */
export function denseBackward(
  mem: Mem, dz: number, x: number, w: number, dw: number, db: number, dx: number,
  rows: number, inSize: number, outSize: number,
): void {
  matmulAtB(mem, dw, dz, x, outSize, inSize, rows, 1);
  columnSums(mem, db, dz, rows, outSize, 1);
  if (dx !== NONE) matmulAB(mem, dx, dz, w, rows, inSize, outSize, 0);
}
