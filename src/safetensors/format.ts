/**
 * The safetensors container, read and written with nothing but the standard
 * library:
 *
 *   bytes 0–7   u64 little-endian N, the header's length in bytes
 *   8…8+N       UTF-8 JSON {name: {dtype, shape, data_offsets: [begin, end]}, …,
 *               "__metadata__": {string: string}} (optional), padded with spaces
 *   8+N…        the data: every tensor's values, row-major, little-endian, at its
 *               offsets (relative to the data's start)
 *
 * Reading checks the framing before it decodes or allocates anything: the
 * header's length is bounded and inside the buffer; every entry has a known
 * dtype, a shape of integers and offsets whose byte count is the shape's;
 * sorted by offset, the tensors tile the data exactly, from 0 to its end, with
 * no overlap, gap or trailing byte. So no value can be read twice or from
 * outside the file, and what is allocated is bounded by the file's size.
 */
import { RnnkitError } from 'rnnkit';
import { describe } from '../errors.js';

/** The element types rnnkit reads: its own two, and the two halves (converted exactly to float32). */
export type TensorDType = 'F64' | 'F32' | 'F16' | 'BF16';
const DTYPE_BYTES: Record<TensorDType, number> = { F64: 8, F32: 4, F16: 2, BF16: 2 };
const DTYPES = Object.keys(DTYPE_BYTES) as TensorDType[];

/**
 * The largest header read or written: 16 MiB. An rnnkit header is far smaller
 * (a 64-layer model's tensor table is about 30 kB); the rest is metadata, such
 * as a vocabulary. The bound keeps a crafted length from making the reader
 * decode and parse an arbitrary amount of text.
 */
export const MAX_HEADER_BYTES = 16 * 1024 * 1024;
const LENGTH_BYTES = 8;
const METADATA_KEY = '__metadata__';

/** One tensor of a file, its framing checked. */
export interface TensorEntry {
  readonly name: string;
  readonly dtype: TensorDType;
  readonly shape: readonly number[];
  /** Byte offsets in the data, begin inclusive, end exclusive. */
  readonly begin: number;
  readonly end: number;
}

/** A file whose framing has been checked; its values are decoded on demand (readTensor). */
export interface SafetensorsFile {
  readonly tensors: ReadonlyMap<string, TensorEntry>;
  /** `__metadata__`, every value a string; undefined when the file has none. */
  readonly metadata: Readonly<Record<string, string>> | undefined;
  readonly data: Uint8Array;
}

export function readSafetensors(bytes: Uint8Array): SafetensorsFile {
  if (bytes.length < LENGTH_BYTES) {
    throw new RnnkitError(`truncated: ${bytes.length} bytes, shorter than the ${LENGTH_BYTES}-byte header length that starts a safetensors file`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // A u64: exact as a number up to 2^53, and anything near that is refused by the bound anyway.
  const length = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
  if (length > MAX_HEADER_BYTES) {
    throw new RnnkitError(`header length: ${length} bytes, more than the ${MAX_HEADER_BYTES} (16 MiB) a header may take (not a safetensors file, or a crafted one)`);
  }
  if (LENGTH_BYTES + length > bytes.length) {
    throw new RnnkitError(`header length: ${length} bytes from offset ${LENGTH_BYTES} run past the end of the ${bytes.length}-byte buffer (truncated?)`);
  }
  const header = parseHeader(bytes.subarray(LENGTH_BYTES, LENGTH_BYTES + length));
  const data = bytes.subarray(LENGTH_BYTES + length);
  let metadata: Record<string, string> | undefined;
  const tensors = new Map<string, TensorEntry>();
  for (const name of Object.keys(header)) {
    if (name === METADATA_KEY) metadata = checkMetadata(header[name]);
    else tensors.set(name, checkEntry(name, header[name], data.length));
  }
  checkTiling([...tensors.values()], data.length);
  return { tensors, metadata, data };
}

function parseHeader(bytes: Uint8Array): Record<string, unknown> {
  let text: string;
  try {
    // fatal: malformed UTF-8 is an error, not replacement characters; ignoreBOM: a BOM stays and fails as JSON.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new RnnkitError('header: not valid UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new RnnkitError(`header: not valid JSON (${(error as Error).message})`);
  }
  if (!isObject(value)) throw new RnnkitError(`header: expected a JSON object of tensors, got ${describe(value)}`);
  return value;
}

function checkMetadata(value: unknown): Record<string, string> {
  if (!isObject(value)) throw new RnnkitError(`${METADATA_KEY}: expected an object of strings, got ${describe(value)}`);
  for (const key of Object.keys(value)) {
    if (typeof value[key] !== 'string') throw new RnnkitError(`${METADATA_KEY}.${key}: expected a string (safetensors metadata maps strings to strings), got ${describe(value[key])}`);
  }
  return value as Record<string, string>;
}

function checkEntry(name: string, entry: unknown, dataLength: number): TensorEntry {
  const where = `tensor '${name}'`;
  if (!isObject(entry)) throw new RnnkitError(`${where}: expected {dtype, shape, data_offsets}, got ${describe(entry)}`);
  for (const key of Object.keys(entry)) {
    if (key !== 'dtype' && key !== 'shape' && key !== 'data_offsets') throw new RnnkitError(`${where}: unknown key '${key}' (expected dtype, shape, data_offsets)`);
  }
  const { dtype, shape, data_offsets: offsets } = entry;
  if (typeof dtype !== 'string' || !(DTYPES as string[]).includes(dtype)) {
    throw new RnnkitError(`${where}: dtype: expected one of ${DTYPES.map((d) => `'${d}'`).join(', ')} (floating point; F16 and BF16 are converted exactly to float32), got ${describe(dtype)}`);
  }
  if (!Array.isArray(shape) || !shape.every((n) => Number.isSafeInteger(n) && n >= 0)) {
    throw new RnnkitError(`${where}: shape: expected an array of integers ≥ 0, got ${describe(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((n) => Number.isSafeInteger(n) && n >= 0)) {
    throw new RnnkitError(`${where}: data_offsets: expected [begin, end], two integers ≥ 0, got ${describe(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) throw new RnnkitError(`${where}: data_offsets [${begin}, ${end}] begin after they end`);
  if (end > dataLength) {
    throw new RnnkitError(`${where}: data_offsets [${begin}, ${end}] lie outside the ${dataLength} bytes of data after the header`);
  }
  // The product can only be checked against what the offsets hold: stop once it exceeds the data (no overflow).
  const size = DTYPE_BYTES[dtype as TensorDType];
  let bytes = (shape as number[]).includes(0) ? 0 : size;
  for (const n of shape as number[]) bytes = bytes > dataLength ? bytes : bytes * n;
  if (bytes !== end - begin) {
    const needs = bytes > dataLength ? `more than the ${dataLength} bytes of data` : `${bytes} bytes`;
    throw new RnnkitError(`${where}: data_offsets [${begin}, ${end}] hold ${end - begin} bytes, but shape [${(shape as number[]).join(', ')}] of ${dtype} needs ${needs}`);
  }
  return { name, dtype: dtype as TensorDType, shape: shape as number[], begin, end };
}

/** Sorted by offset, the tensors must cover the data exactly: from 0, each where the last ended, to the end. */
function checkTiling(entries: TensorEntry[], dataLength: number): void {
  const sorted = entries.slice().sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0, previous: TensorEntry | undefined;
  for (const entry of sorted) {
    if (entry.begin < at) {
      throw new RnnkitError(`tensor '${entry.name}': data_offsets [${entry.begin}, ${entry.end}] overlap tensor '${previous!.name}' [${previous!.begin}, ${previous!.end}]`);
    }
    if (entry.begin > at) {
      const before = previous ? `tensor '${previous.name}' ends at ${at}` : 'the data starts at 0';
      throw new RnnkitError(`tensor '${entry.name}': data_offsets [${entry.begin}, ${entry.end}] leave a gap: ${before} (the tensors must cover the data without holes)`);
    }
    at = entry.end;
    previous = entry;
  }
  if (at !== dataLength) {
    const last = previous ? `the last tensor, '${previous.name}', ends at ${at}` : 'the file has no tensors';
    throw new RnnkitError(`data: ${dataLength - at} bytes after the tensors (${last} of ${dataLength}): truncated offsets or trailing bytes`);
  }
}

/**
 * A tensor's values, every one checked finite, naming the tensor and the
 * index of the first that is not. F64 reads as a Float64Array, the others as
 * a Float32Array (F16 and BF16 values are all exactly float32 values).
 */
export function readTensor(file: SafetensorsFile, entry: TensorEntry): Float32Array | Float64Array {
  const { data } = file, size = DTYPE_BYTES[entry.dtype], count = (entry.end - entry.begin) / size;
  const view = new DataView(data.buffer, data.byteOffset + entry.begin, entry.end - entry.begin);
  let out: Float32Array | Float64Array;
  if (entry.dtype === 'F64') {
    out = new Float64Array(count);
    for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, true);
  } else if (entry.dtype === 'F32') {
    out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
  } else if (entry.dtype === 'BF16') {
    // bfloat16 is the upper half of a float32.
    out = new Float32Array(count);
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < count; i++) bits[i] = view.getUint16(i * 2, true) << 16;
  } else {
    out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = halfToNumber(view.getUint16(i * 2, true));
  }
  for (let i = 0; i < count; i++) {
    if (!Number.isFinite(out[i])) throw new RnnkitError(`tensor '${entry.name}'[${i}]: expected a finite number, got ${out[i]}`);
  }
  return out;
}

/** An IEEE binary16 value, exactly: 1 sign bit, 5 exponent bits (bias 15), 10 fraction bits. */
function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1, exponent = (bits >> 10) & 0x1f, fraction = bits & 0x3ff;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  if (exponent === 0) return sign * fraction * 2 ** -24; // zero and subnormals
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** A tensor to write: F32 or F64 (rnnkit's dtypes), values row-major. */
export interface TensorToWrite {
  readonly name: string;
  readonly dtype: 'F32' | 'F64';
  readonly shape: readonly number[];
  readonly values: ArrayLike<number>;
}

/**
 * The file: the header lists `__metadata__` first, then the tensors in the
 * order given, their data in that order too; it is padded with spaces so the
 * data starts at a multiple of 8 bytes.
 */
export function writeSafetensors(tensors: readonly TensorToWrite[], metadata: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = { [METADATA_KEY]: metadata };
  let offset = 0;
  for (const { name, dtype, shape, values } of tensors) {
    const end = offset + values.length * DTYPE_BYTES[dtype];
    header[name] = { dtype, shape, data_offsets: [offset, end] };
    offset = end;
  }
  const text = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil((LENGTH_BYTES + text.length) / 8) * 8 - LENGTH_BYTES;
  if (padded > MAX_HEADER_BYTES) {
    throw new RnnkitError(`metadata: the header would take ${padded} bytes, more than the ${MAX_HEADER_BYTES} (16 MiB) fromSafetensors reads`);
  }
  const bytes = new Uint8Array(LENGTH_BYTES + padded + offset);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, padded, true);
  bytes.set(text, LENGTH_BYTES);
  bytes.fill(0x20, LENGTH_BYTES + text.length, LENGTH_BYTES + padded);
  let at = LENGTH_BYTES + padded;
  for (const { dtype, values } of tensors) {
    for (let i = 0; i < values.length; i++) {
      if (dtype === 'F64') view.setFloat64(at, values[i]!, true);
      else view.setFloat32(at, values[i]!, true);
      at += DTYPE_BYTES[dtype];
    }
  }
  return bytes;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
