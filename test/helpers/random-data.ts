import { createSequenceBatch, type SequenceBatch, type Task } from '../../src/data/sequence-batch.js';
import { Random } from '../../src/model/random.js';

/**
 * A random batch for gradient checks: Gaussian inputs, targets suited to the
 * loss, and (optionally) ragged lengths so padding and masks are exercised.
 */
export function randomBatch(options: {
  size: number; steps: number; inputSize: number; outputSize: number;
  targets: 'vector' | 'probability' | 'binary' | 'classes';
  task?: Task; ragged?: boolean; seed?: number; initialStateSize?: number;
}): SequenceBatch {
  const { size: B, steps: T, inputSize: p, outputSize: o } = options;
  const rng = new Random(options.seed ?? 7);
  const inputs = Float64Array.from({ length: B * T * p }, () => rng.gaussian());
  const lengths = Int32Array.from({ length: B }, (_, b) => (options.ragged ? Math.max(1, T - (b % 3)) : T));
  const base = {
    size: B, steps: T, inputSize: p, inputs, lengths, task: options.task ?? 'many-to-many',
    ...(options.initialStateSize
      ? { initialState: Float64Array.from({ length: B * options.initialStateSize }, () => 0.5 * rng.gaussian()), stateSize: options.initialStateSize }
      : {}),
  } as const;
  if (options.targets === 'classes') {
    return createSequenceBatch({ ...base, classes: Int32Array.from({ length: B * T }, () => rng.int(o)) });
  }
  const targets = new Float64Array(B * T * o);
  for (let row = 0; row < B * T; row++) {
    if (options.targets === 'probability') {
      let sum = 0;
      for (let k = 0; k < o; k++) { targets[row * o + k] = rng.next() + 0.05; sum += targets[row * o + k]!; }
      for (let k = 0; k < o; k++) targets[row * o + k]! /= sum;
    } else {
      for (let k = 0; k < o; k++) targets[row * o + k] = options.targets === 'binary' ? rng.next() : rng.gaussian();
    }
  }
  return createSequenceBatch({ ...base, targets, targetSize: o });
}
