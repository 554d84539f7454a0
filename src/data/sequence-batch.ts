import { checkInteger, checkKeys, checkOneOf, fail, RnnkitError } from '../errors.js';
import { checkLength, isArrayLike, toFloats, vectorLength, type Floats } from './arrays.js';

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
  readonly size: number;
  readonly steps: number;
  readonly inputSize: number;
  readonly inputs: Floats;
  readonly targets: Floats | undefined;
  readonly targetSize: number | undefined;
  readonly classes: Int32Array | undefined;
  readonly mask: Float32Array;
  readonly lengths: Int32Array;
  /** Per-sequence initial state φ_0, [B][r]; when absent the model's own (zeros or learned h0). */
  readonly initialState: Floats | undefined;
  readonly task: Task;
}

export interface SequenceBatchOptions {
  /** B: number of sequences. */
  size: number;
  /** T: steps per sequence (the longest, for ragged data). */
  steps: number;
  /** p: input vector size. */
  inputSize: number;
  /** [B][T][p] */
  inputs: ArrayLike<number>;
  /** [B][T][o], or [B][o] for many-to-one (placed at each sequence's last valid step). */
  targets?: ArrayLike<number>;
  /** o, required with `targets`. */
  targetSize?: number;
  /** Class indices [B][T], or [B] for many-to-one. */
  classes?: ArrayLike<number>;
  /** 0/1 per step, [B][T]. */
  mask?: ArrayLike<number>;
  /** Valid steps per sequence, [B], each in [1, T]. */
  lengths?: ArrayLike<number>;
  /** Which steps carry a loss when no mask is given (default 'many-to-many'). */
  task?: Task;
  /** φ_0 per sequence, [B][stateSize]. */
  initialState?: ArrayLike<number>;
  stateSize?: number;
}

const FLAT_KEYS = ['size', 'steps', 'inputSize', 'inputs', 'targets', 'targetSize', 'classes', 'mask', 'lengths', 'task', 'initialState', 'stateSize'];

/** A batch from flat row-major arrays (copied). */
export function createSequenceBatch(options: SequenceBatchOptions): SequenceBatch {
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
      targets = new Float32Array(full);
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

export interface NestedBatchOptions {
  /** many-to-many / many-to-one: [B][T_b][p] (ragged allowed); one-to-many: [B][p], one vector per sequence. */
  inputs?: ArrayLike<ArrayLike<number>> | ArrayLike<ArrayLike<ArrayLike<number>>>;
  /** Instead of inputs, for a model with an embedding: token ids [B][T_b] (ragged allowed), non-negative integers. */
  tokens?: ArrayLike<ArrayLike<number>>;
  /**
   * many-to-many / one-to-many: [B][T_b][o] vectors or [B][T_b] class indices;
   * many-to-one: [B][o] vectors or [B] class indices.
   */
  targets?: ArrayLike<number | ArrayLike<number>> | ArrayLike<ArrayLike<ArrayLike<number>>>;
  task?: Task;
  /** [B][T] 0/1, to switch steps off. */
  mask?: ArrayLike<ArrayLike<number>>;
  /** [B][r] */
  initialState?: ArrayLike<ArrayLike<number>>;
}

/**
 * A batch from nested arrays. Ragged sequences are padded with zeros to the
 * longest, and their lengths recorded so padding never counts in the loss.
 */
export function sequenceBatch(options: NestedBatchOptions): SequenceBatch {
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
  let flatInputs: Float32Array;
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
    flatInputs = new Float32Array(size * steps * inputSize);
    for (let b = 0; b < size; b++) {
      checkLength(`inputs[${b}]`, vectors[b], inputSize, `p = ${inputSize}`);
      for (let j = 0; j < inputSize; j++) flatInputs[b * steps * inputSize + j] = vectors[b]![j]!;
    }
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
    flatInputs = new Float32Array(size * steps * inputSize);
    for (let b = 0; b < size; b++) {
      for (let t = 0; t < lengths[b]!; t++) {
        const v = sequences[b]![t];
        checkLength(`inputs[${b}][${t}]`, v, inputSize, `p = ${inputSize}`);
        for (let j = 0; j < inputSize; j++) flatInputs[(b * steps + t) * inputSize + j] = v![j]!;
      }
    }
  }

  const flat: SequenceBatchOptions = { size, steps, inputSize, inputs: flatInputs, lengths, task };
  if (options.targets !== undefined) Object.assign(flat, flattenTargets(options.targets, task, size, steps, lengths));
  if (options.mask !== undefined) {
    checkLength('mask', options.mask, size, `B = ${size} rows`);
    const mask = new Float32Array(size * steps);
    for (let b = 0; b < size; b++) {
      checkLength(`mask[${b}]`, options.mask[b], steps, `T = ${steps}`);
      for (let t = 0; t < steps; t++) mask[b * steps + t] = options.mask[b]![t]!;
    }
    flat.mask = mask;
  }
  if (options.initialState !== undefined) {
    checkLength('initialState', options.initialState, size, `B = ${size} rows`);
    const stateSize = vectorLength('initialState[0]', options.initialState[0]);
    const state = new Float32Array(size * stateSize);
    for (let b = 0; b < size; b++) {
      checkLength(`initialState[${b}]`, options.initialState[b], stateSize, `r = ${stateSize}`);
      state.set(Array.from(options.initialState[b]!), b * stateSize);
    }
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
    const flat = new Float32Array(size * o);
    for (let b = 0; b < size; b++) {
      checkLength(`targets[${b}]`, raw[b] as ArrayLike<number>, o, `o = ${o}`);
      flat.set(Array.from(raw[b] as ArrayLike<number>), b * o);
    }
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
  const flat = new Float32Array(size * steps * o);
  for (let b = 0; b < size; b++) {
    for (let t = 0; t < lengths[b]!; t++) {
      const v = sequences[b]![t] as ArrayLike<number>;
      checkLength(`targets[${b}][${t}]`, v, o, `o = ${o}`);
      for (let k = 0; k < o; k++) flat[(b * steps + t) * o + k] = v[k]!;
    }
  }
  return { targets: flat, targetSize: o };
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

function checkClass(argument: string, c: unknown): number {
  return checkInteger(argument, c, 0);
}

