import { Act, LossKind, NONE, type Mem } from './types.js';

/**
 * Loss of `rows` output rows and, unless dz is NONE, its gradient with respect
 * to the output pre-activation z (so F's Jacobian is already applied).
 *
 * Each row's loss sums over the o output units and is multiplied by its mask
 * entry (0/1; NONE = all rows count) and by `scale` (1/B: the mean over
 * sequences of eq. 1.31). Returns Σ_rows mask·scale·L_row.
 *
 * The fused gradients (note 002 eqs. 2.6–2.8, sign erratum fixed):
 *   softmax + cross-entropy      ∂L/∂z = y·Στ − τ  (= y − τ for a distribution)
 *   sigmoid + binary CE          ∂L/∂z = y − τ
 *   MSE through F                ∂L/∂z = J_Fᵀ (y − τ); for softmax J = diag(y) − y·yᵀ
 *                                (the note 003 erratum: not y(1−y))
 * Cross-entropies use z directly (log-sum-exp, softplus), so a confident wrong
 * answer gives a large finite loss rather than log(0).
 */
export function lossForwardBackward(
  mem: Mem, z: number, y: number, target: number, mask: number, dz: number,
  rows: number, outSize: number, loss: number, outputAct: number, scale: number,
): number {
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const weight = mask === NONE ? scale : mem[mask + r] * scale;
    const zr = z + r * outSize, yr = y + r * outSize, dr = dz + r * outSize;
    if (weight === 0) {
      if (dz !== NONE) mem.fill(0, dr, dr + outSize);
      continue;
    }
    let rowLoss = 0;
    switch (loss) {
      case LossKind.mse: {
        const tr = target + r * outSize;
        let dot = 0; // Σ_k y_k (y_k − τ_k), for the softmax Jacobian
        for (let k = 0; k < outSize; k++) {
          const e = mem[yr + k] - mem[tr + k];
          rowLoss += 0.5 * e * e;
          if (dz !== NONE) mem[dr + k] = e;
          dot += mem[yr + k] * e;
        }
        if (dz !== NONE) {
          if (outputAct === Act.sigmoid) {
            for (let k = 0; k < outSize; k++) { const s = mem[yr + k]; mem[dr + k] *= s * (1 - s); }
          } else if (outputAct === Act.softmax) {
            for (let k = 0; k < outSize; k++) mem[dr + k] = mem[yr + k] * (mem[dr + k] - dot);
          } else if (outputAct === Act.tanh) {
            for (let k = 0; k < outSize; k++) { const s = mem[yr + k]; mem[dr + k] *= 1 - s * s; }
          } else if (outputAct === Act.relu) {
            for (let k = 0; k < outSize; k++) if (!(mem[yr + k] > 0)) mem[dr + k] = 0;
          }
        }
        break;
      }
      case LossKind.crossEntropy:
      case LossKind.crossEntropyIndex: {
        let max = -Infinity;
        for (let k = 0; k < outSize; k++) if (mem[zr + k] > max) max = mem[zr + k];
        let sum = 0;
        for (let k = 0; k < outSize; k++) sum += Math.exp(mem[zr + k] - max);
        const logSumExp = max + Math.log(sum);
        if (loss === LossKind.crossEntropyIndex) {
          const c = mem[target + r];
          rowLoss = logSumExp - mem[zr + c];
          if (dz !== NONE) {
            for (let k = 0; k < outSize; k++) mem[dr + k] = mem[yr + k];
            mem[dr + c] -= 1;
          }
        } else {
          const tr = target + r * outSize;
          let tauSum = 0;
          for (let k = 0; k < outSize; k++) {
            const tau = mem[tr + k];
            tauSum += tau;
            rowLoss += tau * (logSumExp - mem[zr + k]);
          }
          if (dz !== NONE) for (let k = 0; k < outSize; k++) mem[dr + k] = mem[yr + k] * tauSum - mem[tr + k];
        }
        break;
      }
      case LossKind.binaryCrossEntropy: {
        const tr = target + r * outSize;
        for (let k = 0; k < outSize; k++) {
          const zk = mem[zr + k], tau = mem[tr + k];
          // −[τ log σ(z) + (1−τ) log(1−σ(z))] = max(z,0) − τz + log(1 + e^{−|z|})
          rowLoss += (zk > 0 ? zk : 0) - tau * zk + Math.log1p(Math.exp(-Math.abs(zk)));
          if (dz !== NONE) mem[dr + k] = mem[yr + k] - tau;
        }
        break;
      }
      default:
        throw new Error(`lossForwardBackward: unknown loss code ${loss}`);
    }
    total += weight * rowLoss;
    if (dz !== NONE && weight !== 1) for (let k = 0; k < outSize; k++) mem[dr + k] *= weight;
  }
  return total;
}
