import type { RecurrentModel } from 'rnnkit';
import { NONE } from '../kernels/js/types.js';
import { activationCode } from '../model/functions.js';
import { CELLS, type LayerOffsets } from '../model/recurrent/cells.js';
import { firstLayerInputSize } from '../model/recurrent/config.js';
import type { SequenceFrame } from '../model/recurrent/frame.js';

/*
 * What the online algorithms share across the layers of a stacked network
 * (docs/theory.md (T66)–(T69)). SnAp-1 and UORO run per layer: layer l keeps
 * its own traces over its own parameters (W_in, W_rec, b_rec, b_hn, h0, c0 of
 * layer l, in RTRL's column order), reading its input (the layer below's
 * output at the same step, after its dropout mask; x_t or its embedding for
 * layer 0) as an external input. The error it receives at step t is the
 * instantaneous ∂L_t/∂h^l_t, handed down from the layer above through that
 * step only (errorBelow): no recurrent carry. Exact RTRL uses the column
 * count and the flush for its one layer.
 */

/** p_l: the width of layer l's input (the embedding's for layer 0 with an embedding; r above). */
export function layerInputSize(model: RecurrentModel, layer: number): number {
  return layer === 0 ? firstLayerInputSize(model.structure) : model.structure.hiddenSize;
}

/**
 * n_l: layer l's recurrent parameters in column order: W_in (G·r·p_l), W_rec
 * (G·r·r), b_rec (G·r), then b_hn (r, GRU), then h0 (r) and c0 (r, LSTM) if
 * learned — G = 1, 4, 3 gate blocks for Elman, LSTM, GRU.
 */
export function layerColumns(model: RecurrentModel, layer: number): number {
  const { hiddenSize: r, initialState, cell } = model.structure;
  return CELLS[cell].gates * r * (layerInputSize(model, layer) + r + 1) + (cell === 'gru' ? r : 0) +
    (initialState === 'learned' ? (cell === 'lstm' ? 2 * r : r) : 0);
}

/** Σ_l n_l: every layer's recurrent parameters. */
export function allColumns(model: RecurrentModel): number {
  let n = 0;
  for (let l = 0; l < model.structure.numLayers; l++) n += layerColumns(model, l);
  return n;
}

/** Layer l's input at slot s, [B][p_l], as the forward pass in training read it. */
export function layerInput(model: RecurrentModel, f: SequenceFrame, layer: number, s: number): number {
  const B = f.batch, { inputSize: p, embeddingSize: E, hiddenSize: r } = model.structure;
  if (layer === 0) return f.emb !== NONE ? f.emb + s * B * E : f.x + s * B * p;
  const below = f.layers[layer - 1]!;
  return below.drop !== NONE ? below.out + s * B * r : below.h + (s + 1) * B * r;
}

/** Adds layer l's accumulated gradient (its columns from `gradient`) into the frame's gradient block, and zeroes it. */
export function flushLayer(model: RecurrentModel, f: SequenceFrame, layer: number, gradient: number): void {
  const { hiddenSize: r, initialState, cell } = model.structure;
  const mem = model.workspace.mem, k = f.kernels, g = f.gradients.layers[layer]!, G = CELLS[cell].gates * r;
  // The columns: W_in, W_rec, b_rec, b_hn (GRU), then h0 and c0 (LSTM) when they are learned.
  const parts: [number, number][] = [[g.wIn, G * layerInputSize(model, layer)], [g.wRec, G * r], [g.bRec, G]];
  if (cell === 'gru') parts.push([g.bHn, r]);
  if (initialState === 'learned') parts.push([g.h0, r]);
  if (initialState === 'learned' && cell === 'lstm') parts.push([g.c0, r]);
  let column = gradient;
  for (const [offset, size] of parts) {
    k.addInPlace(mem, offset, column, size);
    column += size;
  }
  k.fill(mem, gradient, layerColumns(model, layer), 0);
}

/**
 * The error from above, one step (T67)–(T68): from ∂L_t/∂h^l_t in layer l's
 * dH at slot s, the one-step derivative at its gates dPre^l_t (nothing carried
 * from later steps), then ∂L_t/∂h^(l−1)_t = dPre^l_t·W_in^l through layer
 * l−1's dropout mask into its dH at slot s — or, for layer 0 with an
 * embedding, dEmb_t = dPre^0_t·W_in^0 into the embedding's gradient (T69).
 * Nothing for layer 0 on vector inputs. Call it after layer l's own step:
 * Elman's dH at slot s becomes ∂L/∂a in place.
 */
export function errorBelow(model: RecurrentModel, f: SequenceFrame, layer: number, s: number): void {
  if (layer === 0 && f.emb === NONE) return;
  const st = model.structure, B = f.batch, r = st.hiddenSize, cell = CELLS[st.cell], G = cell.gates * r;
  const mem = model.workspace.mem, k = f.kernels, regions = f.layers[layer]!;
  const at = (region: number, width: number) => (region === NONE ? NONE : region + s * B * width);
  const w = { wRec: model.parameterOffset(model.parameterName('W_rec', layer)) } as LayerOffsets;
  const dPre = at(regions.dPre, G), wIn = model.parameterOffset(model.parameterName('W_in', layer));
  // The cell's BPTT kernel over the one slot s, its regions shifted there: dPre from dH alone. Its other writes
  // land in scratch: dH0 (and dC0) of the frame's layer, dU (GRU), and the GRU's Σ ∂L/∂u_n in the scratch u
  // instead of b_hn's gradient.
  cell.backward(k, mem, {
    ...regions, pre: at(regions.pre, G), h: at(regions.h, r), c: at(regions.c, r),
    un: at(regions.un, r), dH: at(regions.dH, r), dPre, dU: at(regions.dU, G),
  }, w, { bHn: regions.u } as LayerOffsets, B, 1, r, activationCode(st.activation));
  if (layer > 0) {
    const below = f.layers[layer - 1]!, dH = below.dH + s * B * r;
    k.matmulAB(mem, dH, dPre, wIn, B, r, G, 0);
    if (below.drop !== NONE) k.multiply(mem, dH, dH, below.drop + s * B * r, B * r);
  } else {
    const E = st.embeddingSize, dEmb = f.dEmb + s * B * E;
    k.matmulAB(mem, dEmb, dPre, wIn, B, E, G, 0);
    k.embeddingBackward(mem, f.gradients.head.embedding, dEmb, f.x + s * B, B, E);
  }
}

/** Nominal FLOPs of errorBelow per sequence and step, over the layers that hand an error down. */
export function errorBelowFlops(model: RecurrentModel): number {
  const { hiddenSize: r, numLayers: L, vocabularySize, cell } = model.structure;
  return (L - 1 + (vocabularySize > 0 ? 1 : 0)) * 4 * CELLS[cell].gates * r * r;
}
