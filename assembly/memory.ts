// Addressing shared by every kernel. Arguments are byte addresses into the one
// linear memory the TypeScript façade lays out; 0 means "no such buffer" (the
// façade never places data at address 0).

/** Address of the i-th f32 after `base`. */
// @ts-ignore: decorator
@inline export function at(base: usize, i: i32): usize {
  return base + (<usize>i << 2);
}

// @ts-ignore: decorator
@inline export function get(base: usize, i: i32): f32 {
  return load<f32>(base + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline export function put(base: usize, i: i32, value: f32): void {
  store<f32>(base + (<usize>i << 2), value);
}

/** Activation codes, as in src/kernels/js/types.ts. */
export const IDENTITY = 0;
export const SIGMOID = 1;
export const TANH = 2;
export const RELU = 3;
export const SOFTMAX = 4;

/** Loss codes, as in src/kernels/js/types.ts. */
export const MSE = 0;
export const CROSS_ENTROPY = 1;
export const CROSS_ENTROPY_INDEX = 2;
export const BINARY_CROSS_ENTROPY = 3;
