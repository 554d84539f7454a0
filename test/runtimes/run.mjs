// Runs the same training job (job.mjs) in every runtime rnnkit is meant to be
// embedded in, from the packed tarball installed in a scratch project, and
// checks each final loss against the one Node computes on the same backend.
// One more page deploys a model exported by rnnkit/onnx: onnxruntime-web runs
// it in Chromium, and its outputs must match rnnkit's in Node.
// One line per runtime, then "N passed, M failed"; exits non-zero on failure.
// Run after `npm run build` (npm run test:runtimes does both).
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { CHROMIUM, runChromium } from './chromium.mjs';
import { STEPS } from './job.mjs';
import { lastJson, run } from './processes.mjs';
import { scratchProject } from './scratch.mjs';
import { runWorkerd } from './workerd.mjs';

const repo = new URL('../..', import.meta.url).pathname;
const require = createRequire(import.meta.url);

/**
 * How far a loss may be from Node's on the same backend, relatively. The wasm
 * kernels compute the same float32 operations everywhere; what may differ is
 * the JS around them (Math.pow in Adam's bias correction, Math.exp/tanh in the
 * js backend), by an ulp of float64 that float32 rounding mostly absorbs. So
 * far every runtime has matched Node exactly.
 */
const TOLERANCE = 1e-5;

/** A binary from its platform package, so no postinstall download or link is needed. */
function binary(platformPath, fallback) {
  try { return require.resolve(platformPath); } catch { return require.resolve(fallback); }
}

/** Runs one case; a thrown error becomes its report. */
const timed = async (fn) => {
  const started = performance.now();
  let report;
  try {
    report = await fn();
  } catch (error) {
    report = { error: String(error?.stack ?? error).split('\n').slice(0, 3).join(' | ') };
  }
  return { seconds: (performance.now() - started) / 1000, ...report };
};

const { dir, installMs } = await scratchProject(repo);
console.log(`packed and installed in a scratch project (${(installMs / 1000).toFixed(1)} s): ${dir}`);
const inScratch = (command, args, env = {}) => async () =>
  lastJson(await run(command, args, { cwd: dir, env: { ...process.env, ...env }, timeoutMs: 120_000 }));

const bun = binary('@oven/bun-linux-x64/bin/bun', 'bun/bin/bun.exe');
const deno = binary('@deno/linux-x64-glibc/deno', 'deno/deno');
const denoEnv = { DENO_DIR: join(dir, '.deno'), DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' };

// [label, expected backend, how to run it, an extra check]; the first Node run on each backend is the reference.
const refusedWasm = (pattern) => (r) => (pattern.test(r.fallbacks[0]?.reason) ? undefined : `expected wasm-simd refused (${pattern}), got ${JSON.stringify(r.fallbacks)}`);
const cases = [
  ['node: ESM import of rnnkit', 'wasm-simd', inScratch(process.execPath, ['default.mjs'])],
  ['node: ESM import of rnnkit/js', 'js', inScratch(process.execPath, ['js.mjs']), refusedWasm(/ships no wasm kernels/)],
  ['node: CJS require of rnnkit', 'wasm-simd', inScratch(process.execPath, ['default.cjs'])],
  ['node: CJS require of rnnkit/js', 'js', inScratch(process.execPath, ['js.cjs']), refusedWasm(/ships no wasm kernels/)],
  ['bun: ESM import of rnnkit', 'wasm-simd', inScratch(bun, ['default.mjs'])],
  ['bun: CJS require of rnnkit', 'wasm-simd', inScratch(bun, ['default.cjs'])],
  ['deno: ESM import of rnnkit', 'wasm-simd', inScratch(deno, ['run', '--quiet', '--no-prompt', '--allow-read', '--allow-env', 'default.mjs'], denoEnv)],
  ['workerd: modules config, workerd entry', 'wasm-simd', () => runWorkerd(dir, 'modules')],
  ['workerd: bundled as by wrangler, workerd entry', 'wasm-simd', () => runWorkerd(dir, 'bundled')],
  ['workerd: default entry, bytes refused', 'js', () => runWorkerd(dir, 'default'), refusedWasm(/disallowed by embedder/)],
];
// One browser for the pages; each page's report carries its own time.
const ONNX = 'onnxruntime-web';
const pages = [
  ['chromium: page, CSP with wasm-unsafe-eval', '/wasm/page.html', 'wasm-simd'],
  ['chromium: page, strict CSP', '/strict/page.html', 'js', refusedWasm(/CompileError/)],
  ['chromium: Web Worker', '/wasm/worker.html', 'wasm-simd', (r) => (r.inWorker ? undefined : 'did not run in a worker')],
  ['chromium: cross-origin isolated page', '/isolated/page.html', 'wasm-simd'],
  ['chromium: Web Worker, cross-origin isolated', '/isolated/worker.html', 'wasm-simd', (r) => (r.inWorker ? undefined : 'did not run in a worker')],
  // Not the training job: a model exported by rnnkit/onnx in Node, run by onnxruntime-web in a page (onnxProblem checks it).
  ['chromium: rnnkit/onnx model in onnxruntime-web', '/wasm/onnx.html', ONNX],
];
/** Runs where threads must start (two); everywhere else the pool must fall back to one thread and say why. */
const THREADED = new Set([
  'node: ESM import of rnnkit', 'node: CJS require of rnnkit', 'bun: ESM import of rnnkit', 'bun: CJS require of rnnkit', 'deno: ESM import of rnnkit',
  'chromium: cross-origin isolated page', 'chromium: Web Worker, cross-origin isolated',
]);
let browser;
/** What rnnkit computes in Node (onnx-export.mjs in the scratch project, which also writes model.onnx for the page). */
let onnxExpected;
// RNNKIT_RUNTIMES=node (a comma-separated list of label prefixes) runs only those: CI's extra Node versions.
const only = process.env.RNNKIT_RUNTIMES?.split(',');
for (const [label, , expected, check] of only ? [] : pages) {
  cases.push([label, expected, async () => {
    if (!existsSync(CHROMIUM)) return { error: `${CHROMIUM} not found (apt-get install chromium)` };
    browser ??= (async () => {
      onnxExpected = await inScratch(process.execPath, ['onnx-export.mjs'])();
      return runChromium(dir, Object.fromEntries(pages.map(([l, path]) => [l, path])));
    })();
    return (await browser)[label];
  }, check]);
}

/**
 * What is wrong with the ONNX page's outputs: each of y, hn and cn must have
 * the shape and, element by element, the values rnnkit computed in Node,
 * within 1e-5 · max(1, |rnnkit|) (onnxruntime's float32 kernels are not
 * rnnkit's). Sets report.worst, the largest such relative difference.
 */
function onnxProblem(report) {
  if (report.error) return report.error;
  if (!onnxExpected || onnxExpected.error) return `rnnkit/onnx export in Node failed: ${onnxExpected?.error}`;
  const names = Object.keys(report.outputs).sort();
  if (names.join() !== 'cn,hn,y') return `outputs ${names.join(', ')}, expected cn, hn, y`;
  report.worst = 0;
  for (const name of names) {
    const got = report.outputs[name], want = onnxExpected[name];
    if (got.dims.join() !== want.dims.join()) return `${name}: dims [${got.dims}], expected [${want.dims}]`;
    want.data.forEach((w, i) => { report.worst = Math.max(report.worst, Math.abs(got.data[i] - w) / Math.max(1, Math.abs(w))); });
  }
  return report.worst <= TOLERANCE ? undefined : `outputs differ from rnnkit's by ${report.worst.toExponential(2)} (relative), more than ${TOLERANCE}`;
}

/**
 * What is wrong with threads' report: two threads must reproduce the
 * one-thread loss within float32 rounding (1e-4 relative; gradients sum over
 * fewer rows at a time) and repeat it bit for bit; one thread must give a
 * reason and the one-thread loss exactly.
 */
function threadsProblem(t, threaded) {
  if (!t) return 'no threads report';
  if (threaded) {
    if (t.threads !== 2) return `threads: ${t.threads}, expected 2 (${t.reason})`;
    if (!t.inPool) return 'threads: the model did not move into the pool\'s memory';
    if (!(Math.abs(t.loss - t.single) <= 1e-4 * t.single)) return `threads: loss ${t.loss} on two threads, ${t.single} on one`;
    if (t.again !== t.loss) return `threads: two runs differ (${t.loss}, ${t.again})`;
    return undefined;
  }
  if (t.threads !== 1 || typeof t.reason !== 'string' || !t.reason) return `threads: expected a fallback to one thread with a reason, got ${JSON.stringify(t)}`;
  return t.loss === t.single && t.again === t.single ? undefined : `threads: the fallback's loss ${t.loss} is not the one-thread ${t.single}`;
}

/** What is wrong with a report, or undefined. */
function problem(report, expected, reference, check, label) {
  if (report.error) return report.error;
  const threads = threadsProblem(report.threads, THREADED.has(label));
  if (threads) return threads;
  if (report.backend !== expected) return `backend ${report.backend}, expected ${expected} (${JSON.stringify(report.fallbacks)})`;
  if (report.steps !== STEPS) return `${report.steps} steps, expected ${STEPS}`;
  if (!(report.loss < report.firstLoss / 2)) return `did not learn: loss ${report.firstLoss} → ${report.loss}`;
  if (reference && Math.abs(report.loss - reference.loss) > TOLERANCE * reference.loss) {
    return `loss ${report.loss} differs from Node's ${reference.loss} on ${expected}`;
  }
  const online = !label.includes('rnnkit/js') && !label.startsWith('chromium:') && !label.startsWith('workerd: modules');
  if (online !== (report.onlineLoss !== undefined)) return online ? 'no online-learning result (rnnkit/online)' : 'an online-learning result where none was expected';
  if (online && !(report.onlineLoss < report.onlineFirst / 2)) return `did not learn online: loss ${report.onlineFirst} → ${report.onlineLoss} over 24 steps`;
  if (online && reference?.onlineLoss !== undefined && Math.abs(report.onlineLoss - reference.onlineLoss) > TOLERANCE * reference.onlineLoss) {
    return `online loss ${report.onlineLoss} differs from Node's ${reference.onlineLoss} on ${expected}`;
  }
  return check?.(report);
}

const threadsLine = (t) => (t.threads > 1 ? `${t.threads} threads (${t.blocking ? 'train' : 'trainAsync'}), loss Δ ${(t.loss - t.single).toExponential(1)}` : `1 thread: ${t.reason.slice(0, 70)}`);

if (only) cases.splice(0, cases.length, ...cases.filter(([label]) => only.some((prefix) => label.startsWith(`${prefix}:`))));

const references = {};
const results = [];
for (const [label, expected, go, check] of cases) {
  const report = await timed(go);
  if (expected === ONNX) {
    const wrong = onnxProblem(report);
    results.push({ label, expected, ok: !wrong, report, problem: wrong });
    console.log(wrong ? `FAIL ${label.padEnd(46)} ${wrong}`
      : `ok   ${label.padEnd(46)} ${report.runtime.padEnd(24)} ${report.backend}: y, hn, cn within ${report.worst.toExponential(1)} of rnnkit in Node, ${report.seconds.toFixed(1)} s`);
    continue;
  }
  const fromNode = label.startsWith('node:');
  const reference = references[expected];
  const wrong = !reference && !fromNode ? report.error ?? `no Node result on ${expected} to compare with` : problem(report, expected, reference, check, label);
  if (!wrong && !reference && fromNode) references[expected] = report;
  const delta = reference && !wrong ? ` (Δ ${(report.loss - reference.loss).toExponential(1)} from node)` : reference ? '' : ' (the reference)';
  const why = report.backend === 'js' && report.fallbacks?.length ? `; wasm-simd refused: ${report.fallbacks[0].reason.slice(0, 110)}` : '';
  results.push({ label, expected, ok: !wrong, report, problem: wrong });
  console.log(wrong
    ? `FAIL ${label.padEnd(46)} ${wrong}`
    : `ok   ${label.padEnd(46)} ${report.runtime.padEnd(24)} ${report.backend.padEnd(9)} loss ${report.loss.toPrecision(7)}${delta}${report.onlineLoss === undefined ? '' : `, online (SnAp-1) ${report.onlineLoss.toPrecision(5)}`}, ${report.seconds.toFixed(1)} s${why}; ${threadsLine(report.threads)}`);
}

rmSync(dir, { recursive: true, force: true });
const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
if (process.env.CI) writeFileSync(join(repo, 'runtime-results.json'), JSON.stringify({ passed, failed, results }, null, 2));
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
