import { checkKeys, fail } from '../errors.js';
import { checkModel, type Network } from '../model/network.js';

/**
 * How good a model is on a dataset, in the units people read. `loss` is what
 * training minimises (per example: the sum of its steps' losses, then the
 * mean over examples; docs/theory.md); the rest are per counted step, so they
 * do not grow with the sequence length.
 */
export interface Metrics {
  /** Mean over examples of each example's summed loss: what train() minimises and evaluate() returns. */
  loss: number;
  /** Loss per step that carries a target (masked and padded steps do not count): the number to compare across lengths. */
  lossPerStep: number;
  /** Steps (or rows) that carry a target. */
  steps: number;
  /** Classification (softmax or sigmoid output): the fraction of steps whose most probable class is the target (per output for sigmoid). */
  accuracy?: number;
  /** Softmax with cross-entropy: lossPerStep in bits (÷ ln 2), e.g. bits per character of a text model. */
  bitsPerSymbol?: number;
  /** Softmax with cross-entropy: e^lossPerStep, the effective number of equally likely choices per step. */
  perplexity?: number;
  /** Squared error (identity output): the root of the mean squared error per output value, in original units with `scale`. */
  rmse?: number;
}

/** The options of measure(). */
export interface MeasureOptions {
  /**
   * Per-output scale turning standardized values back into original units
   * for `rmse`: a Standardizer (its `std` is used), or o numbers. Default: none (rmse in the data's units).
   */
  scale?: {
    /** o standard deviations, one per output (a Standardizer's). */
    readonly std: ArrayLike<number>;
  } | ArrayLike<number>;
  /** Examples evaluated at a time, an integer ≥ 1 (memory, not results, depends on it). Default 256. */
  batchSize?: number;
}

/** Loss, loss per step and the metric that fits the model's output: accuracy, bits per symbol and perplexity, or RMSE. */
export function measure<Data>(model: Network<Data>, data: Data, options: MeasureOptions = {}): Metrics {
  checkModel('model', model);
  checkKeys('measure options', options, ['scale', 'batchSize']);
  const loss = model.evaluate(data, options.batchSize);
  const view = model.targetsOf(data);
  const o = model.outputSize, y = model.predict(data);
  const scale = scaleOf(options.scale, o);
  let steps = 0, hits = 0, squares = 0;
  for (let i = 0; i < view.positions; i++) {
    if (view.weights && view.weights[i] === 0) continue;
    steps++;
    const row = i * o;
    if (view.output === 'identity') {
      for (let k = 0; k < o; k++) squares += ((y[row + k]! - view.targets![row + k]!) * (scale ? scale[k]! : 1)) ** 2;
    } else if (view.output === 'sigmoid') {
      for (let k = 0; k < o; k++) if ((y[row + k]! > 0.5) === (view.targets![row + k]! > 0.5)) hits += 1 / o;
    } else if (argmax(y, row, o) === (view.classes ? view.classes[i] : argmax(view.targets!, row, o))) {
      hits++;
    }
  }
  const lossPerStep = (loss * model.exampleCount(data)) / Math.max(steps, 1);
  const metrics: Metrics = { loss, lossPerStep, steps };
  if (view.output === 'identity') metrics.rmse = Math.sqrt(squares / Math.max(steps * o, 1));
  else metrics.accuracy = hits / Math.max(steps, 1);
  if (view.loss === 'cross-entropy' && view.output === 'softmax') {
    metrics.bitsPerSymbol = lossPerStep / Math.LN2;
    metrics.perplexity = Math.exp(lossPerStep);
  }
  return metrics;
}

function argmax(values: ArrayLike<number>, start: number, n: number): number {
  let best = 0;
  for (let k = 1; k < n; k++) if (values[start + k]! > values[start + best]!) best = k;
  return best;
}

function scaleOf(scale: MeasureOptions['scale'], o: number): ArrayLike<number> | undefined {
  if (scale === undefined) return undefined;
  const values = scale !== null && typeof scale === 'object' && 'std' in scale ? scale.std : scale;
  if (!values || values.length !== o) fail('scale', `a Standardizer or ${o} numbers, one per output`, values);
  for (let k = 0; k < o; k++) if (!(typeof values[k] === 'number' && values[k]! > 0 && Number.isFinite(values[k]))) fail(`scale[${k}]`, 'a finite number > 0', values[k]);
  return values;
}
