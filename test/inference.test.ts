import { describe, expect, it } from 'vitest';
import { sequenceBatch } from '../src/data/sequence-batch.js';
import { ElmanRNN } from '../src/model/rnn.js';
import { sample } from '../src/model/sample.js';
import { RnnStepper } from '../src/model/stepper.js';

describe('inference', () => {
  const model = new ElmanRNN({ inputSize: 2, hiddenSize: 6, outputSize: 3, output: 'softmax', initialState: 'learned', seed: 3 });
  model.setParameter('h0', [0.1, -0.2, 0.3, 0, 0.5, -0.1]);
  const xs = [[1, 0], [0.5, -1], [0, 2], [-1, 1]];

  it('the stepper reproduces predict() step by step, then resets to h0', () => {
    const whole = model.predict(sequenceBatch({ inputs: [xs] }));
    const stepper = new RnnStepper(model);
    for (let round = 0; round < 2; round++) {
      xs.forEach((x, t) => {
        const y = stepper.step(x);
        for (let k = 0; k < 3; k++) expect(y[k]).toBeCloseTo(whole[t * 3 + k]!, 6);
      });
      stepper.reset();
    }
    expect(Array.from(stepper.state)).toEqual(Array.from(model.getParameter('h0')));
  });

  it('the stepper carries several independent streams', () => {
    const stepper = new RnnStepper(model, { streams: 2 });
    const single = new RnnStepper(model);
    for (const x of xs) {
      const both = stepper.step([...x, ...x.map((v) => -v)]);
      const one = single.step(x);
      for (let k = 0; k < 3; k++) expect(both[k]).toBeCloseTo(one[k]!, 6);
    }
    expect(() => stepper.step([1, 2])).toThrow(/x: expected B·p = 2·2 values/);
    expect(() => stepper.step([1, 2, NaN, 0])).toThrow(/x: expected numbers finite in float32 \(\|x\| ≤ 3\.4e38\), got NaN at index 2/);
  });

  it('a batch can carry per-sequence initial states', () => {
    const state = [0.3, 0.3, -0.3, 0.1, 0, 0.2];
    const withState = model.predict(sequenceBatch({ inputs: [xs], initialState: [state] }));
    const stepper = new RnnStepper(model);
    stepper.reset(state);
    const y = stepper.step(xs[0]!);
    expect(withState[0]).toBeCloseTo(y[0]!, 6);
    expect(() => model.predict(sequenceBatch({ inputs: [xs], initialState: [[1, 2]] }))).toThrow(/batch.initialState: expected B·r = 1·6/);
  });

  it('sampling is seeded, in range, and sharpens toward the argmax as τ → 0', () => {
    const chars = new ElmanRNN({ inputSize: 4, hiddenSize: 8, outputSize: 4, output: 'softmax', seed: 1 });
    const a = sample(chars, { length: 50, seed: 9 }), b = sample(chars, { length: 50, seed: 9 });
    expect(a).toEqual(b);
    expect(a.every((c) => c >= 0 && c < 4)).toBe(true);
    // At τ → 0 sampling is greedy: the same as following argmax by hand.
    const greedy = sample(chars, { length: 20, temperature: 1e-6, prime: [2] });
    const stepper = new RnnStepper(chars);
    let y = stepper.step([0, 0, 1, 0]);
    for (const c of greedy) {
      let best = 0;
      for (let k = 1; k < 4; k++) if (y[k]! > y[best]!) best = k;
      expect(c).toBe(best);
      y = stepper.step([0, 1, 2, 3].map((k) => (k === c ? 1 : 0)));
    }
    expect(() => sample(model, { length: 3 })).toThrow(/inputSize = outputSize/);
    expect(() => sample(chars, { length: 3, prime: [7] })).toThrow(/prime\[0\]: expected an integer in \[0, 3\]/);
  });

  it('one-to-many: input at the first step only, outputs at every step', () => {
    const gen = new ElmanRNN({ inputSize: 2, hiddenSize: 4, outputSize: 1, seed: 2 });
    const batch = sequenceBatch({ inputs: [[1, -1]], targets: [[[0], [1], [0], [1], [0]]], task: 'one-to-many' });
    expect(batch.steps).toBe(5);
    expect(Array.from(batch.inputs)).toEqual([1, -1, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(batch.mask)).toEqual([1, 1, 1, 1, 1]);
    expect(Number.isFinite(gen.computeGradients(batch).loss)).toBe(true);
  });
});
