import { at, get, put, IDENTITY, RELU, SIGMOID, SOFTMAX, TANH } from './memory';

/** out = σ(in) elementwise; softmax row by row, shifted by the row maximum. */
export function activationForward(input: usize, output: usize, rows: i32, cols: i32, act: i32): void {
  const n = rows * cols;
  if (act == IDENTITY) {
    if (input != output) memory.copy(output, input, <usize>n << 2);
  } else if (act == SIGMOID) {
    for (let i = 0; i < n; i++) put(output, i, sigmoid(get(input, i)));
  } else if (act == TANH) {
    for (let i = 0; i < n; i++) put(output, i, Mathf.tanh(get(input, i)));
  } else if (act == RELU) {
    for (let i = 0; i < n; i++) { const z = get(input, i); put(output, i, z > 0 ? z : 0); }
  } else if (act == SOFTMAX) {
    for (let r = 0; r < rows; r++) softmaxRow(at(input, r * cols), at(output, r * cols), cols);
  }
}

/** grad ∘= σ'(a), from the kept activation y = σ(a). */
export function activationBackward(activation: usize, grad: usize, n: i32, act: i32): void {
  if (act == SIGMOID) {
    for (let i = 0; i < n; i++) { const y = get(activation, i); put(grad, i, get(grad, i) * y * (1 - y)); }
  } else if (act == TANH) {
    for (let i = 0; i < n; i++) { const y = get(activation, i); put(grad, i, get(grad, i) * (1 - y * y)); }
  } else if (act == RELU) {
    for (let i = 0; i < n; i++) if (!(get(activation, i) > 0)) put(grad, i, 0);
  }
}

// @ts-ignore: decorator
@inline export function sigmoid(z: f32): f32 {
  if (z >= 0) return 1 / (1 + Mathf.exp(-z));
  const e = Mathf.exp(z);
  return e / (1 + e);
}

export function softmaxRow(z: usize, y: usize, cols: i32): void {
  let max = -Infinity as f32;
  for (let j = 0; j < cols; j++) max = Mathf.max(max, get(z, j));
  let sum: f32 = 0;
  for (let j = 0; j < cols; j++) { const e = Mathf.exp(get(z, j) - max); put(y, j, e); sum += e; }
  const inv: f32 = <f32>1 / sum;
  for (let j = 0; j < cols; j++) put(y, j, get(y, j) * inv);
}

/** σ'(a) from y = σ(a), for RTRL's row scaling. */
// @ts-ignore: decorator
@inline export function derivative(y: f32, act: i32): f32 {
  if (act == SIGMOID) return y * (1 - y);
  if (act == TANH) return 1 - y * y;
  if (act == RELU) return y > 0 ? 1 : 0;
  return 1;
}
