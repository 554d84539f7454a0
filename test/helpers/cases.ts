import type { Activation, LossName, OutputFunction } from '../../src/model/functions.js';

/** Every hidden activation σ. */
export const ACTIVATIONS: Activation[] = ['tanh', 'sigmoid', 'relu', 'identity'];

export type TargetKind = 'vector' | 'probability' | 'binary' | 'classes';

/** Every (F, loss) pair rnnkit computes, with the kind of targets each takes. */
export const HEADS: { output: OutputFunction; loss: LossName; targets: TargetKind }[] = [
  { output: 'identity', loss: 'mse', targets: 'vector' },
  { output: 'sigmoid', loss: 'mse', targets: 'binary' },
  { output: 'softmax', loss: 'mse', targets: 'probability' },
  { output: 'softmax', loss: 'cross-entropy', targets: 'probability' },
  { output: 'softmax', loss: 'cross-entropy', targets: 'classes' },
  { output: 'sigmoid', loss: 'binary-cross-entropy', targets: 'binary' },
];
