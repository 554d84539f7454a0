import { checkKeys, checkOneOf, fail, RnnkitError } from '../errors.js';
import { jsBackend, type Backend, type BackendName, type DType } from './backend.js';
import { kernelBytes, kernelModule } from './kernel-source.js';
import { wasmBackend, type WasmVariant } from './wasm.js';

export type { Arena, Backend, BackendName, DType, Kernels } from './backend.js';
export { Workspace, planRegions } from './workspace.js';
export type { WasmVariant } from './wasm.js';

const NAMES: readonly BackendName[] = ['wasm-simd', 'wasm-scalar', 'js'];
/** What 'auto' tries, in order (see getBackend). */
const AUTO_ORDER: readonly BackendName[] = ['wasm-simd', 'js'];
const loaded = new Map<BackendName, Backend>([['js', jsBackend]]);
/** Why a backend could not be loaded here, as the runtime said it. */
const failures = new Map<BackendName, string>();
let automatic: Backend | undefined;

/**
 * Compiles (or, in the workerd entry, takes) the kernel module and
 * instantiates a wasm backend on it. Compiling can be refused even where
 * WebAssembly.validate says yes (a CSP without 'wasm-unsafe-eval', Cloudflare
 * workerd: "Wasm code generation disallowed by embedder"), and SIMD can be
 * missing: only a caught error tells.
 */
function tryLoad(name: 'wasm-simd' | 'wasm-scalar'): Backend | undefined {
  const have = loaded.get(name);
  if (have || failures.has(name)) return have;
  try {
    if (typeof WebAssembly !== 'object') throw new Error('WebAssembly is not available in this runtime');
    const variant: WasmVariant = name === 'wasm-simd' ? 'simd' : 'scalar';
    const backend = wasmBackend(kernelModule(variant), variant);
    loaded.set(name, backend);
    return backend;
  } catch (error) {
    failures.set(name, error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    return undefined;
  }
}

/**
 * A backend by name. 'auto' (the default) is the fastest that works here:
 * wasm-simd, else js; the choice is made once per process (or set by
 * useWasmModule). Backends can be used side by side.
 *
 * 'auto' skips wasm-scalar: `npm run bench` measures V8's code for the JS
 * kernels 1.1–1.6× faster than the scalar wasm build on 9 of its 10
 * workloads (bench/results/2026-11-23T11-28-03.md). wasm-scalar is
 * available by name once its module is given to useWasmModule.
 */
export function getBackend(name: BackendName | 'auto' = 'auto'): Backend {
  if (name === 'auto') return (automatic ??= tryLoad('wasm-simd') ?? jsBackend);
  const known = checkOneOf('backend', name, ['auto', ...NAMES]) as BackendName;
  if (known === 'js') return jsBackend;
  const backend = tryLoad(known);
  if (!backend) throw new RnnkitError(`backend: '${known}' is not available in this runtime (${failures.get(known)})`);
  return backend;
}

/**
 * The backend a model of this dtype runs on: 'auto' picks the fastest one that
 * holds the dtype (float64, used by gradient checks, runs on js).
 */
export function backendFor(spec: BackendName | 'auto' | Backend, dtype: DType): Backend {
  if (typeof spec === 'object' && spec !== null && !(typeof spec.allocate === 'function' && Array.isArray(spec.dtypes) && typeof spec.kernels === 'object')) {
    fail('backend', "a backend name ('auto', 'wasm-simd', 'wasm-scalar', 'js') or a Backend from getBackend()", spec);
  }
  const backend = typeof spec === 'object' && spec !== null ? spec : spec === 'auto' && dtype === 'float64' ? jsBackend : getBackend(spec);
  if (!backend.dtypes.includes(dtype)) {
    fail('dtype', `one of ${backend.dtypes.map((d) => `'${d}'`).join(', ')} on the ${backend.name} backend (float64 runs on 'js')`, dtype);
  }
  return backend;
}

/** Which backend 'auto' chose, and why it passed over the ones before it. */
export interface BackendInfo {
  /** The backend 'auto' uses in this process: 'wasm-simd', or 'js' after a fallback. */
  backend: BackendName;
  /** The backends tried before it and why each failed; empty when the first choice worked. */
  fallbacks: {
    /** The backend that could not be used. */
    backend: BackendName;
    /** The runtime's error, e.g. "CompileError: WebAssembly.Module(): Wasm code generation disallowed by embedder". */
    reason: string;
  }[];
}

/** Which backend 'auto' chose and, after a fallback, why. */
export function backendInfo(): BackendInfo {
  const chosen = getBackend('auto');
  const fallbacks: BackendInfo['fallbacks'] = [];
  for (const name of AUTO_ORDER) {
    if (name === chosen.name) break;
    const reason = failures.get(name);
    if (reason) fallbacks.push({ backend: name, reason });
  }
  return { backend: chosen.name, fallbacks };
}

/** The SIMD kernels' bytes, for the threads' shared-memory module; throws where this entry has none. */
export function simdKernelBytes(): Uint8Array<ArrayBuffer> {
  return kernelBytes();
}

/**
 * Uses a precompiled kernel module: where compiling from bytes is forbidden
 * (Cloudflare workerd imports the .wasm file as a WebAssembly.Module), or to
 * share one compilation. `variant` says which build it is (default 'simd'); a
 * SIMD module becomes what 'auto' returns, a scalar one (rnnkit-scalar.wasm)
 * the 'wasm-scalar' backend, which 'auto' never picks.
 */
export function useWasmModule(module: WebAssembly.Module, options: {
  /** Which build the module is: 'simd' (rnnkit-simd.wasm) or 'scalar' (rnnkit-scalar.wasm). Default 'simd'. */
  variant?: WasmVariant;
  /**
   * The online algorithms' kernels of the same build (rnnkit-online-simd.wasm or rnnkit-online-scalar.wasm), which
   * rtrl(), snap() and uoro() run on this backend. Default: the entry's own SIMD build for a 'simd' module (none in
   * rnnkit/js); without one, those algorithms run their JS twins on this backend's memory, with the same results.
   */
  online?: WebAssembly.Module;
} = {}): Backend {
  checkKeys('useWasmModule options', options, ['variant', 'online']);
  if (typeof WebAssembly !== 'object' || !(module instanceof WebAssembly.Module)) fail('module', 'a WebAssembly.Module', module);
  const variant = checkOneOf('variant', options.variant ?? 'simd', ['simd', 'scalar']);
  if (options.online !== undefined && !(options.online instanceof WebAssembly.Module)) fail('online', 'a WebAssembly.Module (rnnkit-online-simd.wasm or rnnkit-online-scalar.wasm)', options.online);
  const backend = wasmBackend(module, variant, {}, options.online);
  loaded.set(backend.name, backend);
  failures.delete(backend.name);
  if (variant === 'simd') automatic = backend;
  return backend;
}
