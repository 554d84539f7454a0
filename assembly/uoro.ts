import { derivative, tanhLanes } from './activation';
import { matmulABt } from './matmul';
import { at, get, put } from './memory';
import { scaleInPlace } from './vector';

// UORO (docs/theory.md (T60)–(T65)): a rank-one estimate s̃θ̃ᵀ of ∂s_t/∂θ per
// sequence. Layout, columns and equations in src/kernels/js/uoro.ts; byte
// addresses instead of offsets, 0 for "none".

/** ε in ρ0 and ρ1 (T64), as UORO_EPSILON in src/kernels/js/uoro.ts. */
const EPSILON: f64 = 1e-7;

// @ts-ignore: decorator
@inline function hash32(x: u32): u32 {
  x ^= x >> 16; x *= 0x7feb352d;
  x ^= x >> 15; x *= 0x846ca68b;
  x ^= x >> 16;
  return x;
}

/** tanh of one value: the SIMD build's lanes (as its LSTM forward pass computes tanh c_t), else Mathf.tanh. */
function tanh1(v: f32): f32 {
  if (ASC_FEATURE_SIMD) return f32x4.extract_lane(tanhLanes(f32x4.splat(v)), 0);
  return Mathf.tanh(v);
}

/** ν ∈ {±1} [S][B][r], a hash of (seed, draw, step, sequence id, unit). */
export function uoroNoise(nu: usize, ids: usize, batch: i32, hiddenSize: i32, states: i32, seed: u32, draw: u32, step: u32): void {
  const r = hiddenSize, base = hash32(hash32(hash32(seed) ^ draw) ^ step);
  for (let b = 0; b < batch; b++) {
    const key = hash32(base ^ <u32><i32>get(ids, b));
    for (let k = 0; k < states; k++) {
      const row = at(nu, (k * batch + b) * r);
      for (let j = 0; j < r; j++) put(row, j, hash32(key + <u32>(k * r + j) * 0x9e3779b9) >> 31 ? 1 : -1);
    }
  }
}

/** s̃_0, θ̃_0: zero, or ν in s̃ and in θ̃'s last S·r columns (the learned h0, c0) when `learned`. */
export function uoroInit(state: usize, thT: usize, batch: i32, hiddenSize: i32, states: i32, paramCount: i32, learned: i32): void {
  const r = hiddenSize, n = paramCount, size = states * batch * r, nu = at(state, 2 * size);
  memory.fill(thT, 0, <usize>(batch * n) << 2);
  if (!learned) { memory.fill(state, 0, <usize>size << 2); return; }
  memory.copy(state, nu, <usize>size << 2);
  const column = n - states * r;
  for (let b = 0; b < batch; b++) {
    for (let k = 0; k < states; k++) {
      for (let j = 0; j < r; j++) put(thT, b * n + column + k * r + j, get(nu, (k * batch + b) * r + j));
    }
  }
}

/** Elman: jv = σ'(a_t)∘(W_rec·s̃), δ = σ'(a_t)∘ν. */
export function elmanUoroTangents(state: usize, delta: usize, wRec: usize, phi: usize, batch: i32, hiddenSize: i32, act: i32): void {
  const r = hiddenSize, jv = at(state, batch * r), nu = at(jv, batch * r);
  matmulABt(jv, state, wRec, batch, r, r, 0);
  for (let i = 0; i < batch * r; i++) {
    const d = derivative(get(phi, i), act);
    put(jv, i, get(jv, i) * d);
    put(delta, i, get(nu, i) * d);
  }
}

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

/** Σ x[i]² over n values, in f64. */
function squares(x: usize, n: i32): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) { const v = <f64>get(x, i); s += v * v; }
  return s;
}

/** y[i] += a·x[i] for i < n. */
function axpy(y: usize, a: f32, x: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const av = f32x4.splat(a);
    for (; i + 4 <= n; i += 4) v128.store(at(y, i), f32x4.add(v128.load(at(y, i)), f32x4.mul(av, v128.load(at(x, i)))));
  }
  for (; i < n; i++) put(y, i, get(y, i) + a * get(x, i));
}

/** The UORO update (T63)–(T65) for B sequences; see uoroUpdate in src/kernels/js/uoro.ts. */
export function uoroUpdate(
  state: usize, thT: usize, delta: usize, x: usize, hPrev: usize, dH: usize, grad: usize,
  batch: i32, inputSize: i32, hiddenSize: i32, gates: i32, paramCount: i32,
): void {
  const p = inputSize, r = hiddenSize, n = paramCount, G = gates * r, gru = gates == 3, states = gates == 4 ? 2 : 1;
  const jv = at(state, states * batch * r), nu = at(jv, states * batch * r), deltaU = at(delta, batch * G);
  const wRecColumns = G * p, bRecColumns = wRecColumns + G * r;
  for (let b = 0; b < batch; b++) {
    const th = at(thT, b * n), xb = at(x, b * p), hb = at(hPrev, b * r), db = at(delta, b * G), ub = at(deltaU, b * r);
    const thetaSq = squares(th, n);
    let jvSq: f64 = 0, nuSq: f64 = 0;
    for (let k = 0; k < states; k++) {
      jvSq += squares(at(jv, (k * batch + b) * r), r);
      nuSq += squares(at(nu, (k * batch + b) * r), r);
    }
    const deltaSq = squares(db, G), xSq = squares(xb, p), hSq = squares(hb, r);
    const duSq: f64 = gru ? squares(ub, r) : 0;
    const deltaRecSq: f64 = gru ? squares(db, 2 * r) + duSq : deltaSq;
    const vjp = Math.sqrt(deltaSq * (xSq + 1) + deltaRecSq * hSq + duSq);
    const rho0 = Math.sqrt((Math.sqrt(thetaSq) + EPSILON) / (Math.sqrt(jvSq) + EPSILON));
    const rho1 = Math.sqrt((vjp + EPSILON) / (Math.sqrt(nuSq) + EPSILON));
    const inv0 = <f32>(1 / rho0), inv1 = <f32>(1 / rho1), r0 = <f32>rho0, r1 = <f32>rho1;
    let e: f32 = 0;
    for (let k = 0; k < states; k++) {
      const s = (k * batch + b) * r;
      for (let j = 0; j < r; j++) {
        const v = r0 * get(jv, s + j) + r1 * get(nu, s + j);
        put(state, s + j, v);
        if (k == 0 && dH != 0) e += get(dH, b * r + j) * v;
      }
    }
    scaleInPlace(th, n, inv0);
    for (let q = 0; q < G; q++) {
      const d = get(db, q) * inv1;
      const dr = gru && q >= 2 * r ? get(ub, q - 2 * r) * inv1 : d;
      if (d != 0) {
        axpy(at(th, q * p), d, xb, p);
        put(th, bRecColumns + q, get(th, bRecColumns + q) + d);
      }
      if (dr != 0) axpy(at(th, wRecColumns + q * r), dr, hb, r);
    }
    if (gru) axpy(at(th, bRecColumns + G), inv1, ub, r);
    if (e != 0) axpy(grad, e, th, n);
  }
}
