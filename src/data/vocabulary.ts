import { checkInteger, fail, RnnkitError } from '../errors.js';
import { isArrayLike } from './arrays.js';

/**
 * The largest one-hot array rnnkit builds: 2^30 float32 entries (4 GiB). A
 * bigger request is almost always a mistake (a stride of 1 over a long text),
 * and the typed-array constructor would only say "Invalid typed array length".
 */
const MAX_ONE_HOT_ENTRIES = 2 ** 30;

/**
 * A fixed list of symbols (characters or tokens), each with an index: the
 * categorical side of a dataset. Inputs become one-hot vectors of `size`
 * entries, targets class indices (for softmax + cross-entropy).
 *
 * Note 003 §2 turns a sentence into x = ['I', 'love', 'deep', 'learning'] and
 * then lists x[2] = 'learning', x[3] = 'deep': an erratum, since order is the
 * whole point of a sequence. Here x[t] is always the t-th symbol, and
 * encode/decode keep the order of the text. The note also warns that one-hot
 * vectors get large and sparse with big vocabularies: they take n·size floats.
 */
export class Vocabulary {
  /** The symbols in index order: symbol i has index i. */
  readonly symbols: readonly string[];
  private readonly index = new Map<string, number>();

  /** A unique, non-empty list of non-empty strings; symbol i gets index i. */
  constructor(symbols: readonly string[]) {
    if (!Array.isArray(symbols) || symbols.length === 0) fail('symbols', 'a non-empty array of strings', symbols);
    // A plain loop, not forEach: forEach skips the holes of a sparse array (['a', , 'b']).
    for (let i = 0; i < symbols.length; i++) {
      const symbol = symbols[i];
      if (typeof symbol !== 'string' || symbol.length === 0) fail(`symbols[${i}]`, 'a non-empty string', symbol);
      const first = this.index.get(symbol);
      if (first !== undefined) {
        throw new RnnkitError(`symbols[${i}]: expected unique symbols, got '${show(symbol)}' again (first at index ${first})`);
      }
      this.index.set(symbol, i);
    }
    this.symbols = Object.freeze([...symbols]);
  }

  /**
   * The distinct characters of a text, sorted by code point. Characters are
   * code points, so a surrogate pair (an emoji, say) stays one symbol.
   */
  static fromText(text: string): Vocabulary {
    if (typeof text !== 'string' || text.length === 0) fail('text', 'a non-empty string', text);
    // Each entry is one code point; compare code points, not UTF-16 units (the default sort).
    const characters = [...new Set(Array.from(text))].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
    return new Vocabulary(characters);
  }

  /** The distinct tokens, in order of first appearance. */
  static fromTokens(tokens: readonly string[]): Vocabulary {
    if (!Array.isArray(tokens) || tokens.length === 0) fail('tokens', 'a non-empty array of strings', tokens);
    tokens.forEach((token, i) => {
      if (typeof token !== 'string' || token.length === 0) fail(`tokens[${i}]`, 'a non-empty string', token);
    });
    return new Vocabulary([...new Set(tokens)]);
  }

  /** V: the number of symbols (the one-hot width, and the model's inputSize and outputSize). */
  get size(): number {
    return this.symbols.length;
  }

  /** Whether the symbol is in the vocabulary. */
  has(symbol: string): boolean {
    return this.index.has(symbol);
  }

  /** The symbol's index; throws an RnnkitError for a symbol not in the vocabulary. */
  indexOf(symbol: string): number {
    const i = this.index.get(symbol);
    if (i === undefined) throw new RnnkitError(unknownSymbol(symbol, this.size));
    return i;
  }

  /** A string is split into characters (code points); an array is a list of tokens. */
  encode(text: string | readonly string[]): Int32Array {
    const argument = typeof text === 'string' ? 'text' : 'tokens';
    if (typeof text !== 'string' && !Array.isArray(text)) fail('text', 'a string or an array of tokens', text);
    const symbols = typeof text === 'string' ? Array.from(text) : text;
    const out = new Int32Array(symbols.length);
    for (let i = 0; i < symbols.length; i++) {
      const code = this.index.get(symbols[i]!);
      if (code === undefined) throw new RnnkitError(`${argument}[${i}]: ${unknownSymbol(symbols[i]!, this.size)}`);
      out[i] = code;
    }
    return out;
  }

  /** The symbols at these indices, joined without a separator. */
  decode(indices: ArrayLike<number>): string {
    this.checkIndices(indices);
    let text = '';
    for (let i = 0; i < indices.length; i++) text += this.symbols[indices[i]!];
    return text;
  }

  /** One-hot rows, [n][size]: row i has a 1 at column indices[i]. */
  oneHot(indices: ArrayLike<number>): Float32Array {
    this.checkIndices(indices);
    checkOneHotSize('indices', indices.length, this.size);
    const out = new Float32Array(indices.length * this.size);
    for (let i = 0; i < indices.length; i++) out[i * this.size + indices[i]!] = 1;
    return out;
  }

  /** The symbols; `new Vocabulary(json)` restores it. */
  toJSON(): string[] {
    return [...this.symbols];
  }

  private checkIndices(indices: ArrayLike<number>): void {
    if (!isArrayLike(indices)) fail('indices', 'an array of symbol indices', indices);
    for (let i = 0; i < indices.length; i++) checkInteger(`indices[${i}]`, indices[i], 0, this.size - 1);
  }
}

/** Refuses a one-hot array of more than 2^30 entries, saying how big it would be. */
export function checkOneHotSize(argument: string, rows: number, size: number, hint = ''): void {
  const entries = rows * size;
  if (entries > MAX_ONE_HOT_ENTRIES) {
    const gib = (entries * 4) / 2 ** 30;
    throw new RnnkitError(
      `${argument}: the one-hot array would have ${rows}·${size} = ${entries} entries (${gib.toFixed(1)} GiB), ` +
      `more than the limit of 2^30${hint}`);
  }
}

function unknownSymbol(symbol: string, size: number): string {
  return `unknown symbol '${show(symbol)}' (the vocabulary has ${size} symbols)`;
}

/** Control characters escaped (a newline shows as \n), long tokens cut. */
function show(symbol: unknown): string {
  if (typeof symbol !== 'string') return String(symbol);
  const escaped = JSON.stringify(symbol).slice(1, -1);
  return escaped.length > 40 ? escaped.slice(0, 40) + '…' : escaped;
}

