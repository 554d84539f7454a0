import { at, get } from './memory';
import { addInPlace } from './vector';

// An embedding table E [V][d]; token ids stored as floats (see src/kernels/js/embedding.ts).

/** out[i] = E[ids[i]]. */
export function embeddingForward(out: usize, table: usize, ids: usize, rows: i32, dim: i32): void {
  for (let i = 0; i < rows; i++) memory.copy(at(out, i * dim), at(table, <i32>get(ids, i) * dim), <usize>dim << 2);
}

/** dE[ids[i]] += dOut[i]. */
export function embeddingBackward(dTable: usize, dOut: usize, ids: usize, rows: i32, dim: i32): void {
  for (let i = 0; i < rows; i++) addInPlace(at(dTable, <i32>get(ids, i) * dim), at(dOut, i * dim), dim);
}
