import * as js from '../kernels/js/index.js';
import type { Mem } from '../kernels/js/types.js';

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
  | 'rnnForward' | 'bpttBackward' | 'rtrlStep' | 'rtrlInit'
  | 'lossForwardBackward'
  | 'sgdUpdate' | 'momentumUpdate' | 'adamUpdate'
  | 'sumSquares' | 'scaleInPlace' | 'clampInPlace' | 'copy' | 'fill' | 'sumRowsInto' | 'broadcastRows' | 'addInPlace'
>;

export type BackendName = 'js';

export interface Backend {
  readonly name: BackendName;
  readonly kernels: Kernels;
  /** Which element types this backend's arenas may hold (wasm kernels are float32 only). */
  readonly dtypes: readonly DType[];
  /** A zeroed arena of `length` elements. */
  allocate(length: number, dtype: DType): Mem;
}

export const jsBackend: Backend = {
  name: 'js',
  kernels: js,
  dtypes: ['float32', 'float64'],
  allocate(length, dtype) {
    return dtype === 'float64' ? new Float64Array(length) : new Float32Array(length);
  },
};
