import { describe, expect, it } from 'vitest';
import { sequenceBatch, type SequenceBatch } from '../src/data/sequence-batch.js';
import { DivergenceError } from '../src/errors.js';
import { ElmanRNN } from '../src/model/rnn.js';
import { createOptimizer } from '../src/train/optimizer.js';
import { train } from '../src/train/train.js';
import { randomBatch } from './helpers/random-data.js';

const small = () => new ElmanRNN({ inputSize: 3, hiddenSize: 5, outputSize: 2, seed: 1, dtype: 'float64' });
const data = () => randomBatch({ size: 10, steps: 4, inputSize: 3, outputSize: 2, targets: 'vector', seed: 3 });

/** The parameters as one flat float64 vector, in layout order. */
function flat(model: ElmanRNN): number[] {
  return model.parameterNames.flatMap((n) => Array.from(model.getParameter(n)));
}
function flatGrad(model: ElmanRNN, batch: SequenceBatch): number[] {
  const g = model.computeGradients(batch).gradients;
  return model.parameterNames.flatMap((n) => Array.from(g[n]!));
}
/** Which entries of the flat vector are weights (decayed), in layout order. */
function decayMask(model: ElmanRNN): boolean[] {
  return model.layout.parameters.flatMap((p) => Array<boolean>(p.size).fill(p.decay));
}

describe('optimizers: one update equals the textbook formula computed here', () => {
  it('SGD with weight decay on weights only', () => {
    const model = small(), batch = data();
    const theta = flat(model), g = flatGrad(model, batch), decay = decayMask(model);
    train(model, batch, { epochs: 1, optimizer: { type: 'sgd', learningRate: 0.1, weightDecay: 0.01 }, shuffle: false });
    const expected = theta.map((p, i) => p - 0.1 * (g[i]! + (decay[i] ? 0.01 * p : 0)));
    flat(model).forEach((p, i) => expect(p).toBeCloseTo(expected[i]!, 12));
  });

  it('momentum and Nesterov over two steps', () => {
    for (const nesterov of [false, true]) {
      const model = small(), batch = data();
      const theta = flat(model);
      const reference = small();
      let v = theta.map(() => 0), p = theta.slice();
      for (let s = 0; s < 2; s++) {
        reference.setParameters(unflat(reference, p));
        const g = flatGrad(reference, batch);
        v = v.map((vi, i) => 0.9 * vi + g[i]!);
        p = p.map((pi, i) => pi - 0.05 * (nesterov ? g[i]! + 0.9 * v[i]! : v[i]!));
      }
      train(model, batch, { epochs: 2, optimizer: { type: 'momentum', learningRate: 0.05, momentum: 0.9, nesterov }, shuffle: false });
      flat(model).forEach((x, i) => expect(x).toBeCloseTo(p[i]!, 12));
    }
  });

  it("Adam's first step moves every parameter with a non-zero gradient by ≈ lr against its gradient's sign", () => {
    const model = small(), batch = data();
    const theta = flat(model), g = flatGrad(model, batch);
    train(model, batch, { epochs: 1, optimizer: { type: 'adam', learningRate: 0.01, epsilon: 1e-12 } });
    flat(model).forEach((p, i) => {
      if (Math.abs(g[i]!) > 1e-9) expect(p - theta[i]!).toBeCloseTo(-0.01 * Math.sign(g[i]!), 8);
    });
  });

  it('rejects unknown optimizers and options', () => {
    expect(() => createOptimizer({ type: 'rmsprop' } as never)).toThrow(/optimizer.type: expected one of 'sgd', 'momentum', 'adam'/);
    expect(() => createOptimizer({ type: 'sgd', learningRate: 0.1, beta1: 0.9 } as never)).toThrow(/unknown option 'beta1'/);
    expect(() => createOptimizer({ type: 'sgd', learningRate: -1 })).toThrow(/optimizer.learningRate/);
    expect(() => createOptimizer({ type: 'sgd' } as never)).toThrow(/optimizer.learningRate: expected a finite number/);
  });
});

function unflat(model: ElmanRNN, values: number[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  let at = 0;
  for (const p of model.layout.parameters) { out[p.name] = values.slice(at, at + p.size); at += p.size; }
  return out;
}

describe('the training loop', () => {
  it('batch GD takes one step per epoch, mini-batches ceil(N/B), per-example SGD N', () => {
    for (const [batchSize, perEpoch] of [[undefined, 1], [4, 3], [1, 10]] as const) {
      const result = train(small(), data(), { epochs: 2, batchSize, optimizer: { type: 'sgd', learningRate: 0.01 } });
      expect(result.steps).toBe(2 * perEpoch);
      expect(result.history.map((h) => h.steps)).toEqual([perEpoch, perEpoch]);
    }
  });

  it('each epoch visits every example exactly once, in a new order', () => {
    const model = small();
    const seen: number[][] = [];
    const load = model.loadExamples.bind(model);
    model.loadExamples = (d, indices) => { seen.push(Array.from(indices)); load(d, indices); };
    train(model, data(), { epochs: 3, batchSize: 3, optimizer: { type: 'sgd', learningRate: 0.01 } });
    const epochs = [seen.slice(0, 4).flat(), seen.slice(4, 8).flat(), seen.slice(8, 12).flat()];
    for (const e of epochs) expect([...e].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(epochs[0]).not.toEqual(epochs[1]);
  });

  it('reports steps and epochs to callbacks, with validation loss from a split', () => {
    const steps: number[] = [], epochs: (number | undefined)[] = [];
    const result = train(small(), data(), {
      epochs: 3, batchSize: 2, validationSplit: 0.2,
      onStep: (s) => { steps.push(s.step); expect(s.gradientNorm).toBeGreaterThan(0); },
      onEpoch: (e) => epochs.push(e.validationLoss),
    });
    expect(steps).toEqual(Array.from({ length: 12 }, (_, i) => i + 1)); // 8 training examples → 4 steps per epoch
    expect(epochs).toHaveLength(3);
    for (const v of epochs) expect(v).toBeGreaterThan(0);
    expect(result.history[2]!.validationLoss).toBe(epochs[2]);
  });

  it('clipNorm bounds the update: SGD moves θ by at most lr·clipNorm', () => {
    const model = small(), batch = data();
    const theta = flat(model);
    const norm = Math.hypot(...flatGrad(model, batch));
    expect(norm).toBeGreaterThan(0.1);
    train(model, batch, { optimizer: { type: 'sgd', learningRate: 1 }, clipNorm: 0.1 });
    expect(Math.hypot(...flat(model).map((p, i) => p - theta[i]!))).toBeCloseTo(0.1, 10);
  });

  it('clipValue clamps each gradient entry', () => {
    const model = small(), batch = data();
    const theta = flat(model);
    train(model, batch, { optimizer: { type: 'sgd', learningRate: 1 }, clipValue: 1e-3 });
    const moved = flat(model).map((p, i) => Math.abs(p - theta[i]!));
    expect(Math.max(...moved)).toBeCloseTo(1e-3, 12);
  });

  it('stops on abort between steps and says so', () => {
    const controller = new AbortController();
    const result = train(small(), data(), {
      epochs: 5, batchSize: 1, signal: controller.signal,
      onStep: (s) => { if (s.step === 3) controller.abort(); },
    });
    expect(result.aborted).toBe(true);
    expect(result.steps).toBe(3);
  });

  it('a diverging run stops with a DivergenceError and keeps the last finite weights', () => {
    const model = new ElmanRNN({ inputSize: 3, hiddenSize: 5, outputSize: 2, seed: 1 });
    const batch = data();
    let lastGood: number[] = [];
    const run = () => train(model, batch, {
      epochs: 50, optimizer: { type: 'sgd', learningRate: 1e20 },
      onStep: () => { lastGood = flat(model); },
    });
    expect(run).toThrow(DivergenceError);
    expect(run).toThrow(/diverged at step \d+ \(epoch \d+\)/);
    const now = flat(model);
    expect(now.every(Number.isFinite)).toBe(true);
    expect(now).toEqual(lastGood);
    expect(Number.isFinite(model.evaluate(batch))).toBe(true);
  });

  it('a model whose batch shape grows mid-training keeps its weights and keeps learning', () => {
    const model = small();
    const a = data();
    const b = randomBatch({ size: 40, steps: 9, inputSize: 3, outputSize: 2, targets: 'vector', seed: 8 });
    train(model, a, { epochs: 2, optimizer: { type: 'sgd', learningRate: 0.05 } });
    const theta = flat(model);
    const lossBefore = model.evaluate(b);
    expect(flat(model)).toEqual(theta); // evaluating on a bigger shape grew the arena but kept the weights
    train(model, b, { epochs: 20, optimizer: { type: 'adam', learningRate: 0.01 } });
    expect(model.evaluate(b)).toBeLessThan(lossBefore);
  });

  it('rejects bad options with the argument named', () => {
    const model = small(), batch = data();
    expect(() => train(model, batch, { epoch: 3 } as never)).toThrow(/unknown option 'epoch'/);
    expect(() => train(model, batch, { epochs: 0 })).toThrow(/epochs: expected an integer ≥ 1, got 0/);
    expect(() => train(model, batch, { batchSize: 2.5 })).toThrow(/batchSize/);
    expect(() => train(model, batch, { validationSplit: 1.5 })).toThrow(/validationSplit/);
    expect(() => train(model, batch, { validationSplit: 0.01 })).toThrow(/validationSplit: expected a fraction leaving at least one/);
    expect(() => train(model, batch, { clipNorm: -0.5 })).toThrow(/clipNorm/); // 0 means off (as --clip 0 in the CLI)
    expect(() => train(model, batch, { onStep: 5 } as never)).toThrow(/onStep: expected a function/);
    const unlabelled = sequenceBatch({ inputs: [[[1, 2, 3]]] });
    expect(() => train(model, unlabelled)).toThrow(/batch: expected targets or classes/);
  });
});
