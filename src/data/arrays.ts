// Checks shared by the dataset builders: array-likes, their lengths, and
// copying numbers into the float arrays the kernels read.
import { checkFinite, fail, FLOAT32_MAX } from '../errors.js';

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

/**
 * A checked copy: `length` numbers, each finite in float32 (the kernels'
 * dtype; 1e39 would become Infinity there). A Float32Array stays float32;
 * anything else — plain numbers, a Float64Array — is kept in float64, so a
 * float64 model (gradient checks) computes on the data exactly as given.
 */
export function toFloats(argument: string, values: unknown, length: number, expected: string): Floats {
  checkLength(argument, values, length, expected);
  checkFinite(argument, values, 'float32');
  return values instanceof Float32Array ? new Float32Array(values) : Float64Array.from(values as ArrayLike<number>);
}

/** One value for a batch: a number finite in float32 (not a string, boolean or null, which JS would coerce). */
export function checkedNumber(argument: string, value: unknown): number {
  if (typeof value !== 'number' || !(Math.abs(value) <= FLOAT32_MAX)) fail(argument, 'a number finite in float32 (|x| ≤ 3.4e38)', value);
  return value;
}
