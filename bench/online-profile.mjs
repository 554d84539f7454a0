// Where one OnlineLearner.learn() spends its time (the online workloads of
// docs/benchmarks.md), by sampling: V8's CPU profiler over a few seconds of
// learn() calls on B streams, each sample charged to the wasm kernel that was
// running (internal wasm functions to the exported kernel that called them;
// the export names come from the export sections of dist/rnnkit-simd.wasm, the
// core module, and dist/rnnkit-online-simd.wasm, the online algorithms' module;
// which of the two a profiled wasm script is, the debugger's scriptParsed event
// tells by its length in bytes), or to
// JavaScript (learn()'s own code, argument checks, kernel calls). Beside it,
// the median of a forward step (RnnStepper.step) of the same model, timed in
// alternating rounds with learn() (the ratio is the rounds' median), and the
// algorithm's own kernels' rate on its nominal trace FLOPs (docs/benchmarks.md).
// Last, two floors for the algorithm's own kernels, whatever their code: the
// state a step must read and write (SnAp-1's traces, UORO's θ̃: B·n float32
// per trace) scaled in place by the core's f32x4 scaleInPlace in a wasm
// instance of its own (this machine's streaming rate), and the algorithm's
// nominal trace FLOPs at the rate of f32x4 multiplies and adds in registers,
// measured here, which no kernel that also loads and stores reaches. The larger
// of the two, as a multiple of the forward step, with the rest of learn() as
// it is (all but the algorithm's own kernels) and with nothing but the
// forward step besides: the least its kernels could bring learn() to.
//
//   node bench/online-profile.mjs                  # SnAp-1 at S and M, Elman and LSTM, wasm-simd
//   node bench/online-profile.mjs M lstm           # a size (S, M) and a cell (elman, lstm, gru)
//   BACKEND=js node bench/online-profile.mjs S     # another backend (js: everything is JavaScript)
//   STREAMS=1 node bench/online-profile.mjs M      # another number of streams B than the size's (one sensor, one user)
//   UPDATE_EVERY=8 node bench/online-profile.mjs   # the learner's updateEvery (default 1); times are then the mean of 8 steps
import { Session } from 'node:inspector/promises';
import { readFileSync } from 'node:fs';
import * as core from '../dist/index.js';
import * as online from '../dist/online.js';

const rnnkit = { ...core, ...online };
import { SIZES, GATES, ONLINE_ALGORITHMS } from './lib/workloads.mjs';

const sizes = process.argv.filter((a) => a === 'S' || a === 'M');
const cells = process.argv.filter((a) => ['elman', 'lstm', 'gru'].includes(a));
const backend = process.env.BACKEND ?? 'wasm-simd';
const seconds = Number(process.env.SECONDS_PER_CASE ?? 3);
const streams = process.env.STREAMS === undefined ? undefined : Number(process.env.STREAMS);
if (streams !== undefined && !(Number.isInteger(streams) && streams >= 1 && streams <= 1024)) throw new Error(`STREAMS: an integer 1…1024, not ${process.env.STREAMS}`);
const updateEvery = Number(process.env.UPDATE_EVERY ?? 1);
if (!(Number.isInteger(updateEvery) && updateEvery >= 1 && updateEvery <= 1024)) throw new Error(`UPDATE_EVERY: an integer 1…1024, not ${process.env.UPDATE_EVERY}`);
/** fn called updateEvery times: one sample holds one update, whatever n (a median of single calls would miss it). */
const rounds = (fn) => (updateEvery === 1 ? fn : () => { for (let i = 0; i < updateEvery; i++) fn(); });

/** Function index → export name, from the wasm binary's export section (the embedded build is the same module). */
function exportNames(file) {
  const b = readFileSync(file), names = new Map();
  let i = 8;
  const leb = () => { let v = 0, shift = 0, x; do { x = b[i++]; v |= (x & 0x7f) << shift; shift += 7; } while (x & 0x80); return v >>> 0; };
  while (i < b.length) {
    const id = b[i++], size = leb(), end = i + size;
    if (id === 7) {
      for (let k = leb(); k > 0; k--) {
        const length = leb(), name = b.subarray(i, i + length).toString();
        i += length;
        const kind = b[i++], index = leb();
        if (kind === 0 && !names.has(index)) names.set(index, name);
      }
    }
    i = end;
  }
  return names;
}
const coreFile = new URL('../dist/rnnkit-simd.wasm', import.meta.url), onlineFile = new URL('../dist/rnnkit-online-simd.wasm', import.meta.url);
const coreNames = exportNames(coreFile), onlineNames = exportNames(onlineFile);
/** The export names of each wasm script the debugger reports (by script id), told apart by the module's length in bytes. */
const namesByScript = new Map();
const namesByLength = new Map([[readFileSync(coreFile).length, coreNames], [readFileSync(onlineFile).length, onlineNames]]);
if (namesByLength.size !== 2) throw new Error('the core and online wasm modules have the same length: this profile cannot tell them apart');

const middle = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
/** Median ms of one call of `fn`. */
function median(fn, repeats = 400) {
  for (let i = 0; i < 50; i++) fn();
  const times = [];
  for (let i = 0; i < repeats; i++) { const t0 = performance.now(); fn(); times.push(performance.now() - t0); }
  return middle(times);
}
/**
 * Medians of a and b in alternating rounds, and the median of their per-round
 * ratio: on a shared machine the load drifts, and a ratio within one round
 * sees the same load on both sides.
 */
function paired(a, b, rounds = 7) {
  const as = [], bs = [], ratios = [];
  for (let k = 0; k < rounds; k++) {
    as.push(median(a));
    bs.push(median(b));
    ratios.push(as[k] / bs[k]);
  }
  return { a: middle(as), b: middle(bs), ratio: middle(ratios) };
}

/** An instance of the core module of its own (its memory from 1 MiB on holding `floats` float32 set to 1), for the floors. */
const floorExports = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(coreFile)), {}).exports;
function floorMemory(floats) {
  const memory = floorExports.memory, base = 1 << 20, bytes = base + 4 * floats;
  if (memory.buffer.byteLength < bytes) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / 65536));
  new Float32Array(memory.buffer, base, floats).fill(1);
  return base;
}
/** Median µs of scaling `floats` float32 in place (f32x4): the streaming floor. */
function streamFloor(floats) {
  const base = floorMemory(floats);
  return 1000 * median(() => floorExports.scaleInPlace(base, floats, 1), 60);
}
/**
 * GFLOP/s of f32x4 multiplies and adds in registers: 12 independent chains acc ← acc·m + m and no memory traffic,
 * in a wasm module built here (docs/benchmarks.md's register-only probe, 43 GFLOP/s on the reference machine).
 */
function registerPeak() {
  const CHAINS = 12, leb = (n) => { const out = []; do { let b = n & 0x7f; n >>>= 7; if (n) b |= 0x80; out.push(b); } while (n); return out; };
  const section = (id, bytes) => [id, ...leb(bytes.length), ...bytes];
  const simd = (op) => [0xfd, ...leb(op)];
  const m = [...new Uint8Array(new Float32Array([0.999999, 0.999999, 0.999999, 0.999999]).buffer)];
  const body = [1, CHAINS + 1, 0x7b]; // locals: CHAINS accumulators and m, v128
  body.push(...simd(0x0c), ...m, 0x21, CHAINS + 1); // m (local CHAINS + 1; the iteration count is local 0)
  for (let i = 1; i <= CHAINS; i++) body.push(0x20, CHAINS + 1, 0x21, i);
  body.push(0x03, 0x40); // loop
  for (let i = 1; i <= CHAINS; i++) body.push(0x20, i, 0x20, CHAINS + 1, ...simd(0xe6), 0x20, CHAINS + 1, ...simd(0xe4), 0x21, i);
  body.push(0x20, 0, 0x41, 1, 0x6b, 0x22, 0, 0x0d, 0, 0x0b); // n ← n − 1; loop while n ≠ 0
  body.push(0x20, 1);
  for (let i = 2; i <= CHAINS; i++) body.push(0x20, i, ...simd(0xe4));
  body.push(...simd(0x1f), 0, 0x0b); // the sum's lane 0, so that nothing is dead
  const bytes = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, [1, 0x60, 1, 0x7f, 1, 0x7d]), ...section(3, [1, 0]), ...section(7, [1, 4, ...new TextEncoder().encode('peak'), 0, 0]),
    ...section(10, [1, ...leb(body.length), ...body])]);
  const { peak } = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports;
  const iterations = 200000, flops = iterations * CHAINS * 8;
  for (let i = 0; i < 5; i++) peak(iterations);
  const rates = [];
  for (let i = 0; i < 31; i++) { const t0 = performance.now(); peak(iterations); rates.push(flops / ((performance.now() - t0) * 1e6)); }
  return rates.sort((a, b) => a - b)[15];
}
const peak = registerPeak();
console.log(`f32x4 multiply+add in registers here: ${peak.toFixed(1)} GFLOP/s (the arithmetic floor's rate)`);

const session = new Session();
session.connect();
// Enabling the debugger reports the scripts compiled so far (the core module), then each new one (the online module).
session.on('Debugger.scriptParsed', ({ params }) => {
  if (params.scriptLanguage === 'WebAssembly' && namesByLength.has(params.length)) namesByScript.set(Number(params.scriptId), namesByLength.get(params.length));
});
await session.post('Debugger.enable');
{ // Compile the online module too (on first use), then turn the debugger off: enabled, it halves the speed of learn().
  const model = new rnnkit.RecurrentNetwork({ cell: 'elman', inputSize: 1, hiddenSize: 1, outputSize: 1, backend });
  for (const { make } of Object.values(ONLINE_ALGORITHMS)) new rnnkit.OnlineLearner(model, { algorithm: make(rnnkit) }).learn([0], [0]);
  model.dispose();
}
await session.post('Debugger.disable');
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 100 });

for (const size of sizes.length ? sizes : ['S', 'M']) {
  for (const cell of cells.length ? cells : ['elman', 'lstm']) {
    const { p, r, o } = SIZES[size], B = streams ?? SIZES[size].B;
    const model = new rnnkit.RecurrentNetwork({ cell, inputSize: p, hiddenSize: r, outputSize: o, backend, seed: 1 });
    const rng = new rnnkit.Random(7);
    const x = Float32Array.from({ length: B * p }, () => rng.uniform(-1, 1)), y = Float32Array.from({ length: B * o }, () => rng.uniform(-1, 1));
    const stepper = new rnnkit.RnnStepper(model, { streams: B });
    for (const [algorithm, { make, traceFlops, stateFloats, kernels }] of Object.entries(ONLINE_ALGORITHMS)) {
      const learner = new rnnkit.OnlineLearner(model, { algorithm: make(rnnkit), streams: B, updateEvery, optimizer: { type: 'sgd', learningRate: 1e-5 } });
      const timed = paired(rounds(() => learner.learn(x, y)), rounds(() => stepper.step(x)));
      const step = timed.a / updateEvery, forward = timed.b / updateEvery, ratio = timed.ratio;
      await session.post('Profiler.start');
      const t0 = performance.now();
      while (performance.now() - t0 < seconds * 1000) learner.learn(x, y);
      const { profile } = await session.post('Profiler.stop');
      learner.dispose();
      const shares = attribute(profile);
      const total = [...shares.values()].reduce((a, b) => a + b, 0);
      console.log(`${size} ${cell === 'elman' ? 'Elman' : cell.toUpperCase()} online ${algorithm} (p${p} r${r} o${o} B${B}${updateEvery > 1 ? `, updateEvery ${updateEvery}` : ''}), ${backend}: learn() ${(step * 1000).toFixed(1)} µs, `
        + `forward step ${(forward * 1000).toFixed(1)} µs (median ratio of 7 alternating rounds ${ratio.toFixed(1)}×)`);
      const own = [...shares].filter(([name]) => kernels && kernels.test(name.replace(/^wasm /, ''))).reduce((a, [, t]) => a + t, 0);
      const flops = B * traceFlops(SIZES[size], GATES[cell], GATES[cell] * r * (p + r + 1));
      if (own > 0) {
        const ms = (own / total) * step;
        console.log(`  its own kernels: ${(100 * own / total).toFixed(1)} % ≈ ${(ms * 1000).toFixed(1)} µs for ${(flops / 1e6).toFixed(3)} MFLOP: ${(flops / ms / 1e6).toFixed(1)} GFLOP/s`);
      }
      for (const [name, t] of [...shares].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
        const share = t / total;
        if (share < 0.005) break;
        console.log(`  ${name.padEnd(34)} ${(100 * share).toFixed(1).padStart(5)} %  ≈ ${(share * step * 1000).toFixed(1).padStart(7)} µs`);
      }
      const floats = B * stateFloats(GATES[cell], GATES[cell] * r * (p + r + 1)), streaming = streamFloor(floats), arithmetic = flops / peak / 1000;
      const rest = (1 - own / total) * step * 1000, floor = Math.max(streaming, arithmetic);
      console.log(`  floors: its state, ${(4 * floats / 1e6).toFixed(2)} MB read and written, scaled in place in ${streaming.toFixed(1)} µs `
        + `(${(2 * 4 * floats / streaming / 1e3).toFixed(1)} GB/s); its ${(flops / 1e6).toFixed(3)} MFLOP at ${peak.toFixed(1)} GFLOP/s in ${arithmetic.toFixed(1)} µs. `
        + `The larger with the rest of learn() (${rest.toFixed(1)} µs): ${((floor + rest) / 1000 / forward).toFixed(1)}×; with only the forward step: `
        + `${(1 + floor / 1000 / forward).toFixed(1)}× — the least its kernels could bring learn() to here`);
    }
    model.dispose();
  }
}
session.disconnect();

/** Self time per kernel: a wasm function's own name if exported, else its nearest exported caller's; 'JavaScript' otherwise. */
function attribute(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n])), parent = new Map();
  const namesOf = (frame) => namesByScript.get(Number(frame.scriptId)) ?? new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const kernelOf = (node) => {
    let inner;
    for (let n = node; n; n = byId.get(parent.get(n.id))) {
      const m = /^wasm-function\[(\d+)\]$/.exec(n.callFrame.functionName);
      if (!m) break;
      inner ??= m[1];
      const names = namesOf(n.callFrame);
      if (names.has(Number(m[1]))) return `wasm ${names.get(Number(m[1]))}`;
    }
    if (inner !== undefined) return `wasm function ${inner}`;
    const fn = node.callFrame.functionName;
    if (fn === '(garbage collector)' || fn === '(program)' || fn === '(idle)') return fn;
    return 'JavaScript (learn(), checks, calls)';
  };
  const shares = new Map();
  profile.samples.forEach((id, i) => {
    const key = kernelOf(byId.get(id));
    shares.set(key, (shares.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  return shares;
}
