import { Act, type Mem } from './types.js';

/**
 * out = σ(in) elementwise over rows×cols (in and out may be the same buffer);
 * softmax is taken row by row, shifted by the row maximum so exp cannot overflow.
 * Eqs. 1.9–1.11 of note 001; softmax note 002 §1.1.3.
 */
export function activationForward(
  mem: Mem, input: number, output: number, rows: number, cols: number, act: number,
): void {
  const n = rows * cols;
  switch (act) {
    case Act.identity:
      if (input !== output) mem.copyWithin(output, input, input + n);
      return;
    case Act.sigmoid:
      for (let i = 0; i < n; i++) mem[output + i] = sigmoid(mem[input + i]);
      return;
    case Act.tanh:
      for (let i = 0; i < n; i++) mem[output + i] = Math.tanh(mem[input + i]);
      return;
    case Act.relu:
      for (let i = 0; i < n; i++) { const z = mem[input + i]; mem[output + i] = z > 0 ? z : 0; }
      return;
    case Act.softmax:
      for (let r = 0; r < rows; r++) {
        const zi = input + r * cols, yi = output + r * cols;
        let max = -Infinity;
        for (let j = 0; j < cols; j++) if (mem[zi + j] > max) max = mem[zi + j];
        let sum = 0;
        for (let j = 0; j < cols; j++) { const e = Math.exp(mem[zi + j] - max); mem[yi + j] = e; sum += e; }
        const inv = 1 / sum;
        for (let j = 0; j < cols; j++) mem[yi + j] *= inv;
      }
      return;
    default:
      throw new Error(`activationForward: unknown activation code ${act}`);
  }
}

/** The logistic function, split by sign so exp never sees a large positive argument. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/**
 * grad ∘= σ'(a), with σ' written in terms of the activation y = σ(a) that the
 * forward pass kept (so pre-activations need not be stored):
 * sigmoid y(1−y), tanh 1−y², relu [y>0], identity 1. Elementwise σ only.
 */
export function activationBackward(mem: Mem, activation: number, grad: number, n: number, act: number): void {
  switch (act) {
    case Act.identity:
      return;
    case Act.sigmoid:
      for (let i = 0; i < n; i++) { const y = mem[activation + i]; mem[grad + i] *= y * (1 - y); }
      return;
    case Act.tanh:
      for (let i = 0; i < n; i++) { const y = mem[activation + i]; mem[grad + i] *= 1 - y * y; }
      return;
    case Act.relu:
      for (let i = 0; i < n; i++) if (!(mem[activation + i] > 0)) mem[grad + i] = 0;
      return;
    default:
      throw new Error(`activationBackward: activation code ${act} is not elementwise`);
  }
}

/** σ'(a) written in terms of y = σ(a), one value at a time (the RTRL and SnAp-1 kernels; assembly/activation.ts has its twin). */
export function derivative(y: number, act: number): number {
  switch (act) {
    case Act.sigmoid: return y * (1 - y);
    case Act.tanh: return 1 - y * y;
    case Act.relu: return y > 0 ? 1 : 0;
    default: return 1;
  }
}
