import { describe, expect, it } from 'vitest';
import { ElmanRNN } from '../src/model/rnn.js';
import { Random } from '../src/model/random.js';
import { addingTask } from '../src/tasks/adding.js';
import { copyTask } from '../src/tasks/copy.js';
import { delayedEchoTask } from '../src/tasks/echo.js';
import { embeddedReberString, isEmbeddedReber, reberTask, REBER_SYMBOLS } from '../src/tasks/reber.js';
import { sineTask } from '../src/tasks/sine.js';
import { beatsBaseline, type SequenceTask } from '../src/tasks/task.js';
import { train } from '../src/train/train.js';

/** Trains briefly from a fixed seed; the task's metric must beat its memoryless baseline (and start below it). */
function learnable(task: SequenceTask, hiddenSize: number, epochs: number, learningRate: number, checkBefore = true) {
  const model = new ElmanRNN({ ...task.model, hiddenSize, seed: 1 });
  const before = task.evaluate(model);
  train(model, task.train, { epochs, batchSize: 50, clipNorm: 1, optimizer: { type: 'adam', learningRate } });
  const after = task.evaluate(model);
  if (checkBefore) expect(beatsBaseline(before), `untrained: ${JSON.stringify(before)}`).toBe(false);
  expect(beatsBaseline(after), `trained: ${JSON.stringify(after)}`).toBe(true);
  return after;
}

describe('generated tasks are learnable above their baselines (fixed seeds, short runs)', () => {
  it('the adding problem (T = 20): MSE below a third of the baseline 1/6', () => {
    const after = learnable(addingTask({ steps: 20, train: 2000, test: 500 }), 32, 25, 0.003);
    expect(after.value).toBeLessThan(1 / 18);
  });

  it('the embedded Reber grammar: the second-to-last symbol ≥ 95% right (a guess: 50%)', () => {
    const after = learnable(reberTask({ train: 1000, test: 300 }), 24, 15, 0.005);
    expect(after.value).toBeGreaterThanOrEqual(0.95);
  });

  it('the copy task: recall ≥ 90% (chance 25%)', () => {
    const after = learnable(copyTask({ length: 3, lag: 5, symbols: 4, train: 2000, test: 300 }), 48, 40, 0.005);
    expect(after.value).toBeGreaterThanOrEqual(0.9);
  });

  it('the delayed echo: ≥ 95% (a coin flip: 50%)', () => {
    // An untrained recurrence already carries recent inputs (62% here): only the trained threshold means something.
    const after = learnable(delayedEchoTask({ delay: 3 }), 16, 20, 0.01, false);
    expect(after.value).toBeGreaterThanOrEqual(0.95);
  });

  it('sum-of-sines forecasting: MSE below persistence', () => {
    learnable(sineTask({ length: 2000 }), 32, 15, 0.003);
  });
});

describe('task generators', () => {
  it('embedded Reber strings are grammatical, and each next symbol is among those allowed', () => {
    const rng = new Random(5);
    for (let i = 0; i < 200; i++) {
      const { text, next } = embeddedReberString(rng);
      expect(isEmbeddedReber(text)).toBe(true);
      expect(next).toHaveLength(text.length - 1);
      for (let t = 0; t < text.length - 1; t++) expect(next[t]).toContain(text[t + 1]);
    }
    for (const bad of ['BTBTXSEPE', 'BTBTXXE TE', 'BTBPVVE', 'TBTXSETE', 'BTBTSSSSXSETE']) {
      expect(isEmbeddedReber(bad.replace(' ', '')), bad).toBe(bad === 'BTBTSSSSXSETE');
    }
    expect(REBER_SYMBOLS).toHaveLength(7);
  });

  it('the copy task puts its symbols before the lag and its targets after', () => {
    const task = copyTask({ length: 2, lag: 3, symbols: 3, train: 1, test: 1 });
    const { inputs, classes, inputSize, steps } = task.train;
    expect(steps).toBe(7);
    const inputIndex = Array.from({ length: steps }, (_, t) => inputs.subarray(t * inputSize, (t + 1) * inputSize).indexOf(1));
    expect(inputIndex.slice(2)).toEqual([0, 0, 4, 0, 0]); // blanks, the delimiter (K + 1 = 4) at the lag's end, blanks
    expect(Array.from(classes!.subarray(5))).toEqual(inputIndex.slice(0, 2)); // recall the first two symbols
    expect(Array.from(classes!.subarray(0, 5))).toEqual([0, 0, 0, 0, 0]);
  });

  it('the echo stream gives the bit from `delay` steps before', () => {
    const task = delayedEchoTask({ delay: 2 });
    const steps = [...Array(20)].map(((it) => () => it.next().value!)(task.stream(4)));
    for (let t = 2; t < 20; t++) expect(steps[t]!.target).toBe(steps[t - 2]!.x[0]);
    expect(steps[0]!.target).toBeUndefined();
  });
});
