import { checkInteger, checkKeys, checkNumber, checkOneOf } from '../errors.js';
import { checkMonitor, monitoredLoss, type Monitor, type TrainCallback } from './callbacks.js';

// Learning-rate schedules, as train() callbacks. Each scales the rate the
// step starts from, so they compose in the order given: e.g.
// [warmup({ steps: 100 }), cosineDecay()] warms up, then decays.

/** lr × factor^⌊(epoch − 1) / every⌋: the rate drops by `factor` every `every` epochs. */
export function stepDecay(options: {
  /** Epochs between drops, an integer ≥ 1. */
  every: number;
  /** What each drop multiplies the rate by, in [0, 1]. Default 0.1. */
  factor?: number;
}): TrainCallback {
  checkKeys('stepDecay options', options, ['every', 'factor']);
  const every = checkInteger('stepDecay.every', options?.every, 1);
  const factor = checkNumber('stepDecay.factor', options.factor ?? 0.1, 0, 1);
  return { beforeStep(c) { c.learningRate *= factor ** Math.floor((c.epoch - 1) / every); } };
}

/**
 * Cosine annealing over this call's epochs (Loshchilov & Hutter 2017, without
 * restarts): min + (lr − min)·½(1 + cos(π·progress)), from lr down to min.
 */
export function cosineDecay(options: {
  /** The rate at the end of the call's last epoch, ≥ 0. Default 0. */
  minLearningRate?: number;
} = {}): TrainCallback {
  checkKeys('cosineDecay options', options, ['minLearningRate']);
  const min = checkNumber('cosineDecay.minLearningRate', options.minLearningRate ?? 0, 0);
  return { beforeStep(c) { c.learningRate = min + (c.learningRate - min) * 0.5 * (1 + Math.cos(Math.PI * c.progress)); } };
}

/** Linear warm-up: step s of the first `steps` uses lr × s / steps (Goyal et al. 2017). */
export function warmup(options: {
  /** Optimizer steps of the warm-up, an integer ≥ 1 (counted over the whole run, a resumed one included). */
  steps: number;
}): TrainCallback {
  checkKeys('warmup options', options, ['steps']);
  const steps = checkInteger('warmup.steps', options?.steps, 1);
  return { beforeStep(c) { c.learningRate *= Math.min(1, c.step / steps); } };
}

/**
 * Lowers the base rate by `factor` when the watched loss per step has not
 * improved by more than `minDelta` for `patience` epochs, down to
 * `minLearningRate`. Watches the validation loss unless monitor: 'training'.
 */
export function reduceOnPlateau(options: {
  /** What each reduction multiplies the base rate by, in [0, 1]. Default 0.1. */
  factor?: number;
  /** Epochs without improvement before a reduction, an integer ≥ 1. Default 5. */
  patience?: number;
  /** An improvement is a drop of the watched loss per step by more than this, ≥ 0. Default 0. */
  minDelta?: number;
  /** The base rate is never lowered below this, ≥ 0. Default 0. */
  minLearningRate?: number;
  /** The loss watched: 'validation' (needs validation data) or 'training'. Default 'validation'. */
  monitor?: Monitor;
} = {}): TrainCallback {
  checkKeys('reduceOnPlateau options', options, ['factor', 'patience', 'minDelta', 'minLearningRate', 'monitor']);
  const factor = checkNumber('reduceOnPlateau.factor', options.factor ?? 0.1, 0, 1);
  const patience = checkInteger('reduceOnPlateau.patience', options.patience ?? 5, 1);
  const minDelta = checkNumber('reduceOnPlateau.minDelta', options.minDelta ?? 0, 0);
  const min = checkNumber('reduceOnPlateau.minLearningRate', options.minLearningRate ?? 0, 0);
  const monitor = checkOneOf('reduceOnPlateau.monitor', options.monitor ?? 'validation', ['validation', 'training']);
  let best = Infinity, waited = 0;
  return {
    onStart(c) { checkMonitor(monitor, c, 'reduceOnPlateau'); best = Infinity; waited = 0; },
    onEpoch(info, c) {
      const loss = monitoredLoss(info, monitor);
      if (loss < best - minDelta) { best = loss; waited = 0; return; }
      if (++waited < patience) return;
      c.baseLearningRate = Math.max(min, c.baseLearningRate * factor);
      waited = 0;
    },
  };
}
