/**
 * rnnkit/csv: an RFC 4180 CSV reader for numeric series (parseCsv,
 * numericColumns). Its own entry (2.9 kB), so apps that never read CSV do
 * not carry it.
 */
export {
  parseCsv, numericColumns, formatCsvRow, CSV_LIMITS,
  type CsvTable, type CsvOptions, type CsvDelimiter, type ColumnRef, type NumericColumnsOptions, type NumericColumns,
} from './csv.js';
