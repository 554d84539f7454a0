import { matmulAB } from './matmul.js';
import { Act, NONE, type Mem } from './types.js';

/*
 * Exact RTRL (Williams & Zipser; note 002 §3.2.1, with the w_lm erratum fixed).
 * Sensitivities P_t = ∂φ_t/∂θ of every hidden unit with respect to the
 * recurrent parameters θ = (W_in, W_rec, b_rec[, h0]), laid out [r][B][n] —
 * unit-major, so that W_rec·P_{t−1} for the whole batch is ONE product
 * (r×r)·(r × B·n) — with the n columns ordered
 * W_in (r·p) | W_rec (r·r) | b_rec (r) | h0 (r, if learned).
 *
 *   P_t = diag(σ'(a_t)) · (W_rec · P_{t−1} + I_t)
 *
 * where the immediate term I_t has, in row l, x_t in W_in's row-l columns,
 * φ_{t−1} in W_rec's row-l columns and 1 in b_rec's column l: the recurrent
 * term is Σ_m w_lm ∂φ_m(t−1)/∂θ with w_lm the weight INTO unit l.
 */

/**
 * One step for B sequences: pNext ← P_t from pPrev = P_{t−1}. If dPhi is not
 * NONE, also grad[n] += Σ_l Σ_b (∂L_t/∂φ_t)[b][l] · P_t[l][b][:].
 * phiPrev/phi/x/dPhi are one step's [B][r] / [B][r] / [B][p] / [B][r] blocks.
 */
export function rtrlStep(
  mem: Mem, pPrev: number, pNext: number, wRec: number, x: number, phiPrev: number, phi: number,
  dPhi: number, grad: number, batch: number, inputSize: number, hiddenSize: number, paramCount: number, act: number,
): void {
  const r = hiddenSize, p = inputSize, n = paramCount, rowWidth = batch * n;
  const wRecColumns = r * p, bRecColumns = wRecColumns + r * r;
  // The one large product, for the whole batch: W_rec (r×r) · P_{t−1} (r × B·n).
  matmulAB(mem, pNext, wRec, pPrev, r, rowWidth, r, 0);
  for (let l = 0; l < r; l++) {
    for (let b = 0; b < batch; b++) {
      const row = pNext + l * rowWidth + b * n;
      const xb = x + b * p, hb = phiPrev + b * r;
      for (let j = 0; j < p; j++) mem[row + l * p + j] += mem[xb + j];
      for (let m = 0; m < r; m++) mem[row + wRecColumns + l * r + m] += mem[hb + m];
      mem[row + bRecColumns + l] += 1;
      const d = derivative(mem[phi + b * r + l]!, act);
      for (let c = 0; c < n; c++) mem[row + c] *= d;
      if (dPhi !== NONE) {
        const e = mem[dPhi + b * r + l]!;
        if (e !== 0) for (let c = 0; c < n; c++) mem[grad + c] += e * mem[row + c];
      }
    }
  }
}

/** σ'(a) written in terms of y = σ(a). */
function derivative(y: number, act: number): number {
  switch (act) {
    case Act.sigmoid: return y * (1 - y);
    case Act.tanh: return 1 - y * y;
    case Act.relu: return y > 0 ? 1 : 0;
    default: return 1;
  }
}

/**
 * P_0 for B sequences: zero, except ∂φ_0/∂h0 = I in the h0 columns when the
 * initial state is the learned h0 (h0Column = NONE otherwise).
 */
export function rtrlInit(mem: Mem, p: number, batch: number, hiddenSize: number, paramCount: number, h0Column: number): void {
  const r = hiddenSize, n = paramCount;
  mem.fill(0, p, p + batch * r * n);
  if (h0Column === NONE) return;
  for (let l = 0; l < r; l++) for (let b = 0; b < batch; b++) mem[p + (l * batch + b) * n + h0Column + l] = 1;
}
