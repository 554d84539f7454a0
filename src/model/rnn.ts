import { planRegions, type BackendName, type Backend, type DType } from '../backend/index.js';
import { selectSequences, type SequenceBatch } from '../data/sequence-batch.js';
import { checkFinite, checkInteger, checkKeys, checkNumber, checkOneOf, fail } from '../errors.js';
import { NONE } from '../kernels/js/types.js';
import { ACTIVATIONS, activationCode, lossCode, resolveOutput, type Activation, type LossName, type OutputFunction } from './functions.js';
import { initMatrix, type WeightInit } from './init.js';
import { Network, type Floats } from './network.js';
import { Random } from './random.js';

export interface RnnInitOptions {
  /** W_in and W_out. Default: 'he' for relu, 'glorot' otherwise. */
  weights?: 'glorot' | 'he';
  /** W_rec. Default 'orthogonal'. */
  recurrent?: WeightInit;
  /** Multiplies W_rec after initialisation (e.g. 0.9 for a contracting start). Default 1. */
  recurrentGain?: number;
}

export interface RnnConfig {
  /** p */
  inputSize: number;
  /** r */
  hiddenSize: number;
  /** o */
  outputSize: number;
  /** σ, default 'tanh'. */
  activation?: Activation;
  /** F, default 'identity'. */
  output?: OutputFunction;
  /** Default: mse for identity, cross-entropy for softmax, binary-cross-entropy for sigmoid. */
  loss?: LossName;
  /** φ_0: 'zeros' (default) or a learned parameter h0. A batch may also give φ_0 per sequence. */
  initialState?: 'zeros' | 'learned';
  init?: RnnInitOptions;
  /** Seed of the initialisation: same seed, identical model. Default 1. */
  seed?: number;
  /** 'float32' (default) or 'float64' (the JS kernels only; used for gradient checks). */
  dtype?: DType;
  /** 'auto' (default) or a backend name. */
  backend?: BackendName | 'auto' | Backend;
}

/** The configuration as saved with a model: every choice made explicit. */
export interface ResolvedRnnConfig {
  inputSize: number;
  hiddenSize: number;
  outputSize: number;
  activation: Activation;
  output: OutputFunction;
  loss: LossName;
  initialState: 'zeros' | 'learned';
}

const CONFIG_KEYS = ['inputSize', 'hiddenSize', 'outputSize', 'activation', 'output', 'loss', 'initialState', 'init', 'seed', 'dtype', 'backend'];
/** Sizes above this are refused: they would not fit a JS engine's memory anyway. */
export const MAX_LAYER_SIZE = 1 << 16;

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

/**
 * The Elman RNN ⟨W_in, W_rec, W_out, b_rec, b_out, σ, F⟩ of note 001, definition 3:
 *   a_t = W_rec·φ_{t−1} + W_in·x_t + b_rec,  φ_t = σ(a_t),  y_t = F(W_out·φ_t + b_out)
 * Parameters (row-major): W_in r×p, W_rec r×r, W_out o×r, b_rec r, b_out o, and h0 r when learned.
 */
export class ElmanRNN extends Network<SequenceBatch> {
  readonly config: ResolvedRnnConfig;
  /** The batch block's layout for the shape last loaded. */
  private regions = { x: 0, phi: 0, z: 0, y: 0, target: 0, mask: 0, dz: 0, dPhi: 0, dH0: 0 };
  private batch = 0;
  private steps = 0;
  private classTargets = false;
  private learnedStateInUse = false;

  constructor(config: RnnConfig) {
    const c = resolveRnnConfig(config);
    const { inputSize: p, hiddenSize: r, outputSize: o } = c;
    const specs = [
      { name: 'W_in', rows: r, cols: p, decay: true },
      { name: 'W_rec', rows: r, cols: r, decay: true },
      { name: 'W_out', rows: o, cols: r, decay: true },
      { name: 'b_rec', rows: r, cols: 1, decay: false },
      { name: 'b_out', rows: o, cols: 1, decay: false },
    ];
    if (c.initialState === 'learned') specs.push({ name: 'h0', rows: r, cols: 1, decay: false });
    super(specs, config.dtype ?? 'float32', config.backend ?? 'auto');
    this.config = c;
    this.initialize(config.init, config.seed ?? 1);
  }

  get inputSize(): number { return this.config.inputSize; }
  get hiddenSize(): number { return this.config.hiddenSize; }
  get outputSize(): number { return this.config.outputSize; }

  private initialize(init: RnnInitOptions | undefined, seed: number): void {
    checkKeys('init', init, ['weights', 'recurrent', 'recurrentGain']);
    checkNumber('seed', seed);
    const { activation, inputSize: p, hiddenSize: r, outputSize: o } = this.config;
    const weights = checkOneOf('init.weights', init?.weights ?? (activation === 'relu' ? 'he' : 'glorot'), ['glorot', 'he']);
    const recurrent = checkOneOf('init.recurrent', init?.recurrent ?? 'orthogonal', ['glorot', 'he', 'orthogonal', 'identity', 'zeros']);
    const gain = checkNumber('init.recurrentGain', init?.recurrentGain ?? 1);
    const rng = new Random(seed);
    const fill = (name: string, rows: number, cols: number, kind: WeightInit, g: number) => {
      const values = new Float64Array(rows * cols);
      initMatrix(values, rows, cols, kind, g, rng);
      this.setParameter(name, values);
    };
    fill('W_in', r, p, weights, 1);
    fill('W_rec', r, r, recurrent, gain);
    // The output layer is linear before F: Glorot suits every F here.
    fill('W_out', o, r, 'glorot', 1);
    // Biases and h0 start at zero (the arena is zeroed).
  }

  exampleCount(data: SequenceBatch): number {
    return data.size;
  }

  selectExamples(data: SequenceBatch, indices: ArrayLike<number>): SequenceBatch {
    return selectSequences(data, indices);
  }

  checkData(data: SequenceBatch, needTargets: boolean): void {
    const { inputSize: p, outputSize: o, hiddenSize: r, loss } = this.config;
    if (!data || typeof data !== 'object' || !(data.inputs instanceof Float32Array || data.inputs instanceof Float64Array)) {
      fail('batch', 'a SequenceBatch (from sequenceBatch() or createSequenceBatch())', data);
    }
    if (data.inputSize !== p) fail('batch.inputSize', `the model's inputSize p = ${p}`, data.inputSize);
    if (data.initialState && data.initialState.length !== data.size * r) {
      fail('batch.initialState', `B·r = ${data.size}·${r} values (the model's hiddenSize)`, data.initialState);
    }
    if (!needTargets) return;
    if (data.classes) {
      if (loss !== 'cross-entropy') fail('batch.classes', `vector targets: class indices need loss 'cross-entropy', this model's loss is '${loss}'`);
      for (let i = 0; i < data.classes.length; i++) {
        if (data.mask[i] !== 0 && data.classes[i]! >= o) fail(`batch.classes[${i}]`, `a class index in [0, ${o - 1}]`, data.classes[i]);
      }
    } else if (data.targets) {
      if (data.targetSize !== o) fail('batch.targetSize', `the model's outputSize o = ${o}`, data.targetSize);
    } else {
      fail('batch', 'targets or classes (needed for a loss)');
    }
  }

  /** Lays out the batch block for B sequences of T steps (time-major) and makes room for it. */
  private bind(batch: number, steps: number): void {
    if (batch === this.batch && steps === this.steps) return;
    const { inputSize: p, hiddenSize: r, outputSize: o } = this.config;
    const rows = steps * batch;
    const { offsets, end } = planRegions(this.workspace.fixedLength, {
      x: rows * p, phi: (steps + 1) * batch * r, z: rows * o, y: rows * o,
      target: rows * o, mask: rows, dz: rows * o, dPhi: rows * r, dH0: batch * r,
    });
    this.workspace.reserve(end);
    this.regions = offsets;
    this.batch = batch;
    this.steps = steps;
  }

  /** Copies the chosen sequences into the arena, transposed to time-major [T][B]. */
  loadExamples(data: SequenceBatch, indices: ArrayLike<number>): void {
    const B = indices.length, T = data.steps;
    const { inputSize: p, hiddenSize: r, outputSize: o } = this.config;
    this.bind(B, T);
    const mem = this.mem, R = this.regions, k = this.backend.kernels;
    for (let i = 0; i < B; i++) {
      const b = indices[i]!;
      for (let t = 0; t < T; t++) {
        const row = t * B + i, src = b * T + t;
        mem.set(data.inputs.subarray(src * p, src * p + p), R.x + row * p);
        mem[R.mask + row] = data.mask[src]!;
        if (data.targets) mem.set(data.targets.subarray(src * o, src * o + o), R.target + row * o);
        else if (data.classes) mem[R.target + row] = data.classes[src]!;
      }
    }
    this.classTargets = data.classes !== undefined && data.targets === undefined;
    // φ_0: given per sequence, else the learned h0 (broadcast in forward), else zeros.
    this.learnedStateInUse = !data.initialState && this.config.initialState === 'learned';
    if (data.initialState) {
      for (let i = 0; i < B; i++) mem.set(data.initialState.subarray(indices[i]! * r, indices[i]! * r + r), R.phi + i * r);
    } else if (!this.learnedStateInUse) {
      k.fill(mem, R.phi, B * r, 0);
    }
  }

  /** Forward over the loaded batch: hidden states φ_1..φ_T, then z and y = F(z) at every step. */
  private forward(): void {
    const mem = this.mem, R = this.regions, k = this.backend.kernels, B = this.batch, T = this.steps;
    const { inputSize: p, hiddenSize: r, outputSize: o, activation, output } = this.config;
    if (this.learnedStateInUse) k.broadcastRows(mem, R.phi, this.offsetOf('h0'), B, r);
    k.rnnForward(mem, R.x, R.phi, this.offsetOf('W_in'), this.offsetOf('W_rec'), this.offsetOf('b_rec'), B, T, p, r, activationCode(activation));
    k.denseForward(mem, R.phi + B * r, this.offsetOf('W_out'), this.offsetOf('b_out'), R.z, R.y, T * B, r, o, activationCode(output));
  }

  private lossOf(dz: number): number {
    const R = this.regions;
    const { outputSize: o, output, loss } = this.config;
    return this.backend.kernels.lossForwardBackward(
      this.mem, R.z, R.y, R.target, R.mask, dz, this.steps * this.batch, o,
      lossCode(loss, this.classTargets), activationCode(output), 1 / this.batch,
    );
  }

  loss(): number {
    this.forward();
    return this.lossOf(NONE);
  }

  lossAndGradients(): number {
    const mem = this.mem, R = this.regions, k = this.backend.kernels, B = this.batch, T = this.steps;
    const { inputSize: p, hiddenSize: r, outputSize: o, activation } = this.config;
    k.fill(mem, this.block.grads, this.parameterCount, 0);
    this.forward();
    const loss = this.lossOf(R.dz);
    // Output layer (eqs. 1.43–1.44) over all T·B rows at once; its δ flows into ∂L/∂φ_t.
    k.denseBackward(mem, R.dz, R.phi + B * r, this.offsetOf('W_out'), this.offsetOf('W_out', true), this.offsetOf('b_out', true), R.dPhi, T * B, r, o);
    k.bpttBackward(
      mem, R.dPhi, R.phi, R.x, this.offsetOf('W_rec'),
      this.offsetOf('W_in', true), this.offsetOf('W_rec', true), this.offsetOf('b_rec', true), R.dH0,
      B, T, p, r, activationCode(activation),
    );
    if (this.learnedStateInUse) k.sumRowsInto(mem, this.offsetOf('h0', true), R.dH0, B, r);
    return loss;
  }

  /**
   * Outputs y_t for every sequence and step, [B][T][o] (steps past a
   * sequence's length are computed on the zero padding and can be ignored).
   */
  predict(data: SequenceBatch): Floats {
    this.checkData(data, false);
    const B = data.size, T = data.steps, o = this.config.outputSize;
    const out = this.workspace.dtype === 'float64' ? new Float64Array(B * T * o) : new Float32Array(B * T * o);
    const chunk = 256;
    for (let start = 0; start < B; start += chunk) {
      const n = Math.min(chunk, B - start);
      const indices = new Int32Array(n).map((_, i) => start + i);
      this.loadExamples(data, indices);
      this.forward();
      const mem = this.mem, y = this.regions.y;
      for (let i = 0; i < n; i++) {
        for (let t = 0; t < T; t++) {
          const src = y + (t * n + i) * o;
          out.set(mem.subarray(src, src + o), ((start + i) * T + t) * o);
        }
      }
    }
    return out;
  }

  /** Final hidden state φ_T of each sequence after the last forward pass (at each sequence's length), [B][r]. */
  finalStates(data: SequenceBatch): Floats {
    this.checkData(data, false);
    const B = data.size, r = this.config.hiddenSize;
    const out = this.workspace.dtype === 'float64' ? new Float64Array(B * r) : new Float32Array(B * r);
    const chunk = 256;
    for (let start = 0; start < B; start += chunk) {
      const n = Math.min(chunk, B - start);
      this.loadExamples(data, new Int32Array(n).map((_, i) => start + i));
      this.forward();
      for (let i = 0; i < n; i++) {
        const t = data.lengths[start + i]!;
        const src = this.regions.phi + (t * n + i) * r;
        out.set(this.mem.subarray(src, src + r), (start + i) * r);
      }
    }
    return out;
  }

  /**
   * One step for B independent streams: reads x_t [B][p] and φ_{t−1} [B][r],
   * writes φ_t back into `state` and y_t [B][o] into `outputs`.
   */
  stepForward(inputs: ArrayLike<number>, state: Floats, outputs: Floats): void {
    const { inputSize: p, hiddenSize: r, outputSize: o } = this.config;
    const B = state.length / r;
    if (!Number.isInteger(B) || B < 1) fail('state', `a multiple of hiddenSize r = ${r} values`, state);
    if (!inputs || inputs.length !== B * p) fail('x', `B·p = ${B}·${p} values`, inputs);
    checkFinite('x', inputs);
    if (outputs.length !== B * o) fail('outputs', `B·o = ${B}·${o} values`, outputs);
    this.bind(B, 1);
    const mem = this.mem, R = this.regions;
    mem.set(inputs, R.x);
    mem.set(state, R.phi);
    this.learnedStateInUse = false;
    this.forward();
    state.set(mem.subarray(R.phi + B * r, R.phi + 2 * B * r));
    outputs.set(mem.subarray(R.y, R.y + B * o));
  }

  /** The initial state φ_0 this model starts a sequence from: h0 if learned, else zeros. */
  initialStateVector(): Floats {
    const r = this.config.hiddenSize;
    return this.config.initialState === 'learned' ? this.getParameter('h0') : this.workspace.dtype === 'float64' ? new Float64Array(r) : new Float32Array(r);
  }

  /** An independent copy (optionally in another dtype or on another backend). */
  clone(options: { dtype?: DType; backend?: BackendName | 'auto' | Backend } = {}): ElmanRNN {
    checkKeys('clone options', options, ['dtype', 'backend']);
    const copy = new ElmanRNN({ ...this.config, dtype: options.dtype ?? this.dtype, backend: options.backend ?? this.backend });
    copy.setParameters(this.parameters());
    return copy;
  }
}
