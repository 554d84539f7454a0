import { RnnkitError } from '../errors.js';
import type { KernelPair, Kernels } from './backend.js';
import { onlineKernelBytes, onlineKernelModule } from './online-kernel-source.js';
import { registerOnlineKernels } from './online-registry.js';
import { kernelSourceOf, wrap, type WasmExports } from './wasm-kernels.js';

// Thread pools created from now on load the online kernels in their workers (src/threads/pool.ts).
registerOnlineKernels(onlineKernelBytes);

/** Each table's attached pairs, so a pair is wrapped once per table. */
const attached = new WeakMap<object, Map<object, object>>();
/** Each core instance's online instance (null: none to be had), made once per memory. */
const onlineInstances = new WeakMap<object, WasmExports | null>();

/**
 * A kernel pair's functions for the kernel table `table` runs:
 * - a thread's recorder already records every kernel of both modules (the
 *   pool loaded the online module in its workers): its functions of those names;
 * - a wasm backend: the online algorithms' module (assembly/online.ts),
 *   instantiated on first use on the backend's own memory, calling its
 *   matrix products, wrapped as the core kernels are;
 * - the js backend, or a wasm backend with no online module to be had (the
 *   js, workerd or edge-light entry given a scalar module without its online
 *   twin): the JS twins, which run on any typed array, the wasm memory's too.
 * The online module's bytes enter a bundle only through this function, that
 * is, only with an online algorithm.
 */
export function attachKernels<K extends object>(table: Kernels, pair: KernelPair<K>): K {
  const source = kernelSourceOf(table);
  if (!source) return pair.js;
  let pairs = attached.get(table);
  if (!pairs) attached.set(table, (pairs = new Map()));
  let kernels = pairs.get(pair) as K | undefined;
  if (kernels) return kernels;
  const names = Object.keys(pair.addresses);
  if (names.every((name) => typeof source.exports[name] === 'function')) {
    kernels = wrap(source.exports, pair.addresses) as K;
  } else if (!source.variant) {
    throw new RnnkitError('threads: this ThreadPool was created before rnnkit/online was loaded, so its workers have no online kernels: import rnnkit/online before creating the pool');
  } else {
    const online = onlineInstance(source.exports, source.variant, source.online);
    kernels = online ? wrap(online, pair.addresses) as K : pair.js;
  }
  pairs.set(pair, kernels);
  return kernels;
}

function onlineInstance(core: WasmExports, variant: 'simd' | 'scalar', given: WebAssembly.Module | undefined): WasmExports | null {
  let online = onlineInstances.get(core);
  if (online !== undefined) return online;
  const memory = core.memory as WebAssembly.Memory;
  // A thread pool's backend is given the module that imports its memory as shared (src/threads/pool.ts).
  const module = given ?? (variant === 'simd' ? onlineKernelModule() : undefined);
  online = module ? new WebAssembly.Instance(module, { env: { memory, matmulAB: core.matmulAB, matmulABt: core.matmulABt } }).exports as WasmExports : null;
  onlineInstances.set(core, online);
  return online;
}
