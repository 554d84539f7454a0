// rnnkit beside its peers, in one run: every workload of docs/benchmarks.md
// on rnnkit's three backends and on TensorFlow.js and brain.js.
//
//   npm run bench                                  # the standard set (builds rnnkit, installs bench/ on first use)
//   npm run bench -- --quick                       # a smoke run in seconds
//   npm run bench -- --sizes=S,M --peers=tfjs-wasm # choose sizes, modes, backends, peers
//   npm run bench -- --compare old.json new.json   # ratios per workload between two runs
//   node bench/run.mjs --help                      # every option
//
// Each (workload, implementation) cell runs in a fresh process (worker.mjs),
// one after another: it is first checked against a float64 reference, then
// timed, and its peak memory is that process's own. Results go to the console
// and to bench/results/<date>.json and .md.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WORKLOADS, QUICK, describe, about, cellOf } from './lib/workloads.mjs';
import { BACKENDS, PEERS, peerSupports } from './lib/implementations.mjs';
import { machine, load } from './lib/machine.mjs';
import { markdown, workloadTable, checkTable, compare, header, summaryTable, threadsTable, onlineTable } from './lib/report.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');

const HELP = `Usage: node bench/run.mjs [options]      (npm run bench -- [options])

Workloads (docs/benchmarks.md; see --list):
  --sizes=tiny,S,M,L       sizes of the RNN workloads (default: all; tiny has RTRL only, TBPTT runs at M)
  --modes=train,inference,rtrl,tbptt,ffnn,online
                           kinds of workload (default: all). online: one OnlineLearner.learn() per step on B
                           streams with each online algorithm (SnAp-1), beside a forward step of the same model,
                           at S and M, Elman and LSTM
  --cells=elman,lstm,gru   cells of the RNN workloads (default: all; TBPTT is Elman, RTRL has tiny LSTM and GRU
                           too, FFNN has none). S LSTM RTRL (348 GFLOP a step) runs only when named in --workloads
  --workloads="S train,M LSTM train"
                           exact workload names instead of --sizes/--modes/--cells
Implementations:
  --backends=wasm-simd,wasm-scalar,js
                           rnnkit backends (default: all three)
  --threads=2,auto         thread counts for rnnkit wasm-simd on the training workloads, beside its one
                           thread (default 2,auto; 'none' for one thread only). A ThreadPool of that size;
                           'auto' is what createThreadPool picks here
  --peers=LIST             peers, by id or prefix: ${Object.keys(PEERS).join(', ')};
                           'tfjs', 'brain', 'all' (default) or 'none'
Timing:
  --quick                  smoke run (seconds): S train, S LSTM and GRU train, S inference, tiny RTRL, S forward step
                           and S online SnAp-1, short timing
  --time=MS                minimum time per cell (default 1000)
  --iterations=N           minimum samples per cell (default 10)
  --max-cell-seconds=S     a cell whose N samples would take longer gets fewer (≥ 5), each ≥ 1 s (default 20)
  --tolerance=X            relative loss difference the agreement check allows (default 1e-5)
  --force                  time an implementation even when its agreement check fails
Output:
  --out=DIR                where the JSON and Markdown go (default bench/results)
  --no-save                print only
  --compare OLD.json NEW.json
                           print new ÷ old per workload and implementation, and exit
  --report RUN.json        print a saved run's summary and rewrite its .md beside it, and exit
  --list                   print the workloads and implementations, and exit`;

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const option = (name, fallback) => {
  const hit = argv.find((a) => a.startsWith(`--${name}=`));
  return hit === undefined ? fallback : hit.slice(name.length + 3);
};
const list = (name, fallback) => option(name, fallback.join(',')).split(',').map((s) => s.trim()).filter(Boolean);

if (flag('help') || flag('h')) { console.log(HELP); process.exit(0); }
if (flag('compare')) {
  const files = argv.slice(argv.indexOf('--compare') + 1).filter((a) => !a.startsWith('--'));
  if (files.length !== 2) { console.error('--compare needs two result files: --compare old.json new.json'); process.exit(2); }
  const [before, after] = files.map(readRun);
  console.log(compare(before, after));
  process.exit(0);
}
/** A results file written by this runner, or exit 2 naming the file and what is wrong with it. */
function readRun(file) {
  let run;
  try {
    run = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    console.error(`--compare: cannot read ${file}: ${error.message}`);
    process.exit(2);
  }
  if (!Array.isArray(run?.workloads) || typeof run.date !== 'string' || !run.machine) {
    console.error(`--compare: ${file} is not a result file of bench/run.mjs (expected "date", "machine" and "workloads")`);
    process.exit(2);
  }
  return run;
}
if (flag('report')) {
  // Re-render a saved run (e.g. after a change to the tables): its .md is rewritten beside it.
  const file = argv.slice(argv.indexOf('--report') + 1).find((a) => !a.startsWith('--'));
  if (!file) { console.error('--report needs a result file: --report run.json'); process.exit(2); }
  const saved = readRun(file);
  const md = file.replace(/\.json$/, '') + '.md';
  writeFileSync(md, markdown(saved));
  const online = onlineTable(saved);
  console.log(`${header(saved)}\n\nSummary: median ms per step (GFLOP/s)\n${summaryTable(saved)}\n${online ? `\nOnline steps\n${online}\n` : ''}\nWrote ${md}.`);
  process.exit(0);
}
if (flag('list')) {
  const width = Math.max(...Object.keys(WORKLOADS).map((name) => describe(name).length));
  // Per step; an online or forward step is a few MFLOP, so it gets three decimals.
  for (const name of Object.keys(WORKLOADS)) {
    const mflop = WORKLOADS[name].flops / 1e6;
    console.log(`${describe(name).padEnd(width)} ${mflop.toFixed(mflop < 10 ? 3 : 1).padStart(10)} MFLOP`);
  }
  console.log(`\nrnnkit backends: ${BACKENDS.join(', ')}\npeers: ${Object.keys(PEERS).join(', ')}`);
  process.exit(0);
}
const known = ['help', 'h', 'quick', 'force', 'no-save', 'compare', 'report', 'list', 'sizes', 'modes', 'cells', 'workloads', 'backends', 'threads', 'peers', 'time', 'iterations', 'max-cell-seconds', 'tolerance', 'out'];
for (const a of argv) {
  const name = a.replace(/^--/, '').split('=')[0];
  if (!a.startsWith('--') || !known.includes(name)) { console.error(`unknown option ${a}\n\n${HELP}`); process.exit(2); }
}

// --- What to run ------------------------------------------------------------
const quick = flag('quick');
const MODE_OF = {
  'rnn-train': 'train', 'rnn-inference': 'inference', 'rtrl-train': 'rtrl', 'tbptt-train': 'tbptt', 'ffnn-train': 'ffnn',
  'online-forward': 'online', 'online-step': 'online',
};
let workloads;
if (option('workloads')) {
  workloads = list('workloads', []);
  for (const w of workloads) if (!WORKLOADS[w]) { console.error(`unknown workload "${w}"; see --list`); process.exit(2); }
} else if (quick && !option('sizes') && !option('modes') && !option('cells')) {
  workloads = QUICK;
} else {
  const sizes = list('sizes', ['tiny', 'S', 'M', 'L']);
  const modes = list('modes', ['train', 'inference', 'rtrl', 'tbptt', 'ffnn', 'online']);
  for (const m of modes) if (!Object.values(MODE_OF).includes(m)) { console.error(`unknown mode "${m}" (${[...new Set(Object.values(MODE_OF))].join(', ')})`); process.exit(2); }
  const cells = option('cells') ? list('cells', []) : undefined;
  for (const c of cells ?? []) if (!['elman', 'lstm', 'gru'].includes(c)) { console.error(`unknown cell "${c}" (elman, lstm, gru)`); process.exit(2); }
  workloads = Object.keys(WORKLOADS).filter((name) => {
    const w = WORKLOADS[name];
    return !w.onlyWhenNamed && modes.includes(MODE_OF[w.kind]) && (w.kind === 'ffnn-train' || sizes.includes(w.size))
      && (!cells || cells.includes(cellOf(name)));
  });
}
const backends = list('backends', BACKENDS);
for (const b of backends) if (!BACKENDS.includes(b)) { console.error(`unknown backend "${b}" (${BACKENDS.join(', ')})`); process.exit(2); }
const threadArg = list('threads', ['2', 'auto']);
const threads = threadArg.includes('none') || !backends.includes('wasm-simd') ? [] : threadArg;
for (const t of threads) if (t !== 'auto' && !(Number.isInteger(Number(t)) && Number(t) >= 2)) { console.error(`unknown thread count "${t}" (an integer ≥ 2, auto or none)`); process.exit(2); }
const peerArg = list('peers', ['all']);
const peers = peerArg.includes('none') ? [] : Object.keys(PEERS).filter((id) => peerArg.some((p) => p === 'all' || id === p || id.startsWith(`${p}-`)));
for (const p of peerArg) {
  if (p !== 'all' && p !== 'none' && !Object.keys(PEERS).some((id) => id === p || id.startsWith(`${p}-`))) {
    console.error(`unknown peer "${p}" (${Object.keys(PEERS).join(', ')})`);
    process.exit(2);
  }
}
const timing = quick
  ? { minTime: Number(option('time', 100)), minIterations: Number(option('iterations', 3)), maxCellSeconds: Number(option('max-cell-seconds', 1)), minSlowIterations: 2, warmupTime: 50 }
  : { minTime: Number(option('time', 1000)), minIterations: Number(option('iterations', 10)), maxCellSeconds: Number(option('max-cell-seconds', 20)), minSlowIterations: 5, warmupTime: 250 };
const tolerance = Number(option('tolerance', 1e-5));

// --- Prerequisites: a built rnnkit, and the peers installed in bench/ --------
if (!existsSync(join(root, 'dist/index.js'))) {
  console.error('rnnkit is not built: run `npm run build` first (or `npm run bench`, which builds it).');
  process.exit(1);
}
let installSeconds;
if (peers.length) installSeconds = ensurePeersInstalled();

/** Installs bench/package.json's dependencies (from its lock file) when any is missing; returns the seconds it took, or undefined. */
function ensurePeersInstalled() {
  const manifest = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8'));
  const missing = Object.keys(manifest.dependencies).filter((name) => !existsSync(join(here, 'node_modules', name, 'package.json')));
  if (!missing.length) return undefined;
  console.log(`Installing the peers into bench/node_modules (missing: ${missing.join(', ')}) …`);
  const start = Date.now();
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const ci = existsSync(join(here, 'package-lock.json')) ? 'ci' : 'install';
  const r = spawnSync(npm, [ci, '--prefix', here, '--no-audit', '--no-fund'], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`npm ${ci} --prefix bench failed (exit ${r.status}); run it by hand, or leave the peers out with --peers=none.`);
    process.exit(1);
  }
  const seconds = (Date.now() - start) / 1000;
  console.log(`Installed in ${seconds.toFixed(1)} s.\n`);
  return seconds;
}

// --- Versions -----------------------------------------------------------------
/** A package's version, read from its package.json (bench/node_modules first, then the root's, as Node resolves). */
const versionOf = (name) => {
  for (const dir of [here, root]) {
    const file = join(dir, 'node_modules', name, 'package.json');
    if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')).version;
  }
  return undefined;
};
const versions = { rnnkit: JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version, tinybench: versionOf('tinybench') };
if (peers.some((p) => p.startsWith('tfjs'))) versions['@tensorflow/tfjs'] = versionOf('@tensorflow/tfjs');
if (peers.includes('brain-1.6.1')) versions['brain.js'] = versionOf('brain.js');
if (peers.includes('brain-2.0.0-beta.24')) versions['brain.js (2)'] = versionOf('brain.js-2');

/** The rnnkit commit measured ('-dirty' if the work tree had changes), or undefined outside a git checkout. */
function gitDescribe() {
  const r = spawnSync('git', ['describe', '--always', '--dirty'], { cwd: root, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** How far a not-comparable cell's loss is from rnnkit's reference, in words. */
function notComparableDifference(k) {
  return k.lossBeforeRelativeDifference !== undefined
    ? `start loss ${k.lossBeforeRelativeDifference.toExponential(1)}`
    : `${k.compared === 'lossAfter3' ? 'loss after 3 steps' : 'loss'} ${k.relativeDifference.toExponential(1)}`;
}

// --- Run ----------------------------------------------------------------------
const scratch = mkdtempSync(join(tmpdir(), 'rnnkit-bench-'));
let cellCount = 0;
/** Runs one cell in a fresh process and returns its result (or the error it died of). */
function runCell(id, workload, mode, reference) {
  const out = join(scratch, `${cellCount++}.json`);
  const job = { id, workload, mode, reference, tolerance, timing, out, force: flag('force') };
  const r = spawnSync(process.execPath, [join(here, 'worker.mjs'), JSON.stringify(job)], {
    encoding: 'utf8', maxBuffer: 64 << 20, timeout: 15 * 60_000,
  });
  if (r.status !== 0 || !existsSync(out)) {
    const lines = `${r.stderr ?? ''}${r.error ? String(r.error) : ''}`.trim().split('\n');
    // The thrown error's own line ("TypeError: …"), not the source line Node prints above it.
    const message = lines.find((l) => /^\s*(\w*Error|error)\b.*:/.test(l)) ?? lines.find((l) => /Error/.test(l)) ?? lines.at(-1) ?? `exit ${r.status}`;
    return { id, workload, label: id, error: message.trim().slice(0, 200), stderr: lines.slice(-20).join('\n') };
  }
  return JSON.parse(readFileSync(out, 'utf8'));
}

const start = Date.now();
const loads = [load()];
const run = {
  schema: 1,
  date: new Date().toISOString(),
  // The command that reproduces the run (where the files went does not change it).
  command: `npm run bench${argv.filter((a) => !a.startsWith('--out=')).map((a) => ` ${/\s/.test(a) ? `"${a}"` : a}`).join('').replace(/^ /, ' -- ')}`,
  commit: gitDescribe(),
  options: { quick, workloads, backends, threads, peers, timing, tolerance },
  machine: machine(),
  versions,
  installSeconds,
  workloads: [],
};
console.log(`${header({ ...run, load: { start: loads[0], max: loads[0], end: loads[0] }, seconds: 0 }).split('\n').slice(0, 1)}`);
console.log(`${workloads.length} workloads × (rnnkit ${backends.join(', ')}${peers.length ? `; ${peers.join(', ')}` : ''})\n`);
if (loads[0] > 0.5) console.log(`Note: the load average is ${loads[0]} before starting; another process may be using the CPU. Medians resist some noise, but a quiet machine is best.\n`);

let failures = 0;
for (const name of workloads) {
  const w = WORKLOADS[name];
  const threaded = ['rnn-train', 'tbptt-train', 'ffnn-train', 'rtrl-train'].includes(w.kind) ? threads.map((t) => `rnnkit-wasm-simd-threads-${t}`) : [];
  const ids = [...backends.map((b) => `rnnkit-${b}`), ...threaded, ...peers.filter((p) => peerSupports(p, name))];
  process.stdout.write(`${describe(name)}\n  reference (rnnkit float64) … `);
  const ref = runCell('rnnkit-float64', name, 'reference', null);
  if (ref.error) { console.log(`failed: ${ref.error}`); failures++; continue; }
  const reference = ref.check;
  console.log(`loss ${reference.lossBefore.toPrecision(6)}${reference.lossAfter3 !== undefined ? ` → ${reference.lossAfter3.toPrecision(6)} after 3 steps` : ''}`);
  const entry = { name, description: describe(name), about: about(name), kind: w.kind, flops: w.flops, reference, cells: [] };
  // What the report's online table pairs an online step with, and the algorithm's own share of its FLOPs.
  if (w.kind === 'online-step') entry.online = { algorithm: w.algorithm, forward: w.forward, train: w.train, T: w.shape.T, traceFlops: w.traceFlops, forwardFlops: w.forwardFlops };
  for (const id of ids) {
    process.stdout.write(`  ${id.padEnd(22)} `);
    const cell = runCell(id, name, 'measure', reference);
    // The load average just after the cell: above ~1 (this suite's own process), something else was running meanwhile.
    cell.loadAfter = load();
    // A threaded cell loads the machine itself: only the others say whether something else was running.
    if (!id.includes('-threads-')) loads.push(cell.loadAfter);
    entry.cells.push(cell);
    if (cell.error) { failures++; console.log(`failed: ${cell.error}`); continue; }
    const k = cell.check;
    const agreement = k.notComparable
      ? `NOT COMPARABLE (${k.formulation.short}): ${notComparableDifference(k)} from rnnkit's; `
        + `its own equations in float64 ${k.ok ? 'agree' : 'DISAGREE'} (${k.own.relativeDifference.toExponential(1)}${k.own.compared === 'lossAfter3' ? ', after 3 SGD steps' : ', at start'})`
      : k.expectedToDiffer
      ? `start loss ${k.ok ? 'agrees' : 'DIFFERS'}; after 3 steps differs by design`
      : `${k.ok ? 'agrees' : 'DIFFERS'} (${k.relativeDifference.toExponential(1)})`;
    if (!k.ok) failures++;
    const t = cell.timing;
    console.log(t
      ? `${t.medianMs.toFixed(3).padStart(10)} ms  ${cell.gflops.toFixed(2).padStart(6)} GFLOP/s  n=${t.samples}${t.slow ? '*' : ''}  check: ${agreement}${cell.leakedTensors ? `  (leaked ${cell.leakedTensors} tensors)` : ''}`
      : `not timed; check: ${agreement}`);
  }
  run.workloads.push(entry);
  console.log('');
}
loads.push(load());
run.seconds = (Date.now() - start) / 1000;
run.load = { start: loads[0], max: Math.max(...loads), end: loads.at(-1) };
rmSync(scratch, { recursive: true, force: true });

// --- Report ---------------------------------------------------------------------
console.log(header(run), '\n');
for (const w of run.workloads) {
  console.log(`${w.description}: ${(w.flops / 1e6).toFixed(1)} MFLOP per step\n${workloadTable(w)}\n`);
}
console.log('Agreement checks (from the same weights and data, against rnnkit in float64):\n');
for (const w of run.workloads) console.log(`${w.name} — ${checkTable(w)}\n`);
console.log(`Summary: median ms per step (GFLOP/s)\n${summaryTable(run)}\n`);
if (threads.length) console.log(`Threads: rnnkit wasm-simd on a ThreadPool, against its one thread\n${threadsTable(run)}\n`);
const onlineSummary = onlineTable(run);
if (onlineSummary) console.log(`Online steps: one learn() on B streams against a forward step and against BPTT per time step\n${onlineSummary}\n`);
if (run.load.max > run.machine.cores * 0.75) {
  console.log(`Warning: the load average reached ${run.load.max} on ${run.machine.cores} cores: something else was running; re-run on a quiet machine before quoting these figures.\n`);
}
if (!flag('no-save')) {
  const dir = option('out', join(here, 'results'));
  mkdirSync(dir, { recursive: true });
  const stamp = run.date.replace(/:/g, '-').replace(/\..*$/, '');
  const base = join(dir, `${stamp}${quick ? '-quick' : ''}`);
  writeFileSync(`${base}.json`, `${JSON.stringify(run, null, 1)}\n`);
  writeFileSync(`${base}.md`, markdown(run));
  console.log(`Saved ${relative(process.cwd(), base)}.json and .md (compare two runs with --compare old.json new.json).`);
}
if (failures) {
  console.log(`${failures} cell(s) failed or disagreed with the reference.`);
  process.exit(1);
}
