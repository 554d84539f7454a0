import { checkInteger, checkKeys, checkNumber, fail, RnnkitError } from '../errors.js';
import { isArrayLike } from '../data/arrays.js';
import { Random } from './random.js';
import { checkRecurrentModel, type RecurrentModel } from './recurrent/model.js';
import type { SavedModel } from './codecs.js';
import { RnnStepper } from './stepper.js';

export interface SampleOptions {
  /** Number of symbols to generate. */
  length: number;
  /** Symbols fed first (class indices, e.g. vocabulary.encode(prompt)); generation continues from the last. Default [0]. */
  prime?: ArrayLike<number>;
  /** Softmax temperature τ: p ∝ y^{1/τ}. Below 1 sharper, above 1 more random; 0 is greedy (always the most probable symbol). Default 1. */
  temperature?: number;
  seed?: number;
}

/**
 * One-to-many generation from a model whose inputs and outputs range over the
 * same symbols (softmax output over o symbols, fed back either one-hot, p = o,
 * or as a token id into an embedding of o tokens): each sampled symbol is
 * the next input. Returns the generated class indices.
 */
/** Most symbols one call generates (10⁷: about 40 MB of results, minutes of stepping). */
export const MAX_SAMPLE_LENGTH = 10_000_000;

export function sample(model: RecurrentModel | SavedModel, options: SampleOptions): number[] {
  checkRecurrentModel('model', model);
  if (options === null || typeof options !== 'object') fail('sample options', 'an object with length', options);
  checkKeys('sample options', options, ['length', 'prime', 'temperature', 'seed']);
  const { inputSize: p, outputSize: o, output, vocabularySize: V } = model.structure;
  if (output !== 'softmax') throw new RnnkitError(`sample: expected a model with output 'softmax', got '${output}'`);
  if (V > 0 && V !== o) throw new RnnkitError(`sample: expected vocabularySize = outputSize (token feedback), got ${V} and ${o}`);
  if (V === 0 && p !== o) throw new RnnkitError(`sample: expected inputSize = outputSize (one-hot feedback), got ${p} and ${o}`);
  // Bounded before any work: each symbol is a step of the model and an entry of the returned array.
  const length = checkInteger('length', options.length, 0, MAX_SAMPLE_LENGTH);
  const temperature = checkNumber('temperature', options.temperature ?? 1, 0);
  const prime = options.prime ?? [0];
  if (!isArrayLike(prime) || prime.length === 0) fail('prime', 'a non-empty array of class indices', prime);
  for (let i = 0; i < prime.length; i++) checkInteger(`prime[${i}]`, prime[i], 0, o - 1);
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
    y = feed(c);
  }
  return out;
}
