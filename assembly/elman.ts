import { activationBackward, activationForward } from './activation';
import { matmulAB, matmulABt } from './matmul';
import { at } from './memory';

// The Elman cell's recurrence, time-major: h [T+1][B][r], slot 0 = φ_0, slots
// 1..T holding W_in·x_t + b_rec on entry. See src/kernels/js/elman.ts.

/** φ_t = σ(a_t), a_t = slot t + W_rec·φ_{t−1} (eqs. 1.28–1.29). */
export function elmanForward(h: usize, wRec: usize, batch: i32, steps: i32, hiddenSize: i32, act: i32): void {
  const block = batch * hiddenSize;
  for (let t = 1; t <= steps; t++) {
    const cur = at(h, t * block);
    matmulABt(cur, at(h, (t - 1) * block), wRec, batch, hiddenSize, hiddenSize, 1);
    activationForward(cur, cur, batch, hiddenSize, act);
  }
}

/** dH: ∂L/∂φ_t in, ∂L/∂a_t out; ∂L/∂φ_{t−1} += ∂L/∂a_t·W_rec (eq. 1.41); dH0 = ∂L/∂φ_0. */
export function elmanBackward(dH: usize, h: usize, wRec: usize, dH0: usize, batch: i32, steps: i32, hiddenSize: i32, act: i32): void {
  const block = batch * hiddenSize;
  for (let t = steps; t >= 1; t--) {
    const dA = at(dH, (t - 1) * block);
    activationBackward(at(h, t * block), dA, block, act);
    if (t > 1) matmulAB(at(dH, (t - 2) * block), dA, wRec, batch, hiddenSize, hiddenSize, 1);
    else matmulAB(dH0, dA, wRec, batch, hiddenSize, hiddenSize, 0);
  }
}
