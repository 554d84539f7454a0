import type { Kernels } from '../backend/backend.js';
import { NONE } from '../kernels/js/types.js';
import { CELLS, type GradientTarget } from '../model/recurrent/cells.js';
import { firstLayerInputSize } from '../model/recurrent/config.js';
import type { SequenceFrame } from '../model/recurrent/frame.js';
import type { RecurrentModel } from '../model/recurrent/model.js';
import type { FeedForwardNetwork, RowFrame } from '../model/ffnn.js';

interface Planned {
  readonly frames: readonly SequenceFrame[];
  readonly end: number;
  readonly generation: number;
}

/** The last shares planned per model, reused while the batch shape and the arena's fixed block stay the same. */
const planned = new WeakMap<RecurrentModel, Planned>();
const plannedRows = new WeakMap<FeedForwardNetwork, { frames: readonly RowFrame[]; end: number; generation: number }>();

/**
 * Frames for a batch split into shares of `batches[s]` sequences, one per
 * thread, side by side in the model's batch block: share 0 is computed by
 * the calling thread with the model's kernels into its gradient block; share
 * s ≥ 1 by `kernels[s]` (a thread's recorder) into a gradient block of its
 * own, planned just before its frame, a cache line apart from the share before. Every share's loss is a mean over the
 * whole batch, so the shares' gradients sum to the batch's.
 */
export function shareFrames(model: RecurrentModel, batches: readonly number[], capacity: number, kernels: readonly Kernels[]): readonly SequenceFrame[] {
  const have = planned.get(model), generation = model.workspace.generation;
  const same = have !== undefined && have.generation === generation && have.frames.length === batches.length &&
    have.frames.every((f, s) => f.batch === batches[s] && f.capacity === capacity && f.kernels === kernels[s]);
  if (same) {
    model.claimBatchBlock(have.frames, have.end);
    return have.frames;
  }
  const total = batches.reduce((a, b) => a + b, 0), own = model.ownGradients;
  const frames: SequenceFrame[] = [];
  let at = model.workspace.fixedLength;
  for (let s = 0; s < batches.length; s++) {
    const gradients = s === 0 ? own : shifted(own, cacheLine(at) - own.block);
    if (s > 0) at = gradients.block + model.parameterCount;
    const f = model.frameAt(at, batches[s]!, capacity, { kernels: kernels[s]!, gradients, lossBatch: total });
    frames.push(f);
    at = f.end;
  }
  model.claimBatchBlock(frames, at);
  planned.set(model, { frames, end: at, generation: model.workspace.generation });
  return frames;
}

/** The feed-forward network's shares: as shareFrames, a gradient block before each frame of share s ≥ 1. */
export function rowShareFrames(model: FeedForwardNetwork, batches: readonly number[], kernels: readonly Kernels[]): readonly RowFrame[] {
  const have = plannedRows.get(model);
  if (have && have.generation === model.workspace.generation && have.frames.length === batches.length &&
    have.frames.every((f, s) => f.rows === batches[s] && f.kernels === kernels[s])) {
    model.claimBatchBlock(have.end);
    return have.frames;
  }
  const total = batches.reduce((a, b) => a + b, 0), frames: RowFrame[] = [];
  let at = model.workspace.fixedLength;
  for (let s = 0; s < batches.length; s++) {
    const grads = s === 0 ? model.block.grads : cacheLine(at);
    if (s > 0) at = grads + model.parameterCount;
    const f = model.frameAt(at, batches[s]!, { kernels: kernels[s]!, grads, lossRows: total });
    frames.push(f);
    at = f.end;
  }
  model.claimBatchBlock(at);
  plannedRows.set(model, { frames, end: at, generation: model.workspace.generation });
  return frames;
}

/** The same parameters' places in a gradient block `shift` elements further on. */
function shifted(g: GradientTarget, shift: number): GradientTarget {
  const move = (o: number) => (o === NONE ? NONE : o + shift);
  return {
    block: g.block + shift,
    layers: g.layers.map((l) => ({ wIn: move(l.wIn), wRec: move(l.wRec), bRec: move(l.bRec), bHn: move(l.bHn), h0: move(l.h0), c0: move(l.c0) })),
    head: { embedding: move(g.head.embedding), wOut: move(g.head.wOut), bOut: move(g.head.bOut) },
  };
}

/**
 * Nominal floating-point operations of one training pass over B sequences
 * and T steps (forward, backward, weight gradients), as the benchmarks count
 * them: 6·B·T·(Σ_layers G·r·(input + r) + o·r), plus B·T·`online`, what an
 * online algorithm's state update adds per sequence and step (OnlineGradient's
 * flops: for exact RTRL a tenth of 2·G·r²·n); for a feed-forward network over
 * N rows, 6·N·Σ_k p(k)·p(k−1). What decides how many threads share a pass.
 */
export function passFlops(model: RecurrentModel | FeedForwardNetwork, batch: number, steps: number, online = 0): number {
  if (!('structure' in model)) {
    const p = model.config.layerSizes;
    let perRow = 0;
    for (let k = 1; k < p.length; k++) perRow += p[k]! * p[k - 1]!;
    return 6 * batch * perRow;
  }
  const s = model.structure, r = s.hiddenSize, G = CELLS[s.cell].gates * r;
  let perStep = s.outputSize * r;
  for (let l = 0; l < s.numLayers; l++) perStep += G * ((l === 0 ? firstLayerInputSize(s) : r) + r);
  return batch * steps * (6 * perStep + online);
}

/** The next 64-byte boundary after a 16-element gap: regions of two threads never share a cache line. */
export function cacheLine(at: number): number {
  return (at + 16 + 15) & ~15;
}
