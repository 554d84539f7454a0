import type { ParameterSpec } from '../parameters.js';
import { CELLS } from './cells.js';
import { firstLayerInputSize, type RecurrentStructure } from './config.js';

/** What each parameter is; the names a model gives them are its own (see ParameterNames). */
export type ParameterRole = 'embedding' | 'W_in' | 'W_rec' | 'b_rec' | 'b_hn' | 'h0' | 'c0' | 'W_out' | 'b_out';

/** A model's name for a parameter of a layer (layer is ignored for embedding, W_out and b_out). */
export type ParameterNames = (role: ParameterRole, layer: number) => string;

/** RecurrentNetwork's names: W_in_l0, W_rec_l1, …, embedding, W_out, b_out. */
export const layerSuffixNames: ParameterNames = (role, layer) =>
  role === 'embedding' || role === 'W_out' || role === 'b_out' ? role : `${role}_l${layer}`;

export interface RoleSpec extends ParameterSpec {
  readonly role: ParameterRole;
  readonly layer: number;
}

/**
 * Every parameter of a structure, in layout order: the decayed weights first
 * (embedding, then W_in and W_rec of each layer, then W_out), then biases and
 * initial states. For a one-layer Elman network this is the order of note
 * 001's ⟨W_in, W_rec, W_out, b_rec, b_out⟩ (and h0), as saved by v1 files.
 * Gate blocks are stacked in PyTorch's order: rows [k·r, (k+1)·r) of W_in,
 * W_rec and b_rec belong to gate k (LSTM i, f, g, o; GRU r, z, n).
 */
export function parameterSpecs(s: RecurrentStructure, names: ParameterNames): RoleSpec[] {
  const { hiddenSize: r, numLayers: L, outputSize: o } = s;
  const shape = CELLS[s.cell], G = shape.gates * r;
  const spec = (role: ParameterRole, layer: number, rows: number, cols: number, decay: boolean): RoleSpec =>
    ({ name: names(role, layer), role, layer, rows, cols, decay });
  const specs: RoleSpec[] = [];
  if (s.vocabularySize > 0) specs.push(spec('embedding', 0, s.vocabularySize, s.embeddingSize, true));
  for (let l = 0; l < L; l++) {
    specs.push(spec('W_in', l, G, l === 0 ? firstLayerInputSize(s) : r, true));
    specs.push(spec('W_rec', l, G, r, true));
  }
  specs.push(spec('W_out', 0, o, r, true));
  for (let l = 0; l < L; l++) {
    specs.push(spec('b_rec', l, G, 1, false));
    if (shape.separateHiddenBias) specs.push(spec('b_hn', l, r, 1, false));
  }
  specs.push(spec('b_out', 0, o, 1, false));
  if (s.initialState === 'learned') {
    for (let l = 0; l < L; l++) specs.push(spec('h0', l, r, 1, false));
    if (shape.carriesCell) for (let l = 0; l < L; l++) specs.push(spec('c0', l, r, 1, false));
  }
  return specs;
}
