/** Every error rnnkit throws on purpose is an RnnkitError naming the argument at fault. */
export class RnnkitError extends Error {
  override name = 'RnnkitError';
}

/** Training stopped because the loss or a gradient stopped being finite. */
export class DivergenceError extends RnnkitError {
  override name = 'DivergenceError';
  constructor(
    message: string,
    /** The optimizer step (1-based, counted over the whole run) that produced the non-finite value. */
    readonly step: number,
    readonly epoch: number,
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

/** Finds the first non-finite entry, for messages that say where the NaN is. */
export function checkFinite(argument: string, values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new RnnkitError(`${argument}: expected finite numbers, got ${values[i]} at index ${i}`);
    }
  }
}
