import type { Mem } from './types.js';

/** Σ x_i² over n elements, summed in float64. Non-finite if any element is. */
export function sumSquares(mem: Mem, x: number, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) { const v = mem[x + i]; s += v * v; }
  return s;
}

/** 1 if every x[i] is finite, else 0 (the check after an update: a weight that became ±∞ or NaN). */
export function allFinite(mem: Mem, x: number, n: number): number {
  for (let i = 0; i < n; i++) if (!Number.isFinite(mem[x + i]!)) return 0;
  return 1;
}

/** x ← s·x (gradient clipping by global norm scales every gradient by one factor). */
export function scaleInPlace(mem: Mem, x: number, n: number, s: number): void {
  for (let i = 0; i < n; i++) mem[x + i] *= s;
}

/** x ← clamp(x, −c, c) (gradient clipping by value). */
export function clampInPlace(mem: Mem, x: number, n: number, c: number): void {
  for (let i = 0; i < n; i++) {
    const v = mem[x + i];
    if (v > c) mem[x + i] = c;
    else if (v < -c) mem[x + i] = -c;
  }
}

/** dst[i] ← src[i]; the ranges may overlap. */
export function copy(mem: Mem, dst: number, src: number, n: number): void {
  mem.copyWithin(dst, src, src + n);
}

/** x[i] ← value. */
export function fill(mem: Mem, x: number, n: number, value: number): void {
  mem.fill(value, x, x + n);
}

/** out[cols] += Σ_rows x[rows×cols] (summing per-sequence gradients of a shared vector, e.g. h0). */
export function sumRowsInto(mem: Mem, out: number, x: number, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const xr = x + r * cols;
    for (let j = 0; j < cols; j++) mem[out + j] += mem[xr + j];
  }
}

/** Each of `rows` rows of x ← v (broadcasting a vector, e.g. a learned h0, to every sequence). */
export function broadcastRows(mem: Mem, x: number, v: number, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) mem.copyWithin(x + r * cols, v, v + cols);
}

/** dst[i] += src[i] (adding a gradient computed elsewhere into the gradient block). */
export function addInPlace(mem: Mem, dst: number, src: number, n: number): void {
  for (let i = 0; i < n; i++) mem[dst + i] += mem[src + i];
}
