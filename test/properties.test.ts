import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRowBatch, rowBatch } from '../src/data/row-batch.js';
import { createSequenceBatch, sequenceBatch } from '../src/data/sequence-batch.js';
import { Vocabulary } from '../src/data/vocabulary.js';
import { FLOAT32_MAX, RnnkitError } from '../src/errors.js';
import { FeedForwardNetwork } from '../src/model/ffnn.js';
import { RecurrentNetwork } from '../src/model/recurrent/network.js';
import { ElmanRNN } from '../src/model/rnn.js';
import { sample } from '../src/model/sample.js';
import { fromBinary, fromJSON, toBinary, toJSON } from '../src/model/serialize.js';
import { RnnStepper } from '../src/model/stepper.js';
import { computeGradients } from '../src/train/gradient-algorithm.js';
import { train } from '../src/train/train.js';

/*
 * Property-based checks (fast-check) of issue 16's promise: whatever a
 * careless or hostile caller passes, a public entry point either works and
 * gives finite numbers, or throws an RnnkitError — never another error type
 * (a TypeError from deep inside, a RangeError), a NaN, or a hang. Bounded:
 * a few hundred cases per property, small sizes.
 */
const RUNS = { numRuns: 300, seed: 16 };

/** Calls `fn`: an error must be an RnnkitError; a result must hold only finite numbers. */
function outcome(fn: () => unknown): void {
  let result: unknown;
  try {
    result = fn();
  } catch (error) {
    if (!(error instanceof RnnkitError)) throw new Error(`not an RnnkitError: ${(error as Error)?.name}: ${(error as Error)?.message}`);
    return;
  }
  const numbers: number[] = [];
  const walk = (v: unknown, depth: number) => {
    if (depth > 3) return;
    if (typeof v === 'number') numbers.push(v);
    else if (ArrayBuffer.isView(v) && !(v instanceof DataView)) numbers.push(...Array.from(v as unknown as ArrayLike<number>).slice(0, 1000));
    else if (v && typeof v === 'object' && !(v instanceof RecurrentNetwork) && !(v instanceof FeedForwardNetwork)) for (const x of Object.values(v)) walk(x, depth + 1);
  };
  walk(result, 0);
  for (const n of numbers) if (!Number.isFinite(n)) throw new Error(`a non-finite number in the result: ${n}`);
}

/** Values of every kind, including near-misses of valid ones. */
const anything = fc.oneof(
  fc.anything({ maxDepth: 2, withBigInt: true, withTypedArray: true, withSparseArray: true, withNullPrototype: true }),
  fc.constantFrom(NaN, Infinity, -1, 0, 0.5, 1e39, 2 ** 31, 2 ** 32 + 1, -0, '', '1', true, null, undefined, [], [[]], [[[]]]),
);

const model = () => new RecurrentNetwork({ cell: 'gru', inputSize: 2, hiddenSize: 3, outputSize: 2, output: 'softmax' });
const batch = sequenceBatch({ inputs: [[[1, 0], [0, 1]], [[0.5, 0.5]]], targets: [[0, 1], [1]] });

describe('public entry points: an RnnkitError or a finite result, whatever they are given', () => {
  const entries: [string, (v: unknown) => unknown][] = [
    ['sequenceBatch(v)', (v) => sequenceBatch(v as never)],
    ['sequenceBatch({ inputs: v })', (v) => sequenceBatch({ inputs: v as never })],
    ['sequenceBatch({ inputs, targets: v })', (v) => sequenceBatch({ inputs: [[[1], [2]]], targets: v as never })],
    ['sequenceBatch({ inputs, mask: v })', (v) => sequenceBatch({ inputs: [[[1], [2]]], mask: v as never })],
    ['createSequenceBatch(v)', (v) => createSequenceBatch(v as never)],
    ['createSequenceBatch({ …, classes: v })', (v) => createSequenceBatch({ size: 1, steps: 2, inputSize: 1, inputs: [1, 2], classes: v as never })],
    ['rowBatch(v)', (v) => rowBatch(v as never)],
    ['createRowBatch({ …, inputs: v })', (v) => createRowBatch({ size: 2, inputSize: 1, inputs: v as never })],
    ['new RecurrentNetwork(v)', (v) => new RecurrentNetwork(v as never)],
    ['new RecurrentNetwork({ …, hiddenSize: v })', (v) => new RecurrentNetwork({ cell: 'lstm', inputSize: 2, hiddenSize: v as never, outputSize: 1 })],
    ['new ElmanRNN({ …, seed: v })', (v) => new ElmanRNN({ inputSize: 1, hiddenSize: 2, outputSize: 1, seed: v as never })],
    ['new FeedForwardNetwork({ layerSizes: v })', (v) => new FeedForwardNetwork({ layerSizes: v as never })],
    ['train(model, batch, v)', (v) => train(model(), batch, v as never)],
    ['train(model, v)', (v) => train(model(), v as never)],
    ['train(v, batch)', (v) => train(v as never, batch)],
    ['computeGradients(model, batch, { algorithm: v })', (v) => computeGradients(model(), batch, { algorithm: v as never })],
    ['model.predict(v)', (v) => model().predict(v as never)],
    ['model.setParameter("W_out", v)', (v) => model().setParameter('W_out', v as never)],
    ['model.evaluate(batch, v)', (v) => model().evaluate(batch, v as never)],
    ['new RnnStepper(model, v)', (v) => new RnnStepper(model(), v as never)],
    ['stepper.step(v)', (v) => new RnnStepper(model()).step(v as never)],
    ['stepper.reset(v)', (v) => new RnnStepper(model()).reset(v as never)],
    ['sample(model, v)', (v) => sample(model(), v as never)],
    ['new Vocabulary(v)', (v) => new Vocabulary(v as never)],
    ['fromJSON(v)', (v) => fromJSON(v as never)],
    ['fromBinary(v)', (v) => fromBinary(v as never)],
  ];
  for (const [name, call] of entries) {
    it(name, () => fc.assert(fc.property(anything, (v) => outcome(() => call(v))), RUNS));
  }
});

describe('the loaders reject or load arbitrary mutations of valid files', () => {
  const saved = model();
  saved.metadata = { vocabulary: ['a', 'b'] };
  const json = toJSON(saved), binary = toBinary(saved);

  it('binary: any bytes changed, removed or appended', () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.nat(binary.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
      fc.integer({ min: -40, max: 40 }),
      (changes, resize) => {
        const bytes = new Uint8Array(Math.max(0, binary.length + resize));
        bytes.set(binary.subarray(0, Math.min(binary.length, bytes.length)));
        for (const [at, value] of changes) if (at < bytes.length) bytes[at] = value;
        outcome(() => {
          const loaded = fromBinary(bytes);
          // What loads is a whole model: it saves again and loads back the same.
          expect(toBinary(fromBinary(toBinary(loaded)))).toEqual(toBinary(loaded));
          return loaded.parameters();
        });
      },
    ), RUNS);
  });

  it('JSON: any characters changed', () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.nat(json.length - 1), fc.constantFrom('0', '9', '-', '.', 'e', '"', ',', '{', '}', '[', ']', ' ', 'x', 'null', '1e39', 'NaN')), { minLength: 1, maxLength: 6 }),
      (changes) => {
        let text = json;
        for (const [at, s] of changes) text = text.slice(0, at) + s + text.slice(at + 1);
        outcome(() => fromJSON(text).parameters());
      },
    ), RUNS);
  });
});

describe('integer and finiteness checks hold at the float32 and int32 boundaries', () => {
  it('values up to float32\'s largest are taken; the next double up is refused, in batches and parameters', () => {
    const above = FLOAT32_MAX * (1 + 2 ** -52);
    expect(sequenceBatch({ inputs: [[[FLOAT32_MAX, -FLOAT32_MAX]]] }).inputs[0]).toBe(FLOAT32_MAX);
    expect(() => sequenceBatch({ inputs: [[[above]]] })).toThrow(RnnkitError);
    const m = new ElmanRNN({ inputSize: 1, hiddenSize: 1, outputSize: 1 });
    m.setParameter('W_out', [FLOAT32_MAX]);
    expect(m.getParameter('W_out')[0]).toBe(FLOAT32_MAX);
    expect(() => m.setParameter('W_out', [-above])).toThrow(RnnkitError);
    fc.assert(fc.property(fc.double({ noNaN: true }), (x) => {
      const ok = Math.abs(x) <= FLOAT32_MAX;
      let taken = true;
      try { createRowBatch({ size: 1, inputSize: 1, inputs: [x] }); } catch (e) { expect(e).toBeInstanceOf(RnnkitError); taken = false; }
      expect(taken).toBe(ok);
    }), { numRuns: 300, seed: 16 });
  });

  it('class indices up to 2³¹ − 1 are taken; 2³¹ and non-integers are refused', () => {
    expect(createRowBatch({ size: 1, inputSize: 1, inputs: [0], classes: [2 ** 31 - 1] }).classes![0]).toBe(2 ** 31 - 1);
    fc.assert(fc.property(fc.oneof(fc.double(), fc.integer({ min: -(2 ** 33), max: 2 ** 33 })), (c) => {
      const ok = Number.isInteger(c) && c >= 0 && c <= 2 ** 31 - 1;
      let stored: number | undefined;
      try { stored = createRowBatch({ size: 1, inputSize: 1, inputs: [0], classes: [c] }).classes![0]; } catch (e) { expect(e).toBeInstanceOf(RnnkitError); }
      expect(stored === undefined ? !ok : ok && stored === c).toBe(true);
    }), { numRuns: 300, seed: 16 });
  });
});
