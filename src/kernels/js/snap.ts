import { derivative } from './activation.js';
import { NONE, type Mem } from './types.js';

/*
 * SnAp-1 (Menick et al., ICLR 2021; docs/theory.md (T54)–(T59)): for each
 * recurrent parameter θ_k, only its influence on the one unit u it feeds
 * directly, an eligibility trace J[k] ≈ ∂h_u/∂θ_k (and J^c[k] ≈ ∂c_u/∂θ_k,
 * LSTM), updated with the diagonal of the recurrent Jacobian. Traces are laid
 * out [B][n], one per sequence and parameter, in RTRL's column order:
 *   W_in (G·r·p) | W_rec (G·r·r) | b_rec (G·r) | b_hn (r, GRU) | h0 (r) | c0 (r, LSTM)
 * — h0 (and c0) present when n says so (learned states). Row g·r + u of W_in,
 * W_rec and b_rec (gate g of unit u) feeds unit u. Every step is O(B·n):
 *   J ← γ·J + κ·s   (s: x_t for W_in, h_{t−1} for W_rec, 1 for the biases, 0 for h0, c0)
 * and, when dH is not NONE, grad[k] += Σ_b (∂L_t/∂h_t)[b][u]·J[b][k].
 */

/*
 * The loops: per stream b and unit u, the unit's coefficients once, then its
 * rows of W_in and W_rec (one loop each, no per-element test of the source or
 * the gradient), then its single columns (s = 1). Terms whose coefficient is 0
 * (κ_o for gates i, f, g; κ for gate o and the learned states) are left out,
 * as in assembly/snap.ts. The gradient adds the streams in order b = 0, 1, ….
 */

/** J ← decay·J + coef·s over `len` columns (j, grad, src: the first column's indices); grad += e·J unless grad is NONE. */
function run(mem: Mem, j: number, grad: number, src: number, len: number, decay: number, coef: number, e: number): void {
  if (grad === NONE) {
    for (let q = 0; q < len; q++) mem[j + q] = decay * mem[j + q]! + coef * mem[src + q]!;
    return;
  }
  for (let q = 0; q < len; q++) {
    const v = decay * mem[j + q]! + coef * mem[src + q]!;
    mem[j + q] = v;
    mem[grad + q] += e * v;
  }
}

/**
 * The LSTM's pair of traces over `len` columns (T57):
 *   J^c ← f·J^c + α·J^h + κ·s,   J^h ← β·J^h + κ_o·s + k_c·J^c (the new J^c);   grad += e·J^h (unless grad is NONE).
 */
function pair(
  mem: Mem, jh: number, jc: number, grad: number, src: number, len: number, f: number, alpha: number, kappa: number,
  beta: number, kappaO: number, kc: number, e: number,
): void {
  if (grad === NONE) {
    for (let q = 0; q < len; q++) {
      const s = mem[src + q]!, h = mem[jh + q]!;
      const c = f * mem[jc + q]! + alpha * h + kappa * s;
      mem[jc + q] = c;
      mem[jh + q] = beta * h + kappaO * s + kc * c;
    }
  } else if (kappaO === 0) {
    for (let q = 0; q < len; q++) {
      const h = mem[jh + q]!;
      const c = f * mem[jc + q]! + alpha * h + kappa * mem[src + q]!;
      const v = beta * h + kc * c;
      mem[jc + q] = c;
      mem[jh + q] = v;
      mem[grad + q] += e * v;
    }
  } else {
    for (let q = 0; q < len; q++) {
      const h = mem[jh + q]!;
      const c = f * mem[jc + q]! + alpha * h;
      const v = beta * h + kappaO * mem[src + q]! + kc * c;
      mem[jc + q] = c;
      mem[jh + q] = v;
      mem[grad + q] += e * v;
    }
  }
}

/** The pair on one single column (s = 1). */
function pairColumn(mem: Mem, jh: number, jc: number, grad: number, f: number, alpha: number, kappa: number, beta: number, kappaO: number, kc: number, e: number): void {
  const h = mem[jh]!;
  const c = f * mem[jc]! + alpha * h + kappa;
  const v = beta * h + kappaO + kc * c;
  mem[jc] = c;
  mem[jh] = v;
  if (grad !== NONE) mem[grad] += e * v;
}

/**
 * Traces at the start of B sequences: zero, except 1 in column `column` + u
 * of unit u (its own learned h0 or c0) when column is not NONE. (T55)
 */
export function snapInit(mem: Mem, j: number, batch: number, hiddenSize: number, paramCount: number, column: number): void {
  mem.fill(0, j, j + batch * paramCount);
  if (column === NONE) return;
  for (let b = 0; b < batch; b++) for (let u = 0; u < hiddenSize; u++) mem[j + b * paramCount + column + u] = 1;
}

/**
 * One Elman step for B sequences, in place (T56): J ← σ'(a_u)·(W_rec[u][u]·J + s).
 * x is x_t [B][p], hPrev φ_{t−1} [B][r], h φ_t [B][r], dH ∂L_t/∂φ_t [B][r] or NONE.
 */
export function snapStep(
  mem: Mem, j: number, wRec: number, x: number, hPrev: number, h: number, dH: number, grad: number,
  batch: number, inputSize: number, hiddenSize: number, paramCount: number, act: number,
): void {
  snapCell(mem, 1, j, NONE, wRec, x, hPrev, h, NONE, dH, grad, batch, inputSize, hiddenSize, paramCount, act);
}

/**
 * One LSTM step for B sequences: J^h (jH) and J^c (jC) in place (T57).
 * x is x_t [B][p], hPrev h_{t−1} [B][r], c the cell state c_{t−1} [B][r] with
 * c_t right after it, gates the activated i, f, g, o [B][4r], dH ∂L_t/∂h_t
 * [B][r] or NONE.
 */
export function snapLstmStep(
  mem: Mem, jH: number, jC: number, wRec: number, x: number, hPrev: number, c: number, gates: number, dH: number, grad: number,
  batch: number, inputSize: number, hiddenSize: number, paramCount: number,
): void {
  snapCell(mem, 4, jH, jC, wRec, x, hPrev, c, gates, dH, grad, batch, inputSize, hiddenSize, paramCount, 0);
}

/**
 * One GRU step for B sequences: J (jH) in place (T58). x is x_t [B][p], hPrev
 * h_{t−1} [B][r], gates the activated r, z, n [B][3r], un ũ_n = W_hn·h_{t−1} +
 * b_hn [B][r], dH ∂L_t/∂h_t [B][r] or NONE.
 */
export function snapGruStep(
  mem: Mem, jH: number, wRec: number, x: number, hPrev: number, gates: number, un: number, dH: number, grad: number,
  batch: number, inputSize: number, hiddenSize: number, paramCount: number,
): void {
  snapCell(mem, 3, jH, NONE, wRec, x, hPrev, un, gates, dH, grad, batch, inputSize, hiddenSize, paramCount, 0);
}

/**
 * The three steps, by gate count: 1 Elman (state φ_t, act its σ), 4 LSTM (state c_{t−1} then c_t), 3 GRU
 * (state ũ_n). Columns per unit u: gate rows g·r + u of W_in, W_rec, b_rec; then b_hn (GRU), h0 and c0 (LSTM)
 * when n has them. W_rec[g·r + u][u], gate g's diagonal entry for unit u, is r² after gate g − 1's.
 */
function snapCell(
  mem: Mem, gateCount: number, jH: number, jC: number, wRec: number, x: number, hPrev: number, state: number, gates: number,
  dH: number, grad: number, batch: number, p: number, r: number, n: number, act: number,
): void {
  const G = gateCount * r, bRecColumns = G * (p + r), stateColumns = bRecColumns + G + (gateCount === 3 ? r : 0);
  const learned = n > stateColumns, gd = dH === NONE ? NONE : grad, diagonal = r * r;
  const at = (k: number) => (gd === NONE ? NONE : gd + k);
  for (let b = 0; b < batch; b++) {
    const jh = jH + b * n, jc = jC + b * n, gb = gates + b * G, xb = x + b * p, hb = hPrev + b * r;
    for (let u = 0; u < r; u++) {
      const w = wRec + u * (r + 1), e = gd === NONE ? 0 : mem[dH + b * r + u]!;
      if (gateCount === 4) {
        const i = mem[gb + u]!, f = mem[gb + r + u]!, g = mem[gb + 2 * r + u]!, o = mem[gb + 3 * r + u]!, tc = Math.tanh(mem[state + batch * r + b * r + u]!);
        const ki = g * i * (1 - i), kf = mem[state + b * r + u]! * f * (1 - f), kg = i * (1 - g * g), ko = tc * o * (1 - o), kc = o * (1 - tc * tc);
        const alpha = ki * mem[w]! + kf * mem[w + diagonal]! + kg * mem[w + 2 * diagonal]!, beta = ko * mem[w + 3 * diagonal]!;
        for (let gate = 0; gate < 4; gate++) {
          const row = gate * r + u, kappaO = gate === 3 ? ko : 0, kappa = gate === 0 ? ki : gate === 1 ? kf : gate === 2 ? kg : 0;
          // W_in's row (s = x_t), W_rec's row (s = h_{t−1}), b_rec's column (s = 1).
          pair(mem, jh + row * p, jc + row * p, at(row * p), xb, p, f, alpha, kappa, beta, kappaO, kc, e);
          pair(mem, jh + G * p + row * r, jc + G * p + row * r, at(G * p + row * r), hb, r, f, alpha, kappa, beta, kappaO, kc, e);
          pairColumn(mem, jh + bRecColumns + row, jc + bRecColumns + row, at(bRecColumns + row), f, alpha, kappa, beta, kappaO, kc, e);
        }
        // h0 and c0 of unit u: no immediate term.
        if (learned) for (let col = stateColumns + u; col < n; col += r) pairColumn(mem, jh + col, jc + col, at(col), f, alpha, 0, beta, 0, kc, e);
        continue;
      }
      // Elman: decay σ'·W_rec[u][u], every coefficient σ'. GRU: the input side takes c_r, c_z, c_n, the hidden
      // side c_r, c_z, c_u (the reset gate scales W_hn·h_{t−1}), b_hn c_u.
      let decay: number, cr: number, cz = 0, cn = 0, cu = 0;
      if (gateCount === 1) {
        cr = derivative(mem[state + b * r + u]!, act);
        decay = cr * mem[w]!;
      } else {
        const rg = mem[gb + u]!, z = mem[gb + r + u]!, nn = mem[gb + 2 * r + u]!;
        cn = (1 - z) * (1 - nn * nn);
        cr = cn * mem[state + b * r + u]! * rg * (1 - rg);
        cz = (mem[hb + u]! - nn) * z * (1 - z);
        cu = cn * rg;
        decay = cr * mem[w]! + cz * mem[w + diagonal]! + cu * mem[w + 2 * diagonal]! + z;
      }
      for (let gate = 0; gate < gateCount; gate++) {
        const row = gate * r + u, input = gate === 0 ? cr : gate === 1 ? cz : cn;
        run(mem, jh + row * p, at(row * p), xb, p, decay, input, e);
        run(mem, jh + G * p + row * r, at(G * p + row * r), hb, r, decay, gate === 2 ? cu : input, e);
        single(mem, jh + bRecColumns + row, at(bRecColumns + row), decay, input, e);
      }
      if (gateCount === 3) single(mem, jh + bRecColumns + G + u, at(bRecColumns + G + u), decay, cu, e); // b_hn
      if (learned) single(mem, jh + stateColumns + u, at(stateColumns + u), decay, 0, e); // h0
    }
  }
}

/** One single column (s = 1): J ← decay·J + coef; grad += e·J unless grad is NONE. */
function single(mem: Mem, j: number, grad: number, decay: number, coef: number, e: number): void {
  const v = decay * mem[j]! + coef;
  mem[j] = v;
  if (grad !== NONE) mem[grad] += e * v;
}
