// How each kind of model is saved and rebuilt: its config's keys and its
// parameters' shapes, from the config alone. The recurrent kinds take their
// shapes from the same layout the models use (recurrent/layout.ts).
import type { Backend, BackendName, DType } from '../backend/index.js';
import type { Network } from './network.js';
import { FeedForwardNetwork, resolveFfnnConfig, type FfnnConfig, type ResolvedFfnnConfig } from './ffnn.js';
import { ElmanRNN, elmanStructure, notesNames, resolveRnnConfig, type ResolvedRnnConfig, type RnnConfig } from './rnn.js';
import { resolveStructure, STRUCTURE_KEYS, type RecurrentStructure, type RecurrentStructureOptions } from './recurrent/config.js';
import { layerSuffixNames, parameterSpecs, type ParameterNames } from './recurrent/layout.js';
import { RecurrentNetwork } from './recurrent/network.js';

/** One parameter as saved: a rows×cols row-major matrix (a vector has cols = 1). */
export interface ParameterShape {
  /** The parameter's name, as the model's parameterNames and saved files give it (e.g. 'W_rec_l0'). */
  readonly name: string;
  /** Rows of the row-major matrix (a vector's length). */
  readonly rows: number;
  /** Columns of the row-major matrix (1 for a vector). */
  readonly cols: number;
}

/**
 * How one kind of model is saved and rebuilt. Methods (not function-valued
 * properties) so a codec of a specific config type fits the registry's
 * `ModelCodec<M, object>`.
 */
export interface ModelCodec<M extends Network<unknown>, C extends object> {
  readonly kind: string;
  /** The saved config's keys in the order they are written; a saved config has exactly these. */
  readonly configKeys: readonly string[];
  /** Whether a model is of this kind (how toJSON and toBinary pick the codec). */
  owns(model: unknown): model is M;
  configOf(model: M): C;
  /** Validates a saved config, throwing an RnnkitError that names the field at fault. */
  resolveConfig(config: Record<string, unknown>): C;
  /**
   * The parameters a model of this config has, in layout order — from the
   * config alone, so a file's sizes are checked before anything is allocated.
   */
  parameterShapes(config: C): ParameterShape[];
  /** A freshly initialised model of this config (its parameters are then overwritten). */
  create(config: C, options: { dtype: DType; backend: Backend | BackendName | 'auto' }): M;
}

/** The shapes of a recurrent structure's parameters, from the one layout the models use. */
function recurrentShapes(structure: RecurrentStructure, names: ParameterNames): ParameterShape[] {
  return parameterSpecs(structure, names).map(({ name, rows, cols }) => ({ name, rows, cols }));
}

const elmanRnnCodec: ModelCodec<ElmanRNN, ResolvedRnnConfig> = {
  kind: 'elman-rnn',
  configKeys: ['inputSize', 'hiddenSize', 'outputSize', 'activation', 'output', 'loss', 'initialState'] satisfies (keyof ResolvedRnnConfig)[],
  owns(model): model is ElmanRNN {
    return model instanceof ElmanRNN;
  },
  configOf(model) {
    return model.config;
  },
  resolveConfig(config) {
    return resolveRnnConfig(config as unknown as RnnConfig);
  },
  parameterShapes(config) {
    return recurrentShapes(elmanStructure(config), notesNames);
  },
  create(config, { dtype, backend }) {
    // The initial values are overwritten at once: skip the orthogonal W_rec's O(r³) Gram–Schmidt.
    return new ElmanRNN({ ...config, dtype, backend, init: { recurrent: 'zeros' } });
  },
};

const ffnnCodec: ModelCodec<FeedForwardNetwork, ResolvedFfnnConfig> = {
  kind: 'ffnn',
  configKeys: ['layerSizes', 'activation', 'output', 'loss'] satisfies (keyof ResolvedFfnnConfig)[],
  owns(model): model is FeedForwardNetwork {
    return model instanceof FeedForwardNetwork;
  },
  configOf(model) {
    return model.config;
  },
  resolveConfig(config) {
    return resolveFfnnConfig(config as unknown as FfnnConfig);
  },
  parameterShapes({ layerSizes: p }) {
    // FeedForwardNetwork's layout: the weights W1..WU (decayed) first, then the biases b1..bU.
    const weights: ParameterShape[] = [], biases: ParameterShape[] = [];
    for (let k = 1; k < p.length; k++) {
      weights.push({ name: `W${k}`, rows: p[k]!, cols: p[k - 1]! });
      biases.push({ name: `b${k}`, rows: p[k]!, cols: 1 });
    }
    return [...weights, ...biases];
  },
  create(config, { dtype, backend }) {
    return new FeedForwardNetwork({ ...config, dtype, backend });
  },
};

const recurrentNetworkCodec: ModelCodec<RecurrentNetwork, RecurrentStructure> = {
  kind: 'recurrent-network',
  configKeys: STRUCTURE_KEYS,
  owns(model): model is RecurrentNetwork {
    return model instanceof RecurrentNetwork;
  },
  configOf(model) {
    return model.config;
  },
  resolveConfig(config) {
    return resolveStructure(config as unknown as RecurrentStructureOptions, 'config');
  },
  parameterShapes(config) {
    return recurrentShapes(config, layerSuffixNames);
  },
  create(config, { dtype, backend }) {
    return new RecurrentNetwork({ ...config, dtype, backend, init: { recurrent: 'zeros' } });
  },
};

// THE PLACE TO ADD A MODEL KIND: its class in ModelKinds and its codec (like
// the ones above) in CODECS. serialize.ts knows nothing about particular kinds.

/** The kinds of model a file can hold, as its "kind" field names them, and the class each loads as. */
export interface ModelKinds {
  /** Loads as an ElmanRNN. */
  'elman-rnn': ElmanRNN;
  /** Loads as a RecurrentNetwork (Elman, LSTM or GRU cells, stacked, with an optional embedding). */
  'recurrent-network': RecurrentNetwork;
  /** Loads as a FeedForwardNetwork. */
  ffnn: FeedForwardNetwork;
}
/** A saved model's kind: 'elman-rnn', 'recurrent-network' or 'ffnn'. */
export type ModelKind = keyof ModelKinds;
/** Any model that can be saved and loaded. */
export type SavedModel = ModelKinds[ModelKind];

export const CODECS: { readonly [K in ModelKind]: ModelCodec<ModelKinds[K], object> } = {
  'elman-rnn': elmanRnnCodec,
  'recurrent-network': recurrentNetworkCodec,
  ffnn: ffnnCodec,
};
