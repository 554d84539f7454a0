import { describe, expect, it } from 'vitest';
import { createSequenceBatch, sequenceBatch } from '../src/data/sequence-batch.js';
import { ElmanRNN } from '../src/model/rnn.js';

const config = { inputSize: 2, hiddenSize: 3, outputSize: 2 };

describe('bad input gets a clear error naming the argument', () => {
  it('model configuration', () => {
    expect(() => new ElmanRNN({ ...config, hiddenSize: 0 })).toThrow(/hiddenSize: expected an integer in \[1, 65536\], got 0/);
    expect(() => new ElmanRNN({ ...config, inputSize: 2.5 })).toThrow(/inputSize: expected an integer/);
    expect(() => new ElmanRNN({ ...config, hiddenSize: 1e9 })).toThrow(/hiddenSize/);
    expect(() => new ElmanRNN({ ...config, activation: 'gelu' as never })).toThrow(/activation: expected one of 'identity', 'sigmoid', 'tanh', 'relu', got "gelu"/);
    expect(() => new ElmanRNN({ ...config, output: 'softmax', loss: 'binary-cross-entropy' })).toThrow(/loss: 'binary-cross-entropy' expects output 'sigmoid'/);
    expect(() => new ElmanRNN({ ...config, loss: 'cross-entropy' })).toThrow(/loss: 'cross-entropy' expects output 'softmax'/);
    expect(() => new ElmanRNN({ ...config, hiddenUnits: 4 } as never)).toThrow(/unknown option 'hiddenUnits'/);
    expect(() => new ElmanRNN({ ...config, init: { recurrent: 'random' as never } })).toThrow(/init.recurrent/);
    expect(() => new ElmanRNN({ ...config, dtype: 'float16' as never })).toThrow(/dtype: expected one of 'float32', 'float64'/);
    expect(() => new ElmanRNN({ ...config, backend: 'gpu' as never })).toThrow(/backend: expected one of 'auto', 'wasm-simd', 'wasm-scalar', 'js'/);
  });

  it('parameters', () => {
    const model = new ElmanRNN(config);
    expect(() => model.setParameter('W_rec', [1, 2, 3])).toThrow(/parameter W_rec: expected 9 values \(3×3\)/);
    expect(() => model.setParameter('W_rec', [1, 2, 3, 4, 5, 6, 7, 8, Infinity])).toThrow(/parameter W_rec: expected numbers finite in float32 \(\|x\| ≤ 3\.4e38\), got Infinity at index 8/);
    expect(() => model.getParameter('W_hh')).toThrow(/unknown name "W_hh" \(this model has W_in, W_rec, W_out, b_rec, b_out\)/);
    // setParameters validates everything before writing anything.
    const before = model.getParameter('W_in');
    expect(() => model.setParameters({ W_in: [1, 1, 1, 1, 1, 1], b_out: [1] })).toThrow(/parameter b_out: expected 2 values/);
    expect(model.getParameter('W_in')).toEqual(before);
  });

  it('sequence batches', () => {
    expect(() => sequenceBatch({ inputs: [] })).toThrow(/inputs: expected a non-empty array of sequences/);
    expect(() => sequenceBatch({ inputs: [[[1, 2]], [[1]]] })).toThrow(/inputs\[1\]\[0\]: expected length 2 \(p = 2\)/);
    expect(() => sequenceBatch({ inputs: [[[1, NaN]]] })).toThrow(/inputs\[0\]\[0\]\[1\]: expected a number finite in float32 \(\|x\| ≤ 3\.4e38\), got NaN/);
    expect(() => sequenceBatch({ inputs: [[[1, 2]]], targets: [[[Infinity, 0]]] })).toThrow(/targets\[0\]\[0\]\[0\]: expected a number finite in float32 \(\|x\| ≤ 3\.4e38\), got Infinity/);
    expect(() => sequenceBatch({ inputs: [[[1, 2], [3, 4]]], targets: [[[1, 0]]] })).toThrow(/targets\[0\]: expected length 2 \(one target per step \(2\)\)/);
    expect(() => sequenceBatch({ inputs: [[[1, 2]]], targets: [[-1]] })).toThrow(/targets\[0\]\[0\]: expected an integer in \[0, 2147483647\], got -1/);
    expect(() => sequenceBatch({ inputs: [[[1, 2]]], task: 'many-to-few' as never })).toThrow(/task: expected one of/);
    expect(() => sequenceBatch({ inputs: [[[1, 2]]], mask: [[1, 0]] })).toThrow(/mask\[0\]: expected length 1 \(T = 1\)/);
    expect(() => sequenceBatch({ inputs: [[[1, 2]]], mask: [[0.5]] })).toThrow(/mask\[0\]\[0\]: expected the number 0 or 1, got 0.5/);
    expect(() => sequenceBatch({ inputs: [[[1, 2]]], lenghts: [1] } as never)).toThrow(/unknown option 'lenghts'/);
    expect(() => createSequenceBatch({ size: 2, steps: 2, inputSize: 1, inputs: [1, 2, 3] })).toThrow(/inputs: expected length 4 \(B·T·p = 2·2·1\)/);
    expect(() => createSequenceBatch({ size: 1, steps: 2, inputSize: 1, inputs: [1, 2], mask: [1] })).toThrow(/mask: expected length 2 \(B·T = 1·2\)/);
    expect(() => createSequenceBatch({ size: 1, steps: 2, inputSize: 1, inputs: [1, 2], lengths: [3] })).toThrow(/lengths\[0\]: expected an integer in \[1, 2\], got 3/);
    expect(() => createSequenceBatch({ size: 1, steps: 1, inputSize: 1, inputs: [1], targets: [1] })).toThrow(/targetSize: expected an integer ≥ 1/);
  });

  it('batches that do not fit the model', () => {
    const model = new ElmanRNN({ ...config, output: 'softmax' });
    expect(() => model.computeGradients(sequenceBatch({ inputs: [[[1, 2, 3]]], targets: [[0]] }))).toThrow(/batch.inputSize: expected the model's inputSize p = 2, got 3/);
    expect(() => model.computeGradients(sequenceBatch({ inputs: [[[1, 2]]], targets: [[2]] }))).toThrow(/batch.classes\[0\]: expected a class index in \[0, 1\], got 2/);
    expect(() => model.computeGradients(sequenceBatch({ inputs: [[[1, 2]]], targets: [[[1, 0, 0]]] }))).toThrow(/batch.targetSize: expected the model's outputSize o = 2, got 3/);
    const mse = new ElmanRNN(config);
    expect(() => mse.computeGradients(sequenceBatch({ inputs: [[[1, 2]]], targets: [[1]] }))).toThrow(/class indices need loss 'cross-entropy'/);
    expect(() => mse.predict({} as never)).toThrow(/batch: expected a SequenceBatch/);
  });
});
