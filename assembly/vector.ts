import { at, get, put } from './memory';

/** Σ x_i², accumulated in f64. */
export function sumSquares(x: usize, n: i32): f64 {
  let i = 0;
  let s: f64 = 0;
  if (ASC_FEATURE_SIMD) {
    // Eight values a turn into four accumulators: with two, each turn waited on the previous turn's f64 adds.
    let acc0 = f64x2.splat(0), acc1 = f64x2.splat(0), acc2 = f64x2.splat(0), acc3 = f64x2.splat(0);
    for (; i + 8 <= n; i += 8) {
      const v = v128.load(at(x, i)), w = v128.load(at(x, i), 16);
      const lo = f64x2.promote_low_f32x4(v), hi = f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1));
      const lo2 = f64x2.promote_low_f32x4(w), hi2 = f64x2.promote_low_f32x4(i32x4.shuffle(w, w, 2, 3, 0, 1));
      acc0 = f64x2.add(acc0, f64x2.mul(lo, lo));
      acc1 = f64x2.add(acc1, f64x2.mul(hi, hi));
      acc2 = f64x2.add(acc2, f64x2.mul(lo2, lo2));
      acc3 = f64x2.add(acc3, f64x2.mul(hi2, hi2));
    }
    for (; i + 4 <= n; i += 4) {
      const v = v128.load(at(x, i));
      const lo = f64x2.promote_low_f32x4(v), hi = f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1));
      acc0 = f64x2.add(acc0, f64x2.mul(lo, lo));
      acc1 = f64x2.add(acc1, f64x2.mul(hi, hi));
    }
    const acc = f64x2.add(f64x2.add(acc0, acc2), f64x2.add(acc1, acc3));
    s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  }
  for (; i < n; i++) { const v = <f64>get(x, i); s += v * v; }
  return s;
}

/**
 * 1 if every x_i is finite, else 0: x − x is 0 for a finite x and NaN for ±∞ and NaN, and a NaN stays in a sum.
 * Two operations a vector, where sumSquares (which would also say it) spends eight in f64.
 */
export function allFinite(x: usize, n: i32): i32 {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    for (; i + 16 <= n; i += 16) {
      const p = at(x, i);
      const v0 = v128.load(p), v1 = v128.load(p, 16), v2 = v128.load(p, 32), v3 = v128.load(p, 48);
      a0 = f32x4.add(a0, f32x4.sub(v0, v0));
      a1 = f32x4.add(a1, f32x4.sub(v1, v1));
      a2 = f32x4.add(a2, f32x4.sub(v2, v2));
      a3 = f32x4.add(a3, f32x4.sub(v3, v3));
    }
    const a = f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3));
    if (v128.any_true(f32x4.ne(a, a))) return 0;
  }
  for (; i < n; i++) { const v = get(x, i); if (v - v != 0) return 0; }
  return 1;
}

export function scaleInPlace(x: usize, n: i32, s: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const sv = f32x4.splat(s);
    let q = x;
    for (const end = at(x, n & ~7); q < end; q += 32) {
      v128.store(q, f32x4.mul(v128.load(q), sv));
      v128.store(q, f32x4.mul(v128.load(q, 16), sv), 16);
    }
    i = n & ~7;
  }
  for (; i < n; i++) put(x, i, get(x, i) * s);
}

export function clampInPlace(x: usize, n: i32, c: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const hi = f32x4.splat(c), lo = f32x4.splat(-c);
    for (; i + 4 <= n; i += 4) v128.store(at(x, i), f32x4.pmax(lo, f32x4.pmin(hi, v128.load(at(x, i)))));
  }
  for (; i < n; i++) {
    const v = get(x, i);
    put(x, i, v > c ? c : v < -c ? -c : v);
  }
}

/** dst ← src (overlapping ranges allowed). */
export function copy(dst: usize, src: usize, n: i32): void {
  memory.copy(dst, src, <usize>n << 2);
}

export function fill(x: usize, n: i32, value: f32): void {
  // +0 (all bits 0) is the usual value: bulk memory's fill, a memset.
  if (reinterpret<i32>(value) == 0) {
    memory.fill(x, 0, <usize>n << 2);
    return;
  }
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const v = f32x4.splat(value);
    for (; i + 4 <= n; i += 4) v128.store(at(x, i), v);
  }
  for (; i < n; i++) put(x, i, value);
}

/** dst += src. */
export function addInPlace(dst: usize, src: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    let d = dst, s = src;
    for (const end = at(dst, n & ~7); d < end; d += 32, s += 32) {
      v128.store(d, f32x4.add(v128.load(d), v128.load(s)));
      v128.store(d, f32x4.add(v128.load(d, 16), v128.load(s, 16)), 16);
    }
    i = n & ~7;
  }
  for (; i < n; i++) put(dst, i, get(dst, i) + get(src, i));
}

/** out[cols] += Σ_rows x[rows×cols]. */
export function sumRowsInto(out: usize, x: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) addInPlace(out, at(x, r * cols), cols);
}

/** Every row of x ← v. */
export function broadcastRows(x: usize, v: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) copy(at(x, r * cols), v, cols);
}
