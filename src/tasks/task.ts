import type { SequenceBatch } from '../data/sequence-batch.js';
import type { LossName, OutputFunction } from '../model/functions.js';
import type { RecurrentModel } from '../model/recurrent/model.js';

/** How well a model does on a task, beside the score of a trivial model without memory. */
export interface TaskReport {
  metric: string;
  value: number;
  /** What the trivial answer scores, and what it is. */
  baseline: number;
  baselineName: string;
  better: 'lower' | 'higher';
  /** Other figures worth showing (e.g. bits per symbol). */
  extra: Record<string, number>;
}

/** A generated sequence task: data, the model shape it needs, and its standard metric. */
export interface SequenceTask {
  readonly name: string;
  readonly description: string;
  readonly train: SequenceBatch;
  readonly test: SequenceBatch;
  /** What the model's ends must be: sizes, output function and loss. */
  readonly model: { inputSize: number; outputSize: number; output: OutputFunction; loss: LossName };
  evaluate(model: RecurrentModel, data?: SequenceBatch): TaskReport;
}

/** Whether a report beats its baseline. */
export function beatsBaseline(report: TaskReport): boolean {
  return report.better === 'lower' ? report.value < report.baseline : report.value > report.baseline;
}

/** Index of the largest of o values at `row`. */
export function argmax(y: ArrayLike<number>, row: number, o: number): number {
  let best = 0;
  for (let k = 1; k < o; k++) if (y[row * o + k]! > y[row * o + best]!) best = k;
  return best;
}
