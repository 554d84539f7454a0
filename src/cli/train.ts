import { readFileSync, writeFileSync } from 'node:fs';
import type { BackendName } from '../backend/index.js';
import type { SequenceBatch } from '../data/sequence-batch.js';
import { splitSequences } from '../data/split.js';
import { textDataset } from '../data/text.js';
import { forecastWindows } from '../data/time-series.js';
import { DivergenceError } from '../errors.js';
import { ACTIVATIONS, type Activation, type LossName, type OutputFunction } from '../model/functions.js';
import { CELL_TYPES, type CellType } from '../model/recurrent/config.js';
import type { OptimizerState } from '../model/network.js';
import { RecurrentModel } from '../model/recurrent/model.js';
import { RecurrentNetwork } from '../model/recurrent/network.js';
import { ElmanRNN } from '../model/rnn.js';
import { TASKS } from '../tasks/index.js';
import { REBER_SYMBOLS } from '../tasks/reber.js';
import type { SequenceTask, TaskReport } from '../tasks/task.js';
import type { GradientSpec } from '../train/gradient-algorithm.js';
import type { OptimizerSpec } from '../train/optimizer.js';
import { measure, type Metrics } from '../train/metrics.js';
import { rtrl } from '../train/rtrl.js';
import { snap } from '../train/snap.js';
import { uoro } from '../train/uoro.js';
import { trainAsync } from '../train/train.js';
import { createThreadPool } from '../threads/pool.js';
import type { Command } from './commands.js';
import { columnsFlag, csvFlagsUsage, decimalFlag, delimiterFlag, forecastSeries, inFile, readCsvFile, type ForecastMetadata } from './csv-file.js';
import { choiceFlag, numberFlag, parseFlags, UsageError, type IO } from './io.js';
import { lossCurveSvg, type LossCurveData } from './loss-curve.js';
import { checkWritable, loadModel, saveModel } from './model-file.js';
import { Progress } from './progress.js';

const usage = `usage: rnnkit train (--task NAME | --text FILE | --csv FILE) [--resume CHECKPOINT] [options]

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
  --algorithm A        bptt (default), tbptt:K (truncated, update every K steps), rtrl (exact, one
                       layer, tiny networks), snap (SnAp-1) or uoro (UORO): the online algorithms,
                       with the sequences' gradient approximated
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
                       as a checkpoint: the weights and the optimizer's state
  --curve FILE         the loss curve as SVG: training loss per step and per epoch, validation loss
                       per epoch, and below it the epoch metric (default: the model's name + .loss.svg)
resuming:
  --resume CHECKPOINT  train a saved model --epochs more epochs, epochs counting on; its structure
                       is the file's (--cell, --layers, --dropout, --embedding, --hidden and
                       --activation are refused) and its optimizer continues (--lr may change the
                       rate). Give the data flags, --seed and --batch it was trained with. Saves
                       to CHECKPOINT unless --out. A file without optimizer state (saved by an
                       older rnnkit) trains on with a fresh optimizer, and says so on stderr

Each epoch prints its loss per step (training, validation), a metric on the validation data
(bits/char for text, accuracy for classification tasks, RMSE for regression, in the target's
units for --csv) and the epoch's time. Ctrl-C stops after the current step and keeps the last checkpoint.`;

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
  /** The metric each epoch line shows and the chart's second panel draws. */
  metric: EpochMetric;
  /** CSV: each target's standard deviation, which turns the RMSE back into the column's units (measure's scale). */
  scale?: number[];
}

/** One of measure()'s metrics, as an epoch line and the chart show it. */
interface EpochMetric {
  /** In the epoch line, e.g. 'bits/char'. */
  label: string;
  /** On the chart's axis: its name and unit. */
  name: string;
  unit?: string;
  value: (m: Metrics) => number;
  format: (value: number) => string;
}

const BITS_PER_CHARACTER: EpochMetric = {
  label: 'bits/char', name: 'bits per character', unit: 'bits', value: (m) => m.bitsPerSymbol!, format: (v) => v.toFixed(3),
};
const ACCURACY: EpochMetric = {
  label: 'accuracy', name: 'accuracy', unit: '%', value: (m) => 100 * m.accuracy!, format: (v) => `${v.toFixed(1)}%`,
};
const rmse = (unit?: string): EpochMetric => ({
  label: 'RMSE', name: 'RMSE', ...(unit ? { unit } : {}), value: (m) => m.rmse!, format: (v) => String(Number(v.toPrecision(4))),
});

/** The flags that build a model: a resumed model has its structure already. */
const STRUCTURE_FLAGS = ['cell', 'layers', 'dropout', 'embedding', 'hidden', 'activation'] as const;

export const trainCommand: Command = {
  summary: 'train an RNN on a generated task, a text or a CSV series, and save it; or resume a checkpoint',
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
      out: { type: 'string' }, curve: { type: 'string' }, resume: { type: 'string' },
    });
    const sources = [values.task, values.text, values.csv].filter((v) => v !== undefined);
    if (sources.length !== 1) throw new UsageError('give exactly one of --task, --text or --csv');
    const csvOnly = (['columns', 'target', 'skip', 'delimiter', 'decimal'] as const).find((flag) => values[flag] !== undefined);
    if (csvOnly && values.csv === undefined) throw new UsageError(`--${csvOnly}: applies to --csv FILE`);
    const resumeFrom = values.resume;
    if (resumeFrom !== undefined) {
      const structural = STRUCTURE_FLAGS.find((flag) => values[flag] !== undefined);
      if (structural) throw new UsageError(`--${structural}: a resumed model keeps the structure saved in ${resumeFrom}; leave --${structural} out`);
    }
    const seed = numberFlag('seed', values.seed, 1, { integer: true });
    const embeddingSize = values.embedding === undefined ? 0 : numberFlag('embedding', values.embedding, 0, { min: 1, integer: true });
    if (embeddingSize > 0 && values.text === undefined) throw new UsageError('--embedding: embeds character ids, so it needs --text FILE');
    const cell = choiceFlag('cell', values.cell, 'elman', CELL_TYPES) as CellType;
    const numLayers = numberFlag('layers', values.layers, 1, { min: 1, integer: true });
    const dropout = numberFlag('dropout', values.dropout, 0, { min: 0 });
    if (dropout >= 1) throw new UsageError(`--dropout: expected a probability below 1, got ${dropout}`);
    if (dropout > 0 && numLayers < 2) throw new UsageError('--dropout: acts between stacked layers, so it needs --layers 2 or more');
    const activation = choiceFlag('activation', values.activation, 'tanh', ACTIVATIONS) as Activation;
    if (cell !== 'elman' && values.activation !== undefined) throw new UsageError(`--activation: applies to elman cells; the ${cell} cell's nonlinearities are fixed`);
    const batchSize = numberFlag('batch', values.batch, 32, { min: 1, integer: true });
    const algorithm = parseAlgorithm(values.algorithm);
    const optimizerName = choiceFlag('optimizer', values.optimizer, 'adam', ['adam', 'sgd', 'momentum'] as const);
    const learningRate = numberFlag('lr', values.lr, optimizerName === 'adam' ? 0.003 : 0.05, { min: 0 });
    const clip = numberFlag('clip', values.clip, 1, { min: 0 });
    const backend = choiceFlag('backend', values.backend, 'auto', ['auto', 'wasm-simd', 'wasm-scalar', 'js'] as const) as BackendName | 'auto';
    const threads = values.threads === undefined || values.threads === 'auto' ? values.threads ?? 1 : numberFlag('threads', values.threads, 1, { min: 1, integer: true });
    // A resumed run saves to its checkpoint unless told otherwise.
    const out = values.out ?? resumeFrom ?? 'rnnkit-model.json';
    const curve = values.curve ?? `${out.replace(/\.(json|rnnk)$/, '')}.loss.svg`;
    checkWritable('--out', out);
    checkWritable('--curve', curve);

    let model: ElmanRNN | RecurrentNetwork, data: Prepared, optimizer: OptimizerSpec;
    let resumed: OptimizerState | undefined;
    if (resumeFrom !== undefined) {
      const loaded = loadModel(resumeFrom, { backend });
      if (!(loaded instanceof RecurrentModel)) throw new UsageError(`--resume: ${resumeFrom} holds a feed-forward network; rnnkit train trains recurrent ones`);
      model = loaded;
      data = prepare(values, seed, model.structure.vocabularySize > 0);
      checkSameData(resumeFrom, model, data);
      epochsFlag(values.epochs, data.epochs); // checked before the message below
      resumed = model.optimizerState;
      if (resumed) {
        if (values.optimizer !== undefined && optimizerName !== resumed.spec.type) {
          throw new UsageError(`--optimizer: ${resumeFrom} continues its ${resumed.spec.type} optimizer (its moments are ${resumed.spec.type}'s); leave --optimizer out`);
        }
        optimizer = { ...resumed.spec, ...(values.lr === undefined ? {} : { learningRate }) } as OptimizerSpec;
      } else {
        optimizer = optimizerName === 'momentum' ? { type: 'momentum', learningRate } : { type: optimizerName, learningRate };
        io.err(`rnnkit train: --resume: ${resumeFrom} carries no optimizer state (saved without it): the ${optimizerName} optimizer starts afresh and epochs count from 1`);
      }
    } else {
      data = prepare(values, seed, embeddingSize > 0);
      const hiddenSize = numberFlag('hidden', values.hidden, data.hiddenSize, { min: 1, integer: true });
      optimizer = optimizerName === 'momentum' ? { type: 'momentum', learningRate } : { type: optimizerName, learningRate };
      // The notes' Elman RNN when that is all that is asked for (its files are 'elman-rnn', which diagnose reads).
      model = cell === 'elman' && numLayers === 1 && embeddingSize === 0
        ? new ElmanRNN({ ...data.model, hiddenSize, activation, seed, backend })
        : new RecurrentNetwork({
          ...data.model, cell, numLayers, dropout, hiddenSize, seed, backend, ...(cell === 'elman' ? { activation } : {}),
          ...(embeddingSize > 0 ? { inputSize: undefined, vocabularySize: data.vocabularySize!, embeddingSize } : {}),
        });
      model.metadata = data.metadata;
    }
    const epochs = epochsFlag(values.epochs, data.epochs);
    const firstEpoch = resumed?.epochs ?? 0, firstStep = resumed?.steps ?? 0, lastEpoch = firstEpoch + epochs;
    io.out(`data: ${data.description}; ${data.train.size} training and ${data.validation.size} validation sequences of ${data.train.steps} steps`);
    io.out(`model: ${describeModel(model)}, ${model.parameterCount} parameters; backend ${model.backend.name}; ` +
      `${typeof algorithm === 'string' ? algorithm : 'k' in algorithm ? `tbptt k=${algorithm.k}` : algorithm.type}, ${optimizer.type} lr ${optimizer.learningRate}`);
    if (resumed) io.out(`resuming ${resumeFrom} after epoch ${resumed.epochs} (${resumed.steps} steps): ${epochs} more epoch${epochs === 1 ? '' : 's'}, the optimizer's state continued`);
    const pool = threads === 1 ? undefined : createThreadPool({ threads });
    if (pool) {
      await pool.ready;
      const why = pool.reasonFor(model);
      io.out(why ? `threads: 1 (${why})` : `threads: ${pool.threads}`);
    }
    if (data.evaluate) io.out(`${resumeFrom === undefined ? 'before training' : 'resumed model'}: ${describeReport(data.evaluate(model))}`);

    const controller = new AbortController();
    const onInterrupt = () => controller.abort();
    process.once('SIGINT', onInterrupt);
    const stepsPerEpoch = Math.ceil(data.train.size / batchSize) * (typeof algorithm === 'object' && 'k' in algorithm ? Math.ceil(data.train.steps / algorithm.k) : 1);
    const progress = new Progress(process.stdout, stepsPerEpoch * epochs);
    // The chart's data: every step's loss, and per epoch where it ended, its training and validation loss and its metric.
    const stepLosses: number[] = [], epochEnds: number[] = [], epochLosses: number[] = [], validationLosses: number[] = [], metricValues: number[] = [];
    const chart = (): LossCurveData => ({
      steps: stepLosses, epochEnds, epochLoss: epochLosses, validation: validationLosses,
      metric: { name: data.metric.name, ...(data.metric.unit ? { unit: data.metric.unit } : {}), values: metricValues },
    });
    let result;
    try {
      result = await trainAsync(model, data.train, {
        epochs, batchSize, optimizer, algorithm, seed, validation: data.validation, signal: controller.signal, threads: pool,
        ...(resumed ? { resume: true } : {}),
        ...(clip > 0 ? { clipNorm: clip } : {}),
        onStep: (s) => { stepLosses.push(s.loss); progress.step(s.step - firstStep, s.epoch, lastEpoch, s.loss, s.elapsedMs); },
        onEpoch: (e) => {
          epochEnds.push(stepLosses.length);
          epochLosses.push(e.loss);
          validationLosses.push(e.validation!.loss);
          // A checkpoint: `--resume` continues it.
          saveModel(out, model, { optimizer: true });
          // The metric on the validation data (CSV: again, with the targets' scale, for the RMSE in their units); training data without any.
          const where = e.validation ? 'validation' : 'training';
          const measured = data.scale || !e.validation
            ? measure(model, e.validation ? data.validation : data.train, data.scale ? { scale: data.scale } : {})
            : e.validation;
          const metric = data.metric.value(measured);
          metricValues.push(metric);
          progress.line(`epoch ${e.epoch}/${lastEpoch}  loss per step: train ${e.lossPerStep.toFixed(4)}` +
            `${e.validation ? `, validation ${e.validation.lossPerStep.toFixed(4)}` : ''}  ${where} ${data.metric.label} ${data.metric.format(metric)}  ${(e.epochMs / 1000).toFixed(2)} s`);
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
    writeCurve(curve, data.description, data.model.loss, chart());
    if (result.aborted) {
      saveModel(out, model, { optimizer: true });
      io.out(`\ninterrupted after ${result.steps} steps: the model as of the last step is saved in ${out}; loss curve in ${curve}`);
      return 130;
    }
    if (data.evaluate) io.out(`after training: ${describeReport(data.evaluate(model))}`);
    io.out(`saved ${out} and the loss curve ${curve} (${result.steps} steps, ${(result.elapsedMs / 1000).toFixed(1)} s)`);
    return 0;
  },
};

function epochsFlag(value: string | undefined, fallback: number): number {
  return numberFlag('epochs', value, fallback, { min: 1, integer: true });
}

/** "LSTM embedding 8×6→16×2→8, dropout 0.1, softmax/cross-entropy". */
function describeModel(model: RecurrentModel): string {
  const s = model.structure;
  const shape = `${s.vocabularySize > 0 ? `embedding ${s.vocabularySize}×${s.embeddingSize}→` : `${s.inputSize}→`}${s.hiddenSize}${s.numLayers > 1 ? `×${s.numLayers}` : ''}→${s.outputSize}`;
  const cellName = s.cell === 'elman' ? `Elman RNN (${s.activation})` : s.cell.toUpperCase();
  return `${cellName} ${shape}${s.dropout > 0 ? `, dropout ${s.dropout}` : ''}, ${s.output}/${s.loss}`;
}

/** A resumed model must fit the data it is given: its sizes, and what it was trained on (task, vocabulary, CSV columns and statistics). */
function checkSameData(path: string, model: RecurrentModel, data: Prepared): void {
  const s = model.structure, d = data.model;
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  const inputs = s.vocabularySize > 0 ? count(s.vocabularySize, 'character id') : count(s.inputSize, 'input');
  const given = s.vocabularySize > 0 ? count(data.vocabularySize ?? 0, 'character id') : count(d.inputSize, 'input');
  if (inputs !== given || s.outputSize !== d.outputSize || s.output !== d.output || s.loss !== d.loss) {
    throw new UsageError(`--resume: ${path} is a model of ${inputs} and ${count(s.outputSize, `${s.output} output`)}; this data has ${given} and ${count(d.outputSize, `${d.output} output`)}`);
  }
  const saved = (model.metadata ?? {}) as Record<string, unknown>;
  for (const [key, value] of Object.entries(data.metadata)) {
    if (JSON.stringify(saved[key]) !== JSON.stringify(value)) {
      throw new UsageError(`--resume: ${path} was trained on other data (its ${key} is not this data's): give the data flags and --seed it was trained with`);
    }
  }
}

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
      metric: task.model.output === 'identity' ? rmse() : ACCURACY,
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
      hiddenSize: 128, epochs: 10, metadata: { vocabulary: vocabulary.toJSON() }, metric: BITS_PER_CHARACTER,
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
    metric: rmse('original units'), scale: targetColumns.map((c) => standardizer.std[c]!),
  };
}

function parseAlgorithm(value: string | undefined): GradientSpec {
  if (value === undefined || value === 'bptt') return 'bptt';
  if (value === 'rtrl') return rtrl();
  if (value === 'snap') return snap({ n: 1 });
  if (value === 'uoro') return uoro();
  const match = /^tbptt:(\d+)$/.exec(value);
  if (match && Number(match[1]) >= 1) return { type: 'tbptt', k: Number(match[1]) };
  throw new UsageError(`--algorithm: expected bptt, tbptt:K (K ≥ 1), rtrl, snap or uoro, got "${value}"`);
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
