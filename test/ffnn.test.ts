import { describe, expect, it } from 'vitest';
import { createRowBatch, rowBatch, selectRows, type RowBatch } from '../src/data/row-batch.js';
import { FeedForwardNetwork, type FfnnConfig } from '../src/model/ffnn.js';
import type { Activation } from '../src/model/functions.js';
import { Random } from '../src/model/random.js';
import { gradientCheck } from '../src/train/gradient-check.js';
import { train } from '../src/train/train.js';
import { ACTIVATIONS, HEADS, type TargetKind } from './helpers/cases.js';

const TOLERANCE = 1e-6;
/** Chosen so that no relu pre-activation lies near its kink (see distanceToKink). */
const DATA_SEED = 23;

const activations = ACTIVATIONS;
const heads = HEADS;

/** Gaussian inputs and targets suited to the loss ('binary' = values in [0, 1], as BCE allows soft targets). */
function randomRows(size: number, inputSize: number, outputSize: number, targets: TargetKind, seed = 11): RowBatch {
  const rng = new Random(seed);
  const inputs = Float64Array.from({ length: size * inputSize }, () => rng.gaussian());
  if (targets === 'classes') {
    return createRowBatch({ size, inputSize, inputs, classes: Int32Array.from({ length: size }, () => rng.int(outputSize)) });
  }
  const values = new Float64Array(size * outputSize);
  for (let row = 0; row < size; row++) {
    const t = values.subarray(row * outputSize, (row + 1) * outputSize);
    if (targets === 'probability') {
      for (let k = 0; k < outputSize; k++) t[k] = rng.next() + 0.05;
      const sum = t.reduce((a, b) => a + b, 0);
      for (let k = 0; k < outputSize; k++) t[k]! /= sum;
    } else {
      for (let k = 0; k < outputSize; k++) t[k] = targets === 'binary' ? rng.next() : rng.gaussian();
    }
  }
  return createRowBatch({ size, inputSize, inputs, targets: values, targetSize: outputSize });
}

/** Non-zero biases, so their gradients and the kinks of relu are exercised away from the symmetric start. */
function setBiases(model: FeedForwardNetwork): void {
  const sizes = model.config.layerSizes;
  for (let k = 1; k < sizes.length; k++) {
    model.setParameter(`b${k}`, Float64Array.from({ length: sizes[k]! }, (_, i) => 0.1 * Math.cos(i + k)));
  }
}

function expectClose(result: ReturnType<typeof gradientCheck>) {
  expect(result.loss).toBeGreaterThan(0);
  for (const [name, check] of Object.entries(result.parameters)) {
    expect(check.relativeError, `${name}[${check.index}]: analytic ${check.analytic} vs numeric ${check.numeric}`).toBeLessThanOrEqual(TOLERANCE);
  }
}

/** Eqs. 1.4–1.6 written out with plain loops, independently of the kernels: a^1..a^U for one input row. */
function referencePreactivations(model: FeedForwardNetwork, x: ArrayLike<number>): number[][] {
  const { layerSizes: p, activation } = model.config;
  const sigma = { identity: (a: number) => a, sigmoid: (a: number) => 1 / (1 + Math.exp(-a)), tanh: Math.tanh, relu: (a: number) => Math.max(a, 0) }[activation];
  const preactivations: number[][] = [];
  let phi = Array.from(x);
  for (let k = 1; k < p.length; k++) {
    const W = model.getParameter(`W${k}`), b = model.getParameter(`b${k}`);
    const a = Array.from({ length: p[k]! }, (_, i) => b[i]! + phi.reduce((sum, v, j) => sum + W[i * p[k - 1]! + j]! * v, 0));
    preactivations.push(a);
    phi = a.map(sigma);
  }
  return preactivations;
}

/** y = F(a^U) (eq. 1.3): an oracle for predict(). */
function referenceForward(model: FeedForwardNetwork, x: ArrayLike<number>): number[] {
  const a = referencePreactivations(model, x).at(-1)!;
  switch (model.config.output) {
    case 'identity': return a;
    case 'sigmoid': return a.map((v) => 1 / (1 + Math.exp(-v)));
    case 'softmax': {
      const e = a.map((v) => Math.exp(v));
      const total = e.reduce((s, v) => s + v, 0);
      return e.map((v) => v / total);
    }
  }
}

/**
 * The smallest |a^k| over the hidden layers and rows. ReLU's derivative jumps
 * at 0, so a finite difference whose ±2h steps straddle a kink measures
 * nothing; the checks below require a margin far wider than those steps.
 */
function distanceToKink(model: FeedForwardNetwork, batch: RowBatch): number {
  const p = batch.inputSize;
  let nearest = Infinity;
  for (let row = 0; row < batch.size; row++) {
    const hidden = referencePreactivations(model, batch.inputs.subarray(row * p, (row + 1) * p)).slice(0, -1);
    for (const a of hidden) for (const v of a) nearest = Math.min(nearest, Math.abs(v));
  }
  return nearest;
}

describe('FFNN: backprop gradient against float64 central differences', () => {
  for (const layerSizes of [[7, 13, 5], [7, 13, 3, 5]]) {
    for (const activation of activations) {
      for (const head of heads) {
        it(`layers ${layerSizes.join('-')}, σ=${activation}, F=${head.output}, ${head.loss} (${head.targets})`, () => {
          const model = new FeedForwardNetwork({ layerSizes, activation, output: head.output, loss: head.loss, seed: 3 });
          setBiases(model);
          const batch = randomRows(6, 7, 5, head.targets, DATA_SEED);
          if (activation === 'relu') expect(distanceToKink(model, batch)).toBeGreaterThan(1e-2);
          expectClose(gradientCheck(model, batch));
        });
      }
    }
  }

  it('layers 1-1 (no hidden layer: y = F(W1·x + b1)), one row', () => {
    const model = new FeedForwardNetwork({ layerSizes: [1, 1], seed: 5 });
    model.setParameter('b1', [0.3]);
    expectClose(gradientCheck(model, randomRows(1, 1, 1, 'vector')));
  });

  it('a hidden layer of width 1 between wide ones, softmax over 5 classes', () => {
    const model = new FeedForwardNetwork({ layerSizes: [7, 1, 9, 5], activation: 'sigmoid', output: 'softmax', seed: 2 });
    setBiases(model);
    expectClose(gradientCheck(model, randomRows(4, 7, 5, 'classes')));
  });
});

describe('FFNN: forward pass and loss', () => {
  it('predict() matches eqs. 1.3–1.6 computed with plain loops', () => {
    for (const [activation, output] of [['tanh', 'softmax'], ['relu', 'identity'], ['sigmoid', 'sigmoid']] as const) {
      const model = new FeedForwardNetwork({ layerSizes: [4, 6, 3, 2], activation, output, seed: 8, dtype: 'float64' });
      setBiases(model);
      const batch = randomRows(5, 4, 2, 'vector');
      const y = model.predict(batch);
      for (let row = 0; row < 5; row++) {
        const expected = referenceForward(model, batch.inputs.subarray(row * 4, row * 4 + 4));
        for (let k = 0; k < 2; k++) expect(y[row * 2 + k]).toBeCloseTo(expected[k]!, 12);
      }
    }
  });

  it('the loss is the mean over rows of the per-row loss (eq. 1.8), as is the gradient', () => {
    const model = new FeedForwardNetwork({ layerSizes: [3, 4, 2], seed: 1, dtype: 'float64' });
    const batch = randomRows(2, 3, 2, 'vector');
    const both = model.computeGradients(batch);
    const first = model.computeGradients(selectRows(batch, [0]));
    const second = model.computeGradients(selectRows(batch, [1]));
    expect(both.loss).toBeCloseTo((first.loss + second.loss) / 2, 12);
    expect(both.gradients.W1![5]).toBeCloseTo((first.gradients.W1![5]! + second.gradients.W1![5]!) / 2, 12);
  });

  it('a batch larger than predict()’s chunk gives the same rows as one row at a time', () => {
    const model = new FeedForwardNetwork({ layerSizes: [3, 5, 2], output: 'softmax', seed: 4 });
    const batch = randomRows(300, 3, 2, 'classes');
    const all = model.predict(batch);
    for (const row of [0, 255, 256, 299]) {
      expect(Array.from(all.subarray(row * 2, row * 2 + 2))).toEqual(Array.from(model.predict(selectRows(batch, [row]))));
    }
  });

  it('clone() copies the parameters; config is plain JSON with every default resolved', () => {
    const model = new FeedForwardNetwork({ layerSizes: [2, 3, 4], output: 'softmax', seed: 6 });
    expect(JSON.parse(JSON.stringify(model.config))).toEqual({ layerSizes: [2, 3, 4], activation: 'tanh', output: 'softmax', loss: 'cross-entropy' });
    const copy = model.clone({ dtype: 'float64' });
    expect(copy.dtype).toBe('float64');
    const batch = rowBatch({ inputs: [[0.5, -1], [2, 0.25]] });
    const a = model.predict(batch), b = copy.predict(batch);
    for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i]!, 6);
    expect(model.parameterNames).toEqual(['W1', 'W2', 'b1', 'b2']);
    expect(model.parameterCount).toBe(3 * 2 + 4 * 3 + 3 + 4);
  });
});

describe('FFNN: seeds', () => {
  it('the same seed gives identical parameters; another seed different weights', () => {
    const config: FfnnConfig = { layerSizes: [5, 8, 3], activation: 'relu' };
    const a = new FeedForwardNetwork({ ...config, seed: 42 }).parameters();
    const b = new FeedForwardNetwork({ ...config, seed: 42 }).parameters();
    const c = new FeedForwardNetwork({ ...config, seed: 43 }).parameters();
    expect(b).toEqual(a);
    expect(Array.from(c.W1!)).not.toEqual(Array.from(a.W1!));
    expect(Array.from(c.W2!)).not.toEqual(Array.from(a.W2!));
  });
});

describe('FFNN: bad input is refused with the argument named', () => {
  const model = new FeedForwardNetwork({ layerSizes: [3, 4, 2], output: 'softmax' });

  it('inputs of the wrong size for the network', () => {
    expect(() => model.computeGradients(randomRows(2, 4, 2, 'classes'))).toThrow(/batch\.inputSize: expected the network's input size layerSizes\[0\] = 3, got 4/);
    expect(() => model.predict(rowBatch({ inputs: [[1, 2]] }))).toThrow(/batch\.inputSize/);
  });

  it('rows of unequal length', () => {
    expect(() => rowBatch({ inputs: [[1, 2, 3], [1, 2]] })).toThrow(/inputs\[1\]: expected length 3/);
    expect(() => createRowBatch({ size: 2, inputSize: 3, inputs: [1, 2, 3, 4, 5] })).toThrow(/inputs: expected length 6/);
  });

  it('NaN or Infinity in inputs or targets', () => {
    expect(() => rowBatch({ inputs: [[1, 2, 3], [1, NaN, 3]] })).toThrow(/inputs\[1\]: expected numbers finite in float32 \(\|x\| ≤ 3\.4e38\), got NaN at index 1/);
    expect(() => createRowBatch({ size: 1, inputSize: 2, inputs: [0, Infinity] })).toThrow(/inputs: expected numbers finite in float32 \(\|x\| ≤ 3\.4e38\), got Infinity at index 1/);
    expect(() => rowBatch({ inputs: [[1]], targets: [[NaN]] })).toThrow(/targets\[0\]: expected numbers finite in float32/);
  });

  it('targets of the wrong length', () => {
    expect(() => createRowBatch({ size: 2, inputSize: 1, inputs: [1, 2], targets: [1, 2, 3], targetSize: 2 })).toThrow(/targets: expected length 4/);
    expect(() => rowBatch({ inputs: [[1], [2]], targets: [[1, 0], [1]] })).toThrow(/targets\[1\]: expected length 2/);
    expect(() => rowBatch({ inputs: [[1], [2]], targets: [[1, 0]] })).toThrow(/targets: expected length 2 \(one target per input row/);
    const mse = new FeedForwardNetwork({ layerSizes: [3, 4, 2] });
    expect(() => mse.computeGradients(rowBatch({ inputs: [[1, 2, 3]], targets: [[1, 2, 3]] }))).toThrow(/batch\.targetSize: expected the network's output size layerSizes\[2\] = 2, got 3/);
  });

  it('class indices out of range, or given to a loss that takes vectors', () => {
    expect(() => model.computeGradients(rowBatch({ inputs: [[1, 2, 3], [4, 5, 6]], targets: [1, 2] }))).toThrow(/batch\.classes\[1\]: expected a class index in \[0, 1\]/);
    expect(() => rowBatch({ inputs: [[1], [2]], targets: [0, -1] })).toThrow(/targets\[1\]: expected an integer in \[0, 2147483647\], got -1/);
    expect(() => createRowBatch({ size: 1, inputSize: 1, inputs: [1], classes: [0.5] })).toThrow(/classes\[0\]: expected an integer in \[0, 2147483647\], got 0\.5/);
    const mse = new FeedForwardNetwork({ layerSizes: [1, 2] });
    expect(() => mse.computeGradients(rowBatch({ inputs: [[1]], targets: [0] }))).toThrow(/batch\.classes: expected vector targets/);
  });

  it('a loss without targets', () => {
    expect(() => model.computeGradients(rowBatch({ inputs: [[1, 2, 3]] }))).toThrow(/batch: expected targets or classes/);
  });

  it('unknown options', () => {
    expect(() => new FeedForwardNetwork({ layerSizes: [2, 1], hiddenSize: 3 } as FfnnConfig)).toThrow(/FeedForwardNetwork config: unknown option 'hiddenSize'/);
    expect(() => new FeedForwardNetwork({ layerSizes: [2, 1], init: { recurrent: 'identity' } } as FfnnConfig)).toThrow(/init: unknown option 'recurrent'/);
    expect(() => rowBatch({ inputs: [[1]], classes: [0] } as never)).toThrow(/rowBatch options: unknown option 'classes'/);
    expect(() => createRowBatch({ size: 1, inputSize: 1, inputs: [1], mask: [1] } as never)).toThrow(/createRowBatch options: unknown option 'mask'/);
  });

  it('bad layer sizes', () => {
    expect(() => new FeedForwardNetwork({ layerSizes: [3, 0, 2] })).toThrow(/layerSizes\[1\]: expected an integer in \[1, 65536\], got 0/);
    expect(() => new FeedForwardNetwork({ layerSizes: [3, 2.5] })).toThrow(/layerSizes\[1\]: expected an integer/);
    expect(() => new FeedForwardNetwork({ layerSizes: [3] })).toThrow(/layerSizes: expected an array of 2 to 1025 sizes .*, got an array of length 1/);
    expect(() => new FeedForwardNetwork({} as FfnnConfig)).toThrow(/layerSizes: expected an array of 2 to 1025 sizes .*, got undefined/);
  });

  it('bad functions and pairs', () => {
    expect(() => new FeedForwardNetwork({ layerSizes: [2, 1], activation: 'softmax' as Activation })).toThrow(/activation: expected one of 'identity', 'sigmoid', 'tanh', 'relu', got "softmax"/);
    expect(() => new FeedForwardNetwork({ layerSizes: [2, 1], output: 'identity', loss: 'binary-cross-entropy' })).toThrow(/loss: 'binary-cross-entropy' expects output 'sigmoid'/);
  });

  it('row indices out of range in selectRows', () => {
    const batch = rowBatch({ inputs: [[1], [2]] });
    expect(() => selectRows(batch, [0, 2])).toThrow(/indices\[1\]: expected an integer in \[0, 1\], got 2/);
    expect(() => selectRows(batch, [])).toThrow(/indices: expected a non-empty array/);
  });
});

describe('FFNN: learning', () => {
  it('learns XOR: [2, 8, 1], tanh hidden, sigmoid output, binary cross-entropy, full-batch Adam', () => {
    const xor = rowBatch({ inputs: [[0, 0], [0, 1], [1, 0], [1, 1]], targets: [[0], [1], [1], [0]] });
    const model = new FeedForwardNetwork({ layerSizes: [2, 8, 1], activation: 'tanh', output: 'sigmoid', loss: 'binary-cross-entropy', seed: 7 });
    const THRESHOLD = 0.05;
    // The threshold must separate trained from untrained: at the start the loss is near ln 2 ≈ 0.69.
    expect(model.evaluate(xor)).toBeGreaterThan(THRESHOLD);

    const { history } = train(model, xor, { epochs: 500, optimizer: { type: 'adam', learningRate: 0.05 }, seed: 7 });
    expect(history).toHaveLength(500);
    expect(model.evaluate(xor)).toBeLessThan(THRESHOLD);
    const y = model.predict(xor);
    expect(Array.from(y, (v) => (v > 0.5 ? 1 : 0))).toEqual([0, 1, 1, 0]);
  });
});
