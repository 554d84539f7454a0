import { describe, expect, it } from 'vitest';
import type { Task } from '../src/data/sequence-batch.js';
import { createSequenceBatch } from '../src/data/sequence-batch.js';
import { RecurrentNetwork, type RecurrentNetworkConfig } from '../src/model/recurrent/network.js';
import { Random } from '../src/model/random.js';
import { computeGradients } from '../src/train/gradient-algorithm.js';
import { gradientCheck } from '../src/train/gradient-check.js';
import { HEADS } from './helpers/cases.js';
import { randomBatch } from './helpers/random-data.js';

/*
 * Every gradient path of the recurrent network against float64 central
 * differences, at odd sizes (r = 13, p = 7, o = 5) and at r = 1: cell ×
 * depth × every (F, loss) × every task, with ragged masks, learned h0/c0,
 * given initial states, an embedding, and dropout with its masks held fixed.
 */
const TOLERANCE = 1e-6;
const CELLS = ['elman', 'lstm', 'gru'] as const;
const TASKS: Task[] = ['many-to-many', 'many-to-one', 'one-to-many'];

function check(config: RecurrentNetworkConfig, batch: ReturnType<typeof randomBatch>, maxPerParameter = 24) {
  const model = new RecurrentNetwork({ seed: 3, init: { recurrentGain: 0.9 }, ...config });
  // Non-zero biases and initial states, so their gradients are not trivially symmetric.
  for (const name of model.parameterNames) {
    if (/^(b_|h0|c0)/.test(name)) model.setParameter(name, model.getParameter(name).map((v, i) => v + 0.3 * Math.sin(3 * i + name.length)));
  }
  const result = gradientCheck(model, batch, { maxPerParameter });
  expect(result.loss).toBeGreaterThan(0);
  for (const [name, c] of Object.entries(result.parameters)) {
    expect(c.relativeError, `${name}[${c.index}]: analytic ${c.analytic} vs numeric ${c.numeric}`).toBeLessThanOrEqual(TOLERANCE);
  }
  return result;
}

/** A batch of token ids [B][T] in [0, V) with class targets in [0, o). */
function tokenBatch(B: number, T: number, V: number, o: number, seed: number) {
  const rng = new Random(seed);
  return createSequenceBatch({
    size: B, steps: T, inputSize: 1, inputs: Array.from({ length: B * T }, () => rng.int(V)),
    classes: Array.from({ length: B * T }, () => rng.int(o)), lengths: Array.from({ length: B }, (_, b) => T - (b % 2)),
  });
}

describe('recurrent network: BPTT gradient against float64 central differences', () => {
  for (const cell of CELLS) {
    for (const numLayers of [1, 2, 3]) {
      for (const head of HEADS) {
        it(`${cell}, ${numLayers} layer(s), F=${head.output}, ${head.loss} (${head.targets}), ragged, learned states`, () => {
          const batch = randomBatch({ size: 3, steps: 5, inputSize: 7, outputSize: 5, targets: head.targets, ragged: true, seed: 11 });
          check({ cell, numLayers, inputSize: 7, hiddenSize: 13, outputSize: 5, output: head.output, loss: head.loss, initialState: 'learned' }, batch,
            numLayers === 1 ? 40 : 12);
        });
      }
      for (const task of TASKS) {
        it(`${cell}, ${numLayers} layer(s), ${task}, ragged`, () => {
          const batch = randomBatch({ size: 3, steps: 6, inputSize: 7, outputSize: 5, targets: 'vector', task, ragged: true, seed: 5 });
          check({ cell, numLayers, inputSize: 7, hiddenSize: 13, outputSize: 5, initialState: 'learned' }, batch, 12);
        });
      }
    }

    it(`${cell}: r = 1, p = 1, o = 1, 2 layers, learned states`, () => {
      const batch = randomBatch({ size: 2, steps: 4, inputSize: 1, outputSize: 1, targets: 'vector', ragged: true });
      check({ cell, numLayers: 2, inputSize: 1, hiddenSize: 1, outputSize: 1, initialState: 'learned' }, batch, 100);
    });

    it(`${cell}: per-sequence initial states given in the batch, 2 layers (learned ones unused: zero gradient)`, () => {
      const probe = new RecurrentNetwork({ cell, numLayers: 2, inputSize: 7, hiddenSize: 13, outputSize: 5 });
      const batch = randomBatch({ size: 3, steps: 4, inputSize: 7, outputSize: 5, targets: 'vector', initialStateSize: probe.stateSize });
      check({ cell, numLayers: 2, inputSize: 7, hiddenSize: 13, outputSize: 5, initialState: 'learned' }, batch, 12);
      const model = new RecurrentNetwork({ cell, numLayers: 2, inputSize: 7, hiddenSize: 13, outputSize: 5, initialState: 'learned' });
      const g = computeGradients(model, batch).gradients;
      expect(Math.max(...Array.from(g.h0_l1!, Math.abs))).toBe(0);
      expect(Math.max(...Array.from(g.W_rec_l1!, Math.abs))).toBeGreaterThan(0);
    });

    it(`${cell}: token inputs through an embedding, 2 layers, softmax over the vocabulary`, () => {
      const result = check({ cell, numLayers: 2, vocabularySize: 9, embeddingSize: 5, hiddenSize: 13, outputSize: 9, output: 'softmax' },
        tokenBatch(3, 5, 9, 9, 4), 30);
      expect(result.parameters.embedding!.checked).toBeGreaterThan(20);
    });

    it(`${cell}: dropout 0.4 between 3 layers, masks held fixed`, () => {
      const batch = randomBatch({ size: 3, steps: 5, inputSize: 7, outputSize: 5, targets: 'vector', ragged: true, seed: 2 });
      check({ cell, numLayers: 3, dropout: 0.4, inputSize: 7, hiddenSize: 13, outputSize: 5 }, batch, 12);
    });
  }
});
