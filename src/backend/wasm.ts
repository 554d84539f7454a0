import { fail } from '../errors.js';
import { LinearAllocator } from './allocator.js';
import type { Arena, Backend } from './backend.js';
import { wasmKernels } from './wasm-kernels.js';

/** Which WebAssembly build of the kernels: with SIMD (rnnkit-simd.wasm) or without (rnnkit-scalar.wasm). */
export type WasmVariant = 'simd' | 'scalar';

/** The module's own static data lives in the first page; arenas start above it. */
const FIRST_ARENA_BYTE = 65536;

/**
 * A backend over one instance of the kernel module: one linear memory that
 * every model on this backend shares, handed out by a first-fit allocator.
 * The module exports its memory: its own, or the shared one it imports
 * (`imports.env.memory`, the threads' module, src/threads/shared-module.ts).
 * `online` is the online algorithms' module for this build, when the caller
 * has one (useWasmModule, a thread pool); else the entry's own.
 */
export function wasmBackend(
  module: WebAssembly.Module, variant: WasmVariant, imports: WebAssembly.Imports = {}, online?: WebAssembly.Module,
): Backend & { readonly instance: WebAssembly.Instance } {
  const instance = new WebAssembly.Instance(module, imports);
  const exports = instance.exports as Record<string, unknown>;
  const memory = exports.memory;
  if (!(memory instanceof WebAssembly.Memory)) fail('module', 'the rnnkit kernel module (it exports no memory)');
  // The online algorithms' module, when given, is instantiated on this memory at their first use (attach-kernels.ts).
  const kernels = wasmKernels(exports as never, { variant, online });
  const allocator = new LinearAllocator(memory, FIRST_ARENA_BYTE);
  return {
    instance,
    name: variant === 'simd' ? 'wasm-simd' : 'wasm-scalar',
    kernels,
    dtypes: ['float32'],
    get memoryBytes() { return memory.buffer.byteLength; },
    allocate(length, dtype): Arena {
      if (dtype !== 'float32') fail('dtype', "'float32' on a wasm backend", dtype);
      const address = allocator.allocate(length * 4);
      let view = new Float32Array(memory.buffer, address, length);
      view.fill(0);
      let released = false;
      return {
        length,
        get mem() {
          // Growing a memory detaches the old buffer, and a detached view has length 0: make a new one then. (A
          // shared memory's old buffer stays whole, and so does a view of it. Comparing the buffers instead cost two
          // getter calls on every access: ~4 % of a one-stream learn().)
          if (view.length === 0) view = new Float32Array(memory.buffer, address, length);
          return view;
        },
        release() {
          if (released) return;
          released = true;
          allocator.release(address);
        },
      };
    },
  };
}

/** Bytes from base64, with the decoder every runtime here has (atob), or Node's Buffer. */
export function decodeBase64(text: string): Uint8Array {
  if (typeof atob === 'function') {
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }
  const B = (globalThis as { Buffer?: { from(s: string, e: string): Uint8Array } }).Buffer;
  if (!B) throw new Error('no base64 decoder (atob or Buffer) in this runtime');
  return new Uint8Array(B.from(text, 'base64'));
}
