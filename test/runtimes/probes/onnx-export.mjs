// rnnkit/onnx from the installed package, as an app would use it: exports a
// character-model-shaped network (token ids through an embedding, two LSTM
// layers, learned initial states, softmax) to model.onnx for the page that
// runs it in onnxruntime-web (browser/onnx.mjs), with the token ids it reads
// (onnx-inputs.json), and prints what rnnkit itself computes on them.
import { writeFileSync } from 'node:fs';
import { Random, RecurrentNetwork, sequenceBatch } from 'rnnkit';
import { toONNX } from 'rnnkit/onnx';

const V = 11, B = 3, T = 9;
const model = new RecurrentNetwork({
  cell: 'lstm', vocabularySize: V, embeddingSize: 6, hiddenSize: 13, numLayers: 2, outputSize: V, output: 'softmax',
  initialState: 'learned', seed: 5,
});
// Biases and learned states start at zero: every parameter gets a random value, so each one shows in the outputs.
const random = new Random(8);
for (const name of model.parameterNames) model.setParameter(name, Array.from(model.getParameter(name), () => random.uniform(-0.5, 0.5)));
const ids = Array.from({ length: B }, () => Array.from({ length: T }, () => random.int(V)));
writeFileSync('model.onnx', toONNX(model));
writeFileSync('onnx-inputs.json', JSON.stringify({ ids }));

const batch = sequenceBatch({ tokens: ids });
const final = model.finalStates(batch); // [B][h of both layers, then c of both layers]
const state = (k) => Array.from({ length: 2 * B * 13 }, (_, i) => {
  const l = Math.floor(i / (B * 13)), b = Math.floor(i / 13) % B, j = i % 13;
  return final[b * model.stateSize + (k * 2 + l) * 13 + j];
});
console.log(JSON.stringify({
  y: { dims: [B, T, V], data: Array.from(model.predict(batch)) },
  hn: { dims: [2, B, 13], data: state(0) },
  cn: { dims: [2, B, 13], data: state(1) },
}));
