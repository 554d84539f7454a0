/** A y axis's scale: log or linear, chosen from the data, with its ticks. */
import { linearTicks, logTicks, type Ticks } from './ticks.js';

export type ScaleKind = 'log' | 'linear';
export type ScaleOption = ScaleKind | 'auto';

export interface Scale {
  kind: ScaleKind;
  ticks: Ticks;
  /** Where v sits between the axis's ends: 0 at ticks.lo, 1 at ticks.hi. */
  fraction(v: number): number;
  /** Whether v can be drawn: finite, and positive on a log axis. */
  drawable(v: number): boolean;
}

/** Data that span more decades than this, all positive, get a log axis under 'auto'. */
export const LOG_DECADES = 1.5;

/** 'auto': log when every finite value is positive and they span more than 1.5 decades; linear otherwise. */
export function chooseScale(values: readonly number[], option: ScaleOption = 'auto'): ScaleKind {
  if (option !== 'auto') return option;
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0 || finite.some((v) => v <= 0)) return 'linear';
  return Math.log10(max(finite) / min(finite)) > LOG_DECADES ? 'log' : 'linear';
}

/**
 * The scale for these values, about `target` ticks. A log axis forced on
 * data with no positive value falls back to linear; forced on some
 * non-positive values, it leaves those out (gaps).
 */
export function valueScale(values: readonly number[], option: ScaleOption = 'auto', target = 6): Scale {
  const finite = values.filter(Number.isFinite);
  const positive = finite.filter((v) => v > 0);
  const kind = chooseScale(finite, option) === 'log' && positive.length > 0 ? 'log' : 'linear';
  if (kind === 'log') {
    const ticks = logTicks(min(positive), max(positive), target);
    const l0 = Math.log10(ticks.lo), span = Math.log10(ticks.hi) - l0;
    return { kind, ticks, fraction: (v) => (Math.log10(v) - l0) / span, drawable: (v) => v > 0 && Number.isFinite(v) };
  }
  const ticks = finite.length ? linearTicks(min(finite), max(finite), target) : linearTicks(0, 1, target);
  const span = ticks.hi - ticks.lo;
  return { kind, ticks, fraction: (v) => (v - ticks.lo) / span, drawable: Number.isFinite };
}

// Math.min(...v) overflows the stack on very long arrays.
function min(values: readonly number[]): number {
  let m = Infinity;
  for (const v of values) if (v < m) m = v;
  return m;
}

function max(values: readonly number[]): number {
  let m = -Infinity;
  for (const v of values) if (v > m) m = v;
  return m;
}
