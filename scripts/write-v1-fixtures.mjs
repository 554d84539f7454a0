// Wrote the v1 model files in test/fixtures/v1 with the build at f0d83aa (before the recurrent layers were
// restructured), with the predictions each gave. Kept as the record of how they were made; not run again.
import { ElmanRNN, FeedForwardNetwork, toJSON, toBinary, sequenceBatch, rowBatch, train, Random } from '../dist/index.js';
import { writeFileSync } from 'node:fs';
const dir = 'test/fixtures/v1';
const rng = new Random(11);
const seqInputs = (B, T, p) => Array.from({ length: B }, () => Array.from({ length: T }, () => Array.from({ length: p }, () => rng.gaussian())));
const out = {};
const cases = [
  { name: 'elman-tanh-identity', config: { inputSize: 3, hiddenSize: 5, outputSize: 2, seed: 3 } },
  { name: 'elman-relu-softmax-h0', config: { inputSize: 4, hiddenSize: 6, outputSize: 3, activation: 'relu', output: 'softmax', initialState: 'learned', seed: 4 } },
  { name: 'elman-sigmoid-bce-f64', config: { inputSize: 2, hiddenSize: 3, outputSize: 2, activation: 'sigmoid', output: 'sigmoid', dtype: 'float64', seed: 5 } },
];
for (const c of cases) {
  const model = new ElmanRNN(c.config);
  const { inputSize: p, outputSize: o } = model.config;
  const inputs = seqInputs(3, 4, p);
  const targets = inputs.map((s) => s.map(() => Array.from({ length: o }, () => (c.config.output === 'identity' || !c.config.output ? rng.gaussian() : rng.next()))));
  const batch = c.config.output === 'softmax'
    ? sequenceBatch({ inputs, targets: inputs.map((s) => s.map(() => rng.int(o))) })
    : sequenceBatch({ inputs, targets });
  train(model, batch, { epochs: 3, optimizer: { type: 'adam', learningRate: 0.05 } });
  model.metadata = { note: 'v1 fixture', case: c.name };
  writeFileSync(`${dir}/${c.name}.json`, toJSON(model));
  writeFileSync(`${dir}/${c.name}.rnnk`, toBinary(model));
  out[c.name] = { inputs, prediction: Array.from(model.predict(batch)) };
}
const net = new FeedForwardNetwork({ layerSizes: [3, 4, 2], activation: 'tanh', output: 'sigmoid', seed: 2 });
net.metadata = { note: 'v1 fixture', case: 'ffnn-tanh-sigmoid' };
const rows = [[0.1, -1, 2], [1, 0.5, -0.3]];
writeFileSync(`${dir}/ffnn-tanh-sigmoid.json`, toJSON(net));
writeFileSync(`${dir}/ffnn-tanh-sigmoid.rnnk`, toBinary(net));
out['ffnn-tanh-sigmoid'] = { inputs: rows, prediction: Array.from(net.predict(rowBatch({ inputs: rows }))) };
writeFileSync(`${dir}/predictions.json`, JSON.stringify(out, null, 1) + '\n');
