// Accuracy of the WebAssembly activations (exp, sigmoid, tanh) against float64
// Math over a dense float32 grid and the edge values, then the speed of
// activationForward tanh/sigmoid against the scalar build. The error bounds
// stated at the top of assembly/activation.ts come from this script; it exits
// 1 if any worst error is above them, or if a finite input gives a non-finite
// output.
//
//   node bench/activation-accuracy.mjs                       # build/rnnkit-simd.wasm vs build/rnnkit-scalar.wasm
//   node bench/activation-accuracy.mjs some.wasm --baseline other.wasm [--stride 61] [--no-bench]
//
// The kernels are called through their exports on the module's own memory:
// inputs go at 65536 and above (the module's static data lives below 64 KiB).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';

const SIGMOID = 1, TANH = 2, SOFTMAX = 4; // assembly/memory.ts
/** Worst relative error allowed (results ≥ 2^−126), and worst absolute error. */
const BOUNDS = { exp: { rel: 1e-7, abs: 6e-8 }, sigmoid: { rel: 2e-7, abs: 1e-7 }, tanh: { rel: 2e-7, abs: 1e-7 } };
const MIN_NORMAL = 2 ** -126;
const BASE = 65536;
const CHUNK = 1 << 20;

const args = process.argv.slice(2);
const option = (name) => { const i = args.indexOf(name); return i < 0 ? undefined : args.splice(i, 2)[1]; };
const stride = Number(option('--stride') ?? 61);
const noBench = args.includes('--no-bench');
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const file = args.find((a) => !a.startsWith('--')) ?? here('../build/rnnkit-simd.wasm');
const baseline = option('--baseline') ?? (file.includes('simd') ? file.replace(/simd(?!.*simd)/, 'scalar') : here('../build/rnnkit-scalar.wasm'));

/** A module's kernels and a float view of its memory from BASE, grown to hold `floats`. */
function load(path) {
  const k = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(path)), {}).exports;
  return {
    k,
    floats(count) {
      const need = BASE + count * 4 - k.memory.buffer.byteLength;
      if (need > 0) k.memory.grow(Math.ceil(need / 65536));
      // After growing, the old ArrayBuffer is detached: always take a fresh view.
      return new Float32Array(k.memory.buffer, BASE, count);
    },
  };
}

// ---- the grid ----

const f32 = new Float32Array(1), u32 = new Uint32Array(f32.buffer);
const bitsOf = (x) => { f32[0] = x; return u32[0]; };
const fromBits = (b) => { u32[0] = b; return f32[0]; };

/** Every `stride`-th float32 in [0, 20] (through all subnormals) and every float32 in [0.6, 0.65] (tanh's branch switch), both signs. */
function* magnitudes() {
  for (let b = 0, end = bitsOf(20); b <= end; b += stride) yield fromBits(b);
  for (let b = bitsOf(0.6), end = bitsOf(0.65); b <= end; b++) yield fromBits(b);
}
const EDGES = [0, 1e-45, 1e-40, 5.9e-39, 1.1754942e-38, 1e-30, 1e-10, 5.9604645e-8, 1e-4, 0.34657359, 0.625, 1,
  9, 9.1, 17, 20, 50, 86.6, 87.33654, 87.4, 88, 88.37626, 88.5, 88.72284, 89, 100, 103.3, 104, 1e10, 1e30, 3.4028235e38];

function* chunks(signs) {
  let buf = new Float32Array(CHUNK), n = 0;
  const all = function* () { yield* EDGES; yield* magnitudes(); };
  for (const m of all()) {
    for (const s of signs) {
      buf[n++] = s * m;
      if (n === CHUNK) { yield buf; buf = new Float32Array(CHUNK); n = 0; }
    }
  }
  if (n) yield buf.subarray(0, n);
}

// ---- error bookkeeping ----

function tracker(name) {
  return {
    name, abs: 0, absAt: 0, rel: 0, relAt: 0, ulps: 0, bad: [], count: 0,
    add(x, got, want) {
      this.count++;
      if (Number.isFinite(x) && !Number.isFinite(got)) { if (this.bad.length < 5) this.bad.push(`${name}(${x}) = ${got}`); return; }
      const e = Math.abs(got - want);
      if (e > this.abs) { this.abs = e; this.absAt = x; }
      if (Math.abs(want) >= MIN_NORMAL && e / Math.abs(want) > this.rel) { this.rel = e / Math.abs(want); this.relAt = x; }
      if (Math.abs(want) >= MIN_NORMAL) this.ulps = Math.max(this.ulps, e / 2 ** (Math.floor(Math.log2(Math.abs(want))) - 23));
    },
  };
}

const sigmoid64 = (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

/** σ elementwise through activationForward(in, out, 1, n, act). */
function measureElementwise({ k, floats }, act, ref, t) {
  for (const xs of chunks([1, -1])) {
    const mem = floats(2 * xs.length);
    mem.set(xs);
    k.activationForward(BASE, BASE + 4 * xs.length, 1, xs.length, act);
    const out = floats(2 * xs.length).subarray(xs.length);
    for (let i = 0; i < xs.length; i++) t.add(xs[i], out[i], ref(xs[i]));
  }
  // Exactly ±1 (tanh) or 1 and 0 (sigmoid) where the float32 result must saturate; NaN in, NaN out.
  const sat = act === TANH ? [10, 20, 88, 1e30, Infinity] : [105, 1e30, Infinity], mem = floats(4 * sat.length + 2);
  sat.forEach((x, i) => { mem[2 * i] = x; mem[2 * i + 1] = -x; });
  mem[2 * sat.length] = NaN;
  k.activationForward(BASE, BASE + 4 * (2 * sat.length + 1), 1, 2 * sat.length + 1, act);
  const out = floats(4 * sat.length + 2).subarray(2 * sat.length + 1);
  sat.forEach((x, i) => {
    const hi = 1, lo = act === TANH ? -1 : 0;
    if (out[2 * i] !== hi || out[2 * i + 1] !== lo) t.bad.push(`${t.name}(±${x}) = ${out[2 * i]}, ${out[2 * i + 1]}, not exactly ${hi}, ${lo}`);
  });
  if (!Number.isNaN(out[2 * sat.length])) t.bad.push(`${t.name}(NaN) = ${out[2 * sat.length]}`);
  // A value's σ must not depend on where it sits: n mod 4 tails and unaligned starts give the same bits.
  const N = 4099, xs = Float32Array.from({ length: N }, (_, i) => 12 * Math.sin(i * 0.37));
  let whole;
  for (let start = 0; start < 4; start++) {
    const m = floats(2 * N);
    m.set(xs);
    k.activationForward(BASE + 4 * start, BASE + 4 * (N + start), 1, N - start, act);
    const got = floats(2 * N).slice(N + start);
    if (start === 0) whole = got;
    else if (got.some((v, i) => !Object.is(v, whole[i + start]))) t.bad.push(`${t.name}: results depend on the position in the array (start ${start})`);
  }
}

/**
 * exp is only reachable through softmax, which evaluates it at z − max ≤ 0.
 * A row (0, x, y) with x ≤ 0 gives out0 = 1/S and out1 = exp(x)/S rounded, S
 * the row sum; when S is a power of two that division is exact, so exp(x) =
 * out1/out0 exactly. S = 1 or 2 with y = −1e30 for most x; otherwise y is
 * searched near ln(1 − e^x), so that S = 1 + e^x + e^y rounds to exactly 2.
 */
function measureExp({ k, floats }, t) {
  let unresolved = 0;
  /** Rows (0, x_i, y_i) through softmax; returns out0 and out1 of each row. */
  const run = (xs, ys) => {
    const n = xs.length, mem = floats(6 * n);
    for (let i = 0; i < n; i++) { mem[3 * i] = 0; mem[3 * i + 1] = xs[i]; mem[3 * i + 2] = ys[i]; }
    k.activationForward(BASE, BASE + 12 * n, n, 3, SOFTMAX);
    const out = floats(6 * n).subarray(3 * n), o0 = new Float32Array(n), o1 = new Float32Array(n);
    for (let i = 0; i < n; i++) { o0[i] = out[3 * i]; o1[i] = out[3 * i + 1]; }
    return [o0, o1];
  };
  const TRIES = 13; // targets for e^y around 2 − (1 + e^x), 2^−25 apart
  for (const xs of chunks([-1])) {
    const [o0, o1] = run(xs, new Float32Array(xs.length).fill(-1e30));
    const pending = [];
    for (let i = 0; i < xs.length; i++) {
      if (o0[i] === 1 || o0[i] === 0.5) t.add(xs[i], o1[i] / o0[i], Math.exp(xs[i]));
      else pending.push(i);
    }
    const tx = new Float32Array(pending.length * TRIES), ty = new Float32Array(pending.length * TRIES);
    pending.forEach((i, p) => {
      const rest = 2 - Math.fround(1 + o1[i] / o0[i]);
      for (let d = 0; d < TRIES; d++) {
        const want = Math.min(1, rest + (d - (TRIES >> 1)) * 2 ** -25);
        tx[p * TRIES + d] = xs[i];
        ty[p * TRIES + d] = want > 0 ? Math.log(want) : -1e30;
      }
    });
    const [s0, s1] = run(tx, ty);
    pending.forEach((i, p) => {
      let hit = -1;
      for (let d = 0; d < TRIES && hit < 0; d++) if (s0[p * TRIES + d] === 0.5) hit = p * TRIES + d;
      if (hit >= 0) t.add(xs[i], s1[hit] * 2, Math.exp(xs[i]));
      else { unresolved++; t.add(xs[i], o1[i] / o0[i], Math.exp(xs[i])); }
    });
  }
  t.note = unresolved ? `${unresolved} points measured as out1/out0, one rounding short of exact` : 'every point exact';
}

const target = load(file);
const results = [tracker('exp'), tracker('sigmoid'), tracker('tanh')];
const started = performance.now();
measureExp(target, results[0]);
measureElementwise(target, SIGMOID, sigmoid64, results[1]);
measureElementwise(target, TANH, Math.tanh, results[2]);

console.log(`${file}: grid every ${stride}th float32 in ±[0, 20] + every float32 in ±[0.6, 0.65] + edges (${((performance.now() - started) / 1000).toFixed(1)} s)`);
console.log('function  points      worst abs  (at x)             worst rel  (at x)             ulps  bound rel / abs');
let failed = false;
for (const t of results) {
  const b = BOUNDS[t.name], ok = t.rel <= b.rel && t.abs <= b.abs && !t.bad.length;
  failed ||= !ok;
  console.log(`${t.name.padEnd(9)} ${String(t.count).padEnd(11)} ${t.abs.toExponential(2)}  (${String(t.absAt).padEnd(16)}) ${t.rel.toExponential(2)}  (${String(t.relAt).padEnd(16)}) ${t.ulps.toFixed(2)}  ${b.rel} / ${b.abs} ${ok ? 'ok' : 'FAIL'}${t.note ? `  [${t.note}]` : ''}`);
  for (const m of t.bad) console.log(`  ${m}`);
}

if (!noBench) {
  const N = 262144, base = load(baseline);
  const input = Float32Array.from({ length: N }, (_, i) => 8 * (((i * 2654435761) >>> 0) / 2 ** 32) - 4); // [−4, 4)
  const js = { input, output: new Float32Array(N) };
  const bench = new Bench({ time: 1000, warmupTime: 200 });
  for (const [label, m] of [['wasm', target], ['baseline', base]]) {
    m.floats(2 * N).set(input);
    for (const [name, act] of [['tanh', TANH], ['sigmoid', SIGMOID]]) bench.add(`${name} ${label}`, () => m.k.activationForward(BASE, BASE + 4 * N, 1, N, act));
  }
  bench.add('tanh JS twin loop', () => { for (let i = 0; i < N; i++) js.output[i] = Math.tanh(js.input[i]); });
  bench.add('sigmoid JS twin loop', () => {
    for (let i = 0; i < N; i++) { const z = js.input[i]; if (z >= 0) js.output[i] = 1 / (1 + Math.exp(-z)); else { const e = Math.exp(z); js.output[i] = e / (1 + e); } }
  });
  await bench.run();
  console.log(`\nactivationForward on ${N} elements, x uniform in [−4, 4): ns per element (median)\n  wasm = ${file}\n  baseline = ${baseline}`);
  const ns = Object.fromEntries(bench.tasks.map((task) => [task.name, (task.result.latency.p50 * 1e6) / N]));
  for (const [name, v] of Object.entries(ns)) console.log(`  ${name.padEnd(22)} ${v.toFixed(3)}`);
  for (const name of ['tanh', 'sigmoid']) console.log(`  ${name}: wasm is ${(ns[`${name} baseline`] / ns[`${name} wasm`]).toFixed(1)}× the baseline`);
}
process.exit(failed ? 1 : 0);
