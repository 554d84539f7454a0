import { createSequenceBatch, type SequenceBatch } from 'rnnkit';
import { checkInteger, checkKeys, checkSeed } from '../errors.js';
import type { RecurrentModel } from 'rnnkit';
import { Random } from 'rnnkit';
import { argmax, type SequenceTask } from './task.js';

/**
 * The copy / memory task (Hochreiter & Schmidhuber 1997; Arjovsky et al. 2016):
 * `length` random symbols from 1…K, then `lag` blanks with a delimiter at the
 * last of them, then the model must output the symbols in order. Inputs and
 * outputs are one-hot over K + 2 classes (0 blank, K + 1 delimiter); the target
 * is blank everywhere except the recall steps. Metric: accuracy on the recall
 * steps, against 1/K for a model that cannot remember.
 */
export function copyTask(options: {
  /** Symbols to remember, an integer ≥ 1. Default 5. */
  length?: number;
  /** Steps between the symbols and their recall (blanks, the last of them the delimiter), an integer ≥ 1. Default 10. */
  lag?: number;
  /** K: the number of distinct symbols, an integer ≥ 2. Default 4. */
  symbols?: number;
  /** Training sequences, an integer ≥ 1. Default 2000. */
  train?: number;
  /** Test sequences, an integer ≥ 1. Default 500. */
  test?: number;
  /** Seed of the generated data, an integer in [0, 2³² − 1] (the test set uses seed + 1000). Default 1. */
  seed?: number;
} = {}): SequenceTask {
  checkKeys('copy task options', options, ['length', 'lag', 'symbols', 'train', 'test', 'seed']);
  const length = checkInteger('length', options.length ?? 5, 1);
  const lag = checkInteger('lag', options.lag ?? 10, 1);
  const K = checkInteger('symbols', options.symbols ?? 4, 2);
  const seed = checkSeed('seed', options.seed ?? 1);
  const V = K + 2, T = length + lag + length;
  const make = (count: number, s: number): SequenceBatch => {
    const rng = new Random(s);
    const inputs = new Float32Array(count * T * V), classes = new Int32Array(count * T);
    for (let b = 0; b < count; b++) {
      const symbols = Array.from({ length }, () => 1 + rng.int(K));
      for (let t = 0; t < T; t++) {
        const input = t < length ? symbols[t]! : t === length + lag - 1 ? K + 1 : 0;
        inputs[(b * T + t) * V + input] = 1;
        classes[b * T + t] = t >= length + lag ? symbols[t - length - lag]! : 0;
      }
    }
    return createSequenceBatch({ size: count, steps: T, inputSize: V, inputs, classes });
  };
  const train = make(options.train ?? 2000, seed), test = make(options.test ?? 500, (seed + 1000) >>> 0);
  return {
    name: 'copy',
    description: `the copy task: recall ${length} of ${K} symbols after ${lag} steps`,
    train, test,
    model: { inputSize: V, outputSize: V, output: 'softmax', loss: 'cross-entropy' },
    evaluate(model: RecurrentModel, data: SequenceBatch = test) {
      const y = model.predict(data);
      let right = 0;
      for (let b = 0; b < data.size; b++) {
        for (let t = length + lag; t < T; t++) if (argmax(y, b * T + t, V) === data.classes![b * T + t]) right++;
      }
      return { metric: 'recall accuracy', value: right / (data.size * length), baseline: 1 / K, baselineName: 'a guess (no memory)', better: 'higher', extra: {} };
    },
  };
}
