import { describe, expect, it } from 'vitest';
import {
  ElmanRNN, FeedForwardNetwork, Random, RecurrentNetwork, RnnkitError, computeGradients, fromJSON, sequenceBatch, toJSON,
  type RecurrentNetworkConfig, type SavedModel,
} from '../src/index.js';
import { fromSafetensors, toSafetensors } from '../src/safetensors/index.js';

/*
 * rnnkit/safetensors in rnnkit's own terms: what it writes (PyTorch's names
 * and shapes, the bias mapping, the metadata), that reading gives back the
 * model bit for bit, and that a bad or crafted file is refused with an
 * RnnkitError naming the tensor or field, before anything the file claims is
 * allocated. Files are taken apart and put together here by a codec of the
 * test's own (below), not by the one under test.
 */

// ---- The test's own safetensors codec --------------------------------------------------

interface Entry { dtype: string; shape: number[]; data_offsets: [number, number] }
interface Parsed { header: Record<string, Entry> & { __metadata__?: Record<string, string> }; data: Uint8Array }

function parse(bytes: Uint8Array): Parsed {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  return { header: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))), data: bytes.slice(8 + n) };
}

/** A file from a header (written as given, then padded with `pad` spaces) and data; `length` overrides the header length field. */
function assemble(header: object, data: Uint8Array, { pad = 0, length }: { pad?: number; length?: bigint } = {}): Uint8Array {
  const text = new TextEncoder().encode(JSON.stringify(header) + ' '.repeat(pad));
  const bytes = new Uint8Array(8 + text.length + data.length);
  new DataView(bytes.buffer).setBigUint64(0, length ?? BigInt(text.length), true);
  bytes.set(text, 8);
  bytes.set(data, 8 + text.length);
  return bytes;
}

/** An rnnkit-written file, changed: the header edited in place, the data replaced if the edit returns new data. */
function edit(bytes: Uint8Array, change: (header: Parsed['header'], data: Uint8Array) => Uint8Array | void): Uint8Array {
  const { header, data } = parse(bytes);
  return assemble(header, change(header, data) ?? data);
}

/** The rnnkit document in __metadata__.rnnkit, changed. */
function editDocument(bytes: Uint8Array, change: (document: Record<string, any>) => void): Uint8Array {
  return edit(bytes, (header) => {
    const document = JSON.parse(header.__metadata__!.rnnkit!);
    change(document);
    header.__metadata__!.rnnkit = JSON.stringify(document);
  });
}

/** Tensors as PyTorch would save them (F64 or F32, in this order), with optional metadata: a file no rnnkit wrote. */
function torchFile(tensors: Record<string, { shape: number[]; values: ArrayLike<number> }>, dtype: 'F64' | 'F32' = 'F64', metadata?: Record<string, string>): Uint8Array {
  const size = dtype === 'F64' ? 8 : 4;
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const [name, { shape, values }] of Object.entries(tensors)) {
    header[name] = { dtype, shape, data_offsets: [offset, offset + values.length * size] };
    offset += values.length * size;
  }
  const data = new Uint8Array(offset), view = new DataView(data.buffer);
  offset = 0;
  for (const { values } of Object.values(tensors)) {
    for (let i = 0; i < values.length; i++, offset += size) {
      if (dtype === 'F64') view.setFloat64(offset, values[i]!, true);
      else view.setFloat32(offset, values[i]!, true);
    }
  }
  return assemble(header, data);
}

/** A tensor's values as the file stores them (F64 or F32). */
function values(bytes: Uint8Array, name: string): number[] {
  const { header, data } = parse(bytes), { dtype, data_offsets: [begin, end] } = header[name]!;
  const view = new DataView(data.buffer, begin, end - begin), size = dtype === 'F64' ? 8 : 4;
  return Array.from({ length: (end - begin) / size }, (_, i) => (size === 8 ? view.getFloat64(i * 8, true) : view.getFloat32(i * 4, true)));
}

// ---- Models ----------------------------------------------------------------------------

/** A model with every parameter random (biases, h0 and c0 too, so the bias mapping shows), and some -0s. */
function randomized<M extends SavedModel>(model: M, seed: number): M {
  const random = new Random(seed);
  const values = model.parameters();
  for (const name of model.parameterNames) values[name] = values[name]!.map((_, i) => (i === 1 ? -0 : random.gaussian()));
  model.setParameters(values);
  return model;
}

const network = (config: RecurrentNetworkConfig, seed = 1) => randomized(new RecurrentNetwork({ seed, ...config }), seed);

const MODELS: [string, () => ElmanRNN | RecurrentNetwork][] = [
  ['a 1-layer LSTM', () => network({ cell: 'lstm', inputSize: 3, hiddenSize: 4, outputSize: 2 })],
  ['a 2-layer LSTM, embedding, learned h0 and c0, softmax, float64', () => network({
    cell: 'lstm', vocabularySize: 6, embeddingSize: 3, hiddenSize: 4, numLayers: 2, dropout: 0.25, outputSize: 6, output: 'softmax',
    initialState: 'learned', dtype: 'float64',
  })],
  ['a 2-layer GRU, learned h0, sigmoid', () => network({ cell: 'gru', inputSize: 2, hiddenSize: 3, numLayers: 2, outputSize: 2, output: 'sigmoid', initialState: 'learned' })],
  ['a 3-layer relu Elman network with an embedding', () => network({ cell: 'elman', activation: 'relu', vocabularySize: 4, embeddingSize: 2, hiddenSize: 3, numLayers: 3, outputSize: 1 })],
  ['an ElmanRNN (identity σ, learned h0)', () => randomized(new ElmanRNN({ inputSize: 2, hiddenSize: 3, outputSize: 2, activation: 'identity', initialState: 'learned' }), 4)],
  ['an ElmanRNN (sigmoid σ, float64)', () => randomized(new ElmanRNN({ inputSize: 2, hiddenSize: 3, outputSize: 1, activation: 'sigmoid', dtype: 'float64' }), 5)],
];

/** Exact comparison, bit for bit: toEqual would treat -0 and 0 alike. */
const bits = (values: ArrayLike<number>) => Array.from(values, (v) => (Object.is(v, -0) ? '-0' : String(v)));

function expectSameModel(loaded: SavedModel, original: SavedModel): void {
  expect(loaded.constructor).toBe(original.constructor);
  expect(loaded.config).toEqual(original.config);
  expect(loaded.dtype).toBe(original.dtype);
  expect(loaded.parameterNames).toEqual(original.parameterNames);
  for (const name of original.parameterNames) expect(bits(loaded.getParameter(name)), name).toEqual(bits(original.getParameter(name)));
}

// ---- What it writes ------------------------------------------------------------------------

describe('toSafetensors', () => {
  it('writes the tensors of the PyTorch module, with their names and shapes', () => {
    const model = network({ cell: 'gru', vocabularySize: 7, embeddingSize: 3, hiddenSize: 4, numLayers: 2, outputSize: 5, initialState: 'learned' });
    const { header } = parse(toSafetensors(model));
    const shapes = Object.fromEntries(Object.entries(header).filter(([k]) => k !== '__metadata__').map(([k, v]) => [k, (v as Entry).shape]));
    expect(shapes).toEqual({
      'embedding.weight': [7, 3],
      'rnn.weight_ih_l0': [12, 3], 'rnn.weight_hh_l0': [12, 4], 'rnn.bias_ih_l0': [12], 'rnn.bias_hh_l0': [12],
      'rnn.weight_ih_l1': [12, 4], 'rnn.weight_hh_l1': [12, 4], 'rnn.bias_ih_l1': [12], 'rnn.bias_hh_l1': [12],
      'head.weight': [5, 4], 'head.bias': [5], h0: [2, 4],
    });
    expect(Object.values(header).filter((v) => 'dtype' in v).map((v) => (v as Entry).dtype)).toEqual(Array(12).fill('F32'));
  });

  it('maps b_rec to bias_ih and writes bias_hh as −0, but GRU\'s n block, which is b_hn; learned states stack by layer', () => {
    for (const cell of ['lstm', 'gru', 'elman'] as const) {
      const model = network({ cell, inputSize: 2, hiddenSize: 3, numLayers: 2, outputSize: 1, initialState: 'learned', dtype: 'float64' });
      const bytes = toSafetensors(model), G = { elman: 1, lstm: 4, gru: 3 }[cell] * 3;
      for (const l of [0, 1]) {
        expect(values(bytes, `rnn.weight_ih_l${l}`)).toEqual(Array.from(model.getParameter(`W_in_l${l}`)));
        expect(values(bytes, `rnn.weight_hh_l${l}`)).toEqual(Array.from(model.getParameter(`W_rec_l${l}`)));
        expect(bits(values(bytes, `rnn.bias_ih_l${l}`))).toEqual(bits(model.getParameter(`b_rec_l${l}`)));
        const hidden = cell === 'gru' ? [...Array(6).fill(-0), ...model.getParameter(`b_hn_l${l}`)] : Array(G).fill(-0);
        expect(bits(values(bytes, `rnn.bias_hh_l${l}`))).toEqual(bits(hidden));
      }
      expect(values(bytes, 'h0')).toEqual([...model.getParameter('h0_l0'), ...model.getParameter('h0_l1')]);
      if (cell === 'lstm') expect(values(bytes, 'c0')).toEqual([...model.getParameter('c0_l0'), ...model.getParameter('c0_l1')]);
      else expect(parse(bytes).header.c0).toBeUndefined();
      expect(values(bytes, 'head.weight')).toEqual(Array.from(model.getParameter('W_out')));
    }
  });

  it('an ElmanRNN gets the same PyTorch names (one layer), and kind elman-rnn with its own config in the metadata', () => {
    const model = randomized(new ElmanRNN({ inputSize: 2, hiddenSize: 3, outputSize: 1, activation: 'relu', initialState: 'learned' }), 2);
    const bytes = toSafetensors(model), { header } = parse(bytes);
    expect(Object.keys(header)).toEqual(['__metadata__', 'rnn.weight_ih_l0', 'rnn.weight_hh_l0', 'rnn.bias_ih_l0', 'rnn.bias_hh_l0', 'head.weight', 'head.bias', 'h0']);
    expect(values(bytes, 'rnn.weight_hh_l0')).toEqual(Array.from(model.getParameter('W_rec')));
    expect(values(bytes, 'h0')).toEqual(Array.from(model.getParameter('h0')));
    expect(JSON.parse(header.__metadata__!.rnnkit!)).toEqual({
      format: 'rnnkit', version: 1, kind: 'elman-rnn', config: JSON.parse(toJSON(model)).config,
    });
  });

  it('puts the config, keys in toJSON\'s order, and the model\'s metadata in __metadata__.rnnkit; the data starts 8-aligned', () => {
    const model = network({ cell: 'lstm', inputSize: 2, hiddenSize: 3, outputSize: 2, output: 'softmax' });
    model.metadata = { vocabulary: ['a', 'b'], note: { nested: [1, 2] } };
    const bytes = toSafetensors(model), { header } = parse(bytes);
    const saved = JSON.parse(toJSON(model));
    expect(Object.keys(header.__metadata__!)).toEqual(['rnnkit']);
    expect(header.__metadata__!.rnnkit).toBe(JSON.stringify({ format: 'rnnkit', version: 1, kind: 'recurrent-network', config: saved.config, metadata: saved.metadata }));
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
    expect(new TextDecoder().decode(bytes.subarray(8, 8 + n))).toMatch(/^\{.*\} *$/);
  });

  it('refuses a feed-forward network, a diverged model and metadata that is not plain JSON', () => {
    expect(() => toSafetensors(new FeedForwardNetwork({ layerSizes: [2, 2, 1] }) as never))
      .toThrow(/^toSafetensors: model: a FeedForwardNetwork has no recurrent PyTorch counterpart .*save it with toJSON or toBinary$/);
    expect(() => toSafetensors({} as never)).toThrow(/^toSafetensors: model: expected an ElmanRNN or a RecurrentNetwork of 'rnnkit', got an object$/);
    const model = network({ cell: 'gru', inputSize: 2, hiddenSize: 2, outputSize: 1 });
    // What a diverged step leaves in the arena (setParameter would refuse NaN).
    model.workspace.mem[model.block.params + model.layout.find('b_hn_l0')!.offset + 1] = NaN;
    expect(() => toSafetensors(model)).toThrow(/^toSafetensors: parameter b_hn_l0\[1\]: expected a finite number \(a diverged model cannot be saved\), got NaN$/);
    const elman = new ElmanRNN({ inputSize: 1, hiddenSize: 1, outputSize: 1 });
    elman.metadata = ['a'] as never;
    expect(() => toSafetensors(elman)).toThrow(/^toSafetensors: metadata: expected a plain JSON object, got an array of length 1$/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    elman.metadata = cyclic;
    expect(() => toSafetensors(elman)).toThrow(/^toSafetensors: metadata: expected a plain JSON object \(.*circular/);
    elman.metadata = { big: 'x'.repeat(17 * 1024 * 1024) };
    expect(() => toSafetensors(elman)).toThrow(/^toSafetensors: metadata: the header would take \d+ bytes, more than the 16777216 \(16 MiB\) fromSafetensors reads$/);
  });
});

// ---- Reading it back -----------------------------------------------------------------------

describe('fromSafetensors of what toSafetensors wrote', () => {
  for (const [what, make] of MODELS) {
    it(`${what}: the same model bit for bit, -0 included; saved again, the same bytes`, () => {
      const model = make();
      model.metadata = { vocabulary: ['x', 'y'] };
      const bytes = toSafetensors(model);
      const loaded = fromSafetensors(bytes);
      expectSameModel(loaded, model);
      expect(loaded.metadata).toEqual({ vocabulary: ['x', 'y'] });
      expect(Buffer.from(toSafetensors(loaded)).equals(Buffer.from(bytes))).toBe(true);
      // The same model as through toJSON (fromSafetensors builds through fromJSON).
      expect(toJSON(loaded)).toBe(toJSON(fromJSON(toJSON(model))));
    });
  }

  it('reads an ArrayBuffer, and a Uint8Array that is a view at an odd offset of a larger buffer', () => {
    const model = MODELS[1]![1]();
    const bytes = toSafetensors(model);
    expectSameModel(fromSafetensors(bytes.slice().buffer), model);
    const larger = new Uint8Array(bytes.length + 7);
    larger.set(bytes, 3);
    expectSameModel(fromSafetensors(larger.subarray(3, 3 + bytes.length)), model);
  });

  it('takes dtype, backend and kind as fromBinary does', () => {
    const model = network({ cell: 'lstm', inputSize: 2, hiddenSize: 3, outputSize: 2, dtype: 'float64' });
    const bytes = toSafetensors(model);
    const narrowed = fromSafetensors(bytes, { dtype: 'float32', backend: 'js' });
    expect(narrowed.dtype).toBe('float32');
    expect(narrowed.backend.name).toBe('js');
    expect(Array.from(narrowed.getParameter('W_rec_l0'))).toEqual(Array.from(Float32Array.from(model.getParameter('W_rec_l0'))));
    const typed: RecurrentNetwork = fromSafetensors(bytes, { kind: 'recurrent-network' });
    expect(typed).toBeInstanceOf(RecurrentNetwork);
    const elman: ElmanRNN = fromSafetensors(toSafetensors(new ElmanRNN({ inputSize: 1, hiddenSize: 2, outputSize: 1 })), { kind: 'elman-rnn' });
    expect(elman).toBeInstanceOf(ElmanRNN);
    expect(() => fromSafetensors(bytes, { kind: 'elman-rnn' })).toThrow(/^fromSafetensors: __metadata__\.rnnkit: kind: expected 'elman-rnn' \(options\.kind\), got 'recurrent-network'$/);
    expect(() => fromSafetensors(bytes, { kind: 'ffnn' as never })).toThrow(/^fromSafetensors options\.kind: expected one of 'elman-rnn', 'recurrent-network', got "ffnn"$/);
    expect(() => fromSafetensors(bytes, { dtype: 'float16' as never })).toThrow(/^fromSafetensors options\.dtype: expected one of 'float32', 'float64', got "float16"$/);
    expect(() => fromSafetensors(bytes, { backend: 'gpu' as never })).toThrow(/^backend: expected one of 'auto', 'wasm-simd', 'wasm-scalar', 'js', got "gpu"$/);
    expect(() => fromSafetensors(bytes, { device: 'cpu' } as never)).toThrow(/^fromSafetensors options: unknown option 'device' \(known options: dtype, backend, kind, config\)$/);
    expect(() => fromSafetensors(bytes, { config: { output: 'softmax' } }))
      .toThrow(/^fromSafetensors: options\.config: this file says what the model is \(__metadata__\.rnnkit\); options\.config is for files without rnnkit metadata$/);
  });

  it('reads a header padded with spaces, or not at all, and tensors listed in any order', () => {
    const model = MODELS[2]![1]();
    const { header, data } = parse(toSafetensors(model));
    const reversed = Object.fromEntries(Object.entries(header).reverse());
    for (const pad of [0, 1, 13]) expectSameModel(fromSafetensors(assemble(reversed, data, { pad })), model);
  });
});

// ---- Files PyTorch wrote, without rnnkit metadata ----------------------------------------

describe('fromSafetensors of a file without rnnkit metadata (plain PyTorch), given what the model is', () => {
  /** A file PyTorch would write for this model: the tensors of its state_dict, bias_hh not zero. */
  function plainFile(model: ElmanRNN | RecurrentNetwork, dtype: 'F64' | 'F32' = 'F64', metadata?: Record<string, string>) {
    const { header } = parse(toSafetensors(model)), bytes = toSafetensors(model), random = new Random(9);
    const tensors: Record<string, { shape: number[]; values: number[] }> = {};
    for (const [name, entry] of Object.entries(header)) {
      if (name === '__metadata__') continue;
      tensors[name] = { shape: (entry as Entry).shape, values: values(bytes, name) };
    }
    // PyTorch's biases are two: split each b_rec into bias_ih + bias_hh (the GRU's n block stays as it is).
    for (const name of Object.keys(tensors).filter((n) => n.startsWith('rnn.bias_ih_'))) {
      const hidden = tensors[name.replace('_ih_', '_hh_')]!, gru = model.structure.cell === 'gru', r = model.hiddenSize;
      tensors[name]!.values = tensors[name]!.values.map((v, i) => {
        if (gru && i >= 2 * r) return v;
        const part = random.uniform(-1, 1);
        hidden.values[i] = part;
        return v - part;
      });
    }
    return { bytes: torchFile(tensors, dtype, metadata), tensors };
  }

  it('infers the cell and the sizes from the shapes, sums bias_ih + bias_hh, and computes what the model computes', () => {
    const cases: [RecurrentNetworkConfig, object][] = [
      [{ cell: 'lstm', vocabularySize: 5, embeddingSize: 3, hiddenSize: 4, numLayers: 2, outputSize: 5, output: 'softmax', initialState: 'learned', dtype: 'float64' }, { output: 'softmax' }],
      [{ cell: 'gru', inputSize: 3, hiddenSize: 2, outputSize: 1, output: 'sigmoid', dtype: 'float64' }, { cell: 'gru', output: 'sigmoid' }],
      [{ cell: 'elman', activation: 'relu', inputSize: 2, hiddenSize: 3, numLayers: 2, outputSize: 2, initialState: 'learned', dtype: 'float64' }, { activation: 'relu', dropout: 0 }],
    ];
    for (const [config, given] of cases) {
      const model = network(config, 3);
      const loaded = fromSafetensors(plainFile(model).bytes, { config: given }) as RecurrentNetwork;
      expect(loaded.config).toEqual(model.config);
      expect(loaded.metadata).toBeUndefined();
      for (const name of model.parameterNames) {
        const got = loaded.getParameter(name), want = model.getParameter(name);
        for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i]!, 14);
      }
      const tokens = config.vocabularySize !== undefined;
      const batch = tokens
        ? sequenceBatch({ tokens: [[1, 4, 0], [2, 3, 3]], targets: [[0, 1, 2], [3, 4, 0]] })
        : sequenceBatch({ inputs: [[[0.5, -1, 2].slice(0, model.inputSize), [1, 0, -0.5].slice(0, model.inputSize)]], targets: [[Array(model.outputSize).fill(0.25), Array(model.outputSize).fill(0.75)]] });
      const a = computeGradients(model, batch), b = computeGradients(loaded, batch);
      expect(b.loss).toBeCloseTo(a.loss, 12);
    }
  });

  it('loads an ElmanRNN with kind elman-rnn, a float32 file as float32, and keeps other metadata out of the model', () => {
    const model = randomized(new ElmanRNN({ inputSize: 2, hiddenSize: 3, outputSize: 2, activation: 'tanh' }), 6);
    const { bytes } = plainFile(model, 'F32', { format: 'pt' });
    const loaded = fromSafetensors(bytes, { kind: 'elman-rnn', config: {} });
    expect(loaded).toBeInstanceOf(ElmanRNN);
    expect(loaded.dtype).toBe('float32');
    expect(loaded.config).toEqual(model.config);
    expect(loaded.metadata).toBeUndefined();
    expect(() => fromSafetensors(bytes, { kind: 'elman-rnn', config: { cell: 'elman' } }))
      .toThrow(/^fromSafetensors: options\.config: unknown option 'cell' \(known options for an ElmanRNN: activation, output, loss; the sizes come from the tensors' shapes\)$/);
  });

  it('refuses without a config, a config that contradicts the shapes, sizes in the config, and tensors it cannot place', () => {
    const model = network({ cell: 'lstm', inputSize: 3, hiddenSize: 4, outputSize: 2, dtype: 'float64' });
    const { bytes, tensors } = plainFile(model);
    expect(() => fromSafetensors(bytes)).toThrow(/^fromSafetensors: __metadata__\.rnnkit: missing, so the file does not say what the model is \(written by plain PyTorch\?\): pass options\.config/);
    expect(() => fromSafetensors(bytes, { config: { cell: 'gru' } }))
      .toThrow(/^fromSafetensors: tensor 'rnn\.weight_ih_l0': expected shape \[12, 3\] for a GRU cell of 4 units \(options\.config\), got \[16, 3\]$/);
    expect(() => fromSafetensors(bytes, { config: { activation: 'relu' } })).toThrow(/^fromSafetensors: options\.config\.activation: the lstm cell's nonlinearities are fixed/);
    expect(() => fromSafetensors(bytes, { config: { hiddenSize: 4 } as never })).toThrow(/^fromSafetensors: options\.config: unknown option 'hiddenSize' \(known options for a RecurrentNetwork: cell, activation, output, loss, dropout; the sizes come from the tensors' shapes\)$/);
    expect(() => fromSafetensors(bytes, { config: { dropout: 0.5 } })).toThrow(/^fromSafetensors: options\.config\.dropout: it acts between stacked layers/);
    expect(() => fromSafetensors(bytes, { config: 'lstm' as never })).toThrow(/^fromSafetensors: options\.config: expected an object like \{ output: 'softmax' \}, got "lstm"$/);
    const { 'head.weight': _, ...headless } = tensors;
    expect(() => fromSafetensors(torchFile(headless), { config: {} })).toThrow(/^fromSafetensors: tensor 'head\.weight': missing \(a file without rnnkit metadata must hold PyTorch's tensors/);
    const odd = { ...tensors, 'rnn.weight_hh_l0': { shape: [10, 4], values: Array(40).fill(0) } };
    expect(() => fromSafetensors(torchFile(odd), { config: {} })).toThrow(/^fromSafetensors: tensor 'rnn\.weight_hh_l0': shape \[10, 4\] is not 1, 4 or 3 blocks of 4 rows \(nn\.RNN, nn\.LSTM, nn\.GRU\)$/);
    const bidirectional = { ...tensors, 'rnn.weight_ih_l0_reverse': tensors['rnn.weight_ih_l0']! };
    expect(() => fromSafetensors(torchFile(bidirectional), { config: {} }))
      .toThrow(/^fromSafetensors: tensor 'rnn\.weight_ih_l0_reverse': unknown \(a 1-layer LSTM network with this config \(options\.config\) has rnn\.weight_ih_l0, rnn\.weight_hh_l0, rnn\.bias_ih_l0, rnn\.bias_hh_l0, head\.weight, head\.bias\)$/);
    // A learned c0 without h0 is not one of these modules'.
    expect(() => fromSafetensors(torchFile({ ...tensors, c0: { shape: [1, 4], values: [0, 0, 0, 0] } }), { config: {} })).toThrow(/^fromSafetensors: tensor 'c0': unknown/);
  });
});

// ---- Hardening -----------------------------------------------------------------------------

/** The error fromSafetensors throws for these bytes: an RnnkitError, or the test fails. */
function refusal(bytes: Uint8Array, options?: Parameters<typeof fromSafetensors>[1]): string {
  let thrown: unknown;
  try {
    fromSafetensors(bytes, options);
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'an RnnkitError').toBeInstanceOf(RnnkitError);
  return (thrown as Error).message;
}

/**
 * The largest typed array or ArrayBuffer made while `run` runs, in bytes: the
 * global constructors are swapped for subclasses that record what is asked of them.
 */
function largestAllocation(run: () => void): number {
  let largest = 0;
  const record = (bytes: number) => { largest = Math.max(largest, Number.isFinite(bytes) ? bytes : Infinity); };
  // Not Uint8Array: the file itself is one, and `instanceof` must still know it.
  const originals = { Float32Array, Float64Array, Uint32Array, ArrayBuffer };
  const spy = <T extends new (...a: any[]) => any>(Base: T, size: number) => class extends Base {
    constructor(...args: any[]) {
      if (typeof args[0] === 'number') record(args[0] * size);
      super(...args);
    }
  };
  const g = globalThis as Record<string, unknown>;
  Object.assign(g, {
    Float32Array: spy(Float32Array, 4), Float64Array: spy(Float64Array, 8), Uint32Array: spy(Uint32Array, 4), ArrayBuffer: spy(ArrayBuffer, 1),
  });
  try {
    run();
  } finally {
    Object.assign(g, originals);
  }
  return largest;
}

describe('fromSafetensors refuses a bad or crafted file, naming what is wrong', () => {
  const model = network({ cell: 'lstm', inputSize: 3, hiddenSize: 4, numLayers: 2, outputSize: 2, initialState: 'learned' });
  const good = toSafetensors(model);

  it('a header length beyond the buffer, absurd (2^53), or over the 16 MiB bound', () => {
    const { header, data } = parse(good), size = assemble(header, data).length;
    expect(refusal(assemble(header, data, { length: BigInt(size) })))
      .toBe(`fromSafetensors: header length: ${size} bytes from offset 8 run past the end of the ${size}-byte buffer (truncated?)`);
    expect(refusal(good.subarray(0, 100))).toMatch(/^fromSafetensors: header length: \d+ bytes from offset 8 run past the end of the 100-byte buffer/);
    expect(refusal(assemble(header, data, { length: 2n ** 53n }))).toMatch(/^fromSafetensors: header length: 9007199254740992 bytes, more than the 16777216 \(16 MiB\) a header may take/);
    expect(refusal(assemble(header, data, { length: 2n ** 64n - 1n }))).toMatch(/^fromSafetensors: header length: 18446744073709552000 bytes, more than/);
    expect(refusal(good.subarray(0, 7))).toBe('fromSafetensors: truncated: 7 bytes, shorter than the 8-byte header length that starts a safetensors file');
    // A real header, valid but for its size: spaces pad it past the bound (a naive reader parses it and loads the model).
    const padded = assemble(header, data, { pad: 16 * 1024 * 1024 });
    expect(refusal(padded)).toMatch(/^fromSafetensors: header length: 1677\d{4} bytes, more than the 16777216 \(16 MiB\) a header may take/);
    expectSameModel(fromSafetensors(assemble(header, data, { pad: 1024 * 1024 })), model);
  });

  it('a header that is not a JSON object of entries', () => {
    const text = (s: string) => { const t = new TextEncoder().encode(s), b = new Uint8Array(8 + t.length); new DataView(b.buffer).setUint32(0, t.length, true); b.set(t, 8); return b; };
    expect(refusal(text('{"a": '))).toMatch(/^fromSafetensors: header: not valid JSON \(/);
    expect(refusal(text('[1, 2]'))).toBe('fromSafetensors: header: expected a JSON object of tensors, got an array of length 2');
    expect(refusal(new Uint8Array([2, 0, 0, 0, 0, 0, 0, 0, 0xc3, 0x28]))).toBe('fromSafetensors: header: not valid UTF-8');
    expect(refusal(text('{"__metadata__": {"rnnkit": 1}}'))).toBe('fromSafetensors: __metadata__.rnnkit: expected a string (safetensors metadata maps strings to strings), got 1');
    expect(refusal(edit(good, (h) => { (h['head.bias'] as any).device = 'cuda'; }))).toBe("fromSafetensors: tensor 'head.bias': unknown key 'device' (expected dtype, shape, data_offsets)");
    expect(refusal(edit(good, (h) => { (h as any)['head.bias'] = [1]; }))).toBe("fromSafetensors: tensor 'head.bias': expected {dtype, shape, data_offsets}, got an array of length 1");
  });

  it('an unknown tensor name, and a missing tensor', () => {
    const renamed = edit(good, (h) => { h['rnn.weight_hh_l1_reverse'] = h['rnn.weight_hh_l1']!; delete h['rnn.weight_hh_l1']; });
    expect(refusal(renamed)).toMatch(/^fromSafetensors: tensor 'rnn\.weight_hh_l1_reverse': unknown \(a 2-layer LSTM network with this config \(__metadata__\.rnnkit\) has rnn\.weight_ih_l0, rnn\.weight_hh_l0, rnn\.bias_ih_l0, rnn\.bias_hh_l0, rnn\.weight_ih_l1, rnn\.weight_hh_l1, rnn\.bias_ih_l1, rnn\.bias_hh_l1, head\.weight, head\.bias, h0, c0\)$/);
    // c0 dropped, and its bytes with it (it is the last tensor): the file is well formed but for the missing tensor.
    const missing = edit(good, (h, data) => { const [begin] = h.c0!.data_offsets; delete h.c0; return data.slice(0, begin); });
    expect(refusal(missing)).toMatch(/^fromSafetensors: tensor 'c0': missing \(a 2-layer LSTM network with this config/);
    const proto = edit(good, (h) => { Object.defineProperty(h, '__proto__', { value: h.c0, enumerable: true }); delete h.c0; });
    expect(refusal(proto)).toMatch(/^fromSafetensors: tensor '__proto__': unknown/);
  });

  it('a wrong shape, or a wrong dtype string', () => {
    expect(refusal(edit(good, (h) => { h['rnn.weight_hh_l1']!.shape = [4, 16]; })))
      .toBe("fromSafetensors: tensor 'rnn.weight_hh_l1': expected shape [16, 4] for an LSTM cell of 4 units (__metadata__.rnnkit), got [4, 16]");
    expect(refusal(edit(good, (h) => { h['head.bias']!.shape = [2, 1]; })))
      .toBe("fromSafetensors: tensor 'head.bias': expected shape [2] for this config (__metadata__.rnnkit), got [2, 1]");
    expect(refusal(edit(good, (h) => { h['head.bias']!.shape = [2.5] as never; }))).toBe("fromSafetensors: tensor 'head.bias': shape: expected an array of integers ≥ 0, got an array of length 1");
    for (const dtype of ['I64', 'f32', 'F8_E4M3', 'BOOL']) {
      expect(refusal(edit(good, (h) => { h['head.bias']!.dtype = dtype; })))
        .toBe(`fromSafetensors: tensor 'head.bias': dtype: expected one of 'F64', 'F32', 'F16', 'BF16' (floating point; F16 and BF16 are converted exactly to float32), got "${dtype}"`);
    }
    // F64 where F32 was written: the byte count no longer fits the shape.
    expect(refusal(edit(good, (h) => { h['head.bias']!.dtype = 'F64'; })))
      .toMatch(/^fromSafetensors: tensor 'head\.bias': data_offsets \[\d+, \d+\] hold 8 bytes, but shape \[2\] of F64 needs 16 bytes$/);
  });

  it('overlapping, out-of-bounds, gapped, unordered-to-the-end or trailing offsets', () => {
    const offsets = (name: string, f: (o: [number, number]) => [number, number]) => edit(good, (h) => { h[name]!.data_offsets = f(h[name]!.data_offsets); });
    const { header, data } = parse(good);
    const [wb, we] = header['rnn.weight_ih_l0']!.data_offsets, [hb] = header['head.bias']!.data_offsets;
    // Two tensors of one size on the same bytes (head.bias's bytes given to another 2-value tensor would overlap them).
    expect(refusal(edit(good, (h) => { h['head.bias']!.data_offsets = [wb, wb + 8]; })))
      .toMatch(/^fromSafetensors: tensor '(head\.bias|rnn\.weight_ih_l0)': data_offsets \[\d+, \d+\] overlap tensor '(rnn\.weight_ih_l0|head\.bias)' \[\d+, \d+\]$/);
    expect(refusal(offsets('c0', ([b]) => [b, data.length + 4]))).toMatch(/^fromSafetensors: tensor 'c0': data_offsets \[\d+, \d+\] lie outside the \d+ bytes of data after the header$/);
    expect(refusal(offsets('c0', ([b, e]) => [e, b]))).toMatch(/^fromSafetensors: tensor 'c0': data_offsets \[\d+, \d+\] begin after they end$/);
    expect(refusal(offsets('c0', () => [-16, 16] as never))).toMatch(/^fromSafetensors: tensor 'c0': data_offsets: expected \[begin, end\], two integers ≥ 0, got an array of length 2$/);
    expect(refusal(offsets('c0', ([b]) => [b] as never))).toMatch(/^fromSafetensors: tensor 'c0': data_offsets: expected \[begin, end\]/);
    // The data grown by 8 bytes at the start: every offset moved up leaves a gap at 0; left as they are, 8 trailing bytes.
    const shifted = edit(good, (h, d) => {
      for (const [k, v] of Object.entries(h)) if (k !== '__metadata__') (v as Entry).data_offsets = (v as Entry).data_offsets.map((o) => o + 8) as [number, number];
      const grown = new Uint8Array(d.length + 8); grown.set(d, 8); return grown;
    });
    expect(refusal(shifted)).toMatch(/^fromSafetensors: tensor 'rnn\.weight_ih_l0': data_offsets \[8, \d+\] leave a gap: the data starts at 0/);
    const trailing = edit(good, (_, d) => { const grown = new Uint8Array(d.length + 8); grown.set(d); return grown; });
    expect(refusal(trailing)).toMatch(/^fromSafetensors: data: 8 bytes after the tensors \(the last tensor, 'c0', ends at \d+ of \d+\): truncated offsets or trailing bytes$/);
    // head.bias and rnn.weight_ih_l0 swap places: both sizes wrong for their shapes.
    expect(refusal(offsets('head.bias', () => [wb, we]))).toMatch(/^fromSafetensors: tensor 'head\.bias': data_offsets \[\d+, \d+\] hold 192 bytes, but shape \[2\] of F32 needs 8 bytes$/);
    // A gap in the middle: head.bias moved to the end, past c0, its old bytes uncovered.
    const gap = edit(good, (h, d) => { h['head.bias']!.data_offsets = [d.length, d.length + 8]; const grown = new Uint8Array(d.length + 8); grown.set(d); return grown; });
    expect(refusal(gap)).toMatch(new RegExp(`^fromSafetensors: tensor '\\w+': data_offsets \\[${hb + 8}, \\d+\\] leave a gap: tensor 'head\\.weight' ends at ${hb} `));
  });

  it('NaN and ±Infinity values, by tensor and index', () => {
    const { header } = parse(good);
    for (const [value, shown] of [[NaN, 'NaN'], [Infinity, 'Infinity'], [-Infinity, '-Infinity']] as const) {
      const poisoned = edit(good, (_, data) => { new DataView(data.buffer).setFloat32(header['rnn.bias_hh_l1']!.data_offsets[0] + 4 * 5, value, true); });
      expect(refusal(poisoned)).toBe(`fromSafetensors: tensor 'rnn.bias_hh_l1'[5]: expected a finite number, got ${shown}`);
    }
    // Finite in float64, but not in the float32 model asked for: named by the parameter and the tensors it comes from.
    const double = network({ cell: 'gru', inputSize: 1, hiddenSize: 2, outputSize: 1, dtype: 'float64' });
    double.setParameter('b_rec_l0', [0, 0, 1e39, 0, 0, 0]);
    expect(refusal(toSafetensors(double), { dtype: 'float32' }))
      .toBe('fromSafetensors: b_rec_l0[2] (from rnn.bias_ih_l0 + rnn.bias_hh_l0): expected a finite number (it overflows float32), got 1e+39');
    double.setParameter('b_rec_l0', [0, 0, 0, 0, 0, 0]);
    double.setParameter('b_hn_l0', [0, -1e39]);
    expect(refusal(toSafetensors(double), { dtype: 'float32' }))
      .toBe('fromSafetensors: b_hn_l0[1] (from rnn.bias_hh_l0[4:6]): expected a finite number (it overflows float32), got -1e+39');
  });

  it('F16 and BF16 convert exactly to float32; their infinities and NaNs are refused', () => {
    const r = 1, o = 1;
    const halves = (dtype: 'F16' | 'BF16', hh: number[]) => {
      // An Elman network, p = 2, r = 1, o = 1: weight_ih holds 2 halves, the others 1 each. Nothing but F16/BF16.
      const entries = { 'rnn.weight_ih_l0': [1, 2], 'rnn.weight_hh_l0': [1, r], 'rnn.bias_ih_l0': [r], 'rnn.bias_hh_l0': [r], 'head.weight': [o, r], 'head.bias': [o] };
      const words = [hh[0]!, hh[1]!, hh[2]!, hh[3]!, hh[4]!, hh[5]!, hh[6]!];
      const header: Record<string, unknown> = {};
      let at = 0;
      for (const [name, shape] of Object.entries(entries)) {
        const n = shape.reduce((a, b) => a * b, 1);
        header[name] = { dtype, shape, data_offsets: [at, at + 2 * n] };
        at += 2 * n;
      }
      const data = new Uint8Array(at);
      words.forEach((w, i) => new DataView(data.buffer).setUint16(2 * i, w, true));
      return assemble(header, data);
    };
    // 1, −2; the smallest subnormal 2^-24; the largest half 65504; −0; 1/3 rounded to half (0x3555 = 0.333251953125); 2^-14.
    const f16 = fromSafetensors(halves('F16', [0x3c00, 0xc000, 0x0001, 0x7bff, 0x8000, 0x3555, 0x0400]), { config: {} });
    expect(f16.dtype).toBe('float32');
    expect(Array.from(f16.getParameter('W_in_l0'))).toEqual([1, -2]);
    expect(f16.getParameter('W_rec_l0')[0]).toBe(2 ** -24);
    expect(f16.getParameter('b_rec_l0')[0]).toBe(65504 + -0); // bias_ih + bias_hh
    expect(f16.getParameter('W_out')[0]).toBe(0.333251953125);
    expect(f16.getParameter('b_out')[0]).toBe(2 ** -14);
    // 1, −5; the smallest bfloat16 subnormal 2^-133; 3.140625; −0; 1e38 rounded to bfloat16 (0x7e96 = 0x1.2cp+126); −2^-126.
    const bf16 = fromSafetensors(halves('BF16', [0x3f80, 0xc0a0, 0x0001, 0x4049, 0x8000, 0x7e96, 0x8080]), { config: {} });
    expect(Array.from(bf16.getParameter('W_in_l0'))).toEqual([1, -5]);
    expect(bf16.getParameter('W_rec_l0')[0]).toBe(2 ** -133);
    expect(bf16.getParameter('b_rec_l0')[0]).toBe(3.140625);
    expect(bf16.getParameter('W_out')[0]).toBe(0x12c * 2 ** (126 - 8));
    expect(bf16.getParameter('b_out')[0]).toBe(-(2 ** -126));
    expect(refusal(halves('F16', [0x3c00, 0x7c00, 0, 0, 0, 0, 0]), { config: {} })).toBe("fromSafetensors: tensor 'rnn.weight_ih_l0'[1]: expected a finite number, got Infinity");
    expect(refusal(halves('F16', [0x3c00, 0, 0, 0, 0, 0, 0xfe00]), { config: {} })).toBe("fromSafetensors: tensor 'head.bias'[0]: expected a finite number, got NaN");
    expect(refusal(halves('BF16', [0xff80, 0, 0, 0, 0, 0, 0]), { config: {} })).toBe("fromSafetensors: tensor 'rnn.weight_ih_l0'[0]: expected a finite number, got -Infinity");
  });

  it('a metadata config that does not match the tensors, or is not a valid config', () => {
    expect(refusal(editDocument(good, (d) => { d.config.hiddenSize = 5; })))
      .toMatch(/^fromSafetensors: tensor 'rnn\.weight_ih_l0': expected shape \[20, 3\] for an LSTM cell of 5 units \(__metadata__\.rnnkit\), got \[16, 3\]$/);
    // A GRU has no c0; without it, the shapes tell.
    expect(refusal(editDocument(good, (d) => { d.config.cell = 'gru'; }))).toMatch(/^fromSafetensors: tensor 'c0': unknown \(a 2-layer GRU network with this config/);
    const withoutC0 = edit(good, (h, data) => { const [begin] = h.c0!.data_offsets; delete h.c0; return data.slice(0, begin); });
    expect(refusal(editDocument(withoutC0, (d) => { d.config.cell = 'gru'; })))
      .toBe("fromSafetensors: tensor 'rnn.weight_ih_l0': expected shape [12, 3] for a GRU cell of 4 units (__metadata__.rnnkit), got [16, 3]");
    expect(refusal(editDocument(good, (d) => { d.config.numLayers = 1; }))).toMatch(/^fromSafetensors: tensor 'rnn\.weight_ih_l1': unknown \(a 1-layer LSTM network/);
    expect(refusal(editDocument(good, (d) => { d.config.initialState = 'zeros'; }))).toMatch(/^fromSafetensors: tensor 'h0': unknown/);
    expect(refusal(editDocument(good, (d) => { d.config.hiddenSize = 0; }))).toBe('fromSafetensors: __metadata__.rnnkit: config.hiddenSize: expected an integer in [1, 65536], got 0');
    expect(refusal(editDocument(good, (d) => { d.config.activation = 'relu'; }))).toMatch(/^fromSafetensors: __metadata__\.rnnkit: config\.activation: the lstm cell's nonlinearities are fixed/);
    // Keys fromJSON requires of a saved config, checked by fromJSON itself.
    expect(refusal(editDocument(good, (d) => { delete d.config.loss; }))).toMatch(/^fromSafetensors: __metadata__\.rnnkit: config: missing key 'loss'/);
    expect(refusal(editDocument(good, (d) => { d.config.seed = 3; }))).toMatch(/^fromSafetensors: __metadata__\.rnnkit: config: unknown option 'seed' \(known options: cell, /);
    expect(refusal(editDocument(good, (d) => { d.metadata = [1]; }))).toBe('fromSafetensors: __metadata__.rnnkit: metadata: expected a plain JSON object, got an array of length 1');
    expect(refusal(editDocument(good, (d) => { d.version = 2; }))).toBe('fromSafetensors: __metadata__.rnnkit: version: unsupported version 2 (this rnnkit reads version 1)');
    expect(refusal(editDocument(good, (d) => { d.format = 'other'; }))).toBe('fromSafetensors: __metadata__.rnnkit: format: expected "rnnkit", got "other"');
    expect(refusal(editDocument(good, (d) => { d.parameters = {}; }))).toBe('fromSafetensors: __metadata__.rnnkit: unknown key \'parameters\' (expected format, version, kind, config, metadata)');
    expect(refusal(edit(good, (h) => { h.__metadata__!.rnnkit = '{"format": "rnnkit", '; }))).toMatch(/^fromSafetensors: __metadata__\.rnnkit: not valid JSON \(/);
  });

  it('a file of another rnnkit kind', () => {
    expect(refusal(editDocument(good, (d) => { d.kind = 'ffnn'; d.config = { layerSizes: [3, 2], activation: 'tanh', output: 'identity', loss: 'mse' }; })))
      .toBe("fromSafetensors: __metadata__.rnnkit: kind: 'ffnn' is not a recurrent model (rnnkit/safetensors holds 'elman-rnn' and 'recurrent-network')");
    expect(refusal(editDocument(good, (d) => { d.kind = 'transformer'; }))).toBe('fromSafetensors: __metadata__.rnnkit: kind: expected \'elman-rnn\' or \'recurrent-network\', got "transformer"');
    // An ElmanRNN's file read as a RecurrentNetwork, and the other way round.
    const elman = toSafetensors(new ElmanRNN({ inputSize: 1, hiddenSize: 2, outputSize: 1 }));
    expect(refusal(elman, { kind: 'recurrent-network' })).toBe("fromSafetensors: __metadata__.rnnkit: kind: expected 'recurrent-network' (options.kind), got 'elman-rnn'");
    expect(refusal(good, { kind: 'elman-rnn' })).toBe("fromSafetensors: __metadata__.rnnkit: kind: expected 'elman-rnn' (options.kind), got 'recurrent-network'");
    // A kind changed in the metadata: an ElmanRNN's config does not have a RecurrentNetwork's keys.
    expect(refusal(editDocument(elman, (d) => { d.kind = 'recurrent-network'; }))).toMatch(/^fromSafetensors: __metadata__\.rnnkit: config: missing key 'cell'/);
  });

  it('allocates nothing a crafted header claims: at most the file\'s own size', () => {
    // A tensor claiming 2^32 floats: 16 GiB, in a file of a few kB.
    const huge = edit(good, (h) => { h['rnn.weight_hh_l0'] = { dtype: 'F32', shape: [65536, 65536], data_offsets: [0, 2 ** 34] }; });
    // A config claiming the largest network there is, over the real tensors.
    const vast = editDocument(good, (d) => { Object.assign(d.config, { hiddenSize: 65536, numLayers: 64, inputSize: 65536, outputSize: 65536 }); });
    // A shape whose product overflows (2^60 values) with offsets inside the file.
    const overflow = edit(good, (h) => { h['head.bias']!.shape = [2 ** 30, 2 ** 30]; });
    for (const [bytes, message] of [
      [huge, /tensor 'rnn\.weight_hh_l0': data_offsets \[0, 17179869184\] lie outside the \d+ bytes of data/],
      [vast, /tensor 'rnn\.weight_ih_l0': expected shape \[262144, 65536\]/],
      [overflow, /tensor 'head\.bias': data_offsets \[\d+, \d+\] hold 8 bytes, but shape \[1073741824, 1073741824\] of F32 needs more than the \d+ bytes of data/],
    ] as const) {
      let message_ = '';
      const largest = largestAllocation(() => { message_ = refusal(bytes); });
      expect(message_).toMatch(message);
      expect(largest, 'bytes allocated').toBeLessThanOrEqual(bytes.length);
    }
  });
});
