import type { Kernels } from '../backend/backend.js';
import { planRegions } from '../backend/workspace.js';
import type { KernelPair } from '../backend/backend.js';
import { attachKernels } from '../backend/attach-kernels.js';
import { checkInteger, checkKeys, checkNumber, fail, RnnkitError } from '../errors.js';
import { snapGruStep, snapInit, snapLstmStep, snapStep } from '../kernels/js/snap.js';
import { NONE } from '../kernels/js/types.js';
import { activationCode } from '../model/functions.js';
import type { RecurrentModel } from 'rnnkit';
import { checkRecurrentModel } from './online-model.js';
import type { SequenceFrame } from '../model/recurrent/frame.js';
import { CELLS } from '../model/recurrent/cells.js';
import { batchGradient, IMPLEMENTATION, type OnlineGradient } from './online-gradient.js';
import type { SnapAlgorithm, SnapOptions } from 'rnnkit';
export type { SnapAlgorithm, SnapOptions };
// RTRL's column order, per layer, and the error from above (docs/theory.md (T66)–(T69)).
import { allColumns, errorBelow, errorBelowFlops, flushLayer, layerColumns, layerInput, layerInputSize } from './layers.js';

/*
 * SnAp-1's façade (Menick et al., "Practical real time recurrent learning
 * with a sparse approximation", ICLR 2021): the factory snap() and the
 * implementation its result carries, with its kernel pair
 * (src/kernels/js/snap.ts, assembly/snap.ts). Like rtrl() (src/train/rtrl.ts),
 * nothing every training run loads imports this module: an app carries
 * SnAp-1 only if it imports snap. docs/theory.md (T54)–(T59).
 */



/**
 * SnAp-1 (Menick et al. 2021) as a gradient algorithm: `algorithm: snap()`
 * (or snap({ n: 1 })) in train(), trainAsync(), computeGradients() and an
 * OnlineLearner. An approximation of RTRL's gradient: each parameter keeps
 * only its influence on the unit it feeds, O(n) time and memory per step
 * (n parameters) instead of RTRL's O(r·n); exact when W_rec (each gate block)
 * is diagonal. Stacked layers and an embedding: per layer, with the error
 * from above (docs/theory.md (T66)–(T69)). A factory, so that bundlers leave
 * SnAp-1 out of apps that do not import it.
 */
export function snap(options: SnapOptions = {}): SnapAlgorithm {
  checkKeys('snap options', options, ['n', 'maxBytes']);
  return make(options.n, options.maxBytes, '');
}

/** A SnAp spec checked: snap()'s result or a spread copy of one. */
export function resolveSnap(spec: object): SnapAlgorithm {
  checkKeys('algorithm', spec, ['type', 'n', 'maxBytes']);
  const s = spec as { type?: unknown; n?: unknown; maxBytes?: unknown };
  if (s.type !== 'snap') fail('algorithm.type', "'snap' (the algorithm snap() made)", s.type);
  return make(s.n, s.maxBytes, 'algorithm.');
}

function make(n: unknown, maxBytes: unknown, prefix: string): SnapAlgorithm {
  if (n !== undefined && n !== 1) {
    fail(`${prefix}n`, '1 (SnAp-1, the only SnAp-n implemented: each parameter\'s influence on the unit it feeds; for the exact gradient use rtrl())', n);
  }
  return { type: 'snap', n: 1, maxBytes: checkNumber(`${prefix}maxBytes`, maxBytes ?? SNAP_DEFAULT_MAX_BYTES, 1), [IMPLEMENTATION]: SNAP };
}

/**
 * SnAp-1's kernel pair: the JS twins and, for the wasm exports of the same
 * names, which arguments are addresses. Attached when SnAp-1 runs.
 */
export const SNAP_KERNELS: KernelPair<{
  snapStep: typeof snapStep; snapInit: typeof snapInit; snapLstmStep: typeof snapLstmStep; snapGruStep: typeof snapGruStep;
}> = {
  js: { snapStep, snapInit, snapLstmStep, snapGruStep },
  addresses: { snapStep: 0b1111111, snapInit: 0b1, snapLstmStep: 0b111111111, snapGruStep: 0b11111111 },
};

/** SnAp-1's kernels for a frame's kernel table: the wasm exports on a wasm backend or a thread's recorder, else the JS twins. */
export function snapKernels(kernels: Kernels): typeof SNAP_KERNELS.js {
  return attachKernels(kernels, SNAP_KERNELS);
}

/** Default ceiling on SnAp-1's trace memory: 256 MiB. */
export const SNAP_DEFAULT_MAX_BYTES = 256 * 1024 * 1024;


/**
 * Bytes SnAp-1 needs for B sequences: every layer's traces (B·n_l values; LSTM J^h and J^c, 2·B·n_l) and
 * gradient (n_l), n_l the recurrent parameters of layer l: (blocks·B + 1)·n for n = Σ_l n_l.
 */
export function snapBytes(model: RecurrentModel, batch: number): number {
  checkRecurrentModel('model', model);
  checkInteger('batch', batch, 1);
  const blocks = CELLS[model.structure.cell].carriesCell ? 2 : 1;
  return (blocks * batch + 1) * allColumns(model) * (model.dtype === 'float64' ? 8 : 4);
}

/** One layer's traces and gradient. */
export interface SnapLayerRegions {
  /** J^h ≈ ∂h_u/∂θ_k for each parameter k of the layer and the unit u it feeds, [B][n_l]. */
  h: number;
  /** J^c ≈ ∂c_u/∂θ_k (LSTM), else NONE. */
  c: number;
  /** The layer's recurrent parameters' gradient, in trace-column order. */
  gradient: number;
}

export interface SnapRegions {
  /** Per layer, bottom first. */
  layers: SnapLayerRegions[];
}

/**
 * SnAp-1 as an online gradient algorithm: one batch's approximate gradient
 * with the weights held fixed (train(), computeGradients(), a thread's
 * share), or the OnlineLearner's, step by step. Stacked layers each run it on
 * their own parameters, with the error from above (T66)–(T69).
 */
const SNAP: OnlineGradient<SnapAlgorithm, SnapRegions> = {
  resolve: resolveSnap,
  check(model, batch, algorithm) {
    const bytes = snapBytes(model, batch);
    if (bytes <= algorithm.maxBytes) return;
    const lstm = model.structure.cell === 'lstm';
    throw new RnnkitError(
      `SnAp-1 would need ${(bytes / 1024 ** 2).toFixed(1)} MiB for its traces (${lstm ? '2 × ' : ''}B·n = ${lstm ? '2 × ' : ''}${batch}·${allColumns(model)} values` +
      `${model.structure.numLayers > 1 ? `, n over ${model.structure.numLayers} layers` : ''}), ` +
      `over the cap of ${(algorithm.maxBytes / 1024 ** 2).toFixed(1)} MiB (algorithm.maxBytes). Use a smaller batch, or raise maxBytes.`);
  },
  plan(model, batch, start) {
    const lstm = CELLS[model.structure.cell].carriesCell, layers: SnapLayerRegions[] = [];
    let end = start;
    for (let l = 0; l < model.structure.numLayers; l++) {
      const n = layerColumns(model, l), size = batch * n;
      const planned = planRegions(end, { h: size, c: lstm ? size : 0, gradient: n }), o = planned.offsets;
      layers.push({ h: o.h, c: lstm ? o.c : NONE, gradient: o.gradient });
      end = planned.end;
    }
    return { regions: { layers }, end };
  },
  /** J_0: zero, except 1 in the column of unit u's own h0 (and c0) when slot 0 holds the learned states. (T55) */
  start(model, f, regions, learnedState) {
    const r = model.structure.hiddenSize, mem = model.workspace.mem, { snapInit } = snapKernels(f.kernels);
    regions.layers.forEach((R, l) => {
      const n = layerColumns(model, l), lstm = R.c !== NONE, h0Column = lstm ? n - 2 * r : n - r;
      snapInit(mem, R.h, f.batch, r, n, learnedState ? h0Column : NONE);
      if (lstm) snapInit(mem, R.c, f.batch, r, n, learnedState ? h0Column + r : NONE);
      f.kernels.fill(mem, R.gradient, n, 0);
    });
  },
  advance(model, f, regions, from, count) {
    advanceSnap(model, f, regions, from, count);
  },
  // Each layer's gradient, in RTRL's column order (W_in, W_rec, b_rec, b_hn, h0, c0), into the frame's gradient block.
  flush(model, f, regions) {
    regions.layers.forEach((R, l) => flushLayer(model, f, l, R.gradient));
  },
  // A few multiply-adds per parameter and step (the LSTM's pair of traces about twice the others'), and the error
  // handed down a stack.
  flops(model) {
    return (model.structure.cell === 'lstm' ? 10 : 4) * allColumns(model) + errorBelowFlops(model);
  },
  gradient(model, data, indices, algorithm) {
    return batchGradient(SNAP, model, data, indices, algorithm);
  },
};

/**
 * Advances the traces over `count` slots from `from`, accumulating (∂L_t/∂h_{u,t})·J_t[k] from the frame's dH:
 * at each step, the top layer first, each layer then handing its error to the one below (T68).
 */
function advanceSnap(model: RecurrentModel, f: SequenceFrame, regions: SnapRegions, from: number, count: number): void {
  const { hiddenSize: r, activation, cell, numLayers } = model.structure;
  const B = f.batch, G = CELLS[cell].gates * r, act = activationCode(activation);
  const mem = model.workspace.mem, k = snapKernels(f.kernels);
  for (let s = from; s < from + count; s++) {
    for (let l = numLayers - 1; l >= 0; l--) {
      const layer = f.layers[l]!, R = regions.layers[l]!, n = layerColumns(model, l), p = layerInputSize(model, l);
      const wRec = model.parameterOffset(model.parameterName('W_rec', l)), x = layerInput(model, f, l, s);
      const h = layer.h + s * B * r, dH = layer.dH + s * B * r, gates = layer.pre + s * B * G;
      if (cell === 'lstm') k.snapLstmStep(mem, R.h, R.c, wRec, x, h, layer.c + s * B * r, gates, dH, R.gradient, B, p, r, n);
      else if (cell === 'gru') k.snapGruStep(mem, R.h, wRec, x, h, gates, layer.un + s * B * r, dH, R.gradient, B, p, r, n);
      else k.snapStep(mem, R.h, wRec, x, h, h + B * r, dH, R.gradient, B, p, r, n, act);
      errorBelow(model, f, l, s);
    }
  }
}
