/**
 * rnnkit — recurrent neural networks trained fast, anywhere JavaScript runs.
 * The public API: models, data, training, inference, and persistence.
 */
export { ElmanRNN, type RnnConfig, type ResolvedRnnConfig, type RnnInitOptions } from './model/rnn.js';
export { RecurrentNetwork, type RecurrentNetworkConfig } from './model/recurrent/network.js';
export { RecurrentModel, type RecurrentInitOptions } from './model/recurrent/model.js';
export type { CellType, RecurrentStructure, RecurrentStructureOptions } from './model/recurrent/config.js';
export type { Activation, OutputFunction, LossName } from './model/functions.js';
export type { Floats, OptimizerState } from './model/network.js';
export { Network } from './model/network.js';
export { RnnStepper } from './model/stepper.js';
export { sample, type SampleOptions, type TextSampleOptions } from './model/sample.js';
export { Random } from './model/random.js';

export {
  sequenceBatch, createSequenceBatch, selectSequences,
  type SequenceBatch, type SequenceBatchOptions, type NestedBatchOptions, type Task,
} from './data/sequence-batch.js';

export { train, trainAsync, type TrainOptions, type TrainResult, type StepInfo, type EpochInfo } from './train/train.js';
export type { TrainCallback, TrainControl } from './train/callbacks.js';
export { stepDecay, cosineDecay, warmup, reduceOnPlateau } from './train/schedules.js';
export { earlyStopping, type EarlyStopping, type EarlyStoppingOptions } from './train/early-stopping.js';
export { measure, type Metrics, type MeasureOptions } from './train/metrics.js';
export { createOptimizer, type Optimizer, type OptimizerSpec, type SgdSpec, type MomentumSpec, type AdamSpec } from './train/optimizer.js';
export { gradientCheck, type GradientCheckOptions, type GradientCheckResult, type ParameterCheck } from './train/gradient-check.js';

export { getBackend, type Backend, type BackendName, type DType } from './backend/index.js';
export { RnnkitError, DivergenceError } from './errors.js';

export { FeedForwardNetwork, type FfnnConfig, type ResolvedFfnnConfig } from './model/ffnn.js';
export { rowBatch, createRowBatch, selectRows, type RowBatch } from './data/row-batch.js';
export {
  toJSON, fromJSON, toBinary, fromBinary, parameterShapes,
  type SavedModel, type LoadOptions, type SaveOptions, type ModelKind, type ModelKinds, type ModelShapes, type ParameterShape,
} from './model/serialize.js';

export { computeGradients, type GradientSpec, type GradientAlgorithm } from './train/gradient-algorithm.js';
// The online algorithms' types; their factories (rtrl(), snap(), uoro()) are in rnnkit/online.
export type { RtrlOptions, RtrlAlgorithm, SnapOptions, SnapAlgorithm, UoroOptions, UoroAlgorithm } from './train/online-algorithms.js';
export { ThreadPool, createThreadPool, type ThreadPoolOptions } from './threads/pool.js';
export { backendInfo, useWasmModule, type BackendInfo, type WasmVariant } from './backend/index.js';

export { Vocabulary } from './data/vocabulary.js';
export { textDataset, textStreams, type TextDatasetOptions, type TextStreamsOptions, type TextData } from './data/text.js';
export { splitSequences, miniBatches, type SplitOptions, type MiniBatchOptions } from './data/split.js';
export { Standardizer, forecastWindows, type Series, type ForecastOptions, type ForecastData, type ForecastSpec } from './data/time-series.js';
export { forecast, forecastScores, type ForecastScores } from './data/forecast.js';
// What a stream's steps look like: the rnnkit/tasks streams make them, rnnkit/online's learnFromStream takes them.
export type { StreamStep } from './data/stream.js';
