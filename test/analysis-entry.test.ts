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
