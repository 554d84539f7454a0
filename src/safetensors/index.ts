/**
 * rnnkit/safetensors: PyTorch weights in and out. `toSafetensors(model)`
 * writes a recurrent model as a safetensors file whose tensors carry PyTorch's
 * own names (a module of `rnn = nn.RNN | nn.LSTM | nn.GRU`, an optional
 * `embedding = nn.Embedding` and `head = nn.Linear`: torch-names.ts), with
 * the rnnkit config and metadata in `__metadata__.rnnkit`;
 * `fromSafetensors(bytes)` reads such a file back, or one written by plain
 * PyTorch when the caller says what the model is. scripts/rnnkit_torch.py
 * builds, loads and saves the matching module in Python.
 *
 * Its own entry, so that apps that never meet PyTorch do not carry it. It
 * imports the models from 'rnnkit' (the app's copy), and loads through
 * fromJSON, so a file passes exactly the checks a JSON model file passes.
 */
import {
  ElmanRNN, FeedForwardNetwork, RecurrentNetwork, RnnkitError, fromJSON, getBackend, parameterShapes,
  type Activation, type Backend, type BackendName, type CellType, type DType, type LossName, type ModelKinds,
  type OutputFunction, type RecurrentStructure,
} from 'rnnkit';
import { describe } from '../errors.js';
import { readSafetensors, readTensor, writeSafetensors, type SafetensorsFile } from './format.js';
import { GATE_BLOCKS, rnnkitParameters, torchTensors, torchValues, type RecurrentKind, type TorchTensor } from './torch-names.js';

export type { RecurrentKind } from './torch-names.js';

/** The `__metadata__` key holding the rnnkit document (JSON text: format, version, kind, config, metadata). */
const METADATA_KEY = 'rnnkit';
const WHERE = `__metadata__.${METADATA_KEY}`;
const FORMAT = 'rnnkit';
const VERSION = 1;
const KINDS: readonly RecurrentKind[] = ['elman-rnn', 'recurrent-network'];
const DOCUMENT_KEYS = ['format', 'version', 'kind', 'config', 'metadata'];
const CELL_NAMES: Record<CellType, string> = { elman: 'Elman', lstm: 'LSTM', gru: 'GRU' };

/**
 * What a model is, for a file without rnnkit metadata (written by plain
 * PyTorch): what its tensors cannot say. The sizes come from the tensors'
 * shapes: hiddenSize from rnn.weight_hh_l0, numLayers from how many layers
 * there are, inputSize from rnn.weight_ih_l0 (or vocabularySize and
 * embeddingSize from embedding.weight), outputSize from head.weight, and a
 * learned initial state from a tensor h0.
 */
export interface TorchModelOptions {
  /**
   * The recurrent cell: 'elman' (nn.RNN), 'lstm' or 'gru'. Default: from the shapes (rnn.weight_hh_l0 has 1, 4 or 3
   * blocks of hiddenSize rows); given, it must match them. An ElmanRNN (kind 'elman-rnn') is 'elman'.
   */
  cell?: CellType;
  /** σ of an Elman cell: 'tanh' or 'relu' for nn.RNN's nonlinearity (rnnkit_torch.py also builds 'sigmoid' and 'identity'). Default 'tanh'. */
  activation?: Activation;
  /** F, applied to head's output: 'identity', 'softmax' or 'sigmoid'. Default 'identity'. */
  output?: OutputFunction;
  /** The per-step loss for training in rnnkit. Default: 'mse' for identity, 'cross-entropy' for softmax, 'binary-cross-entropy' for sigmoid. */
  loss?: LossName;
  /** Dropout between stacked layers in training (nn.RNN's dropout), for a RecurrentNetwork of 2 layers or more. Default 0. */
  dropout?: number;
}

/** The options of fromSafetensors. */
export interface SafetensorsLoadOptions<K extends RecurrentKind = RecurrentKind> {
  /** The loaded model's element type. Default: 'float64' if any tensor is F64, else 'float32' (F32, F16 and BF16). */
  dtype?: DType;
  /** Where the loaded model computes: 'auto', a backend name or a Backend. Default 'auto' (js for float64). */
  backend?: BackendName | 'auto' | Backend;
  /**
   * The kind the file must hold (a file of another kind is refused), and narrows the return type; for a file
   * without rnnkit metadata, the kind to load it as. Default: the file's kind, or 'recurrent-network'.
   */
  kind?: K;
  /** What the model is, for a file without rnnkit metadata (refused for a file that has its own). Default: none. */
  config?: TorchModelOptions;
}

/**
 * A recurrent model (ElmanRNN or RecurrentNetwork) as a safetensors file: its
 * parameters as the tensors of the matching PyTorch module, in the model's
 * dtype (F32 or F64), and its config and metadata in `__metadata__.rnnkit`.
 * Not the optimizer state: training goes on in PyTorch with its own.
 */
export function toSafetensors(model: ElmanRNN | RecurrentNetwork): Uint8Array {
  return withContext('toSafetensors', () => {
    if (model instanceof FeedForwardNetwork) {
      throw new RnnkitError('model: a FeedForwardNetwork has no recurrent PyTorch counterpart (rnnkit/safetensors writes nn.RNN, nn.LSTM and nn.GRU modules); save it with toJSON or toBinary');
    }
    if (!(model instanceof ElmanRNN) && !(model instanceof RecurrentNetwork)) {
      throw new RnnkitError(`model: expected an ElmanRNN or a RecurrentNetwork of 'rnnkit', got ${describe(model)}`);
    }
    const kind: RecurrentKind = model instanceof ElmanRNN ? 'elman-rnn' : 'recurrent-network';
    const structure = model.structure;
    const metadata: unknown = model.metadata;
    if (metadata !== undefined && (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata))) {
      throw new RnnkitError(`metadata: expected a plain JSON object, got ${describe(metadata)}`);
    }
    // parameterShapes gives the config with its keys in the saved order, as toJSON writes it.
    const document = { format: FORMAT, version: VERSION, kind, config: parameterShapes(kind, model.config).config, ...(metadata !== undefined ? { metadata } : {}) };
    let text: string;
    try {
      text = JSON.stringify(document);
    } catch (error) {
      throw new RnnkitError(`metadata: expected a plain JSON object (${(error as Error).message})`);
    }
    const values = torchValues(structure, (role, layer) => {
      const name = model.parameterName(role, layer), parameter = model.getParameter(name);
      // The reader refuses non-finite values: refuse to write them.
      const bad = parameter.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw new RnnkitError(`parameter ${name}[${bad}]: expected a finite number (a diverged model cannot be saved), got ${parameter[bad]}`);
      return parameter;
    });
    const dtype = model.dtype === 'float64' ? 'F64' : 'F32';
    const tensors = torchTensors(structure).map(({ name, shape }) => ({ name, shape, dtype, values: values.get(name)! } as const));
    return writeSafetensors(tensors, { [METADATA_KEY]: text });
  });
}

/**
 * A model from a safetensors file: one toSafetensors or rnnkit_torch.py
 * wrote (its `__metadata__.rnnkit` says what the model is), or one plain
 * PyTorch wrote from the module's state_dict, with `options.config` saying
 * what the model is. Loading checks the framing, every tensor's name, dtype
 * and shape against the config, that every value is finite, and then the
 * model exactly as fromJSON does, before it builds anything; a bad file is
 * refused with an RnnkitError naming the tensor or field at fault.
 */
export function fromSafetensors<K extends RecurrentKind>(bytes: Uint8Array | ArrayBuffer, options: SafetensorsLoadOptions<K> & {
  /** The kind the file must hold (a file of another kind is refused); narrows the return type. */
  kind: K;
}): ModelKinds[K];
export function fromSafetensors(bytes: Uint8Array | ArrayBuffer, options?: SafetensorsLoadOptions): ElmanRNN | RecurrentNetwork;
export function fromSafetensors(bytes: Uint8Array | ArrayBuffer, options: SafetensorsLoadOptions = {}): ElmanRNN | RecurrentNetwork {
  checkLoadOptions(options);
  return withContext('fromSafetensors', () => {
    if (!(bytes instanceof Uint8Array) && !(bytes instanceof ArrayBuffer)) {
      throw new RnnkitError(`bytes: expected a Uint8Array or ArrayBuffer (a safetensors file), got ${describe(bytes)}`);
    }
    const file = readSafetensors(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes));
    const described = describeModel(file, options);
    const config = resolveConfig(described);
    // A file's own config goes to fromJSON as written (it checks that a saved config has every key); the caller's, resolved.
    const source = described.where === WHERE ? described : { ...described, document: { ...described.document, config } };
    const structure = structureOf(source.kind, config);
    checkTensors(file, torchTensors(structure), structure, source);
    // Only now, every shape checked and every tensor inside the file, are values decoded.
    const decoded = new Map<string, Float32Array | Float64Array>();
    for (const entry of file.tensors.values()) decoded.set(entry.name, readTensor(file, entry));
    const { parameters, sources } = rnnkitParameters(source.kind, structure, (name) => decoded.get(name)!);
    const dtype: DType = [...file.tensors.values()].some((e) => e.dtype === 'F64') ? 'float64' : 'float32';
    try {
      return fromJSON({ ...source.document, dtype, parameters }, {
        kind: source.kind, backend: options.backend ?? 'auto', ...(options.dtype !== undefined ? { dtype: options.dtype } : {}),
      });
    } catch (error) {
      throw located(error, source.where, sources);
    }
  });
}

/** What a file holds, from its metadata or from the caller: the document fromJSON will read (parameters aside). */
interface ModelSource {
  readonly kind: RecurrentKind;
  readonly config: Record<string, unknown>;
  readonly document: Record<string, unknown>;
  /** Where the config came from, for messages. */
  readonly where: string;
}

function describeModel(file: SafetensorsFile, options: SafetensorsLoadOptions): ModelSource {
  const text = file.metadata?.[METADATA_KEY];
  if (text === undefined) {
    if (options.config === undefined) {
      throw new RnnkitError(`${WHERE}: missing, so the file does not say what the model is (written by plain PyTorch?): pass options.config, e.g. { output: 'softmax' } (the cell and the sizes come from the tensors' shapes)`);
    }
    const kind = options.kind ?? 'recurrent-network';
    const config = inferConfig(kind, options.config, file);
    return { kind, config, document: { format: FORMAT, version: VERSION, kind, config }, where: 'options.config' };
  }
  if (options.config !== undefined) {
    throw new RnnkitError(`options.config: this file says what the model is (${WHERE}); options.config is for files without rnnkit metadata`);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new RnnkitError(`${WHERE}: not valid JSON (${(error as Error).message})`);
  }
  if (!isObject(document)) throw new RnnkitError(`${WHERE}: expected a JSON object {format, version, kind, config, metadata}, got ${describe(document)}`);
  for (const key of Object.keys(document)) {
    if (!DOCUMENT_KEYS.includes(key)) throw new RnnkitError(`${WHERE}: unknown key '${key}' (expected ${DOCUMENT_KEYS.join(', ')})`);
  }
  if (document.format !== FORMAT) throw new RnnkitError(`${WHERE}: format: expected "${FORMAT}", got ${describe(document.format)}`);
  if (document.version !== VERSION) throw new RnnkitError(`${WHERE}: version: unsupported version ${describe(document.version)} (this rnnkit reads version ${VERSION})`);
  const kind = document.kind;
  if (kind === 'ffnn') throw new RnnkitError(`${WHERE}: kind: 'ffnn' is not a recurrent model (rnnkit/safetensors holds ${KINDS.map((k) => `'${k}'`).join(' and ')})`);
  if (typeof kind !== 'string' || !(KINDS as string[]).includes(kind)) {
    throw new RnnkitError(`${WHERE}: kind: expected ${KINDS.map((k) => `'${k}'`).join(' or ')}, got ${describe(kind)}`);
  }
  if (options.kind !== undefined && kind !== options.kind) throw new RnnkitError(`${WHERE}: kind: expected '${options.kind}' (options.kind), got '${kind}'`);
  if (!isObject(document.config)) throw new RnnkitError(`${WHERE}: config: expected an object (the ${kind} configuration), got ${describe(document.config)}`);
  return { kind: kind as RecurrentKind, config: document.config, document, where: WHERE };
}

/** The config a plain PyTorch file implies: the caller's options, and the sizes of its tensors. */
function inferConfig(kind: RecurrentKind, given: unknown, file: SafetensorsFile): Record<string, unknown> {
  if (!isObject(given)) throw new RnnkitError(`options.config: expected an object like { output: 'softmax' }, got ${describe(given)}`);
  const allowed = kind === 'elman-rnn' ? ['activation', 'output', 'loss'] : ['cell', 'activation', 'output', 'loss', 'dropout'];
  for (const key of Object.keys(given)) {
    if (!allowed.includes(key)) {
      throw new RnnkitError(`options.config: unknown option '${key}' (known options for ${kind === 'elman-rnn' ? 'an ElmanRNN' : 'a RecurrentNetwork'}: ${allowed.join(', ')}; the sizes come from the tensors' shapes)`);
    }
  }
  const matrix = (name: string): readonly number[] => {
    const entry = file.tensors.get(name);
    if (!entry) throw new RnnkitError(`tensor '${name}': missing (a file without rnnkit metadata must hold PyTorch's tensors: rnn.weight_ih_l0, rnn.weight_hh_l0, …, head.weight, head.bias)`);
    if (entry.shape.length !== 2) throw new RnnkitError(`tensor '${name}': expected a matrix (2 dimensions), got shape [${entry.shape.join(', ')}]`);
    return entry.shape;
  };
  const [rows, hiddenSize] = matrix('rnn.weight_hh_l0') as [number, number];
  const sizes: Record<string, unknown> = {
    hiddenSize, outputSize: matrix('head.weight')[0], initialState: file.tensors.has('h0') ? 'learned' : 'zeros',
  };
  if (kind === 'elman-rnn') return { ...given, inputSize: matrix('rnn.weight_ih_l0')[1], ...sizes };
  let numLayers = 1;
  while (file.tensors.has(`rnn.weight_hh_l${numLayers}`)) numLayers++;
  const embedding = file.tensors.has('embedding.weight') ? matrix('embedding.weight') : undefined;
  const input = embedding ? { vocabularySize: embedding[0], embeddingSize: embedding[1] } : { inputSize: matrix('rnn.weight_ih_l0')[1] };
  let cell = given.cell;
  if (cell === undefined) {
    cell = (Object.keys(GATE_BLOCKS) as CellType[]).find((c) => GATE_BLOCKS[c] * hiddenSize === rows);
    if (cell === undefined) {
      throw new RnnkitError(`tensor 'rnn.weight_hh_l0': shape [${rows}, ${hiddenSize}] is not 1, 4 or 3 blocks of ${hiddenSize} rows (nn.RNN, nn.LSTM, nn.GRU)`);
    }
  }
  return { ...given, cell, ...input, numLayers, ...sizes };
}

/** The config, resolved as the model's constructor resolves it: a field it refuses is named where it came from. */
function resolveConfig(source: ModelSource): Record<string, unknown> {
  try {
    return parameterShapes(source.kind, source.config).config as unknown as Record<string, unknown>;
  } catch (error) {
    if (!(error instanceof RnnkitError)) throw error;
    // parameterShapes's message, without its prefix ("parameterShapes: config: …" or "parameterShapes: hiddenSize: …").
    const inner = (error.cause instanceof Error ? error.cause.message : error.message).replace(/^(ElmanRNN )?config: /, '');
    // "hiddenSize: expected …" names a field of the config; "unknown option 'x' …" is about the config as a whole.
    const at = source.where === WHERE ? `${WHERE}: config` : 'options.config';
    throw new RnnkitError(`${at}${/^[\w.[\]]+: /.test(inner) ? '.' : ': '}${inner}`, { cause: error });
  }
}

function structureOf(kind: RecurrentKind, config: Record<string, unknown>): RecurrentStructure {
  const structure = config as unknown as RecurrentStructure;
  // An ElmanRNN is one Elman layer on vector inputs.
  return kind === 'recurrent-network' ? structure : { ...structure, cell: 'elman', vocabularySize: 0, embeddingSize: 0, numLayers: 1, dropout: 0 };
}

/** The file's tensors are exactly the module's: no unknown name, none missing, every shape the config's. */
function checkTensors(file: SafetensorsFile, expected: readonly TorchTensor[], s: RecurrentStructure, source: ModelSource): void {
  const names = expected.map((t) => t.name), known = new Set(names);
  const listed = names.length <= 12 ? names.join(', ') : `${names.slice(0, 8).join(', ')}, … ${names.at(-1)} (${names.length} in all)`;
  const model = source.kind === 'elman-rnn' ? 'an ElmanRNN' : `a ${s.numLayers}-layer ${CELL_NAMES[s.cell]} network`;
  const note = `${model} with this config (${source.where}) has ${listed}`;
  for (const name of file.tensors.keys()) {
    if (!known.has(name)) throw new RnnkitError(`tensor '${name}': unknown (${note})`);
  }
  for (const { name, shape } of expected) {
    const entry = file.tensors.get(name);
    if (!entry) throw new RnnkitError(`tensor '${name}': missing (${note})`);
    if (entry.shape.length !== shape.length || entry.shape.some((n, i) => n !== shape[i])) {
      const cell = name.startsWith('rnn.') ? `${s.cell === 'gru' ? 'a' : 'an'} ${CELL_NAMES[s.cell]} cell of ${s.hiddenSize} units` : 'this config';
      throw new RnnkitError(`tensor '${name}': expected shape [${shape.join(', ')}] for ${cell} (${source.where}), got [${entry.shape.join(', ')}]`);
    }
  }
}

/** fromJSON's error, said in the file's terms: a parameter by the tensors it came from, anything else where the document came from. */
function located(error: unknown, where: string, sources: Record<string, string>): unknown {
  if (!(error instanceof RnnkitError)) return error;
  const inner = error.cause instanceof Error ? error.cause.message : error.message;
  const parameter = /^parameters\.(\w+)(\[\d+\])?: ([\s\S]*)$/.exec(inner);
  if (parameter && Object.hasOwn(sources, parameter[1]!)) {
    return new RnnkitError(`${parameter[1]}${parameter[2] ?? ''} (from ${sources[parameter[1]!]}): ${parameter[3]}`, { cause: error });
  }
  // The document's own fields (config keys, metadata) sit where the document came from; anything else (a backend) is the caller's.
  return new RnnkitError(/^(config|metadata)\b/.test(inner) ? `${where}: ${inner}` : inner, { cause: error });
}

function checkLoadOptions(options: SafetensorsLoadOptions): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new RnnkitError(`fromSafetensors options: expected an options object, got ${describe(options)}`);
  }
  const known = ['dtype', 'backend', 'kind', 'config'];
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new RnnkitError(`fromSafetensors options: unknown option '${key}' (known options: ${known.join(', ')})`);
  }
  if (options.dtype !== undefined && options.dtype !== 'float32' && options.dtype !== 'float64') {
    throw new RnnkitError(`fromSafetensors options.dtype: expected one of 'float32', 'float64', got ${describe(options.dtype)}`);
  }
  if (options.kind !== undefined && !(KINDS as string[]).includes(options.kind)) {
    throw new RnnkitError(`fromSafetensors options.kind: expected one of ${KINDS.map((k) => `'${k}'`).join(', ')}, got ${describe(options.kind)}`);
  }
  // An unknown backend name fails here, before anything is read.
  if (typeof options.backend === 'string' && options.backend !== 'auto') getBackend(options.backend);
}

/** Prefixes rnnkit's own errors with the public function that was running. */
function withContext<T>(caller: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof RnnkitError) throw new RnnkitError(`${caller}: ${error.message}`, { cause: error });
    throw error;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
