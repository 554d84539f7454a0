// A CSV reader that loses nothing: every cell comes back exactly as written,
// or the reader says which file line is wrong and why. Pure (no node:
// imports), so it runs wherever the library does.
import { checkInteger, checkKeys, checkOneOf, describe, fail, RnnkitError } from '../errors.js';

/** A field separator: comma, semicolon or tab. */
export type CsvDelimiter = ',' | ';' | '\t';

/** The options of parseCsv. */
export interface CsvOptions {
  /**
   * The field separator, or 'auto': the one of comma, semicolon and tab that splits the first rows
   * into a constant number (> 1) of columns. Default 'auto'.
   */
  delimiter?: CsvDelimiter | 'auto';
  /** Whether the first row is a header; 'auto': it is if any of its cells is neither empty nor a number. Default 'auto'. */
  header?: boolean | 'auto';
  /** Refuse a text of more cells than this, an integer ≥ 1. Default CSV_LIMITS.maxCells (10⁷). */
  maxCells?: number;
  /** Refuse a field longer than this many characters, an integer ≥ 1. Default CSV_LIMITS.maxFieldLength (10⁶). */
  maxFieldLength?: number;
}

/** A parsed CSV text: its header, its rows of raw cells, and where each row starts. */
export interface CsvTable {
  /** The header row's cells, raw; undefined when the text has no header row. */
  header: string[] | undefined;
  /** The data rows' cells, raw: quotes removed and `""` undone, nothing trimmed or converted. */
  rows: string[][];
  /** The 1-based file line on which each row starts (a quoted field may span several lines). */
  lines: number[];
  /** The field separator used (given, or detected). */
  delimiter: CsvDelimiter;
}

/**
 * The default bounds, checked while reading: a huge or hostile text fails
 * with a clear error before the reader has built arrays for all of it.
 * 10⁷ cells of short strings already take a few hundred MB in a JS engine.
 */
export const CSV_LIMITS: {
  /** The most cells a text may hold by default: 10⁷. */
  readonly maxCells: 10_000_000;
  /** The longest field by default, in characters: 10⁶. */
  readonly maxFieldLength: 1_000_000;
} = { maxCells: 10_000_000, maxFieldLength: 1_000_000 };

/** Delimiter detection reads this many rows (with each candidate delimiter). */
const DETECTION_ROWS = 20;

const QUOTE = 34, LF = 10, CR = 13, BOM = 0xfeff;
const DELIMITER_NAMES: Record<CsvDelimiter, string> = { ',': 'comma', ';': 'semicolon', '\t': 'tab' };

interface Limits {
  maxCells: number;
  maxFieldLength: number;
}

/**
 * Parses CSV text as RFC 4180 describes it: fields in double quotes may hold
 * delimiters, line breaks and quotes (written `""`); rows end in CRLF, LF or
 * CR; the last line break is optional; a leading UTF-8 BOM is skipped.
 *
 * Strict where leniency would guess: a quote inside an unquoted field, text
 * after a closing quote, a quote never closed, and rows of different lengths
 * are errors naming the file line. Blank lines at the end of the text are
 * ignored; a blank line elsewhere is a row of one empty field (so it is an
 * error in a table of several columns, and an empty cell in a table of one).
 * Columns in messages are counted from 0.
 */
export function parseCsv(text: string, options: CsvOptions = {}): CsvTable {
  if (typeof text !== 'string') fail('text', 'a string', text);
  checkKeys('parseCsv options', options, ['delimiter', 'header', 'maxCells', 'maxFieldLength']);
  const delimiterOption = checkOneOf('delimiter', options.delimiter ?? 'auto', [',', ';', '\t', 'auto'] as const);
  const header = options.header ?? 'auto';
  if (header !== true && header !== false && header !== 'auto') fail('header', "true, false or 'auto'", header);
  const limits: Limits = {
    maxCells: checkInteger('maxCells', options.maxCells ?? CSV_LIMITS.maxCells, 1),
    maxFieldLength: checkInteger('maxFieldLength', options.maxFieldLength ?? CSV_LIMITS.maxFieldLength, 1),
  };
  const span = contentSpan(text);
  const delimiter = delimiterOption === 'auto' ? detectDelimiter(text, span, limits) : delimiterOption;
  const { rows, lines } = readRows(text, span, delimiter, limits, Infinity);
  checkRectangular(rows, lines);
  const hasHeader = rows.length > 0 && (header === 'auto' ? looksLikeHeader(rows[0]!) : header);
  if (!hasHeader) return { header: undefined, rows, lines, delimiter };
  return { header: rows[0], rows: rows.slice(1), lines: lines.slice(1), delimiter };
}

/**
 * One row as CSV text (no line break), quoting a field only when it must be:
 * when it holds the delimiter, a quote, CR or LF, or when it is the row's only
 * field and empty (unquoted, that row would be a blank line).
 */
export function formatCsvRow(cells: readonly string[], delimiter: CsvDelimiter = ','): string {
  return cells.map((cell) => {
    const text = String(cell);
    const mustQuote = text.includes(delimiter) || /["\r\n]/.test(text) || (text === '' && cells.length === 1);
    return mustQuote ? `"${text.replaceAll('"', '""')}"` : text;
  }).join(delimiter);
}

/** The part of the text holding rows: after a BOM, before the trailing line breaks. */
function contentSpan(text: string): { from: number; to: number } {
  const from = text.charCodeAt(0) === BOM ? 1 : 0;
  let to = text.length;
  while (to > from && (text.charCodeAt(to - 1) === LF || text.charCodeAt(to - 1) === CR)) to--;
  return { from, to };
}

/** Where the reader is: a position in the text and the file line it lies on. */
interface Cursor {
  pos: number;
  line: number;
}

/** Reads up to `maxRows` rows of text[from, to), each with the file line it starts on. */
function readRows(text: string, span: { from: number; to: number }, delimiter: CsvDelimiter, limits: Limits, maxRows: number) {
  const { to } = span;
  const d = delimiter.charCodeAt(0);
  const cursor: Cursor = { pos: span.from, line: 1 };
  const rows: string[][] = [], lines: number[] = [];
  let cells = 0;
  while (cursor.pos < to && rows.length < maxRows) {
    const line = cursor.line;
    const row: string[] = [];
    for (;;) {
      row.push(readField(text, to, d, cursor, row.length, limits));
      if (++cells > limits.maxCells) {
        throw new RnnkitError(`text: expected at most ${limits.maxCells} cells (the maxCells limit), got more by line ${line}`);
      }
      // readField stops at a delimiter, a line break or the end.
      const c = cursor.pos < to ? text.charCodeAt(cursor.pos) : -1;
      if (c === d) {
        cursor.pos++;
        continue;
      }
      if (c !== -1) endLine(text, cursor);
      break;
    }
    rows.push(row);
    lines.push(line);
  }
  return { rows, lines };
}

/** Steps over the line break (CRLF, LF or CR) at the cursor. */
function endLine(text: string, cursor: Cursor): void {
  cursor.pos += text.charCodeAt(cursor.pos) === CR && text.charCodeAt(cursor.pos + 1) === LF ? 2 : 1;
  cursor.line++;
}

function readField(text: string, to: number, d: number, cursor: Cursor, column: number, limits: Limits): string {
  return cursor.pos < to && text.charCodeAt(cursor.pos) === QUOTE
    ? readQuoted(text, to, d, cursor, column, limits)
    : readUnquoted(text, to, d, cursor, column, limits);
}

function readUnquoted(text: string, to: number, d: number, cursor: Cursor, column: number, limits: Limits): string {
  const start = cursor.pos;
  let i = start;
  for (; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === d || c === LF || c === CR) break;
    if (c === QUOTE) {
      throw new RnnkitError(`line ${cursor.line}, column ${column}: unexpected quote inside an unquoted field ` +
        `(quote the whole field and double the quotes in it: "a""b")`);
    }
  }
  checkFieldLength(i - start, cursor.line, column, limits);
  cursor.pos = i;
  return text.slice(start, i);
}

/** A field from its opening quote to its closing one; `""` inside stands for one quote. */
function readQuoted(text: string, to: number, d: number, cursor: Cursor, column: number, limits: Limits): string {
  const startLine = cursor.line;
  let value = '';
  let i = cursor.pos + 1;
  for (;;) {
    const quote = text.indexOf('"', i);
    if (quote === -1 || quote >= to) {
      throw new RnnkitError(`line ${startLine}, column ${column}: a quoted field is never closed (it runs to the end of the text)`);
    }
    value += text.slice(i, quote);
    cursor.line += lineBreaks(text, i, quote);
    checkFieldLength(value.length, startLine, column, limits);
    if (text.charCodeAt(quote + 1) !== QUOTE) {
      i = quote + 1;
      break;
    }
    value += '"';
    i = quote + 2;
  }
  if (i < to) {
    const c = text.charCodeAt(i);
    if (c !== d && c !== LF && c !== CR) {
      throw new RnnkitError(`line ${cursor.line}, column ${column}: unexpected text after the closing quote of a quoted field`);
    }
  }
  cursor.pos = i;
  return value;
}

/** Line breaks in text[from, to): CRLF counts once, a lone CR or LF once. */
function lineBreaks(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === CR || (c === LF && text.charCodeAt(i - 1) !== CR)) count++;
  }
  return count;
}

function checkFieldLength(length: number, line: number, column: number, limits: Limits): void {
  if (length > limits.maxFieldLength) {
    throw new RnnkitError(`line ${line}, column ${column}: expected a field of at most ${limits.maxFieldLength} characters (the maxFieldLength limit), got a longer one`);
  }
}

/**
 * The delimiter that splits the first rows (read as CSV, so quoted fields
 * count as one) into the same number of columns, more than one. A file where
 * no delimiter splits anything is one column. Where exactly one delimiter
 * splits but unevenly, it is taken, and the full read names the ragged line.
 */
function detectDelimiter(text: string, span: { from: number; to: number }, limits: Limits): CsvDelimiter {
  if (span.from >= span.to) return ',';
  const widths = new Map<CsvDelimiter, number[]>();
  for (const d of [',', ';', '\t'] as const) {
    try {
      widths.set(d, readRows(text, span, d, limits, DETECTION_ROWS).rows.map((row) => row.length));
    } catch (error) {
      if (!(error instanceof RnnkitError)) throw error;
      // A quoting error under this delimiter rules it out.
    }
  }
  const candidates = [...widths.keys()];
  const consistent = candidates.filter((d) => widths.get(d)!.every((w, _, all) => w > 1 && w === all[0]));
  if (consistent.length === 1) return consistent[0]!;
  if (consistent.length > 1) throw ambiguousDelimiter(consistent, widths);
  const splitting = candidates.filter((d) => widths.get(d)!.some((w) => w > 1));
  if (splitting.length === 1) return splitting[0]!;
  if (splitting.length > 1) throw ambiguousDelimiter(splitting, widths);
  return ',';
}

function ambiguousDelimiter(delimiters: CsvDelimiter[], widths: Map<CsvDelimiter, number[]>): RnnkitError {
  const rows = widths.get(delimiters[0]!)!.length;
  const each = delimiters.map((d, k) => {
    const w = widths.get(d)!, min = Math.min(...w), max = Math.max(...w);
    return `${DELIMITER_NAMES[d]}${k === 0 ? ' splits them' : ''} into ${min === max ? min : `${min} to ${max}`}${k === 0 ? ' columns' : ''}`;
  }).join(', ');
  const choices = delimiters.map((d) => `'${d === '\t' ? '\\t' : d}'`).join(' or ');
  return new RnnkitError(`delimiter: cannot tell the delimiter from the first ${plural(rows, 'row')}: ${each}; ` +
    `say which one (delimiter: ${choices})`);
}

/** Every row as long as the first; a blank line is named as such (it often is the cause). */
function checkRectangular(rows: string[][], lines: number[]): void {
  if (rows.length === 0) return;
  const width = rows[0]!.length;
  for (let i = 1; i < rows.length; i++) {
    const n = rows[i]!.length;
    if (n === width) continue;
    const blank = n === 1 && rows[i]![0] === '' ? ' (a blank line)' : '';
    throw new RnnkitError(`line ${lines[i]}: expected ${plural(width, 'field')} (as on line ${lines[0]}), got ${n}${blank}`);
  }
}

/** A header has a cell that is neither empty nor a number (with a decimal point or comma: a decimal-comma data row is no header). */
function looksLikeHeader(row: string[]): boolean {
  return row.some((cell) => cell.trim() !== '' && !NUMBER.test(cell) && !DECIMAL_COMMA_NUMBER.test(cell));
}

// ---- numeric columns ----

/** A column by its header name, or by its 0-based index. */
/** A column by its header name, or by its 0-based index. */
export type ColumnRef = string | number;

/** The options of numericColumns. */
export interface NumericColumnsOptions {
  /** The input columns. Default: every column not in `skip`. */
  columns?: ColumnRef | readonly ColumnRef[];
  /** The target columns; they may be among `columns` or not. Default: none. */
  target?: ColumnRef | readonly ColumnRef[];
  /** Columns left out of the default `columns`, e.g. a timestamp. Default: none. */
  skip?: ColumnRef | readonly ColumnRef[];
  /** The decimal mark: '.' or ',' (e.g. "1,5" in a semicolon-delimited file; not in a comma-delimited one). Default '.'. */
  decimal?: '.' | ',';
}

/** Selected columns of a table as numbers, row by row. */
export interface NumericColumns {
  /** The input columns' names: header cells (trimmed), or without a header their indices as text. */
  names: string[];
  /** The input columns' 0-based indices in the table. */
  indices: number[];
  /** The input values, [row][input]: one array per data row. */
  inputs: number[][];
  /** The target columns' names (as `names`); undefined without `target`. */
  targetNames: string[] | undefined;
  /** The target columns' 0-based indices; undefined without `target`. */
  targetIndices: number[] | undefined;
  /** [row][target], or undefined without `target`. */
  targets: number[][] | undefined;
  /** The file line of each row (as the table's). */
  lines: number[];
}

/** A decimal number with an optional exponent, optionally padded with spaces or tabs. */
const NUMBER = /^[ \t]*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?[ \t]*$/;
const DECIMAL_COMMA_NUMBER = /^[ \t]*[+-]?(?:\d+(?:,\d*)?|,\d+)(?:[eE][+-]?\d+)?[ \t]*$/;

/**
 * Selected columns of a parsed table as numbers. Every selected cell must be
 * a decimal number (an optional sign, digits with one decimal mark, an
 * optional exponent; spaces or tabs around it allowed) that is finite in
 * float64: an empty or blank cell, "0x10", "1e", "Infinity", "NaN", "1e999"
 * are errors naming the file line and the column. Names are matched against
 * the header with surrounding spaces ignored.
 */
export function numericColumns(table: CsvTable, options: NumericColumnsOptions = {}): NumericColumns {
  checkTable(table);
  checkKeys('numericColumns options', options, ['columns', 'target', 'skip', 'decimal']);
  const decimal = checkOneOf('decimal', options.decimal ?? '.', ['.', ','] as const);
  if (decimal === ',' && table.delimiter === ',') fail('decimal', "'.' in a comma-delimited table (its commas separate fields)", decimal);
  const width = table.header?.length ?? table.rows[0]!.length;
  const skip = options.skip === undefined ? [] : resolveColumns('skip', options.skip, table, width);
  const indices = options.columns === undefined
    ? Array.from({ length: width }, (_, j) => j).filter((j) => !skip.includes(j))
    : resolveColumns('columns', options.columns, table, width);
  if (indices.length === 0) fail('skip', 'to leave at least one column', options.skip);
  const targetIndices = options.target === undefined ? undefined : resolveColumns('target', options.target, table, width);
  for (const [argument, selected] of [['columns', indices], ['target', targetIndices ?? []]] as const) {
    const both = selected.find((j) => skip.includes(j));
    if (both !== undefined) throw new RnnkitError(`skip: column ${columnLabel(table, both)} is also selected in ${argument}`);
  }
  const values = new Map<number, Float64Array>();
  for (const j of [...indices, ...(targetIndices ?? [])]) if (!values.has(j)) values.set(j, columnValues(table, j, decimal));
  const rowsOf = (selected: number[]) => table.rows.map((_, i) => selected.map((j) => values.get(j)![i]!));
  const nameOf = (j: number) => table.header?.[j]!.trim() ?? String(j);
  return {
    names: indices.map(nameOf), indices, inputs: rowsOf(indices),
    targetNames: targetIndices?.map(nameOf), targetIndices, targets: targetIndices && rowsOf(targetIndices),
    lines: table.lines,
  };
}

/** A table as parseCsv returns it, with at least one data row and every row as wide as the first (or the header). */
function checkTable(table: unknown): asserts table is CsvTable {
  const t = table as CsvTable;
  if (t === null || typeof t !== 'object' || !Array.isArray(t.rows) || !Array.isArray(t.lines) || t.lines.length !== t.rows.length ||
    (t.header !== undefined && !Array.isArray(t.header))) {
    fail('table', 'a table from parseCsv ({ header, rows, lines, delimiter })', table);
  }
  if (t.rows.length === 0) throw new RnnkitError('table: expected at least one data row, got none');
  const width = (t.header ?? t.rows[0]!).length;
  t.rows.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== width) fail(`table row ${i} (line ${t.lines[i]})`, `${plural(width, 'field')}, as the ${t.header ? 'header' : 'first row'}`, row);
  });
}

/** One column or a list of them as distinct 0-based indices. */
function resolveColumns(argument: string, selection: ColumnRef | readonly ColumnRef[], table: CsvTable, width: number): number[] {
  const list = Array.isArray(selection) ? (selection as readonly ColumnRef[]) : [selection as ColumnRef];
  if (list.length === 0) fail(argument, 'a column or a non-empty list of columns', selection);
  const seen = new Set<number>();
  return list.map((ref, k) => {
    const name = Array.isArray(selection) ? `${argument}[${k}]` : argument;
    const j = resolveColumn(name, ref, table, width);
    if (seen.has(j)) fail(name, 'distinct columns', ref);
    seen.add(j);
    return j;
  });
}

function resolveColumn(argument: string, ref: unknown, table: CsvTable, width: number): number {
  if (typeof ref === 'number') return checkInteger(argument, ref, 0, width - 1);
  if (typeof ref !== 'string') fail(argument, 'a column name or a 0-based column index', ref);
  const header = table.header;
  if (!header) fail(argument, 'a column index (the table has no header, so its columns have no names)', ref);
  const wanted = ref.trim();
  const matches = header.flatMap((cell, j) => (cell.trim() === wanted ? [j] : []));
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) throw new RnnkitError(`${argument}: "${wanted}" names columns ${matches.join(' and ')} of the header; select one by its index`);
  return fail(argument, `a column of the header (${headerList(header)})`, ref);
}

function headerList(header: string[]): string {
  const shown = header.slice(0, 20).map((cell) => JSON.stringify(cell.trim())).join(', ');
  return header.length > 20 ? `${shown}, … ${header.length - 20} more` : shown;
}

function columnLabel(table: CsvTable, j: number): string {
  return table.header ? `${JSON.stringify(table.header[j]!.trim())} (${j})` : String(j);
}

/** Column j of every row as numbers; the first cell that is not one is an error naming its line. */
function columnValues(table: CsvTable, j: number, decimal: '.' | ','): Float64Array {
  const out = new Float64Array(table.rows.length);
  for (let i = 0; i < out.length; i++) {
    const value = cellNumber(table.rows[i]![j]!, decimal);
    if (typeof value === 'string') {
      throw new RnnkitError(`line ${table.lines[i]}, column ${columnLabel(table, j)}: expected a finite number, got ${value}`);
    }
    out[i] = value;
  }
  return out;
}

/** The cell's number, or what is wrong with it (for the message). */
function cellNumber(cell: string, decimal: '.' | ','): number | string {
  if (cell === '') return 'an empty cell';
  if (cell.trim() === '') return `a blank cell (${describe(cell)})`;
  const pattern = decimal === '.' ? NUMBER : DECIMAL_COMMA_NUMBER;
  if (!pattern.test(cell)) {
    const otherMark = decimal === '.' ? (cell.includes(',') && DECIMAL_COMMA_NUMBER.test(cell) ? ',' : undefined)
      : (cell.includes('.') && NUMBER.test(cell) ? '.' : undefined);
    return `${describe(cell)}${otherMark ? ` (a decimal ${otherMark === ',' ? 'comma' : 'point'}? the decimal option is '${decimal}')` : ''}`;
  }
  const value = Number(decimal === '.' ? cell : cell.replace(',', '.'));
  return Number.isFinite(value) ? value : `${describe(cell)} (beyond the float64 range)`;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
