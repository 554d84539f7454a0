import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/*
 * The published type declarations (dist/*.d.ts, as `npm run build` emits
 * them) are the API an app's editor shows: on a model, autocomplete lists
 * what is here, and hover shows these doc comments. rnnkit's internals
 * (frames, the arena, kernels, loading, thread plumbing) are marked
 * @internal in the sources and stripped from these files (tsup.config.ts).
 *
 * Checked here, on the built files:
 * - each class exposes exactly its public API (an allow-list), every member documented;
 *   no internal member or internal type is declared at all;
 * - every property of every interface and object type is documented in words (not a
 *   bare symbol like `p`), an optional option states its default, a duration its unit;
 * - the files type-check on their own (nothing stripped is still referenced), and a
 *   program using the README's API compiles against them, while the internals do not.
 */
const root = fileURLToPath(new URL('..', import.meta.url));
const ENTRIES = ['index', 'analysis', 'csv', 'tasks', 'online', 'safetensors', 'onnx'] as const;
const built = ENTRIES.every((e) => existsSync(`${root}dist/${e}.d.ts`));

/** The public members of each exported class (instance and static, public or protected), declared on that class. */
const CLASS_API: Record<string, readonly string[]> = {
  Network: [
    'metadata', 'optimizerState', 'dtype', 'backend', 'dispose', 'parameterCount', 'parameterNames', 'getParameter',
    'setParameter', 'parameters', 'setParameters', 'gradients', 'predict', 'outputSize', 'clone', 'computeGradients', 'evaluate',
  ],
  RecurrentModel: ['structure', 'inputSize', 'hiddenSize', 'outputSize', 'stateSize', 'parameterName', 'predict', 'finalStates'],
  ElmanRNN: ['config', 'constructor'],
  RecurrentNetwork: ['config', 'constructor'],
  FeedForwardNetwork: ['config', 'constructor', 'inputSize', 'outputSize', 'predict'],
  RnnStepper: ['model', 'streams', 'constructor', 'step', 'reset', 'state'],
  OnlineLearner: ['model', 'streams', 'updateEvery', 'constructor', 'steps', 'dispose', 'reset', 'predict', 'learn'],
  ThreadPool: [
    'threads', 'requested', 'reason', 'ready', 'minShareFlops', 'constructor', 'backend', 'unavailable', 'active', 'reasonFor', 'dispose',
  ],
  Random: ['constructor', 'next', 'uniform', 'gaussian', 'int', 'shuffle'],
  Vocabulary: ['symbols', 'constructor', 'fromText', 'fromTokens', 'size', 'has', 'indexOf', 'encode', 'decode', 'oneHot', 'toJSON'],
  Standardizer: ['mean', 'std', 'constructor', 'fit', 'width', 'transform', 'inverse', 'toJSON'],
  RnnkitError: ['name', '[Symbol.hasInstance]'],
  DivergenceError: ['step', 'epoch', 'loss', 'name', 'constructor'],
};

/** Internals that must never reach the published types: members used only by rnnkit's own modules. */
const INTERNAL_MEMBERS = [
  'batchFrame', 'loadSteps', 'forwardSlots', 'parameterOffset', 'loadExamples', 'loadInitialState', 'loadRows', 'lossAndGradients',
  'lossAndGradientsOf', 'lossSlots', 'outputBackward', 'backwardSlots', 'frameAt', 'frameSize', 'frameIsCurrent', 'claimBatchBlock',
  'slide', 'checkData', 'checkTokenIds', 'exampleCount', 'selectExamples', 'targetsOf', 'nextDropoutDraw', 'ownGradients',
  'dropoutSeed', 'sibling', 'place', 'offsetOf', 'mem', 'layout', 'workspace', 'block', 'kernels', 'allocate', 'recorders',
  'canBlock', 'prepare', 'passes', 'start', 'finish', 'finishAsync',
];
/** Internal types: declared in the published files only if something public still referred to them. */
const INTERNAL_TYPES = [
  'Workspace', 'ParameterLayout', 'ParameterSpec', 'FixedBlock', 'TargetView', 'SequenceFrame', 'LayerRegions', 'FrameOwner',
  'GradientTarget', 'RowFrame', 'Kernels', 'Arena', 'Recorder', 'GradientThreads', 'Mem', 'RNNKIT_ERROR', 'js',
];

interface Declarations {
  classes: Map<string, ts.ClassDeclaration>;
  /** Every interface, and every object type written inline (options, return values), with where it sits. */
  objects: { where: string; node: ts.InterfaceDeclaration | ts.TypeLiteralNode; input: boolean }[];
  /** Names of every top-level declaration. */
  names: Set<string>;
}

function parse(entry: string): { file: ts.SourceFile; declarations: Declarations } {
  const path = `${root}dist/${entry}.d.ts`;
  const file = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.ES2022, true);
  const declarations: Declarations = { classes: new Map(), objects: [], names: new Set() };
  const inputName = /(Options|Config|Spec|Algorithm)$/;
  const visit = (node: ts.Node, where: string, input: boolean): void => {
    if (ts.isTypeParameterDeclaration(node)) return; // constraints like { length: number } are not options
    if (ts.isInterfaceDeclaration(node)) {
      const own = inputName.test(node.name.text) || (node.heritageClauses ?? []).some((h) => h.types.some((t) => inputName.test(t.expression.getText())));
      declarations.objects.push({ where: node.name.text, node, input: own });
      node.members.forEach((m) => visit(m, node.name.text, own));
      return;
    }
    if (ts.isTypeLiteralNode(node)) {
      declarations.objects.push({ where, node, input });
      node.members.forEach((m) => visit(m, where, input));
      return;
    }
    if (ts.isParameter(node)) return ts.forEachChild(node, (c) => visit(c, `${where}(${node.name.getText()})`, true));
    if (ts.isTypeAliasDeclaration(node)) return ts.forEachChild(node, (c) => visit(c, node.name.text, inputName.test(node.name.text)));
    if (ts.isClassDeclaration(node) || ts.isFunctionDeclaration(node)) {
      return ts.forEachChild(node, (c) => visit(c, node.name?.text ?? '?', false));
    }
    if ((ts.isMethodDeclaration(node) || ts.isPropertyDeclaration(node) || ts.isGetAccessor(node) || ts.isConstructorDeclaration(node)
      || ts.isMethodSignature(node) || ts.isPropertySignature(node)) && !isPrivate(node)) {
      return ts.forEachChild(node, (c) => visit(c, `${where}.${memberName(node)}`, input));
    }
    if (ts.isClassElement(node)) return; // private members' types are not public
    ts.forEachChild(node, (c) => visit(c, where, input));
  };
  for (const statement of file.statements) {
    if (ts.isClassDeclaration(statement) && statement.name) declarations.classes.set(statement.name.text, statement);
    const name = (statement as { name?: ts.Node }).name;
    if (name && ts.isIdentifier(name)) declarations.names.add(name.text);
    if (ts.isVariableStatement(statement)) statement.declarationList.declarations.forEach((d) => declarations.names.add(d.name.getText()));
    if (ts.isModuleDeclaration(statement)) declarations.names.add(statement.name.getText());
    visit(statement, '', false);
  }
  return { file, declarations };
}

function memberName(node: ts.Node): string {
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const name = (node as { name?: ts.PropertyName }).name;
  return name ? name.getText() : '?';
}

function isPrivate(node: ts.Node): boolean {
  const name = (node as { name?: ts.Node }).name;
  return (name !== undefined && ts.isPrivateIdentifier(name))
    || (ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.PrivateKeyword));
}

/** The doc comment's text (tags included), or '' when there is none. */
function docOf(node: ts.Node): string {
  return ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc).map((d) => d.getText()).join('\n')
    .replace(/^\/\*\*|\*\/$/g, '').replace(/^\s*\* ?/gm, '').trim();
}

/** A doc says something in words: at least three words of two letters or more (so `p`, `o` or `[B][T][p]` do not count). */
function saysSomething(doc: string): boolean {
  return (doc.match(/[A-Za-z]{2,}/g) ?? []).length >= 3;
}

const parsed = built ? Object.fromEntries(ENTRIES.map((e) => [e, parse(e)])) as Record<(typeof ENTRIES)[number], ReturnType<typeof parse>> : undefined;

it('the published types are built (run `npm run build` first)', () => {
  expect(ENTRIES.filter((e) => !existsSync(`${root}dist/${e}.d.ts`)).map((e) => `dist/${e}.d.ts`)).toEqual([]);
});

describe.skipIf(!built)('the published types (dist/*.d.ts)', () => {
  it('CommonJS gets the same declarations (index.d.cts, analysis.d.cts, csv.d.cts, tasks.d.cts, online.d.cts, safetensors.d.cts, onnx.d.cts)', () => {
    for (const entry of ENTRIES) expect(readFileSync(`${root}dist/${entry}.d.cts`, 'utf8')).toBe(readFileSync(`${root}dist/${entry}.d.ts`, 'utf8'));
  });

  it('each class shows its public API only, every member documented', () => {
    const classes = [...parsed!.index.declarations.classes.keys(), ...parsed!.online.declarations.classes.keys()];
    expect(classes.sort()).toEqual(Object.keys(CLASS_API).sort());
    const extra: string[] = [], internal: string[] = [], undocumented: string[] = [];
    for (const entry of ENTRIES) {
      for (const [name, cls] of parsed![entry].declarations.classes) {
        for (const member of cls.members) {
          if (isPrivate(member) || ts.isSemicolonClassElement(member)) continue;
          const m = memberName(member);
          if (INTERNAL_MEMBERS.includes(m)) internal.push(`${name}.${m}`);
          if (!(CLASS_API[name] ?? []).includes(m)) extra.push(`${name}.${m}`);
          if (m !== 'constructor' && !saysSomething(docOf(member))) undocumented.push(`${name}.${m}`);
        }
      }
    }
    expect(internal, 'internal members in the published types').toEqual([]);
    expect(extra, 'members not in CLASS_API: mark internals @internal; add new public API to the list (and document it)').toEqual([]);
    expect(undocumented, 'public members without a doc comment in words').toEqual([]);
  });

  it('no internal type is declared', () => {
    for (const entry of ENTRIES) {
      const leaked = INTERNAL_TYPES.filter((t) => parsed![entry].declarations.names.has(t));
      expect(leaked, `internal types in dist/${entry}.d.ts`).toEqual([]);
    }
  });

  it('every property of every interface and object type is documented; options state their defaults, durations their unit', () => {
    const undocumented: string[] = [], noDefault: string[] = [], noUnit: string[] = [];
    for (const entry of ENTRIES) {
      for (const { where, node, input } of parsed![entry].declarations.objects) {
        for (const member of node.members) {
          if (ts.isIndexSignatureDeclaration(member) || ts.isCallSignatureDeclaration(member)) continue;
          const name = `${entry}: ${where}.${memberName(member)}`, doc = docOf(member);
          if (!saysSomething(doc)) undocumented.push(`${name}  /** ${doc} */`);
          if (input && member.questionToken && !/default/i.test(doc)) noDefault.push(name);
          if (/Ms$/.test(memberName(member)) && !/\bms\b|millisecond/i.test(doc)) noUnit.push(name);
          if (/Bytes$/.test(memberName(member)) && !/byte/i.test(doc)) noUnit.push(name);
        }
      }
    }
    expect(undocumented, 'properties without a doc comment in words').toEqual([]);
    expect(noDefault, 'optional options whose doc does not state the default').toEqual([]);
    expect(noUnit, 'durations (…Ms) and sizes (…Bytes) whose doc does not name the unit').toEqual([]);
  });

  it('type-check on their own, and the README\'s API compiles against them while the internals do not', () => {
    const consumer = `${root}test/public-types.consumer.ts`;
    const source = `
import {
  ElmanRNN, RecurrentNetwork, FeedForwardNetwork, RnnStepper, Vocabulary, Standardizer, Random, createThreadPool,
  sequenceBatch, rowBatch, train, trainAsync, computeGradients, createOptimizer, measure, earlyStopping, stepDecay, sample,
  toJSON, fromJSON, textDataset, forecastWindows, getBackend, RnnkitError, DivergenceError, type SequenceBatch, type SnapAlgorithm,
} from 'rnnkit';
import { OnlineLearner, rtrl, snap, uoro, learnFromStream } from 'rnnkit/online';
import { delayedEchoTask } from 'rnnkit/tasks';
import { analyzeGradientFlow, gradientMonitor } from 'rnnkit/analysis';
import { parseCsv, numericColumns } from 'rnnkit/csv';
import { toSafetensors, fromSafetensors, type SafetensorsLoadOptions } from 'rnnkit/safetensors';
import { toONNX, type OnnxExportOptions } from 'rnnkit/onnx';

const model = new ElmanRNN({ inputSize: 1, hiddenSize: 4, outputSize: 1, seed: 2 });
const batch: SequenceBatch = sequenceBatch({ inputs: [[[1], [0]]], targets: [[[0], [1]]] });
const y: Float32Array | Float64Array = model.predict(batch);
const { loss, gradients } = model.computeGradients(batch);
const w: Float32Array | Float64Array = model.getParameter('W_rec');
model.setParameter('W_rec', w);
model.setParameters(model.parameters());
const names: string[] = model.parameterNames;
const counts: number[] = [model.parameterCount, model.inputSize, model.hiddenSize, model.outputSize, model.stateSize, loss, y[0]!];
const cfg: string = model.config.activation + model.structure.cell + model.dtype + model.backend.name + model.parameterName('W_rec');
model.metadata = { vocabulary: ['a', 'b'] };
const steps: number | undefined = model.optimizerState?.steps;
const copy = model.clone({ dtype: 'float64', backend: 'js' });
const states = copy.finalStates(batch);
const meanLoss: number = model.evaluate(batch, 16) + measure(model, batch).lossPerStep;
const pool = createThreadPool({ threads: 2 });
const result = train(model, batch, { epochs: 2, optimizer: { type: 'adam' }, threads: pool, callbacks: [earlyStopping(), stepDecay({ every: 1 })] });
const why: string | undefined = pool.reasonFor(model) ?? pool.reason ?? pool.unavailable;
void pool.ready.then(() => pool.dispose());
const lstm = new RecurrentNetwork({ cell: 'lstm', inputSize: 1, hiddenSize: 4, numLayers: 2, dropout: 0.1, outputSize: 1 });
void trainAsync(lstm, batch, { algorithm: { type: 'tbptt', k: 2 }, yieldEveryMs: 10 });
const stepper = new RnnStepper(lstm, { streams: 1 });
stepper.reset(); stepper.step([0.5]);
const learner = new OnlineLearner(model, { algorithm: 'rtrl', updateEvery: 1 });
learner.learn([1], [0]).loss; learner.dispose();
new OnlineLearner(model, { algorithm: rtrl({ maxBytes: 1e6 }) }).dispose();
new OnlineLearner(model, { algorithm: { type: 'rtrl', maxBytes: 1e6 } }).dispose();
const ffnn = new FeedForwardNetwork({ layerSizes: [2, 3, 1] });
ffnn.predict(rowBatch({ inputs: [[1, 2]], targets: [[1]] }));
computeGradients(model, batch, { algorithm: rtrl() }).gradients.W_rec;
train(model, batch, { algorithm: rtrl({ maxBytes: 2 ** 20 }) });
const maxBytes: number = rtrl().maxBytes;
train(model, batch, { algorithm: snap({ n: 1 }) });
computeGradients(lstm, batch, { algorithm: snap({ maxBytes: 2 ** 20 }) }).gradients.W_rec_l0;
new OnlineLearner(model, { algorithm: snap() }).dispose();
const one: 1 = snap().n;
// @ts-expect-error only SnAp-1 is implemented
snap({ n: 2 });
// @ts-expect-error nor is SnAp-1 built in: snap() brings it
train(model, batch, { algorithm: { type: 'snap', n: 1, maxBytes: 1e6 } });
computeGradients(model, batch, { algorithm: uoro({ seed: 3 }) }).gradients.W_rec;
train(model, batch, { algorithm: uoro() });
new OnlineLearner(model, { algorithm: uoro() }).dispose();
const uoroSeed: number | undefined = uoro().seed;
// @ts-expect-error UORO comes from its factory only
train(model, batch, { algorithm: { type: 'uoro' } });
// @ts-expect-error RTRL is not built into train() and computeGradients(): rtrl() brings it
computeGradients(model, batch, { algorithm: 'rtrl' });
// @ts-expect-error nor as a plain object: rtrl({ maxBytes }) is the one way to write it
train(model, batch, { algorithm: { type: 'rtrl', maxBytes: 1e6 } });
const optimizer = createOptimizer({ type: 'sgd', learningRate: 0.1 });
optimizer.step(model); optimizer.reset(model);
const loaded: ElmanRNN = fromJSON(toJSON(model, { optimizer: true }), { kind: 'elman-rnn' });
const v = Vocabulary.fromText('abc');
sample(loaded, { length: 3, prime: v.encode('a'), temperature: 0.5 });
textDataset('abcabc', { steps: 2 }).vocabulary.decode([0, 1]);
forecastWindows([1, 2, 3, 4, 5], { window: 2 }).standardizer.inverse([0]);
Standardizer.fit([1, 2], 1).transform([1]);
new Random(1).gaussian();
getBackend('js').memoryBytes;
const e: unknown = new Error();
if (e instanceof DivergenceError) e.step; else if (e instanceof RnnkitError) e.message;
analyzeGradientFlow(model, batch).bound.tau;
gradientMonitor(model, { every: 1 });
numericColumns(parseCsv('a\\n1\\n')).inputs;
const torchFile: Uint8Array = toSafetensors(lstm);
const back: RecurrentNetwork = fromSafetensors(torchFile, { kind: 'recurrent-network', dtype: 'float64', backend: 'js' });
const plainOptions: SafetensorsLoadOptions = { config: { cell: 'gru', output: 'softmax', dropout: 0.1 } };
const any: ElmanRNN | RecurrentNetwork = fromSafetensors(torchFile.buffer as ArrayBuffer, plainOptions);
back.parameterName('W_in', 0) + any.dtype;
// @ts-expect-error a feed-forward network has no PyTorch counterpart here
toSafetensors(ffnn);
const onnxOptions: OnnxExportOptions = { initialStates: true };
const onnx: Uint8Array[] = [toONNX(lstm, onnxOptions), toONNX(model), toONNX(ffnn)];
// @ts-expect-error a batch is not a model
toONNX(batch);

// The internals are not there.
// @ts-expect-error internal
model.batchFrame(1, 1);
// @ts-expect-error internal
model.loadSteps;
// @ts-expect-error internal
model.forwardSlots;
// @ts-expect-error internal
model.parameterOffset('W_rec');
// @ts-expect-error internal
model.workspace;
// @ts-expect-error internal
model.loadExamples(batch, [0]);
// @ts-expect-error internal
model.lossAndGradients();
// @ts-expect-error internal
ffnn.frameAt(0, 1);
// @ts-expect-error internal
model.backend.kernels;
// @ts-expect-error internal
pool.passes;
// @ts-expect-error internal
createOptimizer({ type: 'sgd', learningRate: 0.1 }, { moment1: 0, moment2: 0 });

// One type across the two entries: an algorithm from rnnkit/online is rnnkit's SnapAlgorithm, and the stream helpers take rnnkit/tasks' streams.
const fromOnline: SnapAlgorithm = snap();
const echoLearner = new OnlineLearner(new RecurrentNetwork({ cell: 'gru', inputSize: 1, hiddenSize: 4, outputSize: 2, output: 'softmax', loss: 'cross-entropy' }));
void learnFromStream(echoLearner, delayedEchoTask().stream(), { limit: 10 });

export { names, counts, cfg, steps, states, meanLoss, result, why, gradients, onnx, maxBytes, one, uoroSeed, fromOnline };
`;
    const options: ts.CompilerOptions = {
      strict: true, noEmit: true, skipLibCheck: false, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler, types: [], lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
      noUnusedLocals: false,
    };
    const host = ts.createCompilerHost(options);
    const { getSourceFile, fileExists, readFile } = host;
    host.getSourceFile = (f, lang, ...rest) => (f === consumer ? ts.createSourceFile(f, source, lang) : getSourceFile.call(host, f, lang, ...rest));
    host.fileExists = (f) => f === consumer || fileExists.call(host, f);
    host.readFile = (f) => (f === consumer ? source : readFile.call(host, f));
    // The files themselves, and the consumer importing 'rnnkit' by its own name (package.json's exports, as an app resolves it).
    const program = ts.createProgram([...ENTRIES.map((e) => `${root}dist/${e}.d.ts`), consumer], options, host);
    const problems = ts.getPreEmitDiagnostics(program).map((d) => {
      const at = d.file && d.start !== undefined ? `${d.file.fileName.replace(root, '')}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}: ` : '';
      return at + ts.flattenDiagnosticMessageText(d.messageText, ' ');
    });
    const resolved = program.getSourceFiles().map((f) => f.fileName.replace(root, '')).filter((f) => f.startsWith('dist/'));
    expect(resolved.sort()).toEqual(['dist/analysis.d.ts', 'dist/csv.d.ts', 'dist/index.d.ts', 'dist/online.d.ts', 'dist/onnx.d.ts', 'dist/safetensors.d.ts', 'dist/tasks.d.ts']);
    expect(problems).toEqual([]);
  });
});
