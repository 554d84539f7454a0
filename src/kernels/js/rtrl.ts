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

/** Adds the immediate term of gate row `row` (x_t, h_{t−1}, 1 in its b_rec column) into one row of the product. */
function immediate(
  mem: Mem, at: number, row: number, x: number, hPrev: number, p: number, r: number, wRecColumns: number, bRecColumns: number, withInput: boolean,
): void {
  if (withInput) {
    for (let j = 0; j < p; j++) mem[at + row * p + j] += mem[x + j]!;
    mem[at + bRecColumns + row] += 1;
  }
  for (let m = 0; m < r; m++) mem[at + wRecColumns + row * r + m] += mem[hPrev + m]!;
}

/**
 * One LSTM step for B sequences: P^h (pH) and P^c (pC) from t−1 to t, in
 * place; `a` is scratch for A_t = ∂a_t/∂θ, [4r][B][n]. x is x_t [B][p], hPrev
 * h_{t−1} [B][r], c the cell state c_{t−1} [B][r] with c_t right after it,
 * gates the activated i, f, g, o [B][4r], dH ∂L_t/∂h_t [B][r] or NONE.
 *   P^c_t = f∘P^c_{t−1} + g·i(1−i)∘A_i + c_{t−1}·f(1−f)∘A_f + i(1−g²)∘A_g
 *   P^h_t = tanh(c_t)·o(1−o)∘A_o + o(1 − tanh²c_t)∘P^c_t
 */
export function lstmRtrlStep(
  mem: Mem, pH: number, pC: number, a: number, wRec: number, x: number, hPrev: number, c: number, gates: number,
  dH: number, grad: number, batch: number, inputSize: number, hiddenSize: number, paramCount: number,
): void {
  const r = hiddenSize, p = inputSize, n = paramCount, G = 4 * r, rowWidth = batch * n, block = r * rowWidth;
  const wRecColumns = G * p, bRecColumns = wRecColumns + G * r;
  matmulAB(mem, a, wRec, pH, G, rowWidth, r, 0);
  for (let l = 0; l < r; l++) {
    for (let b = 0; b < batch; b++) {
      const gb = gates + b * G, xb = x + b * p, hb = hPrev + b * r, unit = (l * batch + b) * n;
      const ai = a + unit, af = ai + block, ag = af + block, ao = ag + block;
      for (let k = 0; k < 4; k++) immediate(mem, ai + k * block, k * r + l, xb, hb, p, r, wRecColumns, bRecColumns, true);
      const i = mem[gb + l]!, f = mem[gb + r + l]!, g = mem[gb + 2 * r + l]!, o = mem[gb + 3 * r + l]!;
      const tc = Math.tanh(mem[c + batch * r + b * r + l]!);
      const ki = g * i * (1 - i), kf = mem[c + b * r + l]! * f * (1 - f), kg = i * (1 - g * g);
      const ko = tc * o * (1 - o), kc = o * (1 - tc * tc);
      const ph = pH + unit, pc = pC + unit;
      for (let q = 0; q < n; q++) {
        const cell = f * mem[pc + q]! + ki * mem[ai + q]! + kf * mem[af + q]! + kg * mem[ag + q]!;
        mem[pc + q] = cell;
        mem[ph + q] = ko * mem[ao + q]! + kc * cell;
      }
      if (dH !== NONE) accumulate(mem, grad, ph, mem[dH + b * r + l]!, n);
    }
  }
}

/**
 * One GRU step for B sequences: P (pH) from t−1 to t, in place; `u` is
 * scratch for U_t = ∂u_t/∂θ, [3r][B][n]. x is x_t [B][p], hPrev h_{t−1}
 * [B][r], gates the activated r, z, n [B][3r], un ũ_n = W_hn·h_{t−1} + b_hn
 * [B][r], dH ∂L_t/∂h_t [B][r] or NONE. With c_n = (1 − z)(1 − n²):
 *   P_t = c_n·ũ_n·r(1−r)∘(A_r + U_r) + (h_{t−1} − n)·z(1−z)∘(A_z + U_z)
 *       + c_n∘A_n + c_n·r∘(U_n + [b_hn]) + z∘P_{t−1}
 * where A (input side) is only immediate: x_t in W_in's row, 1 in b_rec.
 */
export function gruRtrlStep(
  mem: Mem, pH: number, u: number, wRec: number, x: number, hPrev: number, gates: number, un: number,
  dH: number, grad: number, batch: number, inputSize: number, hiddenSize: number, paramCount: number,
): void {
  const r = hiddenSize, p = inputSize, n = paramCount, G = 3 * r, rowWidth = batch * n, block = r * rowWidth;
  const wRecColumns = G * p, bRecColumns = wRecColumns + G * r, bHnColumns = bRecColumns + G;
  matmulAB(mem, u, wRec, pH, G, rowWidth, r, 0);
  for (let l = 0; l < r; l++) {
    for (let b = 0; b < batch; b++) {
      const gb = gates + b * G, xb = x + b * p, hb = hPrev + b * r, unit = (l * batch + b) * n;
      const ur = u + unit, uz = ur + block, un3 = uz + block, ph = pH + unit;
      // The r and z gates see A + U: their input-side terms go into U's rows; the n gate's are added below.
      immediate(mem, ur, l, xb, hb, p, r, wRecColumns, bRecColumns, true);
      immediate(mem, uz, r + l, xb, hb, p, r, wRecColumns, bRecColumns, true);
      immediate(mem, un3, 2 * r + l, xb, hb, p, r, wRecColumns, bRecColumns, false);
      mem[un3 + bHnColumns + l] += 1;
      const rg = mem[gb + l]!, z = mem[gb + r + l]!, nn = mem[gb + 2 * r + l]!;
      const cn = (1 - z) * (1 - nn * nn), cr = cn * mem[un + b * r + l]! * rg * (1 - rg);
      const cz = (mem[hb + l]! - nn) * z * (1 - z), cu = cn * rg;
      for (let q = 0; q < n; q++) mem[ph + q] = cr * mem[ur + q]! + cz * mem[uz + q]! + cu * mem[un3 + q]! + z * mem[ph + q]!;
      const rowN = 2 * r + l;
      for (let j = 0; j < p; j++) mem[ph + rowN * p + j] += cn * mem[xb + j]!;
      mem[ph + bRecColumns + rowN] += cn;
      if (dH !== NONE) accumulate(mem, grad, ph, mem[dH + b * r + l]!, n);
    }
  }
}

/** grad[n] += e · row[n] (nothing when e is 0). */
function accumulate(mem: Mem, grad: number, row: number, e: number, n: number): void {
  if (e !== 0) for (let q = 0; q < n; q++) mem[grad + q] += e * mem[row + q]!;
}
