import online from '../../build/rnnkit-online-simd.wasm?module';

/**
 * The online kernels' source of the edge-light entry: rnnkit-online-simd.wasm
 * as a `.wasm?module` import (the edge runtime compiles no wasm from bytes),
 * shipped beside the entry. The entry has no threads, so no bytes are needed.
 */
export function onlineKernelBytes(): undefined {
  return undefined;
}

export function onlineKernelModule(): WebAssembly.Module {
  if (!(online instanceof WebAssembly.Module)) {
    throw new Error('rnnkit-online-simd.wasm?module was not imported as a WebAssembly.Module by this bundler');
  }
  return online;
}
