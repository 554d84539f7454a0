import { derivative, tanhLanes } from './activation';
import { at, get, put } from './memory';

// SnAp-1; traces J [B][n] in RTRL's column order, see src/kernels/js/snap.ts. docs/theory.md (T54)–(T59).

/**
 * J ← decay·J + coef·s over len columns from `column` (s from src; 1 when src is 0, which only single columns
 * use); grad += e·J unless grad is 0.
 */
function trace(j: usize, grad: usize, column: i32, src: usize, len: i32, decay: f32, coef: f32, e: f32): void {
  j = at(j, column);
  if (grad != 0) grad = at(grad, column);
  let q = 0;
  if (ASC_FEATURE_SIMD) {
    const dv = f32x4.splat(decay), cv = f32x4.splat(coef), ev = f32x4.splat(e);
    for (; q + 4 <= len; q += 4) {
      const v = f32x4.add(f32x4.mul(dv, v128.load(at(j, q))), f32x4.mul(cv, v128.load(at(src, q))));
      v128.store(at(j, q), v);
      if (grad != 0) v128.store(at(grad, q), f32x4.add(v128.load(at(grad, q)), f32x4.mul(ev, v)));
    }
  }
  for (; q < len; q++) {
    const v = decay * get(j, q) + coef * (src != 0 ? get(src, q) : <f32>1);
    put(j, q, v);
    if (grad != 0) put(grad, q, get(grad, q) + e * v);
  }
}

/** Gate row `row` of `rows` (G·r): its W_in columns (s = x_t, coefficient cIn), W_rec columns (h_{t−1}, cHid) and b_rec column (1, cIn). */
function traceRow(j: usize, grad: usize, row: i32, rows: i32, xb: usize, hb: usize, p: i32, r: i32, decay: f32, cIn: f32, cHid: f32, e: f32): void {
  trace(j, grad, row * p, xb, p, decay, cIn, e);
  trace(j, grad, rows * p + row * r, hb, r, decay, cHid, e);
  trace(j, grad, rows * (p + r) + row, 0, 1, decay, cIn, e);
}

/** The LSTM's pair (T57) over len columns from `column`: J^c ← f·J^c + α·J^h + κ·s, J^h ← β·J^h + κ_o·s + k_c·J^c; grad += e·J^h unless grad is 0. */
function trace2(
  jh: usize, jc: usize, grad: usize, column: i32, src: usize, len: i32, f: f32, alpha: f32, kappa: f32, beta: f32, kappaO: f32, kc: f32, e: f32,
): void {
  jh = at(jh, column);
  jc = at(jc, column);
  if (grad != 0) grad = at(grad, column);
  let q = 0;
  if (ASC_FEATURE_SIMD) {
    const fv = f32x4.splat(f), av = f32x4.splat(alpha), kv = f32x4.splat(kappa), bv = f32x4.splat(beta);
    const ov = f32x4.splat(kappaO), cv = f32x4.splat(kc), ev = f32x4.splat(e);
    for (; q + 4 <= len; q += 4) {
      const s = v128.load(at(src, q)), h = v128.load(at(jh, q));
      const c = f32x4.add(f32x4.add(f32x4.mul(fv, v128.load(at(jc, q))), f32x4.mul(av, h)), f32x4.mul(kv, s));
      const v = f32x4.add(f32x4.add(f32x4.mul(bv, h), f32x4.mul(ov, s)), f32x4.mul(cv, c));
      v128.store(at(jc, q), c);
      v128.store(at(jh, q), v);
      if (grad != 0) v128.store(at(grad, q), f32x4.add(v128.load(at(grad, q)), f32x4.mul(ev, v)));
    }
  }
  for (; q < len; q++) {
    const s: f32 = src != 0 ? get(src, q) : 1, h = get(jh, q);
    const c = f * get(jc, q) + alpha * h + kappa * s;
    const v = beta * h + kappaO * s + kc * c;
    put(jc, q, c);
    put(jh, q, v);
    if (grad != 0) put(grad, q, get(grad, q) + e * v);
  }
}

/** tanh of one value: the SIMD build's lanes (as its LSTM forward pass computes tanh c_t), else Mathf.tanh. */
function tanh1(v: f32): f32 {
  if (ASC_FEATURE_SIMD) return f32x4.extract_lane(tanhLanes(f32x4.splat(v)), 0);
  return Mathf.tanh(v);
}

/** Traces at the start: zero, with 1 in column `column` + u of unit u when column ≥ 0 (T55). */
export function snapInit(j: usize, batch: i32, hiddenSize: i32, paramCount: i32, column: i32): void {
  memory.fill(j, 0, <usize>(batch * paramCount) << 2);
  if (column < 0) return;
  for (let b = 0; b < batch; b++) for (let u = 0; u < hiddenSize; u++) put(j, b * paramCount + column + u, 1);
}

/** One Elman step in place (T54): J ← σ'(a_u)·(W_rec[u][u]·J + s); grad += dH·J unless dH is 0. */
export function snapStep(
  j: usize, wRec: usize, x: usize, hPrev: usize, h: usize, dH: usize, grad: usize,
  batch: i32, inputSize: i32, hiddenSize: i32, paramCount: i32, act: i32,
): void {
  const p = inputSize, r = hiddenSize, n = paramCount, bRecColumns = r * (p + r);
  const learned = n > bRecColumns + r, gd: usize = dH != 0 ? grad : 0;
  for (let b = 0; b < batch; b++) {
    const jb = at(j, b * n);
    for (let u = 0; u < r; u++) {
      const d = derivative(get(h, b * r + u), act), decay = d * get(wRec, u * r + u), e: f32 = gd != 0 ? get(dH, b * r + u) : 0;
      traceRow(jb, gd, u, r, at(x, b * p), at(hPrev, b * r), p, r, decay, d, d, e);
      if (learned) trace(jb, gd, bRecColumns + r + u, 0, 1, decay, 0, e);
    }
  }
}

/** One LSTM step: J^h, J^c in place (T56)–(T57); grad += dH·J^h unless dH is 0. */
export function snapLstmStep(
  jH: usize, jC: usize, wRec: usize, x: usize, hPrev: usize, c: usize, gates: usize, dH: usize, grad: usize,
  batch: i32, inputSize: i32, hiddenSize: i32, paramCount: i32,
): void {
  const p = inputSize, r = hiddenSize, n = paramCount, G = 4 * r, wRecColumns = G * p, bRecColumns = wRecColumns + G * r;
  const learned = n > bRecColumns + G, gd: usize = dH != 0 ? grad : 0, diagonal = r * r, one: f32 = 1;
  for (let b = 0; b < batch; b++) {
    const jh = at(jH, b * n), jc = at(jC, b * n), gb = at(gates, b * G);
    for (let u = 0; u < r; u++) {
      const i = get(gb, u), f = get(gb, r + u), g = get(gb, 2 * r + u), o = get(gb, 3 * r + u);
      const tc = tanh1(get(c, batch * r + b * r + u)), w = at(wRec, u * (r + 1));
      const ki = g * i * (one - i), kf = get(c, b * r + u) * f * (one - f), kg = i * (one - g * g), ko = tc * o * (one - o), kc = o * (one - tc * tc);
      const alpha = ki * get(w, 0) + kf * get(w, diagonal) + kg * get(w, 2 * diagonal), beta = ko * get(w, 3 * diagonal);
      const e: f32 = gd != 0 ? get(dH, b * r + u) : 0;
      for (let gate = 0; gate < 4; gate++) {
        const row = gate * r + u, kappaO: f32 = gate == 3 ? ko : 0;
        const kappa: f32 = gate == 0 ? ki : gate == 1 ? kf : gate == 2 ? kg : 0;
        // W_in's row (s = x_t), W_rec's row (s = h_{t−1}), b_rec's column (s = 1).
        trace2(jh, jc, gd, row * p, at(x, b * p), p, f, alpha, kappa, beta, kappaO, kc, e);
        trace2(jh, jc, gd, wRecColumns + row * r, at(hPrev, b * r), r, f, alpha, kappa, beta, kappaO, kc, e);
        trace2(jh, jc, gd, bRecColumns + row, 0, 1, f, alpha, kappa, beta, kappaO, kc, e);
      }
      // h0 and c0 of unit u: no immediate term.
      if (learned) for (let col = bRecColumns + G + u; col < n; col += r) trace2(jh, jc, gd, col, 0, 1, f, alpha, 0, beta, 0, kc, e);
    }
  }
}

/** One GRU step: J in place (T58); grad += dH·J unless dH is 0. */
export function snapGruStep(
  jH: usize, wRec: usize, x: usize, hPrev: usize, gates: usize, un: usize, dH: usize, grad: usize,
  batch: i32, inputSize: i32, hiddenSize: i32, paramCount: i32,
): void {
  const p = inputSize, r = hiddenSize, n = paramCount, G = 3 * r, bRecColumns = G * (p + r);
  const learned = n > bRecColumns + G + r, gd: usize = dH != 0 ? grad : 0, diagonal = r * r, one: f32 = 1;
  for (let b = 0; b < batch; b++) {
    const jb = at(jH, b * n), gb = at(gates, b * G);
    for (let u = 0; u < r; u++) {
      const rg = get(gb, u), z = get(gb, r + u), nn = get(gb, 2 * r + u), w = at(wRec, u * (r + 1));
      const cn = (one - z) * (one - nn * nn), cr = cn * get(un, b * r + u) * rg * (one - rg), cz = (get(hPrev, b * r + u) - nn) * z * (one - z), cu = cn * rg;
      const decay = cr * get(w, 0) + cz * get(w, diagonal) + cu * get(w, 2 * diagonal) + z;
      const e: f32 = gd != 0 ? get(dH, b * r + u) : 0;
      for (let gate = 0; gate < 3; gate++) {
        // The input side takes c_r, c_z, c_n; the hidden side c_r, c_z, c_u (the reset gate scales W_hn·h_{t−1}).
        const input: f32 = gate == 0 ? cr : gate == 1 ? cz : cn;
        traceRow(jb, gd, gate * r + u, G, at(x, b * p), at(hPrev, b * r), p, r, decay, input, gate == 2 ? cu : input, e);
      }
      trace(jb, gd, bRecColumns + G + u, 0, 1, decay, cu, e); // b_hn
      if (learned) trace(jb, gd, bRecColumns + G + r + u, 0, 1, decay, 0, e);
    }
  }
}
