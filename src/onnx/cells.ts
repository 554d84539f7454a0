import type { Activation, CellType } from 'rnnkit';
import type { AttributeValue } from './graph.js';

/*
 * One rnnkit layer as ONNX's RNN, LSTM or GRU operator. rnnkit stacks its
 * gate blocks in PyTorch's order, ONNX in its own, so the blocks are
 * reordered; ONNX adds two biases, Wb (with the input term) and Rb (with
 * the recurrent term), where rnnkit has b_rec, and for GRU b_hn inside the
 * reset gate's product:
 *
 *   Elman  RNN   W = W_in, R = W_rec, Wb = b_rec, Rb = 0
 *   LSTM   LSTM  gates i, o, f, c ← rnnkit's i, f, g, o; Wb = b_rec (reordered), Rb = 0
 *   GRU    GRU   gates z, r, h ← rnnkit's r, z, n; Wb = b_rec (reordered), Rb = (0, 0, b_hn);
 *                linear_before_reset = 1: h = tanh(Wh·x + Wbh + r ∘ (Rh·h_{t−1} + Rbh)), PyTorch's n
 */

/** The ONNX operator of each cell. */
export const OPERATOR: Record<CellType, string> = { elman: 'RNN', lstm: 'LSTM', gru: 'GRU' };

/** For each ONNX gate block in order, the rnnkit (PyTorch) block it takes. */
const BLOCKS: Record<CellType, readonly number[]> = { elman: [0], lstm: [0, 3, 1, 2], gru: [1, 0, 2] };

/** An Elman σ as an activation of ONNX's RNN: identity is Affine(x) = 1·x + 0. */
const ELMAN_ACTIVATIONS: Record<Activation, Record<string, AttributeValue>> = {
  tanh: { activations: ['Tanh'] },
  sigmoid: { activations: ['Sigmoid'] },
  relu: { activations: ['Relu'] },
  identity: { activations: ['Affine'], activation_alpha: Float32Array.of(1), activation_beta: Float32Array.of(0) },
};

/** A layer's tensors in ONNX's shapes and gate order (one direction): W [1][G·r][in], R [1][G·r][r], B [1][2·G·r]. */
export interface OnnxLayer {
  readonly W: Float32Array;
  readonly R: Float32Array;
  readonly B: Float32Array;
  /** The operator's attributes besides hidden_size. */
  readonly attributes: Record<string, AttributeValue>;
}

/** Rows of a matrix of G blocks of r rows (cols wide) in ONNX's block order. */
function reorder(cell: CellType, values: ArrayLike<number>, r: number, cols: number): Float32Array {
  const out = new Float32Array(values.length), block = r * cols;
  BLOCKS[cell].forEach((from, to) => {
    for (let i = 0; i < block; i++) out[to * block + i] = values[from * block + i]!;
  });
  return out;
}

/** rnnkit's W_in, W_rec, b_rec (and GRU's b_hn) of one layer of r units reading `inputs` values, as ONNX's W, R, B. */
export function onnxLayer(
  cell: CellType, activation: Activation, r: number, inputs: number,
  wIn: ArrayLike<number>, wRec: ArrayLike<number>, bRec: ArrayLike<number>, bHn: ArrayLike<number> | undefined,
): OnnxLayer {
  const G = BLOCKS[cell].length;
  const B = new Float32Array(2 * G * r);
  B.set(reorder(cell, bRec, r, 1));
  // Rb of ONNX's third GRU block, h: PyTorch's b_hn, added to R·h_{t−1} before the reset gate multiplies it.
  if (bHn) B.set(Array.from(bHn), G * r + 2 * r);
  const attributes = cell === 'elman' ? ELMAN_ACTIVATIONS[activation] : cell === 'gru' ? { linear_before_reset: 1 } : {};
  return { W: reorder(cell, wIn, r, inputs), R: reorder(cell, wRec, r, r), B, attributes };
}
