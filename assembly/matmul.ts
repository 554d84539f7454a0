import { at, get, put } from './memory';

// The three matrix products every layer is made of (row-major, contiguous);
// accumulate = 1 adds into C, 0 overwrites it. Each public function picks, at
// compile time, the scalar reference (the `--disable simd` build) or the f32x4
// version (the `--enable simd` build). bench/matmul.mjs checks the SIMD versions
// against a float64 reference on awkward sizes, then times the workload shapes
// of docs/benchmarks.md: 33–42 GFLOP/s on all of them (the machine's f32x4
// mul+add limit is ≈ 16 flop/cycle ≈ 41 GFLOP/s; the scalar build does 1–4).
//
//   matmulABt  dot-product 2×4 micro-kernel (8 f32x4 sums over K, lane-summed at
//              the end); for K ≤ 32 a transposed copy of B + the 4×8 kernel below
//   matmulAB   outer-product 4×8 micro-kernel (8 f32x4 accumulators in registers,
//   matmulAtB  A splatted, B strip packed contiguous), K cut in 256-row slabs
//   columnSums 16 columns of running sums per pass (memory-bound)
//
// Contract beyond the maths: a row of C is bit-identical whatever M it is
// computed with (the summation order depends on N and K only), and the SIMD
// versions use 48 KiB of scratch (BT, PACK, APACK): by default a static block in
// the module's data page, moved by setScratch for an instance that shares its
// memory with others (one per thread, src/threads).

/** C[M×N] (+)= A[M×K] · B[N×K]ᵀ */
export function matmulABt(c: usize, a: usize, b: usize, m: i32, n: i32, k: i32, accumulate: i32): void {
  if (ASC_FEATURE_SIMD) matmulABtSimd(c, a, b, m, n, k, accumulate);
  else matmulABtScalar(c, a, b, m, n, k, accumulate);
}

/** C[M×N] (+)= A[M×K] · B[K×N] */
export function matmulAB(c: usize, a: usize, b: usize, m: i32, n: i32, k: i32, accumulate: i32): void {
  if (ASC_FEATURE_SIMD) matmulABSimd(c, a, b, m, n, k, accumulate);
  else matmulABScalar(c, a, b, m, n, k, accumulate);
}

/** C[M×N] (+)= A[K×M]ᵀ · B[K×N] */
export function matmulAtB(c: usize, a: usize, b: usize, m: i32, n: i32, k: i32, accumulate: i32): void {
  if (ASC_FEATURE_SIMD) matmulAtBSimd(c, a, b, m, n, k, accumulate);
  else matmulAtBScalar(c, a, b, m, n, k, accumulate);
}

/** out[N] (+)= Σ_rows A[rows×N] */
export function columnSums(out: usize, a: usize, rows: i32, n: i32, accumulate: i32): void {
  if (ASC_FEATURE_SIMD) columnSumsSimd(out, a, rows, n, accumulate);
  else columnSumsScalar(out, a, rows, n, accumulate);
}

// ---------------------------------------------------------------------------
// Scalar references: the definitions, written the obvious way.

function matmulABtScalar(c: usize, a: usize, b: usize, m: i32, n: i32, k: i32, accumulate: i32): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s: f32 = 0;
      for (let q = 0; q < k; q++) s += get(a, i * k + q) * get(b, j * k + q);
      put(c, i * n + j, accumulate ? get(c, i * n + j) + s : s);
    }
  }
}

function matmulABScalar(c: usize, a: usize, b: usize, m: i32, n: i32, k: i32, accumulate: i32): void {
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

function matmulAtBScalar(c: usize, a: usize, b: usize, m: i32, n: i32, k: i32, accumulate: i32): void {
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

function columnSumsScalar(out: usize, a: usize, rows: i32, n: i32, accumulate: i32): void {
  if (!accumulate) memory.fill(out, 0, <usize>n << 2);
  for (let i = 0; i < rows; i++) {
    const ai = at(a, i * n);
    for (let j = 0; j < n; j++) put(out, j, get(out, j) + get(ai, j));
  }
}

// ---------------------------------------------------------------------------
// f32x4 versions. Plain SIMD only (no relaxed madd: Node 20 needs a flag), so a
// multiply-add is f32x4.mul then f32x4.add and needs a temporary register.
// V8 (TurboFan, x64) allocates wasm SIMD values in xmm0–xmm14 (xmm15 is its
// scratch): a micro-kernel must keep accumulators + operands + 1 temporary ≤ 15
// to stay out of the stack.

// @ts-ignore: decorator
@inline function madd(acc: v128, x: v128, y: v128): v128 {
  // Only in a build with relaxed SIMD enabled, which ships nowhere: bench/relaxed-simd.mjs builds one to measure it.
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(x, y, acc);
  return f32x4.add(acc, f32x4.mul(x, y));
}

/** Lanes 0..count−1 (count 1..4) from p, zeros above; never touches p + 4·count or beyond. */
// @ts-ignore: decorator
@inline function loadN(p: usize, count: i32): v128 {
  if (count >= 4) return v128.load(p);
  if (count == 1) return v128.load32_zero(p);
  const v = v128.load64_zero(p);
  return count == 2 ? v : v128.load32_lane(p, v, 2, 8);
}

/** Stores lanes 0..count−1 (count 1..4) of v at p. */
// @ts-ignore: decorator
@inline function storeN(p: usize, v: v128, count: i32): void {
  if (count >= 4) v128.store(p, v);
  else if (count == 1) v128.store32_lane(p, v, 0);
  else {
    v128.store64_lane(p, v, 0);
    if (count == 3) v128.store32_lane(p, v, 2, 8);
  }
}

/** [Σ lanes of s0, Σ s1, Σ s2, Σ s3]: a 4×4 transpose-and-add (unpcklps/unpckhps, movlhps/movhlps). */
// @ts-ignore: decorator
@inline function sum4(s0: v128, s1: v128, s2: v128, s3: v128): v128 {
  const t0 = f32x4.add(v128.shuffle<f32>(s0, s1, 0, 4, 1, 5), v128.shuffle<f32>(s0, s1, 2, 6, 3, 7));
  const t1 = f32x4.add(v128.shuffle<f32>(s2, s3, 0, 4, 1, 5), v128.shuffle<f32>(s2, s3, 2, 6, 3, 7));
  return f32x4.add(v128.shuffle<f32>(t0, t1, 0, 1, 4, 5), v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
}

// --- C (+)= A·Bᵀ: dot-product form. Both operands run along K contiguously,
// so each C element is an f32x4 accumulator over K, summed across lanes at the
// end. Micro-kernel 2×4: rows i, i+1 of A against rows j..j+3 of B = 8
// accumulators + 2 A vectors + 1 B vector + 1 temporary = 12 xmm; per 4 steps
// of K it does 6 loads for 8 mul + 8 add, the same balance as the 4×8 outer
// product below. Its 4 sums per row come out as one vector (sum4) = C[i][j..j+3].
// K % 4 is one zero-padded step. Edges: an odd last row is 1×4 blocks, the last
// N % 4 columns are 4×1 blocks (4 rows of A against one row of B: o = 1, one
// output, is a common shape), so no edge runs a wider kernel on dropped rows.

/**
 * Cache blocks: ≈ 16 KiB of A's rows against ≈ 64 KiB of B's rows (B is the
 * weights: reused by every row of A). Measured on the L shapes (4096×256×128,
 * 4096×128×256): 16–32 KiB B blocks won one and lost the other by 15%; 64 KiB
 * is within 5% of the best for both.
 */
const ABT_A_BYTES = 16384;
const ABT_B_BYTES = 65536;
/** K at or below which AB's outer-product kernel on a transposed B panel beats the dot form. */
const ABT_SMALL_K = 32;
/** The transposed panel: ≤ ABT_SMALL_K rows × 64 columns (8 KiB of the scratch, like PACK and APACK below). */
const BT_OFFSET: usize = 0;
const BT_BYTES: usize = ABT_SMALL_K * 64 * 4;

function matmulABtSimd(c: usize, a: usize, b: usize, m: i32, n: i32, k: i32, accumulate: i32): void {
  const kb = <usize>k << 2, nb = <usize>n << 2;
  if (k <= ABT_SMALL_K) {
    // Short dot products: the 2×4 kernel would spend as long on its 2 sum4s as
    // on K itself (k = p = 16 in the S workload; p = 1 for a scalar series).
    // Transpose B in panels of ≤ 64 rows (BT[q][j] = B[j0 + j][q]) and run the
    // outer-product kernel of AB on C[:, j0..j0+w) += A·BT: no lane sums at all.
    // Taken for every M, even M < 4 where the dot form would be faster: the
    // choice of summation order must not depend on M, so that a row's result is
    // bit-identical whatever batch it is computed in (test/ffnn.test.ts checks
    // predict() on 300 rows against one row at a time). Every kernel below keeps
    // one order per element: the dot family (lanes q mod 4, then sum4's
    // (l0+l2)+(l1+l3)), the outer-product family (C, then q = 0, 1, 2, …).
    for (let j0 = 0; j0 < n; j0 += 64) {
      const w = min(64, n - j0);
      const bt = scratch + BT_OFFSET;
      transposePanel(bt, b + <usize>j0 * kb, w, k);
      outerProduct(c + (<usize>j0 << 2), nb, a, kb, 4, bt, <usize>w << 2, m, w, k, accumulate);
    }
    return;
  }
  const m2 = m & ~1, m4 = m & ~3, n4 = n & ~3;
  const mc = max(2, (ABT_A_BYTES / max(k << 2, 4)) & ~1), nc = max(4, (ABT_B_BYTES / max(k << 2, 4)) & ~3);
  for (let i0 = 0; i0 < m2; i0 += mc) {
    const i1 = min(i0 + mc, m2);
    for (let j0 = 0; j0 < n4; j0 += nc) {
      const j1 = min(j0 + nc, n4);
      for (let i = i0; i < i1; i += 2) {
        const ai = a + <usize>i * kb, ci = c + <usize>i * nb;
        for (let j = j0; j < j1; j += 4) abt2x4(ci + (<usize>j << 2), nb, ai, kb, b + <usize>j * kb, k, accumulate);
      }
    }
  }
  if (m2 < m) { // the last row (M odd): C[m−1][j..j+3] = A[m−1]·B[j..j+3]ᵀ
    const ai = a + <usize>m2 * kb, ci = c + <usize>m2 * nb;
    for (let j = 0; j < n4; j += 4) {
      let r = dot1x4(ai, b + <usize>j * kb, kb, k);
      const p = ci + (<usize>j << 2);
      if (accumulate) r = f32x4.add(r, v128.load(p));
      v128.store(p, r);
    }
  }
  for (let j = n4; j < n; j++) { // the last N % 4 columns: C[i..i+3][j] = A[i..i+3]·B[j]ᵀ
    const bj = b + <usize>j * kb, cj = c + (<usize>j << 2);
    for (let i = 0; i < m4; i += 4) {
      storeColumn(cj + <usize>i * nb, nb, dot1x4(bj, a + <usize>i * kb, kb, k), accumulate);
    }
    for (let i = m4; i < m; i++) {
      const p = cj + <usize>i * nb;
      const s = dot1(a + <usize>i * kb, bj, k);
      store<f32>(p, accumulate ? load<f32>(p) + s : s);
    }
  }
}

/** dst[q][j] = src[j][q] for j < w, q < k (src rows k floats, dst rows w floats): 4×4 blocks by shuffles, edges scalar. */
function transposePanel(dst: usize, src: usize, w: i32, k: i32): void {
  const kb = <usize>k << 2, wb = <usize>w << 2;
  const w4 = w & ~3, k4 = k & ~3;
  for (let j = 0; j < w4; j += 4) {
    const s0 = src + <usize>j * kb, s1 = s0 + kb, s2 = s1 + kb, s3 = s2 + kb;
    for (let q = 0; q < k4; q += 4) {
      const o = <usize>q << 2;
      const r0 = v128.load(s0 + o), r1 = v128.load(s1 + o), r2 = v128.load(s2 + o), r3 = v128.load(s3 + o);
      const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
      const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5), t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
      const d = dst + <usize>q * wb + (<usize>j << 2);
      v128.store(d, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
      v128.store(d + wb, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
      v128.store(d + wb * 2, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
      v128.store(d + wb * 3, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
    }
    for (let q = k4; q < k; q++) for (let t = 0; t < 4; t++) put(dst, q * w + j + t, get(src, (j + t) * k + q));
  }
  for (let j = w4; j < w; j++) for (let q = 0; q < k; q++) put(dst, q * w + j, get(src, j * k + q));
}

/** C[i..i+3][j] (+)= lanes of r; p = &C[i][j], rows nb bytes apart. */
// @ts-ignore: decorator
@inline function storeColumn(p: usize, nb: usize, r: v128, accumulate: i32): void {
  if (accumulate) {
    let cur = v128.load32_zero(p);
    cur = v128.load32_lane(p + nb, cur, 1);
    cur = v128.load32_lane(p + 2 * nb, cur, 2);
    cur = v128.load32_lane(p + 3 * nb, cur, 3);
    r = f32x4.add(r, cur);
  }
  v128.store32_lane(p, r, 0);
  v128.store32_lane(p + nb, r, 1);
  v128.store32_lane(p + 2 * nb, r, 2);
  v128.store32_lane(p + 3 * nb, r, 3);
}

/** C[i][j..j+3] and C[i+1][j..j+3] (+)= A[i..i+1]·B[j..j+3]ᵀ; p = &C[i][j], ai = &A[i][0], bj = &B[j][0]. */
// @ts-ignore: decorator
@inline function abt2x4(p: usize, nb: usize, ai: usize, kb: usize, bj: usize, k: i32, accumulate: i32): void {
  const a0 = ai, a1 = ai + kb;
  const b0 = bj, b1 = bj + kb, b2 = bj + 2 * kb, b3 = bj + 3 * kb;
  let s00 = f32x4.splat(0), s01 = s00, s02 = s00, s03 = s00;
  let s10 = s00, s11 = s00, s12 = s00, s13 = s00;
  const k4 = <usize>(k & ~3) << 2;
  for (let q: usize = 0; q < k4; q += 16) {
    const x0 = v128.load(a0 + q), x1 = v128.load(a1 + q);
    let y = v128.load(b0 + q);
    s00 = madd(s00, x0, y); s10 = madd(s10, x1, y);
    y = v128.load(b1 + q);
    s01 = madd(s01, x0, y); s11 = madd(s11, x1, y);
    y = v128.load(b2 + q);
    s02 = madd(s02, x0, y); s12 = madd(s12, x1, y);
    y = v128.load(b3 + q);
    s03 = madd(s03, x0, y); s13 = madd(s13, x1, y);
  }
  const kr = k & 3;
  if (kr) {
    const q = k4;
    const x0 = loadN(a0 + q, kr), x1 = loadN(a1 + q, kr);
    let y = loadN(b0 + q, kr);
    s00 = madd(s00, x0, y); s10 = madd(s10, x1, y);
    y = loadN(b1 + q, kr);
    s01 = madd(s01, x0, y); s11 = madd(s11, x1, y);
    y = loadN(b2 + q, kr);
    s02 = madd(s02, x0, y); s12 = madd(s12, x1, y);
    y = loadN(b3 + q, kr);
    s03 = madd(s03, x0, y); s13 = madd(s13, x1, y);
  }
  let r0 = sum4(s00, s01, s02, s03), r1 = sum4(s10, s11, s12, s13);
  if (accumulate) { r0 = f32x4.add(r0, v128.load(p)); r1 = f32x4.add(r1, v128.load(p + nb)); }
  v128.store(p, r0); v128.store(p + nb, r1);
}

/** [x·y0, x·y1, x·y2, x·y3] over K for one row x and 4 rows y0 + t·yRow: 4 accumulators. */
// @ts-ignore: decorator
@inline function dot1x4(x: usize, y0: usize, yRow: usize, k: i32): v128 {
  const y1 = y0 + yRow, y2 = y0 + 2 * yRow, y3 = y0 + 3 * yRow;
  let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0;
  const k4 = <usize>(k & ~3) << 2;
  for (let q: usize = 0; q < k4; q += 16) {
    const v = v128.load(x + q);
    s0 = madd(s0, v, v128.load(y0 + q)); s1 = madd(s1, v, v128.load(y1 + q));
    s2 = madd(s2, v, v128.load(y2 + q)); s3 = madd(s3, v, v128.load(y3 + q));
  }
  const kr = k & 3;
  if (kr) {
    const q = k4, v = loadN(x + q, kr);
    s0 = madd(s0, v, loadN(y0 + q, kr)); s1 = madd(s1, v, loadN(y1 + q, kr));
    s2 = madd(s2, v, loadN(y2 + q, kr)); s3 = madd(s3, v, loadN(y3 + q, kr));
  }
  return sum4(s0, s1, s2, s3);
}

/** x·y over K (the corner element when both M and N are ragged). */
// @ts-ignore: decorator
@inline function dot1(x: usize, y: usize, k: i32): f32 {
  let s = f32x4.splat(0);
  const k4 = <usize>(k & ~3) << 2;
  for (let q: usize = 0; q < k4; q += 16) s = madd(s, v128.load(x + q), v128.load(y + q));
  const kr = k & 3;
  if (kr) s = madd(s, loadN(x + k4, kr), loadN(y + k4, kr));
  const h = f32x4.add(s, v128.shuffle<f32>(s, s, 2, 3, 0, 1));
  return f32x4.extract_lane(h, 0) + f32x4.extract_lane(h, 1);
}

// --- C (+)= A·B and C (+)= Aᵀ·B: outer-product form. Both walk K one step at a
// time: C[i..i+4][j..j+8] += A(i..i+4, q) ⊗ B[q][j..j+8], with each A element
// splatted (v128.load32_splat) and B's row segment loaded as 2 vectors.
// Micro-kernel 4×8 = 8 accumulators + 2 B + 1 splat + 1 temporary = 12 xmm.
// (6×8 would need 16 and 4×12 17: both spill.) Per K step: 6 loads, 8 mul, 8 add.
// A(i, q) lives at a + i·aRow + q·aStep bytes: AB has (aRow, aStep) = (4K, 4),
// AᵀB has (4, 4M) — the only difference between the two products.
// Edges: a 4×4 kernel for N % 8 ≥ 4, then the same kernel with zero-padded
// B loads and partial stores for N % 4; the last M % 4 rows go one at a time
// through a 1×32 row kernel (batch-1 training is all row kernel: vector·matrix).
// K is cut in KC-row slabs so that the A and B panels a micro-kernel walks stay
// in L1/L2 (AᵀB reduces over T·B = 512–4096 rows). Unrolling the K loop by 2 by
// hand measured 30% slower (V8 already unrolls it, and spilled the copy).
// MC = 128, KC = 256 measured best of MC ∈ {32, 64, 128} × KC ∈ {128, 256, 512}.

/** K rows per slab. */
const KC = 256;
/** Rows of C per block: the block's micro-kernels share one B strip (K×8) from L1. */
const MC = 128;

function matmulABSimd(c: usize, a: usize, b: usize, m: i32, n: i32, k: i32, accumulate: i32): void {
  if (n == 1) {
    // B[K×1] has the layout of B[1×K]: C = A·bᵀ is a matrix–vector product, dot-product form.
    matmulABtSimd(c, a, b, m, 1, k, accumulate);
    return;
  }
  if (k <= 0) { if (!accumulate) memory.fill(c, 0, <usize>(m * n) << 2); return; }
  const aRow = <usize>k << 2, bRow = <usize>n << 2;
  for (let q0 = 0; q0 < k; q0 += KC) {
    const kc = min(KC, k - q0);
    outerProduct(c, bRow, a + (<usize>q0 << 2), aRow, 4, b + <usize>q0 * bRow, bRow, m, n, kc, q0 > 0 ? 1 : accumulate);
  }
}

function matmulAtBSimd(c: usize, a: usize, b: usize, m: i32, n: i32, k: i32, accumulate: i32): void {
  if (n == 1) {
    // C[M×1] has the layout of C[1×M] = B[K×1]ᵀ·A[K×M]: swap so the wide side is N
    // (e.g. dW_in with one input feature) and the row kernel runs 32 columns wide.
    const t = a; a = b; b = t;
    n = m; m = 1;
  }
  if (k <= 0) { if (!accumulate) memory.fill(c, 0, <usize>(m * n) << 2); return; }
  const aStep = <usize>m << 2, bRow = <usize>n << 2;
  for (let q0 = 0; q0 < k; q0 += KC) {
    const kc = min(KC, k - q0);
    outerProduct(c, bRow, a + <usize>q0 * aStep, 4, aStep, b + <usize>q0 * bRow, bRow, m, n, kc, q0 > 0 ? 1 : accumulate);
  }
}

/**
 * A packed copy of one B strip (kc ≤ KC rows × 8 columns, 32 bytes a row). B's
 * rows are often a multiple of 1–4 KiB apart (N = 256; RTRL's N·4 = 81·4096),
 * so an unpacked strip falls into a few L1 sets and is re-read from L2 by every
 * micro-kernel; packed, it is one contiguous 8 KiB block that stays in L1.
 * Kernels never re-enter, so one instance needs one such strip.
 */
const PACK_OFFSET: usize = BT_OFFSET + BT_BYTES;
const PACK_BYTES: usize = KC * 8 * 4;

/**
 * A packed copy of the A block of AᵀB (MCT rows × kc, as MCT/4 panels of kc×4
 * floats). Unpacked, A(i, q) and A(i, q+1) are a row of Aᵀ apart — M floats,
 * 4 KiB for an LSTM at r = 256 — so the kc rows a micro-kernel walks fall
 * into a few L1 sets and come from L2 every time (its dW_rec ran at 24
 * GFLOP/s); packed, each panel is one contiguous 4 KiB block (32 KiB).
 */
const MCT = 32;
const APACK_OFFSET: usize = PACK_OFFSET + PACK_BYTES;
const APACK_BYTES: usize = MCT * KC * 4;

/** Bytes of scratch an instance needs (BT, PACK, APACK). */
const SCRATCH_BYTES: usize = APACK_OFFSET + APACK_BYTES;
/** This instance's scratch: the static block unless setScratch moved it (a global: each instance has its own). */
let scratch: usize = memory.data(<i32>SCRATCH_BYTES, 64);

/**
 * Moves this instance's scratch to `address` (SCRATCH_BYTES, 16-byte aligned)
 * and returns SCRATCH_BYTES; address 0 only returns the size. Instances that
 * import one shared memory must each have their own (src/threads/pool.ts).
 */
export function setScratch(address: usize): i32 {
  if (address != 0) scratch = address;
  return <i32>SCRATCH_BYTES;
}

/** C[M×N] (+)= Σ_{q<kc} A(·, q) ⊗ B[q][·]; C[i] at c + i·cRow, A(i, q) at a + i·aRow + q·aStep, B[q] at b + q·bRow. */
function outerProduct(c: usize, cRow: usize, a: usize, aRow: usize, aStep: usize, b: usize, bRow: usize, m: i32, n: i32, kc: i32, accumulate: i32): void {
  const m4 = m & ~3, n8 = n & ~7;
  // AᵀB whose K steps are ≥ 4 KiB apart (M ≥ 1024, e.g. an LSTM at r = 256), with enough columns to reuse a packed panel;
  // below that, packing measured slower (M = 512: 38 instead of 44 GFLOP/s; M = 1024: 40 instead of 25).
  const packA = aRow == 4 && aStep >= 4096 && n8 >= 16;
  const mc = packA ? MCT : MC;
  for (let i0 = 0; i0 < m4; i0 += mc) {
    const i1 = min(i0 + mc, m4);
    let ab = a + <usize>i0 * aRow, panelRow = aRow, panelStep = aStep, panel: usize = 4 * aRow;
    if (packA) {
      for (let i = i0; i < i1; i += 4) {
        let src = a + <usize>i * aRow, dst = scratch + APACK_OFFSET + <usize>((i - i0) >> 2) * <usize>kc * 16;
        for (let q = 0; q < kc; q++) { v128.store(dst, v128.load(src)); src += aStep; dst += 16; }
      }
      ab = scratch + APACK_OFFSET; panelStep = 16; panel = <usize>kc * 16;
    }
    const pack = i1 - i0 > 4; // worth copying only if several micro-kernels share the strip
    for (let j = 0; j < n8; j += 8) {
      let bj = b + (<usize>j << 2), bStep = bRow;
      if (pack) {
        let src = bj, dst = scratch + PACK_OFFSET;
        for (let q = 0; q < kc; q++) {
          v128.store(dst, v128.load(src)); v128.store(dst, v128.load(src, 16), 16);
          src += bRow; dst += 32;
        }
        bj = scratch + PACK_OFFSET; bStep = 32;
      }
      for (let i = i0; i < i1; i += 4) op4x8(c + <usize>i * cRow + (<usize>j << 2), cRow, ab + <usize>((i - i0) >> 2) * panel, panelRow, panelStep, bj, bStep, kc, accumulate);
    }
    for (let j = n8; j < n; j += 4) {
      for (let i = i0; i < i1; i += 4) op4x4(c + <usize>i * cRow + (<usize>j << 2), cRow, ab + <usize>((i - i0) >> 2) * panel, panelRow, panelStep, b + (<usize>j << 2), bRow, kc, min(4, n - j), accumulate);
    }
  }
  for (let i = m4; i < m; i++) opRow(c + <usize>i * cRow, a + <usize>i * aRow, aStep, b, bRow, n, kc, accumulate);
}

/** C[i..i+3][j..j+7] (+)= Σ_q A(i.., q) ⊗ B[q][j..j+7]; p = &C[i][j], ai = &A(i, 0), bj = &B[0][j]. */
// @ts-ignore: decorator
@inline function op4x8(p: usize, cRow: usize, ai: usize, aRow: usize, aStep: usize, bj: usize, bStep: usize, kc: i32, accumulate: i32): void {
  const r1 = aRow, r2 = aRow * 2, r3 = aRow * 3;
  const p1 = p + cRow, p2 = p + 2 * cRow, p3 = p + 3 * cRow;
  let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  if (accumulate) {
    c00 = v128.load(p); c01 = v128.load(p, 16);
    c10 = v128.load(p1); c11 = v128.load(p1, 16);
    c20 = v128.load(p2); c21 = v128.load(p2, 16);
    c30 = v128.load(p3); c31 = v128.load(p3, 16);
  }
  let pa = ai, pb = bj;
  for (let q = 0; q < kc; q++) {
    const y0 = v128.load(pb), y1 = v128.load(pb, 16);
    let x = v128.load32_splat(pa);
    c00 = madd(c00, x, y0); c01 = madd(c01, x, y1);
    x = v128.load32_splat(pa + r1);
    c10 = madd(c10, x, y0); c11 = madd(c11, x, y1);
    x = v128.load32_splat(pa + r2);
    c20 = madd(c20, x, y0); c21 = madd(c21, x, y1);
    x = v128.load32_splat(pa + r3);
    c30 = madd(c30, x, y0); c31 = madd(c31, x, y1);
    pa += aStep; pb += bStep;
  }
  v128.store(p, c00); v128.store(p, c01, 16);
  v128.store(p1, c10); v128.store(p1, c11, 16);
  v128.store(p2, c20); v128.store(p2, c21, 16);
  v128.store(p3, c30); v128.store(p3, c31, 16);
}

/** As op4x8 for cols ≤ 4 columns (N's edge): zero-padded B loads, partial C loads/stores. */
// @ts-ignore: decorator
@inline function op4x4(p: usize, cRow: usize, ai: usize, aRow: usize, aStep: usize, bj: usize, bRow: usize, kc: i32, cols: i32, accumulate: i32): void {
  const r1 = aRow, r2 = aRow * 2, r3 = aRow * 3;
  const p1 = p + cRow, p2 = p + 2 * cRow, p3 = p + 3 * cRow;
  let c0 = f32x4.splat(0), c1 = c0, c2 = c0, c3 = c0;
  if (accumulate) { c0 = loadN(p, cols); c1 = loadN(p1, cols); c2 = loadN(p2, cols); c3 = loadN(p3, cols); }
  let pa = ai, pb = bj;
  for (let q = 0; q < kc; q++) {
    const y = loadN(pb, cols);
    c0 = madd(c0, v128.load32_splat(pa), y);
    c1 = madd(c1, v128.load32_splat(pa + r1), y);
    c2 = madd(c2, v128.load32_splat(pa + r2), y);
    c3 = madd(c3, v128.load32_splat(pa + r3), y);
    pa += aStep; pb += bRow;
  }
  storeN(p, c0, cols); storeN(p1, c1, cols); storeN(p2, c2, cols); storeN(p3, c3, cols);
}

/**
 * One row: C[i][·] (+)= Σ_q A(i, q)·B[q][·]; ci = &C[i][0], ai = &A(i, 0). 32 columns at a
 * time (8 accumulators, B loaded one vector at a time: 11 xmm), then 4 at a time.
 */
function opRow(ci: usize, ai: usize, aStep: usize, b: usize, bRow: usize, n: i32, kc: i32, accumulate: i32): void {
  let j = 0;
  for (; j + 32 <= n; j += 32) {
    const p = ci + (<usize>j << 2);
    let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
    if (accumulate) {
      s0 = v128.load(p); s1 = v128.load(p, 16); s2 = v128.load(p, 32); s3 = v128.load(p, 48);
      s4 = v128.load(p, 64); s5 = v128.load(p, 80); s6 = v128.load(p, 96); s7 = v128.load(p, 112);
    }
    let pa = ai, pb = b + (<usize>j << 2);
    for (let q = 0; q < kc; q++) {
      const x = v128.load32_splat(pa);
      s0 = madd(s0, x, v128.load(pb)); s1 = madd(s1, x, v128.load(pb, 16));
      s2 = madd(s2, x, v128.load(pb, 32)); s3 = madd(s3, x, v128.load(pb, 48));
      s4 = madd(s4, x, v128.load(pb, 64)); s5 = madd(s5, x, v128.load(pb, 80));
      s6 = madd(s6, x, v128.load(pb, 96)); s7 = madd(s7, x, v128.load(pb, 112));
      pa += aStep; pb += bRow;
    }
    v128.store(p, s0); v128.store(p, s1, 16); v128.store(p, s2, 32); v128.store(p, s3, 48);
    v128.store(p, s4, 64); v128.store(p, s5, 80); v128.store(p, s6, 96); v128.store(p, s7, 112);
  }
  for (; j < n; j += 4) {
    const cols = min(4, n - j), p = ci + (<usize>j << 2);
    let s = accumulate ? loadN(p, cols) : f32x4.splat(0);
    let pa = ai, pb = b + (<usize>j << 2);
    for (let q = 0; q < kc; q++) {
      s = madd(s, v128.load32_splat(pa), loadN(pb, cols));
      pa += aStep; pb += bRow;
    }
    storeN(p, s, cols);
  }
}

// --- out (+)= Σ_rows A: memory-bound; 4 vectors (16 columns) of running sums per
// pass down the rows, started from out like the scalar loop (same order, same bits).

function columnSumsSimd(out: usize, a: usize, rows: i32, n: i32, accumulate: i32): void {
  const nb = <usize>n << 2;
  for (let j = 0; j < n; j += 16) {
    const w = min(16, n - j);
    const po = out + (<usize>j << 2);
    let pa = a + (<usize>j << 2);
    if (w == 16) {
      let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0;
      if (accumulate) { s0 = v128.load(po); s1 = v128.load(po, 16); s2 = v128.load(po, 32); s3 = v128.load(po, 48); }
      for (let i = 0; i < rows; i++) {
        s0 = f32x4.add(s0, v128.load(pa)); s1 = f32x4.add(s1, v128.load(pa, 16));
        s2 = f32x4.add(s2, v128.load(pa, 32)); s3 = f32x4.add(s3, v128.load(pa, 48));
        pa += nb;
      }
      v128.store(po, s0); v128.store(po, s1, 16); v128.store(po, s2, 32); v128.store(po, s3, 48);
    } else {
      // The last < 16 columns, one vector at a time (zero-padded at the very edge).
      for (let jj = 0; jj < w; jj += 4) {
        const cols = min(4, w - jj);
        const off = <usize>jj << 2;
        let s = accumulate ? loadN(po + off, cols) : f32x4.splat(0), p = pa + off;
        for (let i = 0; i < rows; i++) { s = f32x4.add(s, loadN(p, cols)); p += nb; }
        storeN(po + off, s, cols);
      }
    }
  }
}
