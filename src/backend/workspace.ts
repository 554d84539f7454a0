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

  constructor(backend: Backend, readonly dtype: DType, fixedLength: number) {
    this.home = backend;
    this.fixed = align(fixedLength);
    this.arena = backend.allocate(this.fixed, dtype);
    orphans?.register(this, this.arena, this);
  }

  get backend(): Backend {
    return this.home;
  }



  /**
   * Lays the arena out again: in `backend`'s memory (a thread pool's shared
   * one), with a fixed block of `fixedLength` (pinned state grows and
   * shrinks it: pinned-regions.ts). What fits of the fixed block is kept; the
   * batch block is not, and batch layouts must be planned again.
   */
  relayout(backend: Backend, fixedLength: number): void {
    const old = this.live();
    this.fixed = align(fixedLength);
    this.layoutGeneration++;
    if (backend === this.home) return this.reserve(this.fixed);
    this.adopt(backend.allocate(this.fixed, this.dtype), old.mem.subarray(0, Math.min(this.fixed, old.length)));
    old.release();
    this.home = backend;
  }

  /** Takes `next` as the arena, with `fixed` copied to its start, and returns it to its backend if the model is collected. */
  private adopt(next: Arena, fixed: ArrayLike<number>): void {
    next.mem.set(fixed);
    orphans?.unregister(this);
    this.arena = next;
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
    old.release();
    try {
      this.adopt(this.home.allocate(align(length), this.dtype), fixed);
    } catch (error) {
      // Refused (memory cannot grow): take the old size back, which was just freed, and keep the model whole.
      this.adopt(this.home.allocate(old.length, this.dtype), fixed);
      throw error;
    }
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
