import { derivative, ld, st, tanhLanes } from './activation';
import { at, get, put } from './memory';

// SnAp-1; traces J [B][n] in RTRL's column order, see src/kernels/js/snap.ts. docs/theory.md (T54)–(T59).
//
// Each trace value is read and written once a step (the LSTM's J^h and J^c in one pass) and each stream's gradient
// term added as it is made; the traces stream through memory, but the loops, not the memory, set the pace (a loop
// that only scales the M LSTM's 24 MiB of traces in place takes 0.6–0.8 ms here, this kernel's bare row loop
// 1.2–1.3 ms: 15 operations per 4 columns). So the work around the vector loops is what is cut: per stream b and
// unit u the coefficients are computed once (the LSTM's four units at a time, tanh c_t on four lanes) and splat
// once, one call does all of the unit's rows of W_in and W_rec, no loop tests whether a gradient or a source row
// is there, terms with a zero coefficient (κ_o outside gate o, κ in it and for the learned states) are left out,
// the LSTM's single columns (b_rec, h0, c0: s = 1) go four units to a vector, and the row loops do two vectors a
// turn. Every trace value and gradient column gets the same operations in the same order as in the plain loops
// (the gradient adds the streams in order b = 0, 1, …; a left-out term is +0), so the results are theirs. Measured
// alternatives, slower here: streams innermost (the gradient in registers; the rows of B streams at once defeat
// the prefetchers), the traces in memory order (the coefficients recomputed for each of a unit's 14 rows), two
// streams side by side in the LSTM's loops (register spills). Two Elman or GRU streams side by side (each gradient
// vector read and written once for both) were 8–10 % faster, but their code put rnnkit/online over its 20 kB
// budget (scripts/size.mjs).

/** s = 1 for the single columns (b_rec, b_hn, h0, c0), read like a row of x_t or h_{t−1}. Read only. */
const ONE: usize = memory.data<f32>([1]);

/** J ← decay·J + coef·s over len columns (j, s, grad: the first column's addresses); grad += e·J unless grad is 0. */
function run(j: usize, grad: usize, src: usize, len: i32, decay: f32, coef: f32, e: f32): void {
  const end = j + (<usize>len << 2);
  if (grad != 0) {
    if (ASC_FEATURE_SIMD) {
      const dv = f32x4.splat(decay), cv = f32x4.splat(coef), ev = f32x4.splat(e);
      for (; j + 16 <= end; j += 16, src += 16, grad += 16) {
        const v = f32x4.add(f32x4.mul(dv, v128.load(j)), f32x4.mul(cv, v128.load(src)));
        v128.store(j, v);
        v128.store(grad, f32x4.add(v128.load(grad), f32x4.mul(ev, v)));
      }
    }
    for (; j < end; j += 4, src += 4, grad += 4) {
      const v = decay * load<f32>(j) + coef * load<f32>(src);
      store<f32>(j, v);
      store<f32>(grad, load<f32>(grad) + e * v);
    }
    return;
  }
  if (ASC_FEATURE_SIMD) {
    const dv = f32x4.splat(decay), cv = f32x4.splat(coef);
    for (; j + 16 <= end; j += 16, src += 16) v128.store(j, f32x4.add(f32x4.mul(dv, v128.load(j)), f32x4.mul(cv, v128.load(src))));
  }
  for (; j < end; j += 4, src += 4) store<f32>(j, decay * load<f32>(j) + coef * load<f32>(src));
}

/**
 * The LSTM's pair (T57) over len columns: J^c ← f·J^c + α·J^h + κ·s, J^h ← β·J^h + κ_o·s + k_c·J^c (the new
 * J^c); grad += e·J^h. Gates i, f, g (κ_o = 0) and the learned states (κ = κ_o = 0): the κ_o·s term left out.
 */
function pairInput(jh: usize, jc: usize, grad: usize, src: usize, len: i32, f: f32, alpha: f32, kappa: f32, beta: f32, kc: f32, e: f32): void {
  const end = jh + (<usize>len << 2);
  if (ASC_FEATURE_SIMD) {
    const fv = f32x4.splat(f), av = f32x4.splat(alpha), kv = f32x4.splat(kappa), bv = f32x4.splat(beta), cv = f32x4.splat(kc), ev = f32x4.splat(e);
    for (; jh + 16 <= end; jh += 16, jc += 16, src += 16, grad += 16) {
      const h = v128.load(jh);
      const c = f32x4.add(f32x4.add(f32x4.mul(fv, v128.load(jc)), f32x4.mul(av, h)), f32x4.mul(kv, v128.load(src)));
      const v = f32x4.add(f32x4.mul(bv, h), f32x4.mul(cv, c));
      v128.store(jc, c);
      v128.store(jh, v);
      v128.store(grad, f32x4.add(v128.load(grad), f32x4.mul(ev, v)));
    }
  }
  for (; jh < end; jh += 4, jc += 4, src += 4, grad += 4) {
    const h = load<f32>(jh);
    const c = f * load<f32>(jc) + alpha * h + kappa * load<f32>(src);
    const v = beta * h + kc * c;
    store<f32>(jc, c);
    store<f32>(jh, v);
    store<f32>(grad, load<f32>(grad) + e * v);
  }
}

/** pairInput for gate o (κ = 0): J^c ← f·J^c + α·J^h, J^h ← β·J^h + κ_o·s + k_c·J^c; grad += e·J^h. */
function pairOutput(jh: usize, jc: usize, grad: usize, src: usize, len: i32, f: f32, alpha: f32, beta: f32, kappaO: f32, kc: f32, e: f32): void {
  const end = jh + (<usize>len << 2);
  if (ASC_FEATURE_SIMD) {
    const fv = f32x4.splat(f), av = f32x4.splat(alpha), bv = f32x4.splat(beta), ov = f32x4.splat(kappaO), cv = f32x4.splat(kc), ev = f32x4.splat(e);
    for (; jh + 16 <= end; jh += 16, jc += 16, src += 16, grad += 16) {
      const h = v128.load(jh);
      const c = f32x4.add(f32x4.mul(fv, v128.load(jc)), f32x4.mul(av, h));
      const v = f32x4.add(f32x4.add(f32x4.mul(bv, h), f32x4.mul(ov, v128.load(src))), f32x4.mul(cv, c));
      v128.store(jc, c);
      v128.store(jh, v);
      v128.store(grad, f32x4.add(v128.load(grad), f32x4.mul(ev, v)));
    }
  }
  for (; jh < end; jh += 4, jc += 4, src += 4, grad += 4) {
    const h = load<f32>(jh);
    const c = f * load<f32>(jc) + alpha * h;
    const v = beta * h + kappaO * load<f32>(src) + kc * c;
    store<f32>(jc, c);
    store<f32>(jh, v);
    store<f32>(grad, load<f32>(grad) + e * v);
  }
}

/** The pair without a gradient (dH is 0): both immediate terms. */
function pairPlain(jh: usize, jc: usize, src: usize, len: i32, f: f32, alpha: f32, kappa: f32, beta: f32, kappaO: f32, kc: f32): void {
  const end = jh + (<usize>len << 2);
  if (ASC_FEATURE_SIMD) {
    const fv = f32x4.splat(f), av = f32x4.splat(alpha), kv = f32x4.splat(kappa), bv = f32x4.splat(beta), ov = f32x4.splat(kappaO), cv = f32x4.splat(kc);
    for (; jh + 16 <= end; jh += 16, jc += 16, src += 16) {
      const s = v128.load(src), h = v128.load(jh);
      const c = f32x4.add(f32x4.add(f32x4.mul(fv, v128.load(jc)), f32x4.mul(av, h)), f32x4.mul(kv, s));
      v128.store(jc, c);
      v128.store(jh, f32x4.add(f32x4.add(f32x4.mul(bv, h), f32x4.mul(ov, s)), f32x4.mul(cv, c)));
    }
  }
  for (; jh < end; jh += 4, jc += 4, src += 4) {
    const s = load<f32>(src), h = load<f32>(jh);
    const c = f * load<f32>(jc) + alpha * h + kappa * s;
    store<f32>(jc, c);
    store<f32>(jh, beta * h + kappaO * s + kc * c);
  }
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
  snapCell(1, j, wRec, x, hPrev, h, 0, dH, grad, batch, inputSize, hiddenSize, paramCount, act);
}

/** One LSTM step: J^h, J^c in place (T57); grad += dH·J^h unless dH is 0. c: c_{t−1} with c_t after it. */
export function snapLstmStep(
  jH: usize, jC: usize, wRec: usize, x: usize, hPrev: usize, c: usize, gates: usize, dH: usize, grad: usize,
  batch: i32, inputSize: i32, hiddenSize: i32, paramCount: i32,
): void {
  const p = inputSize, r = hiddenSize, n = paramCount, G = 4 * r, bRecColumns = G * (p + r), stateColumns = bRecColumns + G;
  const learned = n > stateColumns, gd: usize = dH != 0 ? grad : 0, diagonal = r * r, one: f32 = 1;
  for (let b = 0; b < batch; b++) {
    const jh = at(jH, b * n), jc = at(jC, b * n), gb = at(gates, b * G), xb = at(x, b * p), hb = at(hPrev, b * r);
    const cPrev = at(c, b * r), cNow = at(c, (batch + b) * r), db = at(dH, b * r);
    for (let u0 = 0; u0 < r; u0 += 4) {
      const k = min(4, r - u0);
      if (ASC_FEATURE_SIMD) {
        // Units u0 … u0 + k − 1 in lanes: their coefficients (the scalar path's operations, lane by lane), the single
        // columns (b_rec, h0, c0: consecutive units side by side), then each unit's rows of W_in and W_rec.
        let wi = f32x4.splat(0), wf = f32x4.splat(0), wg = f32x4.splat(0), wo = f32x4.splat(0);
        for (let l = 0; l < k; l++) {
          const w = at(wRec, (u0 + l) * (r + 1));
          wi = lane(wi, l, get(w, 0));
          wf = lane(wf, l, get(w, diagonal));
          wg = lane(wg, l, get(w, 2 * diagonal));
          wo = lane(wo, l, get(w, 3 * diagonal));
        }
        const ones = f32x4.splat(1);
        const i = ld(at(gb, u0), k), f = ld(at(gb, r + u0), k), g = ld(at(gb, 2 * r + u0), k), o = ld(at(gb, 3 * r + u0), k);
        const tc = tanhLanes(ld(at(cNow, u0), k));
        const ki = f32x4.mul(f32x4.mul(g, i), f32x4.sub(ones, i)), kf = f32x4.mul(f32x4.mul(ld(at(cPrev, u0), k), f), f32x4.sub(ones, f));
        const kg = f32x4.mul(i, f32x4.sub(ones, f32x4.mul(g, g))), ko = f32x4.mul(f32x4.mul(tc, o), f32x4.sub(ones, o));
        const kc = f32x4.mul(o, f32x4.sub(ones, f32x4.mul(tc, tc)));
        const alpha = f32x4.add(f32x4.add(f32x4.mul(ki, wi), f32x4.mul(kf, wf)), f32x4.mul(kg, wg)), beta = f32x4.mul(ko, wo);
        const e = gd != 0 ? ld(at(db, u0), k) : f32x4.splat(0);
        // s = 1: κ·s is κ. Gates i, f, g and the learned states have κ_o = 0, gate o and the learned states κ = 0.
        for (let gate = 0; gate < 4; gate++) {
          const kappa = gate == 0 ? ki : gate == 1 ? kf : gate == 2 ? kg : f32x4.splat(0);
          pairColumns(jh, jc, gd, bRecColumns + gate * r + u0, k, f, alpha, kappa, beta, gate == 3 ? ko : f32x4.splat(0), kc, e, gate != 3, gate == 3);
        }
        if (learned) {
          pairColumns(jh, jc, gd, stateColumns + u0, k, f, alpha, f32x4.splat(0), beta, f32x4.splat(0), kc, e, false, false);
          pairColumns(jh, jc, gd, stateColumns + r + u0, k, f, alpha, f32x4.splat(0), beta, f32x4.splat(0), kc, e, false, false);
        }
        let fl = f, al = alpha, bl = beta, cl = kc, el = e, il = ki, lf = kf, gl = kg, ol = ko;
        for (let l = 0; l < k; l++) {
          lstmRows(jh, jc, gd, xb, hb, p, r, u0 + l, f32x4.extract_lane(fl, 0), f32x4.extract_lane(al, 0), f32x4.extract_lane(bl, 0),
            f32x4.extract_lane(cl, 0), f32x4.extract_lane(el, 0), f32x4.extract_lane(il, 0), f32x4.extract_lane(lf, 0), f32x4.extract_lane(gl, 0),
            f32x4.extract_lane(ol, 0));
          fl = next(fl); al = next(al); bl = next(bl); cl = next(cl); el = next(el); il = next(il); lf = next(lf); gl = next(gl); ol = next(ol);
        }
        continue;
      }
      for (let u = u0; u < u0 + k; u++) {
        const w = at(wRec, u * (r + 1)), e: f32 = gd != 0 ? get(db, u) : 0, tc = Mathf.tanh(get(cNow, u));
        const i = get(gb, u), f = get(gb, r + u), g = get(gb, 2 * r + u), o = get(gb, 3 * r + u);
        const ki = g * i * (one - i), kf = get(cPrev, u) * f * (one - f), kg = i * (one - g * g), ko = tc * o * (one - o), kc = o * (one - tc * tc);
        const alpha = ki * get(w, 0) + kf * get(w, diagonal) + kg * get(w, 2 * diagonal), beta = ko * get(w, 3 * diagonal);
        lstmRows(jh, jc, gd, xb, hb, p, r, u, f, alpha, beta, kc, e, ki, kf, kg, ko);
        for (let gate = 0; gate < 4; gate++) {
          const column = bRecColumns + gate * r + u;
          pair(at(jh, column), at(jc, column), gd != 0 ? at(gd, column) : 0, ONE, 1, gate == 3, f, alpha, gate == 0 ? ki : gate == 1 ? kf : gate == 2 ? kg : 0, beta, gate == 3 ? ko : 0, kc, e);
        }
        if (learned) {
          for (let column = stateColumns + u; column < n; column += r) pair(at(jh, column), at(jc, column), gd != 0 ? at(gd, column) : 0, ONE, 1, false, f, alpha, 0, beta, 0, kc, e);
        }
      }
    }
  }
}

/** v with lane l (0–3) set to value. */
// @ts-ignore: decorator
@inline function lane(v: v128, l: i32, value: f32): v128 {
  return l == 0 ? f32x4.replace_lane(v, 0, value) : l == 1 ? f32x4.replace_lane(v, 1, value) : l == 2 ? f32x4.replace_lane(v, 2, value) : f32x4.replace_lane(v, 3, value);
}

/** v's lanes moved down by one: the next unit's coefficient in lane 0. */
// @ts-ignore: decorator
@inline function next(v: v128): v128 {
  return v128.shuffle<f32>(v, v, 1, 2, 3, 0);
}

/**
 * k (1–4) consecutive single columns of the LSTM pair (s = 1), one unit in each lane: J^c ← f·J^c + α·J^h + κ,
 * J^h ← β·J^h + κ_o + k_c·J^c; grad += e·J^h unless grad is 0. withKappa / withKappaO: whether the term is there
 * (it is 0 otherwise, and left out as in pairInput and pairOutput).
 */
function pairColumns(
  jh: usize, jc: usize, grad: usize, column: i32, k: i32, f: v128, alpha: v128, kappa: v128, beta: v128, kappaO: v128, kc: v128, e: v128,
  withKappa: bool, withKappaO: bool,
): void {
  jh = at(jh, column);
  jc = at(jc, column);
  const h = ld(jh, k);
  let c = f32x4.add(f32x4.mul(f, ld(jc, k)), f32x4.mul(alpha, h));
  if (withKappa) c = f32x4.add(c, kappa);
  let v = f32x4.mul(beta, h);
  if (withKappaO) v = f32x4.add(v, kappaO);
  v = f32x4.add(v, f32x4.mul(kc, c));
  st(jc, k, c);
  st(jh, k, v);
  if (grad != 0) {
    const gp = at(grad, column);
    st(gp, k, f32x4.add(ld(gp, k), f32x4.mul(e, v)));
  }
}

/** The LSTM pair over one unit's row (grad 0: none), by kind: gate o, the others, no gradient. */
// @ts-ignore: decorator
@inline function pair(
  jh: usize, jc: usize, grad: usize, src: usize, len: i32, outputGate: bool, f: f32, alpha: f32, kappa: f32, beta: f32, kappaO: f32, kc: f32, e: f32,
): void {
  if (grad == 0) pairPlain(jh, jc, src, len, f, alpha, kappa, beta, kappaO, kc);
  else if (outputGate) pairOutput(jh, jc, grad, src, len, f, alpha, beta, kappaO, kc, e);
  else pairInput(jh, jc, grad, src, len, f, alpha, kappa, beta, kc, e);
}

/** Unit u's rows of W_in (s = x_t) and W_rec (s = h_{t−1}), gate by gate (T57): one call, its coefficients splat once. */
function lstmRows(
  jh: usize, jc: usize, grad: usize, xb: usize, hb: usize, p: i32, r: i32, u: i32,
  f: f32, alpha: f32, beta: f32, kc: f32, e: f32, ki: f32, kf: f32, kg: f32, ko: f32,
): void {
  const G = 4 * r;
  if (grad == 0) {
    for (let gate = 0; gate < 4; gate++) {
      const row = gate * r + u, kappa: f32 = gate == 0 ? ki : gate == 1 ? kf : gate == 2 ? kg : 0, kappaO: f32 = gate == 3 ? ko : 0;
      pairPlain(at(jh, row * p), at(jc, row * p), xb, p, f, alpha, kappa, beta, kappaO, kc);
      pairPlain(at(jh, G * p + row * r), at(jc, G * p + row * r), hb, r, f, alpha, kappa, beta, kappaO, kc);
    }
    return;
  }
  if (ASC_FEATURE_SIMD) {
    const fv = f32x4.splat(f), av = f32x4.splat(alpha), bv = f32x4.splat(beta), cv = f32x4.splat(kc), ev = f32x4.splat(e);
    for (let gate = 0; gate < 3; gate++) {
      const row = gate * r + u, kappa: f32 = gate == 0 ? ki : gate == 1 ? kf : kg, kv = f32x4.splat(kappa);
      rowInput(at(jh, row * p), at(jc, row * p), at(grad, row * p), xb, p, fv, av, kv, bv, cv, ev, f, alpha, kappa, beta, kc, e);
      rowInput(at(jh, G * p + row * r), at(jc, G * p + row * r), at(grad, G * p + row * r), hb, r, fv, av, kv, bv, cv, ev, f, alpha, kappa, beta, kc, e);
    }
    const row = 3 * r + u, ov = f32x4.splat(ko);
    rowOutput(at(jh, row * p), at(jc, row * p), at(grad, row * p), xb, p, fv, av, bv, ov, cv, ev, f, alpha, beta, ko, kc, e);
    rowOutput(at(jh, G * p + row * r), at(jc, G * p + row * r), at(grad, G * p + row * r), hb, r, fv, av, bv, ov, cv, ev, f, alpha, beta, ko, kc, e);
    return;
  }
  for (let gate = 0; gate < 3; gate++) {
    const row = gate * r + u, kappa: f32 = gate == 0 ? ki : gate == 1 ? kf : kg;
    pairInput(at(jh, row * p), at(jc, row * p), at(grad, row * p), xb, p, f, alpha, kappa, beta, kc, e);
    pairInput(at(jh, G * p + row * r), at(jc, G * p + row * r), at(grad, G * p + row * r), hb, r, f, alpha, kappa, beta, kc, e);
  }
  const row = 3 * r + u;
  pairOutput(at(jh, row * p), at(jc, row * p), at(grad, row * p), xb, p, f, alpha, beta, ko, kc, e);
  pairOutput(at(jh, G * p + row * r), at(jc, G * p + row * r), at(grad, G * p + row * r), hb, r, f, alpha, beta, ko, kc, e);
}

/** pairInput with its coefficients already splat (fv … ev; the scalars for the tail). */
// @ts-ignore: decorator
@inline function rowInput(
  jh: usize, jc: usize, grad: usize, src: usize, len: i32, fv: v128, av: v128, kv: v128, bv: v128, cv: v128, ev: v128,
  f: f32, alpha: f32, kappa: f32, beta: f32, kc: f32, e: f32,
): void {
  const end = jh + (<usize>len << 2);
  if (ASC_FEATURE_SIMD) {
    // Two vectors a turn (half the loop's own operations); the rest (under 8 columns) in the scalar loop.
    for (; jh + 32 <= end; jh += 32, jc += 32, src += 32, grad += 32) {
      const h = v128.load(jh), h2 = v128.load(jh, 16);
      const c = f32x4.add(f32x4.add(f32x4.mul(fv, v128.load(jc)), f32x4.mul(av, h)), f32x4.mul(kv, v128.load(src)));
      const c2 = f32x4.add(f32x4.add(f32x4.mul(fv, v128.load(jc, 16)), f32x4.mul(av, h2)), f32x4.mul(kv, v128.load(src, 16)));
      const v = f32x4.add(f32x4.mul(bv, h), f32x4.mul(cv, c)), v2 = f32x4.add(f32x4.mul(bv, h2), f32x4.mul(cv, c2));
      v128.store(jc, c);
      v128.store(jh, v);
      v128.store(jc, c2, 16);
      v128.store(jh, v2, 16);
      v128.store(grad, f32x4.add(v128.load(grad), f32x4.mul(ev, v)));
      v128.store(grad, f32x4.add(v128.load(grad, 16), f32x4.mul(ev, v2)), 16);
    }
  }
  for (; jh < end; jh += 4, jc += 4, src += 4, grad += 4) {
    const h = load<f32>(jh);
    const c = f * load<f32>(jc) + alpha * h + kappa * load<f32>(src);
    const v = beta * h + kc * c;
    store<f32>(jc, c);
    store<f32>(jh, v);
    store<f32>(grad, load<f32>(grad) + e * v);
  }
}

/** pairOutput with its coefficients already splat. */
// @ts-ignore: decorator
@inline function rowOutput(
  jh: usize, jc: usize, grad: usize, src: usize, len: i32, fv: v128, av: v128, bv: v128, ov: v128, cv: v128, ev: v128,
  f: f32, alpha: f32, beta: f32, kappaO: f32, kc: f32, e: f32,
): void {
  const end = jh + (<usize>len << 2);
  if (ASC_FEATURE_SIMD) {
    for (; jh + 32 <= end; jh += 32, jc += 32, src += 32, grad += 32) {
      const h = v128.load(jh), h2 = v128.load(jh, 16);
      const c = f32x4.add(f32x4.mul(fv, v128.load(jc)), f32x4.mul(av, h)), c2 = f32x4.add(f32x4.mul(fv, v128.load(jc, 16)), f32x4.mul(av, h2));
      const v = f32x4.add(f32x4.add(f32x4.mul(bv, h), f32x4.mul(ov, v128.load(src))), f32x4.mul(cv, c));
      const v2 = f32x4.add(f32x4.add(f32x4.mul(bv, h2), f32x4.mul(ov, v128.load(src, 16))), f32x4.mul(cv, c2));
      v128.store(jc, c);
      v128.store(jh, v);
      v128.store(jc, c2, 16);
      v128.store(jh, v2, 16);
      v128.store(grad, f32x4.add(v128.load(grad), f32x4.mul(ev, v)));
      v128.store(grad, f32x4.add(v128.load(grad, 16), f32x4.mul(ev, v2)), 16);
    }
  }
  for (; jh < end; jh += 4, jc += 4, src += 4, grad += 4) {
    const h = load<f32>(jh);
    const c = f * load<f32>(jc) + alpha * h;
    const v = beta * h + kappaO * load<f32>(src) + kc * c;
    store<f32>(jc, c);
    store<f32>(jh, v);
    store<f32>(grad, load<f32>(grad) + e * v);
  }
}

/** One GRU step: J in place (T58); grad += dH·J unless dH is 0. un: ũ_n. */
export function snapGruStep(
  jH: usize, wRec: usize, x: usize, hPrev: usize, gates: usize, un: usize, dH: usize, grad: usize,
  batch: i32, inputSize: i32, hiddenSize: i32, paramCount: i32,
): void {
  snapCell(3, jH, wRec, x, hPrev, un, gates, dH, grad, batch, inputSize, hiddenSize, paramCount, 0);
}

/**
 * Elman (gate count 1: state φ_t, act its σ) and GRU (3: state ũ_n). Rows g·r + u of W_in, W_rec and b_rec,
 * then b_hn (GRU) and h0 when n has them, each feeding unit u. Elman: decay σ'·W_rec[u][u], every
 * coefficient σ'. GRU: the input side takes c_r, c_z, c_n, the hidden side c_r, c_z, c_u (the reset gate
 * scales W_hn·h_{t−1}), b_hn c_u; h0 none.
 */
function snapCell(
  gateCount: i32, j: usize, wRec: usize, x: usize, hPrev: usize, state: usize, gates: usize, dH: usize, grad: usize,
  batch: i32, p: i32, r: i32, n: i32, act: i32,
): void {
  const G = gateCount * r, bRecColumns = G * (p + r), stateColumns = bRecColumns + G + (gateCount == 3 ? r : 0);
  const h0Column = n > stateColumns ? stateColumns : -1, gd: usize = dH != 0 ? grad : 0, diagonal = r * r, one: f32 = 1;
  for (let b = 0; b < batch; b++) {
    const jb = at(j, b * n), xb = at(x, b * p), hb = at(hPrev, b * r);
    for (let u = 0; u < r; u++) {
      const w = at(wRec, u * (r + 1)), e: f32 = gd != 0 ? get(dH, b * r + u) : 0;
      let decay: f32, cr: f32, cz: f32 = 0, cn: f32 = 0, cu: f32 = 0;
      if (gateCount == 1) {
        cr = derivative(get(state, b * r + u), act);
        decay = cr * get(w, 0);
      } else {
        const gb = at(gates, b * G), rg = get(gb, u), z = get(gb, r + u), nn = get(gb, 2 * r + u);
        cn = (one - z) * (one - nn * nn);
        cr = cn * get(state, b * r + u) * rg * (one - rg);
        cz = (get(hb, u) - nn) * z * (one - z);
        cu = cn * rg;
        decay = cr * get(w, 0) + cz * get(w, diagonal) + cu * get(w, 2 * diagonal) + z;
      }
      cellRows(gateCount, jb, gd, xb, hb, p, r, u, bRecColumns, h0Column, decay, cr, cz, cn, cu, e);
    }
  }
}

/** Unit u's columns of one stream (T56, T58): its rows of W_in and W_rec, then its single columns (s = 1). One call. */
function cellRows(
  gateCount: i32, j: usize, grad: usize, xb: usize, hb: usize, p: i32, r: i32, u: i32, bRecColumns: i32, h0Column: i32,
  decay: f32, cr: f32, cz: f32, cn: f32, cu: f32, e: f32,
): void {
  const G = gateCount * r;
  if (ASC_FEATURE_SIMD && grad != 0) {
    const dv = f32x4.splat(decay), ev = f32x4.splat(e);
    for (let gate = 0; gate < gateCount; gate++) {
      const row = gate * r + u, input: f32 = gate == 0 ? cr : gate == 1 ? cz : cn, hidden: f32 = gate == 2 ? cu : input;
      rowRun(at(j, row * p), at(grad, row * p), xb, p, dv, f32x4.splat(input), ev, decay, input, e);
      rowRun(at(j, G * p + row * r), at(grad, G * p + row * r), hb, r, dv, f32x4.splat(hidden), ev, decay, hidden, e);
    }
  } else {
    for (let gate = 0; gate < gateCount; gate++) {
      const row = gate * r + u, input: f32 = gate == 0 ? cr : gate == 1 ? cz : cn, hidden: f32 = gate == 2 ? cu : input;
      run(at(j, row * p), grad != 0 ? at(grad, row * p) : 0, xb, p, decay, input, e);
      run(at(j, G * p + row * r), grad != 0 ? at(grad, G * p + row * r) : 0, hb, r, decay, hidden, e);
    }
  }
  // b_rec (each gate's coefficient on the input side), b_hn (c_u), h0 (none): J ← decay·J + coef.
  for (let gate = 0; gate < gateCount; gate++) single(j, grad, bRecColumns + gate * r + u, decay, gate == 0 ? cr : gate == 1 ? cz : cn, e);
  if (gateCount == 3) single(j, grad, bRecColumns + G + u, decay, cu, e);
  if (h0Column >= 0) single(j, grad, h0Column + u, decay, 0, e);
}

/** One single column (s = 1): J ← decay·J + coef; grad += e·J unless grad is 0. */
// @ts-ignore: decorator
@inline function single(j: usize, grad: usize, column: i32, decay: f32, coef: f32, e: f32): void {
  const v = decay * get(j, column) + coef;
  put(j, column, v);
  if (grad != 0) put(grad, column, get(grad, column) + e * v);
}

/** run with its coefficients already splat (dv, cv, ev; the scalars for the tail) and a gradient. */
// @ts-ignore: decorator
@inline function rowRun(j: usize, grad: usize, src: usize, len: i32, dv: v128, cv: v128, ev: v128, decay: f32, coef: f32, e: f32): void {
  const end = j + (<usize>len << 2);
  for (; j + 32 <= end; j += 32, src += 32, grad += 32) {
    const v = f32x4.add(f32x4.mul(dv, v128.load(j)), f32x4.mul(cv, v128.load(src)));
    const v2 = f32x4.add(f32x4.mul(dv, v128.load(j, 16)), f32x4.mul(cv, v128.load(src, 16)));
    v128.store(j, v);
    v128.store(j, v2, 16);
    v128.store(grad, f32x4.add(v128.load(grad), f32x4.mul(ev, v)));
    v128.store(grad, f32x4.add(v128.load(grad, 16), f32x4.mul(ev, v2)), 16);
  }
  for (; j < end; j += 4, src += 4, grad += 4) {
    const v = decay * load<f32>(j) + coef * load<f32>(src);
    store<f32>(j, v);
    store<f32>(grad, load<f32>(grad) + e * v);
  }
}
