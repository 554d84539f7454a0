import { derivative } from './activation';
import { matmulAB } from './matmul';
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
    addInPlace(at(row, k * p), xb, p);
    put(row, bRecColumns + k, get(row, bRecColumns + k) + 1);
  }
  addInPlace(at(row, wRecColumns + k * r), hb, r);
}

/** grad[n] += e·row[n], unless e is 0. */
function accumulate(grad: usize, row: usize, e: f32, n: i32): void {
  if (e == 0) return;
  let q = 0;
  if (ASC_FEATURE_SIMD) {
    const ev = f32x4.splat(e);
    for (; q + 4 <= n; q += 4) v128.store(at(grad, q), f32x4.add(v128.load(at(grad, q)), f32x4.mul(ev, v128.load(at(row, q)))));
  }
  for (; q < n; q++) put(grad, q, get(grad, q) + e * get(row, q));
}

/** P^h, P^c from t−1 to t in place (a: scratch [4r][B][n]); grad += dH·P^h_t unless dH is 0. */
export function lstmRtrlStep(
  pH: usize, pC: usize, a: usize, wRec: usize, x: usize, hPrev: usize, c: usize, gates: usize,
  dH: usize, grad: usize, batch: i32, inputSize: i32, hiddenSize: i32, paramCount: i32,
): void {
  const r = hiddenSize, p = inputSize, n = paramCount, G = 4 * r, rowWidth = batch * n, block = r * rowWidth;
  const wRecColumns = G * p, bRecColumns = wRecColumns + G * r;
  matmulAB(a, wRec, pH, G, rowWidth, r, 0);
  for (let l = 0; l < r; l++) {
    for (let b = 0; b < batch; b++) {
      const gb = at(gates, b * G), xb = at(x, b * p), hb = at(hPrev, b * r), unit = (l * batch + b) * n;
      const ai = at(a, unit), af = at(ai, block), ag = at(af, block), ao = at(ag, block);
      for (let k = 0; k < 4; k++) immediate(at(ai, k * block), k * r + l, xb, hb, p, r, wRecColumns, bRecColumns, true);
      const i = get(gb, l), f = get(gb, r + l), g = get(gb, 2 * r + l), o = get(gb, 3 * r + l);
      const tc = Mathf.tanh(get(c, batch * r + b * r + l));
      const ki = g * i * (1 - i), kf = get(c, b * r + l) * f * (1 - f), kg = i * (1 - g * g);
      const ko = tc * o * (1 - o), kc = o * (1 - tc * tc);
      const ph = at(pH, unit), pc = at(pC, unit);
      let q = 0;
      if (ASC_FEATURE_SIMD) {
        const fv = f32x4.splat(f), iv = f32x4.splat(ki), fg = f32x4.splat(kf), gv = f32x4.splat(kg), ov = f32x4.splat(ko), cv = f32x4.splat(kc);
        for (; q + 4 <= n; q += 4) {
          const cell = f32x4.add(f32x4.add(f32x4.add(f32x4.mul(fv, v128.load(at(pc, q))), f32x4.mul(iv, v128.load(at(ai, q)))),
            f32x4.mul(fg, v128.load(at(af, q)))), f32x4.mul(gv, v128.load(at(ag, q))));
          v128.store(at(pc, q), cell);
          v128.store(at(ph, q), f32x4.add(f32x4.mul(ov, v128.load(at(ao, q))), f32x4.mul(cv, cell)));
        }
      }
      for (; q < n; q++) {
        const cell = f * get(pc, q) + ki * get(ai, q) + kf * get(af, q) + kg * get(ag, q);
        put(pc, q, cell);
        put(ph, q, ko * get(ao, q) + kc * cell);
      }
      if (dH != 0) accumulate(grad, ph, get(dH, b * r + l), n);
    }
  }
}

/** P from t−1 to t in place (u: scratch [3r][B][n]); grad += dH·P_t unless dH is 0. */
export function gruRtrlStep(
  pH: usize, u: usize, wRec: usize, x: usize, hPrev: usize, gates: usize, un: usize,
  dH: usize, grad: usize, batch: i32, inputSize: i32, hiddenSize: i32, paramCount: i32,
): void {
  const r = hiddenSize, p = inputSize, n = paramCount, G = 3 * r, rowWidth = batch * n, block = r * rowWidth;
  const wRecColumns = G * p, bRecColumns = wRecColumns + G * r, bHnColumns = bRecColumns + G;
  matmulAB(u, wRec, pH, G, rowWidth, r, 0);
  for (let l = 0; l < r; l++) {
    for (let b = 0; b < batch; b++) {
      const gb = at(gates, b * G), xb = at(x, b * p), hb = at(hPrev, b * r), unit = (l * batch + b) * n;
      const ur = at(u, unit), uz = at(ur, block), u3 = at(uz, block), ph = at(pH, unit);
      immediate(ur, l, xb, hb, p, r, wRecColumns, bRecColumns, true);
      immediate(uz, r + l, xb, hb, p, r, wRecColumns, bRecColumns, true);
      immediate(u3, 2 * r + l, xb, hb, p, r, wRecColumns, bRecColumns, false);
      put(u3, bHnColumns + l, get(u3, bHnColumns + l) + 1);
      const rg = get(gb, l), z = get(gb, r + l), nn = get(gb, 2 * r + l);
      const cn: f32 = (1 - z) * (1 - nn * nn), cr = cn * get(un, b * r + l) * rg * (1 - rg);
      const cz: f32 = (get(hb, l) - nn) * z * (1 - z), cu: f32 = cn * rg;
      let q = 0;
      if (ASC_FEATURE_SIMD) {
        const rv = f32x4.splat(cr), zv = f32x4.splat(cz), uv = f32x4.splat(cu), keep = f32x4.splat(z);
        for (; q + 4 <= n; q += 4) {
          v128.store(at(ph, q), f32x4.add(f32x4.add(f32x4.add(f32x4.mul(rv, v128.load(at(ur, q))), f32x4.mul(zv, v128.load(at(uz, q)))),
            f32x4.mul(uv, v128.load(at(u3, q)))), f32x4.mul(keep, v128.load(at(ph, q)))));
        }
      }
      for (; q < n; q++) put(ph, q, cr * get(ur, q) + cz * get(uz, q) + cu * get(u3, q) + z * get(ph, q));
      const rowN = 2 * r + l;
      for (let j = 0; j < p; j++) put(ph, rowN * p + j, get(ph, rowN * p + j) + cn * get(xb, j));
      put(ph, bRecColumns + rowN, get(ph, bRecColumns + rowN) + cn);
      if (dH != 0) accumulate(grad, ph, get(dH, b * r + l), n);
    }
  }
}
