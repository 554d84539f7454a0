import { describe, expect, it } from 'vitest';
import { readmeSection, runBlock as run } from './helpers/readme.js';

/*
 * The README's section on LSTM, GRU, stacking, embeddings and dropout runs as
 * written against the built package, then what it claims is checked.
 */
const { section, blocks } = readmeSection('## LSTM, GRU, stacked layers, embeddings and dropout');

describe('README: LSTM, GRU, stacked layers, embeddings and dropout', () => {
  it('has the four examples', () => expect(blocks).toHaveLength(4));

  it('LSTM on the adding problem at lag 100 reaches the stated test MSE', () => {
    const { task, lstm } = run(blocks[0]!, '{ task, lstm }') as { task: { evaluate(m: unknown): { value: number } }; lstm: unknown };
    expect(task.evaluate(lstm).value).toBeLessThan(0.01);
  }, 60_000);

  it('a 2-layer GRU with dropout fits a ragged many-to-one batch', () => {
    const { gru, batch } = run(blocks[1]!, '{ gru, batch }') as { gru: { predict(b: unknown): Float32Array; evaluate(b: unknown): number }; batch: { steps: number } };
    expect(gru.predict(batch)).toHaveLength(2 * 4 * 1);
    expect(gru.evaluate(batch)).toBeLessThan(0.01);
  });

  it('a stacked Elman network names its parameters as shown', () => {
    const { deep } = run(blocks[2]!, '{ deep }') as { deep: { parameterNames: string[] } };
    expect(deep.parameterNames).toEqual(['W_in_l0', 'W_rec_l0', 'W_in_l1', 'W_rec_l1', 'W_in_l2', 'W_rec_l2', 'W_out', 'b_rec_l0', 'b_rec_l1', 'b_rec_l2', 'b_out']);
  });

  it('the character model learns the text and samples it back', () => {
    const { vocabulary, ids, model } = run(blocks[3]!, '{ vocabulary, ids, model }') as {
      vocabulary: { decode(ids: ArrayLike<number>): string }; ids: number[]; model: { metadata: { vocabulary: string[] } };
    };
    const text = vocabulary.decode(ids);
    expect(text).toHaveLength(60);
    expect(section).toContain(`vocabulary.decode(ids); // "${text}"`); // the README shows what this build generates
    // The text repeats one sentence: a model that learned it writes its words.
    const words = text.split(/[ .]+/).filter((w) => w.length > 2);
    const known = new Set('the quick brown fox jumps over lazy dog'.split(' '));
    expect(words.filter((w) => known.has(w)).length / words.length).toBeGreaterThan(0.8);
    expect(model.metadata.vocabulary).toContain('q');
  }, 60_000);
});
