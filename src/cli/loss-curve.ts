/**
 * The training chart `rnnkit train --curve FILE` writes: a self-contained
 * SVG (no dependency; opens in any browser) of
 *
 * 1. the loss: the training loss of every step as a thin line, its mean
 *    over each epoch as points on a line (at the middle of the epoch's
 *    steps: the steps it averages), and the validation loss as points on a
 *    line at the step where each epoch ended (it is measured then);
 * 2. optionally, a metric measured after each epoch (accuracy, bits per
 *    character, RMSE, …) on an epoch axis lined up with the steps above.
 *
 * Each y axis is log or linear as the data suit (log when they are positive
 * and span more than 1.5 decades), with 1-2-5 ticks and a title with the
 * unit. Values that are not finite leave gaps.
 */
import { chartSvg } from './chart/chart.js';
import type { PanelSpec, SeriesSpec } from './chart/panel.js';
import type { ScaleOption } from './chart/scale.js';
import { countAxis, epochAxis } from './chart/x-axis.js';

export interface MetricSeries {
  /** What it is, e.g. 'accuracy', 'bits per character', 'RMSE'. */
  name: string;
  /** Its unit, shown on the axis title, e.g. '%', 'bits'. */
  unit?: string;
  /** One value per epoch, measured after it. */
  values: ArrayLike<number>;
}

export interface LossCurveData {
  /** The training loss of each optimizer step, in order (step 1 first). */
  steps: ArrayLike<number>;
  /**
   * The number of steps taken by the end of each epoch (cumulative; epoch 1
   * first): where the per-epoch values go. Default: the steps split evenly
   * over as many epochs as the longest per-epoch series has values.
   */
  epochEnds?: ArrayLike<number>;
  /** The training loss of each epoch. Default: the mean of its steps' losses. */
  epochLoss?: ArrayLike<number>;
  /** The validation loss after each epoch. */
  validation?: ArrayLike<number>;
  /** A metric after each epoch: drawn in a second panel. */
  metric?: MetricSeries;
}

export interface LossCurveOptions {
  /** The line under the title. Default: steps, epochs and the last epoch's values; '' for none. */
  subtitle?: string;
  /** The loss axis's title: the loss and its unit. Default 'loss'. */
  lossLabel?: string;
  /** The loss axis: 'auto' (default; log for positive values spanning more than 1.5 decades), 'log' or 'linear'. */
  lossScale?: ScaleOption;
  /** The metric axis, likewise. */
  metricScale?: ScaleOption;
  /** A dashed reference line across the loss panel (a baseline to beat). */
  baseline?: { value: number; label: string };
}

const COLORS = { step: '#9ecae1', epoch: '#2166ac', validation: '#d6604d', metric: '#1b7837' };

/** The chart as an SVG document; a pure function of its arguments. */
export function lossCurveSvg(title: string, data: LossCurveData, options: LossCurveOptions = {}): string {
  const steps = Array.from(data.steps);
  const validation = Array.from(data.validation ?? []);
  const metric = data.metric ? Array.from(data.metric.values) : [];
  const n = steps.length;
  const epochs = data.epochEnds ? data.epochEnds.length : Math.max(data.epochLoss?.length ?? 0, validation.length, metric.length);
  // Without steps, the loss panel's x axis counts epochs: epoch k ends at k.
  const ends = n > 0 && data.epochEnds ? Array.from(data.epochEnds, Number) : [];
  if (ends.length === 0) for (let e = 1; e <= epochs; e++) ends.push(n > 0 ? Math.round((n * e) / epochs) : e);
  const starts = ends.map((_, e) => (e === 0 ? 0 : ends[e - 1]!));
  const epochLoss = data.epochLoss ? Array.from(data.epochLoss) : n > 0 ? ends.map((end, e) => mean(steps.slice(starts[e], end))) : [];

  const x = countAxis(n > 0 ? 'step' : 'epoch', n > 0 ? n : epochs);
  const series: SeriesSpec[] = [];
  if (n > 0) {
    series.push({ id: 'training-step', label: 'training, each step', color: COLORS.step, lineWidth: 1, x: steps.map((_, i) => i + 1), y: steps });
  }
  const placed = (values: number[]) => values.slice(0, ends.length);
  if (epochLoss.length) {
    // The mean of an epoch's steps belongs at their middle: steps start+1 … end (an epoch's span start … end on an epoch axis).
    const middle = starts.map((s, e) => (s + ends[e]! + (n > 0 ? 1 : 0)) / 2);
    const y = placed(epochLoss);
    series.push({ id: 'training-epoch', label: 'training, epoch mean', color: COLORS.epoch, markers: 'hollow', x: middle.slice(0, y.length), y });
  }
  if (validation.length) {
    const y = placed(validation);
    series.push({ id: 'validation', label: 'validation, after each epoch', color: COLORS.validation, markers: 'filled', x: ends.slice(0, y.length), y });
  }
  const panels: PanelSpec[] = [{
    id: 'loss', plotHeight: data.metric ? 240 : 280, x, yTitle: options.lossLabel ?? 'loss', yScale: options.lossScale ?? 'auto', series,
    ...(options.baseline ? { reference: options.baseline } : {}),
  }];
  if (data.metric) {
    const { name, unit } = data.metric;
    panels.push({
      id: 'metric', plotHeight: 150, x: epochAxis('epoch', ends, x), yTitle: unit ? `${name} (${unit})` : name,
      yScale: options.metricScale ?? 'auto', yTicks: 4,
      series: [{ id: 'metric', label: `${name}, after each epoch`, color: COLORS.metric, markers: 'filled', x: metric.map((_, e) => e + 1), y: metric }],
    });
  }
  const subtitle = options.subtitle ?? summary(n, epochs, epochLoss, validation, data.metric);
  return chartSvg({ title, ...(subtitle ? { subtitle } : {}), panels });
}

function mean(values: number[]): number {
  const finite = values.filter(Number.isFinite);
  return finite.length ? finite.reduce((a, b) => a + b, 0) / finite.length : NaN;
}

/** 4 significant digits, no trailing zeros. */
const short = (v: number) => String(Number(v.toPrecision(4)));

function summary(n: number, epochs: number, epochLoss: number[], validation: number[], metric: MetricSeries | undefined): string {
  const size = [n > 0 ? `${n} step${n === 1 ? '' : 's'}` : '', epochs > 0 ? `${epochs} epoch${epochs === 1 ? '' : 's'}` : ''].filter(Boolean).join(' in ');
  const last: string[] = [];
  const add = (name: string, values: ArrayLike<number>, unit = '') => {
    const v = values[values.length - 1];
    if (v !== undefined && Number.isFinite(v)) last.push(`${name} ${short(v)}${unit ? ` ${unit}` : ''}`);
  };
  add('training', epochLoss);
  add('validation', validation);
  if (metric) add(metric.name, metric.values, metric.unit);
  return [size, last.length ? `last epoch: ${last.join(', ')}` : ''].filter(Boolean).join('; ');
}
