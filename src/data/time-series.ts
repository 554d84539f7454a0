import { checkFinite, checkInteger, checkKeys, checkNumber, checkOneOf, fail, RnnkitError } from '../errors.js';
import { createSequenceBatch, type SequenceBatch } from './sequence-batch.js';
import { isArrayLike } from './arrays.js';

/**
 * Per-column standardisation z = (x − mean) / std of row-major [n][width]
 * values. std is the population standard deviation (divided by n). A constant
 * column gets std 1, so it maps to zeros instead of dividing by zero.
 */
export class Standardizer {
  /** Each column's mean, [width]. */
  readonly mean: Float64Array;
  /** Each column's population standard deviation, [width], each > 0 (1 for a constant column). */
  readonly std: Float64Array;

  /** From known statistics, e.g. a saved `toJSON()`; each std must be > 0. */
  constructor(mean: ArrayLike<number>, std: ArrayLike<number>) {
    if (!isArrayLike(mean) || mean.length === 0) fail('mean', 'a non-empty array of numbers', mean);
    if (!isArrayLike(std) || std.length !== mean.length) fail('std', `an array of length ${mean.length} (as mean)`, std);
    checkFinite('mean', mean);
    for (let j = 0; j < std.length; j++) checkNumber(`std[${j}]`, std[j], Number.MIN_VALUE);
    this.mean = Float64Array.from(mean);
    this.std = Float64Array.from(std);
  }

  /** Mean and std of each column over the rows of `values` ([n][width], row-major, n ≥ 1). */
  static fit(values: ArrayLike<number>, width: number): Standardizer {
    const w = checkInteger('width', width, 1);
    const rows = checkRows('values', values, w);
    const mean = new Float64Array(w), std = new Float64Array(w);
    for (let j = 0; j < w; j++) {
      const first = values[j]!;
      let sum = 0, constant = true;
      for (let i = 0; i < rows; i++) {
        const v = values[i * w + j]!;
        sum += v;
        if (v !== first) constant = false;
      }
      if (constant) {
        // Exactly the value, so it maps to exactly 0 (a rounded mean would leave a tiny residue).
        mean[j] = first;
        std[j] = 1;
        continue;
      }
      const m = sum / rows;
      let squares = 0;
      for (let i = 0; i < rows; i++) squares += (values[i * w + j]! - m) ** 2;
      mean[j] = m;
      std[j] = Math.sqrt(squares / rows) || 1;
    }
    return new Standardizer(mean, std);
  }

  /** The number of columns. */
  get width(): number {
    return this.mean.length;
  }

  /** (x − mean) / std, column by column, for row-major [n][width] values. */
  transform(values: ArrayLike<number>): Float32Array {
    const rows = checkRows('values', values, this.width);
    const out = new Float32Array(rows * this.width);
    for (let i = 0; i < out.length; i++) {
      const j = i % this.width;
      out[i] = (values[i]! - this.mean[j]!) / this.std[j]!;
    }
    return out;
  }

  /** z·std + mean: back to the original scale. */
  inverse(values: ArrayLike<number>): Float32Array {
    const rows = checkRows('values', values, this.width);
    const out = new Float32Array(rows * this.width);
    for (let i = 0; i < out.length; i++) {
      const j = i % this.width;
      out[i] = values[i]! * this.std[j]! + this.mean[j]!;
    }
    return out;
  }

  /** `new Standardizer(json.mean, json.std)` restores it. */
  toJSON(): {
    /** Each column's mean. */
    mean: number[];
    /** Each column's standard deviation. */
    std: number[];
  } {
    return { mean: Array.from(this.mean), std: Array.from(this.std) };
  }
}

/** A univariate series, or rows of `width` values (one row per time step). */
export type Series = readonly number[] | readonly (readonly number[])[] | Float32Array | Float64Array;

/** The options of forecastWindows. */
export interface ForecastOptions {
  /** T: input steps per window, an integer ≥ 1. */
  window: number;
  /** How many steps after the window's last input the target lies, an integer ≥ 1. Default 1: the next value. */
  horizon?: number;
  /** 'many-to-one': one target per window. 'many-to-many': a target at every step. Default 'many-to-one'. */
  task?: 'many-to-one' | 'many-to-many';
  /**
   * The last fraction of the series, in [0, 1), held out for validation (rounded to whole steps;
   * each side needs window + horizon steps). Default 0: none.
   */
  validation?: number;
  /** The columns to predict: distinct 0-based column indices. Default: all columns. */
  targetColumns?: number[];
  /** The columns fed as inputs, e.g. to forecast a column from others only: distinct 0-based indices. Default: all columns. */
  inputColumns?: number[];
}

/** How windows are cut and scaled: what `forecast` needs to turn rows into forecasts in original units. */
export interface ForecastSpec {
  /** T: input rows per window. */
  window: number;
  /** Rows between a window's last input row and the row it forecasts. */
  horizon: number;
  /** The series' columns fed as inputs (0-based). */
  inputColumns: readonly number[];
  /** The series' columns forecast (0-based), in the order of the model's outputs. */
  targetColumns: readonly number[];
  /** Every column's statistics; inputs are standardized with it and forecasts mapped back with it. */
  standardizer: Standardizer;
}

/** What forecastWindows returns: standardized windows, and how they were cut and scaled. */
export interface ForecastData extends ForecastSpec {
  /** Windows over the training part of the series (the first rows). */
  train: SequenceBatch;
  /** Windows over the held-out last part, or undefined without `validation`. */
  validation: SequenceBatch | undefined;
  /** Fitted on the training part of the series only; both batches are standardized with it. */
  standardizer: Standardizer;
  /** The target columns' statistics alone: `measure(model, data.validation, { scale: data.targetScale })` gives RMSE in original units. */
  targetScale: Standardizer;
  /** The first row of the held-out part (the series' length without `validation`): `rows.slice(data.validationStart)`. */
  validationStart: number;
}

/**
 * Forecasting windows over a series x[0..n) of `width` columns. A window
 * starting at t reads x[t..t+window) (restricted to `inputColumns`, by
 * default all); its target is
 *   many-to-one:  x[t+window−1+horizon]            (at the window's last step)
 *   many-to-many: x[t+i+horizon] at each step i
 * restricted to `targetColumns`. Windows start at every t (stride 1). Every
 * column is standardized, inputs and targets alike.
 *
 * With `validation`, the series is cut chronologically: the first part trains,
 * the last part validates, with no shuffling. No window straddles the cut,
 * neither by its inputs nor its targets, and the standardizer sees the
 * training part only, so nothing from the held-out future leaks into training.
 *
 * Predictions come out standardized: `data.targetScale.inverse(y)` maps them
 * back, and `forecast(model, data, rows)` forecasts from new rows in the
 * original units.
 */
export function forecastWindows(series: Series, options: ForecastOptions): ForecastData {
  if (options === undefined || options === null) fail('forecastWindows options', 'an options object { window, horizon?, task?, validation?, targetColumns?, inputColumns? }', options);
  checkKeys('forecastWindows options', options, ['window', 'horizon', 'task', 'validation', 'targetColumns', 'inputColumns']);
  const { values, rows, width } = seriesRows(series);
  const window = checkInteger('window', options.window, 1);
  const horizon = checkInteger('horizon', options.horizon ?? 1, 1);
  const task = checkOneOf('task', options.task ?? 'many-to-one', ['many-to-one', 'many-to-many'] as const);
  const fraction = checkNumber('validation', options.validation ?? 0, 0, 1);
  if (fraction === 1) fail('validation', 'a fraction in [0, 1)', fraction);
  const targetColumns = checkColumns('targetColumns', options.targetColumns, width);
  const inputColumns = checkColumns('inputColumns', options.inputColumns, width);

  // A window with its target spans window + horizon consecutive rows.
  const span = window + horizon;
  if (rows < span) {
    throw new RnnkitError(`series: expected at least window + horizon = ${span} steps, got ${rows}`);
  }
  const held = Math.round(rows * fraction);
  const trainRows = rows - held;
  if (fraction > 0 && (held < span || trainRows < span)) {
    fail('validation', `a fraction leaving at least window + horizon = ${span} steps on each side ` +
      `(the series has ${rows}: ${trainRows} for training, ${held} for validation)`, fraction);
  }

  const standardizer = Standardizer.fit(values.subarray(0, trainRows * width), width);
  const z = standardizer.transform(values);
  const shape = { width, window, horizon, task, targetColumns, inputColumns };
  const targetScale = new Standardizer(targetColumns.map((c) => standardizer.mean[c]!), targetColumns.map((c) => standardizer.std[c]!));
  return {
    train: windowBatch(z, 0, trainRows, shape),
    validation: held > 0 ? windowBatch(z, trainRows, rows, shape) : undefined,
    standardizer, targetScale, validationStart: trainRows, window, horizon, inputColumns, targetColumns,
  };
}

interface WindowShape {
  width: number;
  window: number;
  horizon: number;
  task: 'many-to-one' | 'many-to-many';
  targetColumns: number[];
  inputColumns: number[];
}

/** Every window lying wholly within rows [from, to) of z. */
function windowBatch(z: Float32Array, from: number, to: number, shape: WindowShape): SequenceBatch {
  const { width, window, horizon, task, targetColumns, inputColumns } = shape;
  const o = targetColumns.length, p = inputColumns.length;
  const allInputs = p === width && inputColumns.every((c, k) => c === k);
  const size = to - from - window - horizon + 1;
  const inputs = new Float32Array(size * window * p);
  const manyToMany = task === 'many-to-many';
  const targets = new Float32Array(manyToMany ? size * window * o : size * o);
  for (let b = 0; b < size; b++) {
    const t = from + b;
    if (allInputs) inputs.set(z.subarray(t * width, (t + window) * width), b * window * width);
    else for (let i = 0; i < window; i++) copyColumns(z, t + i, width, inputColumns, inputs, (b * window + i) * p);
    if (manyToMany) {
      for (let i = 0; i < window; i++) copyColumns(z, t + i + horizon, width, targetColumns, targets, (b * window + i) * o);
    } else {
      copyColumns(z, t + window - 1 + horizon, width, targetColumns, targets, b * o);
    }
  }
  return createSequenceBatch({ size, steps: window, inputSize: p, inputs, targets, targetSize: o, task });
}

function copyColumns(z: Float32Array, row: number, width: number, columns: number[], out: Float32Array, at: number): void {
  for (let k = 0; k < columns.length; k++) out[at + k] = z[row * width + columns[k]!]!;
}

/** The series as float64 rows, with every row the same width and every value finite. */
export function seriesRows(series: unknown): { values: Float64Array; rows: number; width: number } {
  if (series instanceof Float32Array || series instanceof Float64Array) {
    if (series.length === 0) fail('series', 'a non-empty series', series);
    checkFinite('series', series);
    return { values: Float64Array.from(series), rows: series.length, width: 1 };
  }
  if (!Array.isArray(series) || series.length === 0) fail('series', 'a non-empty array of values, or of rows of values', series);
  const rows = series.length;
  if (!isArrayLike(series[0])) {
    // Univariate: one number per step.
    const values = new Float64Array(rows);
    for (let i = 0; i < rows; i++) values[i] = checkValue(`series[${i}]`, series[i]);
    return { values, rows, width: 1 };
  }
  const width = (series[0] as ArrayLike<unknown>).length;
  if (width === 0) fail('series[0]', 'a non-empty row', series[0]);
  const values = new Float64Array(rows * width);
  for (let i = 0; i < rows; i++) {
    const row = series[i] as unknown;
    if (!isArrayLike(row) || row.length !== width) fail(`series[${i}]`, `a row of ${width} values (as series[0])`, row);
    for (let j = 0; j < width; j++) values[i * width + j] = checkValue(`series[${i}][${j}]`, row[j]);
  }
  return { values, rows, width };
}

function checkValue(argument: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(argument, 'a finite number', value);
  return value;
}

function checkColumns(argument: string, columns: unknown, width: number): number[] {
  if (columns === undefined) return Array.from({ length: width }, (_, j) => j);
  if (!Array.isArray(columns) || columns.length === 0) fail(argument, 'a non-empty array of column indices', columns);
  const seen = new Set<number>();
  return columns.map((c, k) => {
    checkInteger(`${argument}[${k}]`, c, 0, width - 1);
    if (seen.has(c)) fail(`${argument}[${k}]`, 'distinct columns', c);
    seen.add(c);
    return c as number;
  });
}

/** Checks finite, row-major [n][width] values with n ≥ 1; returns n. */
function checkRows(argument: string, values: unknown, width: number): number {
  if (!isArrayLike(values) || values.length === 0 || values.length % width !== 0) {
    fail(argument, `a non-empty array whose length is a multiple of width = ${width}`, values);
  }
  checkFinite(argument, values as ArrayLike<number>);
  return values.length / width;
}

