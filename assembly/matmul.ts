import { at, get, put } from './memory';

// The three matrix products every layer is made of (row-major, contiguous);
// accumulate = 1 adds into C, 0 overwrites it. Each has a scalar reference;
// the SIMD versions live beside them in the same function.

/** C[M×N] (+)= A[M×K] · B[N×K]ᵀ */
export function matmulABt(c: usize, a: usize, b: usize, m: i32, n: i32, k: i32, accumulate: i32): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s: f32 = 0;
      for (let q = 0; q < k; q++) s += get(a, i * k + q) * get(b, j * k + q);
      put(c, i * n + j, accumulate ? get(c, i * n + j) + s : s);
    }
  }
}

/** C[M×N] (+)= A[M×K] · B[K×N] */
export function matmulAB(c: usize, a: usize, b: usize, m: i32, n: i32, k: i32, accumulate: i32): void {
  for (let i = 0; i < m; i++) {
    const ci = at(c, i * n);
    if (!accumulate) memory.fill(ci, 0, <usize>n << 2);
    for (let q = 0; q < k; q++) {
      const x = get(a, i * k + q);
      const bq = at(b, q * n);
      for (let j = 0; j < n; j++) put(ci, j, get(ci, j) + x * get(bq, j));
    }
  }
}

/** C[M×N] (+)= A[K×M]ᵀ · B[K×N] */
export function matmulAtB(c: usize, a: usize, b: usize, m: i32, n: i32, k: i32, accumulate: i32): void {
  if (!accumulate) memory.fill(c, 0, <usize>(m * n) << 2);
  for (let q = 0; q < k; q++) {
    const bq = at(b, q * n);
    for (let i = 0; i < m; i++) {
      const x = get(a, q * m + i);
      const ci = at(c, i * n);
      for (let j = 0; j < n; j++) put(ci, j, get(ci, j) + x * get(bq, j));
    }
  }
}

/** out[N] (+)= Σ_rows A[rows×N] */
export function columnSums(out: usize, a: usize, rows: i32, n: i32, accumulate: i32): void {
  if (!accumulate) memory.fill(out, 0, <usize>n << 2);
  for (let i = 0; i < rows; i++) {
    const ai = at(a, i * n);
    for (let j = 0; j < n; j++) put(out, j, get(out, j) + get(ai, j));
  }
}
