import { activationBackward, activationForward } from './activation';
import { columnSums, matmulAB, matmulABt, matmulAtB } from './matmul';
import { at } from './memory';

// The Elman recurrence, time-major: x [T][B][p], phi [T+1][B][r] (slot 0 = φ_0).

/** a_t = W_rec·φ_{t−1} + W_in·x_t + b_rec, φ_t = σ(a_t) (eqs. 1.28–1.29); W_in·X hoisted out of the time loop. */
export function rnnForward(
  x: usize, phi: usize, wIn: usize, wRec: usize, bRec: usize,
  batch: i32, steps: i32, inputSize: i32, hiddenSize: i32, act: i32,
): void {
  const block = batch * hiddenSize;
  const rows = steps * batch;
  const phi1 = at(phi, block);
  for (let i = 0; i < rows; i++) memory.copy(at(phi1, i * hiddenSize), bRec, <usize>hiddenSize << 2);
  matmulABt(phi1, x, wIn, rows, hiddenSize, inputSize, 1);
  for (let t = 1; t <= steps; t++) {
    const cur = at(phi, t * block);
    matmulABt(cur, at(phi, (t - 1) * block), wRec, batch, hiddenSize, hiddenSize, 1);
    activationForward(cur, cur, batch, hiddenSize, act);
  }
}

/** Full BPTT over a window (eq. 1.41, erratum of eq. 1.35 fixed); see src/kernels/js/rnn.ts. */
export function bpttBackward(
  dPhi: usize, phi: usize, x: usize, wRec: usize, dWIn: usize, dWRec: usize, dBRec: usize, dH0: usize,
  batch: i32, steps: i32, inputSize: i32, hiddenSize: i32, act: i32,
): void {
  const block = batch * hiddenSize;
  for (let t = steps; t >= 1; t--) {
    const dA = at(dPhi, (t - 1) * block);
    activationBackward(at(phi, t * block), dA, block, act);
    if (t > 1) matmulAB(at(dPhi, (t - 2) * block), dA, wRec, batch, hiddenSize, hiddenSize, 1);
    else matmulAB(dH0, dA, wRec, batch, hiddenSize, hiddenSize, 0);
  }
  const rows = steps * batch;
  matmulAtB(dWRec, dPhi, phi, hiddenSize, hiddenSize, rows, 1);
  matmulAtB(dWIn, dPhi, x, hiddenSize, inputSize, rows, 1);
  columnSums(dBRec, dPhi, rows, hiddenSize, 1);
}
