import { activationBackward, activationForward } from './activation.js';
import { matmulAB, matmulABt } from './matmul.js';
import type { Mem } from './types.js';

/*
 * The Elman cell's recurrence, time-major (note 001 def. 3). The input term
 * W_in·x_t + b_rec does not depend on the previous step: the layer computes it
 * for all steps in one product before calling these, straight into h's slots
 * 1..T, which the forward pass then turns into φ_t in place.
 *   h  [T+1][B][r]   slot 0 holds φ_0 (the initial state)
 */

/** φ_t = σ(a_t), a_t = (W_in·x_t + b_rec, already in slot t) + W_rec·φ_{t−1}   (eqs. 1.28–1.29) */
export function elmanForward(
  mem: Mem, h: number, wRec: number, batch: number, steps: number, hiddenSize: number, act: number,
): void {
  const block = batch * hiddenSize;
  for (let t = 1; t <= steps; t++) {
    const cur = h + t * block;
    matmulABt(mem, cur, cur - block, wRec, batch, hiddenSize, hiddenSize, 1);
    activationForward(mem, cur, cur, batch, hiddenSize, act);
  }
}

/**
 * BPTT through the recurrence. On entry dH[T][B][r] holds ∂L/∂φ_t from above
 * (the outputs, or the layer above); walking back it becomes ∂L/∂a_t:
 *   ∂L/∂a_t      = (∂L/∂φ_t) ∘ σ'(a_t)
 *   ∂L/∂φ_{t−1} += ∂L/∂a_t · W_rec     (eq. 1.41)
 * dH0[B][r] receives ∂L/∂φ_0 (overwritten). The weight gradients are then
 * single products over all steps, taken by the layer.
 */
export function elmanBackward(
  mem: Mem, dH: number, h: number, wRec: number, dH0: number, batch: number, steps: number, hiddenSize: number, act: number,
): void {
  const block = batch * hiddenSize;
  for (let t = steps; t >= 1; t--) {
    const dA = dH + (t - 1) * block;
    activationBackward(mem, h + t * block, dA, block, act);
    if (t > 1) matmulAB(mem, dA - block, dA, wRec, batch, hiddenSize, hiddenSize, 1);
    else matmulAB(mem, dH0, dA, wRec, batch, hiddenSize, hiddenSize, 0);
  }
}
