import { checkInteger, checkKeys, checkNumber, checkOneOf, fail } from '../errors.js';
import type { Floats } from '../model/network.js';
import { checkMonitor, monitoredLoss, type Monitor, type TrainCallback } from './callbacks.js';

/** The options of earlyStopping(). */
export interface EarlyStoppingOptions {
  /** Epochs without improvement before stopping, an integer ≥ 1. Default 5. */
  patience?: number;
  /** An improvement is a drop of the watched loss per step by more than this, ≥ 0. Default 0. */
  minDelta?: number;
  /** Put back the weights of the best epoch when training ends (stopped early or not). Default true. */
  restoreBest?: boolean;
  /** The loss watched: 'validation' (needs validation data) or 'training'. Default 'validation'. */
  monitor?: Monitor;
}

/** Early stopping, with what it saw: the best epoch and its loss per step. */
export interface EarlyStopping extends TrainCallback {
  /** The epoch with the lowest watched loss (0 before the first epoch). */
  readonly bestEpoch: number;
  /** Its watched loss per step. */
  readonly bestLoss: number;
}

/**
 * Stops training when the watched loss per step (validation by default) has
 * not improved for `patience` epochs and, unless restoreBest is false, ends
 * with the weights of the best epoch.
 */
export function earlyStopping(options: EarlyStoppingOptions = {}): EarlyStopping {
  if (options === null || typeof options !== 'object') fail('earlyStopping options', 'an object', options);
  checkKeys('earlyStopping options', options, ['patience', 'minDelta', 'restoreBest', 'monitor']);
  const patience = checkInteger('earlyStopping.patience', options.patience ?? 5, 1);
  const minDelta = checkNumber('earlyStopping.minDelta', options.minDelta ?? 0, 0);
  const restoreBest = options.restoreBest ?? true;
  if (typeof restoreBest !== 'boolean') fail('earlyStopping.restoreBest', 'a boolean', restoreBest);
  const monitor = checkOneOf('earlyStopping.monitor', options.monitor ?? 'validation', ['validation', 'training']);
  let best: Floats | undefined, bestEpoch = 0, bestLoss = Infinity, lastEpoch = 0;
  return {
    get bestEpoch() { return bestEpoch; },
    get bestLoss() { return bestLoss; },
    onStart(c) {
      checkMonitor(monitor, c, 'earlyStopping');
      best = undefined; bestEpoch = 0; bestLoss = Infinity;
    },
    onEpoch(info, c) {
      const loss = monitoredLoss(info, monitor);
      lastEpoch = info.epoch;
      if (loss < bestLoss - minDelta) {
        bestLoss = loss; bestEpoch = info.epoch;
        if (restoreBest) best = c.saveWeights();
      } else if (info.epoch - bestEpoch >= patience) {
        c.stop(`early stopping: the ${monitor} loss per step has not improved for ${patience} epochs (best ${bestLoss.toPrecision(4)} at epoch ${bestEpoch})`);
      }
    },
    onEnd(_result, c) {
      if (best && bestEpoch !== lastEpoch) c.restoreWeights(best);
    },
  };
}
