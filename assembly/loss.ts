import { at, get, put, BINARY_CROSS_ENTROPY, CROSS_ENTROPY, CROSS_ENTROPY_INDEX, MSE, RELU, SIGMOID, SOFTMAX, TANH } from './memory';

/**
 * Loss of `rows` output rows and, unless dz is 0, ∂L/∂z (F's Jacobian applied).
 * Each row counts mask·scale times (mask 0 = no mask). Per-row work is O(o),
 * far below the matrix products, so it is scalar; sums are f64 like the JS
 * twin (src/kernels/js/loss.ts, where the formulas are explained), but exp and
 * log are the f32 ones: AssemblyScript's f64 exp/log/log1p carry ~10 KB of
 * lookup tables, a quarter of the compressed module, for no accuracy that
 * float32 training can see (the parity suite holds at 2e-5).
 */
export function lossForwardBackward(
  z: usize, y: usize, target: usize, mask: usize, dz: usize,
  rows: i32, outSize: i32, loss: i32, outputAct: i32, scale: f64,
): f64 {
  let total: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const weight: f64 = mask == 0 ? scale : <f64>get(mask, r) * scale;
    const zr = at(z, r * outSize), yr = at(y, r * outSize), dr: usize = dz == 0 ? <usize>0 : at(dz, r * outSize);
    if (weight == 0) {
      if (dz != 0) memory.fill(dr, 0, <usize>outSize << 2);
      continue;
    }
    let rowLoss: f64 = 0;
    if (loss == MSE) {
      const tr = at(target, r * outSize);
      let dot: f64 = 0;
      for (let k = 0; k < outSize; k++) {
        const e = <f64>get(yr, k) - <f64>get(tr, k);
        rowLoss += 0.5 * e * e;
        if (dz != 0) put(dr, k, <f32>e);
        dot += <f64>get(yr, k) * e;
      }
      if (dz != 0) {
        for (let k = 0; k < outSize; k++) {
          const s = <f64>get(yr, k), e = <f64>get(dr, k);
          if (outputAct == SIGMOID) put(dr, k, <f32>(e * s * (1 - s)));
          else if (outputAct == SOFTMAX) put(dr, k, <f32>(s * (e - dot)));
          else if (outputAct == TANH) put(dr, k, <f32>(e * (1 - s * s)));
          else if (outputAct == RELU && !(s > 0)) put(dr, k, 0);
        }
      }
    } else if (loss == CROSS_ENTROPY || loss == CROSS_ENTROPY_INDEX) {
      let max = -Infinity;
      for (let k = 0; k < outSize; k++) max = Math.max(max, <f64>get(zr, k));
      let sum: f64 = 0;
      for (let k = 0; k < outSize; k++) sum += <f64>Mathf.exp(<f32>(<f64>get(zr, k) - max));
      const logSumExp = max + <f64>Mathf.log(<f32>sum);
      if (loss == CROSS_ENTROPY_INDEX) {
        const c = <i32>get(target, r);
        rowLoss = logSumExp - <f64>get(zr, c);
        if (dz != 0) {
          memory.copy(dr, yr, <usize>outSize << 2);
          put(dr, c, get(dr, c) - 1);
        }
      } else {
        const tr = at(target, r * outSize);
        let tauSum: f64 = 0;
        for (let k = 0; k < outSize; k++) {
          const tau = <f64>get(tr, k);
          tauSum += tau;
          rowLoss += tau * (logSumExp - <f64>get(zr, k));
        }
        if (dz != 0) for (let k = 0; k < outSize; k++) put(dr, k, <f32>(<f64>get(yr, k) * tauSum - <f64>get(tr, k)));
      }
    } else if (loss == BINARY_CROSS_ENTROPY) {
      const tr = at(target, r * outSize);
      for (let k = 0; k < outSize; k++) {
        const zk = <f64>get(zr, k), tau = <f64>get(tr, k);
        rowLoss += (zk > 0 ? zk : 0) - tau * zk + <f64>Mathf.log1p(Mathf.exp(<f32>-Math.abs(zk)));
        if (dz != 0) put(dr, k, <f32>(<f64>get(yr, k) - tau));
      }
    }
    total += weight * rowLoss;
    if (dz != 0 && weight != 1) for (let k = 0; k < outSize; k++) put(dr, k, <f32>(<f64>get(dr, k) * weight));
  }
  return total;
}
