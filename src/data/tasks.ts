import { checkInteger, checkKeys, checkNumber } from '../errors.js';
import { Random } from '../model/random.js';
import { createSequenceBatch, type SequenceBatch } from './sequence-batch.js';

export interface AddingProblemOptions {
  /** Number of sequences. */
  count: number;
  /** T: the time lag the model must bridge. */
  steps: number;
  seed?: number;
}

/**
 * The adding problem (Hochreiter & Schmidhuber 1997): each step carries a
 * random value in [0, 1) and a 0/1 marker; exactly two steps are marked, one
 * in each half, and the target at the last step is the sum of the two marked
 * values. Predicting the mean (1.0) gives MSE 1/6 ≈ 0.167 (as ½‖·‖², 1/12):
 * a model beats that only by remembering values across the sequence.
 */
export function addingProblem(options: AddingProblemOptions): SequenceBatch {
  checkKeys('addingProblem options', options, ['count', 'steps', 'seed']);
  const count = checkInteger('count', options.count, 1);
  const steps = checkInteger('steps', options.steps, 2);
  const rng = new Random(checkNumber('seed', options.seed ?? 1));
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
