import type { Workspace } from '../backend/workspace.js';
import { pinRegion, unpinRegion } from '../backend/pinned-regions.js';
import { DivergenceError } from 'rnnkit';
import { checkFinite, checkInteger, checkKeys, fail, RnnkitError } from '../errors.js';
import type { Floats } from 'rnnkit';
import type { RecurrentModel } from 'rnnkit';
import { checkRecurrentModel } from './online-model.js';
import type { SequenceFrame } from '../model/recurrent/frame.js';
import { clipGradients, gradientNorm, resolveClip, type ClipOptions } from './clip.js';
import type { OptimizerSpec } from 'rnnkit';
import { createOptimizer, type Optimizer } from 'rnnkit';
import { carryState, fillState, initialStateVector } from '../model/recurrent/stepping.js';
import { implementationOf, type OnlineGradient, type OnlineGradientAlgorithm } from './online-gradient.js';
import { resolveRtrl, rtrl, type RtrlAlgorithm } from './rtrl.js';
import type { SnapAlgorithm } from './snap.js';
import type { UoroAlgorithm } from './uoro.js';

/**
 * How an OnlineLearner computes its gradient: exact RTRL, or truncated BPTT
 * over a sliding window. RTRL is the learner's default, so the learner
 * carries it anyway and takes it by name too ('rtrl', { type: 'rtrl' }) as
 * well as rtrl(); train() and computeGradients() take rtrl() only. SnAp-1
 * and UORO come from their factories only: snap(), uoro().
 */
export type OnlineAlgorithm = 'rtrl' | RtrlAlgorithm | SnapAlgorithm | UoroAlgorithm | {
  /** Real-time recurrent learning: exact sensitivities carried forward. */
  type: 'rtrl';
  /** Ceiling on the sensitivities' memory, in bytes (> 0); a larger model is refused. Default 268435456 (256 MiB). */
  maxBytes?: number;
} | {
  /** Truncated BPTT over a sliding window of the last k steps. */
  type: 'tbptt';
  /** The window k, in steps: an integer ≥ updateEvery. */
  k: number;
};

/** The options of `new OnlineLearner(model, options)`. */
export interface OnlineLearnerOptions {
  /**
   * rtrl() or 'rtrl' (default): exact sensitivities carried forward, O(G²·r⁴) per step for G gate blocks
   * (Elman 1, GRU 3, LSTM 4: an LSTM step costs about 16 Elman steps of the same size).
   * snap() (SnAp-1): RTRL's sensitivities kept only where a parameter feeds its own unit, O(n) per step for n
   * parameters; an approximation (exact when W_rec is diagonal). RTRL takes one layer on vector inputs; SnAp-1
   * and UORO any depth and an embedding too, per layer with the error from above.
   * { type: 'tbptt', k }: a sliding window of the last k steps, back-propagated
   * at each update with error injected from the steps since the last update
   * (Williams & Peng's BPTT(k; n) with n = updateEvery).
   * uoro(): UORO's unbiased, noisy rank-one estimate in B·(|s| + n) memory,
   * about a forward and a backward step per step (import { uoro } from 'rnnkit/online').
   */
  algorithm?: OnlineAlgorithm;
  /** The optimizer; its moments are the learner's own. Default { type: 'sgd', learningRate: 0.01 }. */
  optimizer?: OptimizerSpec;
  /** n: update the weights every n steps, an integer ≥ 1. Default 1. */
  updateEvery?: number;
  /** B: independent streams learned together, an integer ≥ 1; x and targets are then [streams][·]. Default 1. */
  streams?: number;
  /** Rescale the gradient so its global L2 norm is at most this, ≥ 0 (0 is off). Default: off. */
  clipNorm?: number;
  /** Clamp every gradient entry to [−clipValue, clipValue], ≥ 0 (0 is off). Default: off. */
  clipValue?: number;
  /** Called after every step (learned or predicted) with its loss and output. Default: none. */
  onStep?: (info: OnlineStepInfo) => void;
}

/** What an OnlineLearner's onStep callback receives after each step. */
export interface OnlineStepInfo {
  /** Steps seen since construction (1-based). */
  step: number;
  /** This step's loss (mean over streams); 0 for a step without a target. */
  loss: number;
  /** y_t, [streams][o] (a view valid until the next step). */
  output: Floats;
  /** Whether the weights were updated after this step. */
  updated: boolean;
}

/** Learners collected without dispose() give their pinned region back. */
const released = typeof FinalizationRegistry === 'function'
  ? /* @__PURE__ */ new FinalizationRegistry<{ workspace: Workspace; at: number; length: number }>((r) => { if (!r.workspace.disposed) unpinRegion(r.workspace, r.at, r.length); })
  : undefined;

/**
 * Learning from a stream, one step at a time, forever: feed x_t (and, when
 * known, its target), get y_t; the weights are updated every n steps. Its
 * memory is fixed when it is created and does not grow with the stream.
 *
 * The learner pins its state (hidden state, sensitivities or window) into the
 * model's arena, so other calls on the model (predict, evaluate) leave it
 * intact. It resets the model's optimizer state: do not train the same model
 * with train() while a learner is in use.
 */
export class OnlineLearner {
  /** B: the independent streams learned together. */
  readonly streams: number;
  /** n: the weights are updated every n steps. */
  readonly updateEvery: number;
  private readonly optimizer: Optimizer;
  private readonly clip: ClipOptions;
  private readonly frame: SequenceFrame;
  /** An online algorithm's implementation (RTRL's) and its state's regions; undefined for the TBPTT window. */
  private readonly online: { implementation: OnlineGradient; regions: unknown } | undefined;
  private readonly output: Floats;
  private readonly onStep: ((info: OnlineStepInfo) => void) | undefined;
  /** Steps held in the frame (TBPTT window), steps since the last update, and of those the ones with a target. */
  private length = 0;
  private sinceUpdate = 0;
  private pending = 0;
  private stepCount = 0;
  /** Whether slot 1 holds a state to carry (an online algorithm) — false right after reset. */
  private started = false;
  private disposed = false;
  private readonly pinnedAt: number;
  private readonly pinnedLength: number;
  /** Targets are class indices or vectors: fixed by the first learn() call, since the frame stores them differently. */
  private classTargets: boolean | undefined;

  constructor(
    /** The model learned (its weights change in place). */
    readonly model: RecurrentModel,
    options: OnlineLearnerOptions = {},
  ) {
    checkRecurrentModel('model', model);
    checkKeys('OnlineLearner options', options, ['algorithm', 'optimizer', 'updateEvery', 'streams', 'clipNorm', 'clipValue', 'onStep']);
    this.streams = checkInteger('streams', options.streams ?? 1, 1);
    this.updateEvery = checkInteger('updateEvery', options.updateEvery ?? 1, 1);
    // An online algorithm (RTRL) and its implementation, or the TBPTT window k.
    const algorithm = resolveOnline(options.algorithm);
    const window = typeof algorithm === 'number' ? algorithm : undefined;
    const implementation = typeof algorithm === 'number' ? undefined : implementationOf(algorithm)!;
    if (window !== undefined && window < this.updateEvery) {
      fail('algorithm.k', `an integer ≥ updateEvery = ${this.updateEvery} (every step's error must be back-propagated)`, window);
    }
    this.clip = resolveClip(options);
    if (options.onStep !== undefined && typeof options.onStep !== 'function') fail('onStep', 'a function', options.onStep);
    this.onStep = options.onStep;
    const B = this.streams, n = model.parameterCount;
    if (typeof algorithm !== 'number') implementation?.check(model, B, algorithm);
    // One pinned region, released by dispose() (or when the learner is collected): its own optimizer moments
    // (train() on the same model resets the model's own, and a second learner must not mix its moments with these),
    // then its frame — one slot for an online algorithm (φ_{t−1} in slot 0, φ_t in slot 1) with its state (RTRL's
    // sensitivities) after it, else the TBPTT window.
    const capacity = window ?? 1;
    const frameSize = model.frameSize(B, capacity);
    this.pinnedLength = 2 * n + frameSize + (implementation ? implementation.plan(model, B, 0).end : 0);
    const base = this.pinnedAt = pinRegion(model.workspace, this.pinnedLength);
    released?.register(this, { workspace: model.workspace, at: base, length: this.pinnedLength }, this);
    this.optimizer = createOptimizer(options.optimizer ?? { type: 'sgd', learningRate: 0.01 }, { moment1: base, moment2: base + n });
    this.frame = model.frameAt(base + 2 * n, B, capacity);
    this.online = implementation && { implementation, regions: implementation.plan(model, B, this.frame.end).regions };
    this.output = model.dtype === 'float64' ? new Float64Array(B * model.outputSize) : new Float32Array(B * model.outputSize);
    this.reset();
  }

  /** Steps seen so far. */
  get steps(): number {
    return this.stepCount;
  }

  /**
   * Returns the learner's region of the model's arena (its state and
   * optimizer moments) for reuse; the learner cannot be used afterwards. A
   * learner that is garbage-collected returns it too, later.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    released?.unregister(this);
    if (!this.model.workspace.disposed) unpinRegion(this.model.workspace, this.pinnedAt, this.pinnedLength);
  }

  /** Back to the start of a stream: φ_0 (h0 or zeros), fresh sensitivities or window, pending gradient dropped. */
  reset(): void {
    const model = this.model, f = this.frame, mem = model.workspace.mem, k = model.backend.kernels;
    fillState(model, f, 0, initialStateVector(model));
    f.learnedState = false; // slot 0 is written here; the forward pass must not overwrite it
    f.firstStep = 0;
    for (let b = 0; b < f.batch; b++) mem[f.ids + b] = b; // stream b's dropout masks are its own
    this.online?.implementation.start(model, f, this.online.regions, model.structure.initialState === 'learned');
    k.fill(mem, model.block.grads, model.parameterCount, 0);
    this.optimizer.reset(model);
    this.length = 0;
    this.sinceUpdate = 0;
    this.pending = 0;
    this.started = false;
  }

  /** Feeds x_t without a target: the state (and sensitivities) advance, nothing is learned from this step. */
  predict(x: ArrayLike<number>): Floats {
    return this.advance(x, undefined).output;
  }

  /**
   * Feeds x_t with its target ([streams][o] vector or [streams] class
   * indices): returns y_t (computed before any update) and this step's loss.
   */
  learn(x: ArrayLike<number>, target: ArrayLike<number> | number): {
    /** y_t, [streams][o] (a view valid until the next step). */
    output: Floats;
    /** This step's loss, the mean over streams. */
    loss: number;
  } {
    if (target === undefined) fail('target', 'a target vector or class index');
    return this.advance(x, typeof target === 'number' ? [target] : target);
  }

  private advance(x: ArrayLike<number>, target: ArrayLike<number> | undefined): { output: Floats; loss: number } {
    if (this.disposed) throw new RnnkitError('OnlineLearner: it was disposed (its state went back to the model); create a new one');
    const model = this.model, f = this.frame, B = f.batch;
    const { inputSize: p, outputSize: o, loss: lossName } = model.structure;
    if (!x || x.length !== B * p) fail('x', `streams·p = ${B}·${p} values`, x);
    checkFinite('x', x, model.dtype);
    model.checkTokenIds('x', x);
    const classes = target !== undefined && lossName === 'cross-entropy' && target.length === B;
    if (target !== undefined) {
      if (this.classTargets !== undefined && classes !== this.classTargets) {
        fail('target', this.classTargets ? `${B} class indices, as in earlier steps` : `streams·o = ${B}·${o} values, as in earlier steps`, target);
      }
      if (!classes && target.length !== B * o) fail('target', `streams·o = ${B}·${o} values${lossName === 'cross-entropy' ? ` or ${B} class indices` : ''}`, target);
      checkFinite('target', target, model.dtype);
      if (classes) for (let b = 0; b < B; b++) checkInteger(`target[${b}]`, target[b], 0, o - 1);
    }
    const mem = model.workspace.mem;

    // The slot this step goes into: the only slot (an online algorithm), or the next one in the window (TBPTT).
    if (this.online) {
      if (this.started) carryState(model, f); // the state after step t becomes the state before t + 1
      this.started = true;
      this.length = 0;
    } else if (this.length === f.capacity) {
      this.slide(1);
    }
    const slot = this.length;
    mem.set(x, f.x + slot * B * p);
    for (let b = 0; b < B; b++) mem[f.mask + slot * B + b] = target === undefined ? 0 : 1;
    if (target !== undefined) {
      if (classes) mem.set(target, f.target + slot * B);
      else mem.set(target, f.target + slot * B * o);
    }
    if (target !== undefined) this.classTargets = classes;
    f.classTargets = this.classTargets ?? false;
    model.forwardSlots(f, slot, 1, true);
    const loss = model.lossSlots(f, slot, 1, true);
    this.output.set(mem.subarray(f.y + slot * B * o, f.y + (slot + 1) * B * o));
    this.length++;
    this.stepCount++;
    this.sinceUpdate++;
    if (target !== undefined) this.pending++;

    if (this.online) {
      // Output layer's gradients now; the recurrent ones through the algorithm's state (RTRL's sensitivities).
      model.outputBackward(f, 0, 1);
      this.online.implementation.advance(model, f, this.online.regions, 0, 1);
    }
    let updated = false;
    if (this.pending >= this.updateEvery) {
      this.update();
      updated = true;
    }
    this.onStep?.({ step: this.stepCount, loss, output: this.output, updated });
    return { output: this.output, loss };
  }

  /** Applies the accumulated gradient (an online algorithm) or back-propagates the window (TBPTT), then one optimizer step. */
  private update(): void {
    const model = this.model, f = this.frame, k = model.backend.kernels, mem = model.workspace.mem;
    if (this.online) {
      this.online.implementation.flush(model, f, this.online.regions);
    } else {
      // Error from the steps since the last update; the older steps of the window only carry it back.
      const fresh = Math.min(this.sinceUpdate, this.length), from = this.length - fresh;
      k.fill(mem, model.block.grads, model.parameterCount, 0);
      model.lossSlots(f, from, fresh, true);
      k.fill(mem, f.layers[f.layers.length - 1]!.dH, from * f.batch * model.hiddenSize, 0);
      model.outputBackward(f, from, fresh);
      model.backwardSlots(f, this.length, false, true);
    }
    // As train(): a non-finite gradient or update stops with a DivergenceError and the last finite weights. The
    // stream's state (h, sensitivities or window) is non-finite too by then, so the learner starts the stream over:
    // the next learn() goes on from there instead of failing again.
    const b = model.block, n = model.parameterCount;
    const diverged = (what: string): never => {
      this.reset();
      throw new DivergenceError(`online learning diverged at step ${this.stepCount}: ${what}; the learner's state was reset (h0, ` +
        'an empty window), so learn() goes on from there. Try a smaller learning rate or clipNorm.', this.stepCount, 0, NaN);
    };
    const gradientDiverged = (what: string): never => diverged(`the gradient ${what}; the weights were not updated`);
    // Only clipping needs the gradient's norm, or its finiteness beforehand (clamping would hide an infinity). Without
    // it, a non-finite gradient shows in the weights after the update (every optimizer carries a NaN or ±∞ of g into
    // θ), which saves a pass over the gradient per update: with one stream that pass was ~12 % of a step.
    if (this.clip.clipNorm !== undefined) {
      const norm = gradientNorm(model);
      if (!Number.isFinite(norm)) gradientDiverged(`norm became ${norm}`);
      clipGradients(model, norm, this.clip);
    } else if (this.clip.clipValue !== undefined) {
      if (!k.allFinite(mem, b.grads, n)) gradientDiverged('became non-finite');
      clipGradients(model, 0, this.clip);
    }
    k.copy(mem, b.snapshot, b.params, n);
    this.optimizer.step(model);
    if (!k.allFinite(mem, b.params, n)) {
      k.copy(mem, b.params, b.snapshot, n);
      if (!k.allFinite(mem, b.grads, n)) gradientDiverged('became non-finite');
      diverged('the update made a weight non-finite; the weights were restored to the last finite ones');
    }
    k.fill(mem, b.grads, n, 0);
    this.pending = 0;
    this.sinceUpdate = 0;
  }

  /** Drops the oldest `drop` steps of the TBPTT window (everything per slot moves down). */
  private slide(drop: number): void {
    this.model.slide(this.frame, drop, this.length, true);
    this.length -= drop;
  }
}

/**
 * The learner's algorithm: an online algorithm from its factory (rtrl(), snap(), uoro()), or
 * RTRL by name (the default, which this module imports anyway); or the
 * window k of truncated BPTT.
 */
function resolveOnline(spec: unknown): OnlineGradientAlgorithm | number {
  if (spec === undefined || spec === 'rtrl') return rtrl();
  const implementation = implementationOf(spec);
  if (implementation) return implementation.resolve(spec as object);
  if (spec === null || typeof spec !== 'object') fail('algorithm', "rtrl(), 'rtrl', { type: 'rtrl', maxBytes }, snap(), uoro() or { type: 'tbptt', k }", spec);
  const s = spec as Record<string, unknown>;
  if (s.type === 'rtrl') return resolveRtrl(s);
  if (s.type === 'snap' || s.type === 'uoro') {
    throw new RnnkitError(`algorithm: ${s.type === 'snap' ? 'SnAp-1' : 'UORO'} comes from its factory: write import { ${s.type} } from 'rnnkit/online' and algorithm: ${s.type}()`);
  }
  if (s.type === 'tbptt') {
    checkKeys('algorithm', s, ['type', 'k']);
    return checkInteger('algorithm.k', s.k, 1);
  }
  return fail('algorithm.type', "'rtrl' or 'tbptt'", s.type);
}
