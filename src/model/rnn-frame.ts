import { planRegions } from '../backend/index.js';

/**
 * Where one RNN computation keeps its data in the arena: a window of
 * `capacity` steps for `batch` sequences, time-major, so slot s of every
 * sequence is one contiguous block:
 *   x      [C][B][p]     inputs
 *   phi    [C+1][B][r]   φ; slot 0 is the state before the window's first step
 *   z, y   [C][B][o]     output pre-activation and F(z)
 *   target [C][B][o]     targets, or class indices in the first C·B entries
 *   mask   [C][B]
 *   dz     [C][B][o]     ∂L/∂z
 *   dPhi   [C][B][r]     ∂L/∂φ from the outputs, then ∂L/∂a after BPTT
 *   dH0    [B][r]        ∂L/∂φ_0
 * Full BPTT uses one frame of T steps; truncated BPTT a window of k2 steps; an
 * online learner a pinned frame that survives other calls on the model.
 */
export interface RnnFrame {
  readonly batch: number;
  readonly capacity: number;
  readonly x: number;
  readonly phi: number;
  readonly z: number;
  readonly y: number;
  readonly target: number;
  readonly mask: number;
  readonly dz: number;
  readonly dPhi: number;
  readonly dH0: number;
  /** First element after the frame: more regions for the same computation go from here. */
  readonly end: number;
  /** Targets are class indices (cross-entropy against an index). */
  classTargets: boolean;
  /** Slot 0 is filled from the learned h0 before a forward pass from the sequence start. */
  learnedState: boolean;
}

export function planFrame(
  base: number, batch: number, capacity: number, inputSize: number, hiddenSize: number, outputSize: number,
): { frame: RnnFrame; end: number } {
  const rows = capacity * batch;
  const { offsets, end } = planRegions(base, {
    x: rows * inputSize, phi: (capacity + 1) * batch * hiddenSize,
    z: rows * outputSize, y: rows * outputSize, target: rows * outputSize, mask: rows,
    dz: rows * outputSize, dPhi: rows * hiddenSize, dH0: batch * hiddenSize,
  });
  return { frame: { batch, capacity, ...offsets, end, classTargets: false, learnedState: false }, end };
}
