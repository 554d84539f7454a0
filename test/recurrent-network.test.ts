import { describe, expect, it } from 'vitest';
import {
  fromBinary, fromJSON, RecurrentNetwork, RnnStepper, sample, sequenceBatch, toBinary, toJSON, train,
} from '../src/index.js';
import { OnlineLearner } from '../src/train/online-entry.js';
import { range } from '../src/model/network.js';
import { Random } from '../src/model/random.js';
import { randomBatch } from './helpers/random-data.js';

const CELLS = ['elman', 'lstm', 'gru'] as const;

describe('RecurrentNetwork: configuration', () => {
  it('names and shapes its parameters per layer, in PyTorch gate order blocks', () => {
    const m = new RecurrentNetwork({ cell: 'lstm', vocabularySize: 11, embeddingSize: 6, hiddenSize: 9, numLayers: 2, outputSize: 11, output: 'softmax', initialState: 'learned' });
    expect(m.layout.parameters.map((p) => `${p.name} ${p.rows}×${p.cols}`)).toEqual([
      'embedding 11×6', 'W_in_l0 36×6', 'W_rec_l0 36×9', 'W_in_l1 36×9', 'W_rec_l1 36×9', 'W_out 11×9',
      'b_rec_l0 36×1', 'b_rec_l1 36×1', 'b_out 11×1', 'h0_l0 9×1', 'h0_l1 9×1', 'c0_l0 9×1', 'c0_l1 9×1',
    ]);
    expect(m.stateSize).toBe(2 * 2 * 9);
    expect(m.config).toMatchObject({ cell: 'lstm', inputSize: 1, vocabularySize: 11, embeddingSize: 6, numLayers: 2, dropout: 0 });
    // The forget gate's bias starts at 1, the others at 0.
    const b = m.getParameter('b_rec_l0');
    expect([b[0], b[9], b[17], b[18], b[35]]).toEqual([0, 1, 1, 0, 0]);
    const gru = new RecurrentNetwork({ cell: 'gru', inputSize: 3, hiddenSize: 4, outputSize: 2 });
    expect(gru.parameterNames).toEqual(['W_in_l0', 'W_rec_l0', 'W_out', 'b_rec_l0', 'b_hn_l0', 'b_out']);
    expect(gru.getParameter('W_rec_l0').length).toBe(3 * 4 * 4);
  });

  it('refuses what it cannot build, naming the argument', () => {
    const base = { inputSize: 3, hiddenSize: 4, outputSize: 2 };
    expect(() => new RecurrentNetwork({ ...base, cell: 'rnn' as never })).toThrow(/cell: expected one of 'elman', 'lstm', 'gru', got "rnn"/);
    expect(() => new RecurrentNetwork({ ...base, cell: 'lstm', activation: 'relu' })).toThrow(/activation: the lstm cell's nonlinearities are fixed/);
    expect(() => new RecurrentNetwork({ ...base, dropout: 0.2 })).toThrow(/dropout: it acts between stacked layers .* needs numLayers ≥ 2/);
    expect(() => new RecurrentNetwork({ ...base, numLayers: 2, dropout: 1 })).toThrow(/dropout: expected a finite number in \[0, 0\.99\], got 1/);
    expect(() => new RecurrentNetwork({ ...base, numLayers: 0 })).toThrow(/numLayers: expected an integer in \[1, 64\], got 0/);
    expect(() => new RecurrentNetwork({ ...base, numLayers: 1.5 })).toThrow(/numLayers: expected an integer/);
    expect(() => new RecurrentNetwork({ hiddenSize: 4, outputSize: 2, vocabularySize: 10 })).toThrow(/embeddingSize: expected an integer/);
    expect(() => new RecurrentNetwork({ ...base, embeddingSize: 5 })).toThrow(/embeddingSize: expected to be given only with vocabularySize/);
    expect(() => new RecurrentNetwork({ ...base, vocabularySize: 10, embeddingSize: 4 })).toThrow(/inputSize: token inputs are one id per step/);
    expect(() => new RecurrentNetwork({ ...base, layers: 2 } as never)).toThrow(/unknown option 'layers'/);
  });

  it('refuses token ids outside the vocabulary, and vector batches, before anything runs', () => {
    const m = new RecurrentNetwork({ cell: 'gru', vocabularySize: 5, embeddingSize: 3, hiddenSize: 4, outputSize: 5, output: 'softmax' });
    expect(() => m.predict(sequenceBatch({ tokens: [[1, 2, 5]] }))).toThrow(/batch\.inputs\[2\]: expected a token id in \[0, 4\], got 5/);
    expect(() => m.predict(sequenceBatch({ inputs: [[[1, 0]]] }))).toThrow(/batch\.inputSize: expected 1: one token id per step/);
    expect(() => sequenceBatch({ tokens: [[1, -2]] })).toThrow(/tokens\[0\]\[1\]: expected an integer ≥ 0, got -2/);
    expect(() => sequenceBatch({ tokens: [[1]], inputs: [[[1]]] })).toThrow(/inputs, tokens: expected one of them, got both/);
    expect(() => new RnnStepper(m).step([7])).toThrow(/x\[0\]: expected a token id in \[0, 4\], got 7/);
  });
});

describe('RecurrentNetwork: inference', () => {
  for (const cell of CELLS) {
    it(`${cell}, 2 layers with dropout: the stepper reproduces predict step by step, and carries h (and c) of every layer`, () => {
      const m = new RecurrentNetwork({ cell, inputSize: 3, hiddenSize: 5, numLayers: 2, dropout: 0.5, outputSize: 2, initialState: 'learned', seed: 2 });
      for (const name of m.parameterNames) if (/^(h0|c0)/.test(name)) m.setParameter(name, m.getParameter(name).map((_, i) => 0.1 * (i + 1)));
      const batch = randomBatch({ size: 1, steps: 6, inputSize: 3, outputSize: 2, targets: 'vector', seed: 3 });
      const y = m.predict(batch);
      const stepper = new RnnStepper(m);
      for (let t = 0; t < 6; t++) {
        const out = stepper.step(batch.inputs.subarray(t * 3, t * 3 + 3));
        for (let k = 0; k < 2; k++) expect(out[k]).toBeCloseTo(y[t * 2 + k]!, 6);
      }
      const final = m.finalStates(batch);
      expect(final.length).toBe(m.stateSize);
      const state = stepper.state;
      for (let i = 0; i < m.stateSize; i++) expect(state[i]).toBeCloseTo(final[i]!, 6);
      stepper.reset();
      expect(stepper.state[0]).toBeCloseTo(0.1, 6);
    });
  }

  it('saves and loads as JSON and binary, predicting identically', () => {
    const m = new RecurrentNetwork({ cell: 'gru', vocabularySize: 7, embeddingSize: 3, hiddenSize: 5, numLayers: 2, dropout: 0.1, outputSize: 7, output: 'softmax', initialState: 'learned', seed: 4 });
    m.metadata = { vocabulary: 'abcdefg' };
    const batch = sequenceBatch({ tokens: [[1, 2, 3, 4], [6, 5]] });
    const a = fromJSON(toJSON(m)), b = fromBinary(toBinary(m));
    expect(a).toBeInstanceOf(RecurrentNetwork);
    expect(toJSON(a)).toBe(toJSON(m));
    expect(Array.from((b as RecurrentNetwork).predict(batch))).toEqual(Array.from(m.predict(batch)));
    expect((a as RecurrentNetwork).config).toEqual(m.config);
    expect(JSON.parse(toJSON(m)).kind).toBe('recurrent-network');
  });

  it('samples token ids from a model with an embedding, reproducibly', () => {
    const m = new RecurrentNetwork({ cell: 'lstm', vocabularySize: 6, embeddingSize: 4, hiddenSize: 8, outputSize: 6, output: 'softmax' });
    const s = sample(m, { length: 20, prime: [1, 2], seed: 3 });
    expect(s).toHaveLength(20);
    expect(s.every((c) => Number.isInteger(c) && c >= 0 && c < 6)).toBe(true);
    expect(sample(m, { length: 20, prime: [1, 2], seed: 3 })).toEqual(s);
  });
});

describe('RecurrentNetwork: dropout', () => {
  const make = (dropout: number) => new RecurrentNetwork({ cell: 'lstm', inputSize: 4, hiddenSize: 32, numLayers: 3, dropout, outputSize: 3, seed: 5, dtype: 'float64' });
  const batch = randomBatch({ size: 4, steps: 6, inputSize: 4, outputSize: 3, targets: 'vector', seed: 1 });

  it('is off in predict and evaluate: the same outputs as the model without dropout', () => {
    const m = make(0.5), plain = make(0);
    plain.setParameters(m.parameters());
    expect(Array.from(m.predict(batch))).toEqual(Array.from(plain.predict(batch)));
    expect(m.evaluate(batch)).toBe(plain.evaluate(batch));
  });

  it('drops about the given fraction, scales the kept units by 1/(1 − p), and keys masks by sequence, not by batch position', () => {
    const m = make(0.3);
    m.loadExamples(batch, range(4));
    const trained = m.loss(true), evaluated = m.loss(false);
    expect(trained).not.toBe(evaluated);
    // The mask region of layer 0 after a training forward pass.
    const f = m.batchFrame(4, 6), layer = f.layers[0]!, mem = m.workspace.mem;
    let dropped = 0;
    for (let i = 0; i < 6 * 4 * 32; i++) {
      const v = mem[layer.drop + i]!;
      expect(v === 0 || Math.abs(v - 1 / 0.7) < 1e-12).toBe(true);
      if (v === 0) dropped++;
    }
    expect(dropped / (6 * 4 * 32)).toBeGreaterThan(0.25);
    expect(dropped / (6 * 4 * 32)).toBeLessThan(0.35);
    // Sequence by sequence, in another order, the per-sequence losses are the same: the masks follow the sequence.
    let sum = 0;
    for (const i of [2, 0, 3, 1]) { m.loadExamples(batch, [i]); sum += m.loss(true); }
    expect(sum / 4).toBeCloseTo(trained, 12);
    // A new draw, new masks.
    m.nextDropoutDraw();
    m.loadExamples(batch, range(4));
    expect(m.loss(true)).not.toBe(trained);
  });

  it('training is reproducible from the seed', () => {
    const run = () => {
      const m = new RecurrentNetwork({ cell: 'gru', inputSize: 4, hiddenSize: 8, numLayers: 2, dropout: 0.3, outputSize: 3, seed: 9 });
      return train(m, batch, { epochs: 5, batchSize: 2, optimizer: { type: 'adam', learningRate: 0.01 } }).history.map((e) => e.loss);
    };
    expect(run()).toEqual(run());
  });
});

describe('RecurrentNetwork: online learning', () => {
  it('each stream of an OnlineLearner draws its own dropout masks', () => {
    const m = new RecurrentNetwork({ cell: 'gru', inputSize: 2, hiddenSize: 16, numLayers: 2, dropout: 0.5, outputSize: 1, seed: 2 });
    const learner = new OnlineLearner(m, { algorithm: { type: 'tbptt', k: 4 }, streams: 2 });
    const { output } = learner.learn([0.5, -1, 0.5, -1], [0, 0]); // the same input and state on both streams
    expect(output[0]).not.toBe(output[1]);
    const plain = new RecurrentNetwork({ cell: 'gru', inputSize: 2, hiddenSize: 16, numLayers: 2, outputSize: 1, seed: 2 });
    const same = new OnlineLearner(plain, { algorithm: { type: 'tbptt', k: 4 }, streams: 2 }).learn([0.5, -1, 0.5, -1], [0, 0]).output;
    expect(same[0]).toBe(same[1]); // without dropout they agree
  });


  it('an OnlineLearner with a TBPTT window learns a 2-layer GRU from a stream; exact RTRL is refused with the alternative named', () => {
    const m = new RecurrentNetwork({ cell: 'gru', inputSize: 1, hiddenSize: 12, numLayers: 2, outputSize: 1, seed: 3 });
    expect(() => new OnlineLearner(m)).toThrow(/exact RTRL is implemented for a single recurrent layer .* and this model has 2 stacked layers\. .* an OnlineLearner takes \{ type: 'tbptt', k \} too/);
    const learner = new OnlineLearner(m, { algorithm: { type: 'tbptt', k: 8 }, optimizer: { type: 'adam', learningRate: 0.01 } });
    // Echo the input from 2 steps ago.
    const rng = new Random(1), bits: number[] = [];
    let early = 0, late = 0;
    for (let t = 0; t < 3000; t++) {
      bits.push(rng.next() < 0.5 ? 1 : 0);
      const target = t >= 2 ? bits[t - 2]! : 0;
      const { loss } = learner.learn([bits[t]!], [target]);
      if (t < 300) early += loss; else if (t >= 2700) late += loss;
    }
    expect(late / 300).toBeLessThan(0.3 * (early / 300));
  });
});
