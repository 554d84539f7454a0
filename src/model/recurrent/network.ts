import type { Backend, BackendName, DType } from '../../backend/index.js';
import { resolveStructure, type RecurrentStructure, type RecurrentStructureOptions } from './config.js';
import { layerSuffixNames } from './layout.js';
import { RecurrentModel, type RecurrentInitOptions } from './model.js';

/** The options of `new RecurrentNetwork(config)`: its structure, and how it starts. */
export interface RecurrentNetworkConfig extends RecurrentStructureOptions {
  /** How the weights start. Default: Glorot (He for relu) W_in, Glorot W_out, orthogonal W_rec, zero biases (LSTM forget gate 1). */
  init?: RecurrentInitOptions;
  /**
   * Seed of the initialisation and of the dropout masks, an integer in [0, 2³² − 1]: same seed,
   * identical model and run. Default 1.
   */
  seed?: number;
  /** Element type: 'float32' or 'float64' (the JS kernels only; used for gradient checks). Default 'float32'. */
  dtype?: DType;
  /** Where the model computes: 'auto', a backend name or a Backend. Default 'auto' (wasm-simd where it works, else js; js for float64). */
  backend?: BackendName | 'auto' | Backend;
}

/**
 * A recurrent network: an optional embedding, `numLayers` stacked cells
 * (Elman, LSTM or GRU, with PyTorch's equations and gate order), dropout
 * between them in training, and an output layer y_t = F(W_out·h_t + b_out)
 * on the top layer at every step.
 *
 *   new RecurrentNetwork({ cell: 'lstm', inputSize: 8, hiddenSize: 64, numLayers: 2, dropout: 0.2, outputSize: 8 })
 *   new RecurrentNetwork({ cell: 'gru', vocabularySize: 65, embeddingSize: 32, hiddenSize: 128, outputSize: 65, output: 'softmax' })
 *
 * Parameters of layer ℓ: W_in_lℓ (G·r × input), W_rec_lℓ (G·r × r), b_rec_lℓ
 * (G·r), for GRU b_hn_lℓ (r), and when learned h0_lℓ (and c0_lℓ); then
 * W_out (o × r), b_out (o), and `embedding` (V × E). G = 1, 4, 3 for Elman,
 * LSTM, GRU.
 */
export class RecurrentNetwork extends RecurrentModel {
  /** The structure, every choice made explicit (as saved with the model; the same object as `structure`). */
  readonly config: RecurrentStructure;

  constructor(config: RecurrentNetworkConfig) {
    const structure = resolveStructure(config, 'RecurrentNetwork config', ['init', 'seed', 'dtype', 'backend']);
    super(structure, layerSuffixNames, config.dtype ?? 'float32', config.backend ?? 'auto', config.init, config.seed ?? 1);
    this.config = structure;
  }

  /** @internal */
  protected sibling(dtype: DType, backend: Backend | BackendName | 'auto'): this {
    // The dropout seed goes along: a clone draws the same masks.
    return new RecurrentNetwork({ ...this.config, dtype, backend, init: { recurrent: 'zeros' }, seed: this.dropoutSeed }) as this;
  }
}
