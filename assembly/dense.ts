import { activationForward } from './activation';
import { columnSums, matmulAB, matmulABt, matmulAtB } from './matmul';
import { at } from './memory';

/** z = x·Wᵀ + b, y = act(z), over `rows` examples (note 001 eq. 1.5). */
export function denseForward(
  x: usize, w: usize, b: usize, z: usize, y: usize, rows: i32, inSize: i32, outSize: i32, act: i32,
): void {
  for (let i = 0; i < rows; i++) memory.copy(at(z, i * outSize), b, <usize>outSize << 2);
  matmulABt(z, x, w, rows, outSize, inSize, 1);
  activationForward(z, y, rows, outSize, act);
}

/** dW += dzᵀ·x, db += Σ dz, and dx = dz·W unless dx is 0. */
export function denseBackward(
  dz: usize, x: usize, w: usize, dw: usize, db: usize, dx: usize, rows: i32, inSize: i32, outSize: i32,
): void {
  matmulAtB(dw, dz, x, outSize, inSize, rows, 1);
  columnSums(db, dz, rows, outSize, 1);
  if (dx != 0) matmulAB(dx, dz, w, rows, inSize, outSize, 0);
}
