import { describe, expect, it } from 'vitest';
import { ElmanRNN } from '../src/model/rnn.js';
import { forecast, forecastScores } from '../src/data/forecast.js';
import { forecastWindows } from '../src/data/time-series.js';

describe('forecast and forecastScores', () => {
  const series = Array.from({ length: 40 }, (_, t) => [Math.sin(t / 3) * 4 + 10, Math.cos(t / 5)]);
  const data = forecastWindows(series, { window: 5, horizon: 2, targetColumns: [0], validation: 0.5 });
  const model = new ElmanRNN({ inputSize: 2, hiddenSize: 6, outputSize: 1, seed: 3 });

  it('forecast is predict() at each window\'s last step, in original units, for every full window', () => {
    const rows = series.slice(data.validationStart);
    const y = forecast(model, data, rows);
    expect(y).toHaveLength(20 - 5 + 1);
    // The held-out batch holds the windows whose target is inside: the first 20 − 5 − 2 + 1 of them.
    const z = model.predict(data.validation!);
    for (let w = 0; w < data.validation!.size; w++) {
      expect(y[w]).toBeCloseTo(z[w * 5 + 4]! * data.standardizer.std[0]! + data.standardizer.mean[0]!, 5);
    }
    const scores = forecastScores(data, rows, y);
    expect(scores.count).toBe(14);
    let model2 = 0, persistence = 0;
    for (let w = 0; w < 14; w++) {
      model2 += (y[w]! - rows[w + 6]![0]!) ** 2;
      persistence += (rows[w + 4]![0]! - rows[w + 6]![0]!) ** 2;
    }
    expect(scores.model[0]).toBeCloseTo(Math.sqrt(model2 / 14), 12);
    expect(scores.persistence[0]).toBeCloseTo(Math.sqrt(persistence / 14), 12);
  });

  it('refuses what it cannot forecast or score, saying why', () => {
    expect(() => forecast(model, data, series.slice(0, 4))).toThrow(/series: expected at least window = 5 rows, got 4/);
    expect(() => forecast(new ElmanRNN({ inputSize: 3, hiddenSize: 4, outputSize: 1 }), data, series))
      .toThrow(/forecast: the model reads 3 values and forecasts 1; the spec has 2 input and 1 target columns/);
    expect(() => forecast(model, data, series.map((r) => [r[0]!]))).toThrow(/standardizer: expected a Standardizer of the series' 1 columns/);
    expect(() => forecast(model, { ...data, targetColumns: [2] }, series)).toThrow(/targetColumns\[0\]: expected an integer in \[0, 1\], got 2/);
    expect(() => forecast(model, data, [...series.slice(0, 9), [NaN, 0]])).toThrow(/series\[9\]\[0\]: expected a finite number/);
    const short = series.slice(0, 6);
    expect(() => forecastScores(data, short, forecast(model, data, short))).toThrow(/every forecast lies beyond its end \(6 rows, window 5, horizon 2\)/);
    expect(() => forecastScores(data, series, new Float64Array(3))).toThrow(/forecasts: expected forecast\(\)'s result for this series: 36·1 values/);
  });
});
