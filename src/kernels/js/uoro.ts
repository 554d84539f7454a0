import { matmulABt } from './matmul.js';
import { NONE, type Mem } from './types.js';

/*
 * UORO (Tallec & Ollivier, ICLR 2018; docs/theory.md (T60)–(T65)): a rank-one
 * estimate s̃_t θ̃_tᵀ of the influence matrix ∂s_t/∂θ, per sequence. The state
 * s is h (Elman, GRU) or (h, c) (LSTM); θ the recurrent parameters in RTRL's
 * column order (src/kernels/js/rtrl.ts): W_in | W_rec | b_rec | b_hn (GRU) |
 * h0 | c0 (LSTM) (the learned states' columns when they are learned). Layout:
 *   state       s̃, then J·s̃, then ν, each [S][B][r]: S = 1 (h) or 2 (h, then c),
 *               state block k of sequence b at (k·B + b)·r
 *   θ̃           [B][n]
 *   δ           [B][G]      νᵀ∂F/∂a: the error at the gates' pre-activations (G = r, 4r, 3r),
 *               then, GRU only, [B][r] the error δu at ũ_n = W_hn·h_{t−1} + b_hn
 * The cell is told by its gate count (1 Elman, 4 LSTM, 3 GRU): S = 2 for the LSTM.
 * A step: ν from the core dropoutMask kernel (src/train/uoro.ts), J·s̃ and δ
 * ((T61)–(T62)) — for Elman from core kernels (a product and σ'), for the
 * gated cells by lstmUoroTangents and gruUoroTangents below — then
 * uoroUpdate (the norms, ρ0 and ρ1, the new s̃ and θ̃ and the gradient,
 * (T63)–(T65)). Nothing is allocated.
 */

/** ε in ρ0 and ρ1 (T64): keeps them finite and positive when a norm is zero (at the start, s̃ = θ̃ = 0 gives ρ0 = 1). */
export const UORO_EPSILON = 1e-7;

/**
 * The LSTM's tangents, s = (h, c): with u = W_rec·h̃ (into δ first),
 *   dc = c_{t−1}·f(1−f)·u_f + f·c̃ + g·i(1−i)·u_i + i(1−g²)·u_g,   dh = tanh(c_t)·o(1−o)·u_o + o(1−tanh²c_t)·dc
 * and δ from ν = (ν_h, ν_c), as lstmBackward with ν_c added to ∂c:
 *   e = ν_c + ν_h·o(1−tanh²c_t);  δ = (e·g·i(1−i), e·c_{t−1}·f(1−f), e·i(1−g²), ν_h·tanh(c_t)·o(1−o))
 * c is c_{t−1} [B][r] with c_t right after it; gates the activated i, f, g, o [B][4r].
 */
export function lstmUoroTangents(mem: Mem, state: number, delta: number, wRec: number, c: number, gates: number, batch: number, hiddenSize: number): void {
  const r = hiddenSize, G = 4 * r, block = batch * r, sT = state, jv = sT + 2 * block, nu = jv + 2 * block;
  matmulABt(mem, delta, sT, wRec, batch, G, r, 0);
  for (let b = 0; b < batch; b++) {
    const gb = gates + b * G, db = delta + b * G;
    for (let j = 0; j < r; j++) {
      const i = mem[gb + j]!, f = mem[gb + r + j]!, g = mem[gb + 2 * r + j]!, o = mem[gb + 3 * r + j]!;
      const cPrev = mem[c + b * r + j]!, tc = Math.tanh(mem[c + block + b * r + j]!), k = b * r + j;
      const di = i * (1 - i), df = f * (1 - f), dg = 1 - g * g, dO = o * (1 - o), dtc = o * (1 - tc * tc);
      const dc = cPrev * df * mem[db + r + j]! + f * mem[sT + block + k]! + g * di * mem[db + j]! + i * dg * mem[db + 2 * r + j]!;
      mem[jv + k] = tc * dO * mem[db + 3 * r + j]! + dtc * dc;
      mem[jv + block + k] = dc;
      const nh = mem[nu + k]!, e = mem[nu + block + k]! + nh * dtc;
      mem[db + j] = e * g * di;
      mem[db + r + j] = e * cPrev * df;
      mem[db + 2 * r + j] = e * i * dg;
      mem[db + 3 * r + j] = nh * tc * dO;
    }
  }
}

/**
 * The GRU's tangents: with u = W_hh·h̃ (into δ first; b_hn does not move),
 *   dr = r(1−r)·u_r,  dz = z(1−z)·u_z,  dn = (1−n²)·(ũ_n·dr + r·u_n),  dh = (h_{t−1} − n)·dz + (1−z)·dn + z·h̃
 * and δ from ν, as gruBackward: a_n' = ν(1−z)(1−n²);
 *   δ = (a_n'·ũ_n·r(1−r), ν(h_{t−1} − n)·z(1−z), a_n'),  δu = a_n'·r (the error at ũ_n: W_hn's rows and b_hn).
 * gates the activated r, z, n [B][3r]; un ũ_n [B][r]; hPrev h_{t−1} [B][r].
 */
export function gruUoroTangents(
  mem: Mem, state: number, delta: number, wRec: number, hPrev: number, gates: number, un: number, batch: number, hiddenSize: number,
): void {
  const r = hiddenSize, G = 3 * r, sT = state, jv = sT + batch * r, nu = jv + batch * r, deltaU = delta + batch * G;
  matmulABt(mem, delta, sT, wRec, batch, G, r, 0);
  for (let b = 0; b < batch; b++) {
    const gb = gates + b * G, db = delta + b * G;
    for (let j = 0; j < r; j++) {
      const rg = mem[gb + j]!, z = mem[gb + r + j]!, n = mem[gb + 2 * r + j]!, k = b * r + j;
      const u = mem[un + k]!, hp = mem[hPrev + k]!, dr = rg * (1 - rg), dz = z * (1 - z), dn = 1 - n * n;
      const tr = dr * mem[db + j]!, tz = dz * mem[db + r + j]!;
      mem[jv + k] = (hp - n) * tz + (1 - z) * dn * (u * tr + rg * mem[db + 2 * r + j]!) + z * mem[sT + k]!;
      const v = mem[nu + k]!, an = v * (1 - z) * dn;
      mem[db + j] = an * u * dr;
      mem[db + r + j] = v * (hp - n) * dz;
      mem[db + 2 * r + j] = an;
      mem[deltaU + k] = an * rg;
    }
  }
}

/**
 * The UORO update for B sequences (T63)–(T65), from jv = J·s̃_{t−1}, ν and the
 * gate errors δ (and δu, GRU). The vector-Jacobian product
 * νᵀ∂F/∂θ is, per sequence, δ ⊗ (x_t, h_{t−1}, 1) in W_in's, W_rec's and
 * b_rec's columns (the GRU's W_rec rows of the n gate and b_hn take δu), zero
 * in h0's and c0's; it is added into θ̃ without being stored, its norm taken
 * in closed form. Then
 *   ρ0 = √((‖θ̃‖ + ε)/(‖J·s̃‖ + ε)),  ρ1 = √((‖νᵀ∂F/∂θ‖ + ε)/(‖ν‖ + ε))
 *   s̃ ← ρ0·J·s̃ + ρ1·ν,  θ̃ ← θ̃/ρ0 + (νᵀ∂F/∂θ)/ρ1
 * and, if dH is not NONE, grad[n] += (∂L_t/∂h_t · s̃_t)·θ̃_t summed over the
 * sequences (only h reaches the loss). θ̃ is B·n values, far more than fit in
 * a cache at real sizes, so it is read and written once per step: the new θ̃,
 * its gradient term and its norm in one pass; norms [B] keeps ‖θ̃‖² for the
 * next step's ρ0 (start() sets it).
 */
export function uoroUpdate(
  mem: Mem, state: number, thT: number, norms: number, delta: number, x: number, hPrev: number, dH: number, grad: number,
  batch: number, inputSize: number, hiddenSize: number, gates: number, paramCount: number,
): void {
  const p = inputSize, r = hiddenSize, n = paramCount, G = gates * r, gru = gates === 3, states = gates === 4 ? 2 : 1;
  const block = states * batch * r, deltaU = delta + batch * G, wRecColumns = G * p, bRecColumns = wRecColumns + G * r;
  const tail = bRecColumns + G + (gru ? r : 0), hasGrad = dH !== NONE;
  for (let b = 0; b < batch; b++) {
    const th = thT + b * n, xb = x + b * p, hb = hPrev + b * r, db = delta + b * G, ub = deltaU + b * r;
    let jvSq = 0, nuSq = 0;
    for (let k = 0; k < states; k++) {
      const s = state + (k * batch + b) * r;
      jvSq += squares(mem, s + block, r);
      nuSq += squares(mem, s + 2 * block, r);
    }
    // ‖νᵀ∂F/∂θ‖²: ‖δ‖²(‖x‖² + 1) from W_in and b_rec, ‖δ_rec‖²‖h_{t−1}‖² from W_rec (the GRU's n block takes δu there), ‖δu‖² from b_hn.
    const deltaSq = squares(mem, db, G), duSq = gru ? squares(mem, ub, r) : 0;
    const recSq = gru ? deltaSq - squares(mem, db + 2 * r, r) + duSq : deltaSq;
    const vjp = Math.sqrt(deltaSq * (squares(mem, xb, p) + 1) + recSq * squares(mem, hb, r) + duSq);
    const rho0 = Math.sqrt((Math.sqrt(mem[norms + b]!) + UORO_EPSILON) / (Math.sqrt(jvSq) + UORO_EPSILON));
    const rho1 = Math.sqrt((vjp + UORO_EPSILON) / (Math.sqrt(nuSq) + UORO_EPSILON));
    const inv0 = 1 / rho0, inv1 = 1 / rho1;
    let e = 0;
    for (let k = 0; k < states; k++) {
      const s = state + (k * batch + b) * r;
      for (let j = 0; j < r; j++) {
        const v = rho0 * mem[s + block + j]! + rho1 * mem[s + 2 * block + j]!;
        mem[s + j] = v;
        if (k === 0 && hasGrad) e += mem[dH + b * r + j]! * v;
      }
    }
    // The gradient's columns are θ̃'s, at grad − th; none when no error reaches h_t.
    const g = e !== 0, shift = grad - th;
    let sq = 0;
    for (let q = 0; q < G; q++) sq += scaleAdd(mem, th + q * p, p, inv0, mem[db + q]! * inv1, xb, g, shift, e);
    for (let q = 0; q < G; q++) {
      const d = (gru && q >= 2 * r ? mem[ub + q - 2 * r]! : mem[db + q]!) * inv1;
      sq += scaleAdd(mem, th + wRecColumns + q * r, r, inv0, d, hb, g, shift, e);
    }
    sq += scaleAdd(mem, th + bRecColumns, G, inv0, inv1, db, g, shift, e);
    if (gru) sq += scaleAdd(mem, th + bRecColumns + G, r, inv0, inv1, ub, g, shift, e);
    // h0's and c0's columns: only scaled (F does not depend on them).
    sq += scaleAdd(mem, th + tail, n - tail, inv0, 0, th + tail, g, shift, e);
    mem[norms + b] = sq;
  }
}

/**
 * y[i] ← s·y[i] + a·v[i] for i < n, then, if `gradient`, the gradient at
 * y + shift: g[i] += e·y[i]. Returns Σ y[i]² of the values stored.
 */
function scaleAdd(mem: Mem, y: number, n: number, s: number, a: number, v: number, gradient: boolean, shift: number, e: number): number {
  let sq = 0;
  for (let i = 0; i < n; i++) {
    mem[y + i] = s * mem[y + i]! + a * mem[v + i]!;
    const t = mem[y + i]!;
    sq += t * t;
    if (gradient) mem[y + shift + i] = mem[y + shift + i]! + e * t;
  }
  return sq;
}

/** Σ x[i]² over n values. */
function squares(mem: Mem, x: number, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += mem[x + i]! * mem[x + i]!;
  return s;
}
