import { checkFinite, checkInteger, checkKeys, checkNumber, DivergenceError, fail, RnnkitError, checkSeed } from '../errors.js';
import { checkModel, range, type Network, type OptimizerState } from '../model/network.js';
import { Random } from '../model/random.js';
import { clipGradients, gradientNorm, resolveClip, type ClipOptions } from './clip.js';
import type { TrainCallback, TrainControl } from './callbacks.js';
import { measure, type Metrics } from './metrics.js';
import { createOptimizer, type Optimizer, type OptimizerSpec } from './optimizer.js';
import type { ThreadPool } from '../threads/pool.js';
import { checkThreads, gradientPasses, resolveGradientAlgorithm, type GradientAlgorithm, type GradientSpec, type GradientThreads } from './gradient-algorithm.js';

/** What train()'s onStep callback receives after each optimizer step. */
export interface StepInfo {
  /** Optimizer steps taken so far (1-based; a resumed run counts on). */
  step: number;
  /** The epoch under way (1-based; a resumed run counts on). */
  epoch: number;
  /** Loss of this mini-batch before the update (mean over its sequences). */
  loss: number;
  /** The learning rate this step used. */
  learningRate: number;
  /** Global L2 norm of the gradient before clipping. */
  gradientNorm: number;
  /** Examples (sequences or rows) in this mini-batch. */
  batchSize: number;
  /** Milliseconds since training started. */
  elapsedMs: number;
}

/** What train()'s onEpoch callback and `history` hold for each epoch. */
export interface EpochInfo {
  /** 1-based; a resumed run counts on from the epochs it had done. */
  epoch: number;
  /** Mean training loss over the epoch's examples (each mini-batch's loss before its update; per example, the sum over its steps). */
  loss: number;
  /** The same loss per step that carries a target: comparable across sequence lengths (bits per symbol = lossPerStep / ln 2 for cross-entropy). */
  lossPerStep: number;
  /** Loss, loss per step and the model's metric (accuracy, bits per symbol and perplexity, or RMSE) on the validation data after the epoch. */
  validation?: Metrics;
  /** validation.loss, kept for earlier code. */
  validationLoss?: number;
  /** Optimizer steps in this epoch. */
  steps: number;
  /** The learning rate of the epoch's last step. */
  learningRate: number;
  /** Milliseconds this epoch took (validation included). */
  epochMs: number;
  /** Milliseconds since this train() call started. */
  elapsedMs: number;
}

/** The options of train() and trainAsync(). */
export interface TrainOptions<Data> {
  /** Passes over the data, an integer ≥ 1. Default 1. */
  epochs?: number;
  /**
   * Examples per update, an integer ≥ 1. Default: all of them (batch gradient descent, note 002
   * algorithm 1); 1 gives per-example SGD (algorithm 2); anything between,
   * mini-batch SGD (algorithm 3).
   */
  batchSize?: number;
  /** The optimizer and its settings. Default { type: 'adam', learningRate: 0.001 } (with resume: the saved one). */
  optimizer?: OptimizerSpec;
  /**
   * How the gradient is computed (RNNs): 'bptt', { type: 'tbptt', k }
   * (an update after every chunk of k steps), rtrl() (exact RTRL, imported from 'rnnkit/online') or snap() (SnAp-1,
   * an approximation; like rtrl(), each sequence's gradient accumulates over its steps and the weights are
   * updated once per batch). Default 'bptt'.
   */
  algorithm?: GradientSpec;
  /** Visit examples in a fresh random order each epoch, without repetition. Default true. */
  shuffle?: boolean;
  /** Seed of the shuffling and of the validation split, an integer in [0, 2³² − 1]. Default 1. */
  seed?: number;
  /** Held-out data, measured after each epoch (EpochInfo.validation). Default: none. */
  validation?: Data;
  /** Instead of `validation`: hold out this fraction of the data, in (0, 1), chosen at random with the seed. Default: none. */
  validationSplit?: number;
  /** Rescale the gradient so its global L2 norm is at most this, ≥ 0 (0 is off; Pascanu et al. 2013). Default: off. */
  clipNorm?: number;
  /** Clamp every gradient entry to [−clipValue, clipValue], ≥ 0 (0 is off). Default: off. */
  clipValue?: number;
  /** Called after every optimizer step. Default: none. */
  onStep?: (info: StepInfo) => void;
  /** Called after every epoch (after its validation). Default: none. */
  onEpoch?: (info: EpochInfo) => void;
  /** Learning-rate schedules (stepDecay, cosineDecay, warmup, reduceOnPlateau), earlyStopping, or your own; run in order. Default: none. */
  callbacks?: readonly TrainCallback[];
  /**
   * Continue from the optimizer state the model carries (its moments, step
   * count and epochs, left by the last train() or loaded from a checkpoint
   * saved with { optimizer: true }) instead of starting it afresh. The
   * optimizer defaults to the saved one. Default false: every call starts
   * the optimizer from zero.
   */
  resume?: boolean;
  /** Stops training between two steps; train() then returns with aborted = true. Default: none. */
  signal?: AbortSignal;
  /**
   * A thread pool (createThreadPool()): each mini-batch is split over its
   * threads, their gradients summed in a fixed order, one update taken.
   * The model moves into the pool's memory. Default: this thread only.
   */
  threads?: ThreadPool;
}

/** What train() returns (and trainAsync() resolves to). */
export interface TrainResult {
  /** One entry per epoch run by this call. */
  history: EpochInfo[];
  /** Optimizer steps of this call. */
  steps: number;
  /** Whether the AbortSignal stopped training. */
  aborted: boolean;
  /** Why a callback stopped training (early stopping), if one did. */
  stopReason?: string;
  /** Milliseconds this call took. */
  elapsedMs: number;
}

const KEYS = ['epochs', 'batchSize', 'optimizer', 'algorithm', 'shuffle', 'seed', 'validation', 'validationSplit', 'clipNorm', 'clipValue', 'onStep', 'onEpoch', 'callbacks', 'resume', 'signal', 'threads'];

/**
 * Gradient descent on a network: each step loads a mini-batch into the arena
 * once, computes loss and gradients, checks they are finite, clips, and
 * updates. A non-finite loss, gradient or updated weight stops training with a
 * DivergenceError; the weights are then the last finite ones.
 *
 * Synchronous: nothing else runs on this thread until it returns. Use
 * trainAsync where timers, I/O or signals (Ctrl-C) must get through.
 */
export function train<Data>(model: Network<Data>, data: Data, options: TrainOptions<Data> = {}): TrainResult {
  checkModel('model', model);
  const loop = trainingLoop(model, data, options, true);
  try {
    for (;;) {
      const next = loop.next();
      if (next.done) return next.value;
    }
  } finally {
    loop.return(undefined as never);
  }
}

/**
 * The same training, giving the event loop a turn about every `yieldEveryMs`
 * (default 20 ms) between steps, so an AbortSignal fired by a timer, a request
 * or Ctrl-C takes effect, and a page stays responsive.
 */
export async function trainAsync<Data>(
  model: Network<Data>, data: Data, options: TrainOptions<Data> & {
    /** How often the event loop gets a turn between steps, in ms (≥ 0). Default 20. */
    yieldEveryMs?: number;
  } = {},
): Promise<TrainResult> {
  checkModel('model', model);
  if (options === null || typeof options !== 'object') fail('trainAsync options', 'an options object', options);
  const { yieldEveryMs = 20, ...rest } = options;
  checkNumber('yieldEveryMs', yieldEveryMs, 0);
  const loop = trainingLoop(model, data, rest, false);
  let lastYield = now();
  // Closing the loop runs its finally, which marks the model free again however this ends (a rejected wait included).
  try {
    for (;;) {
      const next = loop.next();
      if (next.done) return next.value;
      if (next.value) {
        // Threads at work: wait without blocking this thread.
        await next.value;
        lastYield = now();
      } else if (now() - lastYield >= yieldEveryMs) {
        await new Promise<void>((resolve) => setTimeout(resolve, 0));
        lastYield = now();
      }
    }
  } finally {
    loop.return(undefined as never);
  }
}

/** The training loop, paused after every optimizer step, and (unless `blocking`) to await the threads. */
function* trainingLoop<Data>(model: Network<Data>, data: Data, options: TrainOptions<Data>, blocking: boolean): Generator<Promise<unknown> | undefined, TrainResult> {
  checkKeys('train options', options, KEYS);
  const epochs = checkInteger('epochs', options.epochs ?? 1, 1);
  const seed = checkSeed('seed', options.seed ?? 1);
  const shuffle = options.shuffle ?? true;
  if (typeof shuffle !== 'boolean') fail('shuffle', 'a boolean', shuffle);
  const clip = resolveClip(options);
  for (const name of ['onStep', 'onEpoch'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') fail(name, 'a function', options[name]);
  }
  const callbacks = options.callbacks ?? [];
  if (!Array.isArray(callbacks) || callbacks.some((c) => c === null || typeof c !== 'object')) fail('callbacks', 'an array of callbacks (earlyStopping(), cosineDecay(), …)', callbacks);
  const resume = options.resume ?? false;
  if (typeof resume !== 'boolean') fail('resume', 'a boolean', resume);
  const saved = model.optimizerState;
  if (resume && !saved) throw new RnnkitError('resume: this model carries no optimizer state (train it first, or load a checkpoint saved with { optimizer: true })');
  const spec = options.optimizer ?? (resume ? saved!.spec as OptimizerSpec : { type: 'adam', learningRate: 1e-3 });
  if (resume && spec.type !== saved!.spec.type) fail('optimizer.type', `'${saved!.spec.type}' to resume (the saved moments are ${saved!.spec.type}'s)`, spec.type);
  const optimizer = createOptimizer(spec);
  const algorithm = resolveGradientAlgorithm(options.algorithm);
  const threads = checkThreads(options.threads);
  model.checkData(data, true);
  if (training.has(model)) {
    throw new RnnkitError('train: this model is being trained already (train() called from onStep?); train it after that call returns');
  }
  threads?.prepare(model as Network<unknown>);

  training.add(model);
  try {
    return yield* epochsOf(model, data, options, blocking, { epochs, seed, shuffle, clip, optimizer, algorithm, threads, callbacks, resumed: resume ? saved : undefined });
  } finally {
    training.delete(model);
  }
}

/** Models inside a train() or trainAsync() call: a second call on one of them (from onStep, say) is refused. */
const training = new WeakSet<object>();

/** train()'s options, checked. */
interface Settings {
  epochs: number;
  seed: number;
  shuffle: boolean;
  clip: ClipOptions;
  optimizer: Optimizer;
  algorithm: GradientAlgorithm;
  threads: GradientThreads | undefined;
  callbacks: readonly TrainCallback[];
  resumed: OptimizerState | undefined;
}

/** The epochs of a training run, paused after every optimizer step. */
function* epochsOf<Data>(
  model: Network<Data>, data: Data, options: TrainOptions<Data>, blocking: boolean, settings: Settings,
): Generator<Promise<unknown> | undefined, TrainResult> {
  const { epochs, seed, shuffle, clip, optimizer, algorithm, threads, callbacks, resumed } = settings;
  const rng = new Random(seed);
  let trainData = data;
  let validation = options.validation;
  if (validation !== undefined) model.checkData(validation, true);
  if (options.validationSplit !== undefined) {
    if (validation !== undefined) throw new RnnkitError('validation, validationSplit: expected one of them, got both');
    const fraction = checkNumber('validationSplit', options.validationSplit, 0, 1);
    const n = model.exampleCount(data);
    const held = Math.round(n * fraction);
    if (held < 1 || held >= n) fail('validationSplit', `a fraction leaving at least one example on each side (${n} examples)`, fraction);
    const order = rng.shuffle(range(n));
    validation = model.selectExamples(data, order.subarray(n - held));
    trainData = model.selectExamples(data, order.subarray(0, n - held));
  }

  const n = model.exampleCount(trainData);
  const batchSize = checkInteger('batchSize', options.batchSize ?? n, 1);
  const order = range(n);
  const counted = countedSteps(model, trainData, n);
  const k = model.backend.kernels;
  const start = now();
  const history: EpochInfo[] = [];
  const firstEpoch = resumed ? resumed.epochs : 0, firstStep = resumed ? resumed.steps : 0;
  let step = 0, epoch = firstEpoch + 1, batchesDone = 0;
  let aborted = false, stopReason: string | undefined;
  const batchesPlanned = epochs * Math.ceil(n / batchSize);
  const mem = () => model.workspace.mem, b = model.block, count = model.parameterCount;
  const control: TrainControl = {
    model: model as Network<unknown>, epochs, hasValidation: validation !== undefined,
    get epoch() { return epoch; },
    get step() { return firstStep + step; },
    get progress() { return batchesDone / batchesPlanned; },
    baseLearningRate: optimizer.learningRate,
    learningRate: optimizer.learningRate,
    stop(reason) { stopReason = String(reason); },
    saveWeights: () => mem().slice(b.params, b.params + count),
    restoreWeights(weights) {
      checkFinite('weights', weights, model.dtype);
      if (weights.length !== count) fail('weights', `${count} values (saveWeights() of this model)`, weights.length);
      mem().set(weights, b.params);
    },
  };
  if (resumed) optimizer.steps = resumed.steps;
  else optimizer.reset(model);
  const keepState = (epochsDone: number) => {
    model.optimizerState = { spec: { ...optimizer.spec, learningRate: control.baseLearningRate }, steps: optimizer.steps, epochs: epochsDone };
  };
  for (const c of callbacks) c.onStart?.(control);

  try {
    for (let e = 1; e <= epochs && !aborted && stopReason === undefined; e++, epoch++) {
      const epochStart = now();
      // Each epoch's order depends on the seed and the epoch number only, so a resumed run visits the examples as the unbroken run would.
      if (shuffle) {
        order.set(range(n));
        new Random((seed + Math.imul(epoch, 0x9e3779b9)) >>> 0).shuffle(order);
      }
      let lossSum = 0, seen = 0, stepsCounted = 0, stepsThisEpoch = 0;
      for (let first = 0; first < n && stopReason === undefined; first += batchSize, batchesDone++) {
        if (options.signal?.aborted) { aborted = true; break; }
        const indices = order.subarray(first, Math.min(n, first + batchSize));
        model.nextDropoutDraw();
        // One pass per update: the whole batch for BPTT and RTRL, each chunk for truncated BPTT.
        let batchLoss = 0;
        const passes = threads ? threads.passes(model, trainData, indices, algorithm, false, blocking) : gradientPasses(model, trainData, indices, algorithm, false);
        for (const loss of passes) {
          if (typeof loss !== 'number') { yield loss; continue; }
          const norm = gradientNorm(model);
          step++;
          if (!Number.isFinite(loss) || !Number.isFinite(norm)) {
            const what = Number.isFinite(loss) ? `the gradient norm became ${norm}` : `the loss became ${loss}`;
            throw new DivergenceError(
              `training diverged at step ${firstStep + step} (epoch ${epoch}): ${what}; the weights are those of the last finite step. ` +
              'Try a smaller learning rate or gradient clipping (clipNorm).', firstStep + step, epoch, loss);
          }
          clipGradients(model, norm, clip);
          control.learningRate = control.baseLearningRate;
          for (const c of callbacks) c.beforeStep?.(control);
          optimizer.learningRate = control.learningRate;
          k.copy(mem(), b.snapshot, b.params, count);
          optimizer.step(model);
          if (!k.allFinite(mem(), b.params, count)) {
            k.copy(mem(), b.params, b.snapshot, count);
            throw new DivergenceError(
              `training diverged at step ${firstStep + step} (epoch ${epoch}): the update made a weight non-finite; ` +
              'the weights were restored to the last finite step. Try a smaller learning rate or clipNorm.', firstStep + step, epoch, loss);
          }
          batchLoss += loss;
          stepsThisEpoch++;
          options.onStep?.({ step: firstStep + step, epoch, loss, learningRate: optimizer.learningRate, gradientNorm: norm, batchSize: indices.length, elapsedMs: now() - start });
          yield undefined;
          // Between the chunks of truncated BPTT too: a long pass stops at the next step, not at the next batch.
          if (options.signal?.aborted) { aborted = true; break; }
          if (stopReason !== undefined) break;
        }
        lossSum += batchLoss * indices.length;
        seen += indices.length;
        for (const i of indices) stepsCounted += counted[i]!;
      }
      if (seen === 0) break;
      const info: EpochInfo = {
        epoch, loss: lossSum / seen, lossPerStep: lossSum / Math.max(stepsCounted, 1), steps: stepsThisEpoch,
        learningRate: optimizer.learningRate, epochMs: 0, elapsedMs: 0,
      };
      if (validation !== undefined) {
        info.validation = measure(model, validation);
        info.validationLoss = info.validation.loss;
      }
      info.epochMs = now() - epochStart;
      info.elapsedMs = now() - start;
      history.push(info);
      // Current in onEpoch, so a checkpoint saved there ({ optimizer: true }) resumes as the unbroken run.
      keepState(epoch);
      options.onEpoch?.(info);
      for (const c of callbacks) c.onEpoch?.(info, control);
    }
    const result: TrainResult = { history, steps: step, aborted, elapsedMs: now() - start };
    if (stopReason !== undefined) result.stopReason = stopReason;
    for (const c of callbacks) c.onEnd?.(result, control);
    return result;
  } finally {
    keepState(epoch - 1);
  }
}

/** Steps carrying a target in each example (Σ of its mask; 1 per row): what loss per step divides by. */
function countedSteps<Data>(model: Network<Data>, data: Data, n: number): Float64Array {
  const view = model.targetsOf(data), per = view.positions / n, out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let c = 0;
    for (let t = i * per; t < (i + 1) * per; t++) c += view.weights ? view.weights[t]! : 1;
    out[i] = c;
  }
  return out;
}

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}
