import { derivative, tanhLanes } from './activation';
import { matmulAB } from './core-imports';
import { at, get, put } from './memory';
import { addInPlace, scaleInPlace } from './vector';

// Exact RTRL; sensitivities P [r][B][n], see src/kernels/js/rtrl.ts.

/** pNext ← P_t = diag(σ'(a_t))·(W_rec·P_{t−1} + I_t); grad += Σ_l Σ_b dφ[b][l]·P_t[l][b][:] unless dPhi is 0. */
export function rtrlStep(
  pPrev: usize, pNext: usize, wRec: usize, x: usize, phiPrev: usize, phi: usize,
  dPhi: usize, grad: usize, batch: i32, inputSize: i32, hiddenSize: i32, paramCount: i32, act: i32,
): void {
  const r = hiddenSize, p = inputSize, n = paramCount, rowWidth = batch * n;
  const wRecColumns = r * p, bRecColumns = wRecColumns + r * r;
  matmulAB(pNext, wRec, pPrev, r, rowWidth, r, 0);
  // The rest is O(r·B·n) and memory-bound: each row of P_t is scaled and
  // accumulated into grad in one pass, and rows that both feed grad go in
  // pairs, so grad is read and written once per two rows.
  for (let l = 0; l < r; l++) {
    let held: usize = 0, heldD: f32 = 0, heldE: f32 = 0; // a row waiting for a partner
    for (let b = 0; b < batch; b++) {
      const row = at(pNext, l * rowWidth + b * n);
      // The immediate term I_t: x_t in W_in's row l, φ_{t−1} in W_rec's row l, 1 in b_rec's column l.
      addInPlace(at(row, l * p), at(x, b * p), p);
      addInPlace(at(row, wRecColumns + l * r), at(phiPrev, b * r), r);
      put(row, bRecColumns + l, get(row, bRecColumns + l) + 1);
      const d = derivative(get(phi, b * r + l), act);
      const e: f32 = dPhi != 0 ? get(dPhi, b * r + l) : 0;
      if (e == 0) scaleInPlace(row, n, d);
      else if (held == 0) { held = row; heldD = d; heldE = e; }
      else { scaleAccumulate2(held, heldD, heldE, row, d, e, grad, n); held = 0; }
    }
    if (held != 0) scaleAccumulate(held, heldD, heldE, grad, n);
  }
}

/** row ← d·row, then grad += e·row, in one pass. */
function scaleAccumulate(row: usize, d: f32, e: f32, grad: usize, n: i32): void {
  let c = 0;
  if (ASC_FEATURE_SIMD) {
    const dv = f32x4.splat(d), ev = f32x4.splat(e);
    for (; c + 4 <= n; c += 4) {
      const v = f32x4.mul(v128.load(at(row, c)), dv);
      v128.store(at(row, c), v);
      v128.store(at(grad, c), f32x4.add(v128.load(at(grad, c)), f32x4.mul(ev, v)));
    }
  }
  for (; c < n; c++) {
    const v = get(row, c) * d;
    put(row, c, v);
    put(grad, c, get(grad, c) + e * v);
  }
}

/** scaleAccumulate of row0 then of row1, in one pass (the same sums in the same order). */
function scaleAccumulate2(row0: usize, d0: f32, e0: f32, row1: usize, d1: f32, e1: f32, grad: usize, n: i32): void {
  let c = 0;
  if (ASC_FEATURE_SIMD) {
    const dv0 = f32x4.splat(d0), ev0 = f32x4.splat(e0), dv1 = f32x4.splat(d1), ev1 = f32x4.splat(e1);
    for (; c + 4 <= n; c += 4) {
      const v0 = f32x4.mul(v128.load(at(row0, c)), dv0), v1 = f32x4.mul(v128.load(at(row1, c)), dv1);
      v128.store(at(row0, c), v0);
      v128.store(at(row1, c), v1);
      v128.store(at(grad, c), f32x4.add(f32x4.add(v128.load(at(grad, c)), f32x4.mul(ev0, v0)), f32x4.mul(ev1, v1)));
    }
  }
  for (; c < n; c++) {
    const v0 = get(row0, c) * d0, v1 = get(row1, c) * d1;
    put(row0, c, v0);
    put(row1, c, v1);
    put(grad, c, (get(grad, c) + e0 * v0) + e1 * v1);
  }
}

/** P_0: zero, with ∂φ_0/∂h0 = I in the h0 columns when h0Column ≥ 0. */
export function rtrlInit(p: usize, batch: i32, hiddenSize: i32, paramCount: i32, h0Column: i32): void {
  const r = hiddenSize, n = paramCount;
  memory.fill(p, 0, <usize>(batch * r * n) << 2);
  if (h0Column < 0) return;
  for (let l = 0; l < r; l++) for (let b = 0; b < batch; b++) put(p, (l * batch + b) * n + h0Column + l, 1);
}

// Exact RTRL for the gated cells; layout, columns and equations in src/kernels/js/rtrl.ts.

/** Adds the immediate term of gate row k (x_t and 1 in its W_in and b_rec columns if withInput, h_{t−1} in W_rec's) into one row. */
function immediate(row: usize, k: i32, xb: usize, hb: usize, p: i32, r: i32, wRecColumns: i32, bRecColumns: i32, withInput: bool): void {
  if (withInput) {
    combine2(at(row, k * p), at(row, k * p), 1, xb, 1, p);
    put(row, bRecColumns + k, get(row, bRecColumns + k) + 1);
  }
  combine2(at(row, wRecColumns + k * r), at(row, wRecColumns + k * r), 1, hb, 1, r);
}

/**
 * dst[q] ← c0·s0[q] + c1·s1[q]: combine4 with two zero terms, one loop in the
 * binary instead of two (the embedded module's size is budgeted). For finite
 * values the zero terms change nothing; a non-finite s1 gives NaN where the
 * JS twin may give ±Inf — both non-finite, which is all training checks.
 */
function combine2(dst: usize, s0: usize, c0: f32, s1: usize, c1: f32, n: i32): void {
  combine4(dst, s0, c0, s1, c1, s1, 0, s1, 0, n);
}

/** dst[q] ← c0·s0[q] + c1·s1[q] + c2·s2[q] + c3·s3[q] for q < n (dst may be a source). */
function combine4(dst: usize, s0: usize, c0: f32, s1: usize, c1: f32, s2: usize, c2: f32, s3: usize, c3: f32, n: i32): void {
  let q = 0;
  if (ASC_FEATURE_SIMD) {
    const v0 = f32x4.splat(c0), v1 = f32x4.splat(c1), v2 = f32x4.splat(c2), v3 = f32x4.splat(c3);
    for (; q + 4 <= n; q += 4) {
      v128.store(at(dst, q), f32x4.add(f32x4.add(f32x4.add(f32x4.mul(v0, v128.load(at(s0, q))), f32x4.mul(v1, v128.load(at(s1, q)))),
        f32x4.mul(v2, v128.load(at(s2, q)))), f32x4.mul(v3, v128.load(at(s3, q)))));
    }
  }
  for (; q < n; q++) put(dst, q, c0 * get(s0, q) + c1 * get(s1, q) + c2 * get(s2, q) + c3 * get(s3, q));
}

/** tanh of one value: the SIMD build's lanes (as its LSTM forward pass computes tanh c_t), else Mathf.tanh. */
export function tanh1(v: f32): f32 {
  if (ASC_FEATURE_SIMD) return f32x4.extract_lane(tanhLanes(f32x4.splat(v)), 0);
  return Mathf.tanh(v);
}

/** P^h, P^c from t−1 to t in place (a: scratch [4r][B][n]); grad += dH·P^h_t unless dH is 0. (T53) */
export function lstmRtrlStep(
  pH: usize, pC: usize, a: usize, wRec: usize, x: usize, hPrev: usize, c: usize, gates: usize,
  dH: usize, grad: usize, batch: i32, inputSize: i32, hiddenSize: i32, paramCount: i32,
): void {
  gatedRtrlStep(true, pH, pC, a, wRec, x, hPrev, c, gates, dH, grad, batch, inputSize, hiddenSize, paramCount);
}

/** P from t−1 to t in place (u: scratch [3r][B][n]); grad += dH·P_t unless dH is 0. (T53) */
export function gruRtrlStep(
  pH: usize, u: usize, wRec: usize, x: usize, hPrev: usize, gates: usize, un: usize,
  dH: usize, grad: usize, batch: i32, inputSize: i32, hiddenSize: i32, paramCount: i32,
): void {
  gatedRtrlStep(false, pH, 0, u, wRec, x, hPrev, un, gates, dH, grad, batch, inputSize, hiddenSize, paramCount);
}

/** Both gated steps (one copy of the loops): `c` is the LSTM's cell state, or the GRU's ũ_n. */
function gatedRtrlStep(
  lstm: bool, pH: usize, pC: usize, a: usize, wRec: usize, x: usize, hPrev: usize, c: usize, gates: usize,
  dH: usize, grad: usize, batch: i32, p: i32, r: i32, n: i32,
): void {
  const gateCount = lstm ? 4 : 3, G = gateCount * r, block = r * batch * n;
  const wRecColumns = G * p, bRecColumns = wRecColumns + G * r;
  matmulAB(a, wRec, pH, G, batch * n, r, 0);
  for (let l = 0; l < r; l++) {
    for (let b = 0; b < batch; b++) {
      const gb = at(gates, b * G), xb = at(x, b * p), hb = at(hPrev, b * r), unit = (l * batch + b) * n;
      const a0 = at(a, unit), a1 = at(a0, block), a2 = at(a1, block), ph = at(pH, unit);
      // The immediate terms (the GRU's n gate takes its input side below, outside r ∘ (·)).
      for (let k = 0; k < gateCount; k++) immediate(at(a0, k * block), k * r + l, xb, hb, p, r, wRecColumns, bRecColumns, lstm || k < 2);
      const g0 = get(gb, l), g1 = get(gb, r + l), g2 = get(gb, 2 * r + l), one: f32 = 1;
      if (lstm) {
        const i = g0, f = g1, g = g2, o = get(gb, 3 * r + l), tc = tanh1(get(c, batch * r + b * r + l)), pc = at(pC, unit);
        combine4(pc, pc, f, a0, g * i * (one - i), a1, get(c, b * r + l) * f * (one - f), a2, i * (one - g * g), n);
        combine2(ph, at(a2, block), tc * o * (one - o), pc, o * (one - tc * tc), n);
      } else {
        const rg = g0, z = g1, nn = g2, cn = (one - z) * (one - nn * nn), rowN = 2 * r + l;
        put(a2, bRecColumns + G + l, get(a2, bRecColumns + G + l) + 1); // b_hn's column, after b_rec's
        combine4(ph, a0, cn * get(c, b * r + l) * rg * (one - rg), a1, (get(hb, l) - nn) * z * (one - z), a2, cn * rg, ph, z, n);
        combine2(at(ph, rowN * p), at(ph, rowN * p), 1, xb, cn, p);
        put(ph, bRecColumns + rowN, get(ph, bRecColumns + rowN) + cn);
      }
      if (dH != 0) combine2(grad, grad, 1, ph, get(dH, b * r + l), n);
    }
  }
}
