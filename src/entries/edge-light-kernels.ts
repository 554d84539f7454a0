import simd from '../../build/rnnkit-simd.wasm?module';
import type { WasmVariant } from '../backend/wasm.js';

/**
 * The kernel source of the edge-light entry (Vercel Edge Functions, Next.js
 * edge routes). Like workerd, the edge runtime refuses to compile wasm from
 * bytes; its bundler turns a `.wasm?module` import into a compiled
 * WebAssembly.Module. The build ships rnnkit-simd.wasm next to this entry.
 */
export function kernelModule(variant: WasmVariant): WebAssembly.Module {
  if (variant !== 'simd') throw new Error('the edge-light entry ships only the SIMD kernels');
  if (!(simd instanceof WebAssembly.Module)) {
    throw new Error('rnnkit-simd.wasm?module was not imported as a WebAssembly.Module by this bundler');
  }
  return simd;
}

/** Threads need the kernels' bytes (src/threads/shared-module.ts): the edge-light entry imports the kernels as a compiled module, not as bytes. */
export function kernelBytes(): Uint8Array<ArrayBuffer> {
  throw new Error('the edge-light entry imports the kernels as a compiled module, not as bytes');
}
