/**
 * rnnkit — recurrent neural networks trained fast, anywhere JavaScript runs.
 * The public API: models, data, training, inference, and persistence.
 */
export { ElmanRNN, type RnnConfig, type ResolvedRnnConfig, type RnnInitOptions } from './model/rnn.js';
export type { Activation, OutputFunction, LossName } from './model/functions.js';
export type { Floats } from './model/network.js';
export { Network } from './model/network.js';
export { RnnStepper } from './model/stepper.js';
export { sample, type SampleOptions } from './model/sample.js';
export { Random } from './model/random.js';

export {
  sequenceBatch, createSequenceBatch, selectSequences,
  type SequenceBatch, type SequenceBatchOptions, type NestedBatchOptions, type Task,
} from './data/sequence-batch.js';
export { addingProblem, type AddingProblemOptions } from './data/tasks.js';

export { train, type TrainOptions, type TrainResult, type StepInfo, type EpochInfo } from './train/train.js';
export { createOptimizer, type Optimizer, type OptimizerSpec, type SgdSpec, type MomentumSpec, type AdamSpec } from './train/optimizer.js';
export { gradientCheck, type GradientCheckOptions, type GradientCheckResult, type ParameterCheck } from './train/gradient-check.js';

export { getBackend, type Backend, type BackendName, type DType } from './backend/index.js';
export { RnnkitError, DivergenceError } from './errors.js';

export { FeedForwardNetwork, type FfnnConfig, type ResolvedFfnnConfig } from './model/ffnn.js';
export { rowBatch, createRowBatch, selectRows, type RowBatch } from './data/row-batch.js';
export { toJSON, fromJSON, toBinary, fromBinary, type SavedModel, type LoadOptions } from './model/serialize.js';

export { computeGradients, type GradientSpec, type GradientAlgorithm } from './train/gradient-algorithm.js';
export { rtrlBytes, RTRL_DEFAULT_MAX_BYTES } from './train/rtrl.js';
export { OnlineLearner, type OnlineLearnerOptions, type OnlineAlgorithm, type OnlineStepInfo } from './train/online.js';
export { backendInfo, useWasmModule, type BackendInfo, type WasmVariant } from './backend/index.js';
