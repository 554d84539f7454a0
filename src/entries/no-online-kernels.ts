/**
 * The online kernels' source of rnnkit/js: none, so that its bundles hold no
 * wasm bytes. An online algorithm then runs its JS twins, on the js backend
 * or on a wasm backend given to useWasmModule without an `online` module.
 */
export function onlineKernelBytes(): undefined {
  return undefined;
}

export function onlineKernelModule(): undefined {
  return undefined;
}
