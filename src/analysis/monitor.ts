import { checkInteger, checkKeys, checkNumber, fail } from '../errors.js';
import { ElmanRNN, type SequenceBatch, type StepInfo } from 'rnnkit';
import { defaultLongFrom, lagContributionsOf, longShortRatio } from './lag-contributions.js';
import { trajectory } from './trajectory.js';

/*
 * A training monitor for the two failure modes of note 001 §1.3.4:
 * exploding gradients (the norm jumps far above its recent typical value:
 * clip it) and vanishing ones (the long-term part of the W_rec gradient
 * becomes negligible next to the short-term part). Pass `monitor.onStep` as
 * train()'s onStep. The gradient norm comes free with every step; the
 * long/short ratio needs a BPTT split on a probe batch in float64, so it is
 * computed only every `every` steps (cost O(B·T²·r²) each time).
 */

/** What the monitor recorded at one training step. */
export interface MonitorRecord {
  /** The optimizer step (StepInfo.step). */
  step: number;
  /** The epoch of that step. */
  epoch: number;
  /** The mini-batch's loss before the update. */
  loss: number;
  /** The global L2 norm of the gradient before clipping. */
  gradientNorm: number;
  /** ‖long-term part‖_F / ‖short-term part‖_F of the W_rec gradient on the probe; only on probe steps. */
  longShortRatio?: number;
}

/** A warning the monitor raised. */
export interface MonitorWarning {
  /** The optimizer step at which it was raised. */
  step: number;
  /** Which failure: the gradient norm exploding, or the long-term gradient vanishing. */
  kind: 'exploding' | 'vanishing';
  /** What was seen and what to try (e.g. a clipNorm to set). */
  message: string;
}

/** The options of gradientMonitor. */
export interface GradientMonitorOptions {
  /** A batch with targets on which the long/short-term ratio is measured. Default: none (only explosions are watched). */
  probe?: SequenceBatch;
  /** Measure the ratio every n steps (default 10; step 1 always). */
  every?: number;
  /** Lags ≥ longFrom count as long-term (default max(2, ⌈T/4⌉) of the probe). */
  longFrom?: number;
  /** Exploding: the norm exceeds this many times the median of the recent norms (default 10), or is not finite. */
  explodeFactor?: number;
  /** Vanishing: the long/short ratio falls below this (default 1e-3). */
  vanishRatio?: number;
  /** Steps seen before explosions are judged (default 5). */
  warmup?: number;
  /** How many recent norms the median is taken over (default 50). */
  window?: number;
  /** A kind warns again only after this many steps (default 100). */
  repeatAfter?: number;
  /** Where warnings go (default console.warn of the message); null for none. */
  onWarning?: ((warning: MonitorWarning) => void) | null;
}

/** A training monitor: pass `onStep` to train(), then read what it recorded. */
export interface GradientMonitor {
  /** Give this to train() as onStep. */
  readonly onStep: (info: StepInfo) => void;
  /** One record per training step seen, in order. */
  readonly records: MonitorRecord[];
  /** Every warning raised, in order (also passed to onWarning). */
  readonly warnings: MonitorWarning[];
}

const KEYS = ['probe', 'every', 'longFrom', 'explodeFactor', 'vanishRatio', 'warmup', 'window', 'repeatAfter', 'onWarning'];

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Two significant digits, for suggested settings. */
function round2(x: number): number {
  return Number(x.toPrecision(2));
}

/**
 * Watches an ElmanRNN's training for exploding gradients (the norm far above
 * its recent median) and vanishing ones (with a probe batch: the long-term
 * part of the W_rec gradient negligible next to the short-term part).
 */
export function gradientMonitor(model: ElmanRNN, options: GradientMonitorOptions = {}): GradientMonitor {
  checkKeys('gradientMonitor options', options, KEYS);
  if (!(model instanceof ElmanRNN)) fail('model', 'an ElmanRNN', model);
  const probe = options.probe;
  if (probe !== undefined) model.checkData(probe, true);
  const every = checkInteger('every', options.every ?? 10, 1);
  const longFrom = checkInteger('longFrom', options.longFrom ?? (probe ? defaultLongFrom(probe.steps) : 2), 1);
  const explodeFactor = checkNumber('explodeFactor', options.explodeFactor ?? 10, 1);
  const vanishRatio = checkNumber('vanishRatio', options.vanishRatio ?? 1e-3, 0);
  const warmup = checkInteger('warmup', options.warmup ?? 5, 1);
  const window = checkInteger('window', options.window ?? 50, 1);
  const repeatAfter = checkInteger('repeatAfter', options.repeatAfter ?? 100, 1);
  const onWarning = options.onWarning === undefined ? (w: MonitorWarning) => console.warn(`rnnkit: ${w.message}`) : options.onWarning;
  if (onWarning !== null && typeof onWarning !== 'function') fail('onWarning', 'a function or null', onWarning);

  const records: MonitorRecord[] = [];
  const warnings: MonitorWarning[] = [];
  const recent: number[] = [];
  const lastWarned = { exploding: -Infinity, vanishing: -Infinity };

  const warn = (step: number, kind: MonitorWarning['kind'], message: string) => {
    if (step - lastWarned[kind] < repeatAfter) return;
    lastWarned[kind] = step;
    const w = { step, kind, message };
    warnings.push(w);
    onWarning?.(w);
  };

  const onStep = (info: StepInfo) => {
    const record: MonitorRecord = { step: info.step, epoch: info.epoch, loss: info.loss, gradientNorm: info.gradientNorm };
    const norm = info.gradientNorm;
    if (!Number.isFinite(norm)) {
      warn(info.step, 'exploding', `step ${info.step}: the gradient norm is ${norm}; use gradient clipping (clipNorm) and a smaller learning rate`);
    } else if (recent.length >= warmup) {
      const typical = median(recent);
      if (norm > explodeFactor * typical) {
        warn(info.step, 'exploding', `step ${info.step}: the gradient norm ${norm.toPrecision(3)} is ${(norm / typical).toFixed(0)}× ` +
          `its recent median ${typical.toPrecision(3)}: exploding gradients; try clipNorm: ${round2(typical * 2)}`);
      }
    }
    if (Number.isFinite(norm)) {
      recent.push(norm);
      if (recent.length > window) recent.shift();
    }
    if (probe && (info.step === 1 || info.step % every === 0)) {
      // trajectory() works on a float64 copy of the live weights and frees it.
      const ratio = longShortRatio(lagContributionsOf(trajectory(model, probe, true)), longFrom);
      record.longShortRatio = ratio;
      if (ratio < vanishRatio) {
        warn(info.step, 'vanishing', `step ${info.step}: the long-term part (lags ≥ ${longFrom}) of the W_rec gradient is ` +
          `${ratio.toExponential(1)} of the short-term part: vanishing gradients; dependencies over ${longFrom}+ steps are barely learned ` +
          '(consider a recurrent init closer to orthogonal/identity, a shorter horizon, or a gated architecture)');
      }
    }
    records.push(record);
  };

  return { onStep, records, warnings };
}
