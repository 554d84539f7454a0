import { activationBackward, activationForward } from './activation.js';
import { columnSums, matmulAB, matmulABt, matmulAtB } from './matmul.js';
import type { Mem } from './types.js';

/*
 * The Elman recurrence over a whole batch, time-major:
 *   x   [T][B][p]      inputs
 *   phi [T+1][B][r]    hidden activations; slot 0 holds φ_0 (the initial state)
 * so that step t's rows for all sequences are one contiguous B×r block.
 */

/**
 * a_t = W_rec·φ_{t−1} + W_in·x_t + b_rec,  φ_t = σ(a_t)   (note 001, eqs. 1.28–1.29)
 * The input term does not depend on the previous step, so it is computed for
 * all T·B rows in one product before the time loop; only W_rec·φ_{t−1} stays
 * sequential.
 */
export function rnnForward(
  mem: Mem, x: number, phi: number, wIn: number, wRec: number, bRec: number,
  batch: number, steps: number, inputSize: number, hiddenSize: number, act: number,
): void {
  const block = batch * hiddenSize;
  const rows = steps * batch;
  const phi1 = phi + block;
  // W_in·x_t + b_rec for every step, written straight into φ_1..φ_T.
  for (let i = 0; i < rows; i++) mem.copyWithin(phi1 + i * hiddenSize, bRec, bRec + hiddenSize);
  matmulABt(mem, phi1, x, wIn, rows, hiddenSize, inputSize, 1);
  for (let t = 1; t <= steps; t++) {
    const cur = phi + t * block;
    matmulABt(mem, cur, cur - block, wRec, batch, hiddenSize, hiddenSize, 1);
    activationForward(mem, cur, cur, batch, hiddenSize, act);
  }
}

/**
 * Full BPTT. On entry dPhi[T][B][r] holds ∂L/∂φ_t coming from the outputs at
 * each step; on exit it holds ∂L/∂a_t. Walking back in time:
 *   ∂L/∂a_t     = (∂L/∂φ_t) ∘ σ'(a_t)
 *   ∂L/∂φ_{t−1} += ∂L/∂a_t · W_rec          (eq. 1.41: Δ^{tk} = Δ^{t(k+1)}·diag(σ'(a^k))·W_rec)
 * and then every weight gradient is one product over all steps and sequences:
 *   dW_rec += Σ_t (∂L/∂a_t)ᵀ φ_{t−1}        (eqs. 1.38–1.39, with φ^{k−1}: erratum of eq. 1.35)
 *   dW_in  += Σ_t (∂L/∂a_t)ᵀ x_t,   db_rec += Σ_t ∂L/∂a_t
 * dH0[B][r] receives ∂L/∂φ_0 per sequence (overwritten).
 */
export function bpttBackward(
  mem: Mem, dPhi: number, phi: number, x: number, wRec: number,
  dWIn: number, dWRec: number, dBRec: number, dH0: number,
  batch: number, steps: number, inputSize: number, hiddenSize: number, act: number,
): void {
  const block = batch * hiddenSize;
  for (let t = steps; t >= 1; t--) {
    const dA = dPhi + (t - 1) * block;
    activationBackward(mem, phi + t * block, dA, block, act);
    if (t > 1) matmulAB(mem, dA - block, dA, wRec, batch, hiddenSize, hiddenSize, 1);
    else matmulAB(mem, dH0, dA, wRec, batch, hiddenSize, hiddenSize, 0);
  }
  const rows = steps * batch;
  matmulAtB(mem, dWRec, dPhi, phi, hiddenSize, hiddenSize, rows, 1);
  matmulAtB(mem, dWIn, dPhi, x, hiddenSize, inputSize, rows, 1);
  columnSums(mem, dBRec, dPhi, rows, hiddenSize, 1);
}
