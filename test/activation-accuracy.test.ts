import { describe, expect, it } from 'vitest';
import { getBackend } from '../src/backend/index.js';
import { Act } from '../src/kernels/js/types.js';

/*
 * The SIMD kernels approximate exp, sigmoid and tanh (f32x4 has no
 * transcendental ops; see assembly/activation.ts for the method). Stated
 * worst errors against float64 Math, over the float32 inputs tested here:
 * tanh and sigmoid ≤ 2e-7 relative and ≤ 1e-7 absolute. (The full grid of
 * 3.8·10⁷ points is bench/activation-accuracy.mjs.)
 */
const REL = 2e-7, ABS = 1e-7;

function worstErrors(act: number, exact: (x: number) => number, inputs: Float32Array) {
  const backend = getBackend('wasm-simd');
  const arena = backend.allocate(2 * inputs.length, 'float32');
  const mem = arena.mem as Float32Array;
  mem.set(inputs);
  backend.kernels.activationForward(mem, 0, inputs.length, 1, inputs.length, act);
  let rel = 0, abs = 0;
  for (let i = 0; i < inputs.length; i++) {
    const want = exact(inputs[i]!), got = mem[inputs.length + i]!;
    const e = Math.abs(got - want);
    abs = Math.max(abs, e);
    if (Math.abs(want) >= 2 ** -126) rel = Math.max(rel, e / Math.abs(want));
    if (!Number.isFinite(got)) throw new Error(`non-finite output ${got} at x = ${inputs[i]}`);
  }
  arena.release();
  return { rel, abs };
}

describe('vectorised activation approximations (wasm-simd)', () => {
  // A dense grid over [−20, 20], every float32 around tanh's branch switch, and extremes.
  const grid: number[] = [];
  for (let x = -20; x <= 20; x += 1 / 4096) grid.push(x);
  for (let x = 0.6; x <= 0.65; x += 1e-6) grid.push(x, -x);
  grid.push(0, -0, 1e-30, -1e-30, 1e-45, 88, -88, 89, -89, 100, -100, 1e30, -1e30, 3.4e38, -3.4e38);
  const inputs = Float32Array.from(grid);

  it(`tanh: worst error ≤ ${REL} relative and ${ABS} absolute, exactly ±1 far out`, () => {
    const { rel, abs } = worstErrors(Act.tanh, Math.tanh, inputs);
    expect(rel).toBeLessThanOrEqual(REL);
    expect(abs).toBeLessThanOrEqual(ABS);
  });

  it(`sigmoid: worst error ≤ ${REL} relative and ${ABS} absolute`, () => {
    const { rel, abs } = worstErrors(Act.sigmoid, (x) => 1 / (1 + Math.exp(-x)), inputs);
    expect(rel).toBeLessThanOrEqual(REL);
    expect(abs).toBeLessThanOrEqual(ABS);
  });

  it('an element gets the same result wherever it sits (SIMD lanes and the tail agree)', () => {
    const backend = getBackend('wasm-simd');
    const arena = backend.allocate(64, 'float32');
    const mem = arena.mem as Float32Array;
    const x = 0.7312;
    const results = new Set<number>();
    for (let position = 0; position < 7; position++) {
      mem.fill(0.1);
      mem[position] = x;
      backend.kernels.activationForward(mem, 0, 32, 1, 7, Act.tanh);
      results.add(mem[32 + position]!);
    }
    expect(results.size).toBe(1);
    arena.release();
  });
});
