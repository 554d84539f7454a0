// Validation + timing harness for the matrix products of assembly/matmul.ts, in
// the style of llm.c's dev/cuda: first check every kernel against a plain JS
// float64 reference on awkward sizes (fail loudly, exit code 1), only then time
// the shapes the training workloads of docs/benchmarks.md actually run, and
// say what fraction of this runtime's limit that is (30 GFLOP/s: bare wasm
// SIMD 128×128×128 matmul on the benchmark machine; f32x4 mul+add peak 38.5).
//
// The checks: every M, N, K in {1, 3, 4, 5, 7, 8, 13, 16, 31, 64} and mixed
// larger shapes, accumulate 0 and 1; small-integer data (every f32 sum exact:
// must match exactly) and uniform data (within the worst-case rounding bound
// of a length-(K+3) f32 sum); one of A, B, C ending exactly at the end of linear
// memory (an over-read or over-write traps) and NaN canaries around the others;
// C pre-filled with NaN when accumulate = 0; A and B left unchanged; each row's
// result bit-identical in a batch and alone; then the workload shapes.
//
// It compiles nothing: it loads a built module (npm run build:wasm writes build/).
//
//   node bench/matmul.mjs                              # build/rnnkit-simd.wasm
//   node bench/matmul.mjs build/rnnkit-scalar.wasm     # the scalar build
//   node bench/matmul.mjs some.wasm --validate-only    # or --time=ms per shape (default 400)
//   node bench/matmul.mjs some.wasm --only=AtB         # time only the shapes whose name contains it
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';

const args = process.argv.slice(2);
const flag = (name) => args.find((a) => a.startsWith(`--${name}`));
const file = args.find((a) => !a.startsWith('--'))
  ?? fileURLToPath(new URL('../build/rnnkit-simd.wasm', import.meta.url));
const validateOnly = Boolean(flag('validate-only'));
const timeMs = Number(flag('time')?.split('=')[1] ?? 400);
const only = flag('only')?.split('=')[1];

const LIMIT = 30; // GFLOP/s, docs/benchmarks.md (reference figures): WebAssembly SIMD matrix–matrix 128³ on this machine kind
const instance = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(file)), {});
const { memory, matmulABt, matmulAB, matmulAtB, columnSums } = instance.exports;

// ---------------------------------------------------------------------------
// Linear memory: the module's static data lives below 64 KiB; everything here
// is placed above. Views are re-made after every grow (growing detaches them).
const BASE = 65536;
function ensureBytes(end) {
  const have = memory.buffer.byteLength;
  if (end > have) memory.grow(Math.ceil((end - have) / 65536));
}
const f32 = (addr, len) => new Float32Array(memory.buffer, addr, len);
const u32 = (addr, len) => new Uint32Array(memory.buffer, addr, len);
const align16 = (x) => (x + 15) & ~15;

// ---------------------------------------------------------------------------
// The references: plain float64 loops over Float32Array inputs, the obvious
// way, indexed exactly as the docs of assembly/matmul.ts say.
const REF = {
  // C[M×N] (+)= A[M×K]·B[N×K]ᵀ
  ABt: (c0, a, b, m, n, k, rows) => product(c0, m, n, k, a, k, 1, b, 1, k, rows),
  // C[M×N] (+)= A[M×K]·B[K×N]
  AB: (c0, a, b, m, n, k, rows) => product(c0, m, n, k, a, k, 1, b, n, 1, rows),
  // C[M×N] (+)= A[K×M]ᵀ·B[K×N]
  AtB: (c0, a, b, m, n, k, rows) => product(c0, m, n, k, a, 1, m, b, n, 1, rows),
};
/**
 * C = C0 + Σ_q A(i,q)·B(q,j) with A(i,q) = a[i·ai + q·aq], B(q,j) = b[q·bq + j·bj].
 * Returns [value, mass] per element: the float64 value and Σ|terms| (for the rounding
 * tolerance), for the rows of C listed in `rows` (the others stay 0).
 */
function product(c0, m, n, k, a, ai, aq, b, bq, bj, rows) {
  const value = new Float64Array(m * n), mass = new Float64Array(m * n);
  for (const i of rows) {
    for (let q = 0; q < k; q++) {
      const x = a[i * ai + q * aq], row = q * bq, out = i * n;
      for (let j = 0; j < n; j++) {
        const p = x * b[row + j * bj];
        value[out + j] += p; mass[out + j] += Math.abs(p);
      }
    }
  }
  if (c0) for (let e = 0; e < m * n; e++) { value[e] += c0[e]; mass[e] += Math.abs(c0[e]); }
  return [value, mass];
}
/**
 * Which rows of C to compare: all of them, unless the JS reference would take
 * long (m·n·k > 2^24, the big workload shapes); then the first 8, the last 8
 * and every 37th, which still crosses every block and edge of the kernels.
 */
function rowsToCheck(m, n, k) {
  const all = Array.from({ length: m }, (_, i) => i);
  if (m * n * k <= 1 << 24) return all;
  return all.filter((i) => i < 8 || i >= m - 8 || i % 37 === 0);
}
const KERNEL = { ABt: matmulABt, AB: matmulAB, AtB: matmulAtB };
const SHAPE = { // element counts of A and B for (m, n, k)
  ABt: (m, n, k) => [m * k, n * k],
  AB: (m, n, k) => [m * k, k * n],
  AtB: (m, n, k) => [k * m, k * n],
};

// Test data: small integers make every float32 sum exact (|Σ| ≤ 4·k < 2^24),
// so any indexing slip shows as an exact mismatch; uniform floats then check
// the rounding stays within the worst-case bound of a length-(k+3) f32 sum.
function fillData(arr, kind, rng) {
  for (let i = 0; i < arr.length; i++) arr[i] = kind === 'int' ? Math.floor(rng() * 5) - 2 : rng() * 2 - 1;
}
function mulberry32(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const U = 2 ** -24; // unit roundoff of float32
const GUARD = 64; // bytes of NaN canary either side of every matrix

let failures = 0, checks = 0;
function fail(msg) {
  failures++;
  if (failures <= 20) console.error(`MISMATCH ${msg}`);
}

/**
 * One call of one kernel, checked. `last` picks which matrix ends exactly at
 * the end of linear memory (so reading or writing one float past it traps):
 * 0 = A, 1 = B, 2 = C. The other two sit between NaN canaries that must stay
 * untouched (C) and inputs that must stay unchanged (A, B).
 */
function checkProduct(name, m, n, k, accumulate, kind, last, rng) {
  const [la, lb] = SHAPE[name](m, n, k), lc = m * n;
  const lens = [la, lb, lc];
  const order = [0, 1, 2].filter((x) => x !== last).concat([last]);
  const addr = [0, 0, 0];
  let at = BASE;
  for (const x of order.slice(0, 2)) { addr[x] = align16(at + GUARD); at = addr[x] + 4 * lens[x] + GUARD; }
  // The last matrix ends at the end of memory; pages are 64 KiB, so pad to that.
  const lastBytes = 4 * lens[last];
  const end = Math.ceil((align16(at + GUARD) + lastBytes) / 65536) * 65536;
  ensureBytes(end);
  if (memory.buffer.byteLength !== end) {
    // Memory is bigger than we need (an earlier case grew it): slide everything up.
    const shift = memory.buffer.byteLength - end;
    for (let x = 0; x < 3; x++) addr[x] += shift;
  }
  addr[last] = memory.buffer.byteLength - lastBytes;
  // Canaries (NaN bit pattern) around the two inner matrices.
  for (const x of order.slice(0, 2)) {
    u32(addr[x] - GUARD, GUARD / 4).fill(0x7fc0dead);
    u32(addr[x] + 4 * lens[x], GUARD / 4).fill(0x7fc0dead);
  }
  const a = f32(addr[0], la), b = f32(addr[1], lb), c = f32(addr[2], lc);
  fillData(a, kind, rng); fillData(b, kind, rng);
  let c0 = null;
  if (accumulate) { fillData(c, kind, rng); c0 = Float32Array.from(c); } else c.fill(NaN); // overwrite must not read C
  const a0 = Float32Array.from(a), b0 = Float32Array.from(b);
  const tag = `${name} m=${m} n=${n} k=${k} acc=${accumulate} ${kind} last=${'ABC'[last]}`;
  checks++;
  try {
    KERNEL[name](addr[2], addr[0], addr[1], m, n, k, accumulate);
  } catch (e) { // e.g. "memory access out of bounds": the kernel read or wrote past a matrix
    fail(`${tag}: ${e.message}`);
    return;
  }
  const rows = rowsToCheck(m, n, k);
  const [ref, mass] = REF[name](c0, a0, b0, m, n, k, rows);
  const got = f32(addr[2], lc);
  for (const i of rows) for (let e = i * n; e < (i + 1) * n; e++) {
    const tol = kind === 'int' ? 0 : 2 * (k + 3) * U * mass[e];
    if (!(Math.abs(got[e] - ref[e]) <= tol)) {
      fail(`${tag}: C[${Math.floor(e / n)}][${e % n}] = ${got[e]}, reference ${ref[e]} (tolerance ${tol})`);
      return;
    }
  }
  const a1 = f32(addr[0], la), b1 = f32(addr[1], lb);
  for (let e = 0; e < la; e++) if (!Object.is(a1[e], a0[e])) { fail(`${tag}: A[${e}] was written`); return; }
  for (let e = 0; e < lb; e++) if (!Object.is(b1[e], b0[e])) { fail(`${tag}: B[${e}] was written`); return; }
  for (const x of order.slice(0, 2)) {
    const before = u32(addr[x] - GUARD, GUARD / 4), after = u32(addr[x] + 4 * lens[x], GUARD / 4);
    for (let g = 0; g < GUARD / 4; g++) {
      if (before[g] !== 0x7fc0dead || after[g] !== 0x7fc0dead) { fail(`${tag}: wrote outside ${'ABC'[x]}`); return; }
    }
  }
}

function checkColumnSums(rows, n, accumulate, kind, rng) {
  const ain = align16(BASE + GUARD), out = align16(ain + 4 * rows * n + GUARD);
  ensureBytes(out + 4 * n + GUARD);
  u32(out - GUARD, GUARD / 4).fill(0x7fc0dead); u32(out + 4 * n, GUARD / 4).fill(0x7fc0dead);
  const a = f32(ain, rows * n), o = f32(out, n);
  fillData(a, kind, rng);
  let o0 = null;
  if (accumulate) { fillData(o, kind, rng); o0 = Float32Array.from(o); } else o.fill(NaN);
  const a0 = Float32Array.from(a);
  checks++;
  try {
    columnSums(out, ain, rows, n, accumulate);
  } catch (e) {
    fail(`columnSums rows=${rows} n=${n}: ${e.message}`);
    return;
  }
  const got = f32(out, n);
  for (let j = 0; j < n; j++) {
    let s = o0 ? o0[j] : 0, t = Math.abs(s);
    for (let i = 0; i < rows; i++) { s += a0[i * n + j]; t += Math.abs(a0[i * n + j]); }
    const tol = kind === 'int' ? 0 : 2 * (rows + 2) * U * t;
    if (!(Math.abs(got[j] - s) <= tol)) { fail(`columnSums rows=${rows} n=${n} acc=${accumulate} ${kind}: out[${j}] = ${got[j]}, reference ${s}`); return; }
  }
  const g0 = u32(out - GUARD, GUARD / 4), g1 = u32(out + 4 * n, GUARD / 4);
  for (let g = 0; g < GUARD / 4; g++) if (g0[g] !== 0x7fc0dead || g1[g] !== 0x7fc0dead) { fail(`columnSums rows=${rows} n=${n}: wrote outside out`); return; }
}

/**
 * Batch invariance: row i of C computed in a batch of m rows must equal, bit
 * for bit, the same row computed alone (m = 1): callers rely on it (predict()
 * in chunks equals predict() row by row). So a kernel may pick its summation
 * order from N and K, never from M or from where a row falls in a block.
 */
function checkRowInvariance(name, m, n, k, accumulate, rng) {
  const [la, lb] = SHAPE[name](m, n, k), lc = m * n;
  const a = align16(BASE), b = align16(a + 4 * la), c = align16(b + 4 * lb);
  const a1 = align16(c + 4 * lc), c1 = align16(a1 + 4 * k);
  ensureBytes(c1 + 4 * n);
  fillData(f32(a, la), 'float', rng); fillData(f32(b, lb), 'float', rng); fillData(f32(c, lc), 'float', rng);
  const c0 = Float32Array.from(f32(c, lc));
  KERNEL[name](c, a, b, m, n, k, accumulate);
  checks++;
  for (const i of new Set([0, 1, 2, 3, 4, m >> 1, m - 3, m - 2, m - 1].filter((x) => x >= 0 && x < m))) {
    // The single-row problem: A's row i (AᵀB: A's column i), the same B, C's row i before.
    const A = f32(a, la), row = f32(a1, k);
    for (let q = 0; q < k; q++) row[q] = name === 'AtB' ? A[q * m + i] : A[i * k + q];
    f32(c1, n).set(c0.subarray(i * n, (i + 1) * n));
    KERNEL[name](c1, a1, b, 1, n, k, accumulate);
    const alone = new Uint32Array(memory.buffer, c1, n), inBatch = new Uint32Array(memory.buffer, c + 4 * i * n, n);
    for (let j = 0; j < n; j++) {
      if (alone[j] !== inBatch[j]) {
        fail(`${name} m=${m} n=${n} k=${k} acc=${accumulate}: row ${i} differs alone and in the batch at column ${j}`);
        return;
      }
    }
  }
}

// ---------------------------------------------------------------------------
// The shapes that matter (docs/benchmarks.md; B batch, T steps, p input,
// r hidden, o output), as the kernels in assembly/ call them.
const WORKLOADS = {
  S: { p: 16, r: 64, o: 16, T: 32, B: 16 },
  M: { p: 64, r: 128, o: 64, T: 64, B: 32 },
  L: { p: 128, r: 256, o: 128, T: 128, B: 32 },
};
const shapes = [];
for (const [w, { p, r, o, T, B }] of Object.entries(WORKLOADS)) {
  const TB = T * B;
  shapes.push(
    { w, kernel: 'ABt', what: 'input projection  x·W_inᵀ', m: TB, n: r, k: p },
    { w, kernel: 'ABt', what: 'recurrence/step   φ·W_recᵀ', m: B, n: r, k: r },
    { w, kernel: 'ABt', what: 'output layer      φ·W_outᵀ', m: TB, n: o, k: r },
    { w, kernel: 'AB', what: 'output backward   dY·W_out', m: TB, n: r, k: o },
    { w, kernel: 'AB', what: 'BPTT/step         dA·W_rec', m: B, n: r, k: r },
    { w, kernel: 'AtB', what: 'dW_out = dYᵀ·φ', m: o, n: r, k: TB },
    { w, kernel: 'AtB', what: 'dW_rec = dAᵀ·φ', m: r, n: r, k: TB },
    { w, kernel: 'AtB', what: 'dW_in  = dAᵀ·x', m: r, n: p, k: TB },
    { w, kernel: 'columnSums', what: 'db = Σ_rows dA', m: TB, n: r, k: 1 },
  );
}
// Gated cells (G = 4 for LSTM): the recurrent products and weight gradients are G·r rows tall.
for (const [w, { p, r, T, B }] of Object.entries(WORKLOADS)) {
  const G = 4, TB = T * B;
  shapes.push(
    { w: `${w} lstm`, kernel: 'ABt', what: 'recurrence/step   h·W_hhᵀ', m: B, n: G * r, k: r },
    { w: `${w} lstm`, kernel: 'AB', what: 'BPTT/step         dA·W_hh', m: B, n: r, k: G * r },
    { w: `${w} lstm`, kernel: 'AtB', what: 'dW_hh = dAᵀ·h', m: G * r, n: r, k: TB },
    { w: `${w} lstm`, kernel: 'AtB', what: 'dW_ih = dAᵀ·x', m: G * r, n: p, k: TB },
  );
}
{ // RTRL on S: P_t = W_rec·P_{t−1}, P is [r][B·n], n = r·p + r² + r
  const { p, r, B } = WORKLOADS.S;
  shapes.push({ w: 'S', kernel: 'AB', what: 'RTRL W_rec·P', m: r, n: B * (r * p + r * r + r), k: r });
}
// Edges that are whole workloads elsewhere: batch 1 (every per-step product is
// a vector–matrix one), one output (o = 1), one input feature (p = 1), and
// ragged sizes (nothing a multiple of 4): none may fall back to a slow path.
shapes.push(
  { w: 'edge', kernel: 'ABt', what: 'batch 1: recurrence', m: 1, n: 256, k: 256 },
  { w: 'edge', kernel: 'AB', what: 'batch 1: BPTT step', m: 1, n: 256, k: 256 },
  { w: 'edge', kernel: 'ABt', what: 'o = 1: output layer', m: 4096, n: 1, k: 256 },
  { w: 'edge', kernel: 'ABt', what: 'p = 1: input projection', m: 4096, n: 256, k: 1 },
  { w: 'edge', kernel: 'AtB', what: 'p = 1: dW_in', m: 256, n: 1, k: 4096 },
  { w: 'edge', kernel: 'ABt', what: 'ragged', m: 2047, n: 129, k: 63 },
  { w: 'edge', kernel: 'AB', what: 'ragged', m: 2047, n: 129, k: 63 },
  { w: 'edge', kernel: 'AtB', what: 'ragged', m: 129, n: 63, k: 2047 },
);

// ---------------------------------------------------------------------------
// 1. Validate. (Mutating the kernels — dropping a lane, a K tail, an edge column,
// over-reading by a lane, re-ordering sum4 — makes each of these fail.)
const t0 = performance.now();
const rng = mulberry32(12345);
const SIZES = [1, 3, 4, 5, 7, 8, 13, 16, 31, 64];
let variant = 0;
for (const name of ['ABt', 'AB', 'AtB']) {
  for (const m of SIZES) for (const n of SIZES) for (const k of SIZES) {
    // Rotate accumulate / data kind / which matrix ends memory over the cross product.
    const v = variant++;
    checkProduct(name, m, n, k, v & 1, (v >> 1) & 1 ? 'float' : 'int', v % 3, rng);
  }
  // Mixed and larger awkward shapes: odd everything, very wide N, tall K.
  for (const [m, n, k] of [[33, 127, 129], [67, 300, 65], [5, 1001, 7], [3, 4099, 5], [2, 9, 1000],
    [129, 2, 3], [12, 24, 48], [6, 10, 14], [17, 33, 4097]]) {
    for (const acc of [0, 1]) for (const kind of ['int', 'float']) checkProduct(name, m, n, k, acc, kind, (m + n + k + acc) % 3, rng);
  }
}
for (const name of ['ABt', 'AB', 'AtB']) {
  for (const m of [2, 3, 4, 5, 7, 8, 13, 64, 300]) {
    for (const [n, k] of [[1, 1], [5, 3], [8, 16], [13, 31], [64, 33], [9, 64], [130, 257], [2, 300]]) checkRowInvariance(name, m, n, k, m & 1, rng);
  }
}
for (const rows of SIZES) for (const n of SIZES) for (const acc of [0, 1]) checkColumnSums(rows, n, acc, (rows + n) & 1 ? 'int' : 'float', rng);
// The workload shapes themselves, once each (float data, accumulate as the trainer calls them).
for (const s of shapes) {
  if (s.kernel === 'columnSums') checkColumnSums(s.m, s.n, 1, 'float', rng);
  else checkProduct(s.kernel, s.m, s.n, s.k, s.what.startsWith('RTRL') ? 0 : 1, 'float', 2, rng);
}
if (failures) {
  console.error(`${failures} of ${checks} checks FAILED (${file})`);
  process.exit(1);
}
console.log(`All results match: ${checks} checks of matmulABt, matmulAB, matmulAtB, columnSums (${file}, ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
if (validateOnly) process.exit(0);

// ---------------------------------------------------------------------------
// 2. Time. Each shape gets its own buffers (random data), so no case benefits
// from the previous one's cache; the median of tinybench's samples is reported.
const bench = new Bench({ time: timeMs, warmupTime: 100, warmupIterations: 5, iterations: 10 });
const timed = shapes.filter((s) => !only || `${s.w} ${s.kernel} ${s.what}`.includes(only));
let top = BASE;
for (const s of timed) {
  const { m, n, k } = s;
  const [la, lb] = s.kernel === 'columnSums' ? [m * n, 0] : SHAPE[s.kernel](m, n, k);
  const lc = s.kernel === 'columnSums' ? n : m * n;
  const a = align16(top), b = align16(a + 4 * la), c = align16(b + 4 * lb);
  top = c + 4 * lc;
  ensureBytes(top);
  const r = mulberry32(7);
  fillData(f32(a, la), 'float', r); fillData(f32(b, lb), 'float', r); fillData(f32(c, lc), 'float', r);
  s.flops = s.kernel === 'columnSums' ? m * n : 2 * m * n * k;
  // Accumulate as the trainer does (1), except RTRL, which overwrites.
  const acc = s.what.startsWith('RTRL') ? 0 : 1;
  s.task = `${s.w} ${s.kernel} ${m}×${n}×${k}`;
  bench.add(s.task, s.kernel === 'columnSums' ? () => columnSums(c, a, m, n, acc) : () => KERNEL[s.kernel](c, a, b, m, n, k, acc));
  // Data drift from accumulating repeatedly is harmless: |C| grows linearly at worst.
}
await bench.run();
const rows = timed.map((s) => {
  const { p50: ms, min } = bench.getTask(s.task).result.latency;
  const gflops = s.flops / (ms * 1e6);
  return {
    workload: s.w,
    kernel: s.kernel,
    'm×n×k': `${s.m}×${s.n}×${s.k}`,
    use: s.what,
    'median ms': ms < 0.1 ? ms.toFixed(4) : ms.toFixed(3),
    'GFLOP/s': gflops.toFixed(2),
    'of 30': s.kernel === 'columnSums' ? '(memory-bound)' : `${((100 * gflops) / LIMIT).toFixed(0)}%`,
    // The fastest sample: on a shared 2-core machine a busy neighbour drags medians, not minima.
    'best GFLOP/s': (s.flops / (min * 1e6)).toFixed(2),
  };
});
console.log(`\n${file} — median of tinybench samples, GFLOP/s = 2·m·n·k / median (columnSums: m·n adds); limit ${LIMIT} GFLOP/s`);
console.table(rows);
