import { createSequenceBatch, type SequenceBatch } from 'rnnkit';
import { checkKeys, checkSeed } from '../errors.js';
import type { RecurrentModel } from 'rnnkit';
import { Random } from 'rnnkit';
import { RnnStepper } from 'rnnkit';
import type { SequenceTask } from './task.js';

/** The grammar's seven symbols, in one-hot order. */
export const REBER_SYMBOLS = ['B', 'T', 'P', 'S', 'X', 'V', 'E'] as const;

/**
 * The Reber grammar (Reber 1967) as a finite automaton: from each state, the
 * two symbols that may follow and the state each leads to. State 6 ends with E.
 */
const REBER: Record<number, [string, number][]> = {
  0: [['B', 1]],
  1: [['T', 2], ['P', 3]],
  2: [['S', 2], ['X', 4]],
  3: [['T', 3], ['V', 5]],
  4: [['X', 3], ['S', 6]],
  5: [['P', 4], ['V', 6]],
  6: [['E', -1]],
};

/**
 * One embedded Reber string: B, then T or P, a Reber string, the same T or P
 * again, and E. Predicting that second-to-last symbol needs the second one,
 * remembered across the whole inner string — the long-term dependency that
 * makes this a benchmark (Hochreiter & Schmidhuber 1997). Returns the string
 * and, for each position but the last, the set of symbols that may follow.
 */
export function embeddedReberString(rng: Random): {
  /** The string, e.g. 'BTBTXSETE'. */
  text: string;
  /** For each position but the last, the symbols that may follow it. */
  next: string[][];
} {
  const branch = rng.next() < 0.5 ? 'T' : 'P';
  let inner = '';
  const innerNext: string[][] = [];
  for (let state = 0; state !== -1; ) {
    const options = REBER[state]!;
    innerNext.push(options.map(([s]) => s));
    const [symbol, to] = options[options.length === 1 ? 0 : rng.int(2)]!;
    inner += symbol;
    state = to;
  }
  const text = `B${branch}${inner}${branch}E`;
  // What may follow each position: after B, T or P; after the branch and each inner symbol but the
  // last, the automaton's options for the next inner symbol (innerNext); after the inner E, the
  // same branch symbol; after that, E.
  const next = [['T', 'P'], ...innerNext, [branch], ['E']];
  return { text, next };
}

/** Whether a string is an embedded Reber string. */
export function isEmbeddedReber(text: string): boolean {
  const match = /^B([TP])(.*)([TP])E$/.exec(text);
  if (!match || match[1] !== match[3]) return false;
  let state = 0;
  for (const symbol of match[2]!) {
    const step = REBER[state]?.find(([s]) => s === symbol);
    if (!step) return false;
    state = step[1];
  }
  return state === -1;
}

/**
 * Next-symbol prediction on embedded Reber strings (many-to-many, ragged).
 * Metrics: the share of test strings predicted perfectly — at every step the k
 * likeliest symbols are exactly the k allowed ones (the standard criterion) —
 * and the accuracy on the second-to-last symbol, where a model without
 * long-term memory can only guess (50%).
 */
export function reberTask(options: {
  /** Training strings, an integer ≥ 1. Default 2000. */
  train?: number;
  /** Test strings, an integer ≥ 1. Default 500. */
  test?: number;
  /** Seed of the generated data, an integer in [0, 2³² − 1] (the test set uses seed + 1000). Default 1. */
  seed?: number;
} = {}): SequenceTask & {
  /** Generates `count` strings from a model (one-hot, 7 symbols), each drawn from its softmax from B on, with a seed (default 1). */
  sample(model: RecurrentModel, count: number, seed?: number): string[];
} {
  checkKeys('reber task options', options, ['train', 'test', 'seed']);
  const seed = checkSeed('seed', options.seed ?? 1);
  const make = (count: number, s: number) => reberBatch(count, new Random(s));
  const train = make(options.train ?? 2000, seed);
  const testStrings = make(options.test ?? 500, (seed + 1000) >>> 0);
  const test = testStrings.batch;
  const o = REBER_SYMBOLS.length;
  return {
    name: 'reber',
    description: 'the embedded Reber grammar: predict the next symbol; the second-to-last needs the second',
    train: train.batch, test,
    model: { inputSize: o, outputSize: o, output: 'softmax', loss: 'cross-entropy' },
    evaluate(model: RecurrentModel, data: SequenceBatch = test) {
      const sets = data === test ? testStrings.next : undefined;
      const y = model.predict(data);
      let perfect = 0, critical = 0, bits = 0, symbols = 0;
      for (let b = 0; b < data.size; b++) {
        const T = data.lengths[b]!;
        let allRight = true;
        for (let t = 0; t < T; t++) {
          const row = b * data.steps + t;
          const target = data.classes![row]!;
          bits -= Math.log2(Math.max(y[row * o + target]!, 1e-12));
          symbols++;
          if (sets) {
            const allowed = new Set(sets[b]![t]!.map((s) => REBER_SYMBOLS.indexOf(s as never)));
            const ranked = Array.from({ length: o }, (_, k) => k).sort((i, j) => y[row * o + j]! - y[row * o + i]!);
            if (!ranked.slice(0, allowed.size).every((k) => allowed.has(k))) allRight = false;
          }
          if (t === T - 2) {
            let best = 0;
            for (let k = 1; k < o; k++) if (y[row * o + k]! > y[row * o + best]!) best = k;
            if (best === target) critical++;
          }
        }
        if (allRight) perfect++;
      }
      return {
        metric: 'second-to-last symbol accuracy', value: critical / data.size,
        baseline: 0.5, baselineName: 'a guess between T and P (no long-term memory)', better: 'higher',
        extra: { 'strings predicted perfectly': sets ? perfect / data.size : NaN, 'bits per symbol': bits / symbols },
      };
    },
    sample(model: RecurrentModel, count: number, sampleSeed = 1) {
      return sampleStrings(model, count, new Random(sampleSeed));
    },
  };
}

function reberBatch(count: number, rng: Random): { batch: SequenceBatch; next: string[][][] } {
  const strings = Array.from({ length: count }, () => embeddedReberString(rng));
  const o = REBER_SYMBOLS.length;
  const steps = Math.max(...strings.map((s) => s.text.length - 1));
  const inputs = new Float32Array(count * steps * o), classes = new Int32Array(count * steps), lengths = new Int32Array(count);
  strings.forEach(({ text }, b) => {
    lengths[b] = text.length - 1;
    for (let t = 0; t < text.length - 1; t++) {
      inputs[(b * steps + t) * o + REBER_SYMBOLS.indexOf(text[t] as never)] = 1;
      classes[b * steps + t] = REBER_SYMBOLS.indexOf(text[t + 1] as never);
    }
  });
  return { batch: createSequenceBatch({ size: count, steps, inputSize: o, inputs, classes, lengths }), next: strings.map((s) => s.next) };
}

/** Strings generated by the model: start at B, feed each sampled symbol back, stop at the second E (or 60 symbols). */
function sampleStrings(model: RecurrentModel, count: number, rng: Random): string[] {
  const o = REBER_SYMBOLS.length;
  const stepper = new RnnStepper(model);
  const x = new Float32Array(o);
  const out: string[] = [];
  for (let n = 0; n < count; n++) {
    stepper.reset();
    let text = 'B', symbol = 0;
    while (text.length < 60) {
      x.fill(0);
      x[symbol] = 1;
      const y = stepper.step(x);
      let u = rng.next();
      symbol = 0;
      while (symbol < o - 1 && (u -= y[symbol]!) >= 0) symbol++;
      text += REBER_SYMBOLS[symbol];
      // The inner string ends with an E; the embedded string ends with the next one.
      if (REBER_SYMBOLS[symbol] === 'E' && text.indexOf('E') < text.length - 1) break;
    }
    out.push(text);
  }
  return out;
}
