import { checkInteger, checkKeys, checkNumber, fail, checkSeed } from '../errors.js';
import { Random } from '../model/random.js';
import { selectSequences, type SequenceBatch } from './sequence-batch.js';

/** The options of splitSequences. */
export interface SplitOptions {
  /** The fraction of sequences held out, in (0, 1); rounded to whole sequences, at least one on each side. */
  validation: number;
  /** Seed of the shuffle, an integer in [0, 2³² − 1]. Default 1. */
  seed?: number;
  /** Whether the held-out sequences are chosen at random; false holds out the last ones (for data ordered in time). Default true. */
  shuffle?: boolean;
}

/** The options of miniBatches. */
export interface MiniBatchOptions {
  /** Sequences per mini-batch, an integer ≥ 1; the last mini-batch may be smaller. */
  batchSize: number;
  /** Whether the order is a seeded permutation (each sequence once); false keeps the batch's order. Default true. */
  shuffle?: boolean;
  /** Seed of the permutation, an integer in [0, 2³² − 1]; use a new seed each epoch for a new order. Default 1. */
  seed?: number;
}

/**
 * Splits a batch into training and validation sequences, each side at least
 * one sequence. Both keep the batch's original order within themselves.
 */
export function splitSequences(batch: SequenceBatch, options: SplitOptions): {
  /** The sequences kept for training, in the batch's order. */
  train: SequenceBatch;
  /** The held-out sequences, in the batch's order. */
  validation: SequenceBatch;
} {
  checkBatch(batch);
  if (options === undefined || options === null) fail('splitSequences options', 'an options object { validation, seed?, shuffle? }', options);
  checkKeys('splitSequences options', options, ['validation', 'seed', 'shuffle']);
  const fraction = checkNumber('validation', options.validation, 0, 1);
  if (fraction === 0 || fraction === 1) fail('validation', 'a fraction in (0, 1)', fraction);
  const shuffle = checkBoolean('shuffle', options.shuffle ?? true);
  const seed = checkSeed('seed', options.seed ?? 1);

  const n = batch.size;
  const held = Math.round(n * fraction);
  if (held < 1 || held >= n) {
    fail('validation', `a fraction leaving at least one sequence on each side (the batch has ${n}; ${fraction}·${n} rounds to ${held})`, fraction);
  }
  const order = identity(n);
  if (shuffle) new Random(seed).shuffle(order);
  const ascending = (a: number, b: number) => a - b;
  return {
    train: selectSequences(batch, order.slice(0, n - held).sort(ascending)),
    validation: selectSequences(batch, order.slice(n - held).sort(ascending)),
  };
}

/**
 * The batch in mini-batches of `batchSize` sequences: every sequence exactly
 * once, in a seeded random order (or in order with shuffle: false). Options
 * are checked when called, not when iteration starts.
 */
export function miniBatches(batch: SequenceBatch, options: MiniBatchOptions): Generator<SequenceBatch> {
  checkBatch(batch);
  if (options === undefined || options === null) fail('miniBatches options', 'an options object { batchSize, shuffle?, seed? }', options);
  checkKeys('miniBatches options', options, ['batchSize', 'shuffle', 'seed']);
  const batchSize = checkInteger('batchSize', options.batchSize, 1);
  const shuffle = checkBoolean('shuffle', options.shuffle ?? true);
  const seed = checkSeed('seed', options.seed ?? 1);
  const order = identity(batch.size);
  if (shuffle) new Random(seed).shuffle(order);
  return slices(batch, order, batchSize);
}

function* slices(batch: SequenceBatch, order: Int32Array, batchSize: number): Generator<SequenceBatch> {
  for (let first = 0; first < order.length; first += batchSize) {
    yield selectSequences(batch, order.subarray(first, first + batchSize));
  }
}

function identity(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}

function checkBoolean(argument: string, value: unknown): boolean {
  if (typeof value !== 'boolean') fail(argument, 'a boolean', value);
  return value;
}

function checkBatch(batch: unknown): asserts batch is SequenceBatch {
  const b = batch as Partial<SequenceBatch> | null | undefined;
  if (b === null || typeof b !== 'object' || typeof b.size !== 'number' || !(b.lengths instanceof Int32Array) || !(b.mask instanceof Float32Array)) {
    fail('batch', 'a SequenceBatch (from sequenceBatch, createSequenceBatch or a dataset builder)', batch);
  }
}
