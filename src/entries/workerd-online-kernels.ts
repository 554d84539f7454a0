import online from '../../build/rnnkit-online-simd.wasm';

/**
 * The online kernels' source of the workerd entry: rnnkit-online-simd.wasm,
 * imported as a compiled module (workerd compiles no wasm from bytes), shipped
 * beside the entry. workerd has no threads, so no bytes are needed.
 */
export function onlineKernelBytes(): undefined {
  return undefined;
}

export function onlineKernelModule(): WebAssembly.Module {
  if (!(online instanceof WebAssembly.Module)) {
    throw new Error("rnnkit-online-simd.wasm was not imported as a WebAssembly.Module: declare it as a wasm module (workerd config) or use wrangler's CompiledWasm rule");
  }
  return online;
}
