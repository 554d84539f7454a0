import { checkInteger, fail, RnnkitError } from '../errors.js';
import { checkRecurrentModel, type RecurrentModel } from '../model/recurrent/model.js';
import { createSequenceBatch } from './sequence-batch.js';
import { seriesRows, Standardizer, type ForecastSpec, type Series } from './time-series.js';

/** Windows run through the model at a time: bounds the batch's memory on a long series. */
const CHUNK = 1024;

/**
 * Forecasts in original units from rows of the same columns the model was
 * trained on (`forecastWindows`' result, or any ForecastSpec): for every
 * full window of `spec.window` rows, the target columns `spec.horizon` rows
 * after its last row. Returns [windows][targets], row-major; window w ends at
 * row w + window − 1. Each window runs from the model's initial state, as in
 * training.
 */
export function forecast(model: RecurrentModel, spec: ForecastSpec, series: Series): Float64Array {
  checkRecurrentModel('model', model);
  const { values, rows, width } = seriesRows(series);
  const { window: T, inputs, targets, standardizer } = checkSpec(spec, width);
  const p = inputs.length, o = targets.length;
  if (model.inputSize !== p || model.outputSize !== o || model.structure.vocabularySize > 0) {
    throw new RnnkitError(`forecast: the model reads ${model.inputSize} values and forecasts ${model.outputSize}; the spec has ${p} input and ${o} target columns`);
  }
  if (rows < T) throw new RnnkitError(`series: expected at least window = ${T} rows, got ${rows}`);
  const z = standardizer.transform(values);
  const windows = rows - T + 1;
  const out = new Float64Array(windows * o);
  for (let start = 0; start < windows; start += CHUNK) {
    const size = Math.min(CHUNK, windows - start);
    const x = new Float32Array(size * T * p);
    for (let b = 0; b < size; b++) {
      for (let t = 0; t < T; t++) {
        for (let k = 0; k < p; k++) x[(b * T + t) * p + k] = z[(start + b + t) * width + inputs[k]!]!;
      }
    }
    const y = model.predict(createSequenceBatch({ size, steps: T, inputSize: p, inputs: x, task: 'many-to-one' }));
    for (let b = 0; b < size; b++) {
      for (let k = 0; k < o; k++) {
        const c = targets[k]!;
        out[(start + b) * o + k] = y[(b * T + T - 1) * o + k]! * standardizer.std[c]! + standardizer.mean[c]!;
      }
    }
  }
  return out;
}

export interface ForecastScores {
  /** Per target column: the root mean squared error of the forecasts, in original units. */
  model: number[];
  /** Per target column: the same for persistence, which forecasts the last observed value. */
  persistence: number[];
  /** The forecasts scored: those whose actual value lies inside the series. */
  count: number;
}

/**
 * Scores `forecast(model, spec, series)`'s result against the series itself,
 * beside persistence (the window's last value of each target as its
 * forecast: the baseline a forecaster must beat). Only windows whose target
 * row is inside the series count.
 */
export function forecastScores(spec: ForecastSpec, series: Series, forecasts: ArrayLike<number>): ForecastScores {
  const { values, rows, width } = seriesRows(series);
  const { window: T, horizon: h, targets } = checkSpec(spec, width);
  const o = targets.length, windows = rows - T + 1;
  if (forecasts === null || typeof forecasts !== 'object' || forecasts.length !== Math.max(windows, 0) * o) {
    fail('forecasts', `forecast()'s result for this series: ${Math.max(windows, 0)}·${o} values`, forecasts);
  }
  const count = windows - h;
  if (count <= 0) {
    throw new RnnkitError(`series: every forecast lies beyond its end (${rows} rows, window ${T}, horizon ${h}): nothing to score`);
  }
  const model = new Array<number>(o).fill(0), persistence = new Array<number>(o).fill(0);
  for (let w = 0; w < count; w++) {
    const last = w + T - 1;
    for (let k = 0; k < o; k++) {
      const c = targets[k]!, actual = values[(last + h) * width + c]!;
      model[k] += (forecasts[w * o + k]! - actual) ** 2;
      persistence[k] += (values[last * width + c]! - actual) ** 2;
    }
  }
  return { model: model.map((s) => Math.sqrt(s / count)), persistence: persistence.map((s) => Math.sqrt(s / count)), count };
}

function checkSpec(spec: ForecastSpec, width: number) {
  if (spec === null || typeof spec !== 'object') fail('spec', 'forecastWindows\' result, or { window, horizon, inputColumns, targetColumns, standardizer }', spec);
  const window = checkInteger('window', spec.window, 1);
  const horizon = checkInteger('horizon', spec.horizon, 1);
  if (!(spec.standardizer instanceof Standardizer) || spec.standardizer.width !== width) {
    fail('standardizer', `a Standardizer of the series' ${width} columns`, spec.standardizer);
  }
  const columns = (argument: string, list: readonly number[]) => {
    if (!Array.isArray(list) || list.length === 0) fail(argument, 'a non-empty array of column indices', list);
    return list.map((c, k) => checkInteger(`${argument}[${k}]`, c, 0, width - 1));
  };
  return { window, horizon, inputs: columns('inputColumns', spec.inputColumns), targets: columns('targetColumns', spec.targetColumns), standardizer: spec.standardizer };
}
