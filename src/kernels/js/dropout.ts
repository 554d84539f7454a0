import type { Mem } from './types.js';

/*
 * Dropout between layers (PyTorch's semantics: inverted dropout, training
 * only): a unit is kept with probability 1 − rate and scaled by 1/(1 − rate).
 * The mask is a hash of (seed, draw, layer, sequence id, step, unit), not a
 * stream of random numbers, so it does not depend on how a batch is split,
 * ordered or windowed, and every backend draws the same mask.
 */

/** lowbias32 (C. Wellons): a 32-bit integer hash with low bias. */
function hash32(x: number): number {
  x ^= x >>> 16; x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15; x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x;
}

/**
 * mask[s][b][j] ∈ {0, 1/(1 − rate)} for `steps` slots of `batch` sequences
 * and `cols` units; ids[b] is sequence b's id (a float) and slot s is step
 * firstStep + s of its sequence.
 */
export function dropoutMask(
  mem: Mem, mask: number, ids: number, batch: number, steps: number, firstStep: number, cols: number,
  seed: number, draw: number, layer: number, rate: number,
): void {
  const keepScale = 1 / (1 - rate);
  // Compare 24-bit integers: the same threshold in float32 and float64, JS and wasm.
  const threshold = Math.floor(rate * 16777216);
  const base = hash32(hash32(hash32(seed) ^ draw) ^ layer);
  for (let s = 0; s < steps; s++) {
    const step = hash32(base ^ (firstStep + s));
    for (let b = 0; b < batch; b++) {
      const key = hash32(step ^ mem[ids + b]!);
      const row = mask + (s * batch + b) * cols;
      for (let j = 0; j < cols; j++) {
        const u = hash32(key + Math.imul(j, 0x9e3779b9)) >>> 8;
        mem[row + j] = u >= threshold ? keepScale : 0;
      }
    }
  }
}

/** out[i] = a[i]·b[i] (applying a mask forward, or to a gradient backward); out may be a or b. */
export function multiply(mem: Mem, out: number, a: number, b: number, n: number): void {
  for (let i = 0; i < n; i++) mem[out + i] = mem[a + i]! * mem[b + i]!;
}
