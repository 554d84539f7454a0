import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/*
 * rnnkit/analysis is its own entry: it imports the models and RnnkitError
 * from 'rnnkit', so it analyses the models the app made with 'rnnkit', in
 * ESM and in CommonJS, and its errors are RnnkitErrors of the app's copy.
 * Run as a user would: the built package, resolved by name.
 */
const root = fileURLToPath(new URL('..', import.meta.url));
const run = (args: string[]) => JSON.parse(execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' }));

const script = (load: string) => `${load}
const model = new ElmanRNN({ inputSize: 1, hiddenSize: 3, outputSize: 1, seed: 2 });
const batch = sequenceBatch({ inputs: [[[1], [0], [1], [0]]], targets: [[[0], [1], [0], [1]]] });
const report = analyzeGradientFlow(model, batch);
let error;
try { gradientMonitor({}); } catch (e) { error = e; }
console.log(JSON.stringify({ radius: report.bound.spectralRadius, own: spectralRadius(Array.from(model.getParameter('W_rec')), 3), isRnnkitError: error instanceof RnnkitError, message: error.message }));`;

describe('rnnkit/analysis on the models of rnnkit', () => {
  const expectReport = (out: { radius: number; own: number; isRnnkitError: boolean; message: string }) => {
    expect(out.radius).toBeGreaterThan(0);
    expect(out.radius).toBeCloseTo(out.own, 12);
    expect(out.isRnnkitError).toBe(true);
    expect(out.message).toMatch(/^model: expected an ElmanRNN, got an object$/);
  };
  it('ESM', () => {
    expectReport(run(['--input-type=module', '-e', script(
      "import { ElmanRNN, sequenceBatch, RnnkitError } from 'rnnkit';\nimport { analyzeGradientFlow, gradientMonitor, spectralRadius } from 'rnnkit/analysis';")]));
  });
  it('CommonJS', () => {
    expectReport(run(['-e', script(
      "const { ElmanRNN, sequenceBatch, RnnkitError } = require('rnnkit');\nconst { analyzeGradientFlow, gradientMonitor, spectralRadius } = require('rnnkit/analysis');")]));
  });
});

describe('rnnkit/csv', () => {
  it('reads a quoted, semicolon-separated file; its errors are RnnkitErrors of rnnkit and name the file line', () => {
    const out = run(['--input-type=module', '-e', `import { RnnkitError } from 'rnnkit';
import { parseCsv, numericColumns } from 'rnnkit/csv';
const table = parseCsv('"time";"temp, °C"\\n1;20.5\\n2;21\\n');
let error;
try { numericColumns(parseCsv('a,b\\n1,2\\n3,\\n')); } catch (e) { error = e; }
console.log(JSON.stringify({ header: table.header, values: numericColumns(table, { columns: 'temp, °C' }).inputs, isRnnkitError: error instanceof RnnkitError, message: error.message }));`]);
    expect(out.header).toEqual(['time', 'temp, °C']);
    expect(out.values).toEqual([[20.5], [21]]);
    expect(out.isRnnkitError).toBe(true);
    expect(out.message).toMatch(/^line 3, column "b" \(1\): .*empty cell/);
  });
});

describe('rnnkit/tasks on the models and batches of rnnkit', () => {
  // A task of rnnkit/tasks trains a model of 'rnnkit' on batches of 'rnnkit' (its batches pass the app's train());
  // its errors are RnnkitErrors of rnnkit, in ESM and in CommonJS.
  const script = (load: string) => `${load}
const task = delayedEchoTask({ delay: 2, train: 64, test: 32, steps: 12, seed: 3 });
const model = new RecurrentNetwork({ cell: 'gru', ...task.model, hiddenSize: 8, seed: 1 });
const before = task.evaluate(model).value;
train(model, task.train, { epochs: 60, optimizer: { type: 'adam', learningRate: 0.05 } });
const after = task.evaluate(model);
let error;
try { delayedEchoTask({ delay: 0 }); } catch (e) { error = e; }
console.log(JSON.stringify({ before, after: after.value, baseline: after.baseline, beats: beatsBaseline(after), isRnnkitError: error instanceof RnnkitError, message: error.message }));`;
  const expectLearned = (out: { before: number; after: number; baseline: number; beats: boolean; isRnnkitError: boolean; message: string }) => {
    expect(out.after).toBeGreaterThan(0.9);
    expect(out.before).toBeLessThan(0.7);
    expect(out.beats).toBe(true);
    expect(out.isRnnkitError).toBe(true);
    expect(out.message).toMatch(/^delay: expected an integer/);
  };
  it('ESM', () => {
    expectLearned(run(['--input-type=module', '-e', script(
      "import { RecurrentNetwork, RnnkitError, train } from 'rnnkit';\nimport { delayedEchoTask, beatsBaseline } from 'rnnkit/tasks';")]));
  });
  it('CommonJS', () => {
    expectLearned(run(['-e', script(
      "const { RecurrentNetwork, RnnkitError, train } = require('rnnkit');\nconst { delayedEchoTask, beatsBaseline } = require('rnnkit/tasks');")]));
  });
});

describe('rnnkit/safetensors on the models of rnnkit', () => {
  // A model of 'rnnkit' out and back in: the same class (fromSafetensors loads through the app's own fromJSON),
  // its errors RnnkitErrors of rnnkit, in ESM and in CommonJS.
  const script = (load: string) => `${load}
const model = new RecurrentNetwork({ cell: 'gru', inputSize: 2, hiddenSize: 3, outputSize: 1, seed: 4 });
model.metadata = { note: 'out and back' };
const back = fromSafetensors(toSafetensors(model));
let error;
try { fromSafetensors(new Uint8Array(3)); } catch (e) { error = e; }
console.log(JSON.stringify({
  sameClass: back instanceof RecurrentNetwork, same: JSON.stringify(back.parameters()) === JSON.stringify(model.parameters()),
  metadata: back.metadata, isRnnkitError: error instanceof RnnkitError, message: error.message,
}));`;
  const expectRoundTrip = (out: { sameClass: boolean; same: boolean; metadata: unknown; isRnnkitError: boolean; message: string }) => {
    expect(out).toEqual({
      sameClass: true, same: true, metadata: { note: 'out and back' }, isRnnkitError: true,
      message: 'fromSafetensors: truncated: 3 bytes, shorter than the 8-byte header length that starts a safetensors file',
    });
  };
  it('ESM', () => {
    expectRoundTrip(run(['--input-type=module', '-e', script(
      "import { RecurrentNetwork, RnnkitError } from 'rnnkit';\nimport { toSafetensors, fromSafetensors } from 'rnnkit/safetensors';")]));
  });
  it('CommonJS', () => {
    expectRoundTrip(run(['-e', script(
      "const { RecurrentNetwork, RnnkitError } = require('rnnkit');\nconst { toSafetensors, fromSafetensors } = require('rnnkit/safetensors');")]));
  });
});
