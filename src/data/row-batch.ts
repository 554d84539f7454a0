import { checkFinite, checkInteger, checkKeys, fail, RnnkitError } from '../errors.js';
import { checkLength, isArrayLike, toFloats, vectorLength, type Floats } from './arrays.js';

/**
 * The dataset D of note 001 eq. 1.7 for a feed-forward network: N independent
 * examples (x̄⁽ⁱ⁾, ȳ⁽ⁱ⁾), row-major:
 *   inputs  [N][p]
 *   targets [N][o]  — or classes [N] (class indices, for cross-entropy)
 */
export interface RowBatch {
  /** N: the number of rows (examples). */
  readonly size: number;
  /** p: values per input row. */
  readonly inputSize: number;
  /** The inputs, [N][p] row-major: float64 unless given as a Float32Array. */
  readonly inputs: Floats;
  /** Target vectors, [N][o] row-major; undefined with class targets or no targets. */
  readonly targets?: Floats | undefined;
  /** o: values per target vector; present with `targets`. */
  readonly targetSize?: number | undefined;
  /** Target class indices, [N]; undefined with target vectors or no targets. */
  readonly classes?: Int32Array | undefined;
}

/** The options of createRowBatch: the rows as flat row-major arrays (copied and checked). */
export interface RowBatchOptions {
  /** N: the number of rows, an integer ≥ 1. */
  size: number;
  /** p: values per input row, an integer ≥ 1. */
  inputSize: number;
  /** The inputs, [N][p] row-major: N·p numbers finite in float32. */
  inputs: ArrayLike<number>;
  /** Target vectors, [N][o] row-major. Give targets or classes, not both. Default: none (rows to predict on). */
  targets?: ArrayLike<number>;
  /** o: values per target vector, an integer ≥ 1; required with `targets` and only with them. Default: none. */
  targetSize?: number;
  /** Class indices [N], integers ≥ 0 (the network checks they are below its output size). Default: none. */
  classes?: ArrayLike<number>;
}

/** A batch from flat row-major arrays (copied; a Float32Array stays float32, anything else is kept in float64). */
export function createRowBatch(options: RowBatchOptions): RowBatch {
  if (options === null || typeof options !== 'object') fail('createRowBatch options', 'an object with size, inputSize and inputs', options);
  checkKeys('createRowBatch options', options, ['size', 'inputSize', 'inputs', 'targets', 'targetSize', 'classes']);
  const size = checkInteger('size', options.size, 1);
  const inputSize = checkInteger('inputSize', options.inputSize, 1);
  const inputs = toFloats('inputs', options.inputs, size * inputSize, `N·p = ${size}·${inputSize}`);

  if (options.targets !== undefined && options.classes !== undefined) {
    throw new RnnkitError('targets, classes: expected one of them, got both');
  }
  let targets: Floats | undefined;
  let targetSize: number | undefined;
  if (options.targets !== undefined) {
    targetSize = checkInteger('targetSize', options.targetSize, 1);
    targets = toFloats('targets', options.targets, size * targetSize, `N·o = ${size}·${targetSize}`);
  } else if (options.targetSize !== undefined) {
    fail('targetSize', 'to be given only with targets', options.targetSize);
  }
  let classes: Int32Array | undefined;
  if (options.classes !== undefined) {
    checkLength('classes', options.classes, size, `one class index per row (N = ${size})`);
    classes = new Int32Array(size);
    for (let i = 0; i < size; i++) classes[i] = checkInteger(`classes[${i}]`, options.classes[i], 0, 0x7fffffff);
  }
  return { size, inputSize, inputs, targets, targetSize, classes };
}

/** The options of rowBatch: rows as nested arrays (copied and checked). */
export interface NestedRowOptions {
  /** The input rows, [N][p]: N ≥ 1 rows of p numbers each. */
  inputs: ArrayLike<ArrayLike<number>>;
  /** [N][o] target vectors, or [N] class indices (for softmax + cross-entropy). Default: none (rows to predict on). */
  targets?: ArrayLike<ArrayLike<number>> | ArrayLike<number>;
}

/**
 * A batch from nested arrays. A flat `targets` array of numbers is read as
 * class indices; a regression target of size 1 is written [[t₁], [t₂], …].
 */
export function rowBatch(options: NestedRowOptions): RowBatch {
  if (options === null || typeof options !== 'object') fail('rowBatch options', 'an object with inputs (and targets)', options);
  checkKeys('rowBatch options', options, ['inputs', 'targets']);
  const rows = options.inputs;
  if (!isArrayLike(rows) || rows.length === 0) fail('inputs', 'a non-empty array of input vectors', rows);
  const size = rows.length;
  const inputSize = vectorLength('inputs[0]', rows[0]);
  const inputs = stackRows('inputs', rows, inputSize, 'p');

  const flat: RowBatchOptions = { size, inputSize, inputs };
  const raw = options.targets;
  if (raw !== undefined) {
    checkLength('targets', raw, size, `one target per input row (N = ${size})`);
    if (typeof raw[0] === 'number') {
      // Checked here too, so a bad entry is reported as the targets[i] the caller wrote.
      flat.classes = Int32Array.from({ length: size }, (_, i) => checkInteger(`targets[${i}]`, raw[i], 0, 0x7fffffff));
    } else {
      const o = vectorLength('targets[0]', raw[0]);
      flat.targets = stackRows('targets', raw, o, 'o');
      flat.targetSize = o;
    }
  }
  return createRowBatch(flat);
}

/** A new batch holding the chosen rows, in the given order (repeats allowed). */
export function selectRows(batch: RowBatch, indices: ArrayLike<number>): RowBatch {
  if (!isArrayLike(indices) || indices.length === 0) fail('indices', 'a non-empty array of row indices', indices);
  const n = indices.length;
  const rows = new Int32Array(n);
  for (let i = 0; i < n; i++) rows[i] = checkInteger(`indices[${i}]`, indices[i], 0, batch.size - 1);
  const pick = <A extends Floats | Int32Array>(source: A, width: number): A => {
    const out = new (source.constructor as new (length: number) => A)(n * width);
    for (let i = 0; i < n; i++) out.set(source.subarray(rows[i]! * width, (rows[i]! + 1) * width), i * width);
    return out;
  };
  return {
    size: n,
    inputSize: batch.inputSize,
    inputs: pick(batch.inputs, batch.inputSize),
    targets: batch.targets && pick(batch.targets, batch.targetSize!),
    targetSize: batch.targetSize,
    classes: batch.classes && pick(batch.classes, 1),
  };
}

/** Rows of `width` finite numbers, one after another; a bad row is named as the caller wrote it (inputs[i]). */
function stackRows(argument: string, rows: ArrayLike<unknown>, width: number, symbol: string): Float64Array {
  const out = new Float64Array(rows.length * width);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    checkLength(`${argument}[${i}]`, row, width, `${symbol} = ${width}, the length of ${argument}[0]`);
    checkFinite(`${argument}[${i}]`, row as ArrayLike<number>, 'float32');
    out.set(Array.from(row as ArrayLike<number>), i * width);
  }
  return out;
}
