import { derivative } from './activation.js';
import { matmulAB } from './matmul.js';
import { NONE, type Mem } from './types.js';

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

/*
 * Exact RTRL for the gated cells (docs/theory.md (T48)–(T53)). The same
 * layout: sensitivities [r][B][n], unit-major; the columns are
 *   LSTM  W_in (4r·p) | W_rec (4r·r) | b_rec (4r) | h0 (r) | c0 (r)   (h0, c0 if learned)
 *   GRU   W_in (3r·p) | W_rec (3r·r) | b_rec (3r) | b_hn (r) | h0 (r)
 * Each step is ONE product W_rec (G·r × r) · P^h_{t−1} (r × B·n) into the
 * scratch `a` [G·r][B][n] (row k·r + l: gate k of unit l), the immediate
 * terms added into its rows, then a fused pass per (unit, sequence) that
 * combines the gate rows into the new sensitivities in place (row l of P_t
 * needs only row l of P_{t−1} and of the product) and accumulates
 * grad += (∂L_t/∂h_t)[b][l] · P^h_t[l][b][:] when dH is not NONE.
 */

/** Adds the immediate term of gate row `row` (x_t and 1 in its W_in and b_rec columns if withInput, h_{t−1} in W_rec's) into one row. */
function immediate(
  mem: Mem, at: number, row: number, x: number, hPrev: number, p: number, r: number, wRecColumns: number, bRecColumns: number, withInput: boolean,
): void {
  if (withInput) {
    combine2(mem, at + row * p, at + row * p, 1, x, 1, p);
    mem[at + bRecColumns + row] += 1;
  }
  combine2(mem, at + wRecColumns + row * r, at + wRecColumns + row * r, 1, hPrev, 1, r);
}

/** dst[q] ← c0·s0[q] + c1·s1[q] for q < n (dst may be a source). */
function combine2(mem: Mem, dst: number, s0: number, c0: number, s1: number, c1: number, n: number): void {
  for (let q = 0; q < n; q++) mem[dst + q] = c0 * mem[s0 + q]! + c1 * mem[s1 + q]!;
}

/** dst[q] ← c0·s0[q] + c1·s1[q] + c2·s2[q] + c3·s3[q] for q < n (dst may be a source). */
function combine4(mem: Mem, dst: number, s0: number, c0: number, s1: number, c1: number, s2: number, c2: number, s3: number, c3: number, n: number): void {
  for (let q = 0; q < n; q++) mem[dst + q] = c0 * mem[s0 + q]! + c1 * mem[s1 + q]! + c2 * mem[s2 + q]! + c3 * mem[s3 + q]!;
}

/**
 * One LSTM step for B sequences: P^h (pH) and P^c (pC) from t−1 to t, in
 * place; `a` is scratch for A_t = ∂a_t/∂θ, [4r][B][n]. x is x_t [B][p], hPrev
 * h_{t−1} [B][r], c the cell state c_{t−1} [B][r] with c_t right after it,
 * gates the activated i, f, g, o [B][4r], dH ∂L_t/∂h_t [B][r] or NONE.
 * (T53): P^c_t = f∘P^c_{t−1} + k_i∘A_i + k_f∘A_f + k_g∘A_g,  P^h_t = k_o∘A_o + k_c∘P^c_t
 */
export function lstmRtrlStep(
  mem: Mem, pH: number, pC: number, a: number, wRec: number, x: number, hPrev: number, c: number, gates: number,
  dH: number, grad: number, batch: number, inputSize: number, hiddenSize: number, paramCount: number,
): void {
  gatedRtrlStep(mem, true, pH, pC, a, wRec, x, hPrev, c, gates, dH, grad, batch, inputSize, hiddenSize, paramCount);
}

/**
 * One GRU step for B sequences: P (pH) from t−1 to t, in place; `u` is
 * scratch for U_t = ∂u_t/∂θ, [3r][B][n]. x is x_t [B][p], hPrev h_{t−1}
 * [B][r], gates the activated r, z, n [B][3r], un ũ_n = W_hn·h_{t−1} + b_hn
 * [B][r], dH ∂L_t/∂h_t [B][r] or NONE. (T53), with the input side A only
 * immediate (x_t in W_in's row, 1 in b_rec's column):
 *   P_t = c_r∘(A_r + U_r) + c_z∘(A_z + U_z) + c_n∘A_n + c_u∘∂ũ_n/∂θ + z∘P_{t−1}
 */
export function gruRtrlStep(
  mem: Mem, pH: number, u: number, wRec: number, x: number, hPrev: number, gates: number, un: number,
  dH: number, grad: number, batch: number, inputSize: number, hiddenSize: number, paramCount: number,
): void {
  gatedRtrlStep(mem, false, pH, NONE, u, wRec, x, hPrev, un, gates, dH, grad, batch, inputSize, hiddenSize, paramCount);
}

/** Both gated steps (one copy of the loops): `c` is the LSTM's cell state, or the GRU's ũ_n. */
function gatedRtrlStep(
  mem: Mem, lstm: boolean, pH: number, pC: number, a: number, wRec: number, x: number, hPrev: number, c: number, gates: number,
  dH: number, grad: number, batch: number, p: number, r: number, n: number,
): void {
  const gateCount = lstm ? 4 : 3, G = gateCount * r, block = r * batch * n;
  const wRecColumns = G * p, bRecColumns = wRecColumns + G * r;
  matmulAB(mem, a, wRec, pH, G, batch * n, r, 0);
  for (let l = 0; l < r; l++) {
    for (let b = 0; b < batch; b++) {
      const gb = gates + b * G, xb = x + b * p, hb = hPrev + b * r, unit = (l * batch + b) * n;
      const a0 = a + unit, a1 = a0 + block, a2 = a1 + block, ph = pH + unit;
      // The immediate terms. The r and z gates see A + U, so their input side goes into U's rows too; the n gate's
      // input side is outside r ∘ (·), added below.
      for (let k = 0; k < gateCount; k++) immediate(mem, a0 + k * block, k * r + l, xb, hb, p, r, wRecColumns, bRecColumns, lstm || k < 2);
      const g0 = mem[gb + l]!, g1 = mem[gb + r + l]!, g2 = mem[gb + 2 * r + l]!;
      if (lstm) {
        const i = g0, f = g1, g = g2, o = mem[gb + 3 * r + l]!, tc = Math.tanh(mem[c + batch * r + b * r + l]!), pc = pC + unit;
        combine4(mem, pc, pc, f, a0, g * i * (1 - i), a1, mem[c + b * r + l]! * f * (1 - f), a2, i * (1 - g * g), n);
        combine2(mem, ph, a2 + block, tc * o * (1 - o), pc, o * (1 - tc * tc), n);
      } else {
        const rg = g0, z = g1, nn = g2, cn = (1 - z) * (1 - nn * nn), rowN = 2 * r + l;
        mem[a2 + bRecColumns + G + l] += 1; // b_hn's column, after b_rec's
        combine4(mem, ph, a0, cn * mem[c + b * r + l]! * rg * (1 - rg), a1, (mem[hb + l]! - nn) * z * (1 - z), a2, cn * rg, ph, z, n);
        combine2(mem, ph + rowN * p, ph + rowN * p, 1, xb, cn, p);
        mem[ph + bRecColumns + rowN] += cn;
      }
      if (dH !== NONE) combine2(mem, grad, grad, 1, ph, mem[dH + b * r + l]!, n);
    }
  }
}
