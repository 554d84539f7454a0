import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diagnoseCommand } from '../src/cli/diagnose.js';
import { ElmanRNN } from '../src/model/rnn.js';
import { FeedForwardNetwork } from '../src/model/ffnn.js';
import { RecurrentNetwork } from '../src/model/recurrent/network.js';
import { toBinary, toJSON } from '../src/model/serialize.js';
import { createSequenceBatch } from '../src/data/sequence-batch.js';
import { analyzeGradientFlow } from '../src/analysis/gradient-flow.js';

async function run(args: string[]) {
  const out: string[] = [], err: string[] = [];
  const code = await diagnoseCommand(args, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const dir = mkdtempSync(join(tmpdir(), 'rnnkit-diagnose-'));
const model = new ElmanRNN({ inputSize: 2, hiddenSize: 6, outputSize: 1, seed: 3, init: { recurrentGain: 0.8 } });
const jsonModel = join(dir, 'model.json');
const binaryModel = join(dir, 'model.rnnk.bin');
writeFileSync(jsonModel, toJSON(model));
writeFileSync(binaryModel, toBinary(model));

describe('rnnkit diagnose', () => {
  it('--help prints the usage and exits 0', async () => {
    const { code, out } = await run(['--help']);
    expect(code).toBe(0);
    expect(out).toContain('Usage: rnnkit diagnose <model-file>');
    expect(out).toContain('--max-lag');
  });

  it('bad flags exit 2 with a message that names them', async () => {
    for (const [args, pattern] of [
      [['--nope', jsonModel], /--nope/],
      [[jsonModel, '--steps', 'ten'], /--steps: expected an integer ≥ 1, got "ten"/],
      [[jsonModel, '--steps', '0'], /--steps/],
      [[jsonModel, '--threshold=-1'], /--threshold: expected a positive number, got "-1"/],
      [[jsonModel, '--threshold', '0'], /--threshold: expected a positive number/],
      [[jsonModel, '--threshold', '-1'], /--threshold/], // util.parseArgs: "argument is ambiguous"
      [[], /expected a model file/],
      [[jsonModel, jsonModel], /expected one model file, got 2/],
      [[jsonModel, '--inputs', 'x.csv', '--steps', '5'], /--steps and --batch apply to random inputs only/],
      [[jsonModel, '--out'], /--out/],
    ] as const) {
      const { code, err } = await run([...args]);
      expect(code, args.join(' ')).toBe(2);
      expect(err).toMatch(pattern);
      expect(err).toContain('rnnkit diagnose --help');
    }
  });

  it('reads a JSON or a binary model (told apart by content) and writes the same JSON and SVGs', async () => {
    const outs = [join(dir, 'from-json'), join(dir, 'from-binary')];
    const a = await run([jsonModel, '--steps', '12', '--batch', '3', '--seed', '5', '--out', outs[0]!]);
    const b = await run([binaryModel, '--steps', '12', '--batch', '3', '--seed', '5', '--out', outs[1]!]);
    expect(a.code, a.err).toBe(0);
    expect(b.code, b.err).toBe(0);
    for (const name of ['jacobian-heatmap.svg', 'norm-vs-bound.svg', 'lag-contributions.svg']) {
      expect(readFileSync(join(outs[0]!, name), 'utf8')).toBe(readFileSync(join(outs[1]!, name), 'utf8'));
      expect(readFileSync(join(outs[0]!, name), 'utf8')).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    }
    const ja = JSON.parse(readFileSync(join(outs[0]!, 'diagnosis.json'), 'utf8'));
    const jb = JSON.parse(readFileSync(join(outs[1]!, 'diagnosis.json'), 'utf8'));
    expect({ ...ja, source: undefined }).toEqual({ ...jb, source: undefined });
    expect(ja.source).toMatchObject({ randomInputs: true, randomTargets: true, seed: 5 });
    expect(ja.steps).toBe(12);
    expect(ja.sequences).toBe(3);
    expect(ja.bound.spectralRadius).toBeCloseTo(0.8, 5);
    expect(ja.jacobians.meanByLag).toHaveLength(12);
    expect(a.out).toContain('spectral radius ρ = 0.800');
    expect(a.out).toContain('long-term (lag ≥ 3) / short-term');
  });

  it('reads ragged sequences with targets from a CSV (header skipped, blank line between sequences)', async () => {
    const csv = join(dir, 'data.csv');
    writeFileSync(csv, 'x1,x2,y\n0.5,-1,0.2\n1,0,0.1\n-0.3,0.4,0\n\n0.2,0.2,1\n0.1,-0.5,0.5\n');
    const out = join(dir, 'csv');
    const { code, err } = await run([jsonModel, '--inputs', csv, '--out', out, '--long-from', '1']);
    expect(code, err).toBe(0);
    const json = JSON.parse(readFileSync(join(out, 'diagnosis.json'), 'utf8'));
    expect(json.source.randomTargets).toBe(false);
    expect(json.sequences).toBe(2);
    expect(json.steps).toBe(3);
    expect(json.contributions.longFrom).toBe(1);
    // The same numbers as the API on the same batch.
    const batch = createSequenceBatch({
      size: 2, steps: 3, inputSize: 2, lengths: [3, 2],
      inputs: Float64Array.of(0.5, -1, 1, 0, -0.3, 0.4, 0.2, 0.2, 0.1, -0.5, 0, 0), targets: Float64Array.of(0.2, 0.1, 0, 1, 0.5, 0), targetSize: 1,
    });
    const report = analyzeGradientFlow(model, batch, { longFrom: 1 });
    expect(json.contributions.total[7]).toBeCloseTo(report.contributions!.total[7]!, 12);
    expect(json.jacobians.meanByLag[2]).toBeCloseTo(report.jacobians.meanByLag[2]!, 12);
  });

  it('a softmax model takes one class index per step from the CSV', async () => {
    const classifier = join(dir, 'classifier.json');
    writeFileSync(classifier, toJSON(new ElmanRNN({ inputSize: 2, hiddenSize: 4, outputSize: 3, output: 'softmax', seed: 1 })));
    const csv = join(dir, 'classes.csv');
    writeFileSync(csv, '0.5,-1,2\n1,0,0\n-0.3,0.4,1\n');
    const out = join(dir, 'classes');
    const { code, err } = await run([classifier, '--inputs', csv, '--out', out]);
    expect(code, err).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'diagnosis.json'), 'utf8')).source.randomTargets).toBe(false);
    writeFileSync(csv, '0.5,-1,3\n');
    expect(await run([classifier, '--inputs', csv, '--out', out])).toMatchObject({ code: 1, err: expect.stringMatching(/class index in \[0, 2\]/) });
    writeFileSync(csv, '0.5,-1,1.5\n');
    expect((await run([classifier, '--inputs', csv, '--out', out])).code).toBe(1);
  });

  it('data and model errors exit 1 with a message that says what is wrong', async () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, '1,2\n3,x\n');
    expect(await run([jsonModel, '--inputs', bad, '--out', join(dir, 'x')])).toMatchObject({ code: 1, err: expect.stringMatching(/line 2: expected numbers/) });
    writeFileSync(bad, '1,2,3,4\n');
    expect(await run([jsonModel, '--inputs', bad, '--out', join(dir, 'x')])).toMatchObject({ code: 1, err: expect.stringMatching(/expected 2 or 3 values/) });
    const text = join(dir, 'not-a-model.txt');
    writeFileSync(text, 'hello');
    expect((await run([text, '--out', join(dir, 'x')])).code).toBe(1);
    expect((await run([join(dir, 'missing.json'), '--out', join(dir, 'x')])).code).toBe(1);
    const ffnn = join(dir, 'ffnn.json');
    writeFileSync(ffnn, toJSON(new FeedForwardNetwork({ layerSizes: [2, 3, 1] })));
    expect(await run([ffnn, '--out', join(dir, 'x')])).toMatchObject({ code: 1, err: expect.stringMatching(/holds a FeedForwardNetwork; diagnose analyses one-layer Elman RNNs/) });
    const lstm = join(dir, 'lstm.json');
    writeFileSync(lstm, toJSON(new RecurrentNetwork({ cell: 'lstm', inputSize: 2, hiddenSize: 3, outputSize: 1 })));
    expect(await run([lstm, '--out', join(dir, 'x')])).toMatchObject({ code: 1, err: expect.stringMatching(/holds a RecurrentNetwork; diagnose analyses one-layer Elman RNNs \(files of kind 'elman-rnn'/) });
    expect(existsSync(join(dir, 'x', 'diagnosis.json'))).toBe(false);
  });
});
