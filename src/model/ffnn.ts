import { planRegions, type Backend, type BackendName, type DType, type Kernels } from '../backend/index.js';
import { selectRows, type RowBatch } from '../data/row-batch.js';
import { checkFinite, checkInteger, checkKeys, checkOneOf, fail, RnnkitError, checkSeed } from '../errors.js';
import { NONE, type ActCode, type LossCode } from '../kernels/js/types.js';
import { ACTIVATIONS, activationCode, checkTargetDomain, lossCode, resolveOutput, type Activation, type LossName, type OutputFunction } from './functions.js';
import { initMatrix } from './init.js';
import { Network, range, type Floats, type TargetView } from './network.js';
import type { ParameterSpec } from './parameters.js';
import { Random } from './random.js';
import { MAX_LAYER_SIZE } from './parameters.js';

/** How a FeedForwardNetwork's weights start. Biases start at zero. */
export interface FfnnInitOptions {
  /**
   * The hidden layers' weights W¹…W^{U−1}: 'glorot' U(±√(6/(fanIn + fanOut))) or 'he' N(0, 2/fanIn);
   * the output layer's are always Glorot. Default: 'he' for relu, 'glorot' otherwise.
   */
  weights?: 'glorot' | 'he';
}

/** The options of `new FeedForwardNetwork(config)`. */
export interface FfnnConfig {
  /**
   * p(0), …, p(U): the input size, any hidden layer sizes, the output size (note 001,
   * definition 1); 2 to 1025 integers, each in [1, 65536].
   */
  layerSizes: number[];
  /** σ, the hidden layers' activation. Default 'tanh'. */
  activation?: Activation;
  /** F, the output function: 'identity', 'softmax' or 'sigmoid'. Default 'identity'. */
  output?: OutputFunction;
  /**
   * The per-example loss. Default: 'mse' for identity, 'cross-entropy' for softmax,
   * 'binary-cross-entropy' for sigmoid (cross-entropy needs softmax, binary cross-entropy sigmoid).
   */
  loss?: LossName;
  /** How the weights start. Default: Glorot (He for relu) hidden weights, Glorot output weights, zero biases. */
  init?: FfnnInitOptions;
  /** Seed of the initialisation, an integer in [0, 2³² − 1]: same seed, identical model. Default 1. */
  seed?: number;
  /** Element type: 'float32' or 'float64' (the JS kernels only; used for gradient checks). Default 'float32'. */
  dtype?: DType;
  /** Where the model computes: 'auto', a backend name or a Backend. Default 'auto' (wasm-simd where it works, else js; js for float64). */
  backend?: BackendName | 'auto' | Backend;
}

/** A FeedForwardNetwork's `config`, as saved with the model: every choice made explicit. */
export interface ResolvedFfnnConfig {
  /** p(0), …, p(U): the input size, the hidden layer sizes, the output size. */
  layerSizes: number[];
  /** σ, the hidden layers' activation. */
  activation: Activation;
  /** F, the output function. */
  output: OutputFunction;
  /** The per-example loss training minimises. */
  loss: LossName;
}

/** Layers U ≤ 1024: far beyond what trains, and a bound on what a file can make a loader do. */
const MAX_FFNN_LAYERS = 1024;

const CONFIG_KEYS = ['layerSizes', 'activation', 'output', 'loss', 'init', 'seed', 'dtype', 'backend'];

export function resolveFfnnConfig(config: FfnnConfig): ResolvedFfnnConfig {
  if (config === null || typeof config !== 'object') fail('config', 'an object with layerSizes', config);
  checkKeys('FeedForwardNetwork config', config, CONFIG_KEYS);
  const sizes: unknown = config.layerSizes;
  if (!Array.isArray(sizes) || sizes.length < 2 || sizes.length > MAX_FFNN_LAYERS + 1) {
    fail('layerSizes', `an array of 2 to ${MAX_FFNN_LAYERS + 1} sizes [p(0), …, p(U)]: the input size, any hidden sizes, the output size`,
      Array.isArray(sizes) && sizes.length > 16 ? `${sizes.length} sizes` : sizes);
  }
  const { output, loss } = resolveOutput(config.output, config.loss);
  return {
    layerSizes: sizes.map((size, i) => checkInteger(`layerSizes[${i}]`, size, 1, MAX_LAYER_SIZE)),
    activation: checkOneOf('activation', config.activation ?? 'tanh', ACTIVATIONS),
    output,
    loss,
  };
}

/** Arena offsets of one layer's parameters and gradients (the fixed block never moves). */
interface Layer {
  readonly weights: number;
  readonly bias: number;
  readonly weightGrads: number;
  readonly biasGrads: number;
  /** p(k−1) */
  readonly inSize: number;
  /** p(k) */
  readonly outSize: number;
}

/**
 * Where one computation of the network keeps its rows: phi[0] is the input x
 * (φ^0, eq. 1.6) and phi[k] the hidden activations φ^k, k = 1..U−1; the
 * output layer keeps both a^U (z, for the cross-entropies' log-sum-exp) and
 * y = F(a^U). Computed with `kernels` (the model's, or a thread's recorder)
 * into the gradient block at `grads`; the loss is a mean over `lossRows`
 * rows (the frame's own, or the whole batch that a thread's share is part of).
 */
export interface RowFrame {
  readonly rows: number;
  readonly phi: readonly number[];
  readonly z: number;
  readonly y: number;
  readonly target: number;
  readonly dz: number;
  readonly delta: readonly [number, number];
  readonly end: number;
  readonly kernels: Kernels;
  readonly grads: number;
  readonly lossRows: number;
  /** Class indices or vectors, as last loaded. */
  lossKind: LossCode;
}

/**
 * The feed-forward network ⟨p, W, B, σ, F⟩ of note 001, definitions 1–2:
 *   φ^0 = x,  a^k = W^k·φ^{k−1} + b^k,  φ^k = σ(a^k) for k < U,  y = F(a^U)   (eqs. 1.3–1.6)
 * Parameters (row-major): W1..WU with W^k p(k)×p(k−1), and b1..bU with b^k ∈ ℝ^{p(k)}.
 * A batch of N rows is processed at once, each layer as one N-row product.
 */
export class FeedForwardNetwork extends Network<RowBatch> {
  /** The configuration, every choice made explicit (as saved with the model). */
  readonly config: ResolvedFfnnConfig;
  /** layers[k − 1] is layer k of the note, k = 1..U. */
  private readonly layers: readonly Layer[];
  private readonly hiddenAct: ActCode;
  private readonly outputAct: ActCode;
  /** The batch block's frame for the row count last loaded. */
  private frame: RowFrame | undefined;
  private frameGeneration = -1;

  constructor(config: FfnnConfig) {
    const c = resolveFfnnConfig(config);
    const p = c.layerSizes;
    const weights: ParameterSpec[] = [], biases: ParameterSpec[] = [];
    for (let k = 1; k < p.length; k++) {
      weights.push({ name: `W${k}`, rows: p[k]!, cols: p[k - 1]!, decay: true });
      biases.push({ name: `b${k}`, rows: p[k]!, cols: 1, decay: false });
    }
    super([...weights, ...biases], config.dtype ?? 'float32', config.backend ?? 'auto');
    this.config = c;
    // Offsets resolved once, so the per-batch passes look nothing up by name (and allocate nothing).
    this.layers = weights.map((w, i) => ({
      weights: this.offsetOf(w.name), bias: this.offsetOf(biases[i]!.name),
      weightGrads: this.offsetOf(w.name, true), biasGrads: this.offsetOf(biases[i]!.name, true),
      inSize: w.cols, outSize: w.rows,
    }));
    this.hiddenAct = activationCode(c.activation);
    this.outputAct = activationCode(c.output);
    this.initialize(config.init, config.seed ?? 1);
  }

  /** Input size p(0): values per row. */
  get inputSize(): number { return this.config.layerSizes[0]!; }
  /** Output size p(U): values per row out of the output layer. */
  get outputSize(): number { return this.config.layerSizes[this.config.layerSizes.length - 1]!; }

  private initialize(init: FfnnInitOptions | undefined, seed: number): void {
    checkKeys('init', init, ['weights']);
    checkSeed('seed', seed);
    const hidden = checkOneOf('init.weights', init?.weights ?? (this.config.activation === 'relu' ? 'he' : 'glorot'), ['glorot', 'he']);
    const rng = new Random(seed);
    const U = this.layers.length;
    for (let k = 1; k <= U; k++) {
      const { inSize, outSize } = this.layers[k - 1]!;
      const values = new Float64Array(outSize * inSize);
      // The output layer feeds F, not σ: Glorot suits every F here (as for the RNN's W_out).
      initMatrix(values, outSize, inSize, k === U ? 'glorot' : hidden, 1, rng);
      this.setParameter(`W${k}`, values);
    }
    // Biases start at zero (the arena is zeroed).
  }

  /** @internal */
  exampleCount(data: RowBatch): number {
    return data.size;
  }

  /** @internal */
  selectExamples(data: RowBatch, indices: ArrayLike<number>): RowBatch {
    return selectRows(data, indices);
  }

  /** @internal */
  checkData(data: RowBatch, needTargets: boolean): void {
    const p = this.inputSize, o = this.outputSize, loss = this.config.loss;
    if (!data || typeof data !== 'object' || !(data.inputs instanceof Float32Array || data.inputs instanceof Float64Array)) {
      fail('batch', 'a RowBatch (from rowBatch() or createRowBatch())', data);
    }
    checkInteger('batch.size', data.size, 1);
    if (data.inputSize !== p) fail('batch.inputSize', `the network's input size layerSizes[0] = ${p}`, data.inputSize);
    if (data.inputs.length !== data.size * p) fail('batch.inputs', `N·p = ${data.size}·${p} values`, data.inputs);
    // Checked at use: a batch is plain data that may have changed since it was built.
    checkFinite('batch.inputs', data.inputs, 'float32');
    if (!needTargets) return;
    if (data.classes) {
      if (loss !== 'cross-entropy') fail('batch.classes', `vector targets: class indices need loss 'cross-entropy', this network's loss is '${loss}'`);
      if (data.classes.length !== data.size) fail('batch.classes', `N = ${data.size} class indices`, data.classes);
      for (let i = 0; i < data.size; i++) {
        const c = data.classes[i]!;
        if (c < 0 || c >= o) fail(`batch.classes[${i}]`, `a class index in [0, ${o - 1}] (the network's output size is ${o})`, c);
      }
    } else if (data.targets) {
      if (data.targetSize !== o) fail('batch.targetSize', `the network's output size layerSizes[${this.layers.length}] = ${o}`, data.targetSize);
      if (data.targets.length !== data.size * o) fail('batch.targets', `N·o = ${data.size}·${o} values`, data.targets);
      checkFinite('batch.targets', data.targets, 'float32');
      checkTargetDomain(data.targets, loss);
    } else {
      fail('batch', 'targets or classes (needed for a loss)');
    }
  }

  /**
   * A frame for N rows laid out from `base`, computed by the model itself or
   * by `owner` (a thread's share: src/threads/share-frames.ts).
   * @internal
   */
  frameAt(base: number, rows: number, owner?: { kernels: Kernels; grads: number; lossRows: number }): RowFrame {
    const p = this.config.layerSizes, U = this.layers.length, o = this.outputSize;
    const sizes: Record<string, number> = {};
    for (let k = 0; k < U; k++) sizes[`phi${k}`] = rows * p[k]!;
    // Δ^k is needed only until Δ^{k−1} is formed, so two buffers of the widest hidden layer alternate.
    const widestHidden = Math.max(0, ...p.slice(1, U));
    Object.assign(sizes, { z: rows * o, y: rows * o, target: rows * o, dz: rows * o, delta0: rows * widestHidden, delta1: rows * widestHidden });
    const { offsets, end } = planRegions(base, sizes);
    return {
      rows, phi: Array.from({ length: U }, (_, k) => offsets[`phi${k}`]!),
      z: offsets.z!, y: offsets.y!, target: offsets.target!, dz: offsets.dz!, delta: [offsets.delta0!, offsets.delta1!], end,
      kernels: owner?.kernels ?? this.backend.kernels, grads: owner?.grads ?? this.block.grads, lossRows: owner?.lossRows ?? rows,
      lossKind: lossCode(this.config.loss, false),
    };
  }

  /** @internal Hands the batch block, up to `end`, to other frames (a thread pool's shares): the loaded rows are gone. */
  claimBatchBlock(end: number): void {
    this.workspace.reserve(end);
    this.frame = undefined;
  }

  /** The batch block's frame for N rows, made room for. */
  private bind(rows: number): RowFrame {
    const f = this.frame;
    if (f && f.rows === rows && this.frameGeneration === this.workspace.generation) return f;
    const frame = this.frameAt(this.workspace.fixedLength, rows);
    this.workspace.reserve(frame.end);
    this.frameGeneration = this.workspace.generation;
    return (this.frame = frame);
  }

  /** @internal Copies the chosen rows' inputs and targets (or class indices) into the arena. */
  loadExamples(data: RowBatch, indices: ArrayLike<number>): void {
    this.loadRows(this.bind(indices.length), data, indices);
  }

  /** @internal Copies the chosen rows into a frame of as many rows. */
  loadRows(f: RowFrame, data: RowBatch, indices: ArrayLike<number>): void {
    const N = indices.length, p = this.inputSize, o = this.outputSize, mem = this.mem;
    for (let i = 0; i < N; i++) {
      const row = indices[i]!;
      mem.set(data.inputs.subarray(row * p, row * p + p), f.phi[0]! + i * p);
      if (data.targets) mem.set(data.targets.subarray(row * o, row * o + o), f.target + i * o);
      else if (data.classes) mem[f.target + i] = data.classes[row]!;
    }
    f.lossKind = lossCode(this.config.loss, data.classes !== undefined && data.targets === undefined);
  }

  /** Forward over a frame's rows, layer by layer (eqs. 1.3–1.6). */
  private forward(f: RowFrame): void {
    const mem = this.mem, kernels = f.kernels, N = f.rows, U = this.layers.length;
    for (let k = 1; k < U; k++) {
      const layer = this.layers[k - 1]!;
      // φ^k is written over a^k: the backward pass reads σ' from φ^k, so a^k need not be kept.
      kernels.denseForward(mem, f.phi[k - 1]!, layer.weights, layer.bias, f.phi[k]!, f.phi[k]!, N, layer.inSize, layer.outSize, this.hiddenAct);
    }
    const out = this.layers[U - 1]!;
    kernels.denseForward(mem, f.phi[U - 1]!, out.weights, out.bias, f.z, f.y, N, out.inSize, out.outSize, this.outputAct);
  }

  /** Mean over rows of the per-row loss (eq. 1.8), and ∂L/∂a^U into dz unless it is NONE. */
  private lossOf(f: RowFrame, dz: number): number {
    return f.kernels.lossForwardBackward(this.mem, f.z, f.y, f.target, NONE, dz, f.rows, this.outputSize, f.lossKind, this.outputAct, 1 / f.lossRows);
  }

  /** @internal */
  loss(): number {
    const f = this.requireLoaded();
    this.forward(f);
    return this.lossOf(f, NONE);
  }

  /** @internal */
  lossAndGradients(): number {
    return this.lossAndGradientsOf(this.requireLoaded());
  }

  /**
   * Backprop (eqs. 1.21–1.26) over a frame's rows, into its gradient block. With Δ^k = ∂L/∂a^k for each row:
   *   Δ^U     = ∂L/∂a^U (the loss kernel applies F's Jacobian)
   *   Δ^{k−1} = (Δ^k·W^k) ∘ σ'(a^{k−1})   (eq. 1.23 corrected as in the notes' errata: σ' of the lower layer, after W)
   *   ∂L/∂W^k = Σ_rows Δ^kᵀ φ^{k−1},  ∂L/∂b^k = Σ_rows Δ^k
   * @internal
   */
  lossAndGradientsOf(f: RowFrame): number {
    const mem = this.mem, kernels = f.kernels, N = f.rows, shift = f.grads - this.block.grads;
    // denseBackward accumulates into the gradients.
    kernels.fill(mem, f.grads, this.parameterCount, 0);
    this.forward(f);
    const loss = this.lossOf(f, f.dz);
    let delta = f.dz;
    for (let k = this.layers.length; k >= 1; k--) {
      const layer = this.layers[k - 1]!;
      const below = k > 1 ? f.delta[(k - 1) % 2]! : NONE; // φ^0 = x needs no gradient
      kernels.denseBackward(mem, delta, f.phi[k - 1]!, layer.weights, layer.weightGrads + shift, layer.biasGrads + shift, below, N, layer.inSize, layer.outSize);
      if (below !== NONE) kernels.activationBackward(mem, f.phi[k - 1]!, below, N * layer.inSize, this.hiddenAct);
      delta = below;
    }
    return loss;
  }

  private requireLoaded(): RowFrame {
    const f = this.frame;
    if (!f || this.frameGeneration !== this.workspace.generation) throw new RnnkitError('FeedForwardNetwork: no batch is loaded (call loadExamples first)');
    return f;
  }

  /** Outputs y = F(a^U) for every row, [N][o]. */
  predict(data: RowBatch): Floats {
    this.checkData(data, false);
    const N = data.size, o = this.outputSize;
    const out = this.dtype === 'float64' ? new Float64Array(N * o) : new Float32Array(N * o);
    const chunk = 256;
    for (let start = 0; start < N; start += chunk) {
      const n = Math.min(chunk, N - start);
      this.loadExamples(data, range(n, start));
      const f = this.frame!;
      this.forward(f);
      out.set(this.mem.subarray(f.y, f.y + n * o), start * o);
    }
    return out;
  }

  /** @internal */
  targetsOf(data: RowBatch): TargetView {
    const { output, loss } = this.config;
    return { positions: data.size, targets: data.targets, classes: data.classes, weights: undefined, output, loss };
  }

  /** @internal */
  protected sibling(dtype: DType, backend: Backend | BackendName | 'auto'): this {
    return new FeedForwardNetwork({ ...this.config, dtype, backend }) as this;
  }
}
