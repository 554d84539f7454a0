import { spawn, spawnSync } from 'node:child_process';
import { weatherCsv, type WeatherColumn } from './helpers/weather.js';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { delayedEchoTask } from '../src/tasks/echo.js';
import { ElmanRNN, forecastWindows, fromJSON, measure, RecurrentModel, sample, splitSequences, textDataset, train } from '../src/index.js';
import { axis, inverse, panel, parseSvg, series, texts } from './helpers/svg.js';

/* The command-line tool, end to end: the built program, spawned as a user would run it. */
const CLI = join(__dirname, '..', 'dist', 'cli', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'rnnkit-cli-'));
const rnnkit = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000 });

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error('dist/cli/main.js is missing: run `npm run build` (npm test does)');
});

describe('rnnkit (the CLI)', () => {
  it('train → save → sample on a text file', () => {
    writeFileSync(join(dir, 'text.txt'), 'the cat sat on the mat. '.repeat(60));
    const trained = rnnkit('train', '--text', 'text.txt', '--steps', '16', '--epochs', '3', '--hidden', '24', '--out', 'chars.json');
    expect(trained.status, trained.stderr).toBe(0);
    expect(trained.stdout).toMatch(/backend wasm-simd/);
    expect(trained.stdout).toMatch(/epoch 3\/3 {2}loss per step: train [\d.]+, validation [\d.]+ {2}validation bits\/char [\d.]+ {2}[\d.]+ s/);
    const saved = JSON.parse(readFileSync(join(dir, 'chars.json'), 'utf8'));
    expect(saved.metadata.vocabulary).toEqual([' ', '.', 'a', 'c', 'e', 'h', 'm', 'n', 'o', 's', 't']);
    expect(readFileSync(join(dir, 'chars.loss.svg'), 'utf8')).toMatch(/^<svg[\s\S]*<path[\s\S]*<\/svg>\n$/);
    const sampled = rnnkit('sample', 'chars.json', '--length', '40', '--prime', 'the ', '--seed', '3');
    expect(sampled.status, sampled.stderr).toBe(0);
    const line = sampled.stdout.trim();
    expect(line.startsWith('the ')).toBe(true);
    expect(line.length).toBe(44);
    expect([...line].every((c) => ' .acehmnost'.includes(c))).toBe(true);
  });

  it('a stacked LSTM with an embedding and dropout on a text file, then sampling from it', () => {
    writeFileSync(join(dir, 'text2.txt'), 'a rose is a rose is a rose. '.repeat(40));
    const trained = rnnkit('train', '--text', 'text2.txt', '--cell', 'lstm', '--layers', '2', '--dropout', '0.1', '--embedding', '6',
      '--steps', '16', '--epochs', '2', '--hidden', '16', '--out', 'lstm.rnnk');
    expect(trained.status, trained.stderr).toBe(0);
    expect(trained.stdout).toMatch(/model: LSTM embedding 8×6→16×2→8, dropout 0\.1, softmax\/cross-entropy/);
    const sampled = rnnkit('sample', 'lstm.rnnk', '--length', '30', '--prime', 'a rose');
    expect(sampled.status, sampled.stderr).toBe(0);
    expect(sampled.stdout.trim()).toHaveLength(36);
    expect([...sampled.stdout.trim()].every((c) => " .aeiors".includes(c))).toBe(true);
    const gru = rnnkit('train', '--task', 'echo', '--cell', 'gru', '--epochs', '1', '--out', 'gru.json');
    expect(gru.status, gru.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'gru.json'), 'utf8')).kind).toBe('recurrent-network');
    expect(rnnkit('train', '--task', 'echo', '--embedding', '4').stderr).toMatch(/--embedding: embeds character ids, so it needs --text FILE/);
    expect(rnnkit('train', '--task', 'echo', '--dropout', '0.3').stderr).toMatch(/--dropout: acts between stacked layers/);
    expect(rnnkit('train', '--task', 'echo', '--cell', 'lstm', '--activation', 'relu').stderr).toMatch(/--activation: applies to elman cells/);
    expect(rnnkit('train', '--task', 'echo', '--cell', 'tree').status).toBe(2);
  });

  it('every failure is one line and an exit code: an unwritable --out before training starts, a corrupt model file', () => {
    const unwritable = rnnkit('train', '--task', 'echo', '--epochs', '1', '--out', join(dir, 'no-such-dir', 'm.json'));
    expect(unwritable.status).toBe(2);
    expect(unwritable.stderr.split('\n')[0]).toMatch(/^rnnkit train: --out: cannot write ".*no-such-dir\/m\.json" \(ENOENT/);
    expect(unwritable.stdout).not.toMatch(/epoch/);
    // A model whose vocabulary does not match its outputs (it printed "undefined" for the missing symbols).
    writeFileSync(join(dir, 'vocab.txt'), 'a small text of a few words. '.repeat(20));
    const trained = rnnkit('train', '--text', 'vocab.txt', '--steps', '8', '--epochs', '1', '--hidden', '8', '--out', 'vocab.json');
    expect(trained.status, trained.stderr).toBe(0);
    const file = JSON.parse(readFileSync(join(dir, 'vocab.json'), 'utf8'));
    file.metadata.vocabulary = file.metadata.vocabulary.slice(1);
    writeFileSync(join(dir, 'short-vocab.json'), JSON.stringify(file));
    const short = rnnkit('sample', 'short-vocab.json', '--length', '5', '--prime', file.metadata.vocabulary[0]);
    expect(short.status).toBe(1);
    expect(short.stderr.trim()).toMatch(/^rnnkit sample: sample: the model's vocabulary has \d+ symbols for \d+ outputs .*: the file is inconsistent$/);
    for (const [name, bytes] of [['garbage.json', '{"kind": "elman-rnn", "config": {"inputSize": {"x": 1}}}'], ['garbage.rnnk', 'RNNK\u0001\u0000garbage']] as const) {
      writeFileSync(join(dir, name), bytes);
      const r = rnnkit('sample', name, '--length', '5');
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('trains on two threads with --threads 2, and the same weights as on one thread up to float32 rounding', () => {
    const two = rnnkit('train', '--task', 'adding', '--cell', 'gru', '--epochs', '1', '--threads', '2', '--out', 'two.json');
    expect(two.status, two.stderr).toBe(0);
    expect(two.stdout).toMatch(/^threads: 2$/m);
    const one = rnnkit('train', '--task', 'adding', '--cell', 'gru', '--epochs', '1', '--out', 'one.json');
    expect(one.status, one.stderr).toBe(0);
    const a = JSON.parse(readFileSync(join(dir, 'one.json'), 'utf8')).parameters, b = JSON.parse(readFileSync(join(dir, 'two.json'), 'utf8')).parameters;
    let worst = 0;
    for (const name of Object.keys(a)) for (let i = 0; i < a[name].length; i++) worst = Math.max(worst, Math.abs(a[name][i] - b[name][i]));
    expect(worst).toBeGreaterThan(0);
    expect(worst).toBeLessThan(1e-3);
    expect(rnnkit('train', '--task', 'echo', '--threads', '0').stderr).toMatch(/--threads: expected an integer ≥ 1, got "0"/);
    const bench = rnnkit('bench', '--size', 'S', '--cell', 'gru', '--backend', 'wasm-simd', '--threads', '2', '--seconds', '0.1');
    expect(bench.status, bench.stderr).toBe(0);
    expect(bench.stdout).toMatch(/^wasm-simd ×2 +[\d.]+ +[\d.]+ +\d+$/m);
  });

  it('--curve FILE: the loss chart with titled axes, each step\'s loss and the validation loss where each epoch ended', () => {
    const r = rnnkit('train', '--task', 'echo', '--epochs', '2', '--curve', 'out.svg', '--out', 'curve.json');
    expect(r.status, r.stderr).toBe(0);
    const steps = Number(/\((\d+) steps,/.exec(r.stdout)![1]);
    const svg = parseSvg(readFileSync(join(dir, 'out.svg'), 'utf8'));
    const loss = panel(svg, 'loss');
    const x = axis(loss, 'x'), y = axis(loss, 'y');
    expect(x.title).toBe('step');
    expect(y.title).toMatch(/^cross-entropy per sequence \(nats\)/);
    expect(texts(svg)).toContain('training, each step');
    const perStep = series(loss, 'training-step')!;
    expect(perStep.segments.flat().length).toBe(steps); // a few hundred steps: none thinned away
    const validation = series(loss, 'validation')!.points;
    expect(validation.map(([px]) => Math.round(inverse(x)(px)))).toEqual([steps / 2, steps]);
  });

  it('trains a generated task with truncated BPTT and beats its baseline', () => {
    const r = rnnkit('train', '--task', 'echo', '--algorithm', 'tbptt:8', '--epochs', '15', '--out', 'echo.rnnk', '--backend', 'js');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/backend js; tbptt k=8/);
    const accuracy = Number(/after training: accuracy ([\d.]+)/.exec(r.stdout)![1]);
    expect(accuracy).toBeGreaterThan(0.9); // a coin flip gets 0.5
    expect(readFileSync(join(dir, 'echo.rnnk')).subarray(0, 4).toString()).toBe('RNNK');
  });

  it('trains with exact RTRL (--algorithm rtrl: the CLI imports rtrl() for train())', () => {
    const r = rnnkit('train', '--task', 'echo', '--algorithm', 'rtrl', '--hidden', '6', '--epochs', '1', '--out', 'rtrl.json', '--backend', 'js');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/backend js; rtrl, adam/);
    expect(JSON.parse(readFileSync(join(dir, 'rtrl.json'), 'utf8')).format).toBe('rnnkit');
  });

  it('trains with SnAp-1 and UORO (--algorithm snap, uoro): an LSTM learns the 3-step echo with SnAp-1', () => {
    const r = rnnkit('train', '--task', 'echo', '--cell', 'lstm', '--algorithm', 'snap', '--hidden', '16', '--epochs', '8', '--lr', '0.05', '--out', 'snap.json', '--backend', 'js');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/; snap, adam/);
    expect(Number(/after training: accuracy ([\d.]+)/.exec(r.stdout)![1])).toBeGreaterThan(0.9); // a coin flip gets 0.5
    const u = rnnkit('train', '--task', 'echo', '--algorithm', 'uoro', '--hidden', '6', '--epochs', '1', '--out', 'uoro.json', '--backend', 'js');
    expect(u.status, u.stderr).toBe(0);
    expect(u.stdout).toMatch(/; uoro, adam/);
  });

  it('sample: --temperature 0 is greedy (the library\'s sample at τ = 0), --stop ends after the first stop symbol (\\n for a newline), --length is the cap', () => {
    const text = 'the cat sat on the mat.\nthe dog ran to the cat.\n'.repeat(30);
    writeFileSync(join(dir, 'lines.txt'), text);
    const trained = rnnkit('train', '--text', 'lines.txt', '--steps', '16', '--epochs', '3', '--hidden', '24', '--out', 'lines.json');
    expect(trained.status, trained.stderr).toBe(0);
    const model = fromJSON(readFileSync(join(dir, 'lines.json'), 'utf8'));
    const printed = (r: ReturnType<typeof rnnkit>) => {
      expect(r.status, r.stderr).toBe(0);
      return r.stdout.endsWith('\n') ? r.stdout.slice(0, -1) : r.stdout;
    };
    // Greedy: no randomness, so every seed gives the library's argmax chain.
    const greedy = printed(rnnkit('sample', 'lines.json', '--temperature', '0', '--length', '50', '--prime', 'the ', '--seed', '1'));
    expect(greedy).toBe(`the ${sample(model, { prime: 'the ', length: 50, temperature: 0 })}`);
    expect(printed(rnnkit('sample', 'lines.json', '--temperature', '0', '--length', '50', '--prime', 'the ', '--seed', '9'))).toBe(greedy);
    expect(greedy).toHaveLength(54);
    // A stop symbol cuts the same draws after its first occurrence (the symbol included); --length stays the cap.
    const free = printed(rnnkit('sample', 'lines.json', '--temperature', '1.5', '--length', '300', '--prime', 'the ', '--seed', '2')).slice(4);
    expect(free).toHaveLength(300);
    const newline = free.indexOf('\n');
    expect(newline).toBeGreaterThan(0);
    const stopped = rnnkit('sample', 'lines.json', '--temperature', '1.5', '--length', '300', '--prime', 'the ', '--seed', '2', '--stop', '\\n');
    expect(stopped.status, stopped.stderr).toBe(0);
    expect(stopped.stdout).toBe(`the ${free.slice(0, newline + 1)}`);
    const symbol = free[newline + 3]!;
    const at = free.indexOf(symbol);
    expect(printed(rnnkit('sample', 'lines.json', '--temperature', '1.5', '--length', '300', '--prime', 'the ', '--seed', '2', '--stop', symbol)))
      .toBe(`the ${free.slice(0, at + 1)}`);
    expect(printed(rnnkit('sample', 'lines.json', '--temperature', '1.5', '--length', String(at), '--prime', 'the ', '--seed', '2', '--stop', symbol)))
      .toBe(`the ${free.slice(0, at)}`);
    // An unknown stop symbol, or more than one symbol: a usage error, its first line the reason.
    for (const [stop, shown] of [['x', '"x"'], ['at', '"at"'], ['\\q', '"\\\\q"']]) {
      const r = rnnkit('sample', 'lines.json', '--stop', stop!);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.split('\n')[0]).toBe(`rnnkit sample: --stop: ${shown} is not a symbol of the model's vocabulary (15 symbols: "\\n .acdeghmnorst")`);
    }
    const negative = rnnkit('sample', 'lines.json', '--temperature=-0.5');
    expect(negative.status).toBe(2);
    expect(negative.stderr.split('\n')[0]).toBe('rnnkit sample: --temperature: expected a number ≥ 0, got "-0.5"');
  });

  it('train --resume: 2 epochs, then 3 resumed from the checkpoint, are the 5-epoch run bit for bit, epochs counting on', () => {
    writeFileSync(join(dir, 'resume.txt'), 'a rose is a rose is a rose. '.repeat(40));
    const flags = ['--text', 'resume.txt', '--steps', '16', '--batch', '8', '--seed', '4'];
    const structure = ['--cell', 'gru', '--embedding', '5', '--hidden', '12'];
    const whole = rnnkit('train', ...flags, ...structure, '--epochs', '5', '--out', 'whole.json');
    expect(whole.status, whole.stderr).toBe(0);
    const first = rnnkit('train', ...flags, ...structure, '--epochs', '2', '--out', 'part.json');
    expect(first.status, first.stderr).toBe(0);
    const checkpoint = JSON.parse(readFileSync(join(dir, 'part.json'), 'utf8'));
    expect(checkpoint.optimizer).toMatchObject({ spec: { type: 'adam', learningRate: 0.003 }, epochs: 2 });
    const resumed = rnnkit('train', ...flags, '--resume', 'part.json', '--epochs', '3');
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).toBe('');
    expect(resumed.stdout).toMatch(/^model: GRU embedding 8×5→12→8, softmax\/cross-entropy, \d+ parameters/m);
    expect(resumed.stdout).toMatch(new RegExp(`^resuming part.json after epoch 2 \\(${checkpoint.optimizer.steps} steps\\): 3 more epochs`, 'm'));
    expect(resumed.stdout.match(/^epoch \d+\/\d+/gm)).toEqual(['epoch 3/5', 'epoch 4/5', 'epoch 5/5']);
    // The epoch lines are the unbroken run's too.
    expect(resumed.stdout.match(/^epoch .*?(?= {2}[\d.]+ s$)/gm)).toEqual(whole.stdout.match(/^epoch .*?(?= {2}[\d.]+ s$)/gm)!.slice(2));
    // Saved in place: weights and optimizer state equal the 5-epoch run's.
    const a = JSON.parse(readFileSync(join(dir, 'part.json'), 'utf8')), b = JSON.parse(readFileSync(join(dir, 'whole.json'), 'utf8'));
    expect(a.optimizer.epochs).toBe(5);
    expect(a).toEqual(b);
    // Binary checkpoints, momentum's moments, truncated BPTT and a task, the same.
    const echo = ['--task', 'echo', '--algorithm', 'tbptt:5', '--optimizer', 'momentum', '--lr', '0.1', '--seed', '2'];
    expect(rnnkit('train', ...echo, '--epochs', '3', '--out', 'echo-whole.rnnk').status).toBe(0);
    expect(rnnkit('train', ...echo, '--epochs', '1', '--out', 'echo-part.rnnk').status).toBe(0);
    const more = rnnkit('train', '--task', 'echo', '--algorithm', 'tbptt:5', '--seed', '2', '--resume', 'echo-part.rnnk', '--epochs', '2', '--out', 'echo-more.rnnk');
    expect(more.status, more.stderr).toBe(0);
    expect(more.stdout).toMatch(/model: .*; tbptt k=5, momentum lr 0\.1$/m);
    expect(readFileSync(join(dir, 'echo-more.rnnk')).equals(readFileSync(join(dir, 'echo-whole.rnnk')))).toBe(true);
  });

  it('train --resume refuses structure flags, another optimizer and other data; a file without optimizer state trains on with a fresh one', () => {
    writeFileSync(join(dir, 'resume2.txt'), 'to be or not to be. '.repeat(40));
    const flags = ['--text', 'resume2.txt', '--steps', '16'];
    expect(rnnkit('train', ...flags, '--hidden', '8', '--epochs', '1', '--out', 'r2.json').status).toBe(0);
    const usage = (r: ReturnType<typeof rnnkit>, line: string) => {
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.split('\n')[0]).toBe(line);
    };
    for (const [flag, value] of [['--hidden', '8'], ['--cell', 'lstm'], ['--layers', '2'], ['--embedding', '4'], ['--activation', 'relu'], ['--dropout', '0.1']]) {
      usage(rnnkit('train', ...flags, '--resume', 'r2.json', flag!, value!), `rnnkit train: ${flag}: a resumed model keeps the structure saved in r2.json; leave ${flag} out`);
    }
    usage(rnnkit('train', ...flags, '--resume', 'r2.json', '--optimizer', 'sgd'),
      "rnnkit train: --optimizer: r2.json continues its adam optimizer (its moments are adam's); leave --optimizer out");
    writeFileSync(join(dir, 'other.txt'), 'to bx or not to bx. '.repeat(40)); // the same size of vocabulary, other symbols
    usage(rnnkit('train', '--text', 'other.txt', '--steps', '16', '--resume', 'r2.json'),
      "rnnkit train: --resume: r2.json was trained on other data (its vocabulary is not this data's): give the data flags and --seed it was trained with");
    usage(rnnkit('train', '--task', 'echo', '--resume', 'r2.json'),
      'rnnkit train: --resume: r2.json is a model of 8 inputs and 8 softmax outputs; this data has 1 input and 2 softmax outputs');
    usage(rnnkit('train', ...flags, '--resume', 'missing.json'), `rnnkit train: cannot read the model file "missing.json": ENOENT: no such file or directory, open 'missing.json'`);
    // Weights only (saved by an older rnnkit, or by toJSON without { optimizer: true }): trains on, and says so.
    const file = JSON.parse(readFileSync(join(dir, 'r2.json'), 'utf8'));
    delete file.optimizer;
    writeFileSync(join(dir, 'weights.json'), JSON.stringify(file));
    const fresh = rnnkit('train', ...flags, '--resume', 'weights.json', '--epochs', '1');
    expect(fresh.status, fresh.stderr).toBe(0);
    expect(fresh.stderr).toBe('rnnkit train: --resume: weights.json carries no optimizer state (saved without it): the adam optimizer starts afresh and epochs count from 1\n');
    expect(fresh.stdout).toMatch(/^epoch 1\/1 /m);
    const saved = JSON.parse(readFileSync(join(dir, 'weights.json'), 'utf8'));
    expect(saved.optimizer).toMatchObject({ epochs: 1 });
    expect(saved.parameters).not.toEqual(file.parameters);
  });

  it('epoch lines: loss per step, the validation metric (bits/char, accuracy) and each epoch\'s own time, as measure() finds them', () => {
    // Long enough for epochs of a tenth of a second or more: times that add up would show.
    const text = 'she sells sea shells by the sea shore. '.repeat(6000);
    writeFileSync(join(dir, 'shells.txt'), text);
    const r = rnnkit('train', '--text', 'shells.txt', '--steps', '16', '--hidden', '20', '--epochs', '3', '--out', 'shells.json', '--curve', 'shells.svg');
    expect(r.status, r.stderr).toBe(0);
    const lines = [...r.stdout.matchAll(/^epoch (\d)\/3 {2}loss per step: train ([\d.]+), validation ([\d.]+) {2}validation bits\/char ([\d.]+) {2}([\d.]+) s$/gm)];
    expect(lines.map((m) => m[1])).toEqual(['1', '2', '3']);
    // The same run in this process: the same data split, model and options as the CLI's defaults.
    const { batch, vocabulary } = textDataset(text, { steps: 16 });
    const data = splitSequences(batch, { validation: 0.1, seed: 1 });
    const V = vocabulary.size;
    const model = new ElmanRNN({ inputSize: V, outputSize: V, output: 'softmax', loss: 'cross-entropy', hiddenSize: 20, seed: 1 });
    const history = train(model, data.train, { epochs: 3, batchSize: 32, optimizer: { type: 'adam', learningRate: 0.003 }, seed: 1, validation: data.validation, clipNorm: 1 }).history;
    expect(lines.map((m) => m[2])).toEqual(history.map((h) => h.lossPerStep.toFixed(4)));
    expect(lines.map((m) => m[3])).toEqual(history.map((h) => h.validation!.lossPerStep.toFixed(4)));
    // The last epoch's validation metrics, measured on the saved model.
    const saved = fromJSON(readFileSync(join(dir, 'shells.json'), 'utf8')) as RecurrentModel;
    const metrics = measure(saved, data.validation);
    expect(lines[2]![3]).toBe(metrics.lossPerStep.toFixed(4));
    expect(lines[2]![4]).toBe(metrics.bitsPerSymbol!.toFixed(3));
    expect(lines.map((m) => m[4])).toEqual(history.map((h) => (h.validation!.lossPerStep / Math.LN2).toFixed(3)));
    // Each epoch's own time: together at most the whole run's (cumulative times would add up to about twice it).
    const total = Number(/\(\d+ steps, ([\d.]+) s\)$/m.exec(r.stdout)![1]);
    const sum = lines.reduce((t, m) => t + Number(m[5]), 0);
    expect(sum).toBeLessThanOrEqual(total + 0.05 + 0.015);
    // The chart's metric panel: the bits per character after each epoch.
    const svg = parseSvg(readFileSync(join(dir, 'shells.svg'), 'utf8'));
    const metric = panel(svg, 'metric');
    expect(axis(metric, 'y').title).toBe('bits per character (bits)');
    const y = inverse(axis(metric, 'y'));
    series(metric, 'metric')!.points.forEach(([, py], e) => expect(y(py)).toBeCloseTo(Number(lines[e]![4]), 2));

    // A classification task: the accuracy on its test set.
    const echo = rnnkit('train', '--task', 'echo', '--epochs', '2', '--out', 'echo-metric.json');
    expect(echo.status, echo.stderr).toBe(0);
    const accuracy = [...echo.stdout.matchAll(/^epoch \d\/2 {2}loss per step: .* {2}validation accuracy ([\d.]+)% {2}[\d.]+ s$/gm)].map((m) => m[1]);
    expect(accuracy).toHaveLength(2);
    const echoModel = fromJSON(readFileSync(join(dir, 'echo-metric.json'), 'utf8')) as RecurrentModel;
    expect(accuracy[1]).toBe((100 * measure(echoModel, delayedEchoTask({ seed: 1 }).test).accuracy!).toFixed(1));
  });

  it('bench times a gated, stacked cell and reports nominal GFLOP/s', () => {
    const r = rnnkit('bench', '--size', 'S', '--cell', 'gru', '--layers', '2', '--backend', 'js', '--seconds', '0.2');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/size S \(p 16, r 64, o 16, T 32, B 16\), gru ×2 layers/);
    const [, ms, gflops] = /js\s+([\d.]+)\s+([\d.]+)/.exec(r.stdout)!;
    // Nominal FLOPs of a 2-layer GRU step at S: 6·16·32·(3·64·16 + 3·64² + 16·64 + 2·3·64²).
    expect(Number(gflops)).toBeCloseTo((6 * 16 * 32 * (3 * 64 * 16 + 3 * 64 * 64 + 16 * 64 + 2 * 3 * 64 * 64)) / Number(ms) / 1e6, 1);
  });

  it('info says which backend and why', () => {
    const r = rnnkit('info');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/backend: wasm-simd \(the fastest available\)/);
  });

  it('bad flags and arguments: a clear message and a non-zero exit code', () => {
    const unknown = rnnkit('train', '--task', 'echo', '--epoch', '3');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/rnnkit train: Unknown option '--epoch'/);
    expect(unknown.stderr).toMatch(/usage: rnnkit train/);
    const badValue = rnnkit('train', '--task', 'echo', '--lr', 'fast');
    expect(badValue.status).toBe(2);
    expect(badValue.stderr).toMatch(/--lr: expected a number ≥ 0, got "fast"/);
    expect(rnnkit('train', '--task', 'nope').stderr).toMatch(/--task: expected one of adding, reber, copy, echo, sine, got "nope"/);
    expect(rnnkit('train').stderr).toMatch(/give exactly one of --task, --text or --csv/);
    expect(rnnkit('train', '--task', 'echo', '--algorithm', 'tbptt:0').stderr).toMatch(/--algorithm: expected bptt, tbptt:K \(K ≥ 1\), rtrl, snap or uoro, got "tbptt:0"/);
    expect(rnnkit('frobnicate').status).toBe(2);
    expect(rnnkit('sample', 'missing.json').stderr).toMatch(/cannot read the model file "missing.json"/);
    writeFileSync(join(dir, 'corrupt.json'), '{"format":"rnnkit","version":99}');
    const corrupt = rnnkit('sample', 'corrupt.json');
    expect(corrupt.status).toBe(1);
    expect(corrupt.stderr).toMatch(/version/);
  });

  it('--help for every command', () => {
    for (const command of ['train', 'sample', 'predict', 'bench', 'info', 'demo']) {
      const r = rnnkit(command, '--help');
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^usage: rnnkit ${command}`));
    }
  });

  it("the README's Command line section names only commands and flags that exist, each flag in its command's --help", () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Command line'), readme.indexOf('\n## ', readme.indexOf('## Command line') + 1));
    const names = ['train', 'sample', 'predict', 'bench', 'info', 'demo', 'diagnose'];
    const help = Object.fromEntries(names.map((name) => {
      const r = rnnkit(name, '--help');
      expect(r.status, r.stderr).toBe(0);
      return [name, r.stdout];
    }));
    const flags = (text: string) => (text.match(/--[a-z][a-z-]*/g) ?? []).filter((flag) => flag !== '--help');
    const has = (name: string, flag: string) => new RegExp(`${flag}(?![a-z-])`).test(help[name]!);
    // The examples: each command's flags in its own help.
    const examples = /```sh\n([\s\S]*?)```/.exec(section)![1]!.split('\n').filter(Boolean);
    for (const line of examples) {
      const [, name, rest] = /^rnnkit (\w+)(.*?)(?:#.*)?$/.exec(line)!;
      expect(names, line).toContain(name);
      for (const flag of flags(rest!)) expect(has(name!, flag), `${flag} in rnnkit ${name} --help`).toBe(true);
    }
    // The prose: `rnnkit NAME` names a command; each flag is some command's.
    for (const [, name] of section.matchAll(/`rnnkit (\w+)/g)) expect(names).toContain(name);
    const named = flags(section);
    expect(named).toEqual(expect.arrayContaining(['--resume', '--stop', '--temperature', '--length', '--curve']));
    for (const flag of named) expect(names.some((name) => has(name, flag)), flag).toBe(true);
  });

  it('Ctrl-C stops cleanly and keeps the last checkpoint', async () => {
    const child = spawn(process.execPath, [CLI, 'train', '--task', 'adding', '--epochs', '200', '--out', 'stopped.json'], { cwd: dir });
    let stdout = '', sent = false;
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        // One Ctrl-C only: a second one force-quits, as in most command-line programs.
        if (!sent && /epoch 1\/200/.test(stdout)) { sent = true; child.kill('SIGINT'); resolve(); }
      });
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(130);
    expect(stdout).toMatch(/interrupted after \d+ steps: the model as of the last step is saved in stopped.json/);
    const saved = JSON.parse(readFileSync(join(dir, 'stopped.json'), 'utf8'));
    expect(saved.kind).toBe('elman-rnn');
  });
});

describe('rnnkit train --csv and rnnkit predict (a forecaster from a CSV file)', () => {
  const weather = (from: number, to: number, order?: WeatherColumn[]) => weatherCsv(from, to, order);

  it('trains on 400 rows, saves what predict needs, and forecasts 200 later rows (columns in another order) in °C, beating persistence', () => {
    writeFileSync(join(dir, 'weather.csv'), weather(0, 400));
    const trained = rnnkit('train', '--csv', 'weather.csv', '--skip', 'time', '--target', 'temp, °C', '--window', '16', '--horizon', '3',
      '--hidden', '16', '--epochs', '20', '--seed', '1', '--out', 'weather.json');
    expect(trained.status, trained.stderr).toBe(0);
    expect(trained.stdout).toMatch(/^data: 400 rows of weather.csv, forecasting "temp, °C" 3 rows ahead from "temp, °C", "humidity"; 302 training and 62 validation sequences of 16 steps$/m);
    const csv = JSON.parse(readFileSync(join(dir, 'weather.json'), 'utf8')).metadata.csv;
    expect({ ...csv, mean: undefined, std: undefined }).toEqual({
      columns: ['temp, °C', 'humidity'], inputs: ['temp, °C', 'humidity'], targets: ['temp, °C'], window: 16, horizon: 3, decimal: '.',
    });
    // The statistics of the training part: the first 320 rows (the last 20% validate).
    const temps = weather(0, 320).split('\r\n').slice(1, -1).map((line) => Number(line.split(',')[1]));
    const mean = temps.reduce((a, b) => a + b, 0) / temps.length;
    expect(csv.mean[0]).toBeCloseTo(mean, 10);
    expect(csv.std[0]).toBeCloseTo(Math.sqrt(temps.reduce((a, b) => a + (b - mean) ** 2, 0) / temps.length), 10);

    writeFileSync(join(dir, 'later.csv'), weather(400, 600, ['hum', 'time', 'temp']));
    const predicted = rnnkit('predict', 'weather.json', '--csv', 'later.csv', '--out', 'forecast.csv');
    expect(predicted.status, predicted.stderr).toBe(0);
    expect(predicted.stdout.trim()).toBe('wrote 185 forecasts to forecast.csv');
    const rows = readFileSync(join(dir, 'forecast.csv'), 'utf8').trim().split('\n');
    expect(rows[0]).toBe('line,"temp, °C_forecast_3"');
    // 200 rows, windows of 16: the first ends on row 16, file line 17 (the header is line 1); the last on line 201.
    expect(rows).toHaveLength(1 + 185);
    expect(rows[1]!.split(',')[0]).toBe('17');
    expect(rows[185]!.split(',')[0]).toBe('201');
    const values = rows.slice(1).map((row) => Number(row.split(',')[1]));
    // Degrees, not standardized values: within the data's range, centred near 20.
    expect(Math.min(...values)).toBeGreaterThan(13);
    expect(Math.max(...values)).toBeLessThan(27);
    expect(Math.abs(values.reduce((a, b) => a + b, 0) / values.length - 20)).toBeLessThan(1);
    // RMSE where the actual value is in the file (185 − 3 forecasts), in °C, beside persistence.
    const score = /^temp, °C: RMSE ([\d.]+) \(persistence ([\d.]+)\) over 182 forecasts 3 rows ahead whose actual values are in the file$/m.exec(predicted.stderr);
    expect(score, predicted.stderr).not.toBeNull();
    const [rmse, persistence] = [Number(score![1]), Number(score![2])];
    // Persistence 3 h ahead on a 24 h sine of amplitude 5 is off by ≈ 5·2·sin(π/8)/√2 ≈ 2.7 °C; the noise alone is ≈ 0.15 °C.
    expect(persistence).toBeGreaterThan(2.4);
    expect(persistence).toBeLessThan(3.0);
    expect(rmse).toBeLessThan(0.5);
    // Without --out the forecasts go to standard output, the same CSV.
    const toStdout = rnnkit('predict', 'weather.json', '--csv', 'later.csv');
    expect(toStdout.status, toStdout.stderr).toBe(0);
    expect(toStdout.stdout).toBe(readFileSync(join(dir, 'forecast.csv'), 'utf8'));
  });

  it('epoch lines show the validation RMSE in the target\'s units (°C), as measure() with the training statistics finds it', () => {
    writeFileSync(join(dir, 'rmse.csv'), weather(0, 200));
    const r = rnnkit('train', '--csv', 'rmse.csv', '--skip', 'time', '--target', 'temp, °C', '--window', '8', '--horizon', '2', '--hidden', '8', '--epochs', '2', '--out', 'rmse.json', '--curve', 'rmse.svg');
    expect(r.status, r.stderr).toBe(0);
    const printed = [...r.stdout.matchAll(/^epoch \d\/2 {2}loss per step: train [\d.]+, validation ([\d.]+) {2}validation RMSE ([\d.]+) {2}[\d.]+ s$/gm)];
    expect(printed).toHaveLength(2);
    const rows = weather(0, 200).split('\r\n').slice(1, -1).map((line) => line.split(',').slice(1).map(Number));
    const { validation, standardizer } = forecastWindows(rows, { window: 8, horizon: 2, validation: 0.2, inputColumns: [0, 1], targetColumns: [0] });
    const model = fromJSON(readFileSync(join(dir, 'rmse.json'), 'utf8')) as RecurrentModel;
    const metrics = measure(model, validation!, { scale: [standardizer.std[0]!] });
    expect(printed[1]![1]).toBe(metrics.lossPerStep.toFixed(4));
    expect(printed[1]![2]).toBe(String(Number(metrics.rmse!.toPrecision(4))));
    // In °C, not in standard deviations.
    expect(metrics.rmse! / measure(model, validation!).rmse!).toBeCloseTo(standardizer.std[0]!, 6);
    const metric = panel(parseSvg(readFileSync(join(dir, 'rmse.svg'), 'utf8')), 'metric');
    expect(axis(metric, 'y').title).toBe('RMSE (original units)');
  });

  it('an empty cell: a one-line error with the file line and column, exit code 1, from train and from predict', () => {
    const lines = weather(0, 100).split('\r\n');
    lines[16] = lines[16]!.replace(/,[\d.]+,/, ',,'); // file line 17: its temperature is missing
    writeFileSync(join(dir, 'gap.csv'), lines.join('\r\n'));
    const trained = rnnkit('train', '--csv', 'gap.csv', '--skip', 'time', '--window', '8', '--epochs', '1', '--out', 'gap.json');
    expect(trained.status).toBe(1);
    expect(trained.stderr).toBe('rnnkit train: gap.csv: line 17, column "temp, °C" (1): expected a finite number, got an empty cell\n');
    expect(trained.stdout).toBe('');
    writeFileSync(join(dir, 'small.csv'), weather(0, 100));
    expect(rnnkit('train', '--csv', 'small.csv', '--skip', 'time', '--window', '8', '--epochs', '1', '--out', 'small.json').status).toBe(0);
    const predicted = rnnkit('predict', 'small.json', '--csv', 'gap.csv');
    expect(predicted.status).toBe(1);
    expect(predicted.stderr).toBe('rnnkit predict: gap.csv: line 17, column "temp, °C" (1): expected a finite number, got an empty cell\n');
    // A timestamp taken as an input by default: the message says how to leave it out.
    const timestamps = rnnkit('train', '--csv', 'small.csv', '--epochs', '1', '--out', 'small.json');
    expect(timestamps.status).toBe(1);
    expect(timestamps.stderr.trim()).toBe('rnnkit train: small.csv: line 2, column "time" (0): expected a finite number, got "2024-01-01T00:00" ' +
      '(a timestamp or a label? leave the column out with --skip, or choose the inputs with --columns)');
  });

  it('columns by index, semicolons with decimal commas, and the errors of bad flags, columns and models', () => {
    // No header: columns by index; a semicolon file with decimal commas.
    const rows = Array.from({ length: 60 }, (_, t) => `${t};${(Math.sin(t / 3) * 10).toFixed(2).replace('.', ',')};${(t % 7) * 1.5}`.replace(/(\d)\.(\d)/g, '$1,$2'));
    writeFileSync(join(dir, 'semi.csv'), `${rows.join('\n')}\n`);
    const trained = rnnkit('train', '--csv', 'semi.csv', '--decimal', ',', '--columns', '1,2', '--target', '1', '--window', '5', '--epochs', '1', '--out', 'semi.json');
    expect(trained.status, trained.stderr).toBe(0);
    expect(trained.stdout).toMatch(/^data: 60 rows of semi.csv, forecasting "1" 1 row ahead from "1", "2";/m);
    const csv = JSON.parse(readFileSync(join(dir, 'semi.json'), 'utf8')).metadata.csv;
    expect([csv.columns, csv.inputs, csv.targets, csv.decimal]).toEqual([[1, 2], [1, 2], [1], ',']);
    const predicted = rnnkit('predict', 'semi.json', '--csv', 'semi.csv');
    expect(predicted.status, predicted.stderr).toBe(0);
    expect(predicted.stdout.split('\n')[0]).toBe('line,1_forecast_1');
    expect(predicted.stdout.trim().split('\n')).toHaveLength(1 + 56);
    expect(predicted.stderr).toMatch(/^1: RMSE [\d.]+ \(persistence [\d.]+\) over 55 forecasts 1 row ahead/);
    // Without --decimal the decimal commas are named.
    expect(rnnkit('train', '--csv', 'semi.csv', '--columns', '1', '--epochs', '1', '--out', 'semi2.json').stderr.trim())
      .toBe('rnnkit train: semi.csv: line 1, column 1: expected a finite number, got "0,00" (a decimal comma? the decimal option is \'.\')');

    const usage = (r: ReturnType<typeof rnnkit>, message: RegExp) => {
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(message);
    };
    usage(rnnkit('train', '--csv', 'semi.csv', '--delimiter', 'pipe'), /^rnnkit train: --delimiter: expected comma, semicolon, tab or auto, got "pipe"/);
    usage(rnnkit('train', '--csv', 'semi.csv', '--decimal', 'x'), /^rnnkit train: --decimal: expected \. or , got "x"/);
    usage(rnnkit('train', '--task', 'echo', '--target', '1'), /^rnnkit train: --target: applies to --csv FILE/);
    usage(rnnkit('train', '--csv', 'missing.csv'), /^rnnkit train: --csv: cannot read "missing.csv"/);
    usage(rnnkit('predict', 'semi.json'), /^rnnkit predict: --csv: expected the CSV file to forecast from/);
    usage(rnnkit('predict', '--csv', 'semi.csv'), /^rnnkit predict: expected one model file, got 0/);
    const failure = (r: ReturnType<typeof rnnkit>, line: string) => {
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(`${line}\n`);
    };
    failure(rnnkit('train', '--csv', 'small.csv', '--columns', 'temp', '--epochs', '1'),
      'rnnkit train: small.csv: columns: expected a column of the header ("time", "temp, °C", "humidity"), got "temp"');
    failure(rnnkit('train', '--csv', 'small.csv', '--skip', 'time', '--window', '90', '--epochs', '1'),
      'rnnkit train: small.csv: validation: expected a fraction leaving at least window + horizon = 91 steps on each side (the series has 100: 80 for training, 20 for validation), got 0.2');
    expect(rnnkit('train', '--task', 'echo', '--epochs', '1', '--out', 'echo-task.json').status).toBe(0);
    failure(rnnkit('predict', 'echo-task.json', '--csv', 'semi.csv'), 'rnnkit predict: predict: the model has no forecasting metadata (train it with rnnkit train --csv FILE)');
    failure(rnnkit('predict', 'weather.json', '--csv', 'semi.csv'), 'rnnkit predict: semi.csv: the model reads its columns by name (temp, °C, humidity), but the file has no header row');
    writeFileSync(join(dir, 'short.csv'), weather(0, 10));
    failure(rnnkit('predict', 'weather.json', '--csv', 'short.csv'), 'rnnkit predict: short.csv: expected at least window = 16 rows to forecast from, got 10');
    const file = JSON.parse(readFileSync(join(dir, 'weather.json'), 'utf8'));
    file.metadata.csv.mean.pop();
    writeFileSync(join(dir, 'edited.json'), JSON.stringify(file));
    failure(rnnkit('predict', 'edited.json', '--csv', 'later.csv'),
      "rnnkit predict: predict: the model's csv metadata does not match the model (columns, inputs, targets, window, horizon, mean, std): the file is inconsistent");
  });
});
