import { readFileSync, writeFileSync } from 'node:fs';
import type { BackendName } from '../backend/index.js';
import type { SequenceBatch } from '../data/sequence-batch.js';
import { splitSequences } from '../data/split.js';
import { textDataset } from '../data/text.js';
import { forecastWindows } from '../data/time-series.js';
import { DivergenceError } from '../errors.js';
import { ACTIVATIONS, type Activation, type LossName, type OutputFunction } from '../model/functions.js';
import { CELL_TYPES, type CellType } from '../model/recurrent/config.js';
import type { RecurrentModel } from '../model/recurrent/model.js';
import { RecurrentNetwork } from '../model/recurrent/network.js';
import { ElmanRNN } from '../model/rnn.js';
import { TASKS } from '../tasks/index.js';
import { REBER_SYMBOLS } from '../tasks/reber.js';
import type { SequenceTask, TaskReport } from '../tasks/task.js';
import type { GradientSpec } from '../train/gradient-algorithm.js';
import type { OptimizerSpec } from '../train/optimizer.js';
import { trainAsync } from '../train/train.js';
import { createThreadPool } from '../threads/pool.js';
import type { Command } from './commands.js';
import { columnsFlag, csvFlagsUsage, decimalFlag, delimiterFlag, forecastSeries, inFile, readCsvFile, type ForecastMetadata } from './csv-file.js';
import { choiceFlag, numberFlag, parseFlags, UsageError, type IO } from './io.js';
import { lossCurveSvg, type LossCurveData } from './loss-curve.js';
import { checkWritable, saveModel } from './model-file.js';
import { Progress } from './progress.js';

const usage = `usage: rnnkit train (--task NAME | --text FILE | --csv FILE) [options]

data (one of):
  --task NAME          a generated task: ${Object.keys(TASKS).join(', ')}
  --text FILE          a character model of a text file (next-character prediction)
  --csv FILE           forecasting a numeric CSV series (rows = time, columns = variables;
                       RFC 4180 quoting; a header row is detected; \`rnnkit predict\` forecasts with the model)
      --steps T        text: characters per training window (default 64)
      --window T       csv: past rows per window (default 32)
      --horizon H      csv: how many rows ahead to forecast (default 1)
      --columns A,B    csv: the input columns, by header name or 0-based index (default: all not skipped)
      --target A,B     csv: the columns to forecast (default: the input columns)
      --skip A,B       csv: columns left out of the default inputs, e.g. a timestamp
${csvFlagsUsage('.', '      ', 'csv: ')}
model and training:
  --cell C             elman (default), lstm, gru
  --layers N           stacked recurrent layers (default 1)
  --dropout P          dropout between layers in training, 0 ≤ P < 1 (default 0; needs --layers ≥ 2)
  --embedding E        text: feed character ids through a trainable embedding of width E (default: one-hot)
  --hidden N           hidden units per layer (default: the task's, 128 for text, 32 for csv)
  --activation F       elman cells: tanh (default), sigmoid, relu, identity
  --algorithm A        bptt (default), tbptt:K (truncated, update every K steps), rtrl
  --optimizer O        adam (default), sgd, momentum
  --lr X               learning rate (default 0.003 for adam, 0.05 otherwise)
  --batch N            sequences per update (default 32)
  --epochs N           passes over the data (default: the task's, 10 for text and csv)
  --clip X             clip the global gradient norm (default 1; 0 = off)
  --backend B          auto (default), wasm-simd, wasm-scalar, js
  --threads N          train on N threads (an integer, or auto: this machine's cores); default 1
  --seed N             initialisation and shuffling seed (default 1)
output:
  --out FILE           the model (default rnnkit-model.json; .rnnk for binary), saved after every epoch
  --curve FILE         the loss curve as SVG: training loss per step and per epoch, validation loss
                       per epoch (default: the model's name + .loss.svg)

Ctrl-C stops after the current step and keeps the last checkpoint.`;

interface Prepared {
  description: string;
  train: SequenceBatch;
  validation: SequenceBatch;
  model: { inputSize: number; outputSize: number; output: OutputFunction; loss: LossName };
  /** Text only: the vocabulary size, when inputs may be character ids. */
  vocabularySize?: number;
  hiddenSize: number;
  epochs: number;
  metadata: Record<string, unknown>;
  evaluate?: (model: RecurrentModel) => TaskReport;
}

export const trainCommand: Command = {
  summary: 'train an RNN on a generated task, a text or a CSV series, and save it',
  usage,
  async run(args, io) {
    const { values } = parseFlags(args, {
      task: { type: 'string' }, text: { type: 'string' }, csv: { type: 'string' },
      steps: { type: 'string' }, window: { type: 'string' }, horizon: { type: 'string' },
      columns: { type: 'string' }, target: { type: 'string' }, skip: { type: 'string' }, delimiter: { type: 'string' }, decimal: { type: 'string' },
      hidden: { type: 'string' }, activation: { type: 'string' }, algorithm: { type: 'string' },
      cell: { type: 'string' }, layers: { type: 'string' }, dropout: { type: 'string' }, embedding: { type: 'string' },
      optimizer: { type: 'string' }, lr: { type: 'string' }, batch: { type: 'string' }, epochs: { type: 'string' },
      clip: { type: 'string' }, backend: { type: 'string' }, seed: { type: 'string' }, threads: { type: 'string' },
      out: { type: 'string' }, curve: { type: 'string' },
    });
    const sources = [values.task, values.text, values.csv].filter((v) => v !== undefined);
    if (sources.length !== 1) throw new UsageError('give exactly one of --task, --text or --csv');
    const csvOnly = (['columns', 'target', 'skip', 'delimiter', 'decimal'] as const).find((flag) => values[flag] !== undefined);
    if (csvOnly && values.csv === undefined) throw new UsageError(`--${csvOnly}: applies to --csv FILE`);
    const seed = numberFlag('seed', values.seed, 1, { integer: true });
    const embeddingSize = values.embedding === undefined ? 0 : numberFlag('embedding', values.embedding, 0, { min: 1, integer: true });
    if (embeddingSize > 0 && values.text === undefined) throw new UsageError('--embedding: embeds character ids, so it needs --text FILE');
    const data = prepare(values, seed, embeddingSize > 0);
    const cell = choiceFlag('cell', values.cell, 'elman', CELL_TYPES) as CellType;
    const numLayers = numberFlag('layers', values.layers, 1, { min: 1, integer: true });
    const dropout = numberFlag('dropout', values.dropout, 0, { min: 0 });
    if (dropout >= 1) throw new UsageError(`--dropout: expected a probability below 1, got ${dropout}`);
    if (dropout > 0 && numLayers < 2) throw new UsageError('--dropout: acts between stacked layers, so it needs --layers 2 or more');
    const activation = choiceFlag('activation', values.activation, 'tanh', ACTIVATIONS) as Activation;
    const hiddenSize = numberFlag('hidden', values.hidden, data.hiddenSize, { min: 1, integer: true });
    const epochs = numberFlag('epochs', values.epochs, data.epochs, { min: 1, integer: true });
    const batchSize = numberFlag('batch', values.batch, 32, { min: 1, integer: true });
    const algorithm = parseAlgorithm(values.algorithm);
    const optimizerName = choiceFlag('optimizer', values.optimizer, 'adam', ['adam', 'sgd', 'momentum'] as const);
    const learningRate = numberFlag('lr', values.lr, optimizerName === 'adam' ? 0.003 : 0.05, { min: 0 });
    const optimizer: OptimizerSpec = optimizerName === 'momentum' ? { type: 'momentum', learningRate } : { type: optimizerName, learningRate };
    const clip = numberFlag('clip', values.clip, 1, { min: 0 });
    const backend = choiceFlag('backend', values.backend, 'auto', ['auto', 'wasm-simd', 'wasm-scalar', 'js'] as const) as BackendName | 'auto';
    const threads = values.threads === undefined || values.threads === 'auto' ? values.threads ?? 1 : numberFlag('threads', values.threads, 1, { min: 1, integer: true });
    const out = values.out ?? 'rnnkit-model.json';
    const curve = values.curve ?? `${out.replace(/\.(json|rnnk)$/, '')}.loss.svg`;
    checkWritable('--out', out);
    checkWritable('--curve', curve);

    if (cell !== 'elman' && values.activation !== undefined) throw new UsageError(`--activation: applies to elman cells; the ${cell} cell's nonlinearities are fixed`);
    // The notes' Elman RNN when that is all that is asked for (its files are 'elman-rnn', which diagnose reads).
    const model: ElmanRNN | RecurrentNetwork = cell === 'elman' && numLayers === 1 && embeddingSize === 0
      ? new ElmanRNN({ ...data.model, hiddenSize, activation, seed, backend })
      : new RecurrentNetwork({
        ...data.model, cell, numLayers, dropout, hiddenSize, seed, backend, ...(cell === 'elman' ? { activation } : {}),
        ...(embeddingSize > 0 ? { inputSize: undefined, vocabularySize: data.vocabularySize!, embeddingSize } : {}),
      });
    model.metadata = data.metadata;
    io.out(`data: ${data.description}; ${data.train.size} training and ${data.validation.size} validation sequences of ${data.train.steps} steps`);
    const shape = `${embeddingSize > 0 ? `embedding ${data.vocabularySize}×${embeddingSize}→` : `${data.model.inputSize}→`}${hiddenSize}${numLayers > 1 ? `×${numLayers}` : ''}→${data.model.outputSize}`;
    const cellName = cell === 'elman' ? `Elman RNN (${activation})` : cell.toUpperCase();
    io.out(`model: ${cellName} ${shape}${dropout > 0 ? `, dropout ${dropout}` : ''}, ${data.model.output}/${data.model.loss}, ` +
      `${model.parameterCount} parameters; backend ${model.backend.name}; ${typeof algorithm === 'string' ? algorithm : `tbptt k=${(algorithm as { k: number }).k}`}, ${optimizerName} lr ${learningRate}`);
    const pool = threads === 1 ? undefined : createThreadPool({ threads });
    if (pool) {
      await pool.ready;
      const why = pool.reasonFor(model);
      io.out(why ? `threads: 1 (${why})` : `threads: ${pool.threads}`);
    }
    if (data.evaluate) io.out(`before training: ${describeReport(data.evaluate(model))}`);

    const controller = new AbortController();
    const onInterrupt = () => controller.abort();
    process.once('SIGINT', onInterrupt);
    const stepsPerEpoch = Math.ceil(data.train.size / batchSize) * (typeof algorithm === 'object' && 'k' in algorithm ? Math.ceil(data.train.steps / algorithm.k) : 1);
    const progress = new Progress(process.stdout, stepsPerEpoch * epochs);
    // The loss curve's data: every step's loss, and per epoch where it ended, its training and its validation loss.
    const stepLosses: number[] = [], epochEnds: number[] = [], epochLosses: number[] = [], validationLosses: number[] = [];
    let result;
    try {
      result = await trainAsync(model, data.train, {
        epochs, batchSize, optimizer, algorithm, seed, validation: data.validation, signal: controller.signal, threads: pool,
        ...(clip > 0 ? { clipNorm: clip } : {}),
        onStep: (s) => { stepLosses.push(s.loss); progress.step(s.step, s.epoch, epochs, s.loss, s.elapsedMs); },
        onEpoch: (e) => {
          epochEnds.push(stepLosses.length);
          epochLosses.push(e.loss);
          validationLosses.push(e.validationLoss!);
          saveModel(out, model);
          const metric = data.evaluate ? `  ${describeReport(data.evaluate(model))}` : '';
          progress.line(`epoch ${e.epoch}/${epochs}  train ${e.loss.toFixed(4)}  validation ${e.validationLoss!.toFixed(4)}  ${(e.elapsedMs / 1000).toFixed(1)} s${metric}`);
        },
      });
    } catch (error) {
      if (error instanceof DivergenceError) {
        saveModel(out, model);
        io.err(`${error.message}\nThe last finite weights are saved in ${out}.`);
        return 1;
      }
      throw error;
    } finally {
      process.removeListener('SIGINT', onInterrupt);
      pool?.dispose();
    }
    writeCurve(curve, data.description, data.model.loss, { steps: stepLosses, epochEnds, epochLoss: epochLosses, validation: validationLosses });
    if (result.aborted) {
      saveModel(out, model);
      io.out(`\ninterrupted after ${result.steps} steps: the model as of the last step is saved in ${out}; loss curve in ${curve}`);
      return 130;
    }
    if (data.evaluate) io.out(`after training: ${describeReport(data.evaluate(model))}`);
    io.out(`saved ${out} and the loss curve ${curve} (${result.steps} steps, ${(result.elapsedMs / 1000).toFixed(1)} s)`);
    return 0;
  },
};

function prepare(values: Record<string, string | boolean | undefined>, seed: number, tokens: boolean): Prepared {
  if (typeof values.task === 'string') {
    const entry = TASKS[values.task];
    if (!entry) throw new UsageError(`--task: expected one of ${Object.keys(TASKS).join(', ')}, got "${values.task}"`);
    const task: SequenceTask = entry.make(seed);
    const metadata: Record<string, unknown> = { task: task.name };
    if (task.name === 'reber') metadata.vocabulary = [...REBER_SYMBOLS];
    return {
      description: task.description, train: task.train, validation: task.test, model: task.model,
      hiddenSize: entry.hiddenSize, epochs: entry.epochs, metadata, evaluate: (m) => task.evaluate(m),
    };
  }
  if (typeof values.text === 'string') {
    const text = readText(values.text);
    const steps = numberFlag('steps', values.steps as string | undefined, 64, { min: 1, integer: true });
    const { batch, vocabulary } = textDataset(text, { steps, inputs: tokens ? 'tokens' : 'one-hot' });
    const { train, validation } = splitSequences(batch, { validation: 0.1, seed });
    const V = vocabulary.size;
    return {
      description: `${text.length} characters of ${values.text} (${V} distinct)`, train, validation,
      model: { inputSize: V, outputSize: V, output: 'softmax', loss: 'cross-entropy' }, vocabularySize: V,
      hiddenSize: 128, epochs: 10, metadata: { vocabulary: vocabulary.toJSON() },
    };
  }
  return prepareCsv(values);
}

/** Forecasting the chosen columns of a CSV file; the model carries what `rnnkit predict` needs (ForecastMetadata). */
function prepareCsv(values: Record<string, string | boolean | undefined>): Prepared {
  const flag = (name: string) => values[name] as string | undefined;
  const path = flag('csv')!;
  const window = numberFlag('window', flag('window'), 32, { min: 1, integer: true });
  const horizon = numberFlag('horizon', flag('horizon'), 1, { min: 1, integer: true });
  const decimal = decimalFlag(flag('decimal'), '.');
  const table = readCsvFile('--csv', path, { delimiter: delimiterFlag(flag('delimiter')) });
  const series = forecastSeries(path, table, {
    columns: columnsFlag(flag('columns'), table), target: columnsFlag(flag('target'), table), skip: columnsFlag(flag('skip'), table), decimal,
  });
  const { inputColumns, targetColumns } = series;
  const { train, validation, standardizer } = inFile(path, () => forecastWindows(series.values, { window, horizon, validation: 0.2, inputColumns, targetColumns }));
  const metadata: ForecastMetadata = {
    columns: series.columns, inputs: inputColumns.map((k) => series.columns[k]!), targets: targetColumns.map((k) => series.columns[k]!),
    window, horizon, decimal, ...standardizer.toJSON(),
  };
  const list = (positions: number[]) => positions.map((k) => JSON.stringify(series.names[k])).join(', ');
  return {
    description: `${series.values.length} rows of ${path}, forecasting ${list(targetColumns)} ${horizon} row${horizon === 1 ? '' : 's'} ahead from ${list(inputColumns)}`,
    train, validation: validation!,
    model: { inputSize: inputColumns.length, outputSize: targetColumns.length, output: 'identity', loss: 'mse' },
    hiddenSize: 32, epochs: 10, metadata: { csv: metadata },
  };
}

function parseAlgorithm(value: string | undefined): GradientSpec {
  if (value === undefined || value === 'bptt') return 'bptt';
  if (value === 'rtrl') return 'rtrl';
  const match = /^tbptt:(\d+)$/.exec(value);
  if (match && Number(match[1]) >= 1) return { type: 'tbptt', k: Number(match[1]) };
  throw new UsageError(`--algorithm: expected bptt, rtrl or tbptt:K (K ≥ 1), got "${value}"`);
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--text: cannot read "${path}": ${(error as Error).message}`);
  }
}

export function describeReport(r: TaskReport): string {
  const extra = Object.entries(r.extra).filter(([, v]) => Number.isFinite(v)).map(([k, v]) => `, ${k} ${v.toFixed(3)}`).join('');
  return `${r.metric} ${r.value.toFixed(4)} (baseline ${r.baseline.toFixed(4)}: ${r.baselineName})${extra}`;
}

/** What the loss axis shows: the loss is the mean over sequences of the sum over their steps (natural logarithms). */
const LOSS_LABELS: Record<LossName, string> = {
  'mse': '½·squared error per sequence',
  'cross-entropy': 'cross-entropy per sequence (nats)',
  'binary-cross-entropy': 'binary cross-entropy per sequence (nats)',
};

function writeCurve(path: string, title: string, loss: LossName, data: LossCurveData): void {
  writeFileSync(path, lossCurveSvg(title, data, { lossLabel: LOSS_LABELS[loss] }));
}

export type { IO };
