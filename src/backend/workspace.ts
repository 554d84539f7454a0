import type { Mem } from '../kernels/js/types.js';
import type { Backend, DType } from './backend.js';

/**
 * A model's arena: one typed array holding, in order, a fixed block
 * (parameters, gradients, optimizer state, then any pinned regions) and a
 * batch block (inputs, activations, scratch) sized for the largest batch
 * shape seen so far.
 *
 * Growing replaces the array (as growing wasm memory detaches its views), so
 * callers read `mem` afresh after any call that may reserve, and never keep a
 * view across one.
 */
export class Workspace {
  private arena: Mem;
  private fixed: number;
  private layoutGeneration = 0;

  constructor(readonly backend: Backend, readonly dtype: DType, fixedLength: number) {
    this.fixed = align(fixedLength);
    this.arena = backend.allocate(this.fixed, dtype);
  }

  get mem(): Mem {
    return this.arena;
  }

  get length(): number {
    return this.arena.length;
  }

  /** Where the batch block may start: everything below survives growth. */
  get fixedLength(): number {
    return this.fixed;
  }

  /** Changes whenever the fixed block grows: batch layouts planned before must be planned again. */
  get generation(): number {
    return this.layoutGeneration;
  }

  /** Ensures the arena holds `length` elements; the fixed block survives, the batch block does not. */
  reserve(length: number): void {
    if (length <= this.arena.length) return;
    const next = this.backend.allocate(align(length), this.dtype);
    next.set(this.arena.subarray(0, this.fixed));
    this.arena = next;
  }

  /**
   * Adds a region of `length` elements to the fixed block, for state that must
   * survive other computations on the same model (an online learner's hidden
   * state and sensitivities). Returns its offset. The batch block is lost.
   */
  pin(length: number): number {
    const offset = this.fixed;
    this.fixed = align(offset + length);
    this.layoutGeneration++;
    this.reserve(this.fixed);
    return offset;
  }
}

/** Element offsets of named regions laid out from `start`, each aligned to 4 elements (16 bytes). */
export function planRegions<K extends string>(start: number, sizes: Record<K, number>): { offsets: Record<K, number>; end: number } {
  let at = align(start);
  const offsets = {} as Record<K, number>;
  for (const key of Object.keys(sizes) as K[]) {
    offsets[key] = at;
    at = align(at + sizes[key]);
  }
  return { offsets, end: at };
}

function align(n: number): number {
  return (n + 3) & ~3;
}
