/** Marks rnnkit's errors whichever copy of this file threw them (rnnkit/analysis bundles its own). */
const RNNKIT_ERROR = Symbol.for('rnnkit.error');

/** Every error rnnkit throws on purpose is an RnnkitError naming the argument at fault. */
export class RnnkitError extends Error {
  /** 'RnnkitError' (a subclass's own name for its errors, e.g. 'DivergenceError'). */
  override name = 'RnnkitError';
  /** @internal */
  declare readonly [RNNKIT_ERROR]: true;

  /** `e instanceof RnnkitError` holds for an error thrown by any rnnkit entry (subclasses check as usual). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== RnnkitError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as { [RNNKIT_ERROR]?: unknown })[RNNKIT_ERROR] === true;
  }
}
Object.defineProperty(RnnkitError.prototype, RNNKIT_ERROR, { value: true });

/** Training stopped because the loss or a gradient stopped being finite. */
export class DivergenceError extends RnnkitError {
  /** The error's name: always 'DivergenceError'. */
  override name = 'DivergenceError';
  constructor(
    message: string,
    /** The step that produced the non-finite value: train()'s optimizer step (1-based, over the whole run), or an OnlineLearner's. */
    readonly step: number,
    /** That step's epoch (1-based, over the whole run); 0 from an OnlineLearner. */
    readonly epoch: number,
    /** That step's loss: non-finite when the loss itself diverged; NaN from an OnlineLearner. */
    readonly loss: number,
  ) {
    super(message);
  }
}

/** Training was stopped by its AbortSignal. */
export class AbortError extends RnnkitError {
  override name = 'AbortError';
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of length ${(value as unknown as ArrayLike<number>).length}`;
  if (typeof value === 'string') return `"${value.length > 40 ? value.slice(0, 40) + '…' : value}"`;
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'bigint') return `the BigInt ${value}n`;
  if (typeof value === 'function') return 'a function';
  return String(value);
}

/** Throws "<argument>: expected <expected>, got <what it got>". */
export function fail(argument: string, expected: string, got?: unknown): never {
  const tail = arguments.length >= 3 ? `, got ${describe(got)}` : '';
  throw new RnnkitError(`${argument}: expected ${expected}${tail}`);
}

export function checkInteger(argument: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(argument, max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer in [${min}, ${max}]`, value);
  }
  return value;
}

export function checkNumber(argument: string, value: unknown, min = -Infinity, max = Infinity): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    const range = min === -Infinity && max === Infinity ? 'a finite number' : `a finite number in [${min}, ${max}]`;
    fail(argument, range, value);
  }
  return value;
}

export function checkOneOf<T extends string>(argument: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    fail(argument, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value);
  }
  return value as T;
}

/** Rejects option keys the function does not know (a typo must not be silently ignored). */
export function checkKeys(argument: string, options: object | undefined, allowed: readonly string[]): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) fail(argument, 'an options object', options);
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new RnnkitError(`${argument}: unknown option '${key}' (known options: ${allowed.join(', ')})`);
    }
  }
}

/** The largest finite float32: beyond it a value stored in a Float32Array becomes ±Infinity. */
export const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * Finds the first entry that is not a finite number in `dtype` (where it will
 * be stored: 1e39 is finite in float64 and Infinity in float32), for
 * messages that say where the bad value is. Strings, booleans and null are
 * not numbers.
 */
export function checkFinite(argument: string, values: ArrayLike<unknown>, dtype: 'float32' | 'float64' = 'float64'): void {
  const limit = dtype === 'float32' ? FLOAT32_MAX : Number.MAX_VALUE;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !(Math.abs(v) <= limit)) {
      const what = dtype === 'float32' ? 'numbers finite in float32 (|x| ≤ 3.4e38)' : 'finite numbers';
      throw new RnnkitError(`${argument}: expected ${what}, got ${describe(v)} at index ${i}`);
    }
  }
}

/** A seed: an integer in [0, 2³² − 1] (1.5 or 2³² + 1 would silently act as another seed). */
export function checkSeed(argument: string, value: unknown): number {
  return checkInteger(argument, value, 0, 0xffffffff);
}
