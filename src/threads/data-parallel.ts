import type { RowBatch } from '../data/row-batch.js';
import type { SequenceBatch } from '../data/sequence-batch.js';
import { FeedForwardNetwork, type RowFrame } from '../model/ffnn.js';
import type { Network } from '../model/network.js';
import type { SequenceFrame } from '../model/recurrent/frame.js';
import { RecurrentModel } from '../model/recurrent/model.js';
import { gradientPasses, type GradientAlgorithm } from '../train/gradient-algorithm.js';
import { implementationOf, onlinePass, type OnlineGradient, type OnlineGradientAlgorithm } from '../train/online-gradient.js';
import { tbpttPasses } from '../train/tbptt.js';
import type { ThreadPool } from './pool.js';
import { cacheLine, passFlops, rowShareFrames, shareFrames } from './share-frames.js';

/**
 * One batch's gradient passes, data-parallel: the batch's sequences are cut
 * into one share per thread (contiguous, sizes differing by at most one),
 * laid out side by side in the model's arena (share-frames.ts).
 * For every pass, the shares of the workers are recorded as tapes of kernel
 * calls and handed over; the calling thread computes share 0 meanwhile, into
 * the model's gradient block; then the workers' gradient blocks are added to
 * it in share order — a fixed order, so a run is bit-for-bit repeatable for a
 * given thread count. Every share's loss is a mean over the whole batch, so
 * the sum is the batch's gradient (equal to one thread's up to float32
 * rounding: products sum over fewer rows at a time). Dropout masks are keyed
 * by sequence id and step, not by share.
 *
 * An online algorithm (exact RTRL) shares the same way, each share with its
 * own state (RTRL's sensitivities), through the implementation the algorithm
 * object carries (src/train/online-gradient.ts); a feed-forward network's
 * rows too (one pass).
 *
 * Falls back to gradientPasses where threads do not apply: one thread (or one
 * sequence), too little work to share, a model outside the pool's memory, a
 * thread that may not block.
 */
export function* dataParallelPasses<Data>(
  pool: ThreadPool, model: Network<Data>, data: Data, indices: ArrayLike<number>, algorithm: GradientAlgorithm, accumulate: boolean, blocking: boolean,
): Generator<number | Promise<unknown>> {
  const B = indices.length, sequences = model instanceof RecurrentModel;
  const usable = (sequences || (model instanceof FeedForwardNetwork && algorithm.type === 'bptt')) &&
    model.backend === pool.backend && (!blocking || pool.canBlock);
  const T = sequences ? (data as unknown as SequenceBatch).steps : 1;
  const steps = algorithm.type === 'tbptt' ? Math.min(algorithm.k1, T) : T;
  const online = sequences ? implementationOf(algorithm) : undefined;
  const work = passFlops(model as never, B, steps, online ? online.flops(model as unknown as RecurrentModel) : 0);
  const shares = usable ? Math.min(pool.active, B, Math.max(1, Math.floor(work / pool.minShareFlops))) : 1;
  if (shares <= 1) {
    yield* gradientPasses(model, data, indices, algorithm, accumulate);
    return;
  }
  const sizes: number[] = [], parts: Int32Array[] = [];
  for (let s = 0, first = 0; s < shares; s++) {
    const size = Math.floor(B / shares) + (s < B % shares ? 1 : 0);
    sizes.push(size);
    parts.push(Int32Array.from({ length: size }, (_, i) => indices[first + i]!));
    first += size;
  }
  const recorders = pool.recorders.slice(0, shares - 1);
  const kernels = [model.backend.kernels, ...recorders.map((r) => r.kernels)];
  // Per share: its passes, and the gradient block they write (share 0's is the model's).
  let passes: Generator<number>[], blocks: number[];
  if (model instanceof RecurrentModel && online) {
    const batch = data as unknown as SequenceBatch;
    online.check(model, B, algorithm as OnlineGradientAlgorithm);
    const frames = shareFrames(model, sizes, T, kernels);
    // Each share's state (RTRL's sensitivities) after all the frames (reserving drops the batch block: nothing is loaded yet).
    let at = frames[frames.length - 1]!.end;
    const regions = frames.map((f) => {
      const planned = online.plan(model, f.batch, cacheLine(at));
      at = planned.end;
      return planned.regions;
    });
    model.workspace.reserve(at);
    passes = frames.map((f, s) => onlineShare(model, batch, parts[s]!, f, online, regions[s]));
    blocks = frames.map((f) => f.gradients.block);
  } else if (model instanceof RecurrentModel) {
    const batch = data as unknown as SequenceBatch;
    const frames = shareFrames(model, sizes, algorithm.type === 'tbptt' ? Math.min(algorithm.k2, T) : T, kernels);
    // Share 0 accumulates into the model's block as asked; the others' blocks are added to it after every pass.
    passes = frames.map((f, s) => algorithm.type === 'tbptt'
      ? tbpttPasses(model, batch, parts[s]!, algorithm.k1, algorithm.k2, s === 0 && accumulate, f)
      : wholeSequences(model, batch, parts[s]!, f));
    blocks = frames.map((f) => f.gradients.block);
  } else {
    const net = model as unknown as FeedForwardNetwork, rows = data as unknown as RowBatch;
    const frames = rowShareFrames(net, sizes, kernels);
    passes = frames.map((f, s) => wholeRows(net, rows, parts[s]!, f));
    blocks = frames.map((f) => f.grads);
  }
  const k = model.backend.kernels, count = model.parameterCount;
  for (;;) {
    for (let s = 1; s < shares; s++) {
      recorders[s - 1]!.begin();
      if (passes[s]!.next().done) return;
    }
    pool.start(recorders.map((r) => r.tape));
    let loss = passes[0]!.next().value as number;
    let results: Float64Array | undefined;
    if (blocking) results = pool.finish();
    else yield pool.finishAsync().then((r) => { results = r; });
    const mem = model.workspace.mem;
    for (let s = 1; s < shares; s++) {
      k.addInPlace(mem, model.block.grads, blocks[s]!, count);
      loss += results![s - 1]!;
    }
    yield loss;
  }
}

/** Full BPTT on one share: its sequences loaded into its frame, then one pass. */
function* wholeSequences(model: RecurrentModel, data: SequenceBatch, indices: Int32Array, f: SequenceFrame): Generator<number> {
  model.loadSteps(f, data, indices, 0, data.steps, 0);
  model.loadInitialState(f, data, indices);
  yield model.lossAndGradientsOf(f);
}

/** An online algorithm (exact RTRL) on one share: its sequences loaded, then one pass forward in time. */
function* onlineShare(
  model: RecurrentModel, data: SequenceBatch, indices: Int32Array, f: SequenceFrame, online: OnlineGradient, regions: unknown,
): Generator<number> {
  model.loadSteps(f, data, indices, 0, data.steps, 0);
  model.loadInitialState(f, data, indices);
  yield onlinePass(model, f, online, regions);
}

/** Backprop on one share of a feed-forward network's rows. */
function* wholeRows(model: FeedForwardNetwork, data: RowBatch, indices: Int32Array, f: RowFrame): Generator<number> {
  model.loadRows(f, data, indices);
  yield model.lossAndGradientsOf(f);
}

