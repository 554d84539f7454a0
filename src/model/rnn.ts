import type { Backend, BackendName, DType } from '../backend/index.js';
import { checkInteger, checkKeys, checkOneOf, fail } from '../errors.js';
import { ACTIVATIONS, resolveOutput, type Activation, type LossName, type OutputFunction } from './functions.js';
import { MAX_LAYER_SIZE } from './parameters.js';
import type { RecurrentStructure } from './recurrent/config.js';
import type { ParameterNames } from './recurrent/layout.js';
import { RecurrentModel, type RecurrentInitOptions } from './recurrent/model.js';

/** How an ElmanRNN's weights start (the same options as RecurrentNetwork's). */
export type RnnInitOptions = RecurrentInitOptions;

/** The options of `new ElmanRNN(config)`. */
export interface RnnConfig {
  /** Input size p: values per step, an integer in [1, 65536]. */
  inputSize: number;
  /** Hidden size r: recurrent units, an integer in [1, 65536]. */
  hiddenSize: number;
  /** Output size o: values per step out of the output layer, an integer in [1, 65536]. */
  outputSize: number;
  /** σ, the hidden units' activation. Default 'tanh'. */
  activation?: Activation;
  /** F, the output function: 'identity', 'softmax' or 'sigmoid'. Default 'identity'. */
  output?: OutputFunction;
  /**
   * The per-step loss. Default: 'mse' for identity, 'cross-entropy' for softmax,
   * 'binary-cross-entropy' for sigmoid (cross-entropy needs softmax, binary cross-entropy sigmoid).
   */
  loss?: LossName;
  /** φ_0: 'zeros' or a learned parameter h0. A batch may also give φ_0 per sequence. Default 'zeros'. */
  initialState?: 'zeros' | 'learned';
  /** How the weights start. Default: Glorot (He for relu) W_in, Glorot W_out, orthogonal W_rec, zero biases. */
  init?: RnnInitOptions;
  /** Seed of the initialisation, an integer in [0, 2³² − 1]: same seed, identical model. Default 1. */
  seed?: number;
  /** Element type: 'float32' or 'float64' (the JS kernels only; used for gradient checks). Default 'float32'. */
  dtype?: DType;
  /** Where the model computes: 'auto', a backend name or a Backend. Default 'auto' (wasm-simd where it works, else js; js for float64). */
  backend?: BackendName | 'auto' | Backend;
}

/** An ElmanRNN's `config`, as saved with the model: every choice made explicit. */
export interface ResolvedRnnConfig {
  /** Input size p: values per step. */
  inputSize: number;
  /** Hidden size r: recurrent units. */
  hiddenSize: number;
  /** Output size o: values per step out of the output layer. */
  outputSize: number;
  /** σ, the hidden units' activation. */
  activation: Activation;
  /** F, the output function. */
  output: OutputFunction;
  /** The per-step loss training minimises. */
  loss: LossName;
  /** Where φ_0 comes from: zeros, or the learned parameter h0. */
  initialState: 'zeros' | 'learned';
}

const CONFIG_KEYS = ['inputSize', 'hiddenSize', 'outputSize', 'activation', 'output', 'loss', 'initialState', 'init', 'seed', 'dtype', 'backend'];

export function resolveRnnConfig(config: RnnConfig): ResolvedRnnConfig {
  if (config === null || typeof config !== 'object') fail('config', 'an object with inputSize, hiddenSize and outputSize', config);
  checkKeys('ElmanRNN config', config, CONFIG_KEYS);
  const { output, loss } = resolveOutput(config.output, config.loss);
  return {
    inputSize: checkInteger('inputSize', config.inputSize, 1, MAX_LAYER_SIZE),
    hiddenSize: checkInteger('hiddenSize', config.hiddenSize, 1, MAX_LAYER_SIZE),
    outputSize: checkInteger('outputSize', config.outputSize, 1, MAX_LAYER_SIZE),
    activation: checkOneOf('activation', config.activation ?? 'tanh', ACTIVATIONS),
    output,
    loss,
    initialState: checkOneOf('initialState', config.initialState ?? 'zeros', ['zeros', 'learned']),
  };
}


/** The notes' names: W_in, W_rec, b_rec, h0, W_out, b_out. */
export const notesNames: ParameterNames = (role) => role;

/** ElmanRNN's structure: one Elman layer on vector inputs. */
export function elmanStructure(c: ResolvedRnnConfig): RecurrentStructure {
  return { ...c, cell: 'elman', vocabularySize: 0, embeddingSize: 0, numLayers: 1, dropout: 0 };
}

/**
 * The Elman RNN ⟨W_in, W_rec, W_out, b_rec, b_out, σ, F⟩ of note 001, definition 3:
 *   a_t = W_rec·φ_{t−1} + W_in·x_t + b_rec,  φ_t = σ(a_t),  y_t = F(W_out·φ_t + b_out)
 * Parameters (row-major): W_in r×p, W_rec r×r, W_out o×r, b_rec r, b_out o, and h0 r when learned.
 * It is the one-layer Elman case of RecurrentNetwork, with the notes' names.
 */
export class ElmanRNN extends RecurrentModel {
  /** The configuration, every choice made explicit (as saved with the model). */
  readonly config: ResolvedRnnConfig;

  constructor(config: RnnConfig) {
    const c = resolveRnnConfig(config);
    super(elmanStructure(c), notesNames,
      config.dtype ?? 'float32', config.backend ?? 'auto', config.init, config.seed ?? 1);
    this.config = c;
  }

  /** @internal */
  protected sibling(dtype: DType, backend: Backend | BackendName | 'auto'): this {
    // The dropout seed goes along: a clone draws the same masks.
    return new ElmanRNN({ ...this.config, dtype, backend, init: { recurrent: 'zeros' }, seed: this.dropoutSeed }) as this;
  }
}
