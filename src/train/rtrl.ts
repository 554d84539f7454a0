import { planRegions } from '../backend/index.js';
import type { SequenceBatch } from '../data/sequence-batch.js';
import { checkInteger, RnnkitError } from '../errors.js';
import { NONE } from '../kernels/js/types.js';
import { activationCode } from '../model/functions.js';
import { checkRecurrentModel, type RecurrentModel } from '../model/recurrent/model.js';
import type { SequenceFrame } from '../model/recurrent/frame.js';

/** Default ceiling on RTRL's sensitivity memory: 256 MiB. */
export const RTRL_DEFAULT_MAX_BYTES = 256 * 1024 * 1024;

/**
 * Exact RTRL tracks one Elman layer fed by vector inputs; refuses any other
 * model with what to use instead.
 */
export function checkRtrlModel(model: RecurrentModel): void {
  const s = model.structure;
  if (s.cell === 'elman' && s.numLayers === 1 && s.vocabularySize === 0) return;
  const what = s.cell !== 'elman' ? `${s.cell === 'lstm' ? 'an' : 'a'} ${s.cell.toUpperCase()} cell` : s.numLayers > 1 ? `${s.numLayers} stacked layers` : 'an embedding';
  throw new RnnkitError(
    `algorithm: exact RTRL is implemented for a single Elman layer on vector inputs, and this model has ${what}. ` +
    "Use full BPTT ('bptt') or truncated BPTT ({ type: 'tbptt', k }); an OnlineLearner takes { type: 'tbptt', k } too.");
}

/** n: the recurrent parameters RTRL tracks, W_in (r·p), W_rec (r·r), b_rec (r) and h0 (r) if learned. */
export function sensitivityColumns(model: RecurrentModel): number {
  const { inputSize: p, hiddenSize: r, initialState } = model.structure;
  return r * p + r * r + r + (initialState === 'learned' ? r : 0);
}

/** Bytes RTRL needs for B sequences: P_{t−1} and P_t (2·B·r·n values) and the gradient (n). */
export function rtrlBytes(model: RecurrentModel, batch: number): number {
  checkRecurrentModel('model', model);
  checkInteger('batch', batch, 1);
  const n = sensitivityColumns(model);
  return (2 * batch * model.structure.hiddenSize * n + n) * (model.dtype === 'float64' ? 8 : 4);
}

/** Refuses, before allocating, what would exceed the cap, saying how much it would need. */
export function checkRtrlMemory(model: RecurrentModel, batch: number, maxBytes: number): void {
  const bytes = rtrlBytes(model, batch);
  if (bytes <= maxBytes) return;
  const { hiddenSize: r } = model.structure;
  throw new RnnkitError(
    `RTRL would need ${formatBytes(bytes)} for its sensitivities (2 × B·r·n = 2 × ${batch}·${r}·${sensitivityColumns(model)} values), ` +
    `over the cap of ${formatBytes(maxBytes)} (algorithm.maxBytes). Truncated BPTT ({ type: 'tbptt', k }) needs only O(k·B·r); ` +
    'or use a smaller batch or hidden size, or raise maxBytes.');
}

export interface RtrlRegions {
  /** P_{t−1} and P_t, swapped each step. */
  sensitivities: [number, number];
  /** The recurrent parameters' gradient, in sensitivity-column order. */
  gradient: number;
}

/** Lays out RTRL's regions from `start`; returns them and the end. */
export function planRtrl(model: RecurrentModel, batch: number, start: number): { regions: RtrlRegions; end: number } {
  const n = sensitivityColumns(model), size = batch * model.structure.hiddenSize * n;
  const { offsets, end } = planRegions(start, { p0: size, p1: size, gradient: n });
  return { regions: { sensitivities: [offsets.p0, offsets.p1], gradient: offsets.gradient }, end };
}

/** P_0 for a frame's sequences: ∂φ_0/∂h0 = I when slot 0 is the learned h0, else zero. */
export function rtrlStart(model: RecurrentModel, f: SequenceFrame, regions: RtrlRegions, learnedState: boolean): void {
  const { inputSize: p, hiddenSize: r } = model.structure;
  const n = sensitivityColumns(model);
  const h0Column = learnedState ? r * p + r * r + r : NONE;
  const mem = model.workspace.mem, k = f.kernels;
  k.rtrlInit(mem, regions.sensitivities[0], f.batch, r, n, h0Column);
  k.fill(mem, regions.gradient, n, 0);
}

/**
 * Advances the sensitivities over `count` slots of a frame from `from`
 * (P_{t−1} → P_t), accumulating (∂L_t/∂φ_t)·P_t from the frame's dPhi into the
 * recurrent gradient. Leaves the newest P in sensitivities[0].
 */
export function rtrlAdvance(model: RecurrentModel, f: SequenceFrame, regions: RtrlRegions, from: number, count: number): void {
  const { inputSize: p, hiddenSize: r, activation } = model.structure;
  const n = sensitivityColumns(model), B = f.batch;
  const mem = model.workspace.mem, k = f.kernels, wRec = model.parameterOffset(model.parameterName('W_rec'));
  const P = regions.sensitivities, layer = f.layers[0]!;
  for (let s = from; s < from + count; s++) {
    k.rtrlStep(mem, P[0], P[1], wRec, f.x + s * B * p, layer.h + s * B * r, layer.h + (s + 1) * B * r,
      layer.dH + s * B * r, regions.gradient, B, p, r, n, activationCode(activation));
    P.reverse();
  }
}

/** Adds the accumulated recurrent gradient into the frame's gradient block and zeroes it. */
export function rtrlFlush(model: RecurrentModel, f: SequenceFrame, regions: RtrlRegions): void {
  const { inputSize: p, hiddenSize: r, initialState } = model.structure;
  const mem = model.workspace.mem, k = f.kernels, g = f.gradients.layers[0]!;
  // The sensitivity columns: W_in, W_rec, b_rec, then h0 when it is learned.
  const parts: [number, number][] = [[g.wIn, r * p], [g.wRec, r * r], [g.bRec, r]];
  if (initialState === 'learned') parts.push([g.h0, r]);
  let column = regions.gradient;
  for (const [offset, size] of parts) {
    k.addInPlace(mem, offset, column, size);
    column += size;
  }
  k.fill(mem, regions.gradient, sensitivityColumns(model), 0);
}

/**
 * The exact gradient of one batch by RTRL with the weights held fixed: the
 * forward pass and the output layer as in BPTT, then the sensitivities carried
 * forward in time instead of any backward pass. Equals full BPTT's gradient.
 */
export function rtrlGradient(model: RecurrentModel, data: SequenceBatch, indices: ArrayLike<number>, maxBytes: number): number {
  const B = indices.length, T = data.steps;
  checkRtrlModel(model);
  checkRtrlMemory(model, B, maxBytes);
  // Reserve everything before loading: growing the arena drops the batch block.
  const planned = model.batchFrame(B, T);
  const { regions, end } = planRtrl(model, B, planned.end);
  model.workspace.reserve(end);
  model.loadExamples(data, indices);
  return rtrlPass(model, model.batchFrame(B, T), regions);
}

/**
 * RTRL over a loaded frame of whole sequences, into its gradient block (a
 * thread's share computes one: src/threads/data-parallel.ts).
 */
export function rtrlPass(model: RecurrentModel, f: SequenceFrame, regions: RtrlRegions): number {
  const T = f.capacity;
  f.kernels.fill(model.workspace.mem, f.gradients.block, model.parameterCount, 0);
  model.forwardSlots(f, 0, T, true);
  const loss = model.lossSlots(f, 0, T, true);
  model.outputBackward(f, 0, T); // dPhi[t] = ∂L_t/∂φ_t
  rtrlStart(model, f, regions, f.learnedState);
  rtrlAdvance(model, f, regions, 0, T);
  rtrlFlush(model, f, regions);
  return loss;
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(2)} GiB` : `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}
