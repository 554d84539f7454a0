import { describe, expect, it } from 'vitest';
import { ElmanRNN } from '../src/model/rnn.js';
import { gradientCheck } from '../src/train/gradient-check.js';
import type { Task } from '../src/data/sequence-batch.js';
import { randomBatch } from './helpers/random-data.js';
import { ACTIVATIONS, HEADS } from './helpers/cases.js';

const TOLERANCE = 1e-6;

const activations = ACTIVATIONS;
const heads = HEADS;
const tasks: Task[] = ['many-to-many', 'many-to-one', 'one-to-many'];

function expectClose(result: ReturnType<typeof gradientCheck>) {
  for (const [name, check] of Object.entries(result.parameters)) {
    expect(check.relativeError, `${name}[${check.index}]: analytic ${check.analytic} vs numeric ${check.numeric}`).toBeLessThanOrEqual(TOLERANCE);
  }
}

describe('Elman RNN: BPTT gradient against float64 central differences', () => {
  for (const activation of activations) {
    for (const head of heads) {
      for (const task of tasks) {
        it(`σ=${activation}, F=${head.output}, ${head.loss} (${head.targets}), ${task}, r=13 p=7 o=5, ragged, learned h0`, () => {
          const model = new ElmanRNN({
            inputSize: 7, hiddenSize: 13, outputSize: 5, activation, output: head.output, loss: head.loss,
            initialState: 'learned', seed: 3, init: { recurrentGain: 0.9 },
          });
          // A non-zero learned h0 and biases, so their gradients are not trivially symmetric.
          model.setParameter('h0', Float64Array.from({ length: 13 }, (_, i) => 0.3 * Math.sin(i + 1)));
          model.setParameter('b_rec', Float64Array.from({ length: 13 }, (_, i) => 0.1 * Math.cos(i)));
          const batch = randomBatch({ size: 3, steps: 5, inputSize: 7, outputSize: 5, targets: head.targets, task, ragged: true, seed: 11 });
          const result = gradientCheck(model, batch);
          expect(result.loss).toBeGreaterThan(0);
          expectClose(result);
        });
      }
    }
  }

  it('r=1, p=1, o=1, T=1, B=1', () => {
    const model = new ElmanRNN({ inputSize: 1, hiddenSize: 1, outputSize: 1, initialState: 'learned', seed: 5 });
    model.setParameter('h0', [0.4]);
    const batch = randomBatch({ size: 1, steps: 1, inputSize: 1, outputSize: 1, targets: 'vector' });
    expectClose(gradientCheck(model, batch));
  });

  it('r=1 with softmax over o=5 classes, T=9', () => {
    const model = new ElmanRNN({ inputSize: 7, hiddenSize: 1, outputSize: 5, output: 'softmax', seed: 2 });
    const batch = randomBatch({ size: 2, steps: 9, inputSize: 7, outputSize: 5, targets: 'classes' });
    expectClose(gradientCheck(model, batch));
  });

  it('per-sequence initial states given in the batch (h0 not used, so its gradient is zero)', () => {
    const model = new ElmanRNN({ inputSize: 7, hiddenSize: 13, outputSize: 5, initialState: 'learned', seed: 9 });
    const batch = randomBatch({ size: 3, steps: 4, inputSize: 7, outputSize: 5, targets: 'vector', initialStateSize: 13 });
    const result = gradientCheck(model, batch);
    expectClose(result);
    expect(Math.max(...model.computeGradients(batch).gradients.h0!.map(Math.abs))).toBe(0);
  });

  it('a fully masked-out sequence contributes nothing', () => {
    const model = new ElmanRNN({ inputSize: 3, hiddenSize: 4, outputSize: 2, seed: 1 });
    const one = randomBatch({ size: 1, steps: 4, inputSize: 3, outputSize: 2, targets: 'vector', seed: 4 });
    const two = randomBatch({ size: 2, steps: 4, inputSize: 3, outputSize: 2, targets: 'vector', seed: 4 });
    // Same first sequence; second sequence masked out entirely. Mean over sequences halves the loss.
    (two.mask as Float32Array).fill(0, 4, 8);
    const inputs = two.inputs as Float64Array; inputs.set(one.inputs.subarray(0, 12), 0);
    (two.targets as Float64Array).set(one.targets!.subarray(0, 8), 0);
    const a = model.computeGradients(one), b = model.computeGradients(two);
    expect(b.loss).toBeCloseTo(a.loss / 2, 6);
    expect(b.gradients.W_rec![3]).toBeCloseTo(a.gradients.W_rec![3]! / 2, 6);
  });
});
