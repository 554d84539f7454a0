import type { Mem } from './types.js';

/*
 * An embedding table E [V][d]: row v is token v's vector. Token ids are
 * stored in the arena as floats (exact below 2^24; the model checks ids
 * against V before they are stored).
 */

/** out[i] = E[ids[i]] for `rows` ids: the layer below the first recurrence. */
export function embeddingForward(mem: Mem, out: number, table: number, ids: number, rows: number, dim: number): void {
  for (let i = 0; i < rows; i++) {
    const src = table + mem[ids + i]! * dim;
    mem.copyWithin(out + i * dim, src, src + dim);
  }
}

/** dE[ids[i]] += dOut[i]: a token used k times collects k rows of gradient. */
export function embeddingBackward(mem: Mem, dTable: number, dOut: number, ids: number, rows: number, dim: number): void {
  for (let i = 0; i < rows; i++) {
    const dst = dTable + mem[ids + i]! * dim, src = dOut + i * dim;
    for (let j = 0; j < dim; j++) mem[dst + j] += mem[src + j];
  }
}
