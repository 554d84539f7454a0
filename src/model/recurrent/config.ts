import { checkInteger, checkKeys, checkNumber, checkOneOf, fail, RnnkitError } from '../../errors.js';
import { ACTIVATIONS, resolveOutput, type Activation, type LossName, type OutputFunction } from '../functions.js';
import { MAX_LAYER_SIZE } from '../parameters.js';
import { CELLS } from './cells.js';

/** The recurrent cell: Elman's simple recurrence, LSTM or GRU (PyTorch's equations and gate order). */
export type CellType = 'elman' | 'lstm' | 'gru';
export const CELL_TYPES: readonly CellType[] = ['elman', 'lstm', 'gru'];

/** Token ids are stored as float32 in the arena: exact below 2^24. */
export const MAX_VOCABULARY = 1 << 24;
export const MAX_LAYERS = 64;

/**
 * Everything that fixes a recurrent model's shape and equations, every choice
 * explicit: a RecurrentNetwork's `config` and every recurrent model's
 * `structure`, as saved with the model.
 */
export interface RecurrentStructure {
  /** The recurrent cell: 'elman', 'lstm' or 'gru'. */
  readonly cell: CellType;
  /** Values per input step: p for vectors, 1 (the token id) with an embedding. */
  readonly inputSize: number;
  /** V, the number of token ids, with an embedding; 0 for vector inputs. */
  readonly vocabularySize: number;
  /** E, the embedding's width, with an embedding; 0 for vector inputs. */
  readonly embeddingSize: number;
  /** r: hidden units of every layer. */
  readonly hiddenSize: number;
  /** Stacked recurrent layers, 1 to 64. */
  readonly numLayers: number;
  /** The probability of dropping a unit between layers, in training only; 0 for none. */
  readonly dropout: number;
  /** o: output values per step. */
  readonly outputSize: number;
  /** σ of an Elman cell; the gated cells' nonlinearities are fixed ('tanh'). */
  readonly activation: Activation;
  /** F, the output function applied to W_out·h + b_out. */
  readonly output: OutputFunction;
  /** The per-step loss training minimises. */
  readonly loss: LossName;
  /** Where every layer's h0 (and c0) comes from: zeros, or learned parameters. */
  readonly initialState: 'zeros' | 'learned';
}

/** Width of the input the first layer reads: E with an embedding, else p. */
export function firstLayerInputSize(s: RecurrentStructure): number {
  return s.vocabularySize > 0 ? s.embeddingSize : s.inputSize;
}

/** Values per sequence in an initial or final state: h of every layer, then c of every layer (LSTM). */
export function stateSize(s: RecurrentStructure): number {
  return s.numLayers * s.hiddenSize * (CELLS[s.cell].carriesCell ? 2 : 1);
}

/** The user-facing options of RecurrentNetwork that fix its structure. */
export interface RecurrentStructureOptions {
  /** The recurrent cell: 'elman', 'lstm' or 'gru'. Default 'elman'. */
  cell?: CellType;
  /**
   * Input size p: values per step, an integer in [1, 65536]. Required for vector inputs; with
   * vocabularySize it may be omitted (token inputs are one id per step, inputSize 1). No default.
   */
  inputSize?: number;
  /**
   * Vocabulary size V for token inputs: each step's input is a token id in [0, V), looked up in a
   * trainable V×E embedding; an integer in [1, 2²⁴]. Default: none (0, vector inputs).
   */
  vocabularySize?: number;
  /** Embedding width E, an integer in [1, 65536]; required with vocabularySize. Default: none (no embedding). */
  embeddingSize?: number;
  /** Hidden size r: units in every layer, an integer in [1, 65536]. */
  hiddenSize: number;
  /** Stacked layers, an integer in [1, 64]: layer ℓ reads layer ℓ−1's h. Default 1. */
  numLayers?: number;
  /**
   * Dropout probability in [0, 0.99] on each layer's output except the last, in training only
   * (PyTorch's semantics: needs numLayers ≥ 2). Default 0.
   */
  dropout?: number;
  /** Output size o: values per step out of the output layer, an integer in [1, 65536]. */
  outputSize: number;
  /** σ of an Elman cell; LSTM and GRU accept only 'tanh' (their nonlinearities are fixed). Default 'tanh'. */
  activation?: Activation;
  /** F, the output function: 'identity', 'softmax' or 'sigmoid'. Default 'identity'. */
  output?: OutputFunction;
  /**
   * The per-step loss. Default: 'mse' for identity, 'cross-entropy' for softmax,
   * 'binary-cross-entropy' for sigmoid (cross-entropy needs softmax, binary cross-entropy sigmoid).
   */
  loss?: LossName;
  /**
   * h0 (and c0) of every layer: 'zeros' or learned parameters. A batch may also give
   * them per sequence. Default 'zeros'.
   */
  initialState?: 'zeros' | 'learned';
}

export const STRUCTURE_KEYS = [
  'cell', 'inputSize', 'vocabularySize', 'embeddingSize', 'hiddenSize', 'numLayers', 'dropout', 'outputSize',
  'activation', 'output', 'loss', 'initialState',
] as const;

export function resolveStructure(config: RecurrentStructureOptions, what: string, extraKeys: readonly string[] = []): RecurrentStructure {
  if (config === null || typeof config !== 'object') fail('config', 'an object with hiddenSize, outputSize and inputSize (or vocabularySize and embeddingSize)', config);
  checkKeys(what, config, [...STRUCTURE_KEYS, ...extraKeys]);
  const cell = checkOneOf('cell', config.cell ?? 'elman', CELL_TYPES);
  const tokens = config.vocabularySize !== undefined && config.vocabularySize !== 0;
  let inputSize: number, vocabularySize = 0, embeddingSize = 0;
  if (tokens) {
    vocabularySize = checkInteger('vocabularySize', config.vocabularySize, 1, MAX_VOCABULARY);
    embeddingSize = checkInteger('embeddingSize', config.embeddingSize, 1, MAX_LAYER_SIZE);
    // A saved structure says inputSize 1; a user need not say it.
    if (config.inputSize !== undefined && config.inputSize !== 1) {
      throw new RnnkitError(`inputSize: token inputs are one id per step (inputSize 1), got ${String(config.inputSize)}; the embedding's width is embeddingSize`);
    }
    inputSize = 1;
  } else {
    if (config.embeddingSize !== undefined && config.embeddingSize !== 0) fail('embeddingSize', 'to be given only with vocabularySize', config.embeddingSize);
    inputSize = checkInteger('inputSize', config.inputSize, 1, MAX_LAYER_SIZE);
  }
  const activation = checkOneOf('activation', config.activation ?? 'tanh', ACTIVATIONS);
  if (cell !== 'elman' && activation !== 'tanh') {
    throw new RnnkitError(`activation: the ${cell} cell's nonlinearities are fixed (PyTorch's); activation applies to 'elman' cells only, got '${activation}'`);
  }
  const numLayers = checkInteger('numLayers', config.numLayers ?? 1, 1, MAX_LAYERS);
  const dropout = checkNumber('dropout', config.dropout ?? 0, 0, 0.99);
  if (dropout > 0 && numLayers === 1) {
    throw new RnnkitError(`dropout: it acts between stacked layers (PyTorch's semantics), so it needs numLayers ≥ 2, got numLayers 1 and dropout ${dropout}`);
  }
  const { output, loss } = resolveOutput(config.output, config.loss);
  return {
    cell, inputSize, vocabularySize, embeddingSize,
    hiddenSize: checkInteger('hiddenSize', config.hiddenSize, 1, MAX_LAYER_SIZE),
    numLayers, dropout,
    outputSize: checkInteger('outputSize', config.outputSize, 1, MAX_LAYER_SIZE),
    activation, output, loss,
    initialState: checkOneOf('initialState', config.initialState ?? 'zeros', ['zeros', 'learned']),
  };
}
