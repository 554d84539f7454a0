import * as js from '../kernels/js/index.js';
import type { Mem } from '../kernels/js/types.js';

/** The element type of a model's parameters and arena: 32- or 64-bit floats. */
export type DType = 'float32' | 'float64';

/**
 * The contract every backend's kernels meet: the JS kernels define it and the
 * WebAssembly kernels implement the same functions over the same offsets.
 */
export type Kernels = Pick<
  typeof js,
  | 'matmulABt' | 'matmulAB' | 'matmulAtB' | 'columnSums'
  | 'activationForward' | 'activationBackward'
  | 'denseForward' | 'denseBackward'
  | 'elmanForward' | 'elmanBackward' | 'lstmForward' | 'lstmBackward' | 'gruForward' | 'gruBackward'
  | 'embeddingForward' | 'embeddingBackward' | 'dropoutMask' | 'multiply'
  | 'lossForwardBackward'
  | 'sgdUpdate' | 'momentumUpdate' | 'adamUpdate'
  | 'sumSquares' | 'allFinite' | 'scaleInPlace' | 'clampInPlace' | 'copy' | 'fill' | 'sumRowsInto' | 'broadcastRows' | 'addInPlace'
>;

/**
 * An algorithm's own kernels, outside the core table: exact RTRL's today
 * (SnAp-1's and UORO's next). The wasm module exports them with every other
 * kernel (it is one binary), but their JS twins and address masks live with
 * the algorithm's façade (src/train/rtrl.ts), so only a bundle that imports
 * the algorithm carries them. attachKernels (wasm-kernels.ts) hands out the
 * half of the pair that runs on a given kernel table.
 */
export interface KernelPair<K extends object> {
  /** The JS twins, named as the wasm exports are. */
  readonly js: K;
  /** For each kernel, which of its arguments after `mem` are element offsets (bit i: argument i), as for the core kernels. */
  readonly addresses: { readonly [Name in keyof K]: number };
}

/** The backends by name: the JS kernels, or the WebAssembly kernels with or without SIMD. */
export type BackendName = 'js' | 'wasm-simd' | 'wasm-scalar';

/** A block of a backend's memory holding one model's arena. */
export interface Arena {
  /**
   * The elements as a typed array. For wasm this view is re-created after
   * linear memory grows (growth detaches every view): read it afresh after
   * any call that may allocate, never keep it across one.
   */
  readonly mem: Mem;
  readonly length: number;
  /** Returns the block for reuse. The arena must not be used afterwards. */
  release(): void;
}

/** Where a model's kernels run and its memory lives: from getBackend() or useWasmModule(), or a model's `backend`. */
export interface Backend {
  /** Which backend this is: 'js', 'wasm-simd' or 'wasm-scalar'. */
  readonly name: BackendName;
  /** @internal */
  readonly kernels: Kernels;
  /** Which element types this backend's arenas may hold (wasm kernels are float32 only). */
  readonly dtypes: readonly DType[];
  /** @internal A zeroed arena of `length` elements. */
  allocate(length: number, dtype: DType): Arena;
  /** Bytes of memory the backend holds (the wasm linear memory's size; 0 for js). */
  readonly memoryBytes: number;
}

export const jsBackend: Backend = {
  name: 'js',
  kernels: js,
  dtypes: ['float32', 'float64'],
  allocate(length, dtype) {
    const mem = dtype === 'float64' ? new Float64Array(length) : new Float32Array(length);
    return { mem, length, release() {} };
  },
  memoryBytes: 0,
};
