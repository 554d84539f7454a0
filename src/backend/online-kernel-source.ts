import { inflate } from './inflate.js';
import { decodeBase64 } from './wasm.js';
import { ONLINE_KERNELS_DEFLATE_BASE64, ONLINE_SIMD_WASM_BYTES } from './wasm-bytes.generated.js';

/**
 * Where the online algorithms' kernels (assembly/online.ts) come from: like
 * kernel-source.ts for the core module, the one place an entry differs. This
 * is the default entry's: the SIMD build embedded, deflated. Only
 * attachKernels (an online algorithm) and the thread pool reference it, so an
 * app that imports neither carries none of its bytes. The workerd and
 * edge-light entries import rnnkit-online-simd.wasm as a module; rnnkit/js
 * has none (src/entries/).
 */
let bytes: Uint8Array<ArrayBuffer> | undefined;
let module: WebAssembly.Module | undefined;

/** The online module's SIMD bytes, for a thread pool's shared-memory module; undefined where the entry has none. */
export function onlineKernelBytes(): Uint8Array<ArrayBuffer> | undefined {
  return (bytes ??= inflate(decodeBase64(ONLINE_KERNELS_DEFLATE_BASE64), ONLINE_SIMD_WASM_BYTES));
}

/** The online module's SIMD build, compiled once; undefined where the entry has none. */
export function onlineKernelModule(): WebAssembly.Module | undefined {
  return (module ??= new WebAssembly.Module(onlineKernelBytes()!));
}
