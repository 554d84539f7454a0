/**
 * `rnnkit diagnose <model>`: the gradient-flow analysis of note 001 §1.3.4
 * for a saved Elman RNN — temporal Jacobian norms, Hochreiter's bound, the
 * W_rec gradient by lag — written as JSON and SVG charts into a folder.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createSequenceBatch, type SequenceBatch } from '../data/sequence-batch.js';
import { fromBinary, fromJSON } from '../model/serialize.js';
import { ElmanRNN } from '../model/rnn.js';
import { Random } from '../model/random.js';
import { analyzeGradientFlow, gradientFlowToJSON, type GradientFlowReport } from '../analysis/gradient-flow.js';
import { jacobianHeatmapSvg, lagContributionsSvg, normBoundSvg } from '../analysis/svg.js';

const USAGE = `Usage: rnnkit diagnose <model-file> [options]

Shows how gradients flow back through time in a saved Elman RNN (note 001 §1.3.4):
the norms ‖∂a^t/∂a^k‖₁ of the temporal Jacobians for every pair k < t, Hochreiter's
bound τ^(t−k) with τ = σ'max·‖W_rec‖₁ beside them, ρ(W_rec) and ‖W_rec‖₁, and the
BPTT gradient of W_rec split by lag (long- versus short-term contributions).

  <model-file>          a model saved with toJSON or toBinary (the format is told by its content)

Data (one of):
  --inputs <file.csv>   sequences to analyse: one step per line, p input values, then optionally
                        the o target values (or one class index for a softmax model); a blank line
                        starts a new sequence; a first line that is not numbers is skipped as a header
  --steps <n>           otherwise random N(0, 1) inputs of n steps (default 50) ...
  --batch <n>           ... for this many sequences (default 8)
  --seed <n>            seed of the random inputs, and of random targets when none are given (default 1)

Analysis:
  --max-lag <n>         largest lag t − k computed (default: all; the Jacobians cost O(B·T·lag·r³))
  --long-from <n>       lags ≥ n count as long-term in the long/short ratio (default max(2, ⌈T/4⌉))
  --threshold <x>       norm under which a contribution counts as vanished (default 0.01)

Output:
  --out <dir>           folder for diagnosis.json, jacobian-heatmap.svg, norm-vs-bound.svg and
                        lag-contributions.svg (default ./diagnosis; created if missing)
  --full                also put the per-lag W_rec gradient matrices in diagnosis.json
  -h, --help            this text

Without targets the loss uses random targets (from --seed): the lag split then shows how an
uninformative error signal would flow back, which depends on the model, not on the task.
Exit codes: 0 done, 1 the model or data could not be used, 2 wrong flags.`;

class UsageError extends Error {}

function integerFlag(name: string, value: string | undefined, fallback: number | undefined, min: number): number | undefined {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\s*[+-]?\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min) throw new UsageError(`--${name}: expected an integer ≥ ${min}, got "${value}"`);
  return n;
}

function positiveFlag(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new UsageError(`--${name}: expected a positive number, got "${value}"`);
  return n;
}

/** A saved model file: the binary format starts with "RNNK", anything else is read as JSON text. */
export function loadRnn(path: string): ElmanRNN {
  const bytes = readFileSync(path);
  const isBinary = bytes.length >= 4 && bytes.subarray(0, 4).toString('latin1') === 'RNNK';
  const model = isBinary ? fromBinary(new Uint8Array(bytes), { backend: 'js' }) : fromJSON(bytes.toString('utf8'), { backend: 'js' });
  if (!(model instanceof ElmanRNN)) {
    // The analysis is note 001's: ∂a^t/∂a^{t−1} = W_rec·diag(σ′) of one Elman layer.
    throw new Error(`${path}: holds a ${model.constructor.name}; diagnose analyses one-layer Elman RNNs (files of kind 'elman-rnn', e.g. from rnnkit train with the default --cell elman --layers 1)`);
  }
  return model;
}

/**
 * Sequences from CSV text: one step per line; a blank line ends a sequence.
 * Each row has p inputs, optionally followed by o targets (or one class index
 * for a softmax + cross-entropy model); every row must have the same width.
 */
export function readSequencesCsv(text: string, model: ElmanRNN, source = 'CSV'): SequenceBatch {
  const { inputSize: p, outputSize: o, loss } = model.config;
  const sequences: number[][][] = [[]];
  let width: number | undefined;
  const lines = text.split(/\r?\n/);
  lines.forEach((line, index) => {
    if (line.trim() === '') {
      if (sequences[sequences.length - 1]!.length > 0) sequences.push([]);
      return;
    }
    const cells = line.split(',').map((c) => c.trim());
    const values = cells.map(Number);
    if (cells.some((c, i) => c === '' || !Number.isFinite(values[i]))) {
      if (index === 0) return; // a header
      throw new Error(`${source}, line ${index + 1}: expected numbers separated by commas, got "${line.slice(0, 60)}"`);
    }
    const allowed = [p, p + o, ...(loss === 'cross-entropy' && o > 1 ? [p + 1] : [])];
    if (!allowed.includes(values.length)) {
      throw new Error(`${source}, line ${index + 1}: expected ${allowed.join(' or ')} values (p = ${p} inputs, then optionally o = ${o} targets` +
        `${allowed.includes(p + 1) ? ' or one class index' : ''}), got ${values.length}`);
    }
    if (width !== undefined && values.length !== width) throw new Error(`${source}, line ${index + 1}: ${values.length} values, but earlier rows have ${width}`);
    width = values.length;
    sequences[sequences.length - 1]!.push(values);
  });
  if (sequences[sequences.length - 1]!.length === 0) sequences.pop();
  if (sequences.length === 0) throw new Error(`${source}: no data rows`);
  const B = sequences.length, T = Math.max(...sequences.map((s) => s.length));
  const lengths = sequences.map((s) => s.length);
  const inputs = new Float64Array(B * T * p);
  sequences.forEach((s, b) => s.forEach((row, t) => inputs.set(row.slice(0, p), (b * T + t) * p)));
  const base = { size: B, steps: T, inputSize: p, inputs, lengths };
  if (width === p) return createSequenceBatch(base);
  if (width === p + o) {
    const targets = new Float64Array(B * T * o);
    sequences.forEach((s, b) => s.forEach((row, t) => targets.set(row.slice(p), (b * T + t) * o)));
    return createSequenceBatch({ ...base, targets, targetSize: o });
  }
  // Plain numbers, so createSequenceBatch rejects a class that is not an integer ≥ 0.
  const classes = new Array<number>(B * T).fill(0);
  sequences.forEach((s, b) => s.forEach((row, t) => { classes[b * T + t] = row[p]!; }));
  return createSequenceBatch({ ...base, classes });
}

/** Random targets suited to the model's loss, so a batch without targets still has a gradient to split. */
function withRandomTargets(batch: SequenceBatch, model: ElmanRNN, rng: Random): SequenceBatch {
  const { outputSize: o, output, loss } = model.config;
  const B = batch.size, T = batch.steps;
  const base = { size: B, steps: T, inputSize: batch.inputSize, inputs: batch.inputs, lengths: batch.lengths };
  if (loss === 'cross-entropy') return createSequenceBatch({ ...base, classes: Int32Array.from({ length: B * T }, () => rng.int(o)) });
  const targets = new Float64Array(B * T * o);
  for (let row = 0; row < B * T; row++) {
    let sum = 0;
    for (let k = 0; k < o; k++) {
      const v = output === 'identity' ? rng.gaussian() : rng.next();
      targets[row * o + k] = v;
      sum += v;
    }
    if (output === 'softmax') for (let k = 0; k < o; k++) targets[row * o + k]! /= sum;
  }
  return createSequenceBatch({ ...base, targets, targetSize: o });
}

function summary(report: GradientFlowReport, files: string[], randomTargets: boolean): string[] {
  const { bound, crossings, jacobians } = report;
  const fmt = (x: number) => (Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(2) : x.toPrecision(3));
  const lags = [1, 5, 10, 20, 50].filter((l) => l <= jacobians.maxLag);
  const lines = [
    `model: Elman RNN, σ = ${report.activation}, r = ${report.hiddenSize}; data: ${report.sequences} sequence(s) of up to ${report.steps} steps`,
    `W_rec: spectral radius ρ = ${fmt(bound.spectralRadius)}, ‖W_rec‖₁ = ${fmt(bound.recurrentNorm)}`,
    `Hochreiter: σ'max = ${fmt(bound.slopeMax)} on this data (sup σ' = ${bound.slopeSupremum}), τ = σ'max·‖W_rec‖₁ = ${fmt(bound.tau)}` +
      (bound.tau < 1 ? ' < 1: vanishing is guaranteed' : ' ≥ 1: the bound guarantees nothing'),
    `mean ‖∂a^t/∂a^k‖₁ by lag: ${lags.map((l) => `${l}: ${fmt(jacobians.meanByLag[l]!)}`).join(', ')}` +
      (crossings.ratePerStep === null ? '' : `; growth ≈ ${fmt(crossings.ratePerStep)} per step`),
    `below ${crossings.threshold}: the norm from lag ${crossings.norm ?? '— (never)'}, the bound from lag ${crossings.bound ?? '— (never)'}`,
  ];
  const c = report.contributions;
  if (c) {
    lines.push(`W_rec gradient: long-term (lag ≥ ${c.longFrom}) / short-term = ${fmt(c.longShortRatio)}` +
      (randomTargets ? ' (random targets)' : ''));
    if (c.longShortRatio < 1e-3) lines.push('→ vanishing: long-term terms barely reach the gradient');
    else if (c.longShortRatio > 10) lines.push('→ exploding: long-term terms dominate; train with clipNorm');
  }
  lines.push(`wrote ${files.join(', ')}`);
  return lines;
}

export async function diagnoseCommand(args: string[], io: { out: (s: string) => void; err: (s: string) => void }): Promise<number> {
  let values: Record<string, string | boolean | undefined>, positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args, allowPositionals: true, strict: true,
      options: {
        help: { type: 'boolean', short: 'h' }, out: { type: 'string' }, inputs: { type: 'string' },
        steps: { type: 'string' }, batch: { type: 'string' }, seed: { type: 'string' },
        'max-lag': { type: 'string' }, 'long-from': { type: 'string' }, threshold: { type: 'string' }, full: { type: 'boolean' },
      },
    }));
  } catch (error) {
    io.err(`rnnkit diagnose: ${(error as Error).message.replace(/\. To specify a positional argument.*$/s, '.')}\nRun "rnnkit diagnose --help" for the options.`);
    return 2;
  }
  if (values.help) { io.out(USAGE); return 0; }

  let options: { steps: number; batch: number; seed: number; maxLag?: number; longFrom?: number; threshold: number };
  try {
    if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'expected a model file' : `expected one model file, got ${positionals.length} arguments`);
    if (values.inputs !== undefined && (values.steps !== undefined || values.batch !== undefined)) {
      throw new UsageError('--inputs gives the sequences: --steps and --batch apply to random inputs only');
    }
    options = {
      steps: integerFlag('steps', values.steps as string | undefined, 50, 1)!,
      batch: integerFlag('batch', values.batch as string | undefined, 8, 1)!,
      seed: integerFlag('seed', values.seed as string | undefined, 1, 0)!,
      maxLag: integerFlag('max-lag', values['max-lag'] as string | undefined, undefined, 1),
      longFrom: integerFlag('long-from', values['long-from'] as string | undefined, undefined, 1),
      threshold: positiveFlag('threshold', values.threshold as string | undefined, 0.01),
    };
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`rnnkit diagnose: ${error.message}\nRun "rnnkit diagnose --help" for the options.`);
    return 2;
  }

  try {
    const model = loadRnn(positionals[0]!);
    const rng = new Random(options.seed);
    let batch: SequenceBatch;
    if (values.inputs !== undefined) {
      batch = readSequencesCsv(readFileSync(values.inputs as string, 'utf8'), model, values.inputs as string);
    } else {
      const { steps: T, batch: B } = options, p = model.inputSize;
      batch = createSequenceBatch({ size: B, steps: T, inputSize: p, inputs: Float64Array.from({ length: B * T * p }, () => rng.gaussian()) });
    }
    // The Jacobians cost about B·T·L·r³ multiply-adds (≈ 1.5·10⁹ a second here): say so when it will take a while.
    const r = model.hiddenSize, lag = Math.min(options.maxLag ?? batch.steps, batch.steps);
    const work = batch.size * batch.steps * lag * r ** 3;
    if (work > 2e10) {
      io.err(`rnnkit diagnose: about ${(work / 1e9).toFixed(0)}·10⁹ multiply-adds for the Jacobians (r = ${r}, ${batch.size} × ${batch.steps} steps, lags ≤ ${lag}); ` +
        'this may take a while — lower --max-lag, --steps or --batch to go faster');
    }
    const randomTargets = batch.targets === undefined && batch.classes === undefined;
    if (randomTargets) batch = withRandomTargets(batch, model, rng);
    const report = analyzeGradientFlow(model, batch, {
      threshold: options.threshold,
      ...(options.maxLag !== undefined ? { maxLag: options.maxLag } : {}),
      ...(options.longFrom !== undefined ? { longFrom: options.longFrom } : {}),
    });
    const out = (values.out as string | undefined) ?? 'diagnosis';
    mkdirSync(out, { recursive: true });
    const json = { source: { model: positionals[0], inputs: values.inputs ?? null, randomInputs: values.inputs === undefined, randomTargets, seed: options.seed },
      ...gradientFlowToJSON(report, { full: values.full === true }) };
    const files: [string, string][] = [
      ['diagnosis.json', `${JSON.stringify(json, null, 1)}\n`],
      ['jacobian-heatmap.svg', jacobianHeatmapSvg(report)],
      ['norm-vs-bound.svg', normBoundSvg(report)],
      ['lag-contributions.svg', lagContributionsSvg(report)],
    ];
    for (const [name, content] of files) writeFileSync(join(out, name), content);
    for (const line of summary(report, files.map(([name]) => join(out, name)), randomTargets)) io.out(line);
    return 0;
  } catch (error) {
    io.err(`rnnkit diagnose: ${(error as Error).message}`);
    return 1;
  }
}
