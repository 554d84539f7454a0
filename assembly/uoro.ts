import { matmulABt } from './core-imports';
import { at, get, put } from './memory';
import { tanh1 } from './rtrl';
import { sumSquares } from './vector';

// UORO (docs/theory.md (T60)–(T65)): a rank-one estimate s̃θ̃ᵀ of ∂s_t/∂θ per
// sequence. Layout, columns and equations in src/kernels/js/uoro.ts; byte
// addresses instead of offsets, 0 for "none".

/** ε in ρ0 and ρ1 (T64), as UORO_EPSILON in src/kernels/js/uoro.ts. */
const EPSILON: f64 = 1e-7;

/** LSTM, s = (h, c): J·s̃ and δ from ν = (ν_h, ν_c); see lstmUoroTangents in src/kernels/js/uoro.ts. */
export function lstmUoroTangents(state: usize, delta: usize, wRec: usize, c: usize, gates: usize, batch: i32, hiddenSize: i32): void {
  const r = hiddenSize, G = 4 * r, block = batch * r, jv = at(state, 2 * block), nu = at(jv, 2 * block);
  matmulABt(delta, state, wRec, batch, G, r, 0);
  for (let b = 0; b < batch; b++) {
    const gb = at(gates, b * G), db = at(delta, b * G);
    for (let j = 0; j < r; j++) {
      const i = get(gb, j), f = get(gb, r + j), g = get(gb, 2 * r + j), o = get(gb, 3 * r + j);
      const k = b * r + j, cPrev = get(c, k), tc = tanh1(get(c, block + k));
      const di = i * (1 - i), df = f * (1 - f), dg: f32 = 1 - g * g, dO = o * (1 - o), dtc = o * (1 - tc * tc);
      const dc = cPrev * df * get(db, r + j) + f * get(state, block + k) + g * di * get(db, j) + i * dg * get(db, 2 * r + j);
      put(jv, k, tc * dO * get(db, 3 * r + j) + dtc * dc);
      put(jv, block + k, dc);
      const nh = get(nu, k), e = get(nu, block + k) + nh * dtc;
      put(db, j, e * g * di);
      put(db, r + j, e * cPrev * df);
      put(db, 2 * r + j, e * i * dg);
      put(db, 3 * r + j, nh * tc * dO);
    }
  }
}

/** GRU: J·s̃, δ and δu from ν; see gruUoroTangents in src/kernels/js/uoro.ts. */
export function gruUoroTangents(state: usize, delta: usize, wRec: usize, hPrev: usize, gates: usize, un: usize, batch: i32, hiddenSize: i32): void {
  const r = hiddenSize, G = 3 * r, jv = at(state, batch * r), nu = at(jv, batch * r), deltaU = at(delta, batch * G);
  matmulABt(delta, state, wRec, batch, G, r, 0);
  for (let b = 0; b < batch; b++) {
    const gb = at(gates, b * G), db = at(delta, b * G);
    for (let j = 0; j < r; j++) {
      const rg = get(gb, j), z = get(gb, r + j), n = get(gb, 2 * r + j), k = b * r + j;
      const u = get(un, k), hp = get(hPrev, k), dr = rg * (1 - rg), dz = z * (1 - z), dn: f32 = 1 - n * n;
      const tr = dr * get(db, j), tz = dz * get(db, r + j);
      put(jv, k, (hp - n) * tz + (1 - z) * dn * (u * tr + rg * get(db, 2 * r + j)) + z * get(state, k));
      const v = get(nu, k), an = v * (1 - z) * dn;
      put(db, j, an * u * dr);
      put(db, r + j, v * (hp - n) * dz);
      put(db, 2 * r + j, an);
      put(deltaU, k, an * rg);
    }
  }
}

/**
 * y[i] ← s·y[i] + a·v[i] for i < n and, if `gradient`, g[i] += e·y[i] with g
 * at y + shift; returns Σ y[i]² of the values stored. One pass over y, f32x4
 * where the build has SIMD; the squares summed in f32 lanes, then in f64.
 */
function scaleAdd(y: usize, n: i32, s: f32, a: f32, v: usize, gradient: bool, shift: usize, e: f32): f64 {
  let i = 0;
  let sq: f64 = 0;
  if (ASC_FEATURE_SIMD) {
    const sv = f32x4.splat(s), av = f32x4.splat(a), ev = f32x4.splat(e);
    let acc = f32x4.splat(0);
    if (gradient) {
      for (; i + 4 <= n; i += 4) {
        const t = f32x4.add(f32x4.mul(sv, v128.load(at(y, i))), f32x4.mul(av, v128.load(at(v, i))));
        v128.store(at(y, i), t);
        acc = f32x4.add(acc, f32x4.mul(t, t));
        const g = at(y, i) + shift;
        v128.store(g, f32x4.add(v128.load(g), f32x4.mul(ev, t)));
      }
    } else {
      for (; i + 4 <= n; i += 4) {
        const t = f32x4.add(f32x4.mul(sv, v128.load(at(y, i))), f32x4.mul(av, v128.load(at(v, i))));
        v128.store(at(y, i), t);
        acc = f32x4.add(acc, f32x4.mul(t, t));
      }
    }
    sq = <f64>f32x4.extract_lane(acc, 0) + <f64>f32x4.extract_lane(acc, 1) + <f64>f32x4.extract_lane(acc, 2) + <f64>f32x4.extract_lane(acc, 3);
  }
  for (; i < n; i++) {
    const t = s * get(y, i) + a * get(v, i);
    put(y, i, t);
    sq += <f64>t * t;
    if (gradient) { const g = at(y, i) + shift; store<f32>(g, load<f32>(g) + e * t); }
  }
  return sq;
}

/**
 * The UORO update (T63)–(T65) for B sequences; see uoroUpdate in
 * src/kernels/js/uoro.ts. One pass over each sequence's θ̃ (the new θ̃, the
 * gradient and ‖θ̃‖² for the next step, kept in norms), f32x4 where the build
 * has SIMD.
 */
export function uoroUpdate(
  state: usize, thT: usize, norms: usize, delta: usize, x: usize, hPrev: usize, dH: usize, grad: usize,
  batch: i32, inputSize: i32, hiddenSize: i32, gates: i32, paramCount: i32,
): void {
  const p = inputSize, r = hiddenSize, n = paramCount, G = gates * r, gru = gates == 3, states = gates == 4 ? 2 : 1;
  const block = states * batch * r, deltaU = at(delta, batch * G), wRecColumns = G * p, bRecColumns = wRecColumns + G * r;
  const tail = bRecColumns + G + (gru ? r : 0);
  for (let b = 0; b < batch; b++) {
    const th = at(thT, b * n), xb = at(x, b * p), hb = at(hPrev, b * r), db = at(delta, b * G), ub = at(deltaU, b * r);
    let jvSq: f64 = 0, nuSq: f64 = 0;
    for (let k = 0; k < states; k++) {
      const s = at(state, (k * batch + b) * r);
      jvSq += sumSquares(at(s, block), r);
      nuSq += sumSquares(at(s, 2 * block), r);
    }
    const deltaSq = sumSquares(db, G), duSq: f64 = gru ? sumSquares(ub, r) : 0;
    const recSq: f64 = gru ? deltaSq - sumSquares(at(db, 2 * r), r) + duSq : deltaSq;
    const vjp = Math.sqrt(deltaSq * (sumSquares(xb, p) + 1) + recSq * sumSquares(hb, r) + duSq);
    const rho0 = Math.sqrt((Math.sqrt(<f64>get(norms, b)) + EPSILON) / (Math.sqrt(jvSq) + EPSILON));
    const rho1 = Math.sqrt((vjp + EPSILON) / (Math.sqrt(nuSq) + EPSILON));
    const inv0 = <f32>(1 / rho0), inv1 = <f32>(1 / rho1), r0 = <f32>rho0, r1 = <f32>rho1;
    let e: f32 = 0;
    for (let k = 0; k < states; k++) {
      const s = at(state, (k * batch + b) * r);
      for (let j = 0; j < r; j++) {
        const v = r0 * get(s, block + j) + r1 * get(s, 2 * block + j);
        put(s, j, v);
        if (k == 0 && dH != 0) e += get(dH, b * r + j) * v;
      }
    }
    // The gradient's columns are θ̃'s, at grad − th (wrapping: an address difference).
    const g = e != 0, shift = grad - th;
    let sq: f64 = 0;
    for (let q = 0; q < G; q++) sq += scaleAdd(at(th, q * p), p, inv0, get(db, q) * inv1, xb, g, shift, e);
    for (let q = 0; q < G; q++) {
      const d = (gru && q >= 2 * r ? get(ub, q - 2 * r) : get(db, q)) * inv1;
      sq += scaleAdd(at(th, wRecColumns + q * r), r, inv0, d, hb, g, shift, e);
    }
    sq += scaleAdd(at(th, bRecColumns), G, inv0, inv1, db, g, shift, e);
    if (gru) sq += scaleAdd(at(th, bRecColumns + G), r, inv0, inv1, ub, g, shift, e);
    // h0's and c0's columns: only scaled.
    sq += scaleAdd(at(th, tail), n - tail, inv0, 0, at(th, tail), g, shift, e);
    put(norms, b, <f32>sq);
  }
}
