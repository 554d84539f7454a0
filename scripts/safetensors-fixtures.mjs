// The rnnkit side of the safetensors fixtures (test/fixtures/safetensors/), run after `npm run build`:
//
//   node scripts/safetensors-fixtures.mjs            then   /usr/bin/python3 scripts/torch-safetensors-fixtures.py
//
// - to-torch/<case>.safetensors: rnnkit models (every cell, the Elman cell with each σ, learned states, an
//   embedding; float64, every parameter random) as toSafetensors writes them, and to-torch/batches.json: a batch
//   of inputs for each. The Python script runs them in PyTorch and writes to-torch/torch-outputs.json.
// - build/safetensors-readme/: the README's first safetensors block run as written (its book.txt is
//   test/fixtures/safetensors/readme/book.txt), which writes chars.safetensors there, for the README's Python.
// Deterministic: the same build writes the same bytes.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { transformSync } from 'esbuild';

const require = createRequire(import.meta.url);
const rnnkit = require('../dist/index.cjs');
const { toSafetensors } = require('../dist/safetensors.cjs');
const { ElmanRNN, RecurrentNetwork, Random } = rnnkit;

const out = new URL('../test/fixtures/safetensors/to-torch/', import.meta.url);
mkdirSync(out, { recursive: true });

const CASES = [
  ['elman-tanh-2layer-learned', () => new RecurrentNetwork({ cell: 'elman', inputSize: 3, hiddenSize: 4, numLayers: 2, outputSize: 2, initialState: 'learned' })],
  ['elman-relu-embedding-softmax', () => new RecurrentNetwork({ cell: 'elman', activation: 'relu', vocabularySize: 5, embeddingSize: 3, hiddenSize: 4, outputSize: 5, output: 'softmax' })],
  ['elman-sigmoid-rnn-learned', () => new ElmanRNN({ inputSize: 3, hiddenSize: 4, outputSize: 2, activation: 'sigmoid', output: 'sigmoid', initialState: 'learned' })],
  ['elman-identity-2layer', () => new RecurrentNetwork({ cell: 'elman', activation: 'identity', inputSize: 2, hiddenSize: 3, numLayers: 2, outputSize: 2 })],
  ['elman-tanh-rnn', () => new ElmanRNN({ inputSize: 2, hiddenSize: 3, outputSize: 1 })],
  ['lstm-1layer', () => new RecurrentNetwork({ cell: 'lstm', inputSize: 3, hiddenSize: 4, outputSize: 2, output: 'sigmoid' })],
  ['lstm-2layer-embedding-learned', () => new RecurrentNetwork({ cell: 'lstm', vocabularySize: 6, embeddingSize: 3, hiddenSize: 4, numLayers: 2, dropout: 0.2, outputSize: 6, output: 'softmax', initialState: 'learned' })],
  ['gru-2layer-learned', () => new RecurrentNetwork({ cell: 'gru', inputSize: 3, hiddenSize: 4, numLayers: 2, outputSize: 2, initialState: 'learned' })],
  ['gru-embedding', () => new RecurrentNetwork({ cell: 'gru', vocabularySize: 5, embeddingSize: 2, hiddenSize: 3, outputSize: 2, output: 'sigmoid' })],
];
const B = 2, T = 5;

const batches = {};
CASES.forEach(([name, make], k) => {
  const random = new Random(100 + k);
  // float64, so PyTorch must agree to 1e-9; every parameter random (biases, h0, c0 too) so that every mapping shows.
  const model = make().clone({ dtype: 'float64', backend: 'js' });
  const values = model.parameters();
  for (const p of model.parameterNames) values[p] = values[p].map(() => random.uniform(-0.8, 0.8));
  model.setParameters(values);
  model.metadata = { fixture: name };
  writeFileSync(new URL(`${name}.safetensors`, out), toSafetensors(model));
  const { vocabularySize: V, inputSize: p } = model.structure;
  batches[name] = V > 0
    ? { tokens: Array.from({ length: B }, () => Array.from({ length: T }, () => random.int(V))) }
    : { inputs: Array.from({ length: B }, () => Array.from({ length: T }, () => Array.from({ length: p }, () => random.gaussian()))) };
});
writeFileSync(new URL('batches.json', out), `${JSON.stringify(batches, null, 1)}\n`);

// The README's first block of its safetensors section, as written: it reads book.txt and writes chars.safetensors.
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const start = readme.indexOf('## PyTorch interop: safetensors');
const section = readme.slice(start, readme.indexOf('\n## ', start + 10));
const block = /```ts\n([\s\S]*?)```/.exec(section)[1];
const readmeDir = new URL('../build/safetensors-readme/', import.meta.url);
mkdirSync(readmeDir, { recursive: true });
const book = new URL('../test/fixtures/safetensors/readme/book.txt', import.meta.url);
const fs = {
  readFileSync: (path, encoding) => { if (path !== 'book.txt') throw new Error(`the README block read ${path}`); return readFileSync(book, encoding); },
  writeFileSync: (path, data) => writeFileSync(new URL(path, readmeDir), data),
};
const modules = { rnnkit, 'rnnkit/safetensors': require('../dist/safetensors.cjs'), 'node:fs': fs };
const { code } = transformSync(block, { loader: 'ts', format: 'cjs' });
new Function('require', code)((name) => modules[name]);
writeFileSync(new URL('book.txt', readmeDir), readFileSync(book));
console.log(`wrote ${CASES.length} models and batches.json to ${out.pathname}, and ${readmeDir.pathname}chars.safetensors`);
