import { derivative } from './activation';
import { matmulAB } from './matmul';
import { at, get, put } from './memory';

// Exact RTRL; sensitivities P [r][B][n], see src/kernels/js/rtrl.ts.

/** pNext ← P_t = diag(σ'(a_t))·(W_rec·P_{t−1} + I_t); grad += Σ_l Σ_b dφ[b][l]·P_t[l][b][:] unless dPhi is 0. */
export function rtrlStep(
  pPrev: usize, pNext: usize, wRec: usize, x: usize, phiPrev: usize, phi: usize,
  dPhi: usize, grad: usize, batch: i32, inputSize: i32, hiddenSize: i32, paramCount: i32, act: i32,
): void {
  const r = hiddenSize, p = inputSize, n = paramCount, rowWidth = batch * n;
  const wRecColumns = r * p, bRecColumns = wRecColumns + r * r;
  matmulAB(pNext, wRec, pPrev, r, rowWidth, r, 0);
  for (let l = 0; l < r; l++) {
    for (let b = 0; b < batch; b++) {
      const row = at(pNext, l * rowWidth + b * n);
      const xb = at(x, b * p), hb = at(phiPrev, b * r);
      for (let j = 0; j < p; j++) put(row, l * p + j, get(row, l * p + j) + get(xb, j));
      for (let m = 0; m < r; m++) put(row, wRecColumns + l * r + m, get(row, wRecColumns + l * r + m) + get(hb, m));
      put(row, bRecColumns + l, get(row, bRecColumns + l) + 1);
      const d = derivative(get(phi, b * r + l), act);
      const e: f32 = dPhi != 0 ? get(dPhi, b * r + l) : 0;
      for (let c = 0; c < n; c++) {
        const v = get(row, c) * d;
        put(row, c, v);
        if (e != 0) put(grad, c, get(grad, c) + e * v);
      }
    }
  }
}

/** P_0: zero, with ∂φ_0/∂h0 = I in the h0 columns when h0Column ≥ 0. */
export function rtrlInit(p: usize, batch: i32, hiddenSize: i32, paramCount: i32, h0Column: i32): void {
  const r = hiddenSize, n = paramCount;
  memory.fill(p, 0, <usize>(batch * r * n) << 2);
  if (h0Column < 0) return;
  for (let l = 0; l < r; l++) for (let b = 0; b < batch; b++) put(p, (l * batch + b) * n + h0Column + l, 1);
}
