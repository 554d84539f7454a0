import { checkInteger, checkKeys, fail, RnnkitError } from '../errors.js';
import type { Floats } from 'rnnkit';
// A type-only import: data depends on train for this signature alone, never at run time.
import type { OnlineLearner } from '../train/online.js';

/** One step of a stream: x_t ([streams][p]) and, when known, its target ([streams][o] or class indices). */
export interface StreamStep {
  /** x_t, [streams][p]: the step's input for every stream. */
  x: ArrayLike<number>;
  /** The step's target, [streams][o] values or [streams] class indices (a number for one stream); absent: predict only. */
  target?: ArrayLike<number> | number;
}

/** What learnFromStream's onStep callback receives after each step. */
export interface StreamStepInfo {
  /** Steps consumed by this call so far (1-based). */
  step: number;
  /** This step's loss; 0 for a step without a target. */
  loss: number;
  /** y_t, [streams][o] (the learner's view, valid until the next step). */
  output: Floats;
  /** Whether the step had a target (learned) or not (predicted only). */
  learned: boolean;
}

/** The options of learnFromStream. */
export interface LearnFromStreamOptions {
  /** Stops between steps, also while waiting for the next step of an async stream. Default: none. */
  signal?: AbortSignal;
  /** Called after every step with its loss and output. Default: none. */
  onStep?: (info: StreamStepInfo) => void;
  /** Consume at most this many steps, an integer ≥ 1 (the stream is not asked for more). Default: no limit. */
  limit?: number;
}

/** What learnFromStream resolves to. */
export interface LearnFromStreamResult {
  /** Steps consumed by this call. */
  steps: number;
  /** Of those, the steps with a target. */
  learned: number;
  /** Mean loss over the learned steps; NaN when none had a target. */
  meanLoss: number;
  /** Whether `signal` ended the call (else the stream ended or `limit` was reached). */
  aborted: boolean;
}

/** Hand the event loop a turn this often, so timers, I/O and abort handlers run during a long stream. */
const YIELD_EVERY_MS = 20;

/**
 * Feeds a stream to an online learner, step by step: a step with a target
 * goes to learner.learn, one without to learner.predict (the state advances,
 * nothing is learned). The learner continues from its current state; call
 * learner.reset() first to start a new stream.
 *
 * Ends when the stream ends, after `limit` steps, or when `signal` aborts
 * (then `aborted` is true). Early ends close the stream's iterator (its
 * `return()`), as a for-of loop would.
 */
export async function learnFromStream(
  learner: OnlineLearner,
  steps: Iterable<StreamStep> | AsyncIterable<StreamStep>,
  options: LearnFromStreamOptions = {},
): Promise<LearnFromStreamResult> {
  const l = learner as Partial<OnlineLearner> | null;
  if (l === null || typeof l !== 'object' || typeof l.learn !== 'function' || typeof l.predict !== 'function') {
    fail('learner', 'an OnlineLearner', learner);
  }
  checkKeys('learnFromStream options', options, ['signal', 'onStep', 'limit']);
  const { signal, onStep } = options;
  if (signal !== undefined && !isAbortSignal(signal)) fail('signal', 'an AbortSignal', signal);
  if (onStep !== undefined && typeof onStep !== 'function') fail('onStep', 'a function', onStep);
  const limit = options.limit === undefined ? Infinity : checkInteger('limit', options.limit, 1);
  const iterator = openIterator(steps);

  let count = 0, learned = 0, lossSum = 0, aborted = false, finished = false;
  let lastYield = Date.now();
  try {
    while (count < limit) {
      if (signal?.aborted) { aborted = true; break; }
      const pending = iterator.next();
      const next = isPromise(pending) ? await untilAborted(pending, signal) : pending;
      if (next === ABORTED) { aborted = true; break; }
      if (next.done) { finished = true; break; }
      const index = count;
      const step = checkStep(next.value, index);
      let output: Floats, loss = 0;
      try {
        if (step.target === undefined) output = learner.predict(step.x);
        else ({ output, loss } = learner.learn(step.x, step.target));
      } catch (error) {
        // Say which step of the stream was bad ("steps[12]: x: expected …").
        if (error instanceof RnnkitError) throw new RnnkitError(`steps[${index}]: ${error.message}`, { cause: error });
        throw error;
      }
      count++;
      if (step.target !== undefined) { learned++; lossSum += loss; }
      onStep?.({ step: count, loss, output, learned: step.target !== undefined });
      if (Date.now() - lastYield >= YIELD_EVERY_MS) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        lastYield = Date.now();
      }
    }
  } finally {
    if (!finished) await closeIterator(iterator, aborted);
  }
  return { steps: count, learned, meanLoss: learned > 0 ? lossSum / learned : NaN, aborted };
}

type AnyIterator = Iterator<StreamStep> | AsyncIterator<StreamStep>;

function openIterator(steps: unknown): AnyIterator {
  const s = steps as Partial<AsyncIterable<StreamStep> & Iterable<StreamStep>> | null | undefined;
  if (s !== null && s !== undefined && typeof s[Symbol.asyncIterator] === 'function') return s[Symbol.asyncIterator]!();
  if (s !== null && s !== undefined && typeof s[Symbol.iterator] === 'function') return s[Symbol.iterator]!();
  return fail('steps', 'an iterable or async iterable of { x, target? } steps', steps);
}

/**
 * Ends the stream early. After an abort an async iterator may still be busy
 * with the next() we stopped waiting for, and its return() would wait for
 * that; it is not awaited then.
 */
function closeIterator(iterator: AnyIterator, aborted: boolean): void | Promise<void> {
  let closing: unknown;
  try {
    closing = iterator.return?.();
  } catch {
    return; // a failing return() must not hide why we stopped
  }
  if (isPromise(closing)) {
    const settled = closing.then(() => undefined, () => undefined);
    if (!aborted) return settled;
  }
}

function checkStep(value: unknown, index: number): StreamStep {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(`steps[${index}]`, 'a step { x, target? }', value);
  checkKeys(`steps[${index}]`, value, ['x', 'target']);
  return value as StreamStep;
}

const ABORTED: unique symbol = Symbol('aborted');

/** The promise's value, or ABORTED as soon as the signal aborts, whichever comes first. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T | typeof ABORTED> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.resolve(ABORTED);
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(ABORTED);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => { signal.removeEventListener('abort', onAbort); resolve(value); },
      (error) => { signal.removeEventListener('abort', onAbort); reject(error); },
    );
  });
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

function isAbortSignal(value: unknown): value is AbortSignal {
  const v = value as Partial<AbortSignal> | null;
  return v !== null && typeof v === 'object' && typeof v.aborted === 'boolean' && typeof v.addEventListener === 'function';
}
