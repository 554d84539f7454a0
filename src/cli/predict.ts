import { writeFileSync } from 'node:fs';
import { formatCsvRow, numericColumns, type ColumnRef } from '../data/csv.js';
import { forecast, forecastScores } from '../data/forecast.js';
import { Standardizer, type ForecastSpec } from '../data/time-series.js';
import { RnnkitError } from '../errors.js';
import { RecurrentModel } from '../model/recurrent/model.js';
import type { Command } from './commands.js';
import { csvFlagsUsage, decimalFlag, delimiterFlag, inFile, readCsvFile, type ForecastMetadata } from './csv-file.js';
import { parseFlags, UsageError } from './io.js';
import { checkWritable, loadModel } from './model-file.js';

const usage = `usage: rnnkit predict MODEL --csv FILE [--out FILE] [options]

Forecasts with a model trained by \`rnnkit train --csv\`. Reads the model's
columns from FILE (by header name, in any order; by index if the training
file had no header), standardizes them with the training statistics, and for
every row that ends a full window forecasts each target \`horizon\` rows ahead,
in the original units.

  --csv FILE           the series to forecast from
  --out FILE           the forecasts as CSV (default: standard output): the file line
                       of each window's last row, then <target>_forecast_<horizon> per target
${csvFlagsUsage("the training file's", '  ')}

Where the actual values are in the file, it prints each target's RMSE (in
the original units) to standard error, beside persistence's: the last observed
value as the forecast.`;

export const predictCommand: Command = {
  summary: 'forecast a CSV series with a model trained by train --csv, and its RMSE against persistence',
  usage,
  async run(args, io) {
    const { values, positionals } = parseFlags(args, {
      csv: { type: 'string' }, out: { type: 'string' }, delimiter: { type: 'string' }, decimal: { type: 'string' },
    }, true);
    if (positionals.length !== 1) throw new UsageError(`expected one model file, got ${positionals.length}`);
    if (values.csv === undefined) throw new UsageError('--csv: expected the CSV file to forecast from');
    const delimiter = delimiterFlag(values.delimiter);
    const model = loadModel(positionals[0]!);
    const meta = forecastMetadata(model);
    if (values.out !== undefined) checkWritable('--out', values.out);
    const path = values.csv;
    const table = readCsvFile('--csv', path, { delimiter });
    if (typeof meta.columns[0] === 'string' && !table.header) {
      throw new RnnkitError(`${path}: the model reads its columns by name (${meta.columns.join(', ')}), but the file has no header row`);
    }
    const decimal = decimalFlag(values.decimal, meta.decimal);
    const { inputs: series, lines } = inFile(path, () => numericColumns(table, { columns: meta.columns, decimal }));
    if (series.length < meta.window) {
      throw new RnnkitError(`${path}: expected at least window = ${meta.window} rows to forecast from, got ${series.length}`);
    }
    const forecasts = forecast(model as RecurrentModel, forecastSpec(meta), series);
    const names = meta.targets.map((t) => `${t}_forecast_${meta.horizon}`);
    const csv = [formatCsvRow(['line', ...names])];
    const o = meta.targets.length;
    for (let w = 0; w < forecasts.length / o; w++) {
      const cells = Array.from(forecasts.subarray(w * o, (w + 1) * o), (v) => String(Number(v.toPrecision(7))));
      csv.push(formatCsvRow([String(lines[w + meta.window - 1]), ...cells]));
    }
    if (values.out === undefined) io.out(csv.join('\n'));
    else {
      writeFileSync(values.out, `${csv.join('\n')}\n`);
      io.out(`wrote ${csv.length - 1} forecasts to ${values.out}`);
    }
    io.err(scores(meta, series, forecasts).join('\n'));
    return 0;
  },
};

/** The model's `csv` metadata, checked against the model (a hand-edited file must not forecast nonsense). */
function forecastMetadata(model: unknown): ForecastMetadata {
  const meta = (model as { metadata?: { csv?: ForecastMetadata } }).metadata?.csv;
  if (!(model instanceof RecurrentModel) || !meta || typeof meta !== 'object' || !Array.isArray(meta.columns)) {
    throw new RnnkitError('predict: the model has no forecasting metadata (train it with rnnkit train --csv FILE)');
  }
  const n = meta.columns.length;
  const isKey = (k: unknown) => meta.columns.includes(k as ColumnRef);
  const consistent = n > 0 && meta.columns.every((c) => typeof c === typeof meta.columns[0] && (typeof c === 'string' || Number.isInteger(c))) &&
    new Set(meta.columns).size === n &&
    Array.isArray(meta.inputs) && meta.inputs.length === model.inputSize && meta.inputs.every(isKey) &&
    Array.isArray(meta.targets) && meta.targets.length === model.outputSize && meta.targets.every(isKey) &&
    Number.isInteger(meta.window) && meta.window >= 1 && Number.isInteger(meta.horizon) && meta.horizon >= 1 &&
    (meta.decimal === '.' || meta.decimal === ',') &&
    Array.isArray(meta.mean) && meta.mean.length === n && Array.isArray(meta.std) && meta.std.length === n;
  if (!consistent) throw new RnnkitError("predict: the model's csv metadata does not match the model (columns, inputs, targets, window, horizon, mean, std): the file is inconsistent");
  return meta;
}

/** The library's description of the windows, from the model's metadata: column names become indices into the columns read. */
function forecastSpec(meta: ForecastMetadata): ForecastSpec {
  return {
    window: meta.window, horizon: meta.horizon, standardizer: new Standardizer(meta.mean, meta.std),
    inputColumns: meta.inputs.map((c) => meta.columns.indexOf(c)), targetColumns: meta.targets.map((c) => meta.columns.indexOf(c)),
  };
}

/** Per target: the RMSE of the forecasts whose actual value is in the file, beside persistence's. */
function scores(meta: ForecastMetadata, series: number[][], forecasts: Float64Array): string[] {
  const { window: T, horizon: h } = meta;
  if (series.length - T + 1 - h <= 0) return [`no RMSE: every forecast lies beyond the end of the file (${series.length} rows, window ${T}, horizon ${h})`];
  const { model, persistence, count } = forecastScores(forecastSpec(meta), series, forecasts);
  const rmse = (value: number) => Number(value.toPrecision(4));
  return meta.targets.map((target, k) =>
    `${target}: RMSE ${rmse(model[k]!)} (persistence ${rmse(persistence[k]!)}) over ${count} forecasts ${h} row${h === 1 ? '' : 's'} ahead whose actual values are in the file`);
}
