import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readmeBlocks, runBlockAsync } from './helpers/readme.js';

/*
 * Every ```ts block of the README runs here against the built package, or in
 * the test named for its section. A block that uses what an earlier block
 * made (a `model`, a `batch`) gets it from a prelude written here, and the
 * block's own code runs as written: a name the package does not export, or an
 * option it does not know (every options object is checked for unknown keys),
 * fails the test. A new block fails until it is given a prelude here.
 */
const rnnkit = createRequire(import.meta.url)('../dist/index.cjs');
const online = createRequire(import.meta.url)('../dist/online.cjs');
const dir = fs.mkdtempSync(join(tmpdir(), 'rnnkit-readme-blocks-'));
const files = { ...fs, writeFileSync: (path: string, data: string) => fs.writeFileSync(join(dir, path), data) };

/** Sections whose blocks run in a test of their own (which must name the section). */
const coveredElsewhere: Record<string, string> = {
  '### A character model: text in, text out': 'readme-jobs.test.ts',
  '### A forecaster: a CSV file in, forecasts in its own units out': 'readme-jobs.test.ts',
  '### Metrics, schedules, early stopping and resuming': 'readme-workflow.test.ts',
  '## LSTM, GRU, stacked layers, embeddings and dropout': 'readme-recurrent.test.ts',
  '## PyTorch interop: safetensors': 'readme-safetensors.test.ts',
  '## Training on every core (threads)': 'readme-threads.test.ts',
  '## Exporting to ONNX (rnnkit/onnx)': 'readme-onnx.test.ts',
};

const USING = "const { ElmanRNN, sequenceBatch, train, measure } = require('rnnkit');";
/** A small Elman model and a batch of 40 sequences of 6 steps (p = 2, o = 1) for the blocks that continue from earlier ones. */
const MODEL_AND_DATA = `${USING}
const model = new ElmanRNN({ inputSize: 2, hiddenSize: 6, outputSize: 1, seed: 3 });
const rng = new (require('rnnkit').Random)(5);
const data = sequenceBatch({
  inputs: Array.from({ length: 40 }, () => Array.from({ length: 6 }, () => [rng.gaussian(), rng.gaussian()])),
  targets: Array.from({ length: 40 }, () => Array.from({ length: 6 }, () => [rng.gaussian()])),
});
const batch = data, validationBatch = data;`;

interface Case {
  /** Declarations the block uses without making them. */
  prelude: string;
  /** The block's locals handed to `check`. */
  expose: string;
  check(locals: Record<string, any>): void;
  modules?: Record<string, unknown>;
}

/** Keyed by the block's first line. */
const cases: Record<string, Case> = {
  "import { ElmanRNN, sequenceBatch, train } from 'rnnkit';": {
    prelude: '', expose: '{ ElmanRNN, sequenceBatch, train }',
    check: (l) => expect([l.ElmanRNN, l.sequenceBatch, l.train].map((f) => typeof f)).toEqual(['function', 'function', 'function']),
  },
  '// Next symbol of "aabcaabc…", one-hot inputs, class-index targets.': {
    prelude: USING, expose: '{ model, batch, y }',
    check: ({ model, batch, y }) => {
      expect(y).toHaveLength(12 * 3);
      // After "a a" comes b, after "a b" c…: an RNN that remembers one step back predicts every symbol.
      expect(rnnkit.measure(model, batch).accuracy).toBe(1);
    },
  },
  '// Parity of 3 bits; sequences may have different lengths.': {
    prelude: USING, expose: '{ model, batch }',
    check: ({ model, batch }) => expect(rnnkit.measure(model, batch).accuracy).toBe(1),
  },
  '// The input is given at the first step only; later steps get zeros.': {
    prelude: USING, expose: '{ model, batch }',
    check: ({ model, batch }) => expect(rnnkit.measure(model, batch).rmse).toBeLessThan(0.02),
  },
  "import { sample } from 'rnnkit';": {
    prelude: `${USING}\nconst model = new ElmanRNN({ inputSize: 5, hiddenSize: 8, outputSize: 5, output: 'softmax', seed: 2 });`,
    expose: '{ symbols }',
    check: ({ symbols }) => {
      expect(symbols).toHaveLength(200);
      expect(symbols.every((c: number) => Number.isInteger(c) && c >= 0 && c < 5)).toBe(true);
    },
  },
  "import { RnnStepper } from 'rnnkit';": {
    prelude: `${USING}\nconst model = new ElmanRNN({ inputSize: 2, hiddenSize: 8, outputSize: 1, seed: 2 });`,
    expose: '{ model, stepper, y1, y2 }',
    check: ({ model, stepper, y1 }) => {
      expect(y1).toHaveLength(1);
      // After reset the stepper starts again from φ_0: the same input gives the same output as the first step.
      expect(Array.from(stepper.step([1, 0]))).toEqual(Array.from(y1));
      expect(y1[0]).toBeCloseTo(model.predict(sequenceBatchOf([[1, 0]]))[0], 6);
    },
  },
  "import { FeedForwardNetwork, rowBatch, train } from 'rnnkit';": {
    prelude: '', expose: '{ net, xor }',
    check: ({ net, xor }) => expect(Array.from(net.predict(xor), (v: number) => Math.round(v))).toEqual([0, 1, 1, 0]),
  },
  "import { addingTask, reberTask } from 'rnnkit/tasks';": {
    prelude: '', expose: '{ task, model }',
    check: ({ task, model }) => {
      const report = task.evaluate(model);
      expect(report.metric).toBe('second-to-last symbol accuracy');
      expect(report.baseline).toBe(0.5);
      expect(report.value).toBeGreaterThan(0.9); // the comment shows 1
      expect(task.sample(model, 5)).toHaveLength(5);
    },
  },
  'train(model, data, {': {
    prelude: `${MODEL_AND_DATA}\nconst abortController = new AbortController();`, expose: '{ model, data }',
    check: ({ model, data }) => {
      expect(model.optimizerState.epochs).toBe(20);
      expect(rnnkit.measure(model, data).steps).toBe(240);
    },
  },
  "import { computeGradients } from 'rnnkit';": {
    prelude: MODEL_AND_DATA, expose: '{ model, rtrl, snap, uoro }',
    check: ({ model, rtrl, snap, uoro }) => {
      expect(model.optimizerState.spec.type).toBe('adam');
      expect(rtrl()).toMatchObject({ type: 'rtrl', maxBytes: online.RTRL_DEFAULT_MAX_BYTES });
      expect(snap({ n: 1 })).toMatchObject({ type: 'snap', n: 1, maxBytes: online.SNAP_DEFAULT_MAX_BYTES });
      expect(JSON.parse(JSON.stringify(uoro({ seed: 1 })))).toEqual({ type: 'uoro', seed: 1 });
    },
  },
  "import { OnlineLearner, rtrl } from 'rnnkit/online';": {
    prelude: `${MODEL_AND_DATA}
const x = [0.5, -0.5];
async function* readings() { for (let t = 0; t < 50; t++) yield { x: [Math.sin(t), Math.cos(t)], target: [Math.sin(t + 1)] }; }
const sensor = readings();`,
    expose: '{ learner }',
    check: ({ learner }) => expect(learner.steps).toBe(50 + 1), // 50 learned, 1 predicted; reset() starts a new stream, not a new count
  },
  "model.parameterNames;                    // ['W_in', 'W_rec', 'W_out', 'b_rec', 'b_out'] (+ 'h0' if learned)": {
    prelude: MODEL_AND_DATA, expose: '{ model, loss, gradients, report }',
    check: ({ model, loss, gradients, report }) => {
      expect(model.parameterNames).toEqual(['W_in', 'W_rec', 'W_out', 'b_rec', 'b_out']);
      expect(loss).toBeCloseTo(model.evaluate(batchOfModel()), 5);
      expect(gradients.W_rec).toHaveLength(36);
      expect(report.parameters.W_rec.relativeError).toBeLessThan(1e-6);
    },
  },
  "import { toJSON, fromJSON, toBinary, fromBinary } from 'rnnkit';": {
    prelude: MODEL_AND_DATA, expose: '{ model, copy, again, bytes }',
    check: ({ model, copy, again }) => {
      expect(copy.parameters()).toEqual(model.parameters());
      expect(again.parameters()).toEqual(model.parameters());
    },
  },
  "import { writeFileSync } from 'node:fs';": {
    prelude: MODEL_AND_DATA, expose: '{ report }', modules: { 'node:fs': files },
    check: ({ report }) => {
      expect(report.jacobians.byTime).toHaveLength(6 * 6);
      expect(fs.readFileSync(join(dir, 'heatmap.svg'), 'utf8')).toMatch(/^<svg/);
    },
  },
  "import { gradientMonitor } from 'rnnkit/analysis';": {
    prelude: MODEL_AND_DATA, expose: '{ monitor }',
    check: ({ monitor }) => {
      expect(monitor.records).toHaveLength(20); // one full-batch step per epoch
      // The ratio on the probe at step 1 and every 10 steps.
      expect(monitor.records.filter((r: { longShortRatio?: number }) => r.longShortRatio !== undefined).map((r: { step: number }) => r.step)).toEqual([1, 10, 20]);
    },
  },
  "import { backendInfo, getBackend, ElmanRNN } from 'rnnkit';": {
    prelude: '', expose: '{}',
    check: () => expect(rnnkit.backendInfo()).toEqual({ backend: 'wasm-simd', fallbacks: [] }),
  },
  "import { useWasmModule } from 'rnnkit';": {
    prelude: '', expose: '{}',
    modules: { './rnnkit-simd.wasm': new WebAssembly.Module(fs.readFileSync(new URL('../dist/rnnkit-simd.wasm', import.meta.url))) },
    check: () => expect(new rnnkit.ElmanRNN({ inputSize: 2, hiddenSize: 4, outputSize: 1 }).backend.name).toBe('wasm-simd'),
  },
};

function sequenceBatchOf(steps: number[][]) {
  return rnnkit.sequenceBatch({ inputs: [steps], targets: [steps.map(() => [0])] });
}

/** MODEL_AND_DATA's batch, rebuilt here. */
function batchOfModel() {
  const rng = new rnnkit.Random(5);
  return rnnkit.sequenceBatch({
    inputs: Array.from({ length: 40 }, () => Array.from({ length: 6 }, () => [rng.gaussian(), rng.gaussian()])),
    targets: Array.from({ length: 40 }, () => Array.from({ length: 6 }, () => [rng.gaussian()])),
  });
}

describe('README: every ts block runs', () => {
  const blocks = readmeBlocks();
  const firstLine = (code: string) => code.split('\n')[0]!;

  it('every block is covered: run below, or in the test of its section', () => {
    const uncovered = blocks.filter((b) => !(b.heading in coveredElsewhere) && !(firstLine(b.code) in cases));
    expect(uncovered.map((b) => `README line ${b.line}: ${firstLine(b.code)}`)).toEqual([]);
    for (const [heading, file] of Object.entries(coveredElsewhere)) {
      expect(blocks.some((b) => b.heading === heading), heading).toBe(true);
      const source = fs.readFileSync(new URL(file, import.meta.url), 'utf8');
      // The other test reads the section by its heading, or by the heading of the part that holds it.
      expect(source.includes(heading) || source.includes('## Two jobs, end to end'), `${file} runs ${heading}`).toBe(true);
    }
    // No case is left without its block (a block renamed or removed).
    const firsts = new Set(blocks.map((b) => firstLine(b.code)));
    expect(Object.keys(cases).filter((k) => !firsts.has(k))).toEqual([]);
  });

  for (const block of blocks) {
    const c = cases[firstLine(block.code)];
    if (!c || block.heading in coveredElsewhere) continue;
    it(`README line ${block.line} (${block.heading.replace(/^#+ /, '')})`, async () => {
      const locals = await runBlockAsync(block.code, c.prelude, c.expose, c.modules);
      c.check(locals);
    }, 60_000);
  }
});

describe('README: every ts block type-checks against the published types', () => {
  it('compiles every block with strict TypeScript against dist/*.d.ts, as a user\'s project would', async () => {
    const ts = (await import('typescript')).default;
    const blocks = readmeBlocks();
    const root = fs.mkdtempSync(join(tmpdir(), 'rnnkit-readme-types-'));
    const dist = new URL('../dist/', import.meta.url).pathname;
    // What earlier blocks made, declared once for all blocks; a block's own declarations shadow these.
    fs.writeFileSync(join(root, 'earlier-blocks.d.ts'), `
      declare const ElmanRNN: typeof import('rnnkit').ElmanRNN;
      declare const sequenceBatch: typeof import('rnnkit').sequenceBatch;
      declare const train: typeof import('rnnkit').train;
      declare const model: import('rnnkit').ElmanRNN;
      declare const data: import('rnnkit').SequenceBatch, batch: import('rnnkit').SequenceBatch, validationBatch: import('rnnkit').SequenceBatch;
      declare const abortController: AbortController;
      declare const sensor: AsyncIterable<{ x: number[]; target: number[] }>;
      declare const x: number[];
      declare module '*.wasm' { const module: WebAssembly.Module; export default module; }
    `);
    const names = blocks.map((b, i) => {
      const name = join(root, `block-${i}.ts`);
      fs.writeFileSync(name, `${b.code}\nexport {};\n`);
      return name;
    });
    const program = ts.createProgram([...names, join(root, 'earlier-blocks.d.ts')], {
      target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'], types: ['node'], typeRoots: [new URL('../node_modules/@types', import.meta.url).pathname],
      strict: true, noEmit: true, skipLibCheck: true, baseUrl: root,
      paths: {
        'rnnkit': [`${dist}index.d.ts`], 'rnnkit/analysis': [`${dist}analysis.d.ts`], 'rnnkit/csv': [`${dist}csv.d.ts`], 'rnnkit/tasks': [`${dist}tasks.d.ts`], 'rnnkit/online': [`${dist}online.d.ts`],
        'rnnkit/safetensors': [`${dist}safetensors.d.ts`], 'rnnkit/onnx': [`${dist}onnx.d.ts`],
        // The ONNX section runs its export in onnxruntime-node (a devDependency), typed by its own declarations.
        'onnxruntime-node': [new URL('../node_modules/onnxruntime-node/dist/index.d.ts', import.meta.url).pathname],
      },
    });
    const errors = ts.getPreEmitDiagnostics(program).map((d) => {
      const i = d.file ? names.indexOf(d.file.fileName) : -1;
      const where = i >= 0 ? `README line ${blocks[i]!.line + d.file!.getLineAndCharacterOfPosition(d.start!).line + 1}` : d.file?.fileName ?? '';
      return `${where}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
    expect(errors).toEqual([]);
  }, 60_000);
});

describe('README: every name it mentions exists', () => {
  it('each `Name` and `name(…)` of its prose is exported by an entry, or is a method, callback or global named here', () => {
    const readme = fs.readFileSync(new URL('../README.md', import.meta.url), 'utf8').replace(/```[\s\S]*?```/g, '');
    const mentioned = new Set<string>();
    for (const [, code] of readme.matchAll(/`([^`]+)`/g)) {
      const m = /^(?:new )?([A-Za-z_]\w*)(\(|$)/.exec(code!);
      // Calls, and CamelCase names (classes): the names a user would import.
      if (m && (m[2] === '(' || /^[A-Z][a-z]+[A-Z]/.test(m[1]!))) mentioned.add(m[1]!);
    }
    const load = createRequire(import.meta.url);
    const exported = new Set(['index', 'analysis', 'csv', 'tasks', 'online', 'safetensors', 'onnx'].flatMap((entry) => Object.keys(load(`../dist/${entry}.cjs`))));
    const notExports: Record<string, string> = {
      NaN: 'a value', SharedArrayBuffer: 'a global', Worker: 'a global',
      beforeStep: 'a callback method', onStart: 'a callback method', onEpoch: 'a callback method', onEnd: 'a callback method',
      stop: 'a method of the training control', saveWeights: 'a method of the training control', restoreWeights: 'a method of the training control',
      dispose: 'a method of models, learners and pools',
      learn: 'a method of the OnlineLearner',
    };
    const missing = [...mentioned].filter((name) => !exported.has(name) && !(name in notExports));
    expect(missing).toEqual([]);
    expect(mentioned.size).toBeGreaterThan(30);
  });
});
