import { checkInteger, checkKeys, checkNumber, fail, RnnkitError } from '../errors.js';
import { isArrayLike } from '../data/arrays.js';
import { Random } from './random.js';
import { checkRecurrentModel, type RecurrentModel } from './recurrent/model.js';
import type { SavedModel } from './codecs.js';
import { RnnStepper } from './stepper.js';
import { Vocabulary } from '../data/vocabulary.js';

/** The options of sample(). */
export interface SampleOptions {
  /** The most symbols to generate (fewer when `stop` comes first); an integer in [0, 10⁷]. */
  length: number;
  /**
   * What the model reads first; generation continues from its last symbol. Class indices (e.g.
   * `vocabulary.encode(prompt)`), or a string when the model carries a vocabulary
   * (`model.metadata.vocabulary`, as `rnnkit train --text` saves it): then `sample` returns text.
   * Default [0], the first symbol.
   */
  prime?: ArrayLike<number> | string;
  /** Softmax temperature τ ≥ 0: p ∝ y^{1/τ}. Below 1 sharper, above 1 more random; 0 is greedy (always the most probable symbol). Default 1. */
  temperature?: number;
  /** A symbol that ends generation (it is included in the result): a class index, or a string with a vocabulary. Default: none. */
  stop?: number | string;
  /** Seed of the sampling draws, an integer in [0, 2³² − 1]: the same seed gives the same symbols. Default 1. */
  seed?: number;
}

/** A text prompt: `sample` encodes it with the model's vocabulary and returns the generated text. */
export type TextSampleOptions = SampleOptions & {
  /** The text the model reads first, encoded with the model's vocabulary (`model.metadata.vocabulary`). */
  prime: string;
};

/** Most symbols one call generates (10⁷: about 40 MB of results, minutes of stepping). */
export const MAX_SAMPLE_LENGTH = 10_000_000;

/**
 * One-to-many generation from a model whose inputs and outputs range over the
 * same symbols (softmax output over o symbols, fed back either one-hot, p = o,
 * or as a token id into an embedding of o tokens): each sampled symbol is
 * the next input. Returns the generated class indices, or, given a text
 * `prime`, the generated text (the prime not repeated).
 */
export function sample(model: RecurrentModel | SavedModel, options: TextSampleOptions): string;
export function sample(model: RecurrentModel | SavedModel, options: SampleOptions): number[];
export function sample(model: RecurrentModel | SavedModel, options: SampleOptions): number[] | string {
  checkRecurrentModel('model', model);
  if (options === null || typeof options !== 'object') fail('sample options', 'an object with length', options);
  checkKeys('sample options', options, ['length', 'prime', 'temperature', 'stop', 'seed']);
  const { inputSize: p, outputSize: o, output, vocabularySize: V } = model.structure;
  if (output !== 'softmax') throw new RnnkitError(`sample: expected a model with output 'softmax', got '${output}'`);
  if (V > 0 && V !== o) throw new RnnkitError(`sample: expected vocabularySize = outputSize (token feedback), got ${V} and ${o}`);
  if (V === 0 && p !== o) throw new RnnkitError(`sample: expected inputSize = outputSize (one-hot feedback), got ${p} and ${o}`);
  // Bounded before any work: each symbol is a step of the model and an entry of the returned array.
  const length = checkInteger('length', options.length, 0, MAX_SAMPLE_LENGTH);
  const temperature = checkNumber('temperature', options.temperature ?? 1, 0);
  const text = typeof options.prime === 'string' || typeof options.stop === 'string';
  const vocabulary = text ? modelVocabulary(model, o) : undefined;
  const primeOption = options.prime ?? [0];
  const prime: ArrayLike<number> = typeof primeOption === 'string' ? vocabulary!.encode(primeOption) : primeOption;
  if (!isArrayLike(prime) || prime.length === 0) fail('prime', 'a non-empty array of class indices (or a non-empty string)', prime);
  for (let i = 0; i < prime.length; i++) checkInteger(`prime[${i}]`, prime[i], 0, o - 1);
  const stop = options.stop === undefined ? -1
    : typeof options.stop === 'string' ? stopIndex(vocabulary!, options.stop)
    : checkInteger('stop', options.stop, 0, o - 1);
  const rng = new Random(options.seed ?? 1);
  const stepper = new RnnStepper(model);
  const x = new Float32Array(p);
  const feed = (c: number) => {
    if (V > 0) x[0] = c;
    else { x.fill(0); x[c] = 1; }
    return stepper.step(x);
  };
  let y = feed(prime[0]!);
  for (let i = 1; i < prime.length; i++) y = feed(prime[i]!);
  const out: number[] = [];
  const weights = new Float64Array(o);
  for (let n = 0; n < length; n++) {
    let total = 0;
    for (let k = 0; k < o; k++) total += weights[k] = Math.pow(y[k]!, 1 / temperature);
    let c = 0;
    if (temperature > 0 && total > 0 && Number.isFinite(total)) {
      let u = rng.next() * total;
      while (c < o - 1 && (u -= weights[c]!) >= 0) c++;
    } else {
      for (let k = 1; k < o; k++) if (y[k]! > y[c]!) c = k; // greedy (τ = 0), or τ so small every weight underflowed: argmax
    }
    out.push(c);
    if (c === stop) break;
    y = feed(c);
  }
  return vocabulary && typeof options.prime === 'string' ? vocabulary.decode(out) : out;
}

/** The vocabulary a text model carries in its metadata (`rnnkit train --text` saves it there). */
function modelVocabulary(model: RecurrentModel | SavedModel, outputSize: number): Vocabulary {
  const symbols = model.metadata?.vocabulary;
  if (!Array.isArray(symbols)) {
    throw new RnnkitError('sample: a text prime or stop needs a model that carries its vocabulary (model.metadata = { vocabulary: vocabulary.toJSON() })');
  }
  const vocabulary = new Vocabulary(symbols as string[]);
  if (vocabulary.size !== outputSize) {
    throw new RnnkitError(`sample: the model's vocabulary has ${vocabulary.size} symbols for ${outputSize} outputs`);
  }
  return vocabulary;
}

function stopIndex(vocabulary: Vocabulary, symbol: string): number {
  if (!vocabulary.has(symbol)) throw new RnnkitError(`stop: '${symbol}' is not a symbol of the model's vocabulary`);
  return vocabulary.indexOf(symbol);
}
