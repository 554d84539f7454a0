// One OnlineLearner.learn() of this checkout's build against another build of
// rnnkit (another commit), in one process and in alternating rounds, so that
// both see the same load on a shared machine: the medians of each, and the
// median of the per-round ratio new ÷ old. The other build is a directory
// holding a package.json and a built dist/ (its rnnkit/online imports 'rnnkit',
// which resolves inside that package), e.g.
//
//   git worktree add /tmp/rnnkit-old HEAD~1 && ln -s "$PWD/node_modules" /tmp/rnnkit-old/ && (cd /tmp/rnnkit-old && npm run build)
//   node bench/online-ab.mjs /tmp/rnnkit-old M lstm snap 1     # size (S, M, L), cell, algorithm (snap, uoro), streams B
import { pathToFileURL } from 'node:url';
import { join, resolve } from 'node:path';
import { SIZES } from './lib/workloads.mjs';

const [other, size = 'S', cell = 'elman', algorithm = 'snap', streams = '1'] = process.argv.slice(2);
if (!other) throw new Error('usage: node bench/online-ab.mjs <directory of another built rnnkit> [S|M|L] [elman|lstm|gru] [snap|uoro] [streams]');
if (!SIZES[size]) throw new Error(`size: S, M or L, not ${size}`);
if (!['elman', 'lstm', 'gru'].includes(cell)) throw new Error(`cell: elman, lstm or gru, not ${cell}`);
if (!['snap', 'uoro'].includes(algorithm)) throw new Error(`algorithm: snap or uoro, not ${algorithm}`);
const B = Number(streams);
if (!(Number.isInteger(B) && B >= 1 && B <= 1024)) throw new Error(`streams: an integer 1…1024, not ${streams}`);

const load = async (root) => ({
  ...(await import(pathToFileURL(join(root, 'dist/index.js')).href)),
  ...(await import(pathToFileURL(join(root, 'dist/online.js')).href)),
});
const builds = { old: await load(resolve(other)), new: await load(new URL('..', import.meta.url).pathname) };

const { p, r, o } = SIZES[size];
/** learn() on a fresh model and learner of one build, with fixed inputs and targets. */
function learnOf(rnnkit) {
  const model = new rnnkit.RecurrentNetwork({ cell, inputSize: p, hiddenSize: r, outputSize: o, seed: 1 });
  const learner = new rnnkit.OnlineLearner(model, { algorithm: rnnkit[algorithm](), streams: B, optimizer: { type: 'sgd', learningRate: 1e-5 } });
  const rng = new rnnkit.Random(7);
  const x = Float32Array.from({ length: B * p }, () => rng.uniform(-1, 1)), y = Float32Array.from({ length: B * o }, () => rng.uniform(-1, 1));
  return () => learner.learn(x, y);
}
const middle = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
/** Median µs of one call. */
function median(fn) {
  for (let i = 0; i < 50; i++) fn();
  const times = [];
  for (let i = 0; i < 300; i++) { const t0 = performance.now(); fn(); times.push(performance.now() - t0); }
  return 1000 * middle(times);
}
const before = learnOf(builds.old), after = learnOf(builds.new), olds = [], news = [], ratios = [];
for (let round = 0; round < 9; round++) {
  olds.push(median(before));
  news.push(median(after));
  ratios.push(news[round] / olds[round]);
}
console.log(`${size} ${cell} ${algorithm} B${B}: old ${middle(olds).toFixed(1)} µs, new ${middle(news).toFixed(1)} µs, new ÷ old ${middle(ratios).toFixed(3)} (median of 9 alternating rounds)`);
