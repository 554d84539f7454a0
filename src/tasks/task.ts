import type { SequenceBatch } from 'rnnkit';
import type { LossName, OutputFunction } from 'rnnkit';
import type { RecurrentModel } from 'rnnkit';

/** How well a model does on a task, beside the score of a trivial model without memory. */
export interface TaskReport {
  /** What `value` measures, e.g. 'accuracy' or 'MSE (standardised)'. */
  metric: string;
  /** The model's score on the data evaluated. */
  value: number;
  /** What the trivial answer scores on the same data. */
  baseline: number;
  /** What the trivial answer is, e.g. 'a coin flip (no memory)'. */
  baselineName: string;
  /** Whether a lower or a higher value is better. */
  better: 'lower' | 'higher';
  /** Other figures worth showing (e.g. bits per symbol). */
  extra: Record<string, number>;
}

/** A generated sequence task: data, the model shape it needs, and its standard metric. */
export interface SequenceTask {
  /** A short name, e.g. 'adding' or 'reber'. */
  readonly name: string;
  /** One sentence saying what the task asks, with its sizes. */
  readonly description: string;
  /** The training sequences. */
  readonly train: SequenceBatch;
  /** The held-out sequences, generated with another seed. */
  readonly test: SequenceBatch;
  /** What the model's ends must be: sizes, output function and loss. */
  readonly model: {
    /** p: the input size the data has. */
    inputSize: number;
    /** o: the output size the targets need. */
    outputSize: number;
    /** The output function the task's loss expects. */
    output: OutputFunction;
    /** The loss the task is trained with. */
    loss: LossName;
  };
  /** Scores a model on `data` (default: the test set) with the task's metric, beside the trivial baseline. */
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
