import type { Kernels } from '../../backend/backend.js';
import type { Mem } from '../../kernels/js/types.js';
import type { CellType } from './config.js';
import type { LayerRegions } from './frame.js';

/** Arena offsets of one layer's parameters (or of their gradients); NONE where the model has none. */
export interface LayerOffsets {
  readonly wIn: number;
  readonly wRec: number;
  readonly bRec: number;
  readonly bHn: number;
  readonly h0: number;
  readonly c0: number;
}

/** Arena offsets of the parameters outside the layers (or of their gradients); NONE where the model has none. */
export interface HeadOffsets {
  readonly embedding: number;
  readonly wOut: number;
  readonly bOut: number;
}

/** Where a backward pass puts the gradients: a block of parameterCount elements and every parameter's place in it. */
export interface GradientTarget {
  readonly block: number;
  readonly layers: readonly LayerOffsets[];
  readonly head: HeadOffsets;
}

/**
 * What makes a recurrent cell: its shape (G gate blocks of r rows in W_in,
 * W_rec and b_rec), the frame regions it needs, and its recurrence kernels.
 * The model does everything else the same way for every cell: the input
 * product W_in·X + b over all steps before `forward`, and after `backward`
 * the weight gradients and the gradient for the layer below, as single
 * products over ∂L/∂pre (dPre) and ∂L/∂(W_rec·h) (dU).
 */
export interface Cell {
  readonly gates: number;
  /** Carries a cell state c beside h (LSTM). */
  readonly carriesCell: boolean;
  /** A hidden-side bias inside the gate arithmetic that cannot be folded into b_rec (GRU's b_hn). */
  readonly separateHiddenBias: boolean;
  /** The recurrence overwrites h's slots with a = W_in·x + b in place, and dH with ∂L/∂a (Elman): no pre/dPre regions. */
  readonly inPlace: boolean;
  /** Keeps W_hn·h + b_hn per step, a scratch row block, and a hidden-side gradient dU apart from dPre (GRU). */
  readonly hiddenGates: boolean;
  /** The recurrence over `count` slots from `from`: on entry pre holds W_in·x + b, h (and c) slot `from` the state. */
  forward(k: Kernels, mem: Mem, layer: LayerRegions, w: LayerOffsets, from: number, batch: number, count: number, r: number, act: number): void;
  /** BPTT through the recurrence over slots [0, length): dH in, dPre and dU out, dH0 (and dC0) = ∂L/∂ slot 0. */
  backward(k: Kernels, mem: Mem, layer: LayerRegions, w: LayerOffsets, g: LayerOffsets, batch: number, length: number, r: number, act: number): void;
}

export const CELLS: Record<CellType, Cell> = {
  // note 001 def. 3: h_t = σ(W_in·x_t + b_rec + W_rec·h_{t−1})
  elman: {
    gates: 1, carriesCell: false, separateHiddenBias: false, inPlace: true, hiddenGates: false,
    forward: (k, mem, layer, w, from, B, count, r, act) => k.elmanForward(mem, layer.h + from * B * r, w.wRec, B, count, r, act),
    backward: (k, mem, layer, w, _g, B, length, r, act) => k.elmanBackward(mem, layer.dH, layer.h, w.wRec, layer.dH0, B, length, r, act),
  },
  // PyTorch's nn.LSTM, gates i, f, g, o
  lstm: {
    gates: 4, carriesCell: true, separateHiddenBias: false, inPlace: false, hiddenGates: false,
    forward: (k, mem, layer, w, from, B, count, r) =>
      k.lstmForward(mem, layer.pre + from * B * 4 * r, layer.h + from * B * r, layer.c + from * B * r, w.wRec, B, count, r),
    backward: (k, mem, layer, w, _g, B, length, r) =>
      k.lstmBackward(mem, layer.dH, layer.pre, layer.c, w.wRec, layer.dPre, layer.dH0, layer.dC0, B, length, r),
  },
  // PyTorch's nn.GRU, gates r, z, n (b_hn inside r ∘ (·))
  gru: {
    gates: 3, carriesCell: false, separateHiddenBias: true, inPlace: false, hiddenGates: true,
    forward: (k, mem, layer, w, from, B, count, r) =>
      k.gruForward(mem, layer.pre + from * B * 3 * r, layer.un + from * B * r, layer.u, layer.h + from * B * r, w.wRec, w.bHn, B, count, r),
    backward: (k, mem, layer, w, g, B, length, r) =>
      k.gruBackward(mem, layer.dH, layer.pre, layer.un, layer.h, w.wRec, layer.dPre, layer.dU, g.bHn, layer.dH0, B, length, r),
  },
};
