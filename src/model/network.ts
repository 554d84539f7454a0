import { backendFor, planRegions, Workspace, type Backend, type BackendName, type DType } from '../backend/index.js';
import { checkFinite, checkInteger, checkKeys, checkOneOf, fail, RnnkitError } from '../errors.js';
import type { Mem } from '../kernels/js/types.js';
import type { LossName, OutputFunction } from './functions.js';
import { ParameterLayout, type ParameterSpec } from './parameters.js';

/** Values as the model holds them: Float32Array for float32 models, Float64Array for float64. */
export type Floats = Float32Array | Float64Array;

/**
 * What a dataset's outputs are compared with, position by position (a step
 * of a sequence, or a row), laid out as predict() lays out its outputs.
 */
export interface TargetView {
  /** Rows of predict()'s output: B·T for sequences, N for rows. */
  readonly positions: number;
  readonly targets: Floats | undefined;
  readonly classes: Int32Array | undefined;
  /** 1 where a position carries a loss (the mask), 0 elsewhere; undefined when every position does. */
  readonly weights: ArrayLike<number> | undefined;
  readonly output: OutputFunction;
  readonly loss: LossName;
}

/** The most a model's fixed block may take: a wasm32 memory holds 4 GiB in all. */
const MAX_MODEL_BYTES = 2 ** 32;

/** Where the fixed block of a model's arena keeps parameters, gradients and optimizer state. */
export interface FixedBlock {
  readonly params: number;
  readonly grads: number;
  /** The last parameters known to be finite, restored when a step diverges. */
  readonly snapshot: number;
  /** Optimizer state: velocity or Adam's first moment. */
  readonly moment1: number;
  /** Adam's second moment. */
  readonly moment2: number;
}

/**
 * What train() leaves in a model for a later train({ resume: true }): the
 * optimizer's settings, its step count and the epochs done. The optimizer's
 * moments stay in the model's memory beside the parameters.
 */
export interface OptimizerState {
  /** The optimizer's settings, every one explicit (as an OptimizerSpec with its defaults filled in). */
  readonly spec: {
    /** Which optimizer: 'sgd', 'momentum' or 'adam'. */
    readonly type: 'sgd' | 'momentum' | 'adam';
    /** The base step size when the run ended: the spec's, unless a callback lowered it for good (reduceOnPlateau). */
    readonly learningRate: number;
    readonly [setting: string]: string | number | boolean;
  };
  /** Optimizer steps taken so far (Adam's bias correction counts them). */
  readonly steps: number;
  /** Epochs done so far; a resumed run counts on from here. */
  readonly epochs: number;
}

/**
 * What every model shares — ElmanRNN, RecurrentNetwork, FeedForwardNetwork:
 * named parameters, their gradients, prediction, evaluation and copying.
 * `Data` is what the model reads: a SequenceBatch, or a RowBatch.
 */
export abstract class Network<Data> {
  /** @internal */
  readonly layout: ParameterLayout;
  /** @internal */
  readonly workspace: Workspace;
  /** @internal */
  readonly block: FixedBlock;
  /** Your own plain-JSON data saved with the model (e.g. a character model's vocabulary). */
  metadata: Record<string, unknown> | undefined = undefined;
  /** The optimizer state train() left, for train({ resume: true }); saved with toJSON/toBinary(model, { optimizer: true }). */
  optimizerState: OptimizerState | undefined = undefined;

  /** @internal */
  constructor(specs: ParameterSpec[], dtype: DType, backend: Backend | BackendName | 'auto') {
    checkOneOf('dtype', dtype, ['float32', 'float64']);
    const chosen = backendFor(backend, dtype);
    this.layout = new ParameterLayout(specs);
    const n = this.layout.count;
    // Parameters, gradients, the last finite parameters and two optimizer moments: bounded before allocating.
    const bytes = 5 * n * (dtype === 'float64' ? 8 : 4);
    if (!(bytes <= MAX_MODEL_BYTES)) {
      fail('model', `at most ${MAX_MODEL_BYTES / 2 ** 30} GiB for its parameters, gradients and optimizer state (5 × ${n} ${dtype} values = ${(bytes / 2 ** 30).toFixed(1)} GiB): use smaller layers`);
    }
    const { offsets, end } = planRegions(0, { params: n, grads: n, snapshot: n, moment1: n, moment2: n });
    this.block = offsets;
    this.workspace = new Workspace(chosen, dtype, end);
  }

  /** The element type of the parameters and of every computation: 'float32' or 'float64'. */
  get dtype(): DType {
    return this.workspace.dtype;
  }

  /** The backend the model computes on (a thread pool's, once trained with one). */
  get backend(): Backend {
    return this.workspace.backend;
  }

  /** Returns this model's memory to its backend now (it is also returned when the model is garbage-collected). */
  dispose(): void {
    this.workspace.dispose();
  }

  /** Total number of parameters. */
  get parameterCount(): number {
    return this.layout.count;
  }

  /** The parameters' names, in the model's order (e.g. W_in, W_rec, b_rec, W_out, b_out). */
  get parameterNames(): string[] {
    return this.layout.names;
  }

  /** A copy of one parameter (row-major, the notes' shape). */
  getParameter(name: string): Floats {
    const p = this.place(name);
    return this.workspace.mem.slice(this.block.params + p.offset, this.block.params + p.offset + p.size);
  }

  /** Replaces one parameter as a whole; the values must be finite and of the right length. */
  setParameter(name: string, values: ArrayLike<number>): void {
    const p = this.place(name);
    if (!values || typeof values.length !== 'number' || values.length !== p.size) {
      fail(`parameter ${name}`, `${p.size} values (${p.rows}×${p.cols})`, values);
    }
    checkFinite(`parameter ${name}`, values, this.dtype);
    this.workspace.mem.set(values, this.block.params + p.offset);
  }

  /** Copies of every parameter by name. */
  parameters(): Record<string, Floats> {
    const out: Record<string, Floats> = {};
    for (const name of this.layout.names) out[name] = this.getParameter(name);
    return out;
  }

  /** Sets several parameters; all are validated before any is written. */
  setParameters(values: Record<string, ArrayLike<number>>): void {
    if (values === null || typeof values !== 'object') fail('parameters', 'an object of named arrays', values);
    for (const name of Object.keys(values)) {
      const p = this.place(name);
      const v = values[name]!;
      if (!v || v.length !== p.size) fail(`parameter ${name}`, `${p.size} values (${p.rows}×${p.cols})`, v);
      checkFinite(`parameter ${name}`, v, this.dtype);
    }
    for (const name of Object.keys(values)) this.setParameter(name, values[name]!);
  }

  /** Copies of the gradients left by the last gradient computation, by name. */
  gradients(): Record<string, Floats> {
    const out: Record<string, Floats> = {};
    const mem = this.workspace.mem;
    for (const p of this.layout.parameters) out[p.name] = mem.slice(this.block.grads + p.offset, this.block.grads + p.offset + p.size);
    return out;
  }

  /** @internal Number of examples (sequences, rows) in a dataset. */
  abstract exampleCount(data: Data): number;
  /** @internal Throws a clear error unless the data fits this network (sizes, targets, classes). */
  abstract checkData(data: Data, needTargets: boolean): void;
  /** @internal Copies the chosen examples into the arena, once per batch. */
  abstract loadExamples(data: Data, indices: ArrayLike<number>): void;
  /** @internal Loss of the loaded examples and its gradient (written into the gradient block, weights unchanged). */
  abstract lossAndGradients(): number;
  /** @internal Loss of the loaded examples only; `training` applies what only training applies (dropout), with the current masks. */
  abstract loss(training?: boolean): number;
  /** @internal Takes new dropout masks for the next mini-batch (train() calls it); a model without dropout ignores it. */
  nextDropoutDraw(): void {}
  /** @internal A new dataset of the chosen examples (for validation splits). */
  abstract selectExamples(data: Data, indices: ArrayLike<number>): Data;
  /** Outputs for every position of a dataset, [positions][o]. */
  abstract predict(data: Data): Floats;
  /** Output size o: values per position (step or row) that predict() returns. */
  abstract get outputSize(): number;
  /** @internal A dataset's targets, position by position, for metrics. */
  abstract targetsOf(data: Data): TargetView;

  /** @internal A new model of this one's config, freshly initialised, in the given dtype and on the given backend. */
  protected abstract sibling(dtype: DType, backend: Backend | BackendName | 'auto'): this;

  /**
   * An independent copy: parameters and metadata. In another dtype it goes to
   * the 'auto' backend for that dtype unless a backend is given.
   */
  clone(options: {
    /** The copy's element type. Default: this model's. */
    dtype?: DType;
    /** The copy's backend. Default: this model's in the same dtype, else 'auto' for the new dtype. */
    backend?: BackendName | 'auto' | Backend;
  } = {}): this {
    checkKeys('clone options', options, ['dtype', 'backend']);
    const dtype = options.dtype ?? this.dtype;
    const copy = this.sibling(dtype, options.backend ?? (dtype === this.dtype ? this.backend : 'auto'));
    copy.setParameters(this.parameters());
    if (this.metadata !== undefined) copy.metadata = structuredClone(this.metadata);
    return copy;
  }

  /** Loss and gradients of a whole batch, weights unchanged. */
  computeGradients(data: Data): {
    /** The batch's loss: the mean over examples of each example's summed loss. */
    loss: number;
    /** ∂loss/∂parameter, by parameter name, each shaped as the parameter. */
    gradients: Record<string, Floats>;
  } {
    this.checkData(data, true);
    this.loadExamples(data, range(this.exampleCount(data)));
    const loss = this.lossAndGradients();
    return { loss, gradients: this.gradients() };
  }

  /** Mean loss over a dataset (per example: the sum over its steps), evaluated in chunks of `batchSize` examples (default 256). */
  evaluate(data: Data, batchSize = 256): number {
    checkInteger('batchSize', batchSize, 1);
    this.checkData(data, true);
    const n = this.exampleCount(data);
    let total = 0;
    for (let start = 0; start < n; start += batchSize) {
      const indices = range(Math.min(batchSize, n - start), start);
      this.loadExamples(data, indices);
      total += this.loss() * indices.length;
    }
    return total / n;
  }

  /** @internal */
  protected place(name: string) {
    const p = this.layout.find(name);
    if (!p) throw new RnnkitError(`parameter: unknown name "${name}" (this model has ${this.layout.names.join(', ')})`);
    return p;
  }

  /** @internal */
  protected get mem(): Mem {
    return this.workspace.mem;
  }

  /** @internal Arena offset of a parameter's values (or, with grads = true, of its gradient). */
  protected offsetOf(name: string, grads = false): number {
    return (grads ? this.block.grads : this.block.params) + this.place(name).offset;
  }
}

/** `model` must be one of rnnkit's models (a wrong argument would otherwise fail deep inside, as a TypeError). */
export function checkModel(argument: string, model: unknown): void {
  if (!(model instanceof Network)) fail(argument, 'an rnnkit model (RecurrentNetwork, ElmanRNN or FeedForwardNetwork)', model);
}

export function range(n: number, start = 0): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = start + i;
  return out;
}
