import { sigmoid } from './activation.js';
import { matmulAB, matmulABt } from './matmul.js';
import type { Mem } from './types.js';

/*
 * The GRU cell's recurrence with PyTorch's equations and gate order (nn.GRU):
 *   r = σ(a_r + u_r)   z = σ(a_z + u_z)   n = tanh(a_n + r ∘ u_n)
 *   h_t = (1 − z) ∘ n + z ∘ h_{t−1}
 * where a = W_ih·x_t + b (input side) and u = W_hh·h_{t−1} (hidden side), rows
 * in the order r, z, n. b_hn sits inside r ∘ (·), so it stays a separate
 * parameter: u_n = W_hn·h_{t−1} + b_hn. Time-major:
 *   gates [T][B][3r]   on entry W_ih·x_t + b for every step; on exit r, z, n
 *   un    [T][B][r]    u_n of each step, kept for the backward pass
 *   u     [B][3r]      scratch: W_hh·h_{t−1} of the current step
 *   h     [T+1][B][r]  slot 0 holds the initial state
 */

export function gruForward(
  mem: Mem, gates: number, un: number, u: number, h: number, wHh: number, bHn: number,
  batch: number, steps: number, hiddenSize: number,
): void {
  const r = hiddenSize, G = 3 * r, block = batch * r;
  for (let t = 1; t <= steps; t++) {
    const a = gates + (t - 1) * batch * G, hPrev = h + (t - 1) * block;
    matmulABt(mem, u, hPrev, wHh, batch, G, r, 0);
    for (let b = 0; b < batch; b++) {
      const row = a + b * G, ub = u + b * G, unb = un + (t - 1) * block + b * r, hp = hPrev + b * r, hc = hp + block;
      for (let j = 0; j < r; j++) {
        const rg = sigmoid(mem[row + j] + mem[ub + j]);
        const z = sigmoid(mem[row + r + j] + mem[ub + r + j]);
        const unj = mem[ub + 2 * r + j] + mem[bHn + j];
        const n = Math.tanh(mem[row + 2 * r + j] + rg * unj);
        mem[row + j] = rg; mem[row + r + j] = z; mem[row + 2 * r + j] = n;
        mem[unb + j] = unj;
        mem[hc + j] = (1 - z) * n + z * mem[hp + j];
      }
    }
  }
}

/**
 * BPTT through the recurrence. On entry dH[T][B][r] holds ∂L/∂h_t from above;
 * ∂L/∂h_{t−1} (direct z ∘ ∂h plus ∂L/∂u·W_hh) is added into dH[t−1] on the
 * way back, and into dH0 (overwritten) for t = 1. Writes the input side's
 * dGates[T][B][3r] = ∂L/∂a and the hidden side's dU[T][B][3r] = ∂L/∂u (they
 * differ in the n block: ∂u_n = ∂a_n ∘ r), and adds Σ ∂L/∂u_n into dBHn.
 *   ∂n = ∂h(1 − z)   ∂z = ∂h(h_{t−1} − n)   ∂a_n = ∂n(1 − n²)   ∂r = ∂a_n ∘ u_n
 *   ∂a_r = ∂u_r = ∂r·r(1−r)   ∂a_z = ∂u_z = ∂z·z(1−z)   ∂u_n = ∂a_n ∘ r
 */
export function gruBackward(
  mem: Mem, dH: number, gates: number, un: number, h: number, wHh: number, dGates: number, dU: number, dBHn: number, dH0: number,
  batch: number, steps: number, hiddenSize: number,
): void {
  const r = hiddenSize, G = 3 * r, block = batch * r;
  for (let t = steps; t >= 1; t--) {
    const a = gates + (t - 1) * batch * G, da = dGates + (t - 1) * batch * G, du = dU + (t - 1) * batch * G;
    const dPrev = t > 1 ? dH + (t - 2) * block : dH0;
    for (let b = 0; b < batch; b++) {
      const row = a + b * G, drow = da + b * G, urow = du + b * G;
      const dh = dH + (t - 1) * block + b * r, hp = h + (t - 1) * block + b * r, unb = un + (t - 1) * block + b * r, dp = dPrev + b * r;
      for (let j = 0; j < r; j++) {
        const rg = mem[row + j], z = mem[row + r + j], n = mem[row + 2 * r + j], dhj = mem[dh + j];
        const dan = dhj * (1 - z) * (1 - n * n);
        const dar = dan * mem[unb + j] * rg * (1 - rg);
        const daz = dhj * (mem[hp + j] - n) * z * (1 - z);
        mem[drow + j] = dar; mem[drow + r + j] = daz; mem[drow + 2 * r + j] = dan;
        mem[urow + j] = dar; mem[urow + r + j] = daz; mem[urow + 2 * r + j] = dan * rg;
        mem[dBHn + j] += dan * rg;
        if (t > 1) mem[dp + j] += dhj * z;
        else mem[dp + j] = dhj * z;
      }
    }
    matmulAB(mem, dPrev, du, wHh, batch, r, G, 1);
  }
}
