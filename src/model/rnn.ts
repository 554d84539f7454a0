import { type BackendName, type Backend, type DType } from '../backend/index.js';
import { selectSequences, type SequenceBatch } from '../data/sequence-batch.js';
import { checkFinite, checkInteger, checkKeys, checkNumber, checkOneOf, fail, RnnkitError } from '../errors.js';
import { planFrame, type RnnFrame } from './rnn-frame.js';
import { NONE } from '../kernels/js/types.js';
import { ACTIVATIONS, activationCode, lossCode, resolveOutput, type Activation, type LossName, type OutputFunction } from './functions.js';
import { initMatrix, type WeightInit } from './init.js';
import { Network, range, type Floats } from './network.js';
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
  /** The batch block's frame for the shape last used, and the arena layout it was planned for. */
  private frame: RnnFrame | undefined;
  private frameGeneration = -1;
  /** The frame holding the batch loaded by loadExamples. */
  private loaded: RnnFrame | undefined;

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

  /** The frame in the batch block for B sequences and a window of C steps (planned again only when needed). */
  batchFrame(batch: number, capacity: number): RnnFrame {
    const f = this.frame;
    if (f && f.batch === batch && f.capacity === capacity && this.frameGeneration === this.workspace.generation) return f;
    const { inputSize: p, hiddenSize: r, outputSize: o } = this.config;
    const { frame, end } = planFrame(this.workspace.fixedLength, batch, capacity, p, r, o);
    this.workspace.reserve(end);
    this.frame = frame;
    this.frameGeneration = this.workspace.generation;
    return frame;
  }

  /** Elements a frame of B sequences and C steps occupies. */
  frameSize(batch: number, capacity: number): number {
    const { inputSize: p, hiddenSize: r, outputSize: o } = this.config;
    return planFrame(0, batch, capacity, p, r, o).end;
  }

  /** A frame laid out from `base` (e.g. in a region pinned with workspace.pin, which other calls leave alone). */
  frameAt(base: number, batch: number, capacity: number): RnnFrame {
    const { inputSize: p, hiddenSize: r, outputSize: o } = this.config;
    return planFrame(base, batch, capacity, p, r, o).frame;
  }

  /**
   * Copies steps [fromStep, fromStep + count) of the chosen sequences into
   * slots [slot, slot + count) of a frame, transposed to time-major.
   */
  loadSteps(f: RnnFrame, data: SequenceBatch, indices: ArrayLike<number>, fromStep: number, count: number, slot: number): void {
    const B = f.batch, T = data.steps;
    const { inputSize: p, outputSize: o } = this.config;
    const mem = this.mem, inputs = data.inputs, targets = data.targets, classes = data.classes, mask = data.mask;
    // Plain loops rather than subarray+set: this runs once per batch for every (sequence, step), and allocates nothing.
    for (let i = 0; i < B; i++) {
      const b = indices[i]!;
      for (let s = 0; s < count; s++) {
        const row = (slot + s) * B + i, src = b * T + fromStep + s;
        const x = f.x + row * p, xs = src * p;
        for (let j = 0; j < p; j++) mem[x + j] = inputs[xs + j]!;
        mem[f.mask + row] = mask[src]!;
        if (targets) {
          const y = f.target + row * o, ys = src * o;
          for (let j = 0; j < o; j++) mem[y + j] = targets[ys + j]!;
        } else if (classes) {
          mem[f.target + row] = classes[src]!;
        }
      }
    }
    f.classTargets = classes !== undefined && targets === undefined;
  }

  /** φ_0 in slot 0: given per sequence, else the learned h0 (filled by the forward pass), else zeros. */
  loadInitialState(f: RnnFrame, data: SequenceBatch, indices: ArrayLike<number>): void {
    const r = this.config.hiddenSize, mem = this.mem;
    f.learnedState = !data.initialState && this.config.initialState === 'learned';
    if (data.initialState) {
      for (let i = 0; i < f.batch; i++) mem.set(data.initialState.subarray(indices[i]! * r, indices[i]! * r + r), f.phi + i * r);
    } else if (!f.learnedState) {
      this.backend.kernels.fill(mem, f.phi, f.batch * r, 0);
    }
  }

  /** Copies the chosen sequences (all T steps) into the batch frame. */
  loadExamples(data: SequenceBatch, indices: ArrayLike<number>): void {
    const f = this.batchFrame(indices.length, data.steps);
    this.loadSteps(f, data, indices, 0, data.steps, 0);
    this.loadInitialState(f, data, indices);
    this.loaded = f;
  }

  /** Forward over slots [from, from + count) from the state in slot `from`: φ, then z and y = F(z). */
  forwardSlots(f: RnnFrame, from: number, count: number): void {
    const mem = this.mem, k = this.backend.kernels, B = f.batch;
    const { inputSize: p, hiddenSize: r, outputSize: o, activation, output } = this.config;
    if (from === 0 && f.learnedState) k.broadcastRows(mem, f.phi, this.offsetOf('h0'), B, r);
    k.rnnForward(mem, f.x + from * B * p, f.phi + from * B * r, this.offsetOf('W_in'), this.offsetOf('W_rec'), this.offsetOf('b_rec'),
      B, count, p, r, activationCode(activation));
    k.denseForward(mem, f.phi + (from + 1) * B * r, this.offsetOf('W_out'), this.offsetOf('b_out'),
      f.z + from * B * o, f.y + from * B * o, count * B, r, o, activationCode(output));
  }

  /** Loss of slots [from, from + count) (mean over sequences, eq. 1.31) and, if asked, ∂L/∂z into dz. */
  lossSlots(f: RnnFrame, from: number, count: number, gradient: boolean): number {
    const { outputSize: o, output, loss } = this.config;
    const rows = from * f.batch;
    return this.backend.kernels.lossForwardBackward(
      this.mem, f.z + rows * o, f.y + rows * o, f.target + (f.classTargets ? rows : rows * o), f.mask + rows,
      gradient ? f.dz + rows * o : NONE, count * f.batch, o, lossCode(loss, f.classTargets), activationCode(output), 1 / f.batch,
    );
  }

  /**
   * The output layer's backward pass for slots [from, from + count) (eqs. 1.43–1.44):
   * accumulates dW_out, db_out and writes ∂L/∂φ_t for those slots into dPhi.
   */
  outputBackward(f: RnnFrame, from: number, count: number): void {
    const { hiddenSize: r, outputSize: o } = this.config, B = f.batch;
    this.backend.kernels.denseBackward(this.mem, f.dz + from * B * o, f.phi + (from + 1) * B * r, this.offsetOf('W_out'),
      this.offsetOf('W_out', true), this.offsetOf('b_out', true), f.dPhi + from * B * r, count * B, r, o);
  }

  /**
   * BPTT over slots [0, length) of a frame (dPhi holding ∂L/∂φ from the outputs,
   * zero where no loss was injected). With `intoH0`, ∂L/∂φ_0 is summed into h0's
   * gradient (only when slot 0 really is the learned h0).
   */
  bpttSlots(f: RnnFrame, length: number, intoH0: boolean): void {
    const mem = this.mem, k = this.backend.kernels, B = f.batch;
    const { inputSize: p, hiddenSize: r, activation } = this.config;
    k.bpttBackward(mem, f.dPhi, f.phi, f.x, this.offsetOf('W_rec'),
      this.offsetOf('W_in', true), this.offsetOf('W_rec', true), this.offsetOf('b_rec', true), f.dH0,
      B, length, p, r, activationCode(activation));
    if (intoH0 && f.learnedState) k.sumRowsInto(mem, this.offsetOf('h0', true), f.dH0, B, r);
  }

  loss(): number {
    const f = this.requireLoaded();
    this.forwardSlots(f, 0, f.capacity);
    return this.lossSlots(f, 0, f.capacity, false);
  }

  /** Full BPTT on the loaded batch. */
  lossAndGradients(): number {
    const f = this.requireLoaded();
    this.backend.kernels.fill(this.mem, this.block.grads, this.parameterCount, 0);
    this.forwardSlots(f, 0, f.capacity);
    const loss = this.lossSlots(f, 0, f.capacity, true);
    this.outputBackward(f, 0, f.capacity);
    this.bpttSlots(f, f.capacity, true);
    return loss;
  }

  /** Whether a frame still holds what was put in it (no other call on the model has re-planned the batch block). */
  frameIsCurrent(f: RnnFrame): boolean {
    return this.frameGeneration === this.workspace.generation && (f === this.frame || f.end <= this.workspace.fixedLength);
  }

  /** Arena offset of a parameter or (grads = true) of its gradient, for the gradient algorithms. */
  parameterOffset(name: string, grads = false): number {
    return this.offsetOf(name, grads);
  }

  private requireLoaded(): RnnFrame {
    const f = this.loaded;
    if (!f || f !== this.frame || this.frameGeneration !== this.workspace.generation) {
      throw new RnnkitError('ElmanRNN: no batch is loaded (call loadExamples first; other calls on the model replace it)');
    }
    return f;
  }

  /**
   * Outputs y_t for every sequence and step, [B][T][o] (steps past a
   * sequence's length are computed on the zero padding and can be ignored).
   */
  predict(data: SequenceBatch): Floats {
    this.checkData(data, false);
    const B = data.size, T = data.steps, o = this.config.outputSize;
    const out = this.workspace.dtype === 'float64' ? new Float64Array(B * T * o) : new Float32Array(B * T * o);
    this.forEachChunk(data, (f, start, n) => {
      const mem = this.mem;
      for (let i = 0; i < n; i++) {
        for (let t = 0; t < T; t++) {
          const src = f.y + (t * n + i) * o;
          out.set(mem.subarray(src, src + o), ((start + i) * T + t) * o);
        }
      }
    });
    return out;
  }

  /** The hidden state at each sequence's last valid step, [B][r]. */
  finalStates(data: SequenceBatch): Floats {
    this.checkData(data, false);
    const B = data.size, r = this.config.hiddenSize;
    const out = this.workspace.dtype === 'float64' ? new Float64Array(B * r) : new Float32Array(B * r);
    this.forEachChunk(data, (f, start, n) => {
      for (let i = 0; i < n; i++) {
        const src = f.phi + (data.lengths[start + i]! * n + i) * r;
        out.set(this.mem.subarray(src, src + r), (start + i) * r);
      }
    });
    return out;
  }

  /** Runs the forward pass over a batch in chunks of at most 256 sequences. */
  private forEachChunk(data: SequenceBatch, use: (f: RnnFrame, start: number, n: number) => void): void {
    for (let start = 0; start < data.size; start += 256) {
      const n = Math.min(256, data.size - start);
      this.loadExamples(data, range(n, start));
      const f = this.loaded!;
      this.forwardSlots(f, 0, f.capacity);
      use(f, start, n);
    }
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
    const f = this.batchFrame(B, 1);
    const mem = this.mem;
    mem.set(inputs, f.x);
    mem.set(state, f.phi);
    f.learnedState = false;
    this.forwardSlots(f, 0, 1);
    state.set(mem.subarray(f.phi + B * r, f.phi + 2 * B * r));
    outputs.set(mem.subarray(f.y, f.y + B * o));
  }

  /** The initial state φ_0 this model starts a sequence from: h0 if learned, else zeros. */
  initialStateVector(): Floats {
    const r = this.config.hiddenSize;
    return this.config.initialState === 'learned' ? this.getParameter('h0') : this.workspace.dtype === 'float64' ? new Float64Array(r) : new Float32Array(r);
  }

  protected sibling(dtype: DType, backend: Backend | BackendName | 'auto'): this {
    return new ElmanRNN({ ...this.config, dtype, backend }) as this;
  }
}
