import { createSequenceBatch, type SequenceBatch } from 'rnnkit';
import { checkInteger, checkKeys, checkSeed } from '../errors.js';
import type { RecurrentModel } from 'rnnkit';
import { Random } from 'rnnkit';
import type { SequenceTask } from './task.js';

/** The options of addingProblem. */
export interface AddingProblemOptions {
  /** The number of sequences, an integer ≥ 1. */
  count: number;
  /** T: steps per sequence, an integer ≥ 2; the time lag the model must bridge. */
  steps: number;
  /** Seed of the generated data, an integer in [0, 2³² − 1]. Default 1. */
  seed?: number;
}

/**
 * The adding problem (Hochreiter & Schmidhuber 1997): each step carries a
 * random value in [0, 1) and a 0/1 marker; exactly two steps are marked, one
 * in each half, and the target at the last step is the sum of the two marked
 * values. Predicting the mean (1.0) scores MSE 1/6: a model beats that only by
 * remembering values across the sequence.
 */
export function addingProblem(options: AddingProblemOptions): SequenceBatch {
  checkKeys('addingProblem options', options, ['count', 'steps', 'seed']);
  const count = checkInteger('count', options.count, 1);
  const steps = checkInteger('steps', options.steps, 2);
  const rng = new Random(checkSeed('seed', options.seed ?? 1));
  const inputs = new Float32Array(count * steps * 2);
  const targets = new Float32Array(count);
  const half = Math.floor(steps / 2);
  for (let b = 0; b < count; b++) {
    const first = rng.int(half), second = half + rng.int(steps - half);
    let sum = 0;
    for (let t = 0; t < steps; t++) {
      const value = rng.next();
      const at = (b * steps + t) * 2;
      inputs[at] = value;
      if (t === first || t === second) { inputs[at + 1] = 1; sum += value; }
    }
    targets[b] = sum;
  }
  return createSequenceBatch({ size: count, steps, inputSize: 2, inputs, targets, targetSize: 1, task: 'many-to-one' });
}

/** The adding problem as a task: MSE of the sum against the best memoryless answer's 1/6. */
export function addingTask(options: {
  /** T: steps per sequence, an integer ≥ 2. Default 50. */
  steps?: number;
  /** Training sequences, an integer ≥ 1. Default 5000. */
  train?: number;
  /** Test sequences, an integer ≥ 1. Default 1000. */
  test?: number;
  /** Seed of the generated data, an integer in [0, 2³² − 1] (the test set uses seed + 1000). Default 1. */
  seed?: number;
} = {}): SequenceTask {
  checkKeys('adding task options', options, ['steps', 'train', 'test', 'seed']);
  const steps = options.steps ?? 50, seed = checkSeed('seed', options.seed ?? 1);
  const train = addingProblem({ count: options.train ?? 5000, steps, seed });
  const test = addingProblem({ count: options.test ?? 1000, steps, seed: (seed + 1000) >>> 0 });
  return {
    name: 'adding',
    description: `the adding problem: sum the two marked values among ${steps} steps`,
    train, test,
    model: { inputSize: 2, outputSize: 1, output: 'identity', loss: 'mse' },
    evaluate(model: RecurrentModel, data: SequenceBatch = test) {
      const y = model.predict(data);
      let se = 0;
      for (let b = 0; b < data.size; b++) {
        const row = b * data.steps + data.lengths[b]! - 1;
        se += (y[row]! - data.targets![row]!) ** 2;
      }
      return { metric: 'MSE', value: se / data.size, baseline: 1 / 6, baselineName: 'always 1.0 (no memory)', better: 'lower', extra: {} };
    },
  };
}
