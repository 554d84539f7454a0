import { describe, expect, it } from 'vitest';
import { sequenceBatch } from '../src/data/sequence-batch.js';
import { ElmanRNN } from '../src/model/rnn.js';
import { train } from '../src/train/train.js';

/** Every binary sequence of a length, with its parity as the many-to-one class target. */
function parityData(length: number) {
  const inputs: number[][][] = [], targets: number[] = [];
  for (let code = 0; code < 1 << length; code++) {
    const bits = Array.from({ length }, (_, t) => (code >> t) & 1);
    inputs.push(bits.map((b) => [b]));
    targets.push(bits.reduce((a, b) => a ^ b, 0));
  }
  return sequenceBatch({ inputs, targets, task: 'many-to-one' });
}

function argmaxAt(y: Float32Array | Float64Array, row: number, o: number): number {
  let best = 0;
  for (let k = 1; k < o; k++) if (y[row * o + k]! > y[row * o + best]!) best = k;
  return best;
}

describe('learning with fixed seeds', () => {
  it('many-to-one: the parity of 4 bits, 100% accuracy and cross-entropy < 0.05', () => {
    const data = parityData(4);
    const model = new ElmanRNN({ inputSize: 1, hiddenSize: 12, outputSize: 2, output: 'softmax', seed: 4 });
    const before = model.evaluate(data);
    expect(before).toBeGreaterThan(0.5); // chance level is ln 2 ≈ 0.69: the threshold below means something
    const result = train(model, data, { epochs: 400, optimizer: { type: 'adam', learningRate: 0.03 }, seed: 1 });
    const after = model.evaluate(data);
    expect(after).toBeLessThan(0.05);
    expect(result.history.at(-1)!.loss).toBeLessThan(0.1);
    const y = model.predict(data);
    let correct = 0;
    for (let b = 0; b < data.size; b++) {
      if (argmaxAt(y, b * data.steps + data.steps - 1, 2) === data.classes![b * data.steps + data.steps - 1]) correct++;
    }
    expect(correct).toBe(16);
  });

  it('many-to-many: next symbol of "aabcaabc…" (needs the previous two symbols), ≥ 99% accuracy', () => {
    // After 'a' comes 'a' or 'b' depending on the symbol before it: a one-step model cannot exceed 75%.
    const pattern = [0, 0, 1, 2];
    const T = 16;
    const inputs: number[][][] = [], targets: number[][] = [];
    for (let phase = 0; phase < 4; phase++) {
      const seq = Array.from({ length: T + 1 }, (_, t) => pattern[(t + phase) % 4]!);
      inputs.push(seq.slice(0, T).map((c) => [0, 1, 2].map((k) => (k === c ? 1 : 0))));
      targets.push(seq.slice(1));
    }
    const data = sequenceBatch({ inputs, targets });
    const model = new ElmanRNN({ inputSize: 3, hiddenSize: 10, outputSize: 3, output: 'softmax', seed: 2 });
    train(model, data, { epochs: 300, optimizer: { type: 'adam', learningRate: 0.02 } });
    const y = model.predict(data);
    let correct = 0, total = 0;
    for (let b = 0; b < 4; b++) {
      for (let t = 2; t < T; t++) { // from the third step on the history disambiguates
        total++;
        if (argmaxAt(y, b * T + t, 3) === data.classes![b * T + t]) correct++;
      }
    }
    expect(correct / total).toBeGreaterThanOrEqual(0.99);
  });

  it('many-to-one regression: the sum of 5 numbers, MSE below 1% of the target variance', () => {
    const inputs: number[][][] = [], targets: number[][] = [];
    let seed = 3;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
    for (let i = 0; i < 64; i++) {
      const xs = Array.from({ length: 5 }, rand);
      inputs.push(xs.map((x) => [x]));
      targets.push([xs.reduce((a, b) => a + b, 0) / 2]);
    }
    const data = sequenceBatch({ inputs, targets, task: 'many-to-one' });
    const variance = targets.reduce((s, [t]) => s + t! * t!, 0) / targets.length;
    const model = new ElmanRNN({ inputSize: 1, hiddenSize: 8, outputSize: 1, seed: 5 });
    train(model, data, { epochs: 200, batchSize: 16, optimizer: { type: 'momentum', learningRate: 0.05, momentum: 0.9 } });
    // evaluate() is ½‖y − τ‖², the notes' MSE: compare 2·loss with the variance of the targets.
    expect(2 * model.evaluate(data)).toBeLessThan(0.01 * variance);
  });
});
