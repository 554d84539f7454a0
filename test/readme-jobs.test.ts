import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readmeSection, runBlock } from './helpers/readme.js';
import { weatherCsv } from './helpers/weather.js';

/*
 * The README's two worked jobs, run as written against the built package.
 * Their files are given to them through a node:fs that reads relative paths
 * in a directory of this test's: book.txt is test/fixtures/book.txt (rnnkit's docs/theory.md
 * as it was when the example was written, frozen so that editing the docs does not move the figures),
 * sensor.csv an hourly weather series (test/helpers/weather.ts).
 */
const rnnkit = createRequire(import.meta.url)('../dist/index.cjs');
const dir = fs.mkdtempSync(join(tmpdir(), 'rnnkit-readme-jobs-'));
const files = { ...fs, readFileSync: (path: string, encoding: BufferEncoding) => fs.readFileSync(join(dir, path), encoding) };
const { blocks } = readmeSection('## Two jobs, end to end');

describe('README: two jobs, end to end', () => {
  it('the character model: held-out bits per character well below a uniform guess, text out of sample()', () => {
    const theory = fs.readFileSync(new URL('fixtures/book.txt', import.meta.url), 'utf8');
    fs.writeFileSync(join(dir, 'book.txt'), theory);
    const { model, vocabulary, heldOut, log, bitsPerSymbol, accuracy, continuation, greedy, saved } =
      runBlock(blocks[0]!, '{ model, vocabulary, heldOut, log, bitsPerSymbol, accuracy, continuation, greedy, saved }', { 'node:fs': files }) as Record<string, any>;
    expect(vocabulary.size).toBe(new Set(Array.from(theory)).size);
    expect(log).toHaveLength(6);
    // The comment's figures: ≈ 3.2 bits held out (training ≈ 2.3; uniform: log2 V ≈ 7.2) and ≈ 48 % of characters right.
    expect(Math.log2(vocabulary.size)).toBeCloseTo(7.2, 1);
    expect(bitsPerSymbol).toBeGreaterThan(2.9);
    expect(bitsPerSymbol).toBeLessThan(3.5);
    expect(Number(/([\d.]+) bits\/char/.exec(log[5])![1])).toBeLessThan(2.6);
    expect(accuracy).toBeGreaterThan(0.42);
    // bitsPerSymbol is the mean cross-entropy per character in base 2, recomputed here from predict().
    const y = model.predict(heldOut), V = vocabulary.size;
    let nll = 0;
    for (let i = 0; i < heldOut.size * heldOut.steps; i++) nll -= Math.log(y[i * V + heldOut.classes[i]]);
    expect(bitsPerSymbol).toBeCloseTo(nll / (heldOut.size * heldOut.steps) / Math.LN2, 4);
    expect(typeof continuation).toBe('string');
    expect(Array.from(continuation as string)).toHaveLength(120);
    expect(greedy.endsWith('.') || Array.from(greedy as string).length === 200).toBe(true);
    expect((greedy as string).slice(0, -1)).not.toContain('.');
    // Greedy decoding is deterministic, and the saved model (with its vocabulary) gives the same text.
    expect(rnnkit.sample(rnnkit.fromJSON(saved), { prime: 'The ', length: 200, temperature: 0, stop: '.' })).toBe(greedy);
  }, 120_000);

  it('the forecaster: forecasts in °C from rows it never trained on, far better than persistence, and measure() agrees', () => {
    fs.writeFileSync(join(dir, 'sensor.csv'), weatherCsv(0, 2000, ['time', 'temp', 'hum'], { time: 'time', temp: 'temp', hum: 'humidity' }));
    const { data, rows, model, later, forecasts, scores } =
      runBlock(blocks[1]!, '{ data, rows, model, later, forecasts, scores }', { 'node:fs': files }) as Record<string, any>;
    expect(rows).toHaveLength(2000);
    expect(data.validationStart).toBe(1600);
    expect(later).toHaveLength(400);
    expect(forecasts).toHaveLength(400 - 48 + 1);
    expect(scores.count).toBe(400 - 48 + 1 - 6);
    // The comment's figures: the model ≈ 0.16 °C, persistence ≈ 5.0 °C, six hours ahead.
    expect(scores.persistence[0]).toBeGreaterThan(4.8);
    expect(scores.persistence[0]).toBeLessThan(5.2);
    expect(scores.model[0]).toBeLessThan(0.25);
    // The held-out windows are exactly the scored ones: measure()'s RMSE in °C is forecastScores' (float32 vs float64).
    const rmse = rnnkit.measure(model, data.validation, { scale: data.targetScale }).rmse;
    expect(rmse).toBeCloseTo(scores.model[0], 4);
    // Persistence recomputed here from the CSV's own numbers.
    let sum = 0;
    for (let w = 0; w < scores.count; w++) sum += (later[w + 47][0] - later[w + 53][0]) ** 2;
    expect(scores.persistence[0]).toBeCloseTo(Math.sqrt(sum / scores.count), 10);
  }, 120_000);
});
