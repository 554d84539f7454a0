import { inflate } from './inflate.js';
import { decodeBase64, type WasmVariant } from './wasm.js';
import { KERNELS_DEFLATE_BASE64, SIMD_WASM_BYTES } from './wasm-bytes.generated.js';

/**
 * Where the wasm backends get their compiled kernel module: the one place an
 * entry differs from another. This is the default entry's source, the SIMD
 * build's bytes embedded in the bundle, compiled on demand. The other entries
 * are built from the same code with this module swapped for one of
 * src/entries/ (tsup.config.ts): rnnkit/js has no kernels, the workerd and
 * edge-light entries import the .wasm file as a module because those runtimes
 * refuse to compile from bytes.
 *
 * The scalar build is in no entry's bundle: 'auto' never picks it (the JS
 * kernels run faster where SIMD is missing), and embedding it cost 2.6 kB of
 * every app's bundle. It ships as rnnkit/rnnkit-scalar.wasm for useWasmModule.
 *
 * Compiling can be refused even where WebAssembly.validate says yes (a CSP
 * without 'wasm-unsafe-eval', Cloudflare workerd: "Wasm code generation
 * disallowed by embedder"), and SIMD can be missing: the caller catches.
 */
export function kernelModule(variant: WasmVariant): WebAssembly.Module {
  if (variant === 'scalar') {
    throw new Error("the scalar build is not embedded; load rnnkit/rnnkit-scalar.wasm and pass it to useWasmModule(module, { variant: 'scalar' })");
  }
  return new WebAssembly.Module(kernelBytes());
}

/** The SIMD build's bytes, which threads turn into their shared-memory module (src/threads/shared-module.ts). */
export function kernelBytes(): Uint8Array<ArrayBuffer> {
  return inflate(decodeBase64(KERNELS_DEFLATE_BASE64), SIMD_WASM_BYTES);
}
