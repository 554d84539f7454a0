import { RnnkitError } from '../errors.js';
import type { Mem } from '../kernels/js/types.js';
import type { Arena, Backend, DType } from './backend.js';

/** Arenas of models that were garbage-collected without dispose() go back to their backend. */
const orphans = typeof FinalizationRegistry === 'function' ? new FinalizationRegistry<Arena>((arena) => arena.release()) : undefined;

/**
 * A model's arena: one block of its backend's memory holding, in order, a
 * fixed block (parameters, gradients, optimizer state, then any pinned
 * regions) and a batch block (inputs, activations, scratch) sized for the
 * largest batch shape seen so far.
 *
 * Growing moves the arena (and growing wasm memory detaches every view), so
 * callers read `mem` afresh after any call that may reserve, and never keep a
 * view across one.
 */
export class Workspace {
  private arena: Arena | undefined;
  private fixed: number;
  private layoutGeneration = 0;
  private home: Backend;
  private readonly unpinned: number;

  constructor(backend: Backend, readonly dtype: DType, fixedLength: number) {
    this.home = backend;
    this.fixed = this.unpinned = align(fixedLength);
    this.arena = backend.allocate(this.fixed, dtype);
    orphans?.register(this, this.arena, this);
  }

  get backend(): Backend {
    return this.home;
  }

  /**
   * Moves the arena into another backend's memory (a thread pool's shared
   * one): the fixed block is copied, the batch block is not, and batch
   * layouts must be planned again.
   */
  moveTo(backend: Backend): void {
    const old = this.live();
    if (backend === this.home) return;
    const next = backend.allocate(this.fixed, this.dtype);
    next.mem.set(old.mem.subarray(0, this.fixed));
    orphans?.unregister(this);
    old.release();
    this.arena = next;
    this.home = backend;
    this.layoutGeneration++;
    orphans?.register(this, next, this);
  }

  get mem(): Mem {
    return this.live().mem;
  }

  get length(): number {
    return this.live().length;
  }

  /** Where the batch block may start: everything below survives growth. */
  get fixedLength(): number {
    return this.fixed;
  }

  /** Changes whenever the fixed block grows: batch layouts planned before must be planned again. */
  get generation(): number {
    return this.layoutGeneration;
  }

  /**
   * Ensures the arena holds `length` elements; the fixed block survives, the
   * batch block does not. The old arena is released before the new one is
   * taken, so that an arena at the top of wasm memory grows in place instead
   * of leaving its old pages touched below the new ones.
   */
  reserve(length: number): void {
    const old = this.live();
    if (length <= old.length) return;
    const fixed = old.mem.slice(0, Math.min(this.fixed, old.length));
    orphans?.unregister(this);
    old.release();
    let next: Arena;
    try {
      next = this.backend.allocate(align(length), this.dtype);
    } catch (error) {
      // Refused (memory cannot grow): take the old size back, which was just freed, and keep the model whole.
      this.arena = this.backend.allocate(old.length, this.dtype);
      this.arena.mem.set(fixed);
      orphans?.register(this, this.arena, this);
      throw error;
    }
    next.mem.set(fixed);
    this.arena = next;
    orphans?.register(this, next, this);
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

  /** Whether pin() added regions (state that an OnlineLearner keeps between calls). */
  get pinned(): boolean {
    return this.fixed > this.unpinned;
  }

  /** Returns the arena to the backend now; the workspace cannot be used afterwards. */
  dispose(): void {
    if (!this.arena) return;
    orphans?.unregister(this);
    this.arena.release();
    this.arena = undefined;
  }

  get disposed(): boolean {
    return this.arena === undefined;
  }

  private live(): Arena {
    if (!this.arena) throw new RnnkitError('model: it was disposed (dispose() returned its memory); create or load a new one');
    return this.arena;
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
