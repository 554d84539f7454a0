import type { Mem } from './types.js';

/*
 * The three matrix products every layer is made of. All matrices are dense,
 * row-major and contiguous. `accumulate` = 1 adds into C, 0 overwrites it.
 * Loops are ordered so the innermost one walks memory contiguously, and
 * unrolled by 4 along the shared dimension so each row of C is loaded and
 * stored a quarter as often (the loads and stores of C, not the arithmetic,
 * bound a JS matrix product).
 */

/** C[M×N] (+)= A[M×K] · B[N×K]ᵀ — a layer's forward product (rows of W are dot products). */
export function matmulABt(
  mem: Mem, c: number, a: number, b: number,
  m: number, n: number, k: number, accumulate: number,
): void {
  let i = 0;
  // Two rows of A against four rows of B: each loaded element serves several dot products.
  for (; i + 2 <= m; i += 2) {
    const a0 = a + i * k, a1 = a0 + k;
    const c0 = c + i * n, c1 = c0 + n;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const b0 = b + j * k, b1 = b0 + k, b2 = b1 + k, b3 = b2 + k;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      for (let q = 0; q < k; q++) {
        const x0 = mem[a0 + q]!, x1 = mem[a1 + q]!;
        const y0 = mem[b0 + q]!, y1 = mem[b1 + q]!, y2 = mem[b2 + q]!, y3 = mem[b3 + q]!;
        s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3;
        s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3;
      }
      if (accumulate) {
        mem[c0 + j] += s00; mem[c0 + j + 1] += s01; mem[c0 + j + 2] += s02; mem[c0 + j + 3] += s03;
        mem[c1 + j] += s10; mem[c1 + j + 1] += s11; mem[c1 + j + 2] += s12; mem[c1 + j + 3] += s13;
      } else {
        mem[c0 + j] = s00; mem[c0 + j + 1] = s01; mem[c0 + j + 2] = s02; mem[c0 + j + 3] = s03;
        mem[c1 + j] = s10; mem[c1 + j + 1] = s11; mem[c1 + j + 2] = s12; mem[c1 + j + 3] = s13;
      }
    }
    for (; j < n; j++) {
      const bj = b + j * k;
      let s0 = 0, s1 = 0;
      for (let q = 0; q < k; q++) { const y = mem[bj + q]!; s0 += mem[a0 + q]! * y; s1 += mem[a1 + q]! * y; }
      if (accumulate) { mem[c0 + j] += s0; mem[c1 + j] += s1; } else { mem[c0 + j] = s0; mem[c1 + j] = s1; }
    }
  }
  for (; i < m; i++) {
    const ai = a + i * k, ci = c + i * n;
    for (let j = 0; j < n; j++) {
      const bj = b + j * k;
      let s = 0;
      for (let q = 0; q < k; q++) s += mem[ai + q]! * mem[bj + q]!;
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
  if (!accumulate) for (let i = 0; i < m; i++) mem.fill(0, c + i * n, c + (i + 1) * n);
  let i = 0;
  // Two rows of C, four of B at a time: each B element loaded serves both rows.
  for (; i + 2 <= m; i += 2) {
    const c0 = c + i * n, c1 = c0 + n, a0 = a + i * k, a1 = a0 + k;
    let q = 0;
    for (; q + 4 <= k; q += 4) {
      const x0 = mem[a0 + q]!, x1 = mem[a0 + q + 1]!, x2 = mem[a0 + q + 2]!, x3 = mem[a0 + q + 3]!;
      const y0 = mem[a1 + q]!, y1 = mem[a1 + q + 1]!, y2 = mem[a1 + q + 2]!, y3 = mem[a1 + q + 3]!;
      rowPairUpdate(mem, c0, c1, b + q * n, n, x0, x1, x2, x3, y0, y1, y2, y3);
    }
    for (; q < k; q++) {
      const x = mem[a0 + q]!, y = mem[a1 + q]!, bq = b + q * n;
      for (let j = 0; j < n; j++) { const v = mem[bq + j]!; mem[c0 + j] += x * v; mem[c1 + j] += y * v; }
    }
  }
  for (; i < m; i++) {
    const ci = c + i * n, ai = a + i * k;
    for (let q = 0; q < k; q++) {
      const x = mem[ai + q]!, bq = b + q * n;
      for (let j = 0; j < n; j++) mem[ci + j] += x * mem[bq + j]!;
    }
  }
}

/** C[M×N] (+)= A[K×M]ᵀ · B[K×N] — a weight gradient summed over K rows (steps × sequences). */
export function matmulAtB(
  mem: Mem, c: number, a: number, b: number,
  m: number, n: number, k: number, accumulate: number,
): void {
  if (!accumulate) mem.fill(0, c, c + m * n);
  let q = 0;
  for (; q + 4 <= k; q += 4) {
    const a0 = a + q * m, a1 = a0 + m, a2 = a1 + m, a3 = a2 + m;
    const bq = b + q * n;
    let i = 0;
    for (; i + 2 <= m; i += 2) {
      rowPairUpdate(mem, c + i * n, c + (i + 1) * n, bq, n,
        mem[a0 + i]!, mem[a1 + i]!, mem[a2 + i]!, mem[a3 + i]!,
        mem[a0 + i + 1]!, mem[a1 + i + 1]!, mem[a2 + i + 1]!, mem[a3 + i + 1]!);
    }
    for (; i < m; i++) {
      const x0 = mem[a0 + i]!, x1 = mem[a1 + i]!, x2 = mem[a2 + i]!, x3 = mem[a3 + i]!;
      const ci = c + i * n, b1 = bq + n, b2 = b1 + n, b3 = b2 + n;
      for (let j = 0; j < n; j++) mem[ci + j] += x0 * mem[bq + j]! + x1 * mem[b1 + j]! + x2 * mem[b2 + j]! + x3 * mem[b3 + j]!;
    }
  }
  for (; q < k; q++) {
    const aq = a + q * m, bq = b + q * n;
    for (let i = 0; i < m; i++) {
      const x = mem[aq + i]!, ci = c + i * n;
      for (let j = 0; j < n; j++) mem[ci + j] += x * mem[bq + j]!;
    }
  }
}

/**
 * The inner block both products share: rows c0 and c1 of C each gain a
 * combination of four consecutive rows of B (starting at b0, n apart), with
 * weights x0..x3 for c0 and y0..y3 for c1.
 */
function rowPairUpdate(
  mem: Mem, c0: number, c1: number, b0: number, n: number,
  x0: number, x1: number, x2: number, x3: number, y0: number, y1: number, y2: number, y3: number,
): void {
  const b1 = b0 + n, b2 = b1 + n, b3 = b2 + n;
  for (let j = 0; j < n; j++) {
    const v0 = mem[b0 + j]!, v1 = mem[b1 + j]!, v2 = mem[b2 + j]!, v3 = mem[b3 + j]!;
    mem[c0 + j] += x0 * v0 + x1 * v1 + x2 * v2 + x3 * v3;
    mem[c1 + j] += y0 * v0 + y1 * v1 + y2 * v2 + y3 * v3;
  }
}

/** out[N] (+)= Σ_rows A[rows×N] — bias gradients. */
export function columnSums(
  mem: Mem, out: number, a: number, rows: number, n: number, accumulate: number,
): void {
  if (!accumulate) mem.fill(0, out, out + n);
  for (let i = 0; i < rows; i++) {
    const ai = a + i * n;
    for (let j = 0; j < n; j++) mem[out + j] += mem[ai + j]!;
  }
}
