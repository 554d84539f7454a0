import { describe, expect, it } from 'vitest';
import { addingTask } from '../src/tasks/adding.js';
import { RecurrentNetwork, Random, splitSequences, textDataset, train, type SequenceBatch } from '../src/index.js';

/*
 * What the gated cells are for, trained from fixed seeds: each test fails if
 * training is broken. The adding problem at a lag of 100 steps (Hochreiter &
 * Schmidhuber 1997): the memoryless answer scores MSE 1/6 ≈ 0.167, and an
 * Elman RNN of the same size stays there, as note 001's vanishing-gradient
 * analysis predicts; LSTM and GRU cells learn it.
 */
describe('learning with gated cells', () => {
  const task = addingTask({ steps: 100, train: 4000, test: 500, seed: 1 });
  const fit = (cell: 'elman' | 'lstm' | 'gru', epochs: number) => {
    const model = new RecurrentNetwork({ ...task.model, cell, hiddenSize: 32, seed: 1 });
    train(model, task.train, { epochs, batchSize: 32, optimizer: { type: 'adam', learningRate: 0.01 }, clipNorm: 1 });
    return task.evaluate(model).value;
  };

  it('LSTM learns the adding problem at lag 100 (test MSE < 0.05, memoryless 0.167)', () => {
    expect(fit('lstm', 10)).toBeLessThan(0.05);
  }, 60_000);

  it('GRU learns the adding problem at lag 100 (test MSE < 0.05)', () => {
    expect(fit('gru', 5)).toBeLessThan(0.05);
  }, 60_000);

  it('an Elman RNN of the same size, trained as long as the LSTM, does not (test MSE > 0.15)', () => {
    expect(fit('elman', 10)).toBeGreaterThan(0.15);
  }, 60_000);

  it('a 2-layer LSTM with an embedding and dropout learns a next-character task (validation accuracy ≥ 0.8; most frequent character 0.17)', () => {
    // Words in random order: within a word every next character is determined; only a word's first letter is a 1-in-6 guess.
    const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot'];
    const rng = new Random(3);
    let text = '';
    while (text.length < 12_000) text += `${words[rng.int(words.length)]} `;
    const { batch, vocabulary } = textDataset(text, { steps: 32, inputs: 'tokens' });
    const { train: trainSet, validation } = splitSequences(batch, { validation: 0.2, seed: 1 });
    const V = vocabulary.size;
    const model = new RecurrentNetwork({
      cell: 'lstm', vocabularySize: V, embeddingSize: 8, hiddenSize: 32, numLayers: 2, dropout: 0.1, outputSize: V, output: 'softmax', seed: 1,
    });
    const accuracy = (data: SequenceBatch) => {
      const y = model.predict(data);
      let right = 0;
      for (let i = 0; i < data.size * data.steps; i++) {
        let best = 0;
        for (let k = 1; k < V; k++) if (y[i * V + k]! > y[i * V + best]!) best = k;
        if (best === data.classes![i]) right++;
      }
      return right / (data.size * data.steps);
    };
    const before = accuracy(validation!);
    train(model, trainSet, { epochs: 8, batchSize: 16, optimizer: { type: 'adam', learningRate: 0.01 }, clipNorm: 1 });
    expect(before).toBeLessThan(0.3);
    expect(accuracy(validation!)).toBeGreaterThanOrEqual(0.8);
  }, 60_000);
});
