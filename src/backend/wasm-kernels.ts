import { NONE, type Mem } from '../kernels/js/types.js';
import type { Kernels } from './backend.js';

/** The functions the AssemblyScript module exports (assembly/index.ts): addresses in bytes, 0 = no buffer. */
export interface WasmExports {
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
  sumSquares: 0b1, allFinite: 0b1, scaleInPlace: 0b1, clampInPlace: 0b1, copy: 0b11, fill: 0b1, sumRowsInto: 0b11, broadcastRows: 0b11, addInPlace: 0b11,
};

type N = number;

/**
 * What stands behind a table wasmKernels made: the module's exports, and for a
 * wasm backend the online algorithms' module to instantiate on its memory
 * (src/backend/attach-kernels.ts).
 */
export interface KernelSource {
  readonly exports: WasmExports;
  /** The build of the core module: which online module matches it. Absent for a thread's recorder. */
  readonly variant?: 'simd' | 'scalar';
  /** The online module given to useWasmModule, if any. */
  readonly online?: WebAssembly.Module;
}

/**
 * The source behind each table wasmKernels made (a wasm backend's, or a thread's recorder's): what attachKernels
 * wraps. A property under a registered symbol, not a module's WeakMap: attachKernels is in the rnnkit/online
 * entry, a bundle apart from the rnnkit that made the table.
 */
const SOURCE = Symbol.for('rnnkit.kernelSource');

/**
 * The Kernels interface over a wasm instance. A view's byteOffset is its
 * arena's address in linear memory, so element offset `o` of `mem` is byte
 * address mem.byteOffset + 4·o; NONE becomes the null address 0.
 */
export function wasmKernels(exports: WasmExports, source: Omit<KernelSource, 'exports'> = {}): Kernels {
  const kernels = wrap(exports, ADDRESS_ARGUMENTS) as Kernels;
  Object.defineProperty(kernels, SOURCE, { value: { exports, ...source } });
  return kernels;
}

/** The module behind a kernel table; undefined for the js backend's. */
export function kernelSourceOf(table: Kernels): KernelSource | undefined {
  return (table as { [SOURCE]?: KernelSource })[SOURCE];
}

/**
 * The named exports as (mem, element offsets…) functions. No kernel takes
 * more than 14 arguments after `mem` (lstmRtrlStep); a wasm function ignores
 * the extra undefined ones.
 */
export function wrap(exports: WasmExports, masks: Readonly<Record<string, number>>): Record<string, unknown> {
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
