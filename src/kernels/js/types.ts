/**
 * Every kernel works in place on one typed array ("the arena") addressed by
 * element offsets. The WebAssembly kernels take the same arguments as byte
 * pointers into linear memory, so a kernel here and its AssemblyScript twin
 * differ only in how they read memory.
 */
export type Mem = Float32Array | Float64Array;

/** Activation codes shared by the JS and wasm kernels (σ and F of the notes). */
export const Act = {
  identity: 0,
  sigmoid: 1,
  tanh: 2,
  relu: 3,
  /** Row-wise softmax: output function F only. */
  softmax: 4,
} as const;
export type ActCode = (typeof Act)[keyof typeof Act];

/** Loss codes. Each per-step loss sums over output units (note 001, eq. 1.31). */
export const LossKind = {
  /** ½‖y − τ‖² */
  mse: 0,
  /** −Σ τ_k log y_k with y = softmax(z), τ a distribution (one-hot or soft). */
  crossEntropy: 1,
  /** −log y_c with y = softmax(z), the target a class index c stored as a float. */
  crossEntropyIndex: 2,
  /** −Σ [τ log y + (1 − τ) log(1 − y)] with y = sigmoid(z). */
  binaryCrossEntropy: 3,
} as const;
export type LossCode = (typeof LossKind)[keyof typeof LossKind];

/** Offset meaning "no such buffer" (e.g. no mask, no input gradient wanted). */
export const NONE = -1;
