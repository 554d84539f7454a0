import { createSequenceBatch, type SequenceBatch } from 'rnnkit';
import type { StreamStep } from 'rnnkit';
import { checkInteger, checkKeys, checkSeed } from '../errors.js';
import type { RecurrentModel } from 'rnnkit';
import { Random } from 'rnnkit';
import { argmax, type SequenceTask } from './task.js';

/**
 * The delayed echo: a stream of random bits; the target at each step is the
 * bit seen `delay` steps before. Without memory the best is a coin flip (50%).
 * As a stream for online learning (`stream()`), or as batches of sequences.
 */
export function delayedEchoTask(options: {
  /** How many steps back the echoed bit lies, an integer ≥ 1. Default 3. */
  delay?: number;
  /** T: steps per sequence, an integer > delay. Default 20. */
  steps?: number;
  /** Training sequences, an integer ≥ 1. Default 1000. */
  train?: number;
  /** Test sequences, an integer ≥ 1. Default 200. */
  test?: number;
  /** Seed of the generated data, an integer in [0, 2³² − 1] (the test set uses seed + 1000). Default 1. */
  seed?: number;
} = {}): SequenceTask & {
  /** An endless stream of steps for online learning (no target in the first `delay` steps); its seed defaults to the task's. */
  stream(seed?: number): Generator<StreamStep>;
} {
  checkKeys('echo task options', options, ['delay', 'steps', 'train', 'test', 'seed']);
  const delay = checkInteger('delay', options.delay ?? 3, 1);
  const T = checkInteger('steps', options.steps ?? 20, delay + 1);
  const seed = checkSeed('seed', options.seed ?? 1);
  const make = (count: number, s: number): SequenceBatch => {
    const rng = new Random(s);
    const inputs = new Float32Array(count * T), classes = new Int32Array(count * T), mask = new Float32Array(count * T);
    for (let b = 0; b < count; b++) {
      for (let t = 0; t < T; t++) {
        inputs[b * T + t] = rng.next() < 0.5 ? 1 : 0;
        if (t >= delay) { classes[b * T + t] = inputs[b * T + t - delay]!; mask[b * T + t] = 1; }
      }
    }
    return createSequenceBatch({ size: count, steps: T, inputSize: 1, inputs, classes, mask });
  };
  const test = make(options.test ?? 200, (seed + 1000) >>> 0);
  return {
    name: 'echo',
    description: `the delayed echo: output the bit from ${delay} steps ago`,
    train: make(options.train ?? 1000, seed), test,
    model: { inputSize: 1, outputSize: 2, output: 'softmax', loss: 'cross-entropy' },
    evaluate(model: RecurrentModel, data: SequenceBatch = test) {
      const y = model.predict(data);
      let right = 0, counted = 0;
      for (let i = 0; i < data.size * T; i++) if (data.mask[i]) { counted++; if (argmax(y, i, 2) === data.classes![i]) right++; }
      return { metric: 'accuracy', value: right / counted, baseline: 0.5, baselineName: 'a coin flip (no memory)', better: 'higher', extra: {} };
    },
    *stream(streamSeed = seed) {
      const rng = new Random(streamSeed);
      const history: number[] = [];
      for (let t = 0; ; t++) {
        const bit = rng.next() < 0.5 ? 1 : 0;
        history.push(bit);
        if (history.length > delay + 1) history.shift();
        yield t >= delay ? { x: [bit], target: history[0]! } : { x: [bit] };
      }
    },
  };
}
