import { describe, expect, it } from 'vitest';
import { createSequenceBatch, type Task } from '../src/data/sequence-batch.js';
import { RecurrentNetwork, type RecurrentNetworkConfig } from '../src/model/recurrent/network.js';
import { computeGradients } from '../src/train/gradient-algorithm.js';
import { train } from '../src/train/train.js';
import { gradientCheck } from '../src/train/gradient-check.js';
import { rtrl, rtrlBytes, sensitivityColumns } from '../src/train/rtrl.js';
import { relativeDifference } from './helpers/chunks.js';
import { randomBatch } from './helpers/random-data.js';
import { awayFromZero } from './helpers/online-models.js';

/*
 * Exact RTRL for the gated cells (docs/theory.md (T48)–(T53)): in float64 it
 * equals full BPTT — a different algorithm over the same chain rule — for
 * every output and loss, every task shape, with masks, ragged lengths and
 * learned or per-sequence initial states, at odd sizes and at r = 1.
 */
const GATED = ['lstm', 'gru'] as const;

function model64(config: Partial<RecurrentNetworkConfig>) {
  const m = new RecurrentNetwork({ inputSize: 7, hiddenSize: 13, outputSize: 5, dtype: 'float64', seed: 4, init: { recurrentGain: 0.9 }, ...config });
  // Biases and learned states away from zero, so that every column of the sensitivities is exercised.
  return awayFromZero(m);
}

const HEADS = [
  { output: 'identity', loss: 'mse', targets: 'vector' },
  { output: 'softmax', loss: 'cross-entropy', targets: 'classes' },
  { output: 'softmax', loss: 'cross-entropy', targets: 'probability' },
  { output: 'sigmoid', loss: 'binary-cross-entropy', targets: 'binary' },
  { output: 'sigmoid', loss: 'mse', targets: 'binary' },
] as const;

describe('exact RTRL for LSTM and GRU equals full BPTT (float64, ≤ 1e-9 relative)', () => {
  for (const cell of GATED) {
    for (const head of HEADS) {
      for (const task of ['many-to-many', 'many-to-one'] as Task[]) {
        it(`${cell}, ${head.output}/${head.loss} on ${head.targets} targets, ${task}: ragged lengths, a mask, learned states, r=13 p=7 o=5`, () => {
          const model = model64({ cell, output: head.output, loss: head.loss, initialState: 'learned' });
          const batch = randomBatch({ size: 3, steps: 6, inputSize: 7, outputSize: 5, targets: head.targets, ragged: true, task, seed: 5 });
          (batch.mask as Float32Array)[2] = 0; // one more step switched off by hand
          const bptt = computeGradients(model, batch);
          const byRtrl = computeGradients(model, batch, { algorithm: rtrl() });
          expect(Math.abs(byRtrl.loss - bptt.loss)).toBeLessThanOrEqual(1e-12 * Math.abs(bptt.loss));
          expect(relativeDifference(byRtrl.gradients, bptt.gradients)).toBeLessThanOrEqual(1e-9);
          // Every parameter RTRL tracks really carries gradient (learned h0, c0 and b_hn included).
          for (const name of model.parameterNames) expect(Math.max(...Array.from(bptt.gradients[name]!, Math.abs)), name).toBeGreaterThan(1e-6);
        });
      }
    }

    it(`${cell}: per-sequence initial states (no learned columns) and zero initial states, B=4, T=9`, () => {
      for (const initialState of ['zeros', 'learned'] as const) {
        const model = model64({ cell, initialState });
        const batch = randomBatch({ size: 4, steps: 9, inputSize: 7, outputSize: 5, targets: 'vector', ragged: true, seed: 11, initialStateSize: model.stateSize });
        const bptt = computeGradients(model, batch), byRtrl = computeGradients(model, batch, { algorithm: rtrl() });
        expect(relativeDifference(byRtrl.gradients, bptt.gradients)).toBeLessThanOrEqual(1e-9);
        const plain = randomBatch({ size: 4, steps: 9, inputSize: 7, outputSize: 5, targets: 'vector', seed: 12 });
        expect(relativeDifference(computeGradients(model, plain, { algorithm: rtrl() }).gradients, computeGradients(model, plain).gradients)).toBeLessThanOrEqual(1e-9);
      }
    });

    it(`${cell}: r = 1 (p = 7, o = 5) and r = p = o = T = B = 1, learned states`, () => {
      for (const [p, o, B, T] of [[7, 5, 3, 6], [1, 1, 1, 1]] as const) {
        const model = model64({ cell, inputSize: p, hiddenSize: 1, outputSize: o, initialState: 'learned' });
        const batch = randomBatch({ size: B, steps: T, inputSize: p, outputSize: o, targets: 'vector', ragged: true, seed: 3 });
        expect(relativeDifference(computeGradients(model, batch, { algorithm: rtrl() }).gradients, computeGradients(model, batch).gradients)).toBeLessThanOrEqual(1e-9);
      }
    });

    it(`${cell}: passes a float64 finite-difference check through RTRL`, () => {
      const model = model64({ cell, hiddenSize: 5, inputSize: 3, outputSize: 2, initialState: 'learned' });
      const batch = randomBatch({ size: 2, steps: 5, inputSize: 3, outputSize: 2, targets: 'vector', ragged: true, seed: 9 });
      const result = gradientCheck(model, batch, { algorithm: rtrl() });
      for (const [name, c] of Object.entries(result.parameters)) expect(c.relativeError, name).toBeLessThanOrEqual(1e-6);
    });
  }

  it('train(…, { algorithm: rtrl() }) takes the same steps as BPTT (float64, mini-batches, Adam, learned states)', () => {
    for (const cell of GATED) {
      const bptt = model64({ cell, initialState: 'learned' }), byRtrl = bptt.clone();
      const batch = randomBatch({ size: 5, steps: 6, inputSize: 7, outputSize: 5, targets: 'vector', ragged: true, seed: 21 });
      const options = { epochs: 2, batchSize: 2, seed: 3, optimizer: { type: 'adam', learningRate: 0.01 } } as const;
      const a = train(bptt, batch, options), b = train(byRtrl, batch, { ...options, algorithm: rtrl() });
      expect(b.history.at(-1)!.loss).toBeCloseTo(a.history.at(-1)!.loss, 9);
      let worst = 0, moved = 0;
      for (const name of bptt.parameterNames) {
        const x = bptt.getParameter(name), y = byRtrl.getParameter(name), start = model64({ cell, initialState: 'learned' }).getParameter(name);
        x.forEach((v, i) => { worst = Math.max(worst, Math.abs(v - y[i]!)); moved = Math.max(moved, Math.abs(v - start[i]!)); });
      }
      expect(worst, cell).toBeLessThanOrEqual(1e-9);
      expect(moved, cell).toBeGreaterThan(1e-3); // the weights really changed
    }
  });

  it('counts the tracked columns and the memory per cell: n = G·r·(p + r + 1) (+ r for b_hn) (+ learned states); 6, 4 and 2 blocks of B·r·n', () => {
    const [r, p, B] = [13, 7, 3];
    const lstm = model64({ cell: 'lstm', initialState: 'learned' }), gru = model64({ cell: 'gru', initialState: 'learned' });
    const elman = model64({ cell: 'elman', initialState: 'learned' });
    expect(sensitivityColumns(lstm)).toBe(4 * r * (p + r + 1) + 2 * r);
    expect(sensitivityColumns(gru)).toBe(3 * r * (p + r + 1) + r + r);
    expect(sensitivityColumns(elman)).toBe(r * (p + r + 1) + r);
    expect(rtrlBytes(lstm, B)).toBe((6 * B * r * sensitivityColumns(lstm) + sensitivityColumns(lstm)) * 8);
    expect(rtrlBytes(gru, B)).toBe((4 * B * r * sensitivityColumns(gru) + sensitivityColumns(gru)) * 8);
    expect(rtrlBytes(elman, B)).toBe((2 * B * r * sensitivityColumns(elman) + sensitivityColumns(elman)) * 8);
  });

  it('refuses, before allocating, a gated model whose sensitivities exceed the cap, stating the bytes', () => {
    const model = new RecurrentNetwork({ cell: 'lstm', inputSize: 16, hiddenSize: 64, outputSize: 4 });
    const batch = randomBatch({ size: 8, steps: 2, inputSize: 16, outputSize: 4, targets: 'vector' });
    // n = 4·64·(16 + 64 + 1) = 20736; 6·8·64·20736 + 20736 values of 4 bytes = 243.1 MiB.
    expect(rtrlBytes(model, 8)).toBe((6 * 8 * 64 * 20736 + 20736) * 4);
    const before = model.workspace.length;
    expect(() => computeGradients(model, batch, { algorithm: rtrl({ maxBytes: 64 * 1024 * 1024 }) })).toThrow(
      /RTRL would need 243\.1 MiB for its sensitivities \(6 × B·r·n = 6 × 8·64·20736 values\), over the cap of 64\.0 MiB \(algorithm\.maxBytes\)\. Truncated BPTT/);
    expect(model.workspace.length).toBe(before); // nothing was allocated
    const gru = new RecurrentNetwork({ cell: 'gru', inputSize: 16, hiddenSize: 96, outputSize: 4 });
    expect(() => computeGradients(gru, randomBatch({ size: 8, steps: 2, inputSize: 16, outputSize: 4, targets: 'vector' }), { algorithm: rtrl() }))
      .toThrow(/\(4 × B·r·n = 4 × 8·96·32640 values\), over the cap of 256\.0 MiB/);
  });

  it('still refuses stacked layers and embeddings, naming truncated BPTT', () => {
    const batch = randomBatch({ size: 2, steps: 3, inputSize: 7, outputSize: 5, targets: 'vector' });
    expect(() => computeGradients(model64({ cell: 'lstm', numLayers: 2 }), batch, { algorithm: rtrl() }))
      .toThrow(/exact RTRL is implemented for a single recurrent layer \(Elman, LSTM or GRU\) on vector inputs, and this model has 2 stacked layers\. Use full BPTT \('bptt'\) or truncated BPTT/);
    const tokens = new RecurrentNetwork({ cell: 'gru', vocabularySize: 9, embeddingSize: 4, hiddenSize: 6, outputSize: 9, output: 'softmax' });
    const ids = createSequenceBatch({ size: 2, steps: 3, inputSize: 1, inputs: [1, 2, 3, 4, 5, 6], classes: [1, 2, 3, 4, 5, 6] });
    expect(() => computeGradients(tokens, ids, { algorithm: rtrl() }))
      .toThrow(/this model has an embedding\. Use full BPTT/);
  });
});
