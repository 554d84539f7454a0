import { checkInteger, checkKeys, checkOneOf, fail, RnnkitError } from '../errors.js';
import type { SequenceBatch } from './sequence-batch.js';
import { checkOneHotSize, Vocabulary } from './vocabulary.js';

/** The options of textDataset. */
export interface TextDatasetOptions {
  /** T: input characters per window, an integer ≥ 1. */
  steps: number;
  /** Characters between the starts of consecutive windows, an integer ≥ 1. Default `steps`: windows side by side. */
  stride?: number;
  /** The symbols; a given vocabulary must hold every character of the text. Default: `Vocabulary.fromText(text)`. */
  vocabulary?: Vocabulary;
  /** 'one-hot': inputs [B][T][V]; 'tokens': inputs are character ids [B][T][1], for a model with an embedding. Default 'one-hot'. */
  inputs?: 'one-hot' | 'tokens';
}

/** The options of textStreams. */
export interface TextStreamsOptions {
  /** B: the number of contiguous pieces the text is cut into, an integer in [1, n − 1] for n characters. */
  streams: number;
  /** The symbols; a given vocabulary must hold every character of the text. Default: `Vocabulary.fromText(text)`. */
  vocabulary?: Vocabulary;
  /** 'one-hot': inputs [B][T][V]; 'tokens': character ids [B][T][1], for a model with an embedding. Default 'one-hot'. */
  inputs?: 'one-hot' | 'tokens';
}

/** A text as a next-character batch, with its vocabulary. */
export interface TextData {
  /** One-hot inputs [B][T][V] (or ids [B][T][1]), class targets [B][T] (many-to-many). */
  batch: SequenceBatch;
  /** The symbols: one-hot column and class index i is symbol i. */
  vocabulary: Vocabulary;
}

/**
 * Next-character prediction in windows: window b reads the T characters from
 * b·stride on, and its target at step t is the character after input t. A
 * stride below T makes windows overlap; above T skips characters. Characters
 * after the last full window (which needs T + 1 characters: T inputs, one
 * more target) are dropped. Characters are code points, as in Vocabulary.
 *
 * Each window is an independent sequence that starts from φ_0. To carry the
 * hidden state across a long text instead, use textStreams.
 */
export function textDataset(text: string, options: TextDatasetOptions): TextData {
  checkOptions('textDataset options', options, ['steps', 'stride', 'vocabulary', 'inputs']);
  const tokens = checkOneOf('inputs', options.inputs ?? 'one-hot', ['one-hot', 'tokens']) === 'tokens';
  const steps = checkInteger('steps', options.steps, 1);
  const stride = checkInteger('stride', options.stride ?? steps, 1);
  const { codes, vocabulary } = encodeText(text, options.vocabulary);
  if (codes.length < steps + 1) {
    throw new RnnkitError(
      `text: expected at least steps + 1 = ${steps + 1} characters (${steps} inputs and the character after them), got ${codes.length}`);
  }
  const windows = Math.floor((codes.length - steps - 1) / stride) + 1;
  if (!tokens) checkOneHotSize('textDataset', windows * steps, vocabulary.size, ' (B·T rows of V); use a larger stride or fewer steps, or inputs: \'tokens\'');
  const starts = Int32Array.from({ length: windows }, (_, b) => b * stride);
  return { batch: nextCharacterBatch(codes, starts, steps, vocabulary.size, tokens), vocabulary };
}

/**
 * The whole text as `streams` long sequences, char-rnn style: the text is cut
 * into B contiguous pieces of L = ⌊(n − 1)/B⌋ input characters, piece b
 * starting at b·L, each with the next character as target at every step. The
 * last (n − 1) mod B characters are dropped.
 *
 * Train it with truncated BPTT, e.g. `algorithm: { type: 'tbptt', k: 25 }`:
 * each piece is read in chunks of k steps with the hidden state carried from
 * chunk to chunk, so the model sees the text as one continuous stream while
 * memory stays O(k) (Karpathy's min-char-rnn does the same with B = 1).
 */
export function textStreams(text: string, options: TextStreamsOptions): TextData {
  checkOptions('textStreams options', options, ['streams', 'vocabulary', 'inputs']);
  const tokens = checkOneOf('inputs', options.inputs ?? 'one-hot', ['one-hot', 'tokens']) === 'tokens';
  const streams = checkInteger('streams', options.streams, 1);
  const { codes, vocabulary } = encodeText(text, options.vocabulary);
  const length = Math.floor((codes.length - 1) / streams);
  if (length < 1) {
    fail('streams', `an integer in [1, ${Math.max(1, codes.length - 1)}] (each stream needs a character and the one after it; ` +
      `the text has ${codes.length} characters)`, streams);
  }
  if (!tokens) checkOneHotSize('textStreams', streams * length, vocabulary.size, ' (n rows of V); or inputs: \'tokens\'');
  const starts = Int32Array.from({ length: streams }, (_, b) => b * length);
  return { batch: nextCharacterBatch(codes, starts, length, vocabulary.size, tokens), vocabulary };
}

function checkOptions(argument: string, options: object | undefined, keys: string[]): void {
  if (options === undefined || options === null) fail(argument, `an options object { ${keys.join(', ')} }`, options);
  checkKeys(argument, options, keys);
}

function encodeText(text: unknown, given: unknown): { codes: Int32Array; vocabulary: Vocabulary } {
  if (typeof text !== 'string' || text.length === 0) fail('text', 'a non-empty string', text);
  if (given !== undefined && !(given instanceof Vocabulary)) fail('vocabulary', 'a Vocabulary', given);
  const vocabulary = given ?? Vocabulary.fromText(text);
  return { codes: vocabulary.encode(text), vocabulary };
}

/**
 * Sequence b reads codes[s .. s+T) (one-hot, or as ids) and predicts
 * codes[s+1 .. s+T] (s = starts[b]). Built in place rather than through
 * createSequenceBatch, which would copy and re-scan the large one-hot array.
 */
function nextCharacterBatch(codes: Int32Array, starts: Int32Array, steps: number, vocabularySize: number, tokens: boolean): SequenceBatch {
  const size = starts.length, V = tokens ? 1 : vocabularySize;
  const inputs = new Float32Array(size * steps * V);
  const classes = new Int32Array(size * steps);
  for (let b = 0; b < size; b++) {
    const s = starts[b]!;
    for (let t = 0; t < steps; t++) {
      const row = b * steps + t;
      if (tokens) inputs[row] = codes[s + t]!;
      else inputs[row * V + codes[s + t]!] = 1;
      classes[row] = codes[s + t + 1]!;
    }
  }
  return {
    size, steps, inputSize: V, inputs,
    targets: undefined, targetSize: undefined, classes,
    mask: new Float32Array(size * steps).fill(1),
    lengths: new Int32Array(size).fill(steps),
    initialState: undefined,
    task: 'many-to-many',
  };
}
