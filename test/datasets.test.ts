import { describe, expect, it } from 'vitest';
import { Vocabulary } from '../src/data/vocabulary.js';
import { textDataset, textStreams } from '../src/data/text.js';
import { miniBatches, splitSequences } from '../src/data/split.js';
import { forecastWindows, Standardizer } from '../src/data/time-series.js';
import { learnFromStream, type StreamStep } from '../src/data/stream.js';
import { sequenceBatch, type SequenceBatch } from '../src/data/sequence-batch.js';
import { ElmanRNN } from '../src/model/rnn.js';
import { Random } from '../src/model/random.js';
import { OnlineLearner } from '../src/train/online.js';
import { train } from '../src/train/train.js';

/** The symbol index at each step of a one-hot input, checking the row is exactly one-hot. */
function oneHotIndices(batch: SequenceBatch, b: number): number[] {
  const { steps: T, inputSize: V } = batch;
  return Array.from({ length: T }, (_, t) => {
    const row = Array.from(batch.inputs.subarray((b * T + t) * V, (b * T + t + 1) * V));
    expect(row.filter((v) => v === 1).length).toBe(1);
    expect(row.filter((v) => v === 0).length).toBe(V - 1);
    return row.indexOf(1);
  });
}

function classesOf(batch: SequenceBatch, b: number): number[] {
  return Array.from(batch.classes!.subarray(b * batch.steps, (b + 1) * batch.steps));
}

/** n sequences of ragged length (b mod 3) + 1 whose every input is b, with class b at every step. */
function numbered(n: number): SequenceBatch {
  const inputs = Array.from({ length: n }, (_, b) => Array.from({ length: (b % 3) + 1 }, () => [b]));
  const targets = inputs.map((s, b) => s.map(() => b));
  return sequenceBatch({ inputs, targets });
}

/** The ids (first input) of a batch's sequences, in order. */
function ids(batch: SequenceBatch): number[] {
  return Array.from({ length: batch.size }, (_, b) => batch.inputs[b * batch.steps * batch.inputSize]!);
}

describe('Vocabulary', () => {
  it('fromText: distinct characters sorted by code point, surrogate pairs kept whole', () => {
    // U+1F600 is a surrogate pair (0xD83D 0xDE00): a UTF-16 sort would put it before U+FF5E.
    const v = Vocabulary.fromText('b😀a～a\n');
    expect(v.symbols).toEqual(['\n', 'a', 'b', '～', '😀']);
    expect(v.size).toBe(5);
    expect(Array.from(v.encode('a😀b'))).toEqual([1, 4, 2]);
    expect(v.decode([4, 1, 0])).toBe('😀a\n');
  });

  it('fromTokens: order of first appearance; encode keeps the order of the sequence (note 003 §2)', () => {
    const v = Vocabulary.fromTokens(['I', 'love', 'deep', 'learning', 'I', 'love']);
    expect(v.symbols).toEqual(['I', 'love', 'deep', 'learning']);
    // The note lists x[2] = 'learning', x[3] = 'deep'; the sequence order is x[2] = 'deep'.
    expect(Array.from(v.encode(['I', 'love', 'deep', 'learning']))).toEqual([0, 1, 2, 3]);
    expect(v.indexOf('deep')).toBe(2);
    expect(v.has('deep')).toBe(true);
    expect(v.has('shallow')).toBe(false);
  });

  it('oneHot: [n][size] with a single 1 per row', () => {
    const v = new Vocabulary(['x', 'y', 'z']);
    expect(Array.from(v.oneHot([2, 0, 1, 2]))).toEqual([0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(v.oneHot(new Int32Array(0)).length).toBe(0);
  });

  it('round-trips through JSON', () => {
    const v = Vocabulary.fromText('hello, world');
    const copy = new Vocabulary(JSON.parse(JSON.stringify(v)));
    expect(copy.symbols).toEqual(v.symbols);
    expect(v.toJSON()).toEqual([...v.symbols]);
  });

  it('rejects bad symbols, unknown symbols and out-of-range indices', () => {
    expect(() => new Vocabulary([])).toThrow(/symbols: expected a non-empty array of strings, got an array of length 0/);
    expect(() => new Vocabulary(['a', 'b', 'a'])).toThrow(/symbols\[2\]: expected unique symbols, got 'a' again \(first at index 0\)/);
    expect(() => new Vocabulary(['a', ''])).toThrow(/symbols\[1\]: expected a non-empty string/);
    expect(() => new Vocabulary(['a', 3 as never])).toThrow(/symbols\[1\]: expected a non-empty string, got 3/);
    expect(() => Vocabulary.fromText('')).toThrow(/text: expected a non-empty string/);
    expect(() => Vocabulary.fromTokens([])).toThrow(/tokens: expected a non-empty array of strings/);
    expect(() => Vocabulary.fromTokens(['a', ''])).toThrow(/tokens\[1\]: expected a non-empty string/);
    const v = new Vocabulary(['a', 'b', 'c']);
    expect(() => v.indexOf('z')).toThrow(/unknown symbol 'z' \(the vocabulary has 3 symbols\)/);
    expect(() => v.encode('abz')).toThrow(/text\[2\]: unknown symbol 'z' \(the vocabulary has 3 symbols\)/);
    expect(() => v.encode('a\n')).toThrow(/text\[1\]: unknown symbol '\\n'/);
    expect(() => v.encode(['a', 'bb'])).toThrow(/tokens\[1\]: unknown symbol 'bb'/);
    expect(() => v.decode([0, 5])).toThrow(/indices\[1\]: expected an integer in \[0, 2\], got 5/);
    expect(() => v.decode([1.5])).toThrow(/indices\[0\]: expected an integer in \[0, 2\], got 1.5/);
    expect(() => v.oneHot([0, -1])).toThrow(/indices\[1\]: expected an integer in \[0, 2\], got -1/);
    expect(() => v.oneHot([NaN])).toThrow(/indices\[0\]: expected an integer in \[0, 2\], got NaN/);
  });
});

describe('textDataset: next-character windows', () => {
  const text = 'hello world'; // 11 characters
  const v = Vocabulary.fromText(text);

  it('shapes, one-hot inputs, next-character class targets, masks', () => {
    const { batch, vocabulary } = textDataset(text, { steps: 4 });
    expect(vocabulary.symbols).toEqual(v.symbols);
    // Default stride = steps: windows at 0 and 4; the one at 8 would need 5 characters, only 3 remain.
    expect(batch.size).toBe(2);
    expect(batch.steps).toBe(4);
    expect(batch.inputSize).toBe(v.size);
    expect(batch.inputs.length).toBe(2 * 4 * v.size);
    expect(batch.task).toBe('many-to-many');
    expect(batch.targets).toBeUndefined();
    expect(v.decode(oneHotIndices(batch, 0))).toBe('hell');
    expect(v.decode(classesOf(batch, 0))).toBe('ello');
    expect(v.decode(oneHotIndices(batch, 1))).toBe('o wo');
    expect(v.decode(classesOf(batch, 1))).toBe(' wor');
    expect(Array.from(batch.mask)).toEqual(new Array(8).fill(1));
    expect(Array.from(batch.lengths)).toEqual([4, 4]);
  });

  it('windows start every stride characters; the last partial window is dropped', () => {
    for (const stride of [1, 2, 3, 4, 6, 7]) {
      const { batch } = textDataset(text, { steps: 4, stride });
      const expected = Math.floor((11 - 5) / stride) + 1;
      expect(batch.size).toBe(expected);
      for (let b = 0; b < batch.size; b++) {
        const s = b * stride;
        expect(v.decode(oneHotIndices(batch, b))).toBe(text.slice(s, s + 4));
        expect(v.decode(classesOf(batch, b))).toBe(text.slice(s + 1, s + 5));
      }
    }
    // Exactly steps + 1 characters: one window.
    expect(textDataset('abcde', { steps: 4 }).batch.size).toBe(1);
  });

  it('counts characters by code point and accepts a larger given vocabulary', () => {
    const emoji = 'a😀b😀a';
    const vocabulary = new Vocabulary(['😀', 'a', 'b', 'c']);
    const { batch } = textDataset(emoji, { steps: 2, stride: 1, vocabulary });
    expect(batch.size).toBe(3); // 5 code points, not 7 UTF-16 units
    expect(batch.inputSize).toBe(4);
    expect(vocabulary.decode(oneHotIndices(batch, 1))).toBe('😀b');
    expect(vocabulary.decode(classesOf(batch, 1))).toBe('b😀');
  });

  it('rejects short text, bad options and unknown characters', () => {
    expect(() => textDataset('hello', { steps: 5 })).toThrow(/text: expected at least steps \+ 1 = 6 characters .*got 5/);
    expect(() => textDataset('', { steps: 1 })).toThrow(/text: expected a non-empty string/);
    expect(() => textDataset(42 as never, { steps: 1 })).toThrow(/text: expected a non-empty string, got 42/);
    expect(() => textDataset(text, { steps: 0 })).toThrow(/steps: expected an integer ≥ 1, got 0/);
    expect(() => textDataset(text, { steps: 2.5 })).toThrow(/steps: expected an integer ≥ 1, got 2.5/);
    expect(() => textDataset(text, { steps: 3, stride: 0 })).toThrow(/stride: expected an integer ≥ 1, got 0/);
    expect(() => textDataset(text, { step: 3 } as never)).toThrow(/textDataset options: unknown option 'step'/);
    expect(() => textDataset(text, undefined as never)).toThrow(/textDataset options: expected an options object/);
    expect(() => textDataset(text, { steps: 3, vocabulary: ['h'] as never })).toThrow(/vocabulary: expected a Vocabulary/);
    expect(() => textDataset(text, { steps: 3, vocabulary: new Vocabulary(['h', 'e', 'l', 'o']) }))
      .toThrow(/text\[5\]: unknown symbol ' ' \(the vocabulary has 4 symbols\)/);
    // A one-hot array beyond 2^30 entries is refused with its size, before allocating.
    const long = 'ab'.repeat(600_000);
    expect(() => textDataset(long, { steps: 1000, stride: 1, vocabulary: Vocabulary.fromText(long) }))
      .toThrow(/textDataset: the one-hot array would have .* GiB\), more than the limit of 2\^30 .*use a larger stride/);
  });
});

describe('textStreams: contiguous pieces for truncated BPTT', () => {
  it('cuts the text into contiguous pieces with next-character targets', () => {
    const text = 'abcdefghij';
    const { batch, vocabulary: v } = textStreams(text, { streams: 3 });
    // L = ⌊(10 − 1)/3⌋ = 3
    expect([batch.size, batch.steps, batch.inputSize]).toEqual([3, 3, 10]);
    expect([0, 1, 2].map((b) => v.decode(oneHotIndices(batch, b)))).toEqual(['abc', 'def', 'ghi']);
    expect([0, 1, 2].map((b) => v.decode(classesOf(batch, b)))).toEqual(['bcd', 'efg', 'hij']);
    // (n − 1) mod B characters are dropped at the end.
    const four = textStreams(text, { streams: 4 });
    expect([0, 1, 2, 3].map((b) => v.decode(oneHotIndices(four.batch, b)))).toEqual(['ab', 'cd', 'ef', 'gh']);
    expect(v.decode(classesOf(four.batch, 3))).toBe('hi');
    expect(textStreams(text, { streams: 1 }).batch.steps).toBe(9);
  });

  it('trains with truncated BPTT across the pieces', () => {
    const { batch, vocabulary } = textStreams('abcd'.repeat(40), { streams: 4 });
    const model = new ElmanRNN({ inputSize: vocabulary.size, hiddenSize: 8, outputSize: vocabulary.size, output: 'softmax', seed: 2 });
    const { history } = train(model, batch, { epochs: 30, algorithm: { type: 'tbptt', k: 8 }, optimizer: { type: 'adam', learningRate: 0.05 } });
    // A deterministic cycle: the loss falls well below its start (ln 4 per step at chance).
    expect(history.at(-1)!.loss).toBeLessThan(history[0]!.loss / 4);
  });

  it('rejects too many streams', () => {
    expect(() => textStreams('abcdefghij', { streams: 10 })).toThrow(/streams: expected an integer in \[1, 9\] .*the text has 10 characters\), got 10/);
    expect(() => textStreams('abc', { streams: 0 })).toThrow(/streams: expected an integer ≥ 1, got 0/);
    expect(() => textStreams('a', { streams: 1 })).toThrow(/streams: expected an integer in \[1, 1\]/);
    expect(() => textStreams('abc', { streams: 1, stride: 1 } as never)).toThrow(/textStreams options: unknown option 'stride'/);
  });
});

describe('splitSequences', () => {
  const batch = numbered(10);

  it('sizes, disjoint sides that cover the batch, original order kept within each side', () => {
    const { train, validation } = splitSequences(batch, { validation: 0.3, seed: 5 });
    expect(train.size).toBe(7);
    expect(validation.size).toBe(3);
    const a = ids(train), b = ids(validation);
    expect([...a, ...b].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(a).toEqual([...a].sort((x, y) => x - y));
    expect(b).toEqual([...b].sort((x, y) => x - y));
    // Each sequence keeps its own length, mask and class targets.
    for (const part of [train, validation]) {
      ids(part).forEach((id, i) => {
        expect(part.lengths[i]).toBe((id % 3) + 1);
        expect(classesOf(part, i).slice(0, part.lengths[i])).toEqual(new Array(part.lengths[i]).fill(id));
        expect(Array.from(part.mask.subarray(i * part.steps, (i + 1) * part.steps)))
          .toEqual(Array.from({ length: part.steps }, (_, t) => (t < part.lengths[i]! ? 1 : 0)));
      });
    }
  });

  it('is deterministic for a seed, varies with the seed, and without shuffling holds out the last part', () => {
    const first = ids(splitSequences(batch, { validation: 0.3, seed: 5 }).validation);
    expect(ids(splitSequences(batch, { validation: 0.3, seed: 5 }).validation)).toEqual(first);
    const others = [1, 2, 3, 4].map((seed) => ids(splitSequences(batch, { validation: 0.3, seed }).validation).join());
    expect(others.some((o) => o !== first.join())).toBe(true);
    const ordered = splitSequences(batch, { validation: 0.3, shuffle: false });
    expect(ids(ordered.train)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(ids(ordered.validation)).toEqual([7, 8, 9]);
  });

  it('rejects fractions that leave a side empty and bad options', () => {
    expect(() => splitSequences(batch, { validation: 0 })).toThrow(/validation: expected a fraction in \(0, 1\), got 0/);
    expect(() => splitSequences(batch, { validation: 1 })).toThrow(/validation: expected a fraction in \(0, 1\), got 1/);
    expect(() => splitSequences(batch, { validation: 1.5 })).toThrow(/validation: expected a finite number in \[0, 1\], got 1.5/);
    expect(() => splitSequences(batch, { validation: NaN })).toThrow(/validation: expected a finite number in \[0, 1\], got NaN/);
    expect(() => splitSequences(batch, { validation: 0.01 }))
      .toThrow(/validation: expected a fraction leaving at least one sequence on each side \(the batch has 10; 0.01·10 rounds to 0\)/);
    expect(() => splitSequences(batch, { validation: 0.97 })).toThrow(/validation: expected a fraction leaving at least one sequence on each side/);
    expect(() => splitSequences(numbered(1), { validation: 0.5 })).toThrow(/validation: .*the batch has 1/);
    expect(() => splitSequences(batch, { validation: 0.3, shuffle: 'yes' as never })).toThrow(/shuffle: expected a boolean, got "yes"/);
    expect(() => splitSequences(batch, { validation: 0.3, seed: NaN })).toThrow(/seed: expected an integer in \[0, 4294967295\], got NaN/);
    expect(() => splitSequences(batch, { validation: 0.3, validationSplit: 0.1 } as never)).toThrow(/splitSequences options: unknown option 'validationSplit'/);
    expect(() => splitSequences([] as never, { validation: 0.3 })).toThrow(/batch: expected a SequenceBatch/);
  });
});

describe('miniBatches', () => {
  const batch = numbered(10);

  it('covers each sequence exactly once; the last batch may be smaller', () => {
    const parts = [...miniBatches(batch, { batchSize: 3, seed: 7 })];
    expect(parts.map((p) => p.size)).toEqual([3, 3, 3, 1]);
    const seen = parts.flatMap(ids);
    expect([...seen].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(seen).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]); // shuffled by default
    parts.forEach((p) => expect(p.steps).toBe(batch.steps));
  });

  it('is deterministic for a seed, in order without shuffling, one batch when batchSize ≥ B', () => {
    const order = (seed: number) => [...miniBatches(batch, { batchSize: 4, seed })].flatMap(ids);
    expect(order(3)).toEqual(order(3));
    expect([1, 2, 3, 4].some((s) => order(s).join() !== order(3).join())).toBe(true);
    expect([...miniBatches(batch, { batchSize: 4, shuffle: false })].map(ids)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    expect([...miniBatches(batch, { batchSize: 50, shuffle: false })].map(ids)).toEqual([[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]]);
  });

  it('checks its options when called, before iterating', () => {
    expect(() => miniBatches(batch, { batchSize: 0 })).toThrow(/batchSize: expected an integer ≥ 1, got 0/);
    expect(() => miniBatches(batch, { batchSize: 2.5 })).toThrow(/batchSize: expected an integer ≥ 1, got 2.5/);
    expect(() => miniBatches(batch, { batchSize: 2, shuffle: 1 as never })).toThrow(/shuffle: expected a boolean, got 1/);
    expect(() => miniBatches(batch, { batchSize: 2, seed: Infinity })).toThrow(/seed: expected an integer in \[0, 4294967295\], got Infinity/);
    expect(() => miniBatches(batch, { size: 2 } as never)).toThrow(/miniBatches options: unknown option 'size'/);
    expect(() => miniBatches(undefined as never, { batchSize: 2 })).toThrow(/batch: expected a SequenceBatch/);
  });
});

describe('Standardizer', () => {
  it('per-column mean and population std; a constant column gets std 1 and maps to exactly 0', () => {
    // Rows [1, 5, 0.1], [3, 5, 0.1], [5, 5, 0.1]: column 0 mean 3, std √(8/3).
    const s = Standardizer.fit([1, 5, 0.1, 3, 5, 0.1, 5, 5, 0.1], 3);
    expect(s.width).toBe(3);
    expect(Array.from(s.mean)).toEqual([3, 5, 0.1]);
    expect(s.std[0]).toBeCloseTo(Math.sqrt(8 / 3), 14);
    expect(Array.from(s.std.subarray(1))).toEqual([1, 1]);
    const z = s.transform([1, 5, 0.1, 5, 5, 0.1]);
    expect(z[0]).toBeCloseTo(-2 / Math.sqrt(8 / 3), 6);
    expect(Array.from(z.subarray(1))).toEqual([0, 0, 2 / Math.sqrt(8 / 3), 0, 0].map(Math.fround));
    const back = s.inverse(z);
    [1, 5, 0.1, 5, 5, 0.1].forEach((x, i) => expect(back[i]).toBeCloseTo(x, 5));
  });

  it('round-trips through JSON', () => {
    const s = Standardizer.fit([1, 2, 4, 8], 2);
    const json = JSON.parse(JSON.stringify(s));
    const copy = new Standardizer(json.mean, json.std);
    expect(Array.from(copy.mean)).toEqual(Array.from(s.mean));
    expect(Array.from(copy.std)).toEqual(Array.from(s.std));
  });

  it('rejects empty, ragged or non-finite values', () => {
    expect(() => Standardizer.fit([], 1)).toThrow(/values: expected a non-empty array whose length is a multiple of width = 1/);
    expect(() => Standardizer.fit([1, 2, 3], 2)).toThrow(/values: expected a non-empty array whose length is a multiple of width = 2, got an array of length 3/);
    expect(() => Standardizer.fit([1, NaN], 1)).toThrow(/values: expected finite numbers, got NaN at index 1/);
    expect(() => Standardizer.fit([1, 2], 0)).toThrow(/width: expected an integer ≥ 1, got 0/);
    const s = Standardizer.fit([1, 2, 3, 4], 2);
    expect(() => s.transform([1, 2, 3])).toThrow(/values: expected a non-empty array whose length is a multiple of width = 2/);
    expect(() => s.inverse([1, Infinity])).toThrow(/values: expected finite numbers, got Infinity at index 1/);
    expect(() => new Standardizer([0], [0])).toThrow(/std\[0\]: expected a finite number in \[5e-324, Infinity\], got 0/);
    expect(() => new Standardizer([0, 1], [1])).toThrow(/std: expected an array of length 2 \(as mean\)/);
    expect(() => new Standardizer([], [])).toThrow(/mean: expected a non-empty array of numbers/);
  });
});

describe('forecastWindows', () => {
  /** The batch's inputs and targets back on the original scale, rounded (the values are small integers). */
  const raw = (s: Standardizer, values: Float32Array) => Array.from(s.inverse(values), (v) => Math.round(v * 1e4) / 1e4 + 0); // + 0 turns -0 into 0

  it('many-to-one: input x[t..t+window), target x[t+window−1+horizon] at the last step (hand-computed)', () => {
    const series = [1, 2, 3, 4, 5, 6, 7, 8];
    const { train, validation, standardizer } = forecastWindows(series, { window: 3, horizon: 2 });
    expect(validation).toBeUndefined();
    // Windows t = 0..3 (the target of t = 3 is x[7] = 8).
    expect([train.size, train.steps, train.inputSize, train.targetSize, train.task]).toEqual([4, 3, 1, 1, 'many-to-one']);
    expect(standardizer.mean[0]).toBe(4.5);
    expect(standardizer.std[0]).toBeCloseTo(Math.sqrt(5.25), 14);
    expect(train.inputs[0]).toBeCloseTo((1 - 4.5) / Math.sqrt(5.25), 6);
    expect(raw(standardizer, train.inputs as Float32Array)).toEqual([1, 2, 3, 2, 3, 4, 3, 4, 5, 4, 5, 6]);
    const targets = raw(standardizer, train.targets as Float32Array);
    // [B][T][o]: the target sits at the last step; the mask selects only that step.
    expect([0, 1, 2, 3].map((b) => targets[b * 3 + 2])).toEqual([5, 6, 7, 8]);
    expect(Array.from(train.mask)).toEqual([0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1]);
  });

  it('many-to-many: the target at step i is x[t+i+horizon]', () => {
    const series = new Float64Array([10, 20, 30, 40, 50, 60]);
    const { train, standardizer } = forecastWindows(series, { window: 3, horizon: 1, task: 'many-to-many' });
    expect([train.size, train.steps, train.task]).toEqual([3, 3, 'many-to-many']);
    expect(raw(standardizer, train.inputs as Float32Array)).toEqual([10, 20, 30, 20, 30, 40, 30, 40, 50]);
    expect(raw(standardizer, train.targets as Float32Array)).toEqual([20, 30, 40, 30, 40, 50, 40, 50, 60]);
    expect(Array.from(train.mask)).toEqual(new Array(9).fill(1));
    // horizon 2 shifts every target one step further.
    const h2 = forecastWindows(series, { window: 2, horizon: 2, task: 'many-to-many' });
    expect(raw(h2.standardizer, h2.train.targets as Float32Array)).toEqual([30, 40, 40, 50, 50, 60]);
  });

  it('multivariate rows with a subset of target columns', () => {
    const series = Array.from({ length: 8 }, (_, i) => [i, 10 * i, -i]);
    const { train, standardizer } = forecastWindows(series, { window: 2, targetColumns: [1] });
    expect([train.size, train.inputSize, train.targetSize]).toEqual([6, 3, 1]);
    expect(raw(standardizer, train.inputs.subarray(0, 6) as Float32Array)).toEqual([0, 0, 0, 1, 10, -1]);
    // Targets are column 1 only, standardized with column 1's statistics: 10·(t + 2).
    const column1 = new Standardizer([standardizer.mean[1]!], [standardizer.std[1]!]);
    const targets = raw(column1, train.targets as Float32Array);
    expect([0, 1, 2, 3, 4, 5].map((b) => targets[b * 2 + 1])).toEqual([20, 30, 40, 50, 60, 70]);
  });

  it('inputColumns: a target forecast from other columns only (every column still standardized)', () => {
    const series = Array.from({ length: 6 }, (_, i) => [i, 10 * i, -i]);
    const { train, standardizer } = forecastWindows(series, { window: 2, inputColumns: [2, 0], targetColumns: [1] });
    expect([train.size, train.steps, train.inputSize, train.targetSize]).toEqual([4, 2, 2, 1]);
    expect(standardizer.width).toBe(3);
    // Inputs are columns 2 then 0 of rows t, t + 1, each with its own column's statistics.
    const inputs = Array.from(train.inputs, (z, k) => Math.round(z * standardizer.std[[2, 0][k % 2]!]! + standardizer.mean[[2, 0][k % 2]!]!) + 0);
    expect(inputs.slice(0, 8)).toEqual([0, 0, -1, 1, -1, 1, -2, 2]);
    const column1 = new Standardizer([standardizer.mean[1]!], [standardizer.std[1]!]);
    const targets = raw(column1, train.targets as Float32Array);
    expect([0, 1, 2, 3].map((b) => targets[b * 2 + 1])).toEqual([20, 30, 40, 50]);
    expect(() => forecastWindows(series, { window: 1, inputColumns: [3] })).toThrow(/inputColumns\[0\]: expected an integer in \[0, 2\], got 3/);
    expect(() => forecastWindows(series, { window: 1, inputColumns: [] })).toThrow(/inputColumns: expected a non-empty array of column indices/);
  });

  it('validation is the last part of the series; no window straddles the cut', () => {
    const series = Array.from({ length: 20 }, (_, i) => i);
    const { train, validation, standardizer } = forecastWindows(series, { window: 2, horizon: 1, validation: 0.25 });
    // 15 training steps → 15 − 3 + 1 = 13 windows; 5 validation steps → 3 windows.
    expect(train.size).toBe(13);
    expect(validation!.size).toBe(3);
    // Fitted on x[0..15): mean 7, population std √((15² − 1)/12).
    expect(standardizer.mean[0]).toBe(7);
    expect(standardizer.std[0]).toBeCloseTo(Math.sqrt(224 / 12), 12);
    const trainValues = [...raw(standardizer, train.inputs as Float32Array), ...raw(standardizer, train.targets as Float32Array)];
    expect(Math.max(...trainValues)).toBe(14);
    const targets = raw(standardizer, validation!.targets as Float32Array);
    expect(raw(standardizer, validation!.inputs as Float32Array)).toEqual([15, 16, 16, 17, 17, 18]);
    expect([0, 1, 2].map((b) => targets[b * 2 + 1])).toEqual([17, 18, 19]);
  });

  it('the standardizer is fitted on the training part only: validation values do not influence it', () => {
    const base = Array.from({ length: 20 }, (_, i) => Math.sin(i));
    const wild = base.map((v, i) => (i >= 15 ? 1e6 * (i - 14) : v));
    const a = forecastWindows(base, { window: 3, validation: 0.25 });
    const b = forecastWindows(wild, { window: 3, validation: 0.25 });
    expect(b.standardizer.toJSON()).toEqual(a.standardizer.toJSON());
    expect(b.standardizer.toJSON()).toEqual(Standardizer.fit(base.slice(0, 15), 1).toJSON());
    expect(Array.from(b.train.inputs)).toEqual(Array.from(a.train.inputs));
    expect(Array.from(b.train.targets!)).toEqual(Array.from(a.train.targets!));
    expect(Array.from(b.validation!.inputs)).not.toEqual(Array.from(a.validation!.inputs));
    // …while fitting on the whole series would have changed it.
    expect(Standardizer.fit(wild, 1).mean[0]).not.toBe(a.standardizer.mean[0]);
  });

  it('rejects empty, ragged and non-finite series and bad options', () => {
    const ok = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(() => forecastWindows([], { window: 2 })).toThrow(/series: expected a non-empty array of values, or of rows of values/);
    expect(() => forecastWindows(new Float32Array(0), { window: 2 })).toThrow(/series: expected a non-empty series/);
    expect(() => forecastWindows([1, NaN, 3], { window: 1 })).toThrow(/series\[1\]: expected a finite number, got NaN/);
    expect(() => forecastWindows(new Float64Array([1, 2, Infinity]), { window: 1 })).toThrow(/series: expected finite numbers, got Infinity at index 2/);
    expect(() => forecastWindows([[1, 2], [3]], { window: 1 })).toThrow(/series\[1\]: expected a row of 2 values \(as series\[0\]\), got an array of length 1/);
    expect(() => forecastWindows([[1, 2], [3, NaN]], { window: 1 })).toThrow(/series\[1\]\[1\]: expected a finite number, got NaN/);
    expect(() => forecastWindows([1, [2]] as never, { window: 1 })).toThrow(/series\[1\]: expected a finite number, got an array of length 1/);
    expect(() => forecastWindows([[]], { window: 1 })).toThrow(/series\[0\]: expected a non-empty row/);
    expect(() => forecastWindows([1, 2, 3, 4, 5], { window: 4, horizon: 2 })).toThrow(/series: expected at least window \+ horizon = 6 steps, got 5/);
    expect(() => forecastWindows(ok, { window: 0 })).toThrow(/window: expected an integer ≥ 1, got 0/);
    expect(() => forecastWindows(ok, { window: 2, horizon: 0 })).toThrow(/horizon: expected an integer ≥ 1, got 0/);
    expect(() => forecastWindows(ok, { window: 2, task: 'one-to-many' as never })).toThrow(/task: expected one of 'many-to-one', 'many-to-many', got "one-to-many"/);
    expect(() => forecastWindows(ok, { window: 2, validation: 1 })).toThrow(/validation: expected a fraction in \[0, 1\), got 1/);
    expect(() => forecastWindows(ok, { window: 2, validation: -0.1 })).toThrow(/validation: expected a finite number in \[0, 1\], got -0.1/);
    expect(() => forecastWindows(ok, { window: 3, validation: 0.2 }))
      .toThrow(/validation: expected a fraction leaving at least window \+ horizon = 4 steps on each side \(the series has 10: 8 for training, 2 for validation\)/);
    expect(() => forecastWindows([[1, 2], [3, 4], [5, 6]], { window: 1, targetColumns: [2] })).toThrow(/targetColumns\[0\]: expected an integer in \[0, 1\], got 2/);
    expect(() => forecastWindows([[1, 2], [3, 4], [5, 6]], { window: 1, targetColumns: [1, 1] })).toThrow(/targetColumns\[1\]: expected distinct columns, got 1/);
    expect(() => forecastWindows(ok, { window: 2, targetColumns: [] })).toThrow(/targetColumns: expected a non-empty array of column indices/);
    expect(() => forecastWindows(ok, { window: 2, stride: 2 } as never)).toThrow(/forecastWindows options: unknown option 'stride'/);
    expect(() => forecastWindows(ok, undefined as never)).toThrow(/forecastWindows options: expected an options object/);
  });
});

describe('learnFromStream', () => {
  /** y = 0.5·x for random x: a memoryless map an online learner fits quickly. */
  function* halving(count: number, seed: number): Generator<StreamStep> {
    const rng = new Random(seed);
    for (let i = 0; i < count; i++) {
      const x = rng.uniform(-1, 1);
      yield { x: [x], target: [0.5 * x] };
    }
  }
  async function* asyncHalving(count: number, seed: number): AsyncGenerator<StreamStep> {
    for (const step of halving(count, seed)) {
      await Promise.resolve();
      yield step;
    }
  }
  const newLearner = () => new OnlineLearner(
    new ElmanRNN({ inputSize: 1, hiddenSize: 4, outputSize: 1, seed: 3 }),
    { optimizer: { type: 'adam', learningRate: 0.02 } },
  );
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;

  it('a sync iterable: learning a trivial stream lowers the loss', async () => {
    const learner = newLearner();
    const losses: number[] = [];
    const result = await learnFromStream(learner, halving(600, 1), { onStep: ({ loss }) => losses.push(loss) });
    expect(result).toMatchObject({ steps: 600, learned: 600, aborted: false });
    expect(result.meanLoss).toBeCloseTo(mean(losses), 10);
    expect(mean(losses.slice(-100))).toBeLessThan(mean(losses.slice(0, 100)) / 10);
    expect(learner.steps).toBe(600);
  });

  it('an async iterable: the same steps give the same losses as the sync one', async () => {
    const syncLosses: number[] = [], asyncLosses: number[] = [];
    await learnFromStream(newLearner(), halving(300, 2), { onStep: ({ loss }) => syncLosses.push(loss) });
    const result = await learnFromStream(newLearner(), asyncHalving(300, 2), { onStep: ({ loss }) => asyncLosses.push(loss) });
    expect(result).toMatchObject({ steps: 300, learned: 300, aborted: false });
    expect(asyncLosses).toEqual(syncLosses);
    expect(mean(asyncLosses.slice(-50))).toBeLessThan(mean(asyncLosses.slice(0, 50)) / 4);
  });

  it('a step without a target is predicted, not learned', async () => {
    const learner = newLearner();
    const before = Array.from(learner.model.getParameter('W_in'));
    const flags: boolean[] = [];
    const steps: StreamStep[] = [{ x: [0.5] }, { x: [0.25] }, { x: [1] }];
    const result = await learnFromStream(learner, steps, { onStep: ({ learned, loss, output }) => { flags.push(learned); expect(loss).toBe(0); expect(output.length).toBe(1); } });
    expect(result).toMatchObject({ steps: 3, learned: 0, aborted: false });
    expect(result.meanLoss).toBeNaN();
    expect(flags).toEqual([false, false, false]);
    expect(Array.from(learner.model.getParameter('W_in'))).toEqual(before);
    expect(learner.steps).toBe(3);
    // A class index as target works too (softmax model).
    const classifier = new OnlineLearner(new ElmanRNN({ inputSize: 1, hiddenSize: 3, outputSize: 2, output: 'softmax', seed: 1 }));
    const mixed = await learnFromStream(classifier, [{ x: [1], target: 1 }, { x: [0] }, { x: [1], target: 0 }]);
    expect(mixed).toMatchObject({ steps: 3, learned: 2 });
  });

  it('limit stops an endless stream and closes it', async () => {
    let closed = false;
    function* endless(): Generator<StreamStep> {
      try { for (;;) yield { x: [1], target: [0.5] }; } finally { closed = true; }
    }
    const result = await learnFromStream(newLearner(), endless(), { limit: 25 });
    expect(result).toMatchObject({ steps: 25, learned: 25, aborted: false });
    expect(closed).toBe(true);
  });

  it('a signal stops it between steps, and while waiting for an async stream', async () => {
    const controller = new AbortController();
    const result = await learnFromStream(newLearner(), halving(100, 1), {
      signal: controller.signal,
      onStep: ({ step }) => { if (step === 10) controller.abort(); },
    });
    expect(result).toMatchObject({ steps: 10, learned: 10, aborted: true });

    // A stream that gives two steps and then never another.
    async function* stalls(): AsyncGenerator<StreamStep> {
      yield { x: [1], target: [0.5] };
      yield { x: [1], target: [0.5] };
      await new Promise(() => {});
    }
    const late = new AbortController();
    setTimeout(() => late.abort(), 20);
    expect(await learnFromStream(newLearner(), stalls(), { signal: late.signal })).toMatchObject({ steps: 2, aborted: true });
    // A long synchronous stream still hands the event loop a turn now and then, so a timer can abort it.
    const timer = new AbortController();
    setTimeout(() => timer.abort(), 30);
    function* endless(): Generator<StreamStep> { for (;;) yield { x: [1], target: [0.5] }; }
    const stopped = await learnFromStream(newLearner(), endless(), { signal: timer.signal, limit: 5_000_000 });
    expect(stopped.aborted).toBe(true);
    expect(stopped.steps).toBeLessThan(5_000_000);
    const already = new AbortController();
    already.abort();
    expect(await learnFromStream(newLearner(), halving(5, 1), { signal: already.signal })).toMatchObject({ steps: 0, aborted: true });
  });

  it('rejects bad learners, streams, steps and options, saying which step', async () => {
    const learner = newLearner();
    await expect(learnFromStream({} as never, [])).rejects.toThrow(/learner: expected an OnlineLearner, got an object/);
    await expect(learnFromStream(learner, 42 as never)).rejects.toThrow(/steps: expected an iterable or async iterable of \{ x, target\? \} steps, got 42/);
    await expect(learnFromStream(learner, [{ x: [1] }, 7 as never])).rejects.toThrow(/steps\[1\]: expected a step \{ x, target\? \}, got 7/);
    await expect(learnFromStream(learner, [{ x: [1], targets: [1] } as never])).rejects.toThrow(/steps\[0\]: unknown option 'targets' \(known options: x, target\)/);
    await expect(learnFromStream(learner, [{ x: [1] }, { x: [1] }, { x: [1, 2] }])).rejects.toThrow(/steps\[2\]: x: expected streams·p = 1·1 values/);
    await expect(learnFromStream(learner, [{ x: [NaN], target: [1] }])).rejects.toThrow(/steps\[0\]: x: expected numbers finite in float32 \(\|x\| ≤ 3\.4e38\), got NaN at index 0/);
    await expect(learnFromStream(learner, asyncHalving(3, 1), { limit: 0 })).rejects.toThrow(/limit: expected an integer ≥ 1, got 0/);
    await expect(learnFromStream(learner, [], { onStep: 1 as never })).rejects.toThrow(/onStep: expected a function, got 1/);
    await expect(learnFromStream(learner, [], { signal: {} as never })).rejects.toThrow(/signal: expected an AbortSignal/);
    await expect(learnFromStream(learner, [], { steps: 3 } as never)).rejects.toThrow(/learnFromStream options: unknown option 'steps'/);
    // An empty stream is not an error: nothing to learn.
    expect(await learnFromStream(learner, [])).toMatchObject({ steps: 0, learned: 0, aborted: false });
  });
});
