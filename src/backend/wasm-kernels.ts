import { NONE, type Mem } from '../kernels/js/types.js';
import type { KernelPair, Kernels } from './backend.js';

/** The functions the AssemblyScript module exports (assembly/index.ts): addresses in bytes, 0 = no buffer. */
interface WasmExports {
  memory: WebAssembly.Memory;
  [kernel: string]: ((...args: number[]) => number) | WebAssembly.Memory;
}

/**
 * For each kernel, which of its arguments after `mem` are element offsets
 * (bit i: argument i), to become byte addresses; the rest (sizes, codes,
 * rates, seeds) pass as they are. An algorithm's own kernels carry their
 * masks in their KernelPair (RTRL's: src/train/rtrl.ts).
 */
const ADDRESS_ARGUMENTS: Record<keyof Kernels, number> = {
  matmulABt: 0b111, matmulAB: 0b111, matmulAtB: 0b111, columnSums: 0b11,
  activationForward: 0b11, activationBackward: 0b11,
  denseForward: 0b11111, denseBackward: 0b111111,
  elmanForward: 0b11, elmanBackward: 0b1111,
  lstmForward: 0b1111, lstmBackward: 0b1111111, gruForward: 0b111111, gruBackward: 0b111111111,
  embeddingForward: 0b111, embeddingBackward: 0b111, dropoutMask: 0b11, multiply: 0b111,
  lossForwardBackward: 0b11111,
  sgdUpdate: 0b11, momentumUpdate: 0b111, adamUpdate: 0b1111,
  sumSquares: 0b1, scaleInPlace: 0b1, clampInPlace: 0b1, copy: 0b11, fill: 0b1, sumRowsInto: 0b11, broadcastRows: 0b11, addInPlace: 0b11,
};

type N = number;

/** The exports behind each table wasmKernels made (a wasm backend's, or a thread's recorder's): what attachKernels wraps. */
const exportsOf = new WeakMap<object, WasmExports>();

/**
 * The Kernels interface over a wasm instance. A view's byteOffset is its
 * arena's address in linear memory, so element offset `o` of `mem` is byte
 * address mem.byteOffset + 4·o; NONE becomes the null address 0.
 */
export function wasmKernels(exports: WasmExports): Kernels {
  const kernels = wrap(exports, ADDRESS_ARGUMENTS) as Kernels;
  exportsOf.set(kernels, exports);
  return kernels;
}

/** Each table's attached pairs, so a pair is wrapped once per table. */
const attached = new WeakMap<object, Map<object, object>>();

/**
 * A kernel pair's functions for the kernel table `table` runs: on a wasm
 * backend, or a thread's recorder, the module's exports of those names,
 * wrapped as the core kernels are (a recorder's then record, for a worker to
 * replay by name); on the js backend (any table not made from wasm exports)
 * the JS twins, which work on its typed arrays.
 */
export function attachKernels<K extends object>(table: Kernels, pair: KernelPair<K>): K {
  const exports = exportsOf.get(table);
  if (!exports) return pair.js;
  let pairs = attached.get(table);
  if (!pairs) attached.set(table, (pairs = new Map()));
  let kernels = pairs.get(pair) as K | undefined;
  if (!kernels) pairs.set(pair, (kernels = wrap(exports, pair.addresses) as K));
  return kernels;
}

/**
 * The named exports as (mem, element offsets…) functions. No kernel takes
 * more than 14 arguments after `mem` (lstmRtrlStep); a wasm function ignores
 * the extra undefined ones.
 */
function wrap(exports: WasmExports, masks: Readonly<Record<string, number>>): Record<string, unknown> {
  const kernels: Record<string, unknown> = {};
  for (const name of Object.keys(masks)) {
    const fn = exports[name], mask = masks[name]!;
    if (typeof fn !== 'function') throw new Error(`wasm module lacks the kernel ${name}`);
    kernels[name] = (mem: Mem, a: N, b: N, c: N, d: N, e: N, f: N, g: N, h: N, i: N, j: N, k: N, l: N, m: N, n: N) => {
      const base = mem.byteOffset;
      const at = (x: N, bit: N) => ((mask >> bit) & 1 ? (x === NONE ? 0 : base + x * 4) : x);
      return fn(at(a, 0), at(b, 1), at(c, 2), at(d, 3), at(e, 4), at(f, 5), at(g, 6), at(h, 7), at(i, 8), at(j, 9), at(k, 10), at(l, 11), at(m, 12), at(n, 13));
    };
  }
  return kernels;
}
