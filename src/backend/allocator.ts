import { RnnkitError } from '../errors.js';

const PAGE = 65536;
const ALIGN = 16;

/**
 * First-fit allocator over one WebAssembly.Memory, in bytes. Freed blocks are
 * coalesced with their neighbours; when nothing fits, memory grows. Every
 * block is 16-byte aligned (a v128) and none starts below `start`, so address
 * 0 can mean "no buffer" and the module's static data stays untouched.
 */
export class LinearAllocator {
  /** Free blocks, sorted by address. */
  private free: { at: number; size: number }[] = [];
  private readonly used = new Map<number, number>();
  private end: number;

  constructor(readonly memory: WebAssembly.Memory, start: number) {
    this.end = align(start);
  }

  /** Bytes currently handed out. */
  get allocatedBytes(): number {
    let total = 0;
    for (const size of this.used.values()) total += size;
    return total;
  }

  allocate(bytes: number): number {
    const size = Math.max(ALIGN, align(bytes));
    for (let i = 0; i < this.free.length; i++) {
      const block = this.free[i]!;
      if (block.size < size) continue;
      const at = block.at;
      if (block.size === size) this.free.splice(i, 1);
      else { block.at += size; block.size -= size; }
      this.used.set(at, size);
      return at;
    }
    // Take from the top, reusing a free block that touches it.
    const last = this.free[this.free.length - 1];
    let at = this.end;
    if (last && last.at + last.size === this.end) {
      this.free.pop();
      at = last.at;
    }
    this.ensure(at + size);
    this.end = Math.max(this.end, at + size);
    this.used.set(at, size);
    return at;
  }

  release(at: number): void {
    const size = this.used.get(at);
    if (size === undefined) throw new RnnkitError(`allocator: address ${at} is not an allocated block`);
    this.used.delete(at);
    let i = 0;
    while (i < this.free.length && this.free[i]!.at < at) i++;
    this.free.splice(i, 0, { at, size });
    // Coalesce with the next and the previous block.
    const next = this.free[i + 1];
    if (next && at + size === next.at) { this.free[i]!.size += next.size; this.free.splice(i + 1, 1); }
    const prev = this.free[i - 1];
    if (prev && prev.at + prev.size === at) { prev.size += this.free[i]!.size; this.free.splice(i, 1); }
  }

  /** Grows memory to hold `bytes` bytes. Growing detaches every view of the old buffer. */
  private ensure(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes <= have) return;
    const pages = Math.ceil((bytes - have) / PAGE);
    try {
      // Grow by at least a quarter of what exists, so repeated growth stays amortised.
      this.memory.grow(Math.max(pages, Math.ceil(have / PAGE / 4)));
    } catch {
      try {
        this.memory.grow(pages);
      } catch {
        // Most often: models created in a loop and never disposed (their memory returns only when they are
        // garbage-collected, which a synchronous loop never lets happen).
        throw new RnnkitError(`wasm memory: cannot grow to ${(bytes / 2 ** 20).toFixed(1)} MiB (4 GiB at most): dispose() the models no longer used`);
      }
    }
  }
}

function align(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}
