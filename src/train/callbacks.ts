import { RnnkitError } from '../errors.js';
import type { Floats, Network } from '../model/network.js';
import type { EpochInfo, TrainResult } from './train.js';

/**
 * A training run as a callback sees it, and what a callback may change: the
 * learning rate (schedules), when to stop (early stopping), the weights.
 */
export interface TrainControl {
  /** The model being trained. */
  readonly model: Network<unknown>;
  /** The epoch under way, counting on from the epochs a resumed run had done (1-based). */
  readonly epoch: number;
  /** Optimizer steps taken so far, counting on from a resumed run. */
  readonly step: number;
  /** Epochs this train() call runs. */
  readonly epochs: number;
  /** Whether each epoch is followed by a validation measurement (validation or validationSplit given). */
  readonly hasValidation: boolean;
  /** How far through this call's epochs training is, in [0, 1): (mini-batches done) / (mini-batches planned). */
  readonly progress: number;
  /**
   * The rate each step starts from: the optimizer's learningRate, unless a
   * callback lowered it for good (reduceOnPlateau does).
   */
  baseLearningRate: number;
  /** This step's rate: set to baseLearningRate before each step, then each callback's beforeStep may scale it. */
  learningRate: number;
  /** Ends training after the current step; train() returns with `stopReason` set to this. */
  stop(reason: string): void;
  /** A copy of the model's parameters (the whole block, in the model's dtype). */
  saveWeights(): Floats;
  /** Writes back what saveWeights() returned. */
  restoreWeights(weights: Floats): void;
}

/**
 * Hooks into train(): a learning-rate schedule, early stopping, your own.
 * Callbacks run in the order given, so schedules compose: each beforeStep
 * scales the rate the previous one left.
 */
export interface TrainCallback {
  /** Once, before the first step (check the run suits the callback here). */
  onStart?(control: TrainControl): void;
  /** Before each optimizer step (set control.learningRate here). */
  beforeStep?(control: TrainControl): void;
  /** After each epoch, with its loss, validation metrics and time. */
  onEpoch?(info: EpochInfo, control: TrainControl): void;
  /** Once, when training ends for any reason but an error. */
  onEnd?(result: TrainResult, control: TrainControl): void;
}

/** Which loss per step a callback watches: the validation data's (after each epoch) or the training epoch's. */
export type Monitor = 'validation' | 'training';

/** A callback watching the validation loss needs validation data: said before the first step, not after an epoch. */
export function checkMonitor(monitor: Monitor, control: TrainControl, who: string): void {
  if (monitor === 'validation' && !control.hasValidation) {
    throw new RnnkitError(`${who}: watches the validation loss, and this run has no validation data (give validation or validationSplit, or monitor: 'training')`);
  }
}

/** The loss per step a callback watches, after an epoch. */
export function monitoredLoss(info: EpochInfo, monitor: Monitor): number {
  return monitor === 'training' ? info.lossPerStep : info.validation!.lossPerStep;
}
