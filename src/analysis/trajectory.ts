import { fail } from '../errors.js';
import { ElmanRNN, type Activation, type SequenceBatch } from 'rnnkit';

/**
 * What the gradient-flow analysis needs from one forward (and, with targets,
 * one output-backward) pass of rnnkit's own model, in float64, sequence-major:
 *   phi    [B][T+1][r]  φ_t, slot 0 = φ_0
 *   slope  [B][T][r]    σ'(a_t) at t = 1…T (index t−1)
 *   dPhi   [B][T][r]    ∂L/∂φ_t from the outputs alone (index t−1), when targets were given
 * Steps past a sequence's length are padding: the analysis ignores them.
 */
export interface Trajectory {
  readonly activation: Activation;
  /** r */
  readonly hiddenSize: number;
  /** B */
  readonly size: number;
  /** T */
  readonly steps: number;
  readonly lengths: Int32Array;
  /** W_rec, r×r row-major, float64. */
  readonly recurrentWeights: Float64Array;
  readonly phi: Float64Array;
  readonly slope: Float64Array;
  readonly dPhi: Float64Array | undefined;
}

/** sup σ' over ℝ: the a-priori σ'max of Hochreiter's bound. */
export const SLOPE_SUPREMUM: Record<Activation, number> = { identity: 1, tanh: 1, sigmoid: 0.25, relu: 1 };

/**
 * σ'(a) from y = σ(a), exactly as rnnkit's backward kernel forms it
 * (sigmoid y(1−y), tanh 1−y², relu [y > 0], identity 1).
 */
export function slopeFromActivation(activation: Activation, y: number): number {
  switch (activation) {
    case 'identity': return 1;
    case 'tanh': return 1 - y * y;
    case 'sigmoid': return y * (1 - y);
    case 'relu': return y > 0 ? 1 : 0;
  }
}

/**
 * Runs `model` on `batch` in a float64 copy on the JS backend (whatever the
 * model's own dtype and backend) and reads φ, σ' and — with `withLoss`, which
 * needs targets — ∂L/∂φ_t from the arena, using the model's own kernels, so
 * the analysis agrees with rnnkit's BPTT to float64 rounding.
 */
export function trajectory(model: ElmanRNN, batch: SequenceBatch, withLoss: boolean): Trajectory {
  if (!(model instanceof ElmanRNN)) fail('model', 'an ElmanRNN', model);
  model.checkData(batch, withLoss);
  const copy = model.clone({ dtype: 'float64', backend: 'js' });
  try {
    const B = batch.size, T = batch.steps, r = copy.hiddenSize, activation = copy.config.activation;
    copy.loadExamples(batch, Int32Array.from({ length: B }, (_, i) => i));
    const f = copy.batchFrame(B, T);
    copy.forwardSlots(f, 0, T, false);
    const layer = f.layers[0]!;
    if (withLoss) {
      copy.lossSlots(f, 0, T, true);
      copy.outputBackward(f, 0, T);
    }
    const mem = copy.workspace.mem;
    const phi = new Float64Array(B * (T + 1) * r);
    const slope = new Float64Array(B * T * r);
    const dPhi = withLoss ? new Float64Array(B * T * r) : undefined;
    // The arena is time-major ([slot][B][r]); the analysis walks one sequence at a time.
    for (let b = 0; b < B; b++) {
      for (let t = 0; t <= T; t++) {
        const src = layer.h + (t * B + b) * r, dst = (b * (T + 1) + t) * r;
        for (let j = 0; j < r; j++) {
          const y = mem[src + j]!;
          phi[dst + j] = y;
          if (t > 0) slope[(b * T + t - 1) * r + j] = slopeFromActivation(activation, y);
        }
        if (dPhi && t > 0) {
          const g = layer.dH + ((t - 1) * B + b) * r;
          for (let j = 0; j < r; j++) dPhi[(b * T + t - 1) * r + j] = mem[g + j]!;
        }
      }
    }
    return {
      activation, hiddenSize: r, size: B, steps: T, lengths: Int32Array.from(batch.lengths),
      recurrentWeights: Float64Array.from(copy.getParameter('W_rec')), phi, slope, dPhi,
    };
  } finally {
    copy.dispose();
  }
}
