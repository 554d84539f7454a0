import { checkFinite, checkInteger, checkKeys, checkOneOf, fail, RnnkitError } from '../errors.js';
import { checkedNumber, checkLength, isArrayLike, toFloats, vectorLength, type Floats } from './arrays.js';

/**
 * Which steps carry a target: every step (many-to-many), the last valid step
 * of each sequence (many-to-one), or every step after one input vector (one-to-many).
 */
export type Task = 'many-to-many' | 'many-to-one' | 'one-to-many';
export const TASKS: readonly Task[] = ['many-to-many', 'many-to-one', 'one-to-many'];

/**
 * B sequences of T steps (note 001 eq. 1.30), row-major:
 *   inputs  [B][T][p]
 *   targets [B][T][o]  — or classes [B][T] (class indices, for cross-entropy)
 *   mask    [B][T]     — 1 where a step's loss counts (eq. 1.31), 0 elsewhere
 *   lengths [B]        — valid steps per sequence (ragged sequences are padded)
 */
export interface SequenceBatch {
  /** B: the number of sequences. */
  readonly size: number;
  /** T: steps per sequence (the longest; shorter sequences are padded with zeros). */
  readonly steps: number;
  /** p: values per input step (1 for token ids). */
  readonly inputSize: number;
  /** The inputs, [B][T][p] row-major: float64 unless given as a Float32Array. */
  readonly inputs: Floats;
  /** Target vectors, [B][T][o] row-major; undefined with class targets or no targets. */
  readonly targets: Floats | undefined;
  /** o: values per target vector; undefined without target vectors. */
  readonly targetSize: number | undefined;
  /** Target class indices, [B][T]; undefined with target vectors or no targets. */
  readonly classes: Int32Array | undefined;
  /** [B][T]: 1 where a step's loss counts, 0 elsewhere (padding, masked steps, the task's unlabelled steps). */
  readonly mask: Float32Array;
  /** [B]: valid steps of each sequence, each in [1, T]. */
  readonly lengths: Int32Array;
  /** Per-sequence initial state φ_0, [B][stateSize]; when absent the model's own (zeros or learned h0). */
  readonly initialState: Floats | undefined;
  /** Which steps carry a target: 'many-to-many', 'many-to-one' or 'one-to-many'. */
  readonly task: Task;
}

/** The options of createSequenceBatch: the batch as flat row-major arrays (copied and checked). */
export interface SequenceBatchOptions {
  /** B: the number of sequences, an integer ≥ 1. */
  size: number;
  /** T: steps per sequence (the longest, for ragged data), an integer ≥ 1. */
  steps: number;
  /** p: values per input step, an integer ≥ 1. */
  inputSize: number;
  /** The inputs, [B][T][p] row-major: B·T·p numbers finite in float32. */
  inputs: ArrayLike<number>;
  /**
   * Target vectors, [B][T][o] row-major, or [B][o] for many-to-one (placed at each sequence's
   * last valid step). Give targets or classes, not both. Default: none (a batch to predict on).
   */
  targets?: ArrayLike<number>;
  /** o: values per target vector, an integer ≥ 1; required with `targets` and only with them. Default: none. */
  targetSize?: number;
  /** Target class indices (integers ≥ 0), [B][T], or [B] for many-to-one. Default: none. */
  classes?: ArrayLike<number>;
  /**
   * 0 or 1 per step, [B][T]: 0 switches a step's loss off (it can only switch off: padding past
   * `lengths` stays off). Default: from `task` and `lengths`.
   */
  mask?: ArrayLike<number>;
  /** Valid steps of each sequence, [B], each an integer in [1, T]. Default: T for every sequence. */
  lengths?: ArrayLike<number>;
  /** Which steps carry a loss when no mask is given. Default 'many-to-many'. */
  task?: Task;
  /** φ_0 per sequence, [B][stateSize] row-major, with `stateSize`. Default: none (the model's own initial state). */
  initialState?: ArrayLike<number>;
  /** Values per sequence in `initialState` (the model's stateSize), an integer ≥ 1; required with it. Default: none. */
  stateSize?: number;
}

const FLAT_KEYS = ['size', 'steps', 'inputSize', 'inputs', 'targets', 'targetSize', 'classes', 'mask', 'lengths', 'task', 'initialState', 'stateSize'];

/** A batch from flat row-major arrays (copied). */
export function createSequenceBatch(options: SequenceBatchOptions): SequenceBatch {
  if (options === null || typeof options !== 'object') fail('createSequenceBatch options', 'an object with size, steps, inputSize and inputs', options);
  checkKeys('createSequenceBatch options', options, FLAT_KEYS);
  const size = checkInteger('size', options.size, 1);
  const steps = checkInteger('steps', options.steps, 1);
  const inputSize = checkInteger('inputSize', options.inputSize, 1);
  const task = checkOneOf('task', options.task ?? 'many-to-many', TASKS);

  const inputs = toFloats('inputs', options.inputs, size * steps * inputSize, `B·T·p = ${size}·${steps}·${inputSize}`);

  const lengths = new Int32Array(size).fill(steps);
  if (options.lengths !== undefined) {
    checkLength('lengths', options.lengths, size, `B = ${size}`);
    for (let b = 0; b < size; b++) lengths[b] = checkInteger(`lengths[${b}]`, options.lengths[b], 1, steps);
  }

  const mask = new Float32Array(size * steps);
  for (let b = 0; b < size; b++) {
    const last = lengths[b]! - 1;
    for (let t = 0; t <= last; t++) mask[b * steps + t] = task === 'many-to-one' ? (t === last ? 1 : 0) : 1;
  }
  if (options.mask !== undefined) {
    checkLength('mask', options.mask, size * steps, `B·T = ${size}·${steps}`);
    for (let i = 0; i < mask.length; i++) {
      const m = options.mask[i];
      if (m !== 0 && m !== 1) fail(`mask[${i}]`, '0 or 1', m);
      // An explicit mask can only switch steps off; padding beyond a length stays off.
      if (options.lengths !== undefined) mask[i]! *= m;
      else mask[i] = m;
    }
  }

  let targets: Floats | undefined;
  let targetSize: number | undefined;
  let classes: Int32Array | undefined;
  if (options.targets !== undefined && options.classes !== undefined) {
    throw new RnnkitError('targets, classes: expected one of them, got both');
  }
  if (options.targets !== undefined) {
    targetSize = checkInteger('targetSize', options.targetSize, 1);
    const full = size * steps * targetSize;
    if (task === 'many-to-one' && options.targets.length === size * targetSize) {
      const perSequence = toFloats('targets', options.targets, size * targetSize, `B·o = ${size}·${targetSize}`);
      targets = perSequence instanceof Float32Array ? new Float32Array(full) : new Float64Array(full);
      for (let b = 0; b < size; b++) {
        targets.set(perSequence.subarray(b * targetSize, (b + 1) * targetSize), (b * steps + lengths[b]! - 1) * targetSize);
      }
    } else {
      const expected = task === 'many-to-one' ? `B·T·o = ${full} or B·o = ${size * targetSize}` : `B·T·o = ${size}·${steps}·${targetSize}`;
      targets = toFloats('targets', options.targets, full, expected);
    }
  } else if (options.targetSize !== undefined) {
    fail('targetSize', 'to be given only with targets', options.targetSize);
  }
  if (options.classes !== undefined) {
    classes = new Int32Array(size * steps);
    if (task === 'many-to-one' && options.classes.length === size) {
      for (let b = 0; b < size; b++) classes[b * steps + lengths[b]! - 1] = checkClass(`classes[${b}]`, options.classes[b]);
    } else {
      checkLength('classes', options.classes, size * steps, task === 'many-to-one' ? `B·T = ${size * steps} or B = ${size}` : `B·T = ${size}·${steps}`);
      for (let i = 0; i < classes.length; i++) classes[i] = checkClass(`classes[${i}]`, options.classes[i]);
    }
  }

  let initialState: Floats | undefined;
  if (options.initialState !== undefined) {
    const stateSize = checkInteger('stateSize', options.stateSize, 1);
    initialState = toFloats('initialState', options.initialState, size * stateSize, `B·r = ${size}·${stateSize}`);
  }

  return { size, steps, inputSize, inputs, targets, targetSize, classes, mask, lengths, initialState, task };
}

/** The options of sequenceBatch: sequences as nested arrays (copied and checked). */
export interface NestedBatchOptions {
  /**
   * The input vectors: many-to-many and many-to-one [B][T_b][p] (ragged allowed); one-to-many [B][p],
   * one vector per sequence, fed at its first step. Give inputs or tokens. Default: none.
   */
  inputs?: ArrayLike<ArrayLike<number>> | ArrayLike<ArrayLike<ArrayLike<number>>>;
  /** Instead of inputs, for a model with an embedding: token ids [B][T_b] (ragged allowed), integers ≥ 0. Default: none. */
  tokens?: ArrayLike<ArrayLike<number>>;
  /**
   * many-to-many / one-to-many: [B][T_b][o] vectors or [B][T_b] class indices;
   * many-to-one: [B][o] vectors or [B] class indices. Default: none (a batch to predict on).
   */
  targets?: ArrayLike<number | ArrayLike<number>> | ArrayLike<ArrayLike<ArrayLike<number>>>;
  /** Which steps carry a target: 'many-to-many', 'many-to-one' or 'one-to-many'. Default 'many-to-many'. */
  task?: Task;
  /** [B][T] of 0 or 1, T the longest sequence: 0 switches a step's loss off. Default: every valid step of the task counts. */
  mask?: ArrayLike<ArrayLike<number>>;
  /** φ_0 per sequence, [B][stateSize] (r for one Elman layer). Default: none (the model's own initial state). */
  initialState?: ArrayLike<ArrayLike<number>>;
}

/**
 * A batch from nested arrays. Ragged sequences are padded with zeros to the
 * longest, and their lengths recorded so padding never counts in the loss.
 */
export function sequenceBatch(options: NestedBatchOptions): SequenceBatch {
  if (options === null || typeof options !== 'object') fail('sequenceBatch options', 'an object with inputs (or tokens) and targets', options);
  checkKeys('sequenceBatch options', options, ['inputs', 'tokens', 'targets', 'task', 'mask', 'initialState']);
  const task = checkOneOf('task', options.task ?? 'many-to-many', TASKS);
  if (options.tokens !== undefined) {
    if (options.inputs !== undefined) throw new RnnkitError('inputs, tokens: expected one of them, got both');
    if (task === 'one-to-many') fail('task', "'many-to-many' or 'many-to-one' with tokens (a one-to-many task takes one input vector)", task);
  }
  const rawInputs = options.tokens !== undefined ? tokenSequences(options.tokens) : options.inputs;
  if (!isArrayLike(rawInputs) || rawInputs.length === 0) fail('inputs', 'a non-empty array of sequences', rawInputs);
  const size = rawInputs.length;

  let steps: number;
  let inputSize: number;
  let lengths: Int32Array;
  let flatInputs: Float64Array;
  if (task === 'one-to-many') {
    // One input vector per sequence, fed at the first step; later steps get zeros.
    const vectors = rawInputs as ArrayLike<ArrayLike<number>>;
    inputSize = vectorLength('inputs[0]', vectors[0]);
    const targets = options.targets as ArrayLike<ArrayLike<unknown>> | undefined;
    if (targets === undefined || !isArrayLike(targets)) fail('targets', 'per-sequence target sequences for a one-to-many task', targets);
    checkLength('targets', targets, size, `one target sequence per input (B = ${size})`);
    lengths = new Int32Array(size);
    for (let b = 0; b < size; b++) {
      if (!isArrayLike(targets[b]) || targets[b]!.length === 0) fail(`targets[${b}]`, 'a non-empty sequence', targets[b]);
      lengths[b] = targets[b]!.length;
    }
    steps = Math.max(...lengths);
    flatInputs = new Float64Array(size * steps * inputSize);
    for (let b = 0; b < size; b++) putVector(flatInputs, b * steps * inputSize, vectors[b], inputSize, `inputs[${b}]`, 'p');
  } else {
    const sequences = rawInputs as ArrayLike<ArrayLike<ArrayLike<number>>>;
    lengths = new Int32Array(size);
    for (let b = 0; b < size; b++) {
      const s = sequences[b];
      if (!isArrayLike(s) || s.length === 0) fail(`inputs[${b}]`, 'a non-empty sequence of input vectors', s);
      lengths[b] = s.length;
    }
    steps = Math.max(...lengths);
    inputSize = vectorLength('inputs[0][0]', sequences[0]![0]);
    flatInputs = new Float64Array(size * steps * inputSize);
    for (let b = 0; b < size; b++) {
      for (let t = 0; t < lengths[b]!; t++) putVector(flatInputs, (b * steps + t) * inputSize, sequences[b]![t], inputSize, `inputs[${b}][${t}]`, 'p');
    }
  }

  const flat: SequenceBatchOptions = { size, steps, inputSize, inputs: flatInputs, lengths, task };
  if (options.targets !== undefined) Object.assign(flat, flattenTargets(options.targets, task, size, steps, lengths));
  if (options.mask !== undefined) {
    checkLength('mask', options.mask, size, `B = ${size} rows`);
    const mask = new Float32Array(size * steps);
    for (let b = 0; b < size; b++) {
      checkLength(`mask[${b}]`, options.mask[b], steps, `T = ${steps}`);
      for (let t = 0; t < steps; t++) {
        const m = options.mask[b]![t];
        if (m !== 0 && m !== 1) fail(`mask[${b}][${t}]`, 'the number 0 or 1', m);
        mask[b * steps + t] = m;
      }
    }
    flat.mask = mask;
  }
  if (options.initialState !== undefined) {
    checkLength('initialState', options.initialState, size, `B = ${size} rows`);
    const stateSize = vectorLength('initialState[0]', options.initialState[0]);
    const state = new Float64Array(size * stateSize);
    for (let b = 0; b < size; b++) putVector(state, b * stateSize, options.initialState[b], stateSize, `initialState[${b}]`, 'r');
    flat.initialState = state;
    flat.stateSize = stateSize;
  }
  return createSequenceBatch(flat);
}

/** Token ids as sequences of one-value inputs ([B][T][1]), each id checked to be an integer ≥ 0. */
function tokenSequences(tokens: ArrayLike<ArrayLike<number>>): number[][][] {
  if (!isArrayLike(tokens) || tokens.length === 0) fail('tokens', 'a non-empty array of token-id sequences', tokens);
  return Array.from({ length: tokens.length }, (_, b) => {
    const s = tokens[b];
    if (!isArrayLike(s) || s.length === 0) fail(`tokens[${b}]`, 'a non-empty sequence of token ids', s);
    return Array.from({ length: s.length }, (_, t) => [checkInteger(`tokens[${b}][${t}]`, s[t], 0)]);
  });
}

function flattenTargets(
  raw: NonNullable<NestedBatchOptions['targets']>, task: Task, size: number, steps: number, lengths: Int32Array,
): Partial<SequenceBatchOptions> {
  if (!isArrayLike(raw)) fail('targets', 'an array', raw);
  checkLength('targets', raw, size, `one entry per sequence (B = ${size})`);
  if (task === 'many-to-one') {
    // One target per sequence: a class index or a vector.
    if (typeof raw[0] === 'number') return { classes: Array.from(raw as ArrayLike<number>) };
    const o = vectorLength('targets[0]', raw[0]);
    const flat = new Float64Array(size * o);
    for (let b = 0; b < size; b++) putVector(flat, b * o, raw[b], o, `targets[${b}]`, 'o');
    return { targets: flat, targetSize: o };
  }
  const sequences = raw as ArrayLike<ArrayLike<number | ArrayLike<number>>>;
  for (let b = 0; b < size; b++) checkLength(`targets[${b}]`, sequences[b], lengths[b]!, `one target per step (${lengths[b]})`);
  if (typeof sequences[0]![0] === 'number') {
    const classes = new Int32Array(size * steps);
    for (let b = 0; b < size; b++) {
      for (let t = 0; t < lengths[b]!; t++) classes[b * steps + t] = checkClass(`targets[${b}][${t}]`, sequences[b]![t]);
    }
    return { classes };
  }
  const o = vectorLength('targets[0][0]', sequences[0]![0]);
  const flat = new Float64Array(size * steps * o);
  for (let b = 0; b < size; b++) {
    for (let t = 0; t < lengths[b]!; t++) putVector(flat, (b * steps + t) * o, sequences[b]![t], o, `targets[${b}][${t}]`, 'o');
  }
  return { targets: flat, targetSize: o };
}

/**
 * What the kernels will read, checked at use: sizes that agree with the
 * arrays, lengths in [1, T], a 0/1 mask, class indices ≥ 0 and values finite
 * in float32. A batch is plain data that can be changed after it was built
 * (`batch.inputs[0] = NaN`, `{ ...batch, size: 50 }`); this is where that is
 * caught, in one pass over the batch (train() checks once per call).
 */
export function checkSequenceBatch(batch: SequenceBatch): void {
  if (!ArrayBuffer.isView(batch?.inputs)) fail('batch', 'a SequenceBatch (from sequenceBatch() or createSequenceBatch())', batch);
  const B = checkInteger('batch.size', batch.size, 1), T = checkInteger('batch.steps', batch.steps, 1);
  const p = checkInteger('batch.inputSize', batch.inputSize, 1);
  const typed = (name: string, a: unknown, kind: string, length: number) => {
    if (!(kind.includes((a as object)?.constructor?.name) && ArrayBuffer.isView(a)) || (a as unknown as ArrayLike<number>).length !== length) {
      fail(`batch.${name}`, `a ${kind} of ${length} values (the batch's sizes)`, a);
    }
  };
  const floats = 'Float32Array or Float64Array';
  typed('inputs', batch.inputs, floats, B * T * p);
  typed('mask', batch.mask, 'Float32Array', B * T);
  typed('lengths', batch.lengths, 'Int32Array', B);
  checkFinite('batch.inputs', batch.inputs, 'float32');
  for (let i = 0; i < B * T; i++) if (batch.mask[i] !== 0 && batch.mask[i] !== 1) fail(`batch.mask[${i}]`, '0 or 1', batch.mask[i]);
  for (let b = 0; b < B; b++) checkInteger(`batch.lengths[${b}]`, batch.lengths[b], 1, T);
  if (batch.targets !== undefined) {
    const o = checkInteger('batch.targetSize', batch.targetSize, 1);
    typed('targets', batch.targets, floats, B * T * o);
    checkFinite('batch.targets', batch.targets, 'float32');
  }
  if (batch.classes !== undefined) {
    typed('classes', batch.classes, 'Int32Array', B * T);
    for (let i = 0; i < B * T; i++) if (batch.classes[i]! < 0) fail(`batch.classes[${i}]`, 'a class index ≥ 0', batch.classes[i]);
  }
  if (batch.initialState !== undefined) checkFinite('batch.initialState', batch.initialState, 'float32');
}

/** Copies one vector of `width` numbers (each checked: only numbers are numbers) to out[at..]; `symbol` names the width. */
function putVector(out: Float64Array, at: number, v: unknown, width: number, argument: string, symbol: string): void {
  checkLength(argument, v, width, `${symbol} = ${width}`);
  for (let k = 0; k < width; k++) out[at + k] = checkedNumber(`${argument}[${k}]`, (v as ArrayLike<unknown>)[k]);
}

/** A new batch holding the chosen sequences, in the given order. */
export function selectSequences(batch: SequenceBatch, indices: ArrayLike<number>): SequenceBatch {
  const n = indices.length;
  if (n === 0) fail('indices', 'at least one sequence index');
  const { steps: T, inputSize: p, targetSize: o } = batch;
  const pick = <A extends Floats | Int32Array>(source: A, width: number): A => {
    const out = new (source.constructor as new (n: number) => A)(n * width);
    for (let i = 0; i < n; i++) {
      const b = checkInteger(`indices[${i}]`, indices[i], 0, batch.size - 1);
      out.set(source.subarray(b * width, (b + 1) * width), i * width);
    }
    return out;
  };
  const stateSize = batch.initialState ? batch.initialState.length / batch.size : 0;
  return {
    size: n,
    steps: T,
    inputSize: p,
    inputs: pick(batch.inputs, T * p),
    targets: batch.targets && pick(batch.targets, T * o!),
    targetSize: o,
    classes: batch.classes && pick(batch.classes, T),
    mask: pick(batch.mask, T),
    lengths: pick(batch.lengths, 1),
    initialState: batch.initialState && pick(batch.initialState, stateSize),
    task: batch.task,
  };
}

/** A class index: an integer in [0, 2³¹ − 1], so that it is what an Int32Array stores (2³² + 2 would wrap to 2). */
function checkClass(argument: string, c: unknown): number {
  return checkInteger(argument, c, 0, 0x7fffffff);
}

