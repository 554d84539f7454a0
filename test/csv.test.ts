import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CSV_LIMITS, formatCsvRow, numericColumns, parseCsv, type CsvDelimiter } from '../src/data/csv.js';
import { RnnkitError } from '../src/errors.js';

/* The CSV reader: RFC 4180 parsing with file line numbers, and numeric column selection. */

/** The error parseCsv/numericColumns throws for `fn`, checked to be an RnnkitError. */
function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(RnnkitError);
    return (error as Error).message;
  }
  throw new Error('expected an error');
}

describe('parseCsv: RFC 4180', () => {
  it('quoted fields: delimiters, doubled quotes and empty fields inside, cells kept raw', () => {
    const table = parseCsv('a,"b,c","d""e",""\n x ," y ",,z\n', { header: false });
    expect(table.rows).toEqual([['a', 'b,c', 'd"e', ''], [' x ', ' y ', '', 'z']]);
    expect(table.lines).toEqual([1, 2]);
    expect(table.header).toBeUndefined();
    expect(table.delimiter).toBe(',');
  });

  it('line breaks inside quotes are kept as written, and the rows after them keep their true file lines', () => {
    const table = parseCsv('id,note\n1,"two\nlines"\n2,"three\r\nlines\rhere"\n3,plain\n');
    expect(table.header).toEqual(['id', 'note']);
    expect(table.rows).toEqual([['1', 'two\nlines'], ['2', 'three\r\nlines\rhere'], ['3', 'plain']]);
    expect(table.lines).toEqual([2, 4, 7]);
  });

  it('CRLF, CR and LF line ends; the last line break is optional; trailing blank lines are ignored', () => {
    const expected = { header: ['a', 'b'], rows: [['1', '2'], ['3', '4']], lines: [2, 3], delimiter: ',' };
    expect(parseCsv('a,b\r\n1,2\r\n3,4\r\n')).toEqual(expected);
    expect(parseCsv('a,b\r1,2\r3,4')).toEqual(expected);
    expect(parseCsv('a,b\n1,2\n3,4')).toEqual(expected);
    expect(parseCsv('a,b\n1,2\n3,4\n\n\r\n')).toEqual(expected);
    // A trailing delimiter is one more (empty) field, as RFC 4180 reads it.
    expect(parseCsv('1,2,\n3,4,', { header: false }).rows).toEqual([['1', '2', ''], ['3', '4', '']]);
  });

  it('a UTF-8 BOM is skipped (not part of the first header name)', () => {
    const table = parseCsv('\uFEFFtime,temp\n1,2\n');
    expect(table.header).toEqual(['time', 'temp']);
    expect(table.lines).toEqual([2]);
    expect(parseCsv('\uFEFF')).toEqual({ header: undefined, rows: [], lines: [], delimiter: ',' });
    expect(parseCsv('')).toEqual({ header: undefined, rows: [], lines: [], delimiter: ',' });
  });

  it('quoting errors name the line and column', () => {
    expect(errorOf(() => parseCsv('a,b\n1,"open\n2,3\n', { delimiter: ',' })))
      .toBe('line 2, column 1: a quoted field is never closed (it runs to the end of the text)');
    expect(errorOf(() => parseCsv('a,b\n1,2"3\n', { delimiter: ',' })))
      .toBe('line 2, column 1: unexpected quote inside an unquoted field (quote the whole field and double the quotes in it: "a""b")');
    expect(errorOf(() => parseCsv('a,b\n"x\ny"z,1\n', { delimiter: ',' })))
      .toBe('line 3, column 0: unexpected text after the closing quote of a quoted field');
    // A space before the opening quote makes the quote a stray one (RFC 4180 has no padding around quoted fields).
    expect(errorOf(() => parseCsv('a, "b"', { delimiter: ',' }))).toMatch(/^line 1, column 1: unexpected quote inside an unquoted field/);
  });

  it('ragged rows are errors naming the line; a blank line is called one', () => {
    expect(errorOf(() => parseCsv('a,b\n1,2\n3,4,5\n'))).toBe('line 3: expected 2 fields (as on line 1), got 3');
    expect(errorOf(() => parseCsv('a,b\n1,"x\ny"\n\n3,4\n'))).toBe('line 4: expected 2 fields (as on line 1), got 1 (a blank line)');
  });
});

describe('parseCsv: the delimiter', () => {
  it('auto-detects comma, semicolon and tab; quoted delimiters do not count', () => {
    expect(parseCsv('a,b\n1,2\n').delimiter).toBe(',');
    expect(parseCsv('a;b;c\n1;2;3\n').delimiter).toBe(';');
    expect(parseCsv('a\tb\n1\t2\n').rows).toEqual([['1', '2']]);
    expect(parseCsv('a\tb\n1\t2\n').delimiter).toBe('\t');
    // Semicolons inside quotes: splitting on ';' would break the quoting, so comma it is.
    expect(parseCsv('"x;y",z\n"1;2",3\n').rows).toEqual([['1;2', '3']]);
    // One column: no delimiter splits anything.
    expect(parseCsv('x\n1\n2\n')).toEqual({ header: ['x'], rows: [['1'], ['2']], lines: [2, 3], delimiter: ',' });
  });

  it('semicolon files with decimal commas: the header decides; the numbers need decimal: \',\'', () => {
    const text = 'time;temp\n2024-01-01 00:00;1,5\n2024-01-01 01:00;-2,25\n';
    const table = parseCsv(text);
    expect(table.delimiter).toBe(';');
    expect(numericColumns(table, { skip: 'time', decimal: ',' }).inputs).toEqual([[1.5], [-2.25]]);
    expect(errorOf(() => numericColumns(table, { skip: 'time' })))
      .toBe('line 2, column "temp" (1): expected a finite number, got "1,5" (a decimal comma? the decimal option is \'.\')');
    // A comma cannot be both the delimiter and the decimal mark.
    expect(errorOf(() => numericColumns(parseCsv('a,b\n1,2\n'), { decimal: ',' })))
      .toBe('decimal: expected \'.\' in a comma-delimited table (its commas separate fields), got ","');
  });

  it('ambiguous text is refused with what each delimiter gives; an explicit delimiter settles it', () => {
    // No header: "1,5;2,5" is 3 comma-separated or 2 semicolon-separated fields on every row.
    const text = '1,5;2,5\n3,5;4,5\n';
    expect(errorOf(() => parseCsv(text)))
      .toBe("delimiter: cannot tell the delimiter from the first 2 rows: comma splits them into 3 columns, semicolon into 2; say which one (delimiter: ',' or ';')");
    expect(parseCsv(text, { delimiter: ';' }).rows).toEqual([['1,5', '2,5'], ['3,5', '4,5']]);
    // One delimiter even, the other not: the even one (decimal commas in a semicolon file).
    expect(parseCsv('a,b;c\n1,2;3,4\n').delimiter).toBe(';');
    expect(errorOf(() => parseCsv('a,b;c\n1,2,3;4;5\n')))
      .toBe("delimiter: cannot tell the delimiter from the first 2 rows: comma splits them into 2 to 3 columns, semicolon into 2 to 3; say which one (delimiter: ',' or ';')");
    // Only one delimiter splits anything, unevenly: it is taken, and the ragged line is named.
    expect(errorOf(() => parseCsv('a,b\n1,2\n3\n'))).toBe('line 3: expected 2 fields (as on line 1), got 1');
  });
});

describe('parseCsv: the header', () => {
  it("auto: a header if any cell is neither empty nor a number (with a decimal point or comma)", () => {
    expect(parseCsv('1,2\n3,4\n').header).toBeUndefined();
    expect(parseCsv('1.5;2,5\n3;4\n', { delimiter: ';' }).header).toBeUndefined();
    expect(parseCsv(',a,b\n0,1,2\n').header).toEqual(['', 'a', 'b']);
    expect(parseCsv(' 1 , 2e3\n3,4\n').header).toBeUndefined();
    // A first data row with a missing value is data (its empty cell is reported later), not a header.
    expect(parseCsv('1,,3\n4,5,6\n').header).toBeUndefined();
  });

  it('true and false force it', () => {
    expect(parseCsv('2019,2020\n1,2\n', { header: true })).toEqual({ header: ['2019', '2020'], rows: [['1', '2']], lines: [2], delimiter: ',' });
    expect(parseCsv('a,b\n1,2\n', { header: false }).rows).toEqual([['a', 'b'], ['1', '2']]);
  });
});

describe('numericColumns', () => {
  const table = parseCsv('time,"temp, °C", hum ,wind\n2024-01-01,20.5,40,3\n2024-01-02,21,41.5,2\n2024-01-03,19.75,39,4\n');

  it('selects inputs and targets by name (spaces around names ignored) or 0-based index; skip leaves columns out of the default', () => {
    const all = numericColumns(table, { skip: 'time' });
    expect(all.names).toEqual(['temp, °C', 'hum', 'wind']);
    expect(all.indices).toEqual([1, 2, 3]);
    expect(all.inputs).toEqual([[20.5, 40, 3], [21, 41.5, 2], [19.75, 39, 4]]);
    expect(all.targets).toBeUndefined();
    expect(all.lines).toEqual([2, 3, 4]);
    const some = numericColumns(table, { columns: ['hum', 1], target: 'wind' });
    expect([some.names, some.indices, some.targetNames, some.targetIndices]).toEqual([['hum', 'temp, °C'], [2, 1], ['wind'], [3]]);
    expect(some.inputs).toEqual([[40, 20.5], [41.5, 21], [39, 19.75]]);
    expect(some.targets).toEqual([[3], [2], [4]]);
    expect(numericColumns(table, { columns: 'hum', target: ['hum'] }).targets).toEqual([[40], [41.5], [39]]);
    const bare = numericColumns(parseCsv('1,2\n3,4\n'), { columns: [1], target: 0 });
    expect([bare.names, bare.inputs, bare.targetNames, bare.targets]).toEqual([['1'], [[2], [4]], ['0'], [[1], [3]]]);
  });

  it('unknown, ambiguous, repeated and conflicting selections are refused', () => {
    expect(errorOf(() => numericColumns(table, { columns: ['temp, °C', 'humidity'] })))
      .toBe('columns[1]: expected a column of the header ("time", "temp, °C", "hum", "wind"), got "humidity"');
    expect(errorOf(() => numericColumns(table, { target: 4 }))).toBe('target: expected an integer in [0, 3], got 4');
    expect(errorOf(() => numericColumns(table, { columns: [1, 'temp, °C'] }))).toBe('columns[1]: expected distinct columns, got "temp, °C"');
    expect(errorOf(() => numericColumns(table, { columns: [1, 2], skip: ['time', 'hum'] }))).toBe('skip: column "hum" (2) is also selected in columns');
    expect(errorOf(() => numericColumns(table, { skip: [0, 1, 2, 3] }))).toBe('skip: expected to leave at least one column, got an array of length 4');
    expect(errorOf(() => numericColumns(table, { columns: [] }))).toBe('columns: expected a column or a non-empty list of columns, got an array of length 0');
    expect(errorOf(() => numericColumns(parseCsv('1,2\n'), { columns: 'temp' })))
      .toBe('columns: expected a column index (the table has no header, so its columns have no names), got "temp"');
    expect(errorOf(() => numericColumns(parseCsv('x,x\n1,2\n'), { columns: 'x' }))).toBe('columns: "x" names columns 0 and 1 of the header; select one by its index');
    expect(errorOf(() => numericColumns(parseCsv('x\n'))) ).toBe('table: expected at least one data row, got none');
    expect(errorOf(() => numericColumns(table, { column: 1 } as never))).toMatch(/^numericColumns options: unknown option 'column'/);
  });

  it('every selected cell must be a decimal number: the error names the file line (after embedded line breaks) and the column', () => {
    const text = 'id,note,temp\n1,"a note\nover two lines",20\n2,ok,21\n3,"x",CELL\n';
    const cases: [string, string][] = [
      ['', 'an empty cell'],
      ['   ', 'a blank cell ("   ")'],
      ['0x10', '"0x10"'],
      ['1e', '"1e"'],
      ['Infinity', '"Infinity"'],
      ['-Infinity', '"-Infinity"'],
      ['NaN', '"NaN"'],
      ['1e999', '"1e999" (beyond the float64 range)'],
      ['1 2', '"1 2"'],
      ['1_000', '"1_000"'],
      ['١٢', '"١٢"'],
    ];
    for (const [cell, got] of cases) {
      const csv = text.replace('CELL', cell.includes(' ') ? `"${cell}"` : cell);
      expect(errorOf(() => numericColumns(parseCsv(csv), { columns: 'temp' }))).toBe(`line 5, column "temp" (2): expected a finite number, got ${got}`);
    }
    // Without a header the column is its index.
    expect(errorOf(() => numericColumns(parseCsv('1,2\n3,\n')))).toBe('line 2, column 1: expected a finite number, got an empty cell');
    // A blank line in a one-column file is an empty cell on that line.
    expect(errorOf(() => numericColumns(parseCsv('x\n1\n\n2\n')))).toBe('line 3, column "x" (0): expected a finite number, got an empty cell');
  });

  it('accepts signs, exponents, a bare decimal mark at either end, and spaces or tabs around the number', () => {
    const cells = [' 1.5 ', '-2', '+3', '.5', '5.', '1e3', '-1.5E-2', '\t7\t', '0', '-0.0', '00012'];
    const parsed = numericColumns(parseCsv(cells.map((c) => `${c};x`).join('\n'), { delimiter: ';', header: false }), { columns: 0 });
    expect(parsed.inputs.map(([v]) => v)).toEqual([1.5, -2, 3, 0.5, 5, 1000, -0.015, 7, 0, -0, 12]);
    const comma = numericColumns(parseCsv('a;b\n1,5;-,25\n2;3e1\n'), { decimal: ',' });
    expect(comma.inputs).toEqual([[1.5, -0.25], [2, 30]]);
    expect(errorOf(() => numericColumns(parseCsv('a;b\n1.5;2\n'), { decimal: ',' })))
      .toBe('line 2, column "a" (0): expected a finite number, got "1.5" (a decimal point? the decimal option is \',\')');
  });
});

describe('bounds', () => {
  it('the default limits', () => {
    expect(CSV_LIMITS).toEqual({ maxCells: 10_000_000, maxFieldLength: 1_000_000 });
  });

  it('more cells than maxCells: refused while reading, naming the line reached', () => {
    expect(errorOf(() => parseCsv('1,2\n3,4\n5,6\n', { maxCells: 5 }))).toBe('text: expected at most 5 cells (the maxCells limit), got more by line 3');
    expect(parseCsv('1,2\n3,4\n5,6\n', { maxCells: 6 }).rows).toHaveLength(3);
    // The default: 10⁷ + 1 empty cells on one line.
    expect(errorOf(() => parseCsv(','.repeat(10_000_000), { delimiter: ',' })))
      .toBe('text: expected at most 10000000 cells (the maxCells limit), got more by line 1');
  });

  it('a field longer than maxFieldLength (1 MB by default): refused, quoted or not', () => {
    expect(errorOf(() => parseCsv('a,b\n1,"abcdef"\n', { maxFieldLength: 5 })))
      .toBe('line 2, column 1: expected a field of at most 5 characters (the maxFieldLength limit), got a longer one');
    // The limit is on the field's value: "ab""cd" is 5 characters.
    expect(parseCsv('a,"ab""cd"\n', { maxFieldLength: 5, header: false }).rows).toEqual([['a', 'ab"cd']]);
    expect(errorOf(() => parseCsv(`x\n${'9'.repeat(1_000_001)}\n`)))
      .toBe('line 2, column 0: expected a field of at most 1000000 characters (the maxFieldLength limit), got a longer one');
    expect(parseCsv(`x\n${'9'.repeat(1_000_000)}\n`).rows[0]![0]).toHaveLength(1_000_000);
  });

  it('bad arguments', () => {
    expect(errorOf(() => parseCsv(42 as never))).toBe('text: expected a string, got 42');
    expect(errorOf(() => parseCsv('a', { delimiter: '|' as never }))).toBe('delimiter: expected one of \',\', \';\', \'\t\', \'auto\', got "|"');
    expect(errorOf(() => parseCsv('a', { header: 'yes' as never }))).toBe('header: expected true, false or \'auto\', got "yes"');
    expect(errorOf(() => parseCsv('a', { maxCells: 0 }))).toBe('maxCells: expected an integer ≥ 1, got 0');
    expect(errorOf(() => parseCsv('a', { quote: "'" } as never))).toMatch(/^parseCsv options: unknown option 'quote'/);
    expect(errorOf(() => numericColumns({ rows: [] } as never))).toMatch(/^table: expected a table from parseCsv/);
  });
});

describe('properties (fast-check)', () => {
  const RUNS = { numRuns: 300, seed: 4180 };
  // Cells drawn mostly from the characters that need quoting, plus ordinary text.
  const cell = fc.oneof(
    fc.string({ unit: fc.constantFrom(',', ';', '\t', '"', '\r', '\n', ' ', 'a', '1', '.', 'é', '😀'), maxLength: 8 }),
    fc.string({ maxLength: 12 }),
  );
  const table = fc.integer({ min: 1, max: 5 }).chain((width) => fc.array(fc.array(cell, { minLength: width, maxLength: width }), { minLength: 1, maxLength: 8 }));
  const delimiter = fc.constantFrom<CsvDelimiter>(',', ';', '\t');
  const lineEnd = fc.constantFrom('\n', '\r\n', '\r');

  /** RFC 4180 writing, independent of formatCsvRow: quote when needed, or always. */
  const write = (rows: string[][], d: CsvDelimiter, end: string, quoteAll: boolean, trailing: boolean) =>
    rows.map((row) => row.map((c) => (quoteAll || c.includes(d) || /["\r\n]/.test(c) || (c === '' && row.length === 1) ? `"${c.replaceAll('"', '""')}"` : c)).join(d))
      .join(end) + (trailing ? end : '');

  it('any table of strings written with RFC 4180 quoting parses back to the same cells, with each row\'s line', () => {
    fc.assert(fc.property(table, delimiter, lineEnd, fc.boolean(), fc.boolean(), (rows, d, end, quoteAll, trailing) => {
      const text = write(rows, d, end, quoteAll, trailing);
      const parsed = parseCsv(text, { delimiter: d, header: false });
      expect(parsed.rows).toEqual(rows);
      // Each row starts one line after the previous row's line breaks (the row's own, inside quotes, plus its end).
      let line = 1;
      const lines = rows.map((row) => {
        const at = line;
        line += 1 + row.reduce((n, c) => n + (c.match(/\r\n|\r|\n/g)?.length ?? 0), 0);
        return at;
      });
      expect(parsed.lines).toEqual(lines);
    }), RUNS);
  });

  it('formatCsvRow writes what parseCsv reads back', () => {
    fc.assert(fc.property(table, delimiter, (rows, d) => {
      expect(parseCsv(rows.map((r) => formatCsvRow(r, d)).join('\n'), { delimiter: d, header: false }).rows).toEqual(rows);
    }), RUNS);
  });

  it('with the delimiter left to auto-detection, a table of 2 or more columns comes back whole, or the reader says it cannot tell', () => {
    const wide = fc.integer({ min: 2, max: 5 }).chain((width) => fc.array(fc.array(cell, { minLength: width, maxLength: width }), { minLength: 1, maxLength: 8 }));
    fc.assert(fc.property(wide, delimiter, (rows, d) => {
      try {
        expect(parseCsv(write(rows, d, '\n', false, true), { header: false }).rows).toEqual(rows);
      } catch (error) {
        expect((error as Error).message).toMatch(/^delimiter: cannot tell the delimiter from the first \d+ rows?: /);
      }
    }), RUNS);
  });
});
