import type { SequenceBatch } from '../data/sequence-batch.js';
import type { SequenceFrame } from '../model/recurrent/frame.js';
import type { RecurrentModel } from '../model/recurrent/model.js';

/*
 * The online gradient algorithms — exact RTRL today; SnAp-1 and UORO next —
 * are plug-ins, so that an app's bundle carries only the ones it imports.
 * Each is
 *   - a façade module (src/train/rtrl.ts) exporting a factory, rtrl(options),
 *     whose result carries its implementation (an OnlineGradient) under
 *     IMPLEMENTATION, a key 'rnnkit' does not export;
 *   - a kernel pair (KernelPair, src/backend/backend.ts): JS twins in
 *     src/kernels/js/, wasm twins in assembly/, attached when the algorithm
 *     runs (attachKernels), never in the core kernel table.
 * train(), computeGradients(), the thread pool and the OnlineLearner run any
 * of them through this interface and never import one (train.ts and
 * gradient-algorithm.ts only name the key); test/bundle.test.ts fails if an
 * algorithm's façade or kernels reach a typical import. docs/online-algorithms.md
 * says how to add one.
 */

/** The key under which an algorithm object from a factory (rtrl()) carries its implementation. */
// Symbol.for: the algorithms live in the rnnkit/online entry, which finds the same key as the train() of the app's rnnkit.
export const IMPLEMENTATION: unique symbol = Symbol.for('rnnkit.algorithm') as never;

/** What every factory's result is: its options, and its implementation under IMPLEMENTATION. @internal */
export interface OnlineGradientAlgorithm {
  readonly type: string;
  readonly [IMPLEMENTATION]: object;
}

/**
 * An online gradient algorithm: state carried forward in time alongside the
 * forward pass (RTRL's sensitivities), laid out in the arena after a frame,
 * from which the recurrent parameters' gradient accumulates step by step.
 * The output layer's gradient comes from the frame's own backward pass
 * (outputBackward), as for BPTT. @internal
 */
export interface OnlineGradient<Algorithm extends OnlineGradientAlgorithm = OnlineGradientAlgorithm, Regions = unknown> {
  /** Checks an algorithm object's options (a spread copy may have changed them) and returns it afresh from the factory. */
  resolve(spec: object): Algorithm;
  /** Refuses, before anything is allocated, a model it cannot run or B sequences that would need too much memory. */
  check(model: RecurrentModel, batch: number, algorithm: Algorithm): void;
  /** Lays out its state for B sequences from element offset `start`; returns it and the end. */
  plan(model: RecurrentModel, batch: number, start: number): { regions: Regions; end: number };
  /** The state at the start of the frame's sequences (learnedState: slot 0 holds the learned h0). Zeroes the gradient it accumulates. */
  start(model: RecurrentModel, f: SequenceFrame, regions: Regions, learnedState: boolean): void;
  /** Advances the state over `count` slots from `from`, accumulating (∂L_t/∂h_t)·(∂h_t/∂θ) from the frame's dH. */
  advance(model: RecurrentModel, f: SequenceFrame, regions: Regions, from: number, count: number): void;
  /** Adds the accumulated recurrent gradient into the frame's gradient block and zeroes it. */
  flush(model: RecurrentModel, f: SequenceFrame, regions: Regions): void;
  /** Nominal FLOPs its state update adds per sequence and step, as the thread pool weighs a pass (src/threads/share-frames.ts). */
  flops(model: RecurrentModel): number;
  /**
   * The gradient of one batch with the weights held fixed, into the model's
   * gradient block; returns the loss. What train() and computeGradients()
   * call, and all they call: batchGradient(this implementation, …).
   */
  gradient(model: RecurrentModel, data: SequenceBatch, indices: ArrayLike<number>, algorithm: Algorithm): number;
}

/** The implementation an algorithm object carries, or undefined when `spec` did not come from a factory. */
export function implementationOf(spec: unknown): OnlineGradient | undefined {
  if (spec === null || typeof spec !== 'object') return undefined;
  const implementation = (spec as { [IMPLEMENTATION]?: unknown })[IMPLEMENTATION];
  return typeof implementation === 'object' && implementation !== null ? implementation as OnlineGradient : undefined;
}

/**
 * An online algorithm over a loaded frame of whole sequences, into its
 * gradient block: the forward pass and the output layer as in BPTT, then the
 * state carried forward in time instead of any backward pass. Returns the
 * loss. (A thread's share computes one: src/threads/data-parallel.ts.)
 */
export function onlinePass<R>(model: RecurrentModel, f: SequenceFrame, implementation: OnlineGradient<OnlineGradientAlgorithm, R>, regions: R): number {
  const T = f.capacity;
  f.kernels.fill(model.workspace.mem, f.gradients.block, model.parameterCount, 0);
  model.forwardSlots(f, 0, T, true);
  const loss = model.lossSlots(f, 0, T, true);
  model.outputBackward(f, 0, T); // dPhi[t] = ∂L_t/∂φ_t
  implementation.start(model, f, regions, f.learnedState);
  implementation.advance(model, f, regions, 0, T);
  implementation.flush(model, f, regions);
  return loss;
}

/** One batch's gradient by an online algorithm (what an OnlineGradient's `gradient` does): checked, its state reserved, then one pass. */
export function batchGradient<A extends OnlineGradientAlgorithm, R>(
  implementation: OnlineGradient<A, R>, model: RecurrentModel, data: SequenceBatch, indices: ArrayLike<number>, algorithm: A,
): number {
  const B = indices.length, T = data.steps;
  implementation.check(model, B, algorithm);
  // Reserve everything before loading: growing the arena drops the batch block.
  const planned = model.batchFrame(B, T);
  const { regions, end } = implementation.plan(model, B, planned.end);
  model.workspace.reserve(end);
  model.loadExamples(data, indices);
  return onlinePass(model, model.batchFrame(B, T), implementation, regions);
}
