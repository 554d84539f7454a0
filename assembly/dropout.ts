import { at, get, put } from './memory';

// Dropout masks from a hash of (seed, draw, layer, sequence id, step, unit);
// see src/kernels/js/dropout.ts. Integer arithmetic wraps mod 2^32 exactly as
// Math.imul and the JS bit operators do.

// @ts-ignore: decorator
@inline function hash32(x: u32): u32 {
  x ^= x >> 16; x *= 0x7feb352d;
  x ^= x >> 15; x *= 0x846ca68b;
  x ^= x >> 16;
  return x;
}

export function dropoutMask(
  mask: usize, ids: usize, batch: i32, steps: i32, firstStep: i32, cols: i32, seed: u32, draw: u32, layer: u32, rate: f64,
): void {
  const keepScale = <f32>(1.0 / (1.0 - rate));
  const threshold = <u32>Math.floor(rate * 16777216.0);
  const base = hash32(hash32(hash32(seed) ^ draw) ^ layer);
  for (let s = 0; s < steps; s++) {
    const step = hash32(base ^ <u32>(firstStep + s));
    for (let b = 0; b < batch; b++) {
      const key = hash32(step ^ <u32><i32>get(ids, b));
      const row = at(mask, (s * batch + b) * cols);
      let j = 0;
      if (ASC_FEATURE_SIMD) {
        // Four units a turn: the same 32-bit hash in i32x4 lanes (multiplication wraps the same), bit for bit the scalar mask.
        const keyV = i32x4.splat(key), golden = i32x4.splat(0x9e3779b9), thresholdV = i32x4.splat(threshold), keepV = f32x4.splat(keepScale);
        let jv = i32x4(0, 1, 2, 3);
        const four = i32x4.splat(4);
        for (; j + 4 <= cols; j += 4) {
          let x = i32x4.add(keyV, i32x4.mul(jv, golden));
          x = v128.xor(x, i32x4.shr_u(x, 16)); x = i32x4.mul(x, i32x4.splat(0x7feb352d));
          x = v128.xor(x, i32x4.shr_u(x, 15)); x = i32x4.mul(x, i32x4.splat(0x846ca68b));
          x = v128.xor(x, i32x4.shr_u(x, 16));
          v128.store(at(row, j), v128.and(i32x4.ge_u(i32x4.shr_u(x, 8), thresholdV), keepV));
          jv = i32x4.add(jv, four);
        }
      }
      for (; j < cols; j++) {
        const u = hash32(key + <u32>j * 0x9e3779b9) >> 8;
        put(row, j, u >= threshold ? keepScale : 0);
      }
    }
  }
}

/** out = a ∘ b elementwise. */
export function multiply(out: usize, a: usize, b: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) v128.store(at(out, i), f32x4.mul(v128.load(at(a, i)), v128.load(at(b, i))));
  }
  for (; i < n; i++) put(out, i, get(a, i) * get(b, i));
}
