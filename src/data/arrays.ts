// Checks shared by the dataset builders: array-likes, their lengths, and
// copying numbers into the float arrays the kernels read.
import { checkFinite, fail } from '../errors.js';

export type Floats = Float32Array | Float64Array;

/** A plain array or a typed array (a DataView is not a list of numbers). */
export function isArrayLike(v: unknown): v is ArrayLike<unknown> {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}

/** `values` is an array of exactly `length` entries; `expected` says where that length comes from. */
export function checkLength(argument: string, values: unknown, length: number, expected: string): asserts values is ArrayLike<unknown> {
  if (!isArrayLike(values)) fail(argument, `an array of length ${length} (${expected})`, values);
  if (values.length !== length) fail(argument, `length ${length} (${expected})`, values);
}

/** The length of a non-empty vector (the size every later vector must match). */
export function vectorLength(argument: string, v: unknown): number {
  if (!isArrayLike(v) || v.length === 0) fail(argument, 'a non-empty vector', v);
  return v.length;
}

/** A checked copy: `length` finite numbers; a Float64Array stays float64, anything else becomes float32. */
export function toFloats(argument: string, values: unknown, length: number, expected: string): Floats {
  checkLength(argument, values, length, expected);
  const numbers = values as ArrayLike<number>;
  checkFinite(argument, numbers);
  return numbers instanceof Float64Array ? new Float64Array(numbers) : Float32Array.from(numbers);
}
