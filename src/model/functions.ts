import { RnnkitError, checkOneOf } from '../errors.js';
import { Act, LossKind, type ActCode, type LossCode } from '../kernels/js/types.js';

/** σ: the hidden units' activation (note 001 eqs. 1.9–1.11). */
export type Activation = 'identity' | 'sigmoid' | 'tanh' | 'relu';
/** F: the output function. */
export type OutputFunction = 'identity' | 'softmax' | 'sigmoid';
/** The per-step loss L_t; each sums over output units. */
export type LossName = 'mse' | 'cross-entropy' | 'binary-cross-entropy';

export const ACTIVATIONS: readonly Activation[] = ['identity', 'sigmoid', 'tanh', 'relu'];
export const OUTPUTS: readonly OutputFunction[] = ['identity', 'softmax', 'sigmoid'];
export const LOSSES: readonly LossName[] = ['mse', 'cross-entropy', 'binary-cross-entropy'];

export function activationCode(a: Activation | OutputFunction): ActCode {
  return Act[a];
}

/** The loss that goes with each output function unless another is asked for. */
export function defaultLoss(output: OutputFunction): LossName {
  return output === 'softmax' ? 'cross-entropy' : output === 'sigmoid' ? 'binary-cross-entropy' : 'mse';
}

/**
 * The (F, loss) pairs rnnkit computes: MSE with any F; cross-entropy needs
 * softmax's probabilities, binary cross-entropy sigmoid's.
 */
export function resolveOutput(output: unknown, loss: unknown): { output: OutputFunction; loss: LossName } {
  const F = checkOneOf('output', output ?? 'identity', OUTPUTS);
  const L = checkOneOf('loss', loss ?? defaultLoss(F), LOSSES);
  if (L === 'cross-entropy' && F !== 'softmax') {
    throw new RnnkitError(`loss: 'cross-entropy' expects output 'softmax', got output '${F}'`);
  }
  if (L === 'binary-cross-entropy' && F !== 'sigmoid') {
    throw new RnnkitError(`loss: 'binary-cross-entropy' expects output 'sigmoid', got output '${F}'`);
  }
  return { output: F, loss: L };
}

/** The kernel's loss code for a loss and the kind of targets a batch carries. */
export function lossCode(loss: LossName, classTargets: boolean): LossCode {
  if (loss === 'mse') return LossKind.mse;
  if (loss === 'binary-cross-entropy') return LossKind.binaryCrossEntropy;
  return classTargets ? LossKind.crossEntropyIndex : LossKind.crossEntropy;
}

/**
 * Targets a loss is defined on: binary cross-entropy compares with
 * probabilities in [0, 1], cross-entropy with non-negative (soft) target
 * weights; outside, the loss goes negative and its minimum is not the target.
 */
export function checkTargetDomain(targets: ArrayLike<number>, loss: LossName, argument = 'batch.targets'): void {
  const high = loss === 'binary-cross-entropy' ? 1 : Infinity;
  if (loss === 'mse') return;
  for (let i = 0; i < targets.length; i++) {
    if (!(targets[i]! >= 0 && targets[i]! <= high)) {
      throw new RnnkitError(`${argument}[${i}]: expected ${high === 1 ? 'a probability in [0, 1]' : 'a weight ≥ 0'} for ${loss}, got ${targets[i]}`);
    }
  }
}
