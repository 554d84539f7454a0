import { checkInteger, checkKeys, checkOneOf, fail, RnnkitError } from '../errors.js';
import { checkModel, type Network } from '../model/network.js';
import { RecurrentModel } from '../model/recurrent/model.js';
import type { SequenceBatch } from '../data/sequence-batch.js';
import { implementationOf, IMPLEMENTATION, type OnlineGradient } from './online-gradient.js';
import type { RtrlAlgorithm, SnapAlgorithm, UoroAlgorithm } from './online-algorithms.js';
import { tbpttPasses } from './tbptt.js';
import type { ThreadPool } from '../threads/pool.js';

/**
 * How an RNN's gradient is computed (note 002 §3.2):
 * - 'bptt': full backpropagation through time.
 * - { type: 'tbptt', k1, k2 }: truncated BPTT (Williams & Peng): every k1 steps,
 *   back-propagate at most k2 steps; k = k1 = k2 is the common case. In
 *   training, the weights are updated after every chunk of k1 steps.
 * - rtrl() / rtrl({ maxBytes }): exact real-time recurrent learning
 *   (Williams & Zipser), forward-mode sensitivities; refused past maxBytes.
 *   A factory imported from 'rnnkit/online', so that apps that do not use RTRL do
 *   not carry it: 'rtrl' and { type: 'rtrl' } are refused, saying so.
 * - snap() / snap({ n: 1, maxBytes }): SnAp-1 (Menick et al. 2021), an
 *   approximation of RTRL's gradient at O(n) per step; a factory likewise.
 * - uoro() / uoro({ seed }): UORO (Tallec & Ollivier), an unbiased but noisy
 *   rank-one estimate of RTRL's gradient in B·(|s| + n) memory; a random
 *   sample for each seed (computeGradients returns one sample).
 */
export type GradientSpec =
  | 'bptt'
  | {
    /** Full backpropagation through time. */
    type: 'bptt';
  }
  | {
    /** Truncated BPTT with k1 = k2 = k. */
    type: 'tbptt';
    /** Steps per chunk, and how far back each chunk back-propagates: an integer ≥ 1. */
    k: number;
  }
  | {
    /** Truncated BPTT (Williams & Peng's BPTT(k2; k1)). */
    type: 'tbptt';
    /** Steps per chunk (in training, steps between updates), an integer ≥ 1. */
    k1: number;
    /** Steps back-propagated at the end of each chunk, an integer ≥ k1. Default k1. */
    k2?: number;
  }
  | RtrlAlgorithm
  | SnapAlgorithm
  | UoroAlgorithm;

/** A GradientSpec with every choice explicit (k2, maxBytes filled in). */
export type GradientAlgorithm =
  | {
    /** Full backpropagation through time. */
    type: 'bptt';
  }
  | {
    /** Truncated BPTT with both window sizes. */
    type: 'tbptt';
    /** Steps per chunk, an integer ≥ 1. */
    k1: number;
    /** Steps back-propagated at the end of each chunk, an integer ≥ k1. */
    k2: number;
  }
  | RtrlAlgorithm
  | SnapAlgorithm
  | UoroAlgorithm;

/**
 * BPTT and truncated BPTT are built in; an online algorithm (exact RTRL,
 * SnAp-1, UORO) is an object from its factory (rtrl(), snap(), uoro()) that brings its own code, which is
 * resolved here without this module importing it.
 */
export function resolveGradientAlgorithm(spec: unknown): GradientAlgorithm {
  if (spec === undefined) return { type: 'bptt' };
  const implementation = implementationOf(spec);
  if (implementation) return implementation.resolve(spec as object) as RtrlAlgorithm | SnapAlgorithm | UoroAlgorithm;
  const s = spec as Record<string, unknown> | null;
  // An online algorithm by name, or written by hand: say which factory to import.
  const name = typeof s === 'object' ? s?.type : spec;
  if (name === 'rtrl' || name === 'snap' || name === 'uoro') {
    const option = name === 'uoro' ? 'seed' : 'maxBytes', value = typeof s === 'object' ? s?.[option] : undefined;
    const call = value !== undefined ? `${name}({ ${option}: ${String(value)} })` : `${name}()`;
    throw new RnnkitError(`algorithm: ${name === 'rtrl' ? 'RTRL' : name === 'snap' ? 'SnAp-1' : 'UORO'} is not built into train() and computeGradients(), so that bundlers leave it out of apps that do not use it: write import { ${name} } from 'rnnkit/online' and algorithm: ${call}`);
  }
  if (spec === 'bptt') return { type: 'bptt' };
  if (s === null || typeof s !== 'object') fail('algorithm', "'bptt', { type: 'tbptt', k }, rtrl(), snap() or uoro()", spec);
  const type = checkOneOf('algorithm.type', s.type, ['bptt', 'tbptt']);
  if (type === 'bptt') { checkKeys('algorithm', s, ['type']); return { type }; }
  checkKeys('algorithm', s, ['type', 'k', 'k1', 'k2']);
  if (s.k !== undefined && (s.k1 !== undefined || s.k2 !== undefined)) {
    throw new RnnkitError('algorithm: expected k, or k1 with an optional k2, got both');
  }
  const k1 = checkInteger(s.k !== undefined ? 'algorithm.k' : 'algorithm.k1', s.k ?? s.k1, 1);
  const k2 = checkInteger('algorithm.k2', s.k2 ?? k1, 1);
  if (k2 < k1) fail('algorithm.k2', `an integer ≥ k1 = ${k1} (every step's error must be back-propagated at least once)`, k2);
  return { type, k1, k2 };
}

/**
 * Computes a batch's gradient passes on several threads: a ThreadPool
 * (src/threads), given to train(), trainAsync() or computeGradients() as
 * `threads`. `prepare` runs once before training (it may move the model's
 * memory); `passes` is gradientPasses split over the threads, and yields,
 * besides each pass's loss, a promise to await before going on when it must
 * not block (`blocking` false).
 * @internal
 */
export interface GradientThreads {
  prepare(model: Network<unknown>): void;
  passes<Data>(
    model: Network<Data>, data: Data, indices: ArrayLike<number>, algorithm: GradientAlgorithm, accumulate: boolean, blocking: boolean,
  ): Generator<number | Promise<unknown>>;
}

/**
 * The gradient passes of one batch: each yields a loss with the gradients in
 * the model's gradient block. One pass for BPTT and an online algorithm
 * (RTRL; and for a feed-forward network), one per chunk for truncated BPTT. With `accumulate`,
 * chunks add to the gradient instead of replacing it (the fixed-weights sum).
 */
export function* gradientPasses<Data>(
  model: Network<Data>, data: Data, indices: ArrayLike<number>, algorithm: GradientAlgorithm, accumulate: boolean,
): Generator<number> {
  if (algorithm.type !== 'bptt') {
    if (!(model instanceof RecurrentModel)) {
      throw new RnnkitError(`algorithm: '${algorithm.type}' needs a recurrent model (a feed-forward network is trained by backprop)`);
    }
    const sequences = data as unknown as SequenceBatch;
    if (algorithm.type === 'tbptt') yield* tbpttPasses(model, sequences, indices, algorithm.k1, algorithm.k2, accumulate);
    else yield (algorithm[IMPLEMENTATION] as OnlineGradient).gradient(model, sequences, indices, algorithm);
    return;
  }
  model.loadExamples(data, indices);
  yield model.lossAndGradients();
}

/**
 * Loss and gradients of a whole batch with the weights held fixed, by any
 * algorithm (truncated BPTT sums its chunks' gradients).
 */
export function computeGradients<Data>(
  model: Network<Data>, data: Data, options: {
    /** How the gradient is computed (RNNs): 'bptt', { type: 'tbptt', k }, rtrl() or snap() (SnAp-1: an approximation). Default 'bptt'. */
    algorithm?: GradientSpec;
    /** A thread pool (createThreadPool()) to split the batch over. Default: this thread only. */
    threads?: ThreadPool;
  } = {},
): {
  /** The batch's loss: the mean over examples of each example's summed loss (truncated BPTT sums its chunks'). */
  loss: number;
  /** ∂loss/∂parameter, by parameter name, each shaped as the parameter. */
  gradients: ReturnType<Network<Data>['gradients']>;
} {
  checkModel('model', model);
  checkKeys('computeGradients options', options, ['algorithm', 'threads']);
  const algorithm = resolveGradientAlgorithm(options.algorithm);
  const threads = checkThreads(options.threads);
  model.checkData(data, true);
  threads?.prepare(model as Network<unknown>);
  const all = new Int32Array(model.exampleCount(data)).map((_, i) => i);
  model.backend.kernels.fill(model.workspace.mem, model.block.grads, model.parameterCount, 0);
  let loss = 0;
  const passes = threads ? threads.passes(model, data, all, algorithm, true, true) : gradientPasses(model, data, all, algorithm, true);
  for (const chunkLoss of passes) if (typeof chunkLoss === 'number') loss += chunkLoss;
  return { loss, gradients: model.gradients() };
}

/** `threads` must be what createThreadPool() returns (typed so that a ThreadPool is checked to be GradientThreads). */
export function checkThreads(threads: GradientThreads | undefined): GradientThreads | undefined {
  if (threads === undefined) return undefined;
  const t = threads as Partial<GradientThreads> | null;
  if (t === null || typeof t !== 'object' || typeof t.passes !== 'function' || typeof t.prepare !== 'function') {
    fail('threads', 'a thread pool from createThreadPool()', threads);
  }
  return t as GradientThreads;
}
