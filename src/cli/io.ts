import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Where a command writes: injectable so tests and other programs can capture it. */
export interface IO {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** A wrong flag or value: the command prints it with its usage and exits with code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** util.parseArgs, strict, with its errors turned into UsageErrors that say what to do. */
export function parseFlags<O extends NonNullable<ParseArgsConfig['options']>>(
  args: string[], options: O, allowPositionals = false,
) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals });
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/\. To specify a positional argument.*$/s, '.'));
  }
}

/** A numeric flag: finite, within range, integer if asked. */
export function numberFlag(name: string, value: string | undefined, fallback: number, { min = -Infinity, integer = false } = {}): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
    throw new UsageError(`--${name}: expected ${integer ? 'an integer' : 'a number'}${min > -Infinity ? ` ≥ ${min}` : ''}, got "${value}"`);
  }
  return n;
}

/** A flag with a fixed set of values. */
export function choiceFlag<T extends string>(name: string, value: string | undefined, fallback: T, allowed: readonly T[]): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`--${name}: expected one of ${allowed.join(', ')}, got "${value}"`);
  return value as T;
}
