import { ld, sigmoid, sigmoidLanes, st, tanhLanes } from './activation';
import { matmulAB, matmulABt } from './matmul';
import { at, get, put } from './memory';
import { fill } from './vector';

// The LSTM recurrence with PyTorch's equations and gate order i, f, g, o; see
// src/kernels/js/lstm.ts for the layout and the derivation. The gate
// arithmetic is fused into the time loop, four units per f32x4; a row's last
// r mod 4 units go through the same lanes (loadTail/storeTail), so a unit's
// result does not depend on where it sits.

/** Units [j, j + k) of one row: gates in place, c_t and h_t. */
function forwardUnits4(row: usize, r: i32, cPrev: usize, cCur: usize, hCur: usize, j: i32, k: i32): void {
  const pi = at(row, j), pf = at(row, r + j), pg = at(row, 2 * r + j), po = at(row, 3 * r + j);
  const i = sigmoidLanes(ld(pi, k)), f = sigmoidLanes(ld(pf, k)), g = tanhLanes(ld(pg, k)), o = sigmoidLanes(ld(po, k));
  const cell = f32x4.add(f32x4.mul(f, ld(at(cPrev, j), k)), f32x4.mul(i, g));
  st(pi, k, i); st(pf, k, f); st(pg, k, g); st(po, k, o);
  st(at(cCur, j), k, cell);
  st(at(hCur, j), k, f32x4.mul(o, tanhLanes(cell)));
}

export function lstmForward(gates: usize, h: usize, c: usize, wHh: usize, batch: i32, steps: i32, hiddenSize: i32): void {
  const r = hiddenSize, G = 4 * r, block = batch * r;
  for (let t = 1; t <= steps; t++) {
    const a = at(gates, (t - 1) * batch * G);
    matmulABt(a, at(h, (t - 1) * block), wHh, batch, G, r, 1);
    for (let b = 0; b < batch; b++) {
      const row = at(a, b * G), cPrev = at(c, (t - 1) * block + b * r), cCur = at(cPrev, block), hCur = at(h, t * block + b * r);
      if (ASC_FEATURE_SIMD) {
        let j = 0;
        for (; j + 4 <= r; j += 4) forwardUnits4(row, r, cPrev, cCur, hCur, j, 4);
        if (j < r) forwardUnits4(row, r, cPrev, cCur, hCur, j, r - j);
      } else {
        for (let j = 0; j < r; j++) {
          const i = sigmoid(get(row, j)), f = sigmoid(get(row, r + j)), g = Mathf.tanh(get(row, 2 * r + j)), o = sigmoid(get(row, 3 * r + j));
          const cell = f * get(cPrev, j) + i * g;
          put(row, j, i); put(row, r + j, f); put(row, 2 * r + j, g); put(row, 3 * r + j, o);
          put(cCur, j, cell);
          put(hCur, j, o * Mathf.tanh(cell));
        }
      }
    }
  }
}

/** Units [j, j + k) of one row of the backward step. */
function backwardUnits4(row: usize, drow: usize, r: i32, dh: usize, dc: usize, cPrev: usize, cCur: usize, j: i32, k: i32): void {
  const one = f32x4.splat(1);
  const i = ld(at(row, j), k), f = ld(at(row, r + j), k), g = ld(at(row, 2 * r + j), k), o = ld(at(row, 3 * r + j), k);
  const tc = tanhLanes(ld(at(cCur, j), k)), dhj = ld(at(dh, j), k);
  const dcj = f32x4.add(ld(at(dc, j), k), f32x4.mul(f32x4.mul(dhj, o), f32x4.sub(one, f32x4.mul(tc, tc))));
  st(at(drow, j), k, f32x4.mul(f32x4.mul(dcj, g), f32x4.mul(i, f32x4.sub(one, i))));
  st(at(drow, r + j), k, f32x4.mul(f32x4.mul(dcj, ld(at(cPrev, j), k)), f32x4.mul(f, f32x4.sub(one, f))));
  st(at(drow, 2 * r + j), k, f32x4.mul(f32x4.mul(dcj, i), f32x4.sub(one, f32x4.mul(g, g))));
  st(at(drow, 3 * r + j), k, f32x4.mul(f32x4.mul(dhj, tc), f32x4.mul(o, f32x4.sub(one, o))));
  st(at(dc, j), k, f32x4.mul(dcj, f));
}

export function lstmBackward(
  dH: usize, gates: usize, c: usize, wHh: usize, dGates: usize, dH0: usize, dC0: usize,
  batch: i32, steps: i32, hiddenSize: i32,
): void {
  const r = hiddenSize, G = 4 * r, block = batch * r;
  fill(dC0, block, 0);
  for (let t = steps; t >= 1; t--) {
    const a = at(gates, (t - 1) * batch * G), da = at(dGates, (t - 1) * batch * G);
    for (let b = 0; b < batch; b++) {
      const row = at(a, b * G), drow = at(da, b * G), dh = at(dH, (t - 1) * block + b * r), dc = at(dC0, b * r);
      const cCur = at(c, t * block + b * r), cPrev = at(c, (t - 1) * block + b * r);
      if (ASC_FEATURE_SIMD) {
        let j = 0;
        for (; j + 4 <= r; j += 4) backwardUnits4(row, drow, r, dh, dc, cPrev, cCur, j, 4);
        if (j < r) backwardUnits4(row, drow, r, dh, dc, cPrev, cCur, j, r - j);
      } else {
        for (let j = 0; j < r; j++) {
          const i = get(row, j), f = get(row, r + j), g = get(row, 2 * r + j), o = get(row, 3 * r + j);
          const tc = Mathf.tanh(get(cCur, j)), dhj = get(dh, j);
          const dcj = get(dc, j) + dhj * o * (1 - tc * tc);
          put(drow, j, dcj * g * (i * (1 - i)));
          put(drow, r + j, dcj * get(cPrev, j) * (f * (1 - f)));
          put(drow, 2 * r + j, dcj * i * (1 - g * g));
          put(drow, 3 * r + j, dhj * tc * (o * (1 - o)));
          put(dc, j, dcj * f);
        }
      }
    }
    if (t > 1) matmulAB(at(dH, (t - 2) * block), da, wHh, batch, r, G, 1);
    else matmulAB(dH0, da, wHh, batch, r, G, 0);
  }
}
