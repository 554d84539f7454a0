/**
 * rnnkit's parameters as the tensors of a PyTorch module made of
 * `rnn = nn.RNN | nn.LSTM | nn.GRU(…, batch_first=True)`, an optional
 * `embedding = nn.Embedding` and `head = nn.Linear`, and back (README, the
 * parameter table):
 *
 *   embedding                  embedding.weight [V, E]
 *   W_in_lℓ, W_rec_lℓ          rnn.weight_ih_lℓ [G·r, in], rnn.weight_hh_lℓ [G·r, r]
 *   b_rec_lℓ                   rnn.bias_ih_lℓ + rnn.bias_hh_lℓ [G·r] (GRU's n block: bias_ih alone)
 *   b_hn_lℓ (GRU)              the n block of rnn.bias_hh_lℓ
 *   W_out, b_out               head.weight [o, r], head.bias [o]
 *   h0_lℓ, c0_lℓ (learned)     row ℓ of h0 [L, r] and c0 [L, r], parameters of the module itself
 *
 * An ElmanRNN's names are the notes' (W_in, W_rec, b_rec, h0, W_out, b_out)
 * for its one layer. Writing, bias_ih carries b_rec and bias_hh is −0 but for
 * GRU's n block, b_hn: −0 is the additive identity (x + −0 = x for every x,
 * −0 included), so reading the file back gives b_rec bit for bit.
 */
import type { CellType, RecurrentStructure } from 'rnnkit';

/** The kinds of model a safetensors file holds: the recurrent ones. */
export type RecurrentKind = 'elman-rnn' | 'recurrent-network';

/** A tensor's PyTorch name and shape. */
export interface TorchTensor {
  readonly name: string;
  readonly shape: readonly number[];
}

/** Gate blocks stacked in W_in, W_rec and the biases, as in PyTorch. */
export const GATE_BLOCKS: Record<CellType, number> = { elman: 1, lstm: 4, gru: 3 };

type Role = 'embedding' | 'W_in' | 'W_rec' | 'b_rec' | 'b_hn' | 'h0' | 'c0' | 'W_out' | 'b_out';
type Values = Float32Array | Float64Array;

/** Every tensor of the module for this structure, in the order toSafetensors writes them. */
export function torchTensors(s: RecurrentStructure): TorchTensor[] {
  const { hiddenSize: r, numLayers: L } = s, G = GATE_BLOCKS[s.cell] * r;
  const tensors: TorchTensor[] = [];
  if (s.vocabularySize > 0) tensors.push({ name: 'embedding.weight', shape: [s.vocabularySize, s.embeddingSize] });
  for (let l = 0; l < L; l++) {
    const input = l > 0 ? r : s.vocabularySize > 0 ? s.embeddingSize : s.inputSize;
    tensors.push(
      { name: `rnn.weight_ih_l${l}`, shape: [G, input] }, { name: `rnn.weight_hh_l${l}`, shape: [G, r] },
      { name: `rnn.bias_ih_l${l}`, shape: [G] }, { name: `rnn.bias_hh_l${l}`, shape: [G] },
    );
  }
  tensors.push({ name: 'head.weight', shape: [s.outputSize, r] }, { name: 'head.bias', shape: [s.outputSize] });
  if (s.initialState === 'learned') {
    tensors.push({ name: 'h0', shape: [L, r] });
    if (s.cell === 'lstm') tensors.push({ name: 'c0', shape: [L, r] });
  }
  return tensors;
}

/** The values of every tensor, from the model's parameters by role and layer. */
export function torchValues(s: RecurrentStructure, parameter: (role: Role, layer: number) => Values): Map<string, ArrayLike<number>> {
  const { hiddenSize: r, numLayers: L } = s, G = GATE_BLOCKS[s.cell] * r;
  const values = new Map<string, ArrayLike<number>>();
  if (s.vocabularySize > 0) values.set('embedding.weight', parameter('embedding', 0));
  for (let l = 0; l < L; l++) {
    values.set(`rnn.weight_ih_l${l}`, parameter('W_in', l));
    values.set(`rnn.weight_hh_l${l}`, parameter('W_rec', l));
    values.set(`rnn.bias_ih_l${l}`, parameter('b_rec', l));
    const hidden = new Float64Array(G).fill(-0);
    if (s.cell === 'gru') hidden.set(parameter('b_hn', l), 2 * r);
    values.set(`rnn.bias_hh_l${l}`, hidden);
  }
  values.set('head.weight', parameter('W_out', 0));
  values.set('head.bias', parameter('b_out', 0));
  const rows = (role: 'h0' | 'c0') => {
    const stacked = new Float64Array(L * r);
    for (let l = 0; l < L; l++) stacked.set(parameter(role, l), l * r);
    return stacked;
  };
  if (s.initialState === 'learned') {
    values.set('h0', rows('h0'));
    if (s.cell === 'lstm') values.set('c0', rows('c0'));
  }
  return values;
}

/** A kind's parameter names: RecurrentNetwork's W_in_l0, …, embedding, W_out, b_out; ElmanRNN's the notes' W_in, W_rec, …. */
function nameOf(kind: RecurrentKind, role: Role, layer: number): string {
  if (kind === 'elman-rnn' || role === 'embedding' || role === 'W_out' || role === 'b_out') return role;
  return `${role}_l${layer}`;
}

/**
 * rnnkit's parameters from the tensors (all present, shapes checked), with
 * the tensors each one comes from, for messages about its values.
 */
export function rnnkitParameters(kind: RecurrentKind, s: RecurrentStructure, tensor: (name: string) => Values): {
  parameters: Record<string, Values>;
  sources: Record<string, string>;
} {
  const { hiddenSize: r, numLayers: L } = s;
  const parameters: Record<string, Values> = {}, sources: Record<string, string> = {};
  const put = (role: Role, layer: number, values: Values, source: string) => {
    const name = nameOf(kind, role, layer);
    parameters[name] = values;
    sources[name] = source;
  };
  if (s.vocabularySize > 0) put('embedding', 0, tensor('embedding.weight'), 'embedding.weight');
  for (let l = 0; l < L; l++) {
    put('W_in', l, tensor(`rnn.weight_ih_l${l}`), `rnn.weight_ih_l${l}`);
    put('W_rec', l, tensor(`rnn.weight_hh_l${l}`), `rnn.weight_hh_l${l}`);
    const input = tensor(`rnn.bias_ih_l${l}`), hidden = tensor(`rnn.bias_hh_l${l}`);
    // GRU's n block of bias_hh sits inside r ∘ (·): it stays apart as b_hn, and b_rec's n block is bias_ih's.
    const summed = s.cell === 'gru' ? 2 * r : input.length;
    const bias = Float64Array.from(input);
    for (let i = 0; i < summed; i++) bias[i] = bias[i]! + hidden[i]!;
    put('b_rec', l, bias, `rnn.bias_ih_l${l} + rnn.bias_hh_l${l}`);
    if (s.cell === 'gru') put('b_hn', l, hidden.subarray(2 * r), `rnn.bias_hh_l${l}[${2 * r}:${3 * r}]`);
  }
  put('W_out', 0, tensor('head.weight'), 'head.weight');
  put('b_out', 0, tensor('head.bias'), 'head.bias');
  if (s.initialState === 'learned') {
    const roles: ('h0' | 'c0')[] = s.cell === 'lstm' ? ['h0', 'c0'] : ['h0'];
    for (const role of roles) {
      for (let l = 0; l < L; l++) put(role, l, tensor(role).subarray(l * r, (l + 1) * r), `${role}[${l}]`);
    }
  }
  return { parameters, sources };
}
