// CSV files for `rnnkit train --csv` and `rnnkit predict`: reading them, the
// flags that choose columns, and the metadata a forecasting model carries.
import { readFileSync } from 'node:fs';
import { numericColumns, parseCsv, type ColumnRef, type CsvDelimiter, type CsvOptions, type CsvTable } from '../data/csv.js';
import { RnnkitError } from '../errors.js';
import { UsageError } from './io.js';

/** The help text's lines for the flags both commands share. */
export function csvFlagsUsage(decimalDefault: string, indent: string, label = ''): string {
  return `${indent}${'--delimiter D'.padEnd(23 - indent.length)}${label}comma, semicolon, tab or auto (default: detected from the first rows)
${indent}${'--decimal M'.padEnd(23 - indent.length)}${label}the decimal mark: . or , (e.g. 1,5 in a semicolon-delimited file; default ${decimalDefault})`;
}

/** --delimiter: a name (comma, semicolon, tab), the character itself, or auto. */
export function delimiterFlag(value: string | undefined): CsvDelimiter | 'auto' {
  const byName: Record<string, CsvDelimiter | 'auto'> = { comma: ',', ',': ',', semicolon: ';', ';': ';', tab: '\t', '\t': '\t', auto: 'auto' };
  if (value === undefined) return 'auto';
  const delimiter = byName[value];
  if (delimiter === undefined) throw new UsageError(`--delimiter: expected comma, semicolon, tab or auto, got "${value}"`);
  return delimiter;
}

/** --decimal: '.' or ','. */
export function decimalFlag(value: string | undefined, fallback: '.' | ','): '.' | ',' {
  if (value === undefined) return fallback;
  if (value !== '.' && value !== ',') throw new UsageError(`--decimal: expected . or , got "${value}"`);
  return value;
}

/** Runs `fn`; an RnnkitError from it (a bad line, a missing column) is told as "FILE: message". */
export function inFile<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof RnnkitError) throw new RnnkitError(`${path}: ${error.message}`);
    throw error;
  }
}

/** Reads and parses a CSV file; `flag` names the flag that gave the path. */
export function readCsvFile(flag: string, path: string, options: CsvOptions): CsvTable {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`${flag}: cannot read "${path}": ${(error as Error).message}`);
  }
  return inFile(path, () => parseCsv(text, options));
}

/**
 * A --columns, --target or --skip value as column references. The whole value
 * may be one header name (which may hold commas); otherwise it is a comma
 * list of header names and 0-based indices (a header name wins over an index).
 */
export function columnsFlag(value: string | undefined, table: CsvTable): ColumnRef | ColumnRef[] | undefined {
  if (value === undefined) return undefined;
  const names = new Set(table.header?.map((cell) => cell.trim()));
  if (names.has(value.trim())) return [value];
  const refs = value.split(',').map((token) => (!names.has(token.trim()) && /^\s*\d+\s*$/.test(token) ? Number(token) : token));
  // One column as itself, so a message names "columns", not "columns[0]".
  return refs.length === 1 ? refs[0] : refs;
}

/** What `rnnkit predict` needs from a model trained by `rnnkit train --csv`: the `csv` entry of its metadata. */
export interface ForecastMetadata {
  /** Every column read, by header name (by 0-based index when the file had no header), in the order of mean and std. */
  columns: ColumnRef[];
  /** The model's inputs and its outputs, as entries of `columns`. */
  inputs: ColumnRef[];
  targets: ColumnRef[];
  window: number;
  horizon: number;
  decimal: '.' | ',';
  /** The training part's statistics of each column (the standardizer). */
  mean: number[];
  std: number[];
}

type Selection = ColumnRef | ColumnRef[] | undefined;

/** A forecasting series: the columns chosen in a table, as numbers, and which of them are inputs and targets. */
export interface ForecastSeries {
  /** [row][column] over `columns`: the inputs, then any target that is not an input. */
  values: number[][];
  columns: ColumnRef[];
  names: string[];
  /** Positions in `columns`. */
  inputColumns: number[];
  targetColumns: number[];
  /** The file line of each row. */
  lines: number[];
}

/**
 * The series `train --csv` learns from: the chosen inputs (default every
 * column not skipped) and targets (default the inputs). Columns are kept by
 * name when the table has a header, so predict finds them in another file
 * even if its columns are in another order.
 */
export function forecastSeries(path: string, table: CsvTable, selection: {
  columns: Selection; target: Selection; skip: Selection; decimal: '.' | ',';
}): ForecastSeries {
  const chosen = inFile(path, () => {
    try {
      return numericColumns(table, selection);
    } catch (error) {
      // Text in a column taken by default is most often a timestamp or a label: say how to leave it out.
      const text = error instanceof RnnkitError && selection.columns === undefined && /^line \d+, column .*: expected a finite number, got "/.test(error.message);
      if (text) throw new RnnkitError(`${(error as Error).message} (a timestamp or a label? leave the column out with --skip, or choose the inputs with --columns)`);
      throw error;
    }
  });
  const targets = chosen.targetIndices ?? chosen.indices;
  const extra = targets.filter((j) => !chosen.indices.includes(j));
  const indices = [...chosen.indices, ...extra];
  const extraValues = chosen.targets && extra.map((j) => chosen.targetIndices!.indexOf(j));
  const key = (j: number): ColumnRef => (table.header ? table.header[j]!.trim() : j);
  return {
    values: chosen.inputs.map((row, i) => (extraValues ? [...row, ...extraValues.map((k) => chosen.targets![i]![k]!)] : row)),
    columns: indices.map(key),
    names: indices.map((j) => String(key(j))),
    inputColumns: chosen.indices.map((_, k) => k),
    targetColumns: targets.map((j) => indices.indexOf(j)),
    lines: chosen.lines,
  };
}
