import type { WasmVariant } from '../backend/wasm.js';

/**
 * The kernel source of rnnkit/js: none, so that a bundle of that entry holds
 * no wasm bytes. 'auto' falls back to the js backend, and backendInfo() says
 * why. A module compiled elsewhere can still be handed to useWasmModule().
 */
export function kernelModule(_variant: WasmVariant): WebAssembly.Module {
  throw new Error('rnnkit/js ships no wasm kernels (pass a compiled module to useWasmModule() to use them)');
}

/** Threads need the kernels' bytes (src/threads/shared-module.ts): rnnkit/js ships no wasm kernels. */
export function kernelBytes(): Uint8Array<ArrayBuffer> {
  throw new Error('rnnkit/js ships no wasm kernels');
}
