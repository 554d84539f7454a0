import { expect } from 'vitest';
import { getBackend, planRegions, type Backend, type Kernels } from '../../src/backend/index.js';
import { Random } from '../../src/model/random.js';

/**
 * Every kernel on every backend, from the same random arena: the wasm-simd and
 * wasm-scalar results must match the JS reference over the WHOLE arena (so a
 * kernel writing where it should not is caught too) within a float32
 * tolerance: |wasm − js| ≤ TOLERANCE · max(1, |js|).
 */
export const TOLERANCE = 2e-5;
export const SIZES = [1, 3, 4, 5, 7, 8, 13, 16, 31, 64];
const WASM = ['wasm-simd', 'wasm-scalar'] as const;

export interface Case {
  /** Region sizes in elements. */
  regions: Record<string, number>;
  /** Special contents (default: Gaussian noise). */
  fill?: (mem: Float32Array, at: Record<string, number>, rng: Random) => void;
  run: (k: Kernels, mem: Float32Array, at: Record<string, number>) => number | void;
  tolerance?: number;
}

function runOn(backend: Backend, c: Case, seed: number): { mem: Float32Array; result: number | void } {
  const { offsets, end } = planRegions(0, c.regions);
  const arena = backend.allocate(end + 4, 'float32');
  const mem = arena.mem as Float32Array;
  const rng = new Random(seed);
  for (let i = 0; i < mem.length; i++) mem[i] = 0.7 * rng.gaussian();
  c.fill?.(mem, offsets, rng);
  const result = c.run(backend.kernels, mem, offsets);
  const copy = (arena.mem as Float32Array).slice();
  arena.release();
  return { mem: copy, result };
}

export function expectParity(c: Case, seed = 1) {
  const reference = runOn(getBackend('js'), c, seed);
  for (const name of WASM) {
    const got = runOn(getBackend(name), c, seed);
    const tol = c.tolerance ?? TOLERANCE;
    let worst = 0, where = -1;
    for (let i = 0; i < reference.mem.length; i++) {
      const e = Math.abs(got.mem[i]! - reference.mem[i]!) / Math.max(1, Math.abs(reference.mem[i]!));
      if (!(e <= worst)) { worst = e; where = i; }
    }
    expect(worst, `${name}: element ${where}: ${got.mem[where]} vs js ${reference.mem[where]}`).toBeLessThanOrEqual(tol);
    if (typeof reference.result === 'number') {
      expect(Math.abs((got.result as number) - reference.result) / Math.max(1, Math.abs(reference.result)), `${name}: return value`).toBeLessThanOrEqual(tol);
    }
  }
}
