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
