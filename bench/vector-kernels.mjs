// The core module's vector and optimizer kernels on n float32 values, this
// checkout's build against another build's (a worktree of another commit,
// built), in alternating rounds in one process: medians in µs and new ÷ old.
//
//   node bench/vector-kernels.mjs /tmp/rnnkit-old 33000     # another build's directory, n (default 33000)
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const [other, count = '33000'] = process.argv.slice(2);
if (!other) throw new Error('usage: node bench/vector-kernels.mjs <directory of another built rnnkit> [n]');
const n = Number(count);
if (!(Number.isInteger(n) && n >= 1 && n <= 1 << 22)) throw new Error(`n: an integer 1…4194304, not ${count}`);

/** An instance of a build's core SIMD module with four regions of n values (0.5 each) from 1 MiB on. */
function instance(file) {
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(file)), {});
  const base = 1 << 20, bytes = base + 16 * n;
  if (exports.memory.buffer.byteLength < bytes) exports.memory.grow(Math.ceil((bytes - exports.memory.buffer.byteLength) / 65536));
  new Float32Array(exports.memory.buffer, base, 4 * n).fill(0.5);
  return { e: exports, a: base, b: base + 4 * n, c: base + 8 * n, d: base + 12 * n };
}
const builds = {
  old: instance(join(resolve(other), 'dist/rnnkit-simd.wasm')),
  new: instance(new URL('../dist/rnnkit-simd.wasm', import.meta.url)),
};
const middle = (xs) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
/** Median µs of one call (10 calls a sample). */
function median(fn) {
  for (let i = 0; i < 200; i++) fn();
  const times = [];
  for (let r = 0; r < 300; r++) { const t0 = performance.now(); for (let i = 0; i < 10; i++) fn(); times.push((performance.now() - t0) / 10); }
  return 1000 * middle(times);
}
const kernels = {
  sgdUpdate: ({ e, a, b }) => () => e.sgdUpdate(a, b, n, 1e-9, 0),
  momentumUpdate: ({ e, a, b, c }) => () => e.momentumUpdate(a, b, c, n, 1e-9, 0.9, 0, 0),
  adamUpdate: ({ e, a, b, c, d }) => () => e.adamUpdate(a, b, c, d, n, 1e-9, 0.9, 0.999, 1e-8, 10, 0),
  'fill (0)': ({ e, c }) => () => e.fill(c, n, 0),
  addInPlace: ({ e, c, d }) => () => e.addInPlace(c, d, n),
  scaleInPlace: ({ e, d }) => () => e.scaleInPlace(d, n, 1),
  allFinite: ({ e, a }) => () => e.allFinite(a, n),
  copy: ({ e, c, a }) => () => e.copy(c, a, n),
};
for (const [name, make] of Object.entries(kernels)) {
  const before = make(builds.old), after = make(builds.new), olds = [], news = [];
  for (let round = 0; round < 5; round++) { olds.push(median(before)); news.push(median(after)); }
  console.log(`${name.padEnd(15)} n = ${n}: old ${middle(olds).toFixed(2)} µs, new ${middle(news).toFixed(2)} µs, new ÷ old ${(middle(news) / middle(olds)).toFixed(2)}`);
}
