import { NONE, type Mem } from '../../src/kernels/js/types.js';
import { UORO_EPSILON } from '../../src/kernels/js/uoro.js';

/**
 * A deliberately BIASED UORO update, for test/uoro.test.ts to show that its
 * checks fail on a wrong implementation: src/kernels/js/uoro.ts's uoroUpdate
 * with one change — θ̃ is not divided by ρ0 (θ̃ ← θ̃ + (νᵀ∂F/∂θ)/ρ1 while
 * s̃ ← ρ0·J·s̃ + ρ1·ν), so the history term of s̃θ̃ᵀ is J·(s̃θ̃ᵀ)·ρ0 instead of
 * J·(s̃θ̃ᵀ): its expectation is not RTRL's. It computes ‖θ̃‖ itself, and
 * leaves the real kernel's record of it (_norms) alone.
 */
export function biasedUoroUpdate(
  mem: Mem, state: number, thT: number, _norms: number, delta: number, x: number, hPrev: number, dH: number, grad: number,
  batch: number, inputSize: number, hiddenSize: number, gates: number, paramCount: number,
): void {
  const p = inputSize, r = hiddenSize, n = paramCount, G = gates * r, gru = gates === 3, states = gates === 4 ? 2 : 1;
  const sT = state, jv = sT + states * batch * r, nu = jv + states * batch * r, deltaU = delta + batch * G, epsilon = UORO_EPSILON;
  const wRecColumns = G * p, bRecColumns = wRecColumns + G * r;
  for (let b = 0; b < batch; b++) {
    const th = thT + b * n, xb = x + b * p, hb = hPrev + b * r, db = delta + b * G;
    let thetaSq = 0, jvSq = 0, nuSq = 0, deltaSq = 0, deltaRecSq = 0, duSq = 0, xSq = 0, hSq = 0;
    for (let q = 0; q < n; q++) thetaSq += mem[th + q]! * mem[th + q]!;
    for (let k = 0; k < states; k++) {
      const s = (k * batch + b) * r;
      for (let j = 0; j < r; j++) { jvSq += mem[jv + s + j]! ** 2; nuSq += mem[nu + s + j]! ** 2; }
    }
    for (let q = 0; q < G; q++) deltaSq += mem[db + q]! ** 2;
    for (let j = 0; j < p; j++) xSq += mem[xb + j]! ** 2;
    for (let j = 0; j < r; j++) hSq += mem[hb + j]! ** 2;
    if (gru) {
      for (let j = 0; j < r; j++) duSq += mem[deltaU + b * r + j]! ** 2;
      for (let q = 0; q < 2 * r; q++) deltaRecSq += mem[db + q]! ** 2;
      deltaRecSq += duSq;
    } else {
      deltaRecSq = deltaSq;
    }
    const vjp = Math.sqrt(deltaSq * (xSq + 1) + deltaRecSq * hSq + duSq);
    const rho0 = Math.sqrt((Math.sqrt(thetaSq) + epsilon) / (Math.sqrt(jvSq) + epsilon));
    const rho1 = Math.sqrt((vjp + epsilon) / (Math.sqrt(nuSq) + epsilon));
    const inv1 = 1 / rho1;
    let e = 0;
    for (let k = 0; k < states; k++) {
      const s = (k * batch + b) * r;
      for (let j = 0; j < r; j++) {
        const v = rho0 * mem[jv + s + j]! + rho1 * mem[nu + s + j]!;
        mem[sT + s + j] = v;
        if (k === 0 && dH !== NONE) e += mem[dH + b * r + j]! * v;
      }
    }
    // THE BIAS: no θ̃ ← θ̃/ρ0 here.
    for (let q = 0; q < G; q++) {
      const d = mem[db + q]! * inv1;
      const dr = gru && q >= 2 * r ? mem[deltaU + b * r + q - 2 * r]! * inv1 : d;
      for (let j = 0; j < p; j++) mem[th + q * p + j] += d * mem[xb + j]!;
      mem[th + bRecColumns + q] += d;
      for (let m = 0; m < r; m++) mem[th + wRecColumns + q * r + m] += dr * mem[hb + m]!;
    }
    if (gru) for (let j = 0; j < r; j++) mem[th + bRecColumns + G + j] += mem[deltaU + b * r + j]! * inv1;
    if (e !== 0) for (let q = 0; q < n; q++) mem[grad + q] += e * mem[th + q]!;
  }
}
