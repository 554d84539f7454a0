/** x axes: a count (steps, epochs) from 0 with 1-2-5 integer ticks, and epochs placed where they end on a step axis. */
import type { XAxis } from './panel.js';
import { linearTicks } from './ticks.js';

/** 0 … n (at least 1): the data fill the width; integer 1-2-5 ticks up to n. */
export function countAxis(title: string, n: number, target = 8): XAxis {
  const end = Math.max(1, n);
  const ticks = upTo(end, target);
  return { title, ticks: ticks.map(([v]) => v), labels: ticks.map(([, l]) => l), fraction: (v) => v / end };
}

/** Integer 1-2-5 ticks from 0, those ≤ end. */
function upTo(end: number, target: number): (readonly [number, string])[] {
  const ticks = linearTicks(0, end, target, true);
  return ticks.values.map((v, i) => [v, ticks.labels[i]!] as const).filter(([v]) => v <= end);
}

/**
 * An epoch axis lined up with a step axis: epoch k sits where it ended,
 * at step ends[k − 1] of `steps` (epoch 0 at step 0), so a per-epoch value
 * is directly below the step it was measured after. Integer 1-2-5 ticks up
 * to the last epoch; an epoch past `ends` cannot be placed (NaN).
 */
export function epochAxis(title: string, ends: ArrayLike<number>, steps: XAxis, target = 6): XAxis {
  const epochs = ends.length;
  const stepOf = (e: number): number => {
    if (!(e >= 0 && e <= epochs)) return NaN;
    const k = Math.floor(e), before = k === 0 ? 0 : ends[k - 1]!;
    return k === e ? before : before + (e - k) * (ends[k]! - before);
  };
  const shown = upTo(epochs, target);
  return { title, ticks: shown.map(([v]) => v), labels: shown.map(([, l]) => l), fraction: (e) => steps.fraction(stepOf(e)) };
}
