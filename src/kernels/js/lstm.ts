import { sigmoid } from './activation.js';
import { matmulAB, matmulABt } from './matmul.js';
import type { Mem } from './types.js';

/*
 * The LSTM cell's recurrence with PyTorch's equations and gate order (nn.LSTM):
 *   i = σ(a_i)  f = σ(a_f)  g = tanh(a_g)  o = σ(a_o)
 *   c_t = f ∘ c_{t−1} + i ∘ g          h_t = o ∘ tanh(c_t)
 * where a = W_ih·x_t + b + W_hh·h_{t−1}, rows of W in the order i, f, g, o.
 * Time-major:
 *   gates [T][B][4r]   on entry W_ih·x_t + b for every step (one product by the
 *                      layer); on exit the activated gates i, f, g, o
 *   h, c  [T+1][B][r]  slot 0 holds the initial state
 */

export function lstmForward(
  mem: Mem, gates: number, h: number, c: number, wHh: number, batch: number, steps: number, hiddenSize: number,
): void {
  const r = hiddenSize, G = 4 * r, block = batch * r;
  for (let t = 1; t <= steps; t++) {
    const a = gates + (t - 1) * batch * G;
    matmulABt(mem, a, h + (t - 1) * block, wHh, batch, G, r, 1);
    for (let b = 0; b < batch; b++) {
      const row = a + b * G, cPrev = c + (t - 1) * block + b * r, cCur = cPrev + block, hCur = h + t * block + b * r;
      for (let j = 0; j < r; j++) {
        const i = sigmoid(mem[row + j]), f = sigmoid(mem[row + r + j]), g = Math.tanh(mem[row + 2 * r + j]), o = sigmoid(mem[row + 3 * r + j]);
        const cell = f * mem[cPrev + j] + i * g;
        mem[row + j] = i; mem[row + r + j] = f; mem[row + 2 * r + j] = g; mem[row + 3 * r + j] = o;
        mem[cCur + j] = cell;
        mem[hCur + j] = o * Math.tanh(cell);
      }
    }
  }
}

/**
 * BPTT through the recurrence. On entry dH[T][B][r] holds ∂L/∂h_t from above;
 * the recurrent part ∂L/∂a_t·W_hh is added into dH[t−1] on the way back.
 * Writes dGates[T][B][4r] = ∂L/∂a_t (the layer then takes every weight
 * gradient as one product), dH0 = ∂L/∂h_0 and dC0 = ∂L/∂c_0. dC0 carries
 * ∂L/∂c_t between steps, starting from zero (nothing flows back from beyond
 * the window).
 *   ∂c = ∂c_{t+1}·f_{t+1} + ∂h·o·(1 − tanh²c_t)
 *   ∂a_i = ∂c·g·i(1−i)   ∂a_f = ∂c·c_{t−1}·f(1−f)   ∂a_g = ∂c·i·(1−g²)   ∂a_o = ∂h·tanh(c_t)·o(1−o)
 */
export function lstmBackward(
  mem: Mem, dH: number, gates: number, c: number, wHh: number, dGates: number, dH0: number, dC0: number,
  batch: number, steps: number, hiddenSize: number,
): void {
  const r = hiddenSize, G = 4 * r, block = batch * r;
  mem.fill(0, dC0, dC0 + block);
  for (let t = steps; t >= 1; t--) {
    const a = gates + (t - 1) * batch * G, da = dGates + (t - 1) * batch * G;
    for (let b = 0; b < batch; b++) {
      const row = a + b * G, drow = da + b * G, dh = dH + (t - 1) * block + b * r, dc = dC0 + b * r;
      const cCur = c + t * block + b * r, cPrev = cCur - block;
      for (let j = 0; j < r; j++) {
        const i = mem[row + j], f = mem[row + r + j], g = mem[row + 2 * r + j], o = mem[row + 3 * r + j];
        const tc = Math.tanh(mem[cCur + j]), dhj = mem[dh + j];
        const dcj = mem[dc + j] + dhj * o * (1 - tc * tc);
        mem[drow + j] = dcj * g * i * (1 - i);
        mem[drow + r + j] = dcj * mem[cPrev + j] * f * (1 - f);
        mem[drow + 2 * r + j] = dcj * i * (1 - g * g);
        mem[drow + 3 * r + j] = dhj * tc * o * (1 - o);
        mem[dc + j] = dcj * f;
      }
    }
    if (t > 1) matmulAB(mem, dH + (t - 2) * block, da, wHh, batch, r, G, 1);
    else matmulAB(mem, dH0, da, wHh, batch, r, G, 0);
  }
}
