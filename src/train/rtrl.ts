import type { Kernels } from '../backend/backend.js';
import { planRegions } from '../backend/workspace.js';
import type { KernelPair } from '../backend/backend.js';
import { attachKernels } from '../backend/attach-kernels.js';
import { checkInteger, checkKeys, checkNumber, fail, RnnkitError } from '../errors.js';
import { gruRtrlStep, lstmRtrlStep, rtrlInit, rtrlStep } from '../kernels/js/rtrl.js';
import { NONE } from '../kernels/js/types.js';
import { activationCode } from '../model/functions.js';
import type { RecurrentModel } from 'rnnkit';
import { checkRecurrentModel } from './online-model.js';
import type { SequenceFrame } from '../model/recurrent/frame.js';
import { CELLS } from '../model/recurrent/cells.js';
import { batchGradient, IMPLEMENTATION, type OnlineGradient } from './online-gradient.js';
import { flushLayer, layerColumns } from './layers.js';
import type { RtrlAlgorithm, RtrlOptions } from 'rnnkit';
export type { RtrlAlgorithm, RtrlOptions };

/*
 * Exact RTRL's façade: the factory rtrl() and the implementation its result
 * carries (RTRL, below), with RTRL's kernel pair. Nothing that every training
 * run loads imports this module (src/train/online-gradient.ts): an app's
 * bundle carries RTRL only if it imports rtrl (or the OnlineLearner, whose
 * default RTRL is).
 */



/**
 * Exact RTRL (Williams & Zipser) as a gradient algorithm: `algorithm: rtrl()`
 * in train(), trainAsync(), computeGradients(), gradientCheck() and an
 * OnlineLearner. A factory rather than a name ('rtrl'), so that bundlers
 * leave RTRL's code out of apps that do not import it.
 */
export function rtrl(options: RtrlOptions = {}): RtrlAlgorithm {
  checkKeys('rtrl options', options, ['maxBytes']);
  return { type: 'rtrl', maxBytes: checkNumber('maxBytes', options.maxBytes ?? RTRL_DEFAULT_MAX_BYTES, 1), [IMPLEMENTATION]: RTRL };
}

/** An RTRL spec checked: rtrl()'s result or a spread copy of one, or the OnlineLearner's plain { type: 'rtrl', maxBytes }. */
export function resolveRtrl(spec: object): RtrlAlgorithm {
  checkKeys('algorithm', spec, ['type', 'maxBytes']);
  const s = spec as { type?: unknown; maxBytes?: unknown };
  if (s.type !== 'rtrl') fail('algorithm.type', "'rtrl' (the algorithm rtrl() made)", s.type);
  return { type: 'rtrl', maxBytes: checkNumber('algorithm.maxBytes', s.maxBytes ?? RTRL_DEFAULT_MAX_BYTES, 1), [IMPLEMENTATION]: RTRL };
}

/**
 * RTRL's kernel pair: the JS twins (src/kernels/js/rtrl.ts) and, for the wasm
 * exports of the same names (assembly/rtrl.ts), which arguments are
 * addresses. Not in the core kernel table: attached by rtrlKernels when RTRL
 * runs, so only bundles that import RTRL carry the JS twins.
 */
export const RTRL_KERNELS: KernelPair<{
  rtrlStep: typeof rtrlStep; rtrlInit: typeof rtrlInit; lstmRtrlStep: typeof lstmRtrlStep; gruRtrlStep: typeof gruRtrlStep;
}> = {
  js: { rtrlStep, rtrlInit, lstmRtrlStep, gruRtrlStep },
  addresses: { rtrlStep: 0b11111111, rtrlInit: 0b1, lstmRtrlStep: 0b1111111111, gruRtrlStep: 0b111111111 },
};

/** RTRL's kernels for a frame's kernel table: the wasm exports on a wasm backend or a thread's recorder, else the JS twins. */
export function rtrlKernels(kernels: Kernels): typeof RTRL_KERNELS.js {
  return attachKernels(kernels, RTRL_KERNELS);
}

/** Default ceiling on RTRL's sensitivity memory: 256 MiB. */
export const RTRL_DEFAULT_MAX_BYTES = 256 * 1024 * 1024;

/**
 * Exact RTRL tracks one recurrent layer (Elman, LSTM or GRU) fed by vector
 * inputs; refuses any other model with what to use instead.
 */
export function checkRtrlModel(model: RecurrentModel): void {
  checkSingleLayerModel(model, 'exact RTRL');
}

/**
 * The online algorithms (exact RTRL, SnAp-1, UORO) track one recurrent layer
 * fed by vector inputs; refuses any other model,
 * naming the algorithm and what to use instead.
 */
export function checkSingleLayerModel(model: RecurrentModel, algorithm: string): void {
  const s = model.structure;
  if (s.numLayers === 1 && s.vocabularySize === 0) return;
  const what = s.numLayers > 1 ? `${s.numLayers} stacked layers` : 'an embedding';
  throw new RnnkitError(
    `algorithm: ${algorithm} is implemented for a single recurrent layer (Elman, LSTM or GRU) on vector inputs, and this model has ${what}. ` +
    "Use full BPTT ('bptt') or truncated BPTT ({ type: 'tbptt', k }); an OnlineLearner takes { type: 'tbptt', k } too.");
}

/**
 * n: the recurrent parameters RTRL tracks, in column order: W_in (G·r·p),
 * W_rec (G·r·r), b_rec (G·r), then b_hn (r, GRU), then h0 (r) and c0 (r,
 * LSTM) if learned — G = 1, 4, 3 gate blocks for Elman, LSTM, GRU.
 */
export function sensitivityColumns(model: RecurrentModel): number {
  return layerColumns(model, 0);
}

/**
 * Blocks of B·r·n values RTRL keeps: Elman P_{t−1} and P_t (2); a gated
 * cell P^h, P^c (LSTM) and the G·r-row product W_rec·P^h (GRU 4, LSTM 6).
 */
function sensitivityBlocks(model: RecurrentModel): number {
  const cell = CELLS[model.structure.cell];
  return 1 + cell.gates + (cell.carriesCell ? 1 : 0);
}

/** Bytes RTRL needs for B sequences: the sensitivity blocks (k·B·r·n values, k = 2, 4, 6 for Elman, GRU, LSTM) and the gradient (n). */
export function rtrlBytes(model: RecurrentModel, batch: number): number {
  checkRecurrentModel('model', model);
  checkInteger('batch', batch, 1);
  const n = sensitivityColumns(model);
  return (sensitivityBlocks(model) * batch * model.structure.hiddenSize * n + n) * (model.dtype === 'float64' ? 8 : 4);
}

/** Refuses, before allocating, what would exceed the cap, saying how much it would need. */
export function checkRtrlMemory(model: RecurrentModel, batch: number, maxBytes: number): void {
  const bytes = rtrlBytes(model, batch);
  if (bytes <= maxBytes) return;
  const r = model.structure.hiddenSize, k = sensitivityBlocks(model);
  throw new RnnkitError(
    `RTRL would need ${formatBytes(bytes)} for its sensitivities (${k} × B·r·n = ${k} × ${batch}·${r}·${sensitivityColumns(model)} values), ` +
    `over the cap of ${formatBytes(maxBytes)} (algorithm.maxBytes). Truncated BPTT ({ type: 'tbptt', k }) needs only O(k·B·r); ` +
    'or use a smaller batch or hidden size, or raise maxBytes.');
}

export interface RtrlRegions {
  /** P^h_t = ∂h_t/∂θ, [r][B][n]: the newest sensitivities. */
  h: number;
  /** Elman: where P_t is built (then swapped with h); LSTM and GRU: W_rec·P^h_{t−1}, [G·r][B][n]. */
  product: number;
  /** P^c_t = ∂c_t/∂θ (LSTM), else NONE. */
  c: number;
  /** The recurrent parameters' gradient, in sensitivity-column order. */
  gradient: number;
}

/** Lays out RTRL's regions from `start`; returns them and the end. */
export function planRtrl(model: RecurrentModel, batch: number, start: number): { regions: RtrlRegions; end: number } {
  const n = sensitivityColumns(model), size = batch * model.structure.hiddenSize * n, cell = CELLS[model.structure.cell];
  const { offsets, end } = planRegions(start, { h: size, product: cell.gates * size, c: cell.carriesCell ? size : 0, gradient: n });
  return { regions: { h: offsets.h, product: offsets.product, c: cell.carriesCell ? offsets.c : NONE, gradient: offsets.gradient }, end };
}

/** P_0 for a frame's sequences: ∂h_0/∂h0 = I (and ∂c_0/∂c0 = I) when slot 0 holds the learned h0 (and c0), else zero. */
export function rtrlStart(model: RecurrentModel, f: SequenceFrame, regions: RtrlRegions, learnedState: boolean): void {
  const r = model.structure.hiddenSize, n = sensitivityColumns(model);
  // The learned states' columns are the last: h0, then c0 (LSTM).
  const h0Column = regions.c !== NONE ? n - 2 * r : n - r;
  const mem = model.workspace.mem, k = f.kernels, { rtrlInit } = rtrlKernels(k);
  rtrlInit(mem, regions.h, f.batch, r, n, learnedState ? h0Column : NONE);
  if (regions.c !== NONE) rtrlInit(mem, regions.c, f.batch, r, n, learnedState ? h0Column + r : NONE);
  k.fill(mem, regions.gradient, n, 0);
}

/**
 * Advances the sensitivities over `count` slots of a frame from `from`
 * (P_{t−1} → P_t), accumulating (∂L_t/∂h_t)·P^h_t from the frame's dH into the
 * recurrent gradient. Leaves the newest P^h in regions.h.
 */
export function rtrlAdvance(model: RecurrentModel, f: SequenceFrame, regions: RtrlRegions, from: number, count: number): void {
  const { inputSize: p, hiddenSize: r, activation, cell } = model.structure;
  const n = sensitivityColumns(model), B = f.batch, G = CELLS[cell].gates * r;
  const mem = model.workspace.mem, k = rtrlKernels(f.kernels), wRec = model.parameterOffset(model.parameterName('W_rec'));
  const layer = f.layers[0]!, R = regions;
  for (let s = from; s < from + count; s++) {
    const x = f.x + s * B * p, h = layer.h + s * B * r, dH = layer.dH + s * B * r, gates = layer.pre + s * B * G;
    if (cell === 'lstm') {
      k.lstmRtrlStep(mem, R.h, R.c, R.product, wRec, x, h, layer.c + s * B * r, gates, dH, R.gradient, B, p, r, n);
    } else if (cell === 'gru') {
      k.gruRtrlStep(mem, R.h, R.product, wRec, x, h, gates, layer.un + s * B * r, dH, R.gradient, B, p, r, n);
    } else {
      k.rtrlStep(mem, R.h, R.product, wRec, x, h, h + B * r, dH, R.gradient, B, p, r, n, activationCode(activation));
      [R.h, R.product] = [R.product, R.h];
    }
  }
}

/** Adds the accumulated recurrent gradient into the frame's gradient block and zeroes it. */
export function rtrlFlush(model: RecurrentModel, f: SequenceFrame, regions: RtrlRegions): void {
  flushLayer(model, f, 0, regions.gradient);
}

/**
 * Exact RTRL as an online gradient algorithm: one batch's exact gradient with
 * the weights held fixed (train(), computeGradients(), a thread's share),
 * equal to full BPTT's; or the OnlineLearner's gradient, step by step.
 */
const RTRL: OnlineGradient<RtrlAlgorithm, RtrlRegions> = {
  resolve: resolveRtrl,
  check(model, batch, algorithm) {
    checkRtrlModel(model);
    checkRtrlMemory(model, batch, algorithm.maxBytes);
  },
  plan: planRtrl,
  start: rtrlStart,
  advance: rtrlAdvance,
  flush: rtrlFlush,
  // The product W_rec·P^h of every step, 2·G·r²·n, counted at a tenth: it streams its B·r·n sensitivities through
  // memory every step, and its shares slowed each other down (Elman tiny RTRL, 88 MFLOP of it: 0.83–1.16× on two
  // threads; S RTRL, 21 GFLOP: 1.9–2.0×).
  flops(model) {
    const { hiddenSize: r, cell } = model.structure;
    return (2 * CELLS[cell].gates * r * r * sensitivityColumns(model)) / 10;
  },
  gradient(model, data, indices, algorithm) {
    return batchGradient(RTRL, model, data, indices, algorithm);
  },
};

function formatBytes(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(2)} GiB` : `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}
