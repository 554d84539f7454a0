import { describe, expect, it } from 'vitest';
import { createRowBatch, rowBatch } from '../src/data/row-batch.js';
import { createSequenceBatch, sequenceBatch } from '../src/data/sequence-batch.js';
import { splitSequences } from '../src/data/split.js';
import { RnnkitError } from '../src/errors.js';
import { FeedForwardNetwork } from '../src/model/ffnn.js';
import { Random } from '../src/model/random.js';
import { RecurrentNetwork } from '../src/model/recurrent/network.js';
import { ElmanRNN } from '../src/model/rnn.js';
import { RnnStepper } from '../src/model/stepper.js';
import { computeGradients } from '../src/train/gradient-algorithm.js';
import { rtrlBytes } from '../src/train/rtrl.js';
import { train } from '../src/train/train.js';

/*
 * Issue 16's silent wrong answers, each class with a case that today's fix
 * turns into a clear RnnkitError (or an exact answer) where the code used to
 * compute something else without a word.
 */
const error = (fn: () => unknown, pattern: RegExp) => {
  let thrown: unknown;
  try { fn(); } catch (e) { thrown = e; }
  expect(thrown, `expected an RnnkitError matching ${pattern}`).toBeInstanceOf(RnnkitError);
  expect((thrown as Error).message).toMatch(pattern);
};

describe('integers are integers in their range, checked before they are stored', () => {
  it('class indices that an Int32Array would wrap (2³² + 2 is not class 2)', () => {
    error(() => createSequenceBatch({ size: 1, steps: 1, inputSize: 1, inputs: [0], classes: [2 ** 32 + 2] }), /classes\[0\]: expected an integer in \[0, 2147483647\], got 4294967298/);
    error(() => sequenceBatch({ inputs: [[[0]]], targets: [[2 ** 31]] }), /targets\[0\]\[0\]: expected an integer in \[0, 2147483647\]/);
    error(() => createRowBatch({ size: 1, inputSize: 1, inputs: [0], classes: [2 ** 32] }), /classes\[0\]: expected an integer in \[0, 2147483647\]/);
    error(() => rowBatch({ inputs: [[0]], targets: [2 ** 32 + 1] }), /targets\[0\]: expected an integer in \[0, 2147483647\]/);
  });

  it('a class index changed to −1 after the batch was built is caught when the batch is used', () => {
    const model = new RecurrentNetwork({ cell: 'gru', inputSize: 1, hiddenSize: 3, outputSize: 2, output: 'softmax' });
    const batch = sequenceBatch({ inputs: [[[0], [1]]], targets: [[0, 1]] });
    (batch.classes as Int32Array)[1] = -1;
    error(() => computeGradients(model, batch), /batch\.classes\[1\]: expected a class index ≥ 0, got -1/);
  });

  it('evaluate takes a whole batch size ≥ 1 (1.5 gave a wrong mean, 0 never returned)', () => {
    const model = new ElmanRNN({ inputSize: 1, hiddenSize: 2, outputSize: 1 });
    const batch = sequenceBatch({ inputs: [[[1]], [[2]]], targets: [[[1]], [[0]]] });
    error(() => model.evaluate(batch, 1.5), /batchSize: expected an integer ≥ 1, got 1\.5/);
    error(() => model.evaluate(batch, 0), /batchSize: expected an integer ≥ 1, got 0/);
  });

  it('seeds are integers in [0, 2³² − 1] (1.5 and 2³² + 1 acted as seed 1)', () => {
    for (const seed of [1.5, 2 ** 32 + 1, -1]) {
      error(() => new RecurrentNetwork({ cell: 'lstm', inputSize: 1, hiddenSize: 2, outputSize: 1, seed }), /seed: expected an integer in \[0, 4294967295\]/);
      error(() => new ElmanRNN({ inputSize: 1, hiddenSize: 2, outputSize: 1, seed }), /seed: expected an integer in \[0, 4294967295\]/);
      error(() => new FeedForwardNetwork({ layerSizes: [1, 1], seed }), /seed: expected an integer in \[0, 4294967295\]/);
      error(() => new Random(seed), /seed: expected an integer in \[0, 4294967295\]/);
    }
    const batch = sequenceBatch({ inputs: [[[1]], [[2]]], targets: [[[1]], [[0]]] });
    error(() => train(new ElmanRNN({ inputSize: 1, hiddenSize: 2, outputSize: 1 }), batch, { seed: 2 ** 32 }), /seed: expected an integer in \[0, 4294967295\]/);
    error(() => splitSequences(batch, { validation: 0.5, seed: 0.5 }), /seed: expected an integer in \[0, 4294967295\]/);
    // The whole range still works, and different seeds give different models.
    const a = new ElmanRNN({ inputSize: 1, hiddenSize: 2, outputSize: 1, seed: 2 ** 32 - 1 });
    const b = new ElmanRNN({ inputSize: 1, hiddenSize: 2, outputSize: 1, seed: 1 });
    expect(Array.from(a.getParameter('W_in'))).not.toEqual(Array.from(b.getParameter('W_in')));
  });
});

describe('values are finite in the dtype they are stored in', () => {
  it('a float32 model refuses parameters beyond float32 (1e39 became Infinity); a float64 model keeps them', () => {
    const f32 = new ElmanRNN({ inputSize: 2, hiddenSize: 3, outputSize: 1 });
    error(() => f32.setParameter('W_out', [1, 1e39, 1]), /parameter W_out: expected numbers finite in float32 \(\|x\| ≤ 3\.4e38\), got 1e\+39 at index 1/);
    error(() => f32.setParameters({ W_out: [1, -1e39, 1] }), /parameter W_out: expected numbers finite in float32/);
    expect(Array.from(f32.getParameter('W_out')).every(Number.isFinite)).toBe(true);
    const f64 = new ElmanRNN({ inputSize: 2, hiddenSize: 3, outputSize: 1, dtype: 'float64' });
    f64.setParameter('W_out', [1, 1e39, 1]);
    expect(f64.getParameter('W_out')[1]).toBe(1e39);
  });

  it('init.recurrentGain that overflows float32 is refused, not turned into Infinity weights', () => {
    error(() => new ElmanRNN({ inputSize: 2, hiddenSize: 3, outputSize: 1, init: { recurrentGain: 1e300 } }), /parameter W_rec: expected numbers finite in float32/);
  });

  it('batch values beyond float32 are refused where the batch is built', () => {
    error(() => sequenceBatch({ inputs: [[[1, 1e39]]] }), /inputs\[0\]\[0\]\[1\]: expected a number finite in float32/);
    error(() => createSequenceBatch({ size: 1, steps: 1, inputSize: 1, inputs: [-1e39] }), /inputs: expected numbers finite in float32 .*got -1e\+39 at index 0/);
    error(() => rowBatch({ inputs: [[1e39]] }), /inputs\[0\]: expected numbers finite in float32/);
  });

  it('RnnStepper checks what it stores: step inputs in float32, and reset states (NaN, a string)', () => {
    const stepper = new RnnStepper(new ElmanRNN({ inputSize: 2, hiddenSize: 3, outputSize: 1 }));
    error(() => stepper.step([1e39, 0]), /x: expected numbers finite in float32/);
    error(() => stepper.reset([0, NaN, 0]), /state: expected numbers finite in float32 .*got NaN at index 1/);
    error(() => stepper.reset('abc' as never), /state: expected streams·stateSize = 1·3 numbers/);
    stepper.reset([0.5, -0.5, 0]);
    expect(Array.from(stepper.state)).toEqual([0.5, -0.5, 0]);
  });
});

describe('a float64 model computes on the data exactly as given', () => {
  it('its loss equals a plain float64 forward pass written here to 1e-12 (the batch used to round the data to float32)', () => {
    const model = new ElmanRNN({ inputSize: 2, hiddenSize: 3, outputSize: 2, dtype: 'float64', seed: 3 });
    const rng = new Random(9);
    const inputs = Array.from({ length: 2 }, () => Array.from({ length: 4 }, () => [rng.gaussian() / 3, rng.gaussian() / 3]));
    const targets = Array.from({ length: 2 }, () => Array.from({ length: 4 }, () => [rng.gaussian(), rng.gaussian()]));
    const loss = computeGradients(model, sequenceBatch({ inputs, targets })).loss;
    // h_t = tanh(W_in x_t + W_rec h_{t−1} + b_rec), y_t = W_out h_t + b_out, L = (1/B) Σ_b Σ_t ½‖y_t − target_t‖².
    const W_in = model.getParameter('W_in'), W_rec = model.getParameter('W_rec'), W_out = model.getParameter('W_out');
    const b_rec = model.getParameter('b_rec'), b_out = model.getParameter('b_out');
    // predict runs the same forward pass: its outputs must be the oracle's y_t, per sequence and step.
    const outputs = model.predict(sequenceBatch({ inputs }));
    let reference = 0;
    for (let b = 0; b < 2; b++) {
      let h = [0, 0, 0];
      for (let t = 0; t < 4; t++) {
        h = h.map((_, i) => Math.tanh(b_rec[i]! + W_in[i * 2]! * inputs[b]![t]![0]! + W_in[i * 2 + 1]! * inputs[b]![t]![1]!
          + W_rec[i * 3]! * h[0]! + W_rec[i * 3 + 1]! * h[1]! + W_rec[i * 3 + 2]! * h[2]!));
        for (let k = 0; k < 2; k++) {
          const y = b_out[k]! + W_out[k * 3]! * h[0]! + W_out[k * 3 + 1]! * h[1]! + W_out[k * 3 + 2]! * h[2]!;
          reference += 0.5 * (y - targets[b]![t]![k]!) ** 2 / 2;
          expect(Math.abs(outputs[(b * 4 + t) * 2 + k]! - y)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(y)));
        }
      }
    }
    expect(Math.abs(loss - reference) / reference).toBeLessThanOrEqual(1e-12);
    // A batch given float32 data stays float32, as given.
    const rounded = createSequenceBatch({ size: 1, steps: 1, inputSize: 1, inputs: Float32Array.of(0.1) });
    expect(rounded.inputs).toBeInstanceOf(Float32Array);
    expect(sequenceBatch({ inputs: [[[0.1]]] }).inputs[0]).toBe(0.1);
  });
});

describe('targets outside a loss\'s domain are refused (the loss went negative)', () => {
  it('binary cross-entropy takes probabilities in [0, 1]; cross-entropy takes weights ≥ 0', () => {
    const bce = new RecurrentNetwork({ cell: 'elman', inputSize: 1, hiddenSize: 2, outputSize: 1, output: 'sigmoid' });
    for (const t of [-3, 7]) {
      error(() => computeGradients(bce, sequenceBatch({ inputs: [[[1]]], targets: [[[t]]] })), /batch\.targets\[0\]: expected a probability in \[0, 1\] for binary-cross-entropy/);
    }
    const ce = new RecurrentNetwork({ cell: 'lstm', inputSize: 1, hiddenSize: 2, outputSize: 2, output: 'softmax' });
    error(() => train(ce, sequenceBatch({ inputs: [[[1]]], targets: [[[1.5, -0.5]]] })), /batch\.targets\[1\]: expected a weight ≥ 0 for cross-entropy, got -0\.5/);
    const ffnn = new FeedForwardNetwork({ layerSizes: [1, 2], output: 'sigmoid' });
    error(() => ffnn.evaluate(rowBatch({ inputs: [[1]], targets: [[0.5, 2]] })), /batch\.targets\[1\]: expected a probability in \[0, 1\]/);
    // In the domain, the losses are ≥ 0.
    expect(computeGradients(bce, sequenceBatch({ inputs: [[[1]]], targets: [[[0.3]]] })).loss).toBeGreaterThan(0);
  });
});

describe('only numbers are numbers in the nested builders', () => {
  it('null, true, "1" and [1] are refused as values, and as mask entries', () => {
    for (const v of [null, true, '1', [1]]) {
      error(() => sequenceBatch({ inputs: [[[1, v as never]]] }), /inputs\[0\]\[0\]\[1\]: expected a number finite in float32/);
      error(() => sequenceBatch({ inputs: [[[1]]], targets: [[[v as never]]] }), /targets\[0\]\[0\]\[0\]: expected a number finite in float32/);
      error(() => sequenceBatch({ inputs: [[[1]]], mask: [[v as never]] }), /mask\[0\]\[0\]: expected the number 0 or 1/);
      error(() => sequenceBatch({ inputs: [[[1]]], initialState: [[v as never]] }), /initialState\[0\]\[0\]: expected a number finite in float32/);
      error(() => rowBatch({ inputs: [[v as never]] }), /inputs\[0\]: expected numbers finite in float32/);
    }
  });
});

describe('a batch changed after it was built', () => {
  it('is checked when it is used: a NaN written into it, or sizes spread over', () => {
    const model = new RecurrentNetwork({ cell: 'gru', inputSize: 2, hiddenSize: 3, outputSize: 1 });
    const batch = sequenceBatch({ inputs: [[[1, 2], [3, 4]]], targets: [[[1], [0]]] });
    const inputs = batch.inputs as Float64Array;
    inputs[3] = NaN;
    error(() => computeGradients(model, batch), /batch\.inputs: expected numbers finite in float32 .*got NaN at index 3/);
    inputs[3] = 4;
    error(() => model.predict({ ...batch, size: 50 }), /batch\.inputs: expected a Float32Array or Float64Array of 200 values/);
    error(() => train(model, { ...batch, steps: 3 }), /batch\.inputs: expected a Float32Array or Float64Array of 6 values/);
    (batch.mask as Float32Array)[0] = 0.5;
    error(() => model.evaluate(batch), /batch\.mask\[0\]: expected 0 or 1, got 0\.5/);
    (batch.mask as Float32Array)[0] = 1;
    expect(Number.isFinite(computeGradients(model, batch).loss)).toBe(true);
  });
});

describe('a wrong argument gets a clear error, not a TypeError from deep inside', () => {
  const m = new ElmanRNN({ inputSize: 1, hiddenSize: 2, outputSize: 1 });
  const d = sequenceBatch({ inputs: [[[1]]], targets: [[[1]]] });
  const ffnn = new FeedForwardNetwork({ layerSizes: [1, 1] });
  const cases: [string, () => unknown, RegExp][] = [
    ['train(null, d)', () => train(null as never, d), /model: expected an rnnkit model/],
    ['computeGradients(null, d)', () => computeGradients(null as never, d), /model: expected an rnnkit model/],
    ['sequenceBatch()', () => (sequenceBatch as (o?: unknown) => unknown)(), /sequenceBatch options: expected an object/],
    ['createSequenceBatch()', () => (createSequenceBatch as (o?: unknown) => unknown)(), /createSequenceBatch options: expected an object/],
    ['BigInt inputs', () => sequenceBatch({ inputs: [[[1n as never]]] }), /got the BigInt 1n/],
    ['backend: {}', () => new ElmanRNN({ inputSize: 1, hiddenSize: 2, outputSize: 1, backend: {} as never }), /backend: expected a backend name/],
    ['new RnnStepper(ffnn)', () => new RnnStepper(ffnn as never), /model: expected a recurrent model/],
    ['rtrlBytes(null, 1)', () => rtrlBytes(null as never, 1), /model: expected a recurrent model/],
    ['rtrlBytes(m, NaN)', () => rtrlBytes(m, NaN), /batch: expected an integer ≥ 1, got NaN/],
    ['layerSizes [40000, 40000]', () => new FeedForwardNetwork({ layerSizes: [40000, 40000] }), /model: expected at most 4 GiB .*5 × 1600040000 float32 values = 29\.8 GiB/],
  ];
  for (const [name, fn, pattern] of cases) it(name, () => error(fn, pattern));

  it('trainAsync(m, d, null) rejects with one', async () => {
    const { trainAsync } = await import('../src/train/train.js');
    await expect(trainAsync(m, d, null as never)).rejects.toThrow(/trainAsync options: expected an options object, got null/);
  });
});

describe('work and memory are bounded before they start', () => {
  it('sample() refuses a length it could not produce (2³² crashed the process)', async () => {
    const { sample } = await import('../src/model/sample.js');
    const model = new RecurrentNetwork({ cell: 'gru', inputSize: 3, hiddenSize: 4, outputSize: 3, output: 'softmax' });
    error(() => sample(model, { length: 2 ** 32 }), /length: expected an integer in \[0, 10000000\], got 4294967296/);
    expect(sample(model, { length: 5, seed: 2 })).toHaveLength(5);
  });

  it('a Vocabulary refuses the holes of a sparse array (they decoded to "undefined")', async () => {
    const { Vocabulary } = await import('../src/data/vocabulary.js');
    // eslint-disable-next-line no-sparse-arrays
    error(() => new Vocabulary(['a', , 'b'] as string[]), /symbols\[1\]: expected a non-empty string, got undefined/);
  });
});

describe('stopping and diverging mid-stream', () => {
  it('an AbortSignal stops truncated BPTT between chunks, not only between batches', () => {
    const model = new RecurrentNetwork({ cell: 'lstm', inputSize: 1, hiddenSize: 3, outputSize: 1 });
    const batch = sequenceBatch({ inputs: [Array.from({ length: 40 }, (_, t) => [Math.sin(t)])], targets: [Array.from({ length: 40 }, (_, t) => [Math.cos(t)])] });
    const controller = new AbortController();
    const result = train(model, batch, { algorithm: { type: 'tbptt', k: 4 }, epochs: 3, signal: controller.signal, onStep: (s) => { if (s.step === 2) controller.abort(); } });
    expect(result.aborted).toBe(true);
    expect(result.steps).toBe(2); // one batch of 10 chunks per epoch: it used to run all 10
  });

  it('an OnlineLearner that diverges throws a DivergenceError, keeps the last finite weights, and learns on afterwards', async () => {
    const { OnlineLearner } = await import('../src/train/online.js');
    const { DivergenceError } = await import('../src/errors.js');
    const model = new ElmanRNN({ inputSize: 1, hiddenSize: 3, outputSize: 1, seed: 2 });
    const learner = new OnlineLearner(model, { algorithm: { type: 'tbptt', k: 4 }, optimizer: { type: 'sgd', learningRate: 1e38 } });
    const before = model.parameters();
    let thrown: unknown;
    try { for (let t = 0; t < 5; t++) learner.learn([1], [50]); } catch (e) { thrown = e; }
    expect(thrown).toBeInstanceOf(DivergenceError);
    expect((thrown as Error).message).toMatch(/online learning diverged at step 1: the update made a weight non-finite; the weights were restored/);
    expect(model.parameters()).toEqual(before);
    const gentle = new OnlineLearner(model, { algorithm: { type: 'tbptt', k: 4 }, optimizer: { type: 'sgd', learningRate: 0.01 } });
    expect(Number.isFinite(gentle.learn([1], [0.5]).loss)).toBe(true);
    expect(Number.isFinite(learner.predict([1])[0]!)).toBe(true);
  });
  it('an OnlineLearner whose gradient overflows float32 throws a DivergenceError and keeps its weights, with or without clipping', async () => {
    const { OnlineLearner } = await import('../src/train/online.js');
    const { DivergenceError } = await import('../src/errors.js');
    const { flatGradients } = await import('./helpers/online-models.js');
    // b_out's gradient is the sum of the errors y − target over the update's steps: 2 × −3e38 is −∞ in float32, every
    // other entry finite or not. Clamping (clipValue) would hide the infinity, so the learner looks before it clamps.
    const cases: [Record<string, number>, RegExp][] = [
      [{}, /at step 2: the gradient became non-finite; the weights were not updated/],
      [{ clipValue: 1 }, /at step 2: the gradient became non-finite; the weights were not updated/],
      [{ clipNorm: 1 }, /at step 2: the gradient norm became (Infinity|NaN); the weights were not updated/],
    ];
    // Every optimizer: the update runs on the infinite gradient (its moments take it in), then the learner restores the
    // weights and resets the moments, so the next updates are finite again.
    const optimizers = [{ type: 'sgd', learningRate: 0.01 }, { type: 'momentum', learningRate: 0.01 }, { type: 'adam', learningRate: 0.01 }] as const;
    for (const [clip, message] of cases) {
      for (const optimizer of optimizers) {
        const model = new ElmanRNN({ inputSize: 1, hiddenSize: 3, outputSize: 1, seed: 2 });
        const learner = new OnlineLearner(model, { algorithm: { type: 'tbptt', k: 2 }, updateEvery: 2, optimizer, ...clip });
        const before = model.parameters();
        learner.learn([1], [3e38]);
        let thrown: unknown;
        try { learner.learn([1], [3e38]); } catch (e) { thrown = e; }
        expect(thrown, `${JSON.stringify(clip)} ${optimizer.type}`).toBeInstanceOf(DivergenceError);
        expect((thrown as Error).message).toMatch(message);
        expect(model.parameters()).toEqual(before);
        for (let t = 0; t < 4; t++) expect(Number.isFinite(learner.learn([1], [0.5]).loss)).toBe(true);
        const now = flatGradients(model.parameters(), model.parameterNames), then = flatGradients(before, model.parameterNames);
        expect(now.every((v) => Number.isFinite(v)) && now.some((v, i) => v !== then[i])).toBe(true); // learned on, finitely
      }
    }
  });
});

describe('re-entrancy: calls inside a running one are safe or refused, never silently different', () => {
  const batch = sequenceBatch({ inputs: [[[1], [0], [1]], [[0], [1], [1]]], targets: [[[1], [0], [1]], [[0], [1], [0]]] });

  it('train() on a model that is being trained (from onStep) is refused; on another model it runs', () => {
    const model = new RecurrentNetwork({ cell: 'gru', inputSize: 1, hiddenSize: 3, outputSize: 1 });
    const other = model.clone();
    let inner: unknown;
    train(model, batch, { epochs: 2, onStep: (s) => {
      if (s.step !== 1) return;
      try { train(model, batch); } catch (e) { inner = e; }
      train(other, batch, { epochs: 1 });
    } });
    expect(inner).toBeInstanceOf(RnnkitError);
    expect((inner as Error).message).toMatch(/train: this model is being trained already \(train\(\) called from onStep\?\)/);
    // Once the call has returned (or thrown), the model trains again.
    expect(train(model, batch, { epochs: 1 }).steps).toBe(1);
    expect(() => train(model, batch, { epochs: 1, onStep: () => { throw new Error('boom'); } })).toThrow('boom');
    expect(train(model, batch, { epochs: 1 }).steps).toBe(1);
  });

  it('an OnlineLearner keeps its own optimizer state: train() on the same model in between does not reset it', async () => {
    const { OnlineLearner } = await import('../src/train/online.js');
    const run = (interleave: boolean) => {
      const model = new ElmanRNN({ inputSize: 1, hiddenSize: 3, outputSize: 1, seed: 4 });
      const learner = new OnlineLearner(model, { algorithm: { type: 'tbptt', k: 3 }, optimizer: { type: 'adam', learningRate: 0.05 } });
      const losses: number[] = [];
      for (let t = 0; t < 12; t++) {
        losses.push(learner.learn([Math.sin(t)], [Math.cos(t)]).loss);
        // Learning rate 0 leaves the weights as they are; it resets the model's own optimizer moments.
        if (interleave && t === 5) train(model, batch, { optimizer: { type: 'adam', learningRate: 0 } });
      }
      return losses;
    };
    expect(run(true)).toEqual(run(false));
  });

  it('two OnlineLearners on one model keep separate optimizer moments', async () => {
    const { OnlineLearner } = await import('../src/train/online.js');
    const model = new ElmanRNN({ inputSize: 1, hiddenSize: 3, outputSize: 1, seed: 4 });
    const a = new OnlineLearner(model, { algorithm: { type: 'tbptt', k: 3 }, optimizer: { type: 'momentum', learningRate: 0.05 } });
    const alone = new ElmanRNN({ inputSize: 1, hiddenSize: 3, outputSize: 1, seed: 4 });
    const reference = new OnlineLearner(alone, { algorithm: { type: 'tbptt', k: 3 }, optimizer: { type: 'momentum', learningRate: 0.05 } });
    // A second learner whose learning rate is 0: its updates leave the weights alone but fill its velocity with its own gradients.
    const b = new OnlineLearner(model, { algorithm: 'rtrl', optimizer: { type: 'momentum', learningRate: 0 } });
    for (let t = 0; t < 8; t++) {
      b.learn([Math.cos(t)], [-0.5]);
      expect(a.learn([Math.sin(t)], [0.5]).loss).toBe(reference.learn([Math.sin(t)], [0.5]).loss);
    }
  });
});

describe('memory given back', () => {
  it('OnlineLearners give their region back on dispose(): creating and disposing 2000 of them does not grow the arena', async () => {
    const { OnlineLearner } = await import('../src/train/online.js');
    const model = new ElmanRNN({ inputSize: 1, hiddenSize: 4, outputSize: 1 });
    for (const algorithm of [{ type: 'tbptt', k: 8 } as const, 'rtrl' as const]) {
      const first = new OnlineLearner(model, { algorithm });
      first.learn([1], [0]);
      first.dispose();
    }
    const grown = model.workspace.length;
    for (let i = 0; i < 2000; i++) {
      const learner = new OnlineLearner(model, { algorithm: i % 2 ? 'rtrl' : { type: 'tbptt', k: 8 } });
      learner.learn([1], [0]);
      learner.dispose();
    }
    expect(model.workspace.length).toBeLessThanOrEqual(grown);
    expect(model.workspace.fixedLength).toBe(new ElmanRNN({ inputSize: 1, hiddenSize: 4, outputSize: 1 }).workspace.fixedLength);
    // Two at once, the first disposed: the second keeps working, and a third reuses the first one's place.
    const a = new OnlineLearner(model, { algorithm: { type: 'tbptt', k: 8 } }), b = new OnlineLearner(model, { algorithm: { type: 'tbptt', k: 8 } });
    const fixed = model.workspace.fixedLength;
    a.dispose();
    const c = new OnlineLearner(model, { algorithm: { type: 'tbptt', k: 8 } });
    expect(model.workspace.fixedLength).toBe(fixed);
    expect(Number.isFinite(b.learn([1], [0]).loss) && Number.isFinite(c.learn([0.5], [1]).loss)).toBe(true);
    error(() => a.learn([1], [0]), /OnlineLearner: it was disposed/);
  });

  it('when wasm memory cannot grow, the error says how much models hold and names dispose()', async () => {
    const { LinearAllocator } = await import('../src/backend/allocator.js');
    const allocator = new LinearAllocator(new WebAssembly.Memory({ initial: 1, maximum: 4 }), 1024);
    allocator.allocate(100_000);
    error(() => allocator.allocate(1_000_000), /wasm memory: cannot grow to 1\.1 MiB \(4 GiB at most\): dispose\(\) the models no longer used/);
  });
});

describe('loaders bound their work before doing it', () => {
  it('deeply nested metadata is refused with an RnnkitError, not a stack overflow (save, JSON and binary loads)', async () => {
    const { toJSON, fromJSON, toBinary, fromBinary } = await import('../src/model/serialize.js');
    const model = new ElmanRNN({ inputSize: 1, hiddenSize: 2, outputSize: 1 });
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    model.metadata = deep;
    error(() => toJSON(model), /toJSON: metadata: expected at most 64 levels of nesting/);
    error(() => toBinary(model), /toBinary: metadata: expected at most 64 levels of nesting/);
    model.metadata = { vocabulary: ['a', 'b'], nested: { ok: [1, [2, [3]]] } };
    const json = toJSON(model);
    const deepText = '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000);
    const crafted = json.replace(`"metadata":${JSON.stringify(model.metadata)}`, `"metadata":${deepText}`);
    expect(crafted.length).toBeGreaterThan(json.length);
    error(() => fromJSON(crafted), /fromJSON: metadata: expected at most 64 levels of nesting/);
    expect(fromJSON(json).metadata).toEqual(model.metadata);
    expect(fromBinary(toBinary(model)).metadata).toEqual(model.metadata);
  });

  it('a crafted file with many layers or many names is refused in linear time (names were matched in quadratic time)', async () => {
    const { toJSON, fromJSON } = await import('../src/model/serialize.js');
    const saved = JSON.parse(toJSON(new FeedForwardNetwork({ layerSizes: [1, 1] })));
    saved.config.layerSizes = Array(300_000).fill(1);
    error(() => fromJSON(JSON.stringify(saved)), /config\.layerSizes: expected an array of 2 to 1025 sizes .*got "300000 sizes"/);
    saved.config.layerSizes = Array(1025).fill(1);
    saved.parameters = Object.fromEntries(Array.from({ length: 200_000 }, (_, i) => [`x${i}`, [0]]));
    const text = JSON.stringify(saved);
    // Linear time, measured against linear work on the same text on the same (shared, noisy) machine: parsing it.
    // Matching 200,000 names against 2048 pairwise took minutes; in linear time the refusal costs a few parses.
    let parse = Infinity;
    for (let i = 0; i < 3; i++) { const t = performance.now(); JSON.parse(text); parse = Math.min(parse, performance.now() - t); }
    const start = performance.now();
    error(() => fromJSON(text), /parameters: missing 'W1' \(an ffnn with this config has W1, W2, W3, W4, W5, W6, W7, W8, … b1024 \(2048 in all\)\)/);
    expect((performance.now() - start) / parse).toBeLessThan(50);
  });
});

describe('the library and the CLI agree', () => {
  it('clipNorm: 0 (and clipValue: 0) means off, as --clip 0 does in the CLI; negative values are refused', () => {
    const batch = sequenceBatch({ inputs: [[[3], [-2]], [[1], [4]]], targets: [[[1], [0]], [[0], [1]]] });
    const start = new ElmanRNN({ inputSize: 1, hiddenSize: 3, outputSize: 1, seed: 5 });
    const off = start.clone(), zero = start.clone(), tight = start.clone();
    const options = { epochs: 3, optimizer: { type: 'sgd' as const, learningRate: 0.1 } };
    train(off, batch, options);
    train(zero, batch, { ...options, clipNorm: 0, clipValue: 0 });
    train(tight, batch, { ...options, clipNorm: 1e-3 });
    expect(zero.parameters()).toEqual(off.parameters());
    expect(tight.parameters()).not.toEqual(off.parameters());
    error(() => train(start.clone(), batch, { clipNorm: -1 }), /clipNorm: expected a finite number in \[0, Infinity\], got -1/);
  });
});
