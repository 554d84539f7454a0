import type { Mem } from './types.js';

/*
 * The three matrix products every layer is made of. All matrices are dense,
 * row-major and contiguous. `accumulate` = 1 adds into C, 0 overwrites it.
 * Loops are ordered so the innermost one walks memory contiguously.
 */

/** C[M×N] (+)= A[M×K] · B[N×K]ᵀ — a layer's forward product (rows of W are dot products). */
export function matmulABt(
  mem: Mem, c: number, a: number, b: number,
  m: number, n: number, k: number, accumulate: number,
): void {
  for (let i = 0; i < m; i++) {
    const ai = a + i * k;
    const ci = c + i * n;
    let j = 0;
    // Four rows of B at once: each A element is loaded once for four dot products.
    for (; j + 4 <= n; j += 4) {
      const b0 = b + j * k, b1 = b0 + k, b2 = b1 + k, b3 = b2 + k;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let q = 0; q < k; q++) {
        const x = mem[ai + q];
        s0 += x * mem[b0 + q];
        s1 += x * mem[b1 + q];
        s2 += x * mem[b2 + q];
        s3 += x * mem[b3 + q];
      }
      if (accumulate) {
        mem[ci + j] += s0; mem[ci + j + 1] += s1; mem[ci + j + 2] += s2; mem[ci + j + 3] += s3;
      } else {
        mem[ci + j] = s0; mem[ci + j + 1] = s1; mem[ci + j + 2] = s2; mem[ci + j + 3] = s3;
      }
    }
    for (; j < n; j++) {
      const bj = b + j * k;
      let s = 0;
      for (let q = 0; q < k; q++) s += mem[ai + q] * mem[bj + q];
      if (accumulate) mem[ci + j] += s;
      else mem[ci + j] = s;
    }
  }
}

/** C[M×N] (+)= A[M×K] · B[K×N] — back-propagating through a layer (δ·W). */
export function matmulAB(
  mem: Mem, c: number, a: number, b: number,
  m: number, n: number, k: number, accumulate: number,
): void {
  for (let i = 0; i < m; i++) {
    const ci = c + i * n;
    if (!accumulate) mem.fill(0, ci, ci + n);
    const ai = a + i * k;
    for (let q = 0; q < k; q++) {
      const x = mem[ai + q];
      if (x === 0) continue; // ReLU and masked rows make many δ entries exactly zero
      const bq = b + q * n;
      for (let j = 0; j < n; j++) mem[ci + j] += x * mem[bq + j];
    }
  }
}

/** C[M×N] (+)= A[K×M]ᵀ · B[K×N] — a weight gradient summed over K rows (steps × sequences). */
export function matmulAtB(
  mem: Mem, c: number, a: number, b: number,
  m: number, n: number, k: number, accumulate: number,
): void {
  if (!accumulate) mem.fill(0, c, c + m * n);
  for (let q = 0; q < k; q++) {
    const aq = a + q * m;
    const bq = b + q * n;
    for (let i = 0; i < m; i++) {
      const x = mem[aq + i];
      if (x === 0) continue;
      const ci = c + i * n;
      for (let j = 0; j < n; j++) mem[ci + j] += x * mem[bq + j];
    }
  }
}

/** out[N] (+)= Σ_rows A[rows×N] — bias gradients. */
export function columnSums(
  mem: Mem, out: number, a: number, rows: number, n: number, accumulate: number,
): void {
  if (!accumulate) mem.fill(0, out, out + n);
  for (let i = 0; i < rows; i++) {
    const ai = a + i * n;
    for (let j = 0; j < n; j++) mem[out + j] += mem[ai + j];
  }
}
