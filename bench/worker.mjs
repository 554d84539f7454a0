// One cell of the suite, in a process of its own: one implementation on one
// workload. It first checks that the implementation computes the same thing
// (from the same weights and data, its loss after 3 SGD steps against the
// float64 reference), then times it, then reports peak memory. run.mjs starts
// it as `node worker.mjs '<job JSON>'`; the result is written to job.out.
// A peer whose equations are not rnnkit's (model.formulation: brain.js's
// gated cells, tfjs's layers.gru) is checked against its own equations in
// float64 instead (lib/formulations.mjs), and its difference from rnnkit's
// reference is reported, not judged.
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Bench } from 'tinybench';
import { WORKLOADS, TIMING_RATE, layersOf } from './lib/workloads.mjs';
import { initialWeights, workloadData } from './lib/data.mjs';
import { sgdLosses, lossAt, oneSequence } from './lib/formulations.mjs';
import { resolve, adapter } from './lib/implementations.mjs';

const job = JSON.parse(process.argv[2]);
const w = WORKLOADS[job.workload];
const isTraining = w.kind !== 'rnn-inference' && w.kind !== 'online-forward';

const { module, variant } = resolve(job.id);
const impl = await adapter(module);
const data = workloadData(job.workload);
const weights = initialWeights(job.workload);
const model = await impl.create(variant, job.workload, data, weights);

const result = { id: job.id, workload: job.workload, label: model.label, detail: model.detail, ...(model.threads ? { threads: model.threads } : {}) };

// --- Agreement check -------------------------------------------------------
// Inference: the loss at the starting weights. Training: 3 steps with plain
// SGD at the workload's check rate, then the loss at the weights they reached.
const stepTimes = [];
const timed = async () => { const t0 = performance.now(); await model.step(); stepTimes.push(performance.now() - t0); };
const check = { lossBefore: await model.loss() };
if (module === 'brain') check.gradient = await brainGradientCheck();
if (isTraining) {
  model.setRate(w.checkRate);
  for (let i = 0; i < 3; i++) await timed();
  check.lossAfter3 = await model.loss();
}
result.check = check;
if (job.reference) {
  const key = isTraining ? 'lossAfter3' : 'lossBefore';
  const expected = job.reference[key], got = check[key];
  check.compared = key;
  check.expected = expected;
  check.relativeDifference = Math.abs(got - expected) / Math.abs(expected);
  check.ok = check.relativeDifference <= job.tolerance;
  if (module === 'brain') {
    // Not the same update (RMSProp, one sequence at a time): only the loss at the starting weights must agree.
    const before = Math.abs(check.lossBefore - job.reference.lossBefore) / Math.abs(job.reference.lossBefore);
    check.lossBeforeRelativeDifference = before;
    check.ok = before <= job.tolerance;
    check.expectedToDiffer = isTraining;
  }
  if (model.formulation) {
    // Other equations: no weights make it compute rnnkit's loss. What it must match is its own equations, in float64,
    // from the same weights (mapped as the adapter maps them), after the same 3 SGD steps when it takes them.
    const f = model.formulation;
    const ownKey = module === 'brain' || !isTraining ? 'lossBefore' : 'lossAfter3';
    const own = ownKey === 'lossAfter3'
      ? sgdLosses(f.id, w.shape, layersOf(job.workload), weights, data, w.checkRate)
      : { lossBefore: lossAt(f.id, w.shape, layersOf(job.workload), weights, data) };
    const relative = Math.abs(check[ownKey] - own[ownKey]) / Math.abs(own[ownKey]);
    check.formulation = { id: f.id, short: f.short, why: f.why, ...(f.backward ? { backward: f.backward } : {}) };
    check.own = { compared: ownKey, expected: own[ownKey], relativeDifference: relative };
    check.notComparable = true;
    check.ok = relative <= job.tolerance;
  }
}

// --- Timing -----------------------------------------------------------------
if (job.mode === 'measure' && (check.ok !== false || job.force)) {
  model.setRate(TIMING_RATE);
  if (!isTraining) for (let i = 0; i < 2; i++) await timed();
  const estimate = Math.min(...stepTimes.slice(-2));
  const t = job.timing;
  // Fast cells: ≥ minIterations samples and ≥ minTime ms after a warm-up.
  // Slow cells (minIterations samples would exceed the cell budget): fewer
  // samples, each ≥ 1 s, at least minSlowIterations; the check steps were the warm-up.
  const slow = estimate * t.minIterations > t.maxCellSeconds * 1000;
  const iterations = slow ? Math.max(t.minSlowIterations, Math.floor((t.maxCellSeconds * 1000) / estimate)) : t.minIterations;
  const bench = new Bench(slow
    ? { time: 0, iterations, warmup: false, throws: true }
    : { time: t.minTime, iterations, warmupTime: t.warmupTime, warmupIterations: 2, throws: true });
  const tensorsBefore = model.leakCheck?.();
  bench.add(job.workload, model.step.constructor.name === 'AsyncFunction' ? model.step : () => { model.step(); });
  await bench.run();
  const r = bench.tasks[0].result;
  const samples = [...r.latency.samples];
  // An online workload's sample is T calls (model.stepsPerCall): its times are reported per call, the workload's step.
  const per = model.stepsPerCall ?? 1;
  result.timing = {
    medianMs: r.latency.p50 / per, minMs: r.latency.min / per, maxMs: r.latency.max / per, meanMs: r.latency.mean / per, madMs: r.latency.mad / per,
    samples: samples.length, totalMs: samples.reduce((a, b) => a + b, 0), slow, ...(per > 1 ? { stepsPerSample: per } : {}),
  };
  result.gflops = w.flops / (result.timing.medianMs / 1000) / 1e9;
  const tensorsAfter = model.leakCheck?.();
  if (tensorsBefore !== undefined && tensorsAfter !== tensorsBefore) result.leakedTensors = tensorsAfter - tensorsBefore;
}

// --- Memory -----------------------------------------------------------------
// Peak resident set of this process (it ran this one cell only) and the wasm linear memory, if any.
result.memory = { peakRssBytes: process.resourceUsage().maxRSS * 1024, wasmBytes: model.wasmBytes() };
model.dispose();
writeFileSync(job.out, JSON.stringify(result));

/**
 * brain.js cannot take the same 3 SGD steps, so compare what can be compared:
 * the gradient of one sequence's loss at the starting weights, brain.js's
 * backward pass against rnnkit's float64 one (for its gated cells, which are
 * not rnnkit's, against their own equations' float64 gradient), per
 * parameter (worst |a − b| / max|b|).
 */
async function brainGradientCheck() {
  if (model.formulation) return compareGradients(oneSequence(model.formulation.id, w.shape, layersOf(job.workload), weights, data).gradients);
  const { ElmanRNN, createSequenceBatch } = await import('../dist/index.js');
  const { p, r, o, T } = w.shape;
  const reference = new ElmanRNN({ inputSize: p, hiddenSize: r, outputSize: o, dtype: 'float64', backend: 'js' });
  reference.setParameters(weights);
  const one = createSequenceBatch({
    size: 1, steps: T, inputSize: p, targetSize: o,
    inputs: Float64Array.from(data.inputs.subarray(0, T * p)), targets: Float64Array.from(data.targets.subarray(0, T * o)),
  });
  const result = compareGradients(reference.computeGradients(one).gradients);
  reference.dispose();
  return result;
}

/** brain.js's gradient of sequence 0 against `expected`, per parameter: worst |a − b| / max|b|. */
function compareGradients(expected) {
  const got = model.gradientOfFirstSequence();
  const out = {};
  for (const name of Object.keys(expected)) {
    let worst = 0, scale = 0;
    for (let i = 0; i < expected[name].length; i++) {
      worst = Math.max(worst, Math.abs(got[name][i] - expected[name][i]));
      scale = Math.max(scale, Math.abs(expected[name][i]));
    }
    out[name] = worst / scale;
  }
  return out;
}
