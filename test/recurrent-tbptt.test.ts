import { describe, expect, it } from 'vitest';
import { RecurrentNetwork, type RecurrentNetworkConfig } from '../src/model/recurrent/network.js';
import { computeGradients } from '../src/train/gradient-algorithm.js';
import { rtrl } from '../src/train/rtrl.js';
import { train } from '../src/train/train.js';
import { detachedChunks, relativeDifference } from './helpers/chunks.js';
import { randomBatch } from './helpers/random-data.js';

/*
 * Truncated BPTT's identities for every cell and depth, in float64: with
 * k ≥ T it is full BPTT; with k < T it is full BPTT on detached chunks, each
 * starting from the state the sequence carried into it. And its memory
 * depends on k, not on T.
 */
const CELLS = ['elman', 'lstm', 'gru'] as const;

function model64(config: Partial<RecurrentNetworkConfig>) {
  const m = new RecurrentNetwork({ inputSize: 7, hiddenSize: 13, outputSize: 5, dtype: 'float64', seed: 4, init: { recurrentGain: 0.9 }, ...config });
  for (const name of m.parameterNames) if (/^(b_|h0|c0)/.test(name)) m.setParameter(name, m.getParameter(name).map((v, i) => v + 0.2 * Math.cos(i + name.length)));
  return m;
}

describe('truncated BPTT for every cell and depth', () => {
  for (const cell of CELLS) {
    for (const numLayers of [1, 2, 3]) {
      const dropout = numLayers === 3 ? 0.3 : 0;
      it(`${cell}, ${numLayers} layer(s)${dropout ? ', dropout 0.3' : ''}: k ≥ T equals full BPTT (ragged, learned states)`, () => {
        const model = model64({ cell, numLayers, dropout, initialState: 'learned' });
        const batch = randomBatch({ size: 3, steps: 6, inputSize: 7, outputSize: 5, targets: 'vector', ragged: true, seed: 6 });
        const bptt = computeGradients(model, batch);
        for (const k of [6, 9]) {
          const tbptt = computeGradients(model, batch, { algorithm: { type: 'tbptt', k } });
          expect(tbptt.loss).toBeCloseTo(bptt.loss, 12);
          expect(relativeDifference(tbptt.gradients, bptt.gradients)).toBeLessThanOrEqual(1e-12);
        }
      });

      it(`${cell}, ${numLayers} layer(s): TBPTT(k=3) over T=7 equals full BPTT on detached chunks, summed`, () => {
        const model = model64({ cell, numLayers, initialState: 'learned' });
        const batch = randomBatch({ size: 3, steps: 7, inputSize: 7, outputSize: 5, targets: 'vector', ragged: true, seed: 8 });
        const tbptt = computeGradients(model, batch, { algorithm: { type: 'tbptt', k: 3 } });
        const { loss, gradients: reference } = detachedChunks(model, batch, 3);
        expect(tbptt.loss).toBeCloseTo(loss, 12);
        expect(relativeDifference(tbptt.gradients, reference)).toBeLessThanOrEqual(1e-12);
        expect(relativeDifference(tbptt.gradients, computeGradients(model, batch).gradients)).toBeGreaterThan(1e-4);
      });
    }

    it(`${cell}, 2 layers: the arena is sized by k, not by T`, () => {
      const make = () => new RecurrentNetwork({ cell, numLayers: 2, inputSize: 3, hiddenSize: 8, outputSize: 2, seed: 1 });
      const long = make(), short = make();
      const steps: number[] = [];
      train(long, randomBatch({ size: 2, steps: 400, inputSize: 3, outputSize: 2, targets: 'vector', seed: 2 }),
        { algorithm: { type: 'tbptt', k: 16 }, optimizer: { type: 'sgd', learningRate: 1e-3 }, onStep: (s) => steps.push(s.step) });
      train(short, randomBatch({ size: 2, steps: 40, inputSize: 3, outputSize: 2, targets: 'vector', seed: 2 }),
        { algorithm: { type: 'tbptt', k: 16 }, optimizer: { type: 'sgd', learningRate: 1e-3 } });
      expect(steps).toHaveLength(25);
      expect(long.workspace.length).toBe(short.workspace.length);
    });
  }

  it('exact RTRL takes one layer of any cell and refuses stacks and embeddings, saying what to use instead', () => {
    const batch = randomBatch({ size: 2, steps: 3, inputSize: 7, outputSize: 5, targets: 'vector' });
    expect(() => computeGradients(model64({ cell: 'lstm', numLayers: 2 }), batch, { algorithm: rtrl() }))
      .toThrow(/exact RTRL is implemented for a single recurrent layer \(Elman, LSTM or GRU\) on vector inputs, and this model has 2 stacked layers\. Use full BPTT \('bptt'\) or truncated BPTT/);
    expect(() => computeGradients(model64({ numLayers: 2 }), batch, { algorithm: rtrl() })).toThrow(/this model has 2 stacked layers/);
    // One layer is RTRL's own case, whatever its cell and class (the gated cells in depth: rtrl-gated.test.ts).
    for (const cell of CELLS) {
      const one = model64({ cell, initialState: 'learned' });
      expect(relativeDifference(computeGradients(one, batch, { algorithm: rtrl() }).gradients, computeGradients(one, batch).gradients)).toBeLessThanOrEqual(1e-9);
    }
  });
});
