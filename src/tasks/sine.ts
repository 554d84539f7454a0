import type { SequenceBatch } from 'rnnkit';
import { forecastWindows } from 'rnnkit';
import { checkInteger, checkKeys, checkNumber } from '../errors.js';
import type { RecurrentModel } from 'rnnkit';
import { Random } from 'rnnkit';
import type { SequenceTask } from './task.js';

/**
 * Forecasting a noisy sum of sines `horizon` steps ahead from a window of the
 * past: x_t = Σ_k sin(2π t / P_k + φ_k) + noise, standardised on the training
 * part. Metric: MSE of the forecast against persistence (tomorrow = today),
 * the trivial forecast that uses no learned structure.
 */
export function sineTask(options: {
  /** Steps of the series, an integer ≥ 100; the last 20% is the test set. Default 4000. */
  length?: number;
  /** T: past values per window, an integer ≥ 2. Default 32. */
  window?: number;
  /** Steps ahead to forecast, an integer ≥ 1. Default 5. */
  horizon?: number;
  /** Standard deviation of the Gaussian noise added to each value, ≥ 0. Default 0.1. */
  noise?: number;
  /** Seed of the phases and the noise, an integer in [0, 2³² − 1]. Default 1. */
  seed?: number;
} = {}): SequenceTask {
  checkKeys('sine task options', options, ['length', 'window', 'horizon', 'noise', 'seed']);
  const length = checkInteger('length', options.length ?? 4000, 100);
  const window = checkInteger('window', options.window ?? 32, 2);
  const horizon = checkInteger('horizon', options.horizon ?? 5, 1);
  const noise = checkNumber('noise', options.noise ?? 0.1, 0);
  const rng = new Random(options.seed ?? 1);
  const periods = [17, 31, 57], phases = periods.map(() => rng.uniform(0, 2 * Math.PI));
  const series = Float64Array.from({ length }, (_, t) =>
    periods.reduce((s, P, k) => s + Math.sin((2 * Math.PI * t) / P + phases[k]!), 0) + noise * rng.gaussian());
  const { train, validation } = forecastWindows(series, { window, horizon, task: 'many-to-one', validation: 0.2 });
  const test = validation!;
  return {
    name: 'sine',
    description: `forecasting a noisy sum of three sines ${horizon} steps ahead from ${window} past values`,
    train, test,
    model: { inputSize: 1, outputSize: 1, output: 'identity', loss: 'mse' },
    evaluate(model: RecurrentModel, data: SequenceBatch = test) {
      const y = model.predict(data);
      let se = 0, persistence = 0;
      for (let b = 0; b < data.size; b++) {
        const last = b * data.steps + data.lengths[b]! - 1;
        const target = data.targets![last]!;
        se += (y[last]! - target) ** 2;
        persistence += (data.inputs[last]! - target) ** 2;
      }
      return { metric: 'MSE (standardised)', value: se / data.size, baseline: persistence / data.size, baselineName: 'persistence: the last value seen', better: 'lower', extra: {} };
    },
  };
}
