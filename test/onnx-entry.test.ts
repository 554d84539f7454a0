import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/*
 * rnnkit/onnx is its own entry: it imports the models and RnnkitError from
 * 'rnnkit', so it exports the models an app made with 'rnnkit', in ESM and
 * in CommonJS, and carries no copy of them. Run as a user would: the built
 * package resolved by name, the file run in onnxruntime-node.
 */
const root = fileURLToPath(new URL('..', import.meta.url));
const run = (args: string[]) => JSON.parse(execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' }));

const script = (load: string) => `${load}
(async () => {
  const model = new RecurrentNetwork({ cell: 'gru', vocabularySize: 6, embeddingSize: 3, hiddenSize: 5, numLayers: 2, outputSize: 6, output: 'softmax', seed: 4 });
  const ids = [[1, 4, 0, 5], [2, 2, 3, 1]];
  const session = await ort.InferenceSession.create(toONNX(model));
  const { y } = await session.run({ x: new ort.Tensor('int64', BigInt64Array.from(ids.flat(), BigInt), [2, 4]) });
  const want = model.predict(sequenceBatch({ tokens: ids, targets: [[0, 0, 0, 0], [0, 0, 0, 0]] }));
  let error;
  try { toONNX({ layers: 2 }); } catch (e) { error = e; }
  console.log(JSON.stringify({
    worst: Math.max(...Array.from(want, (v, i) => Math.abs(v - y.data[i]))), length: y.data.length,
    isRnnkitError: error instanceof RnnkitError, message: error.message,
  }));
})();`;

describe('rnnkit/onnx on the models of rnnkit', () => {
  const expectRun = (out: { worst: number; length: number; isRnnkitError: boolean; message: string }) => {
    expect(out.length).toBe(2 * 4 * 6);
    expect(out.worst).toBeLessThan(1e-6);
    expect(out.isRnnkitError).toBe(true);
    expect(out.message).toBe('model: expected a RecurrentNetwork, ElmanRNN or FeedForwardNetwork, got an object');
  };
  it('ESM', () => {
    expectRun(run(['--input-type=module', '-e', script(
      "import { RecurrentNetwork, sequenceBatch, RnnkitError } from 'rnnkit';\nimport { toONNX } from 'rnnkit/onnx';\nimport ort from 'onnxruntime-node';")]));
  });
  it('CommonJS', () => {
    expectRun(run(['-e', script(
      "const { RecurrentNetwork, sequenceBatch, RnnkitError } = require('rnnkit');\nconst { toONNX } = require('rnnkit/onnx');\nconst ort = require('onnxruntime-node');")]));
  });
  it('a model of rnnkit/js (another copy of the classes) is refused, and the message says why', () => {
    const out = run(['-e', `const { ElmanRNN } = require('rnnkit/js');
const { toONNX } = require('rnnkit/onnx');
try { toONNX(new ElmanRNN({ inputSize: 1, hiddenSize: 2, outputSize: 1 })); } catch (e) { console.log(JSON.stringify({ message: e.message })); }`]);
    expect(out.message).toBe("model: a model of another copy of rnnkit (rnnkit/js, or a second install): rnnkit/onnx exports the models of the 'rnnkit' entry it imports");
  });
  it('imports the models from rnnkit: no copy of them (or of RnnkitError) in the entry', () => {
    for (const [file, load] of [['dist/onnx.js', /^import \{[^}]*\} from 'rnnkit';$/m], ['dist/onnx.cjs', /require\('rnnkit'\)/]] as const) {
      const source = readFileSync(`${root}${file}`, 'utf8');
      expect(source).toMatch(load);
      expect(source).not.toMatch(/class (RecurrentModel|RecurrentNetwork|ElmanRNN|FeedForwardNetwork|Network|RnnkitError)\b/);
    }
  });
});
