import { describe, expect, it } from 'vitest';
import { rowBatch } from '../src/data/row-batch.js';
import { sequenceBatch } from '../src/data/sequence-batch.js';
import { RnnkitError } from '../src/errors.js';
import { FeedForwardNetwork } from '../src/model/ffnn.js';
import { Random } from '../src/model/random.js';
import { RecurrentNetwork } from '../src/model/recurrent/network.js';
import { ElmanRNN } from '../src/model/rnn.js';
import { fromBinary, fromJSON, toBinary, toJSON } from '../src/model/serialize.js';
import { earlyStopping } from '../src/train/early-stopping.js';
import { measure } from '../src/train/metrics.js';
import { cosineDecay, reduceOnPlateau, stepDecay, warmup } from '../src/train/schedules.js';
import { train } from '../src/train/train.js';

const rng = new Random(17);
const vectors = (n: number, T: number, p: number) => Array.from({ length: n }, () => Array.from({ length: T }, () => Array.from({ length: p }, () => rng.gaussian())));

/** Ragged class-labelled sequences: 5 symbols, lengths 2…6. */
function classBatch() {
  const lengths = [6, 2, 5, 3, 4];
  const inputs = lengths.map((T) => vectors(1, T, 3)[0]!);
  const classes = lengths.map((T) => Array.from({ length: T }, () => rng.int(5)));
  return sequenceBatch({ inputs, targets: classes });
}

describe('measure: loss per step and the metric that fits the output', () => {
  it('cross-entropy: loss per step, bits per symbol, perplexity and accuracy equal what the outputs say', () => {
    const model = new RecurrentNetwork({ cell: 'gru', inputSize: 3, hiddenSize: 7, outputSize: 5, output: 'softmax', loss: 'cross-entropy', dtype: 'float64', seed: 4 });
    const batch = classBatch();
    const m = measure(model, batch);
    // From the outputs alone: −log y_class per valid step, and argmax hits.
    const y = model.predict(batch);
    let nll = 0, hits = 0, steps = 0;
    for (let b = 0; b < batch.size; b++) {
      for (let t = 0; t < batch.lengths[b]!; t++) {
        const row = (b * batch.steps + t) * 5, c = batch.classes![b * batch.steps + t]!;
        nll -= Math.log(y[row + c]!);
        let best = 0;
        for (let k = 1; k < 5; k++) if (y[row + k]! > y[row + best]!) best = k;
        hits += best === c ? 1 : 0;
        steps++;
      }
    }
    expect(m.steps).toBe(20);
    expect(m.lossPerStep).toBeCloseTo(nll / steps, 10);
    expect(m.loss).toBeCloseTo(nll / batch.size, 10);
    expect(m.bitsPerSymbol).toBeCloseTo(nll / steps / Math.LN2, 10);
    expect(m.perplexity).toBeCloseTo(Math.exp(nll / steps), 8);
    expect(m.accuracy).toBe(hits / steps);
    expect(m.rmse).toBeUndefined();
  });

  it('squared error: RMSE per output value, and in original units with a scale', () => {
    const model = new ElmanRNN({ inputSize: 2, hiddenSize: 5, outputSize: 2, dtype: 'float64', seed: 2 });
    const inputs = vectors(3, 4, 2), targets = vectors(3, 4, 2);
    const batch = sequenceBatch({ inputs, targets });
    const y = model.predict(batch);
    let squares = 0, scaled = 0;
    for (let i = 0; i < 24; i++) {
      const d = y[i]! - targets[Math.floor(i / 8)]![Math.floor(i / 2) % 4]![i % 2]!;
      squares += d * d;
      scaled += (d * (i % 2 === 0 ? 10 : 0.5)) ** 2;
    }
    expect(measure(model, batch).rmse).toBeCloseTo(Math.sqrt(squares / 24), 10);
    expect(measure(model, batch, { scale: { std: [10, 0.5] } }).rmse).toBeCloseTo(Math.sqrt(scaled / 24), 10);
    expect(() => measure(model, batch, { scale: [1] })).toThrow(/scale: expected a Standardizer or 2 numbers/);
  });

  it('a feed-forward classifier: one step per row', () => {
    const net = new FeedForwardNetwork({ layerSizes: [2, 4, 3], output: 'softmax', loss: 'cross-entropy', dtype: 'float64', seed: 1 });
    const data = rowBatch({ inputs: [[1, 0], [0, 1], [1, 1], [0, 0]], targets: [0, 1, 2, 1] });
    const m = measure(net, data);
    expect(m.steps).toBe(4);
    expect(m.lossPerStep).toBeCloseTo(m.loss, 12);
  });
});

describe('train reports per epoch: loss per step, validation metrics, epoch time, learning rate', () => {
  it('with a learning rate of 0 the epoch loss per step is the data\'s measured loss per step', () => {
    const model = new RecurrentNetwork({ cell: 'lstm', inputSize: 3, hiddenSize: 4, outputSize: 5, output: 'softmax', loss: 'cross-entropy', dtype: 'float64', seed: 9 });
    const batch = classBatch();
    const { history } = train(model, batch, { epochs: 2, batchSize: 2, optimizer: { type: 'sgd', learningRate: 0 }, validation: batch });
    const m = measure(model, batch);
    expect(history[1]!.lossPerStep).toBeCloseTo(m.lossPerStep, 10);
    expect(history[1]!.validation).toEqual(m);
    expect(history[1]!.validationLoss).toBe(m.loss);
    expect(history[1]!.learningRate).toBe(0);
    expect(history[1]!.epochMs).toBeGreaterThan(0);
    expect(history[1]!.epochMs).toBeLessThanOrEqual(history[1]!.elapsedMs - history[0]!.elapsedMs + 1e-9);
  });
});

describe('learning-rate schedules', () => {
  const model = () => new ElmanRNN({ inputSize: 2, hiddenSize: 3, outputSize: 1, seed: 3 });
  const data = sequenceBatch({ inputs: vectors(4, 3, 2), targets: vectors(4, 3, 1) });
  const rates = (callbacks: Parameters<typeof train>[2] extends infer O ? O extends { callbacks?: infer C } ? C : never : never, epochs = 4) => {
    const seen: number[] = [];
    train(model(), data, { epochs, batchSize: 2, optimizer: { type: 'sgd', learningRate: 0.1 }, callbacks, onStep: (s) => seen.push(s.learningRate) });
    return seen;
  };

  it('stepDecay halves every 2 epochs; warmup ramps over its steps; cosine goes from lr towards min', () => {
    expect(rates([stepDecay({ every: 2, factor: 0.5 })])).toEqual([0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05]);
    expect(rates([warmup({ steps: 4 })]).map((r) => +r.toFixed(12))).toEqual([0.025, 0.05, 0.075, 0.1, 0.1, 0.1, 0.1, 0.1]);
    const cosine = rates([cosineDecay({ minLearningRate: 0.02 })]);
    // 8 mini-batches planned: progress i/8 for the i-th.
    cosine.forEach((r, i) => expect(r).toBeCloseTo(0.02 + 0.08 * 0.5 * (1 + Math.cos((Math.PI * i) / 8)), 12));
    // Composed in order: warm-up scales what the cosine left.
    const both = rates([cosineDecay(), warmup({ steps: 2 })]);
    expect(both[0]).toBeCloseTo(0.05, 12);
    expect(both[3]).toBeCloseTo(0.1 * 0.5 * (1 + Math.cos((Math.PI * 3) / 8)), 12);
  });

  it('reduceOnPlateau lowers the base rate after `patience` epochs without improvement', () => {
    const seen: number[] = [];
    // A rate too small to move the loss: every epoch after the first is a plateau.
    train(model(), data, {
      epochs: 7, optimizer: { type: 'sgd', learningRate: 1e-12 },
      callbacks: [reduceOnPlateau({ patience: 2, factor: 0.5, minDelta: 1e-9, monitor: 'training' })],
      onEpoch: (e) => seen.push(e.learningRate),
    });
    // Epoch 1 sets the best; epochs 2 and 3 are the plateau, then 4 and 5.
    expect(seen).toEqual([1e-12, 1e-12, 1e-12, 5e-13, 5e-13, 2.5e-13, 2.5e-13]);
  });

  it('bad settings and a missing validation set are refused before the first step', () => {
    expect(() => stepDecay({ every: 0 })).toThrow(/stepDecay\.every: expected an integer ≥ 1, got 0/);
    expect(() => warmup({ steps: 1.5 })).toThrow(RnnkitError);
    expect(() => cosineDecay({ minLearningRate: -1 })).toThrow(/cosineDecay\.minLearningRate/);
    let steps = 0;
    expect(() => train(model(), data, { callbacks: [reduceOnPlateau()], onStep: () => steps++ })).toThrow(/reduceOnPlateau: watches the validation loss, and this run has no validation data/);
    expect(steps).toBe(0);
    expect(() => train(model(), data, { callbacks: [null as never] })).toThrow(/callbacks: expected an array of callbacks/);
  });
});

describe('early stopping', () => {
  // Validation targets are the opposite of the training targets: every epoch of learning makes validation worse.
  const inputs = vectors(6, 3, 2);
  const targets = inputs.map((s) => s.map((x) => [Math.tanh(x[0]! + x[1]!)]));
  const data = sequenceBatch({ inputs, targets });
  const opposite = sequenceBatch({ inputs, targets: targets.map((s) => s.map(([v]) => [-v!])) });
  const options = { optimizer: { type: 'adam' as const, learningRate: 0.05 }, validation: opposite };

  it('stops after `patience` epochs without improvement and puts back the best epoch\'s weights', () => {
    const model = new ElmanRNN({ inputSize: 2, hiddenSize: 4, outputSize: 1, seed: 8 });
    const stopper = earlyStopping({ patience: 3 });
    const result = train(model, data, { ...options, epochs: 50, callbacks: [stopper] });
    expect(stopper.bestEpoch).toBe(1);
    expect(result.history).toHaveLength(4);
    expect(result.stopReason).toMatch(/^early stopping: the validation loss per step has not improved for 3 epochs \(best .* at epoch 1\)$/);
    // The weights are those after epoch 1: the same as a one-epoch run from the same start.
    const once = new ElmanRNN({ inputSize: 2, hiddenSize: 4, outputSize: 1, seed: 8 });
    train(once, data, { ...options, epochs: 1 });
    expect(model.parameters()).toEqual(once.parameters());
    expect(measure(model, opposite).lossPerStep).toBeCloseTo(stopper.bestLoss, 6);
  });

  it('restoreBest: false keeps the last weights; monitor: training needs no validation', () => {
    const model = new ElmanRNN({ inputSize: 2, hiddenSize: 4, outputSize: 1, seed: 8 });
    train(model, data, { ...options, epochs: 50, callbacks: [earlyStopping({ patience: 3, restoreBest: false })] });
    const four = new ElmanRNN({ inputSize: 2, hiddenSize: 4, outputSize: 1, seed: 8 });
    train(four, data, { ...options, epochs: 4 });
    expect(model.parameters()).toEqual(four.parameters());
    const onTraining = train(new ElmanRNN({ inputSize: 2, hiddenSize: 4, outputSize: 1, seed: 8 }), data, { epochs: 5, callbacks: [earlyStopping({ monitor: 'training' })] });
    expect(onTraining.stopReason).toBeUndefined();
  });
});

describe('resuming: the optimizer state carries on, in memory and through a checkpoint', () => {
  const data = sequenceBatch({ inputs: vectors(8, 4, 2), targets: vectors(8, 4, 1) });
  const fresh = () => new RecurrentNetwork({ cell: 'lstm', inputSize: 2, hiddenSize: 5, outputSize: 1, seed: 6 });
  const options = { batchSize: 3, optimizer: { type: 'adam' as const, learningRate: 0.01 } };

  it('2 epochs, then 3 resumed, is the 5-epoch run bit for bit (shuffled, Adam); without resume it is not', () => {
    const whole = fresh();
    const wholeRun = train(whole, data, { ...options, epochs: 5 });
    const split = fresh();
    train(split, data, { ...options, epochs: 2 });
    expect(split.optimizerState).toMatchObject({ steps: 6, epochs: 2, spec: { type: 'adam', learningRate: 0.01 } });
    const rest = train(split, data, { epochs: 3, batchSize: 3, resume: true });
    expect(rest.history.map((h) => h.epoch)).toEqual([3, 4, 5]);
    expect(rest.history.map((h) => h.loss)).toEqual(wholeRun.history.slice(2).map((h) => h.loss));
    expect(split.parameters()).toEqual(whole.parameters());
    const restarted = fresh();
    train(restarted, data, { ...options, epochs: 2 });
    train(restarted, data, { ...options, epochs: 3 });
    expect(restarted.parameters()).not.toEqual(whole.parameters());
  });

  it('through toJSON and toBinary with { optimizer: true }, in float32 and float64', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const whole = new ElmanRNN({ inputSize: 2, hiddenSize: 3, outputSize: 1, seed: 6, dtype });
      train(whole, data, { ...options, epochs: 4 });
      const first = new ElmanRNN({ inputSize: 2, hiddenSize: 3, outputSize: 1, seed: 6, dtype });
      train(first, data, { ...options, epochs: 2 });
      for (const loaded of [fromJSON(toJSON(first, { optimizer: true })), fromBinary(toBinary(first, { optimizer: true })), fromJSON(JSON.parse(toJSON(first, { optimizer: true })))]) {
        expect(loaded.optimizerState).toEqual(first.optimizerState);
        train(loaded, data, { epochs: 2, batchSize: 3, resume: true });
        expect(loaded.parameters()).toEqual(whole.parameters());
      }
      // Canonical: a loaded checkpoint saves to the same bytes.
      const text = toJSON(first, { optimizer: true });
      expect(toJSON(fromJSON(text), { optimizer: true })).toBe(text);
      // Without the option a file holds the weights only, and resuming from it is refused.
      const weightsOnly = fromJSON(toJSON(first));
      expect(weightsOnly.optimizerState).toBeUndefined();
      expect(() => train(weightsOnly, data, { resume: true })).toThrow(/resume: this model carries no optimizer state/);
    }
  });

  it('a checkpoint saved in onEpoch carries the epochs done so far, and resumes as the unbroken run', () => {
    const whole = fresh();
    train(whole, data, { ...options, epochs: 5 });
    // Before, the state was set when train() returned: a checkpoint saved in epoch 1's onEpoch had none, later ones the last call's.
    const current = fresh(), checkpoints: string[] = [], states: unknown[] = [];
    train(current, data, {
      ...options, epochs: 3,
      onEpoch: () => { states.push(current.optimizerState); checkpoints.push(toJSON(current, { optimizer: true })); },
    });
    expect(states).toEqual([1, 2, 3].map((epochs) => ({ spec: expect.objectContaining({ type: 'adam' }), steps: 3 * epochs, epochs })));
    const loaded = fromJSON(checkpoints[1]!);
    const rest = train(loaded, data, { epochs: 3, batchSize: 3, resume: true });
    expect(rest.history.map((h) => h.epoch)).toEqual([3, 4, 5]);
    expect(loaded.parameters()).toEqual(whole.parameters());
  });

  it('refuses what cannot be resumed or saved, with a clear error', () => {
    const model = fresh();
    expect(() => toJSON(model, { optimizer: true })).toThrow(/toJSON: optimizer: this model carries no optimizer state to save/);
    train(model, data, { ...options, epochs: 1 });
    expect(() => train(model, data, { resume: true, optimizer: { type: 'sgd', learningRate: 0.1 } })).toThrow(/optimizer\.type: expected 'adam' to resume/);
    const saved = JSON.parse(toJSON(model, { optimizer: true }));
    saved.optimizer.moments[1][3] = 'x';
    expect(() => fromJSON(saved)).toThrow(/fromJSON: optimizer\.moments\[1\]\[3\]: expected a number/);
    saved.optimizer.moments.pop();
    expect(() => fromJSON(saved)).toThrow(/optimizer\.moments: expected 2 arrays for adam/);
    const bytes = toBinary(model, { optimizer: true });
    expect(() => fromBinary(bytes.subarray(0, bytes.length - 4))).toThrow(/payload: expected .* \(truncated\?\)/);
  });
});

describe('fromJSON takes the parsed object too', () => {
  it('as `import model from "./model.json"` gives it', () => {
    const model = new ElmanRNN({ inputSize: 2, hiddenSize: 3, outputSize: 1, seed: 6 });
    model.metadata = { note: 'x' };
    const loaded = fromJSON(JSON.parse(toJSON(model)));
    expect(loaded.parameters()).toEqual(model.parameters());
    expect(loaded.metadata).toEqual({ note: 'x' });
    expect(() => fromJSON(42 as never)).toThrow(/fromJSON: json: expected a string from toJSON, or the object it parses to, got 42/);
  });
});

describe('sample: greedy decoding, and the model fromJSON returns', () => {
  it('temperature 0 takes the most probable symbol at every step (checked with a stepper here); fromJSON\'s result is accepted', async () => {
    const { sample } = await import('../src/model/sample.js');
    const { RnnStepper } = await import('../src/model/stepper.js');
    const model = new RecurrentNetwork({ cell: 'gru', inputSize: 4, hiddenSize: 6, outputSize: 4, output: 'softmax', loss: 'cross-entropy', seed: 12 });
    const greedy = sample(fromJSON(toJSON(model)), { length: 12, prime: [2], temperature: 0 });
    const stepper = new RnnStepper(model);
    const oneHot = (c: number) => Float32Array.from({ length: 4 }, (_, k) => (k === c ? 1 : 0));
    let y = stepper.step(oneHot(2));
    const expected: number[] = [];
    for (let n = 0; n < 12; n++) {
      let c = 0;
      for (let k = 1; k < 4; k++) if (y[k]! > y[c]!) c = k;
      expected.push(c);
      y = stepper.step(oneHot(c));
    }
    expect(greedy).toEqual(expected);
    expect(sample(model, { length: 12, prime: [2], temperature: 0, seed: 99 })).toEqual(expected);
    expect(() => sample(model, { length: 3, temperature: -1 })).toThrow(/temperature: expected a finite number in \[0, Infinity\], got -1/);
  });
});

describe('sample: text in, text out, with a stop symbol', () => {
  it('a string prime is encoded with the model\'s vocabulary and the result decoded; stop ends after its symbol', async () => {
    const { sample } = await import('../src/model/sample.js');
    const { Vocabulary } = await import('../src/data/vocabulary.js');
    const vocabulary = new Vocabulary(['a', 'b', 'c', '.', ' ']);
    const model = new RecurrentNetwork({ cell: 'lstm', inputSize: 5, hiddenSize: 7, outputSize: 5, output: 'softmax', loss: 'cross-entropy', seed: 4 });
    model.metadata = { vocabulary: vocabulary.toJSON() };
    const ids = sample(model, { length: 200, prime: vocabulary.encode('ab '), temperature: 1.5, seed: 3 });
    const text = sample(fromJSON(toJSON(model)), { length: 200, prime: 'ab ', temperature: 1.5, seed: 3 });
    expect(text).toBe(vocabulary.decode(ids));
    expect(text).toHaveLength(200);
    // The same draws, cut after the first '.': by symbol in text mode, by class index otherwise.
    const cut = ids.indexOf(3);
    expect(cut).toBeGreaterThanOrEqual(0);
    expect(sample(model, { length: 200, prime: 'ab ', temperature: 1.5, seed: 3, stop: '.' })).toBe(vocabulary.decode(ids.slice(0, cut + 1)));
    expect(sample(model, { length: 200, prime: [0, 1, 4], temperature: 1.5, seed: 3, stop: 3 })).toEqual(ids.slice(0, cut + 1));
    expect(() => sample(model, { length: 5, prime: 'abx' })).toThrow(/text\[2\]: unknown symbol 'x'/);
    expect(() => sample(model, { length: 5, prime: 'a', stop: '!' })).toThrow(/stop: '!' is not a symbol of the model's vocabulary/);
    expect(() => sample(model, { length: 5, prime: '' })).toThrow(/prime: expected a non-empty array/);
    expect(() => sample(model, { length: 5, stop: 9 })).toThrow(/stop: expected an integer in \[0, 4\], got 9/);
    model.metadata = undefined;
    expect(() => sample(model, { length: 5, prime: 'ab' })).toThrow(/needs a model that carries its vocabulary/);
  });
});
