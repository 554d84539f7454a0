import simd from '../../build/rnnkit-simd.wasm';
import type { WasmVariant } from '../backend/wasm.js';

/**
 * The kernel source of the workerd entry (Cloudflare Workers). workerd refuses
 * to compile wasm from bytes ("Wasm code generation disallowed by embedder"),
 * but a .wasm module import gives a compiled WebAssembly.Module, in workerd
 * itself and through wrangler's bundler. The build ships rnnkit-simd.wasm next
 * to this entry; workerd always has SIMD, so the scalar build stays out.
 */
export function kernelModule(variant: WasmVariant): WebAssembly.Module {
  if (variant !== 'simd') throw new Error('the workerd entry ships only the SIMD kernels');
  if (!(simd instanceof WebAssembly.Module)) {
    throw new Error("rnnkit-simd.wasm was not imported as a WebAssembly.Module: declare it as a wasm module (workerd config) or use wrangler's CompiledWasm rule");
  }
  return simd;
}

/** Threads need the kernels' bytes (src/threads/shared-module.ts): the workerd entry imports the kernels as a compiled module, not as bytes. */
export function kernelBytes(): Uint8Array<ArrayBuffer> {
  throw new Error('the workerd entry imports the kernels as a compiled module, not as bytes');
}
