/**
 * Axis ticks a person reads: steps of 1, 2 or 5 times a power of ten on a
 * linear axis; powers of ten (or 1-2-5 within a decade, when the axis spans
 * few decades) on a log axis. The first and last tick are the axis's ends,
 * so the ticks always enclose the data. Labels are exact decimals
 * ("0.3", never "0.30000000000000004"), in e-notation past 1e-3 … 1e5.
 */

export interface Ticks {
  /** The axis's ends: the first and the last tick. */
  lo: number;
  hi: number;
  /** Labelled ticks, ascending. */
  values: number[];
  labels: string[];
  /** Unlabelled ticks between them (a log axis's 2…9 × 10^k). */
  minor: number[];
}

/** m × 10^p parsed from its decimal text: the double nearest the exact decimal. */
const decimal = (m: number, p: number) => Number(`${m}e${p}`);

/** A tick step m × 10^p, m ∈ {1, 2, 5}: multiples i·m are integers, so every tick is an exact decimal. */
interface Step { m: number; p: number }
const at = (i: number, s: Step) => decimal(i * s.m, s.p);

/** The smallest 1-2-5 step at least `raw` (at least 1 on an integer axis). */
function niceStep(raw: number, integer: boolean): Step {
  if (!(raw > 0) || (integer && raw <= 1)) return { m: 1, p: 0 };
  let p = Math.floor(Math.log10(raw));
  if (decimal(1, p) > raw) p--;
  if (decimal(1, p + 1) <= raw) p++;
  for (const m of [1, 2, 5]) if (decimal(m, p) >= raw) return { m, p };
  return { m: 1, p: p + 1 };
}

/**
 * About `target` intervals of a 1-2-5 step from at most `lo` to at least `hi`.
 * An empty range is widened (0 … 1 around zero, ±10% elsewhere; by 1 on an integer axis).
 */
export function linearTicks(lo: number, hi: number, target = 6, integer = false): Ticks {
  if (!(Number.isFinite(lo) && Number.isFinite(hi))) [lo, hi] = [0, 1];
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) {
    if (integer) hi = lo + 1;
    else if (lo === 0) hi = 1;
    else [lo, hi] = [lo - Math.abs(lo) * 0.1, hi + Math.abs(hi) * 0.1];
  }
  const step = niceStep((hi - lo) / target, integer);
  const size = decimal(step.m, step.p);
  let i0 = Math.floor(lo / size), i1 = Math.ceil(hi / size);
  // The division is inexact: settle on the multiples that just enclose [lo, hi].
  while (at(i0 + 1, step) <= lo) i0++;
  while (at(i0, step) > lo) i0--;
  while (at(i1 - 1, step) >= hi) i1--;
  while (at(i1, step) < hi) i1++;
  const values: number[] = [];
  for (let i = i0; i <= i1; i++) values.push(at(i, step));
  const largest = Math.max(Math.abs(values[0]!), Math.abs(values[values.length - 1]!));
  const exponential = largest >= 1e6 || largest < 1e-3;
  const labels = values.map((v) => (!exponential ? v.toFixed(Math.max(0, -step.p)) : v === 0 ? '0' : compactExponential(v)));
  return { lo: values[0]!, hi: values[values.length - 1]!, values, labels, minor: [] };
}

/** "2.5e-4", "1e6": the shortest decimal that reads back as v. */
function compactExponential(v: number): string {
  return v.toExponential().replace('e+', 'e');
}

/** m × 10^k as people write it: 0.002, 50, 20000; 2e-4 and 1e5 beyond. */
function logLabel(m: number, k: number): string {
  return k >= -3 && k <= 4 ? String(decimal(m, k)) : `${m}e${k}`;
}

/**
 * Ticks for a log axis over [lo, hi] (both > 0): every decade (every 2nd,
 * 5th, … when there are many, with unlabelled 2…9 × 10^k when there are
 * few) over 2.5 decades or more; 1-2-5 in each decade over one to 2.5
 * decades; every digit (1, 2, …, 9 × 10^k) below one decade.
 */
export function logTicks(lo: number, hi: number, target = 6): Ticks {
  if (!(lo > 0 && hi > 0 && Number.isFinite(lo) && Number.isFinite(hi))) [lo, hi] = [1, 10];
  if (hi < lo) [lo, hi] = [hi, lo];
  const a = Math.log10(lo), b = Math.log10(hi);
  if (b - a >= 2.5) {
    let k0 = Math.floor(a), k1 = Math.ceil(b);
    if (decimal(1, k0 + 1) <= lo) k0++;
    if (decimal(1, k1 - 1) >= hi) k1--;
    const every = at(1, niceStep((k1 - k0) / target, true));
    k0 = Math.floor(k0 / every) * every;
    k1 = Math.ceil(k1 / every) * every;
    const values: number[] = [], labels: string[] = [], minor: number[] = [];
    for (let k = k0; k <= k1; k += every) {
      values.push(decimal(1, k));
      labels.push(logLabel(1, k));
      if (every === 1 && k < k1 && k1 - k0 <= 6) for (let m = 2; m <= 9; m++) minor.push(decimal(m, k));
    }
    return { lo: values[0]!, hi: values[values.length - 1]!, values, labels, minor };
  }
  const mantissas = b - a >= 1 ? [1, 2, 5] : [1, 2, 3, 4, 5, 6, 7, 8, 9];
  const candidates: [number, number][] = [];
  for (let k = Math.floor(a) - 1; k <= Math.ceil(b) + 1; k++) for (const m of mantissas) candidates.push([m, k]);
  let first = 0;
  while (decimal(...candidates[first + 1]!) <= lo) first++;
  const last = candidates.findIndex(([m, k]) => decimal(m, k) >= hi);
  const chosen = candidates.slice(first, last + 1);
  const values = chosen.map(([m, k]) => decimal(m, k));
  return { lo: values[0]!, hi: values[values.length - 1]!, values, labels: chosen.map(([m, k]) => logLabel(m, k)), minor: [] };
}
