/**
 * Saving and loading models: a versioned JSON document and a compact binary
 * file carrying the same information.
 *
 * JSON (`toJSON` / `fromJSON`):
 *   {"format":"rnnkit","version":1,"kind":"elman-rnn","config":{…},"dtype":"float32",
 *    ["metadata":{…},] "parameters":{"W_in":[…],"W_rec":[…],…}}
 * `metadata` (optional) is the model's own plain-JSON object, e.g. the
 * vocabulary of a character model; files without it are unchanged.
 * `optimizer` (optional, saved with { optimizer: true }) is a checkpoint's
 * optimizer state (optimizer-file.ts); in the binary file its moments follow
 * the parameters.
 * The config holds every resolved choice, keys in a fixed order; parameters
 * come in the model's layout order, each a flat row-major array.
 *
 * Binary (`toBinary` / `fromBinary`), all integers and floats little-endian:
 *   bytes 0–3   "RNNK"
 *   bytes 4–7   u32 format version (1)
 *   bytes 8–11  u32 header length L in bytes
 *   12…12+L     UTF-8 JSON header {"kind","config","dtype","parameters":[{"name","shape":[rows,cols]}…]}
 *   then zero bytes up to a multiple of the value size (4 for float32, 8 for float64),
 *   then every parameter's values, in the header's order, nothing after them.
 *
 * Both are canonical: saving a loaded model reproduces the input byte for byte.
 * Loading checks everything (sizes against the config before allocating anything,
 * every value finite) and only then builds the model, so a bad file never
 * yields a half-loaded model.
 */
import { getBackend, type Backend, type BackendName, type DType } from '../backend/index.js';
import { checkKeys, checkOneOf, describe, fail, RnnkitError } from '../errors.js';
import type { Floats, OptimizerState } from './network.js';
import { jsonMoment, readOptimizerState, restoreOptimizer, savedOptimizer } from './optimizer-file.js';
import { CODECS, type ModelCodec, type ModelKind, type ModelKinds, type ParameterShape, type SavedModel } from './codecs.js';

export type { ModelKind, ModelKinds, ParameterShape, SavedModel } from './codecs.js';

/** The format version this build writes. */
export const FORMAT_VERSION = 1;
/** The format versions this build reads. */
export const READABLE_VERSIONS: readonly number[] = [1];

const FORMAT_NAME = 'rnnkit';
const DOCUMENT_KEYS = ['format', 'version', 'kind', 'config', 'dtype', 'parameters'];
const HEADER_KEYS = ['kind', 'config', 'dtype', 'parameters'];
const DTYPES: readonly DType[] = ['float32', 'float64'];
const BYTES_PER_VALUE: Record<DType, number> = { float32: 4, float64: 8 };
/** "RNNK" in ASCII. */
const MAGIC = [0x52, 0x4e, 0x4e, 0x4b];
/** Magic, version and header length. */
const FIXED_HEADER_BYTES = 12;

/** A codec seen through the registry: any savable model, any config. */
type AnyCodec = ModelCodec<SavedModel, object>;
// Pure: a bundle that never loads a model drops the codecs, and the model classes with them.
const KINDS = /* @__PURE__ */ Object.keys(CODECS) as ModelKind[];

function codecOf(kind: ModelKind): AnyCodec {
  return CODECS[kind];
}

/** The options of toJSON and toBinary. */
export interface SaveOptions {
  /**
   * Also save the optimizer state train() left (settings, step count, epochs
   * done and moments), so that train(model, data, { resume: true }) after
   * loading continues the run. Default false: the weights only.
   */
  optimizer?: boolean;
}

/** The options of fromJSON and fromBinary. */
export interface LoadOptions<K extends ModelKind = ModelKind> {
  /** The loaded model's element type. Default: the saved one. */
  dtype?: DType;
  /** Where the loaded model computes: 'auto', a backend name or a Backend. Default 'auto' (js for float64). */
  backend?: BackendName | 'auto' | Backend;
  /** The kind the file must hold (a file of another kind is refused); also narrows the return type. Default: any kind. */
  kind?: K;
}

/** A model as a versioned JSON document (see the top of this file). */
export function toJSON(model: SavedModel, options: SaveOptions = {}): string {
  return withContext('toJSON', () => writeJSON(model, withOptimizer('toJSON', options)));
}

function writeJSON(model: SavedModel, optimizer: boolean): string {
  const saved = describeModel(model);
  let optimizerPart = '';
  if (optimizer) {
    const { state, moments } = savedOptimizer(model);
    const lists = moments.map((m) => `[${Array.from(m, (v) => formatNumber(v, saved.dtype)).join(',')}]`);
    optimizerPart = `"optimizer":${JSON.stringify({ spec: state.spec, steps: state.steps, epochs: state.epochs }).slice(0, -1)},"moments":[${lists.join(',')}]},`;
  }
  const parameters = saved.shapes.map(({ name }) => {
    const values = savedValues(model, name);
    const numbers = Array.from(values, (v) => formatNumber(v, saved.dtype)).join(',');
    return `${JSON.stringify(name)}:[${numbers}]`;
  });
  // Written by hand rather than JSON.stringify: JSON.stringify turns -0 into 0,
  // and float32 values get their shortest float32 decimal (see formatNumber).
  const head = JSON.stringify({
    format: FORMAT_NAME, version: FORMAT_VERSION, kind: saved.codec.kind, config: saved.config, dtype: saved.dtype,
    ...(model.metadata !== undefined ? { metadata: checkMetadata(model.metadata) } : {}),
  });
  return `${head.slice(0, -1)},${optimizerPart}"parameters":{${parameters.join(',')}}}`;
}

/**
 * A model from toJSON's text, or from that text already parsed (what
 * `import model from './model.json'` gives in a bundler or a Worker). In a
 * parsed document, a parameter's values may also be a Float32Array or a
 * Float64Array; they are checked like an array of numbers.
 */
export function fromJSON<K extends ModelKind>(json: string | object, options: LoadOptions<K> & {
  /** The kind the file must hold (a file of another kind is refused); narrows the return type. */
  kind: K;
}): ModelKinds[K];
export function fromJSON(json: string | object, options?: LoadOptions): SavedModel;
export function fromJSON(json: string | object, options: LoadOptions = {}): SavedModel {
  const target = checkLoadOptions('fromJSON', options);
  return withContext('fromJSON', () => {
    const document = typeof json === 'string' ? parseObject(json, 'text', 'document') : json;
    if (!isObject(document)) fail('json', 'a string from toJSON, or the object it parses to', json);
    checkFormat(document.format);
    checkVersion(document.version);
    checkExactKeys('document', document, DOCUMENT_KEYS, undefined, ['metadata', 'optimizer']);
    const saved = checkDescription(document, target.kind);
    const metadata = document.metadata === undefined ? undefined : checkMetadata(document.metadata);
    const dtype = target.dtype ?? saved.dtype;
    const values = readJsonParameters(document.parameters, saved, dtype);
    let optimizer: { state: OptimizerState; moments: Floats[] } | undefined;
    if (document.optimizer !== undefined) {
      const { state, moments } = readOptimizerState(document.optimizer);
      const lists = (document.optimizer as { moments?: unknown }).moments;
      if (!Array.isArray(lists) || lists.length !== moments) fail('optimizer.moments', `${moments} arrays for ${state.spec.type}`, lists);
      optimizer = { state, moments: lists.map((m, i) => jsonMoment(m, i, valueCount(saved.shapes), dtype)) };
    }
    return withOptimizerState(withMetadata(build(saved, values, dtype, target.backend), metadata), optimizer);
  });
}

/** A model as a compact binary file (see the top of this file). */
export function toBinary(model: SavedModel, options: SaveOptions = {}): Uint8Array {
  return withContext('toBinary', () => writeBinary(model, withOptimizer('toBinary', options)));
}

function writeBinary(model: SavedModel, withState: boolean): Uint8Array {
  const saved = describeModel(model);
  const optimizer = withState ? savedOptimizer(model) : undefined;
  const header = new TextEncoder().encode(JSON.stringify({
    kind: saved.codec.kind,
    config: saved.config,
    dtype: saved.dtype,
    ...(model.metadata !== undefined ? { metadata: checkMetadata(model.metadata) } : {}),
    ...(optimizer ? { optimizer: { spec: optimizer.state.spec, steps: optimizer.state.steps, epochs: optimizer.state.epochs, moments: optimizer.moments.length } } : {}),
    parameters: saved.shapes.map(({ name, rows, cols }) => ({ name, shape: [rows, cols] })),
  }));
  const size = BYTES_PER_VALUE[saved.dtype];
  const start = payloadStart(header.length, saved.dtype);
  const count = valueCount(saved.shapes);
  const bytes = new Uint8Array(start + count * (1 + (optimizer?.moments.length ?? 0)) * size);
  const view = new DataView(bytes.buffer);
  bytes.set(MAGIC, 0);
  view.setUint32(4, FORMAT_VERSION, true);
  view.setUint32(8, header.length, true);
  bytes.set(header, FIXED_HEADER_BYTES);
  let at = start;
  const put = (values: Floats) => {
    for (const v of values) {
      if (saved.dtype === 'float32') view.setFloat32(at, v, true);
      else view.setFloat64(at, v, true);
      at += size;
    }
  };
  for (const { name } of saved.shapes) put(savedValues(model, name));
  optimizer?.moments.forEach(put);
  return bytes;
}

export function fromBinary<K extends ModelKind>(bytes: Uint8Array | ArrayBuffer, options: LoadOptions<K> & {
  /** The kind the file must hold (a file of another kind is refused); narrows the return type. */
  kind: K;
}): ModelKinds[K];
export function fromBinary(bytes: Uint8Array | ArrayBuffer, options?: LoadOptions): SavedModel;
export function fromBinary(bytes: Uint8Array | ArrayBuffer, options: LoadOptions = {}): SavedModel {
  const target = checkLoadOptions('fromBinary', options);
  return withContext('fromBinary', () => {
    const data = asBytes(bytes);
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    checkFixedHeader(data, view);
    const headerLength = view.getUint32(8, true);
    if (FIXED_HEADER_BYTES + headerLength > data.length) {
      throw new RnnkitError(`header length: ${headerLength} bytes from offset ${FIXED_HEADER_BYTES} run past the end of the ${data.length}-byte buffer (truncated?)`);
    }
    const header = parseObject(decodeUtf8(data.subarray(FIXED_HEADER_BYTES, FIXED_HEADER_BYTES + headerLength)), 'header', 'header');
    checkExactKeys('header', header, HEADER_KEYS, undefined, ['metadata', 'optimizer']);
    const saved = checkDescription(header, target.kind);
    const metadata = header.metadata === undefined ? undefined : checkMetadata(header.metadata);
    checkHeaderParameters(header.parameters, saved);
    const state = header.optimizer === undefined ? undefined : readOptimizerState(header.optimizer);
    if (state && (header.optimizer as { moments?: unknown }).moments !== state.moments) {
      fail('optimizer.moments', `${state.moments} (the moment vectors ${state.state.spec.type} keeps)`, (header.optimizer as { moments?: unknown }).moments);
    }
    const start = payloadStart(headerLength, saved.dtype);
    // Sizes first: a crafted config must not make us allocate anything it implies.
    checkPayloadLength(data.length, start, saved, state?.moments ?? 0);
    checkPadding(data, FIXED_HEADER_BYTES + headerLength, start);
    const dtype = target.dtype ?? saved.dtype;
    const values = readBinaryParameters(view, start, saved, dtype);
    let optimizer: { state: OptimizerState; moments: Floats[] } | undefined;
    if (state) {
      const count = valueCount(saved.shapes), size = BYTES_PER_VALUE[saved.dtype];
      const moments = Array.from({ length: state.moments }, (_, m) => {
        const out = allocate(dtype, count), from = start + (1 + m) * count * size;
        for (let i = 0; i < count; i++) {
          const v = saved.dtype === 'float32' ? view.getFloat32(from + i * size, true) : view.getFloat64(from + i * size, true);
          out[i] = v;
          checkStoredFinite(`optimizer.moments[${m}][${i}]`, out[i]!, v, dtype);
        }
        return out;
      });
      optimizer = { state: state.state, moments };
    }
    return withOptimizerState(withMetadata(build(saved, values, dtype, target.backend), metadata), optimizer);
  });
}

/** What parameterShapes returns: a model's configuration and parameters, without the model. */
export interface ModelShapes<K extends ModelKind = ModelKind> {
  /** The configuration with every choice made explicit, keys in the saved order: the model's `config`, as files hold it. */
  config: ModelKinds[K]['config'];
  /** Every parameter's name and shape, in the order toJSON and toBinary save them. */
  parameters: ParameterShape[];
}

/**
 * What a model of this kind and configuration would hold, from the
 * configuration alone (nothing is allocated): the configuration resolved as
 * the kind's constructor resolves it (defaults filled in; a field it would
 * refuse throws the same RnnkitError, naming the field), and every
 * parameter's name and shape. So a file's sizes can be checked against its
 * configuration before anything is loaded (rnnkit/safetensors does).
 *
 *   parameterShapes('recurrent-network', { cell: 'gru', inputSize: 3, hiddenSize: 4, outputSize: 2 }).parameters
 *   // [{ name: 'W_in_l0', rows: 12, cols: 3 }, { name: 'W_rec_l0', rows: 12, cols: 4 }, …, { name: 'b_out', rows: 2, cols: 1 }]
 */
export function parameterShapes<K extends ModelKind>(kind: K, config: object): ModelShapes<K> {
  return withContext('parameterShapes', () => {
    const codec = checkKind(kind, undefined);
    if (!isObject(config)) fail('config', `an object (the ${codec.kind} configuration)`, config);
    const resolved = codec.resolveConfig(config) as Record<string, unknown>;
    const ordered = Object.fromEntries(codec.configKeys.map((k) => [k, resolved[k]])) as unknown as ModelKinds[K]['config'];
    return { config: ordered, parameters: codec.parameterShapes(resolved).map(({ name, rows, cols }) => ({ name, rows, cols })) };
  });
}

// ---- What a file describes ----------------------------------------------------

/** A validated kind, config and dtype, with the parameter shapes they imply. */
interface Description {
  readonly codec: AnyCodec;
  readonly config: object;
  readonly dtype: DType;
  readonly shapes: ParameterShape[];
}

/** The description of a model being saved, checked so the file written can be read back. */
function describeModel(model: SavedModel): Description {
  const codec = KINDS.map(codecOf).find((c) => c.owns(model));
  if (!codec) fail('model', `a model of a savable kind (${KINDS.join(', ')})`, model);
  const config = codec.configOf(model);
  const keys = Object.keys(config);
  if (keys.length !== codec.configKeys.length || !codec.configKeys.every((k) => keys.includes(k))) {
    // A field added to the config but not to the codec would be silently lost.
    throw new Error(`rnnkit internal error: the ${codec.kind} codec saves config keys ${codec.configKeys.join(', ')} but the model's config has ${keys.join(', ')}`);
  }
  const shapes = codec.parameterShapes(config);
  checkLayout(codec, model, shapes);
  const ordered = Object.fromEntries(codec.configKeys.map((k) => [k, (config as Record<string, unknown>)[k]]));
  return { codec, config: ordered, dtype: model.dtype, shapes };
}

/** Kind, dtype and config of a document or header (their keys already checked). */
function checkDescription(source: Record<string, unknown>, expectedKind: ModelKind | undefined): Description {
  const codec = checkKind(source.kind, expectedKind);
  const dtype = checkOneOf('dtype', source.dtype, DTYPES);
  const config = checkConfig(codec, source.config);
  return { codec, config, dtype, shapes: codec.parameterShapes(config) };
}

function checkKind(kind: unknown, expected: ModelKind | undefined): AnyCodec {
  if (typeof kind !== 'string' || !(KINDS as string[]).includes(kind)) {
    throw new RnnkitError(`kind: unknown model kind ${describe(kind)} (known kinds: ${KINDS.map((k) => `'${k}'`).join(', ')})`);
  }
  if (expected !== undefined && kind !== expected) fail('kind', `'${expected}' (options.kind)`, kind);
  return codecOf(kind as ModelKind);
}

/** A saved config has every key of the kind's resolved config and nothing else; its values are checked by the model's own rules. */
function checkConfig(codec: AnyCodec, config: unknown): object {
  if (!isObject(config)) fail('config', `an object (the ${codec.kind} configuration)`, config);
  checkExactKeys('config', config, codec.configKeys, `a saved ${codec.kind} config has exactly ${codec.configKeys.join(', ')}`);
  try {
    return codec.resolveConfig(config);
  } catch (error) {
    // The model's messages name the field ("hiddenSize: …"); say where it sits.
    if (error instanceof RnnkitError) throw new RnnkitError(`config.${error.message}`, { cause: error });
    throw error;
  }
}

function checkFormat(format: unknown): void {
  if (format !== FORMAT_NAME) fail('format', `"${FORMAT_NAME}" (not an rnnkit model document)`, format);
}

function checkVersion(version: unknown): void {
  if (typeof version !== 'number' || !READABLE_VERSIONS.includes(version)) {
    throw new RnnkitError(`version: unsupported version ${describe(version)} (this rnnkit reads version ${READABLE_VERSIONS.join(', ')})`);
  }
}

/** Rejects unknown keys (likely typos or a newer format) and missing ones. */
function checkExactKeys(
  argument: string, object: Record<string, unknown>, keys: readonly string[],
  note = `expected exactly ${keys.join(', ')}`, optional: readonly string[] = [],
): void {
  for (const key of Object.keys(object)) {
    if (!keys.includes(key) && !optional.includes(key)) throw new RnnkitError(`${argument}: unknown key '${key}' (${note})`);
  }
  for (const key of keys) {
    if (!Object.hasOwn(object, key)) throw new RnnkitError(`${argument}: missing key '${key}' (${note})`);
  }
}

/** Missing and unexpected parameter names, with the list the config implies. */
function checkParameterNames(argument: string, names: readonly string[], saved: Description): void {
  const expected = saved.shapes.map((s) => s.name);
  // Sets, not includes(): a crafted file with many names must cost linear time to refuse.
  const given = new Set(names), known = new Set(expected);
  const listed = expected.length <= 12 ? expected.join(', ') : `${expected.slice(0, 8).join(', ')}, … ${expected.at(-1)} (${expected.length} in all)`;
  const note = `an ${saved.codec.kind} with this config has ${listed}`;
  for (const name of expected) {
    if (!given.has(name)) throw new RnnkitError(`${argument}: missing '${name}' (${note})`);
  }
  for (const name of names) {
    if (!known.has(name)) throw new RnnkitError(`${argument}: unexpected '${name}' (${note})`);
  }
}

// ---- Reading values -------------------------------------------------------------

function readJsonParameters(raw: unknown, saved: Description, dtype: DType): Record<string, Floats> {
  if (!isObject(raw)) fail('parameters', 'an object of named arrays of numbers', raw);
  // Keys are unique and their order carries no meaning: names are enough.
  checkParameterNames('parameters', Object.keys(raw), saved);
  const out: Record<string, Floats> = {};
  for (const { name, rows, cols } of saved.shapes) {
    const values = raw[name];
    const count = rows * cols;
    // A parsed document may hold typed arrays (rnnkit/safetensors builds one): read as they are, never via number[].
    if (!isValueList(values) || values.length !== count) fail(`parameters.${name}`, `${count} numbers (${rows}×${cols})`, values);
    const array = allocate(dtype, count);
    for (let i = 0; i < count; i++) {
      const v: unknown = values[i];
      if (typeof v !== 'number') fail(`parameters.${name}[${i}]`, 'a number', v);
      // A float32 document's decimals stand for float32 values (see formatNumber).
      array[i] = saved.dtype === 'float32' ? Math.fround(v) : v;
      checkStoredFinite(`parameters.${name}[${i}]`, array[i]!, v, dtype);
    }
    out[name] = array;
  }
  return out;
}

function readBinaryParameters(view: DataView, start: number, saved: Description, dtype: DType): Record<string, Floats> {
  const size = BYTES_PER_VALUE[saved.dtype];
  const out: Record<string, Floats> = {};
  let at = start;
  for (const { name, rows, cols } of saved.shapes) {
    const array = allocate(dtype, rows * cols);
    for (let i = 0; i < array.length; i++, at += size) {
      const v = saved.dtype === 'float32' ? view.getFloat32(at, true) : view.getFloat64(at, true);
      array[i] = v;
      checkStoredFinite(`parameters.${name}[${i}]`, array[i]!, v, dtype);
    }
    out[name] = array;
  }
  return out;
}

function isValueList(values: unknown): values is ArrayLike<unknown> {
  return Array.isArray(values) || values instanceof Float32Array || values instanceof Float64Array;
}

/** `stored` is the value as the loaded model will hold it: a float64 value may overflow float32. */
function checkStoredFinite(argument: string, stored: number, read: number, dtype: DType): void {
  if (!Number.isFinite(stored)) {
    fail(argument, Number.isFinite(read) ? `a finite number (it overflows ${dtype})` : 'a finite number', read);
  }
}

// ---- Binary framing -------------------------------------------------------------

function asBytes(bytes: unknown): Uint8Array {
  if (bytes instanceof Uint8Array) return bytes;
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  fail('bytes', 'a Uint8Array or ArrayBuffer (from toBinary)', bytes);
}

function checkFixedHeader(data: Uint8Array, view: DataView): void {
  if (data.length < FIXED_HEADER_BYTES) {
    throw new RnnkitError(`truncated: ${data.length} bytes, shorter than the ${FIXED_HEADER_BYTES}-byte start of an rnnkit binary model (magic, version, header length)`);
  }
  if (MAGIC.some((byte, i) => data[i] !== byte)) {
    fail('magic', `the bytes "RNNK" (${hex(MAGIC)}) of an rnnkit binary model`, hex(data.subarray(0, 4)));
  }
  checkVersion(view.getUint32(4, true));
}

/** Values start at the first multiple of their size after the header, so they can be viewed in place. */
function payloadStart(headerLength: number, dtype: DType): number {
  const size = BYTES_PER_VALUE[dtype];
  return Math.ceil((FIXED_HEADER_BYTES + headerLength) / size) * size;
}

function checkHeaderParameters(raw: unknown, saved: Description): void {
  if (!Array.isArray(raw)) fail('parameters', 'an array of {name, shape}', raw);
  const names = raw.map((entry: unknown, i) => {
    if (!isObject(entry)) fail(`parameters[${i}]`, 'an object {name, shape}', entry);
    checkExactKeys(`parameters[${i}]`, entry, ['name', 'shape']);
    if (typeof entry.name !== 'string') fail(`parameters[${i}].name`, 'a string', entry.name);
    return entry.name;
  });
  checkParameterNames('parameters', names, saved);
  // The payload follows this list, so its order matters (and a duplicate would shift everything after it).
  const expected = saved.shapes.map((s) => s.name);
  if (names.length !== expected.length || names.some((name, i) => name !== expected[i])) {
    fail('parameters', `the order ${expected.join(', ')}`, names.join(', '));
  }
  saved.shapes.forEach(({ name, rows, cols }, i) => {
    const shape: unknown = (raw[i] as { shape: unknown }).shape;
    if (!Array.isArray(shape) || shape.length !== 2 || shape[0] !== rows || shape[1] !== cols) {
      fail(`parameters[${i}].shape (${name})`, `[${rows},${cols}] for this config`, Array.isArray(shape) ? `[${shape.join(',')}]` : shape);
    }
  });
}

function checkPayloadLength(total: number, start: number, saved: Description, moments: number): void {
  const count = valueCount(saved.shapes) * (1 + moments);
  const expected = count * BYTES_PER_VALUE[saved.dtype];
  const available = Math.max(0, total - start);
  if (available !== expected) {
    const why = available < expected ? 'truncated?' : `${available - expected} trailing bytes`;
    throw new RnnkitError(`payload: expected ${expected} bytes (${count} ${saved.dtype} values for this config) from offset ${start}, got ${available} (${why})`);
  }
}

function checkPadding(data: Uint8Array, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    if (data[i] !== 0) throw new RnnkitError(`padding: expected zero bytes at offsets ${from}–${to - 1}, got ${data[i]} at offset ${i}`);
  }
}

function decodeUtf8(bytes: Uint8Array): string {
  try {
    // fatal: refuse malformed UTF-8 rather than replace it; ignoreBOM: keep a BOM so it fails as JSON.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new RnnkitError('header: not valid UTF-8');
  }
}

// ---- Building -------------------------------------------------------------------

/** Builds the model only now that every check has passed. */
function build(saved: Description, values: Record<string, Floats>, dtype: DType, backend: Backend | BackendName | 'auto'): SavedModel {
  const model = saved.codec.create(saved.config, { dtype, backend });
  checkLayout(saved.codec, model, saved.shapes);
  model.setParameters(values);
  return model;
}

/** The codec's shapes must be the model's layout, or files would not match the models they describe. */
function checkLayout(codec: AnyCodec, model: SavedModel, shapes: readonly ParameterShape[]): void {
  const actual = model.layout.parameters;
  const same = actual.length === shapes.length && actual.every((p, i) => p.name === shapes[i]!.name && p.rows === shapes[i]!.rows && p.cols === shapes[i]!.cols);
  if (!same) {
    const list = (ps: readonly ParameterShape[]) => ps.map((p) => `${p.name} ${p.rows}×${p.cols}`).join(', ');
    throw new Error(`rnnkit internal error: the ${codec.kind} codec expects parameters ${list(shapes)} but the model has ${list(actual)}`);
  }
}

// ---- Helpers --------------------------------------------------------------------

function checkLoadOptions(caller: string, options: LoadOptions): { dtype: DType | undefined; backend: Backend | BackendName | 'auto'; kind: ModelKind | undefined } {
  checkKeys(`${caller} options`, options, ['dtype', 'backend', 'kind']);
  const dtype = options.dtype === undefined ? undefined : checkOneOf(`${caller} options.dtype`, options.dtype, DTYPES);
  const kind = options.kind === undefined ? undefined : checkOneOf(`${caller} options.kind`, options.kind, KINDS);
  const backend = options.backend ?? 'auto';
  if (typeof backend === 'string') getBackend(backend); // an unknown name fails here, before anything is read
  return { dtype, backend, kind };
}

/** How deep metadata may nest: plenty for a vocabulary or settings, and far from any stack limit. */
const MAX_METADATA_DEPTH = 64;

/** Metadata is a plain JSON object (it went through JSON on the way in or will on the way out). */
function checkMetadata(metadata: unknown): Record<string, unknown> {
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) fail('metadata', 'a plain JSON object', metadata);
  // Depth first, without recursion: JSON.stringify would overflow the stack on deep nesting (a crafted file).
  const pending: [unknown, number][] = [[metadata, 1]];
  while (pending.length > 0) {
    const [value, depth] = pending.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth > MAX_METADATA_DEPTH) fail('metadata', `at most ${MAX_METADATA_DEPTH} levels of nesting`);
    for (const key of Object.keys(value)) pending.push([(value as Record<string, unknown>)[key], depth + 1]);
  }
  const text = JSON.stringify(metadata);
  if (text === undefined) fail('metadata', 'a plain JSON object', metadata);
  return JSON.parse(text) as Record<string, unknown>;
}

function withOptimizer(caller: string, options: SaveOptions): boolean {
  if (options === null || typeof options !== 'object') fail(`${caller} options`, 'an object like { optimizer: true }', options);
  checkKeys(`${caller} options`, options, ['optimizer']);
  const optimizer = options.optimizer ?? false;
  if (typeof optimizer !== 'boolean') fail(`${caller} options.optimizer`, 'a boolean', optimizer);
  return optimizer;
}

function withOptimizerState<M extends SavedModel>(model: M, optimizer: { state: OptimizerState; moments: Floats[] } | undefined): M {
  if (optimizer) restoreOptimizer(model, optimizer.state, optimizer.moments);
  return model;
}

function withMetadata<M extends SavedModel>(model: M, metadata: Record<string, unknown> | undefined): M {
  if (metadata !== undefined) model.metadata = metadata;
  return model;
}

/** Prefixes rnnkit's own errors with the public function that was running. */
function withContext<T>(caller: string, load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (error instanceof RnnkitError) throw new RnnkitError(`${caller}: ${error.message}`, { cause: error });
    throw error;
  }
}

function parseObject(text: string, argument: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new RnnkitError(`${argument}: not valid JSON (${(error as Error).message})`);
  }
  if (!isObject(value)) fail(what, 'a JSON object (an rnnkit model)', value);
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function savedValues(model: SavedModel, name: string): Floats {
  const values = model.getParameter(name);
  for (let i = 0; i < values.length; i++) {
    // JSON has no NaN, and the loader refuses non-finite values: fail now, not at load time.
    if (!Number.isFinite(values[i])) fail(`parameter ${name}[${i}]`, 'a finite number (a diverged model cannot be saved)', values[i]);
  }
  return values;
}

/**
 * The shortest decimal that reads back as exactly the stored value: for
 * float64 JS's own shortest round-trip form; for float32 the shortest decimal
 * whose nearest float32 is the value (0.1, not 0.10000000149011612), which the
 * loader rounds back with Math.fround. -0 stays "-0" (JSON.stringify writes 0).
 */
function formatNumber(value: number, dtype: DType): string {
  if (Object.is(value, -0)) return '-0';
  if (dtype === 'float64') return String(value);
  return String(shortestFloat32Decimal(value));
}

/**
 * The fewest significant digits that identify a float32 (nine always do).
 * "p digits identify it" holds for every p from some p* up to 9 — the nearest
 * (p+1)-digit decimal is at least as close as the nearest p-digit one, and the
 * decimals rounding to a float32 form an interval symmetric about it (except at
 * powers of two, which the test suite checks one by one) — so we can scan down
 * from 8 and stop at the first failure. Trained weights mostly need 8 or 9
 * digits, so this usually takes two or three tries.
 */
function shortestFloat32Decimal(value: number): number {
  if (value === 0) return 0;
  let shortest = Number(value.toPrecision(9));
  for (let digits = 8; digits >= 1; digits--) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) !== value) break;
    shortest = candidate;
  }
  return shortest;
}

function allocate(dtype: DType, length: number): Floats {
  return dtype === 'float64' ? new Float64Array(length) : new Float32Array(length);
}

function valueCount(shapes: readonly ParameterShape[]): number {
  return shapes.reduce((n, s) => n + s.rows * s.cols, 0);
}

function hex(bytes: ArrayLike<number>): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}
