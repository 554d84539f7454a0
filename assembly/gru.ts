import { ld, sigmoid, sigmoidLanes, st, tanhLanes } from './activation';
import { matmulAB, matmulABt } from './matmul';
import { at, get, put } from './memory';

// The GRU recurrence with PyTorch's equations and gate order r, z, n (b_hn
// inside r ∘ (·)); see src/kernels/js/gru.ts for the layout and derivation.
// Gate arithmetic fused into the time loop, four units per f32x4, the r mod 4
// tail through the same lanes.

function forwardUnits4(row: usize, ub: usize, unb: usize, bHn: usize, hp: usize, hc: usize, r: i32, j: i32, k: i32): void {
  const one = f32x4.splat(1);
  const rg = sigmoidLanes(f32x4.add(ld(at(row, j), k), ld(at(ub, j), k)));
  const z = sigmoidLanes(f32x4.add(ld(at(row, r + j), k), ld(at(ub, r + j), k)));
  const unj = f32x4.add(ld(at(ub, 2 * r + j), k), ld(at(bHn, j), k));
  const n = tanhLanes(f32x4.add(ld(at(row, 2 * r + j), k), f32x4.mul(rg, unj)));
  st(at(row, j), k, rg); st(at(row, r + j), k, z); st(at(row, 2 * r + j), k, n);
  st(at(unb, j), k, unj);
  st(at(hc, j), k, f32x4.add(f32x4.mul(f32x4.sub(one, z), n), f32x4.mul(z, ld(at(hp, j), k))));
}

export function gruForward(
  gates: usize, un: usize, u: usize, h: usize, wHh: usize, bHn: usize, batch: i32, steps: i32, hiddenSize: i32,
): void {
  const r = hiddenSize, G = 3 * r, block = batch * r;
  for (let t = 1; t <= steps; t++) {
    const a = at(gates, (t - 1) * batch * G), hPrev = at(h, (t - 1) * block);
    matmulABt(u, hPrev, wHh, batch, G, r, 0);
    for (let b = 0; b < batch; b++) {
      const row = at(a, b * G), ub = at(u, b * G), unb = at(un, (t - 1) * block + b * r), hp = at(hPrev, b * r), hc = at(hp, block);
      if (ASC_FEATURE_SIMD) {
        let j = 0;
        for (; j + 4 <= r; j += 4) forwardUnits4(row, ub, unb, bHn, hp, hc, r, j, 4);
        if (j < r) forwardUnits4(row, ub, unb, bHn, hp, hc, r, j, r - j);
      } else {
        for (let j = 0; j < r; j++) {
          const rg = sigmoid(get(row, j) + get(ub, j));
          const z = sigmoid(get(row, r + j) + get(ub, r + j));
          const unj = get(ub, 2 * r + j) + get(bHn, j);
          const n = Mathf.tanh(get(row, 2 * r + j) + rg * unj);
          put(row, j, rg); put(row, r + j, z); put(row, 2 * r + j, n);
          put(unb, j, unj);
          put(hc, j, (1 - z) * n + z * get(hp, j));
        }
      }
    }
  }
}

function backwardUnits4(
  row: usize, drow: usize, urow: usize, dh: usize, hp: usize, unb: usize, dp: usize, dBHn: usize, first: bool, r: i32, j: i32, k: i32,
): void {
  const one = f32x4.splat(1);
  const rg = ld(at(row, j), k), z = ld(at(row, r + j), k), n = ld(at(row, 2 * r + j), k), dhj = ld(at(dh, j), k);
  const dan = f32x4.mul(f32x4.mul(dhj, f32x4.sub(one, z)), f32x4.sub(one, f32x4.mul(n, n)));
  const dar = f32x4.mul(f32x4.mul(dan, ld(at(unb, j), k)), f32x4.mul(rg, f32x4.sub(one, rg)));
  const daz = f32x4.mul(f32x4.mul(dhj, f32x4.sub(ld(at(hp, j), k), n)), f32x4.mul(z, f32x4.sub(one, z)));
  const dun = f32x4.mul(dan, rg);
  st(at(drow, j), k, dar); st(at(drow, r + j), k, daz); st(at(drow, 2 * r + j), k, dan);
  st(at(urow, j), k, dar); st(at(urow, r + j), k, daz); st(at(urow, 2 * r + j), k, dun);
  st(at(dBHn, j), k, f32x4.add(ld(at(dBHn, j), k), dun));
  const direct = f32x4.mul(dhj, z);
  st(at(dp, j), k, first ? direct : f32x4.add(ld(at(dp, j), k), direct));
}

export function gruBackward(
  dH: usize, gates: usize, un: usize, h: usize, wHh: usize, dGates: usize, dU: usize, dBHn: usize, dH0: usize,
  batch: i32, steps: i32, hiddenSize: i32,
): void {
  const r = hiddenSize, G = 3 * r, block = batch * r;
  for (let t = steps; t >= 1; t--) {
    const a = at(gates, (t - 1) * batch * G), da = at(dGates, (t - 1) * batch * G), du = at(dU, (t - 1) * batch * G);
    const dPrev = t > 1 ? at(dH, (t - 2) * block) : dH0;
    for (let b = 0; b < batch; b++) {
      const row = at(a, b * G), drow = at(da, b * G), urow = at(du, b * G);
      const dh = at(dH, (t - 1) * block + b * r), hp = at(h, (t - 1) * block + b * r), unb = at(un, (t - 1) * block + b * r), dp = at(dPrev, b * r);
      if (ASC_FEATURE_SIMD) {
        let j = 0;
        for (; j + 4 <= r; j += 4) backwardUnits4(row, drow, urow, dh, hp, unb, dp, dBHn, t == 1, r, j, 4);
        if (j < r) backwardUnits4(row, drow, urow, dh, hp, unb, dp, dBHn, t == 1, r, j, r - j);
      } else {
        for (let j = 0; j < r; j++) {
          const rg = get(row, j), z = get(row, r + j), n = get(row, 2 * r + j), dhj = get(dh, j);
          const dan = dhj * (1 - z) * (1 - n * n);
          const dar = dan * get(unb, j) * (rg * (1 - rg));
          const daz = dhj * (get(hp, j) - n) * (z * (1 - z));
          const dun = dan * rg;
          put(drow, j, dar); put(drow, r + j, daz); put(drow, 2 * r + j, dan);
          put(urow, j, dar); put(urow, r + j, daz); put(urow, 2 * r + j, dun);
          put(dBHn, j, get(dBHn, j) + dun);
          const direct = dhj * z;
          put(dp, j, t == 1 ? direct : get(dp, j) + direct);
        }
      }
    }
    matmulAB(dPrev, du, wHh, batch, r, G, 1);
  }
}
