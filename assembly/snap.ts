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

/** One Elman step in place (T56): J ← σ'(a_u)·(W_rec[u][u]·J + s); grad += dH·J unless dH is 0. */
export function snapStep(
  j: usize, wRec: usize, x: usize, hPrev: usize, h: usize, dH: usize, grad: usize,
  batch: i32, inputSize: i32, hiddenSize: i32, paramCount: i32, act: i32,
): void {
  snapCell(1, j, 0, wRec, x, hPrev, h, 0, dH, grad, batch, inputSize, hiddenSize, paramCount, act);
}

/** One LSTM step: J^h, J^c in place (T57); grad += dH·J^h unless dH is 0. c: c_{t−1} with c_t after it. */
export function snapLstmStep(
  jH: usize, jC: usize, wRec: usize, x: usize, hPrev: usize, c: usize, gates: usize, dH: usize, grad: usize,
  batch: i32, inputSize: i32, hiddenSize: i32, paramCount: i32,
): void {
  snapCell(4, jH, jC, wRec, x, hPrev, c, gates, dH, grad, batch, inputSize, hiddenSize, paramCount, 0);
}

/** One GRU step: J in place (T58); grad += dH·J unless dH is 0. un: ũ_n. */
export function snapGruStep(
  jH: usize, wRec: usize, x: usize, hPrev: usize, gates: usize, un: usize, dH: usize, grad: usize,
  batch: i32, inputSize: i32, hiddenSize: i32, paramCount: i32,
): void {
  snapCell(3, jH, 0, wRec, x, hPrev, un, gates, dH, grad, batch, inputSize, hiddenSize, paramCount, 0);
}

/**
 * The three steps (one copy of the loops), by gate count: 1 Elman (state φ_t, act its σ), 4 LSTM (state c_{t−1}
 * then c_t), 3 GRU (state ũ_n). Columns per unit u: gate rows g·r + u of W_in, W_rec, b_rec; then b_hn (GRU),
 * h0 and c0 (LSTM) when n has them.
 */
function snapCell(
  gateCount: i32, jH: usize, jC: usize, wRec: usize, x: usize, hPrev: usize, state: usize, gates: usize, dH: usize, grad: usize,
  batch: i32, p: i32, r: i32, n: i32, act: i32,
): void {
  const G = gateCount * r, bRecColumns = G * (p + r), stateColumns = bRecColumns + G + (gateCount == 3 ? r : 0);
  const learned = n > stateColumns, gd: usize = dH != 0 ? grad : 0, diagonal = r * r, one: f32 = 1;
  for (let b = 0; b < batch; b++) {
    const jh = at(jH, b * n), jc = at(jC, b * n), gb = at(gates, b * G), xb = at(x, b * p), hb = at(hPrev, b * r);
    for (let u = 0; u < r; u++) {
      const w = at(wRec, u * (r + 1)), e: f32 = gd != 0 ? get(dH, b * r + u) : 0;
      if (gateCount == 4) {
        const i = get(gb, u), f = get(gb, r + u), g = get(gb, 2 * r + u), o = get(gb, 3 * r + u), tc = tanh1(get(state, batch * r + b * r + u));
        const ki = g * i * (one - i), kf = get(state, b * r + u) * f * (one - f), kg = i * (one - g * g), ko = tc * o * (one - o), kc = o * (one - tc * tc);
        const alpha = ki * get(w, 0) + kf * get(w, diagonal) + kg * get(w, 2 * diagonal), beta = ko * get(w, 3 * diagonal);
        for (let gate = 0; gate < 4; gate++) {
          const row = gate * r + u, kappaO: f32 = gate == 3 ? ko : 0, kappa: f32 = gate == 0 ? ki : gate == 1 ? kf : gate == 2 ? kg : 0;
          // W_in's row (s = x_t), W_rec's row (s = h_{t−1}), b_rec's column (s = 1).
          trace2(jh, jc, gd, row * p, xb, p, f, alpha, kappa, beta, kappaO, kc, e);
          trace2(jh, jc, gd, G * p + row * r, hb, r, f, alpha, kappa, beta, kappaO, kc, e);
          trace2(jh, jc, gd, bRecColumns + row, 0, 1, f, alpha, kappa, beta, kappaO, kc, e);
        }
        // h0 and c0 of unit u: no immediate term.
        if (learned) for (let col = stateColumns + u; col < n; col += r) trace2(jh, jc, gd, col, 0, 1, f, alpha, 0, beta, 0, kc, e);
        continue;
      }
      // Elman: decay σ'·W_rec[u][u], every coefficient σ'. GRU: the input side takes c_r, c_z, c_n, the hidden
      // side c_r, c_z, c_u (the reset gate scales W_hn·h_{t−1}), b_hn c_u.
      let decay: f32, cr: f32, cz: f32 = 0, cn: f32 = 0, cu: f32 = 0;
      if (gateCount == 1) {
        cr = derivative(get(state, b * r + u), act);
        decay = cr * get(w, 0);
      } else {
        const rg = get(gb, u), z = get(gb, r + u), nn = get(gb, 2 * r + u);
        cn = (one - z) * (one - nn * nn);
        cr = cn * get(state, b * r + u) * rg * (one - rg);
        cz = (get(hb, u) - nn) * z * (one - z);
        cu = cn * rg;
        decay = cr * get(w, 0) + cz * get(w, diagonal) + cu * get(w, 2 * diagonal) + z;
      }
      for (let gate = 0; gate < gateCount; gate++) {
        const row = gate * r + u, input: f32 = gate == 0 ? cr : gate == 1 ? cz : cn;
        trace(jh, gd, row * p, xb, p, decay, input, e);
        trace(jh, gd, G * p + row * r, hb, r, decay, gate == 2 ? cu : input, e);
        trace(jh, gd, bRecColumns + row, 0, 1, decay, input, e);
      }
      if (gateCount == 3) trace(jh, gd, bRecColumns + G + u, 0, 1, decay, cu, e); // b_hn
      if (learned) trace(jh, gd, stateColumns + u, 0, 1, decay, 0, e); // h0
    }
  }
}
