import { planRegions } from '../../backend/index.js';
import type { Kernels } from '../../backend/backend.js';
import { NONE, type Mem } from '../../kernels/js/types.js';
import { CELLS, type GradientTarget } from './cells.js';
import { firstLayerInputSize, type RecurrentStructure } from './config.js';

/**
 * One layer's regions in a frame (NONE where the cell has no such region).
 * Time-major, so slot s of every sequence is one contiguous B-row block.
 *   pre   [C][B][G·r]  W_in·x + b, then the activated gates (Elman: slots 1..C of h)
 *   h, c  [C+1][B][r]  slot 0 holds the state before the window's first step
 *   un    [C][B][r]    GRU: W_hn·h + b_hn       u [B][3r]: GRU scratch
 *   drop  [C][B][r]    dropout mask on h (layers below the top, in training)
 *   out   [C][B][r]    h ∘ drop: what the layer above reads in training
 *   dH    [C][B][r]    ∂L/∂h from above; Elman: then ∂L/∂a in place
 *   dPre  [C][B][G·r]  ∂L/∂(W_in·x + b) (Elman: = dH)
 *   dU    [C][B][G·r]  ∂L/∂(W_rec·h) (LSTM, Elman: = dPre; GRU differs in n)
 *   dH0, dC0 [B][r]    ∂L/∂ of the state in slot 0
 */
export interface LayerRegions {
  readonly pre: number;
  readonly h: number;
  readonly c: number;
  readonly un: number;
  readonly u: number;
  readonly drop: number;
  readonly out: number;
  readonly dH: number;
  readonly dPre: number;
  readonly dU: number;
  readonly dH0: number;
  readonly dC0: number;
  /** Width of the input this layer reads. */
  readonly inputSize: number;
}

/**
 * Where one computation of a recurrent model keeps its data: a window of
 * `capacity` steps for `batch` sequences.
 *   x      [C][B][p]   inputs (token ids with an embedding)
 *   emb    [C][B][E]   the embedded inputs;  dEmb [C][B][E] their gradient
 *   ids    [B]         each row's sequence id, which keys its dropout masks
 *   z, y   [C][B][o]   output pre-activation and F(z)
 *   target [C][B][o]   targets, or class indices in the first C·B entries
 *   mask   [C][B]      1 where a step's loss counts
 *   dz     [C][B][o]   ∂L/∂z
 * Full BPTT uses one frame of T steps; truncated BPTT a window of k2 steps that
 * slides; an online learner a pinned frame that survives other calls.
 */
/** Where a carried state lives: a [C+1][B][r] region, and the offset of its r values in a state vector. */
export interface StateRegion {
  readonly region: number;
  readonly at: number;
}

export interface SequenceFrame {
  readonly batch: number;
  readonly capacity: number;
  readonly x: number;
  readonly emb: number;
  readonly dEmb: number;
  readonly ids: number;
  readonly layers: readonly LayerRegions[];
  /**
   * The carried states in state-vector order — h of every layer, then c of
   * every layer (LSTM) — as batch.initialState, RnnStepper and finalStates
   * hold them.
   */
  readonly states: readonly StateRegion[];
  readonly z: number;
  readonly y: number;
  readonly target: number;
  readonly mask: number;
  readonly dz: number;
  /** First element after the frame. */
  readonly end: number;
  /** Targets are class indices (cross-entropy against an index). */
  classTargets: boolean;
  /** Slot 0 is filled from the learned h0/c0 by a forward pass from slot 0. */
  learnedState: boolean;
  /** The step of its sequence that slot 0 holds (dropout masks are keyed by it). */
  firstStep: number;
  /** The kernels that run on this frame: its model's backend's, or a thread's recorder (src/threads). */
  readonly kernels: Kernels;
  /** Where its backward pass puts the gradients: the model's gradient block, or a thread's own. */
  readonly gradients: GradientTarget;
  /** The loss is a mean over this many sequences: the frame's own, or the whole batch that a thread's share is part of. */
  readonly lossBatch: number;
}

/** Who computes on a frame, and for which batch: planFrame's defaults are the model's own kernels and gradients. */
export interface FrameOwner {
  readonly kernels: Kernels;
  readonly gradients: GradientTarget;
  /** Default: the frame's batch. */
  readonly lossBatch?: number;
}

export function planFrame(s: RecurrentStructure, base: number, batch: number, capacity: number, owner: FrameOwner): SequenceFrame {
  const { hiddenSize: r, outputSize: o, numLayers: L } = s;
  const cell = CELLS[s.cell], G = cell.gates * r;
  const rows = capacity * batch, block = batch * r;
  const E = s.vocabularySize > 0 ? s.embeddingSize : 0;
  const head = planRegions(base, {
    x: rows * s.inputSize, emb: rows * E, dEmb: rows * E, ids: batch,
    z: rows * o, y: rows * o, target: rows * o, mask: rows, dz: rows * o,
  });
  let at = head.end;
  const layers: LayerRegions[] = [];
  for (let l = 0; l < L; l++) {
    const dropout = s.dropout > 0 && l < L - 1;
    const { offsets, end } = planRegions(at, {
      pre: cell.inPlace ? 0 : rows * G,
      h: (capacity + 1) * block,
      c: cell.carriesCell ? (capacity + 1) * block : 0,
      un: cell.hiddenGates ? rows * r : 0,
      u: cell.hiddenGates ? batch * G : 0,
      drop: dropout ? rows * r : 0,
      out: dropout ? rows * r : 0,
      dH: rows * r,
      dPre: cell.inPlace ? 0 : rows * G,
      dU: cell.hiddenGates ? rows * G : 0,
      dH0: block,
      dC0: cell.carriesCell ? block : 0,
    });
    at = end;
    const pre = cell.inPlace ? offsets.h + block : offsets.pre;
    const dPre = cell.inPlace ? offsets.dH : offsets.dPre;
    layers.push({
      pre, h: offsets.h, c: cell.carriesCell ? offsets.c : NONE,
      un: cell.hiddenGates ? offsets.un : NONE, u: cell.hiddenGates ? offsets.u : NONE,
      drop: dropout ? offsets.drop : NONE, out: dropout ? offsets.out : NONE,
      dH: offsets.dH, dPre, dU: cell.hiddenGates ? offsets.dU : dPre,
      dH0: offsets.dH0, dC0: cell.carriesCell ? offsets.dC0 : NONE,
      inputSize: l === 0 ? firstLayerInputSize(s) : r,
    });
  }
  const h = head.offsets;
  const states = [...layers.map((l) => l.h), ...layers.map((l) => l.c)].filter((region) => region !== NONE).map((region, k) => ({ region, at: k * r }));
  return {
    batch, capacity, x: h.x, emb: E > 0 ? h.emb : NONE, dEmb: E > 0 ? h.dEmb : NONE, ids: h.ids, layers, states,
    z: h.z, y: h.y, target: h.target, mask: h.mask, dz: h.dz, end: at,
    classTargets: false, learnedState: false, firstStep: 0,
    kernels: owner.kernels, gradients: owner.gradients, lossBatch: owner.lossBatch ?? batch,
  };
}

/**
 * Drops the oldest `drop` of the `length` slots a window holds: every
 * per-slot region that a later backward pass reads moves down, carried
 * states included (their slot 0 becomes the state before the new first
 * slot). With `outputs`, the output-side regions move too (an online learner
 * back-propagates error injected at earlier updates' steps).
 */
export function slideFrame(s: RecurrentStructure, mem: Mem, f: SequenceFrame, drop: number, length: number, outputs: boolean): void {
  const k = f.kernels, B = f.batch, keep = length - drop, r = s.hiddenSize, o = s.outputSize, cell = CELLS[s.cell], G = cell.gates * r;
  const move = (region: number, width: number, slots: number) => {
    if (region !== NONE && width > 0) k.copy(mem, region, region + drop * B * width, slots * B * width);
  };
  move(f.x, s.inputSize, keep);
  move(f.emb, s.embeddingSize, keep);
  for (const layer of f.layers) {
    move(layer.h, r, keep + 1);
    move(layer.c, r, keep + 1);
    if (!cell.inPlace) move(layer.pre, G, keep);
    move(layer.un, r, keep);
    move(layer.drop, r, keep);
    move(layer.out, r, keep);
  }
  if (outputs) {
    for (const region of [f.z, f.y, f.dz]) move(region, o, keep);
    move(f.target, f.classTargets ? 1 : o, keep);
    move(f.mask, 1, keep);
  }
  f.firstStep += drop;
  f.learnedState = false; // slot 0 now holds a carried state, not h0
}
