import { describe, expect, it } from 'vitest';
import { sequenceBatch, type SequenceBatch } from '../src/data/sequence-batch.js';
import { rowBatch } from '../src/data/row-batch.js';
import { RnnkitError } from '../src/errors.js';
import { FeedForwardNetwork, type FfnnConfig } from '../src/model/ffnn.js';
import type { Floats } from '../src/model/network.js';
import { ElmanRNN, type RnnConfig } from '../src/model/rnn.js';
import { fromBinary, fromJSON, toBinary, toJSON, type SavedModel } from '../src/model/serialize.js';

// ---- Fixtures ---------------------------------------------------------------------

const INPUT = 3, HIDDEN = 4, OUTPUT = 2;

/** Weights keep their seeded initial values; biases and h0 get values a careless writer would lose. */
function modelWithEdgeValues(config: Partial<RnnConfig>): ElmanRNN {
  const model = new ElmanRNN({ inputSize: INPUT, hiddenSize: HIDDEN, outputSize: OUTPUT, seed: 7, ...config });
  // -0, the smallest subnormal of the dtype, and decimals with no exact binary form.
  model.setParameter('b_rec', [-0, model.dtype === 'float32' ? 2 ** -149 : Number.MIN_VALUE, 0.1, -1 / 3]);
  model.setParameter('b_out', [-0.25, 1 / 3]);
  if (model.config.initialState === 'learned') model.setParameter('h0', [0.3, -0.2, 0.1, -0]);
  return model;
}

function batch(): SequenceBatch {
  const sequence = (b: number, steps: number) =>
    Array.from({ length: steps }, (_, t) => Array.from({ length: INPUT }, (_, j) => Math.sin(b + 2 * t + 3 * j)));
  return sequenceBatch({ inputs: [sequence(0, 3), sequence(1, 2), sequence(2, 3)] });
}

/** Exact comparison, bit for bit: toEqual would treat -0 and 0 alike. */
function bits(values: Floats): number[] {
  return Array.from(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
}

function expectSameParameters(loaded: SavedModel, original: SavedModel): void {
  expect(loaded.parameterNames).toEqual(original.parameterNames);
  for (const name of original.parameterNames) {
    expect(bits(loaded.getParameter(name)), name).toEqual(bits(original.getParameter(name)));
  }
}

const CONFIGS: { label: string; config: Partial<RnnConfig> }[] = [
  { label: 'tanh, identity/mse', config: { activation: 'tanh', output: 'identity' } },
  { label: 'relu, softmax/cross-entropy, learned h0', config: { activation: 'relu', output: 'softmax', initialState: 'learned' } },
  { label: 'sigmoid, sigmoid/binary-cross-entropy', config: { activation: 'sigmoid', output: 'sigmoid' } },
  { label: 'identity σ, softmax with mse', config: { activation: 'identity', output: 'softmax', loss: 'mse' } },
  { label: 'tanh, sigmoid/mse, learned h0, float64', config: { activation: 'tanh', output: 'sigmoid', loss: 'mse', initialState: 'learned', dtype: 'float64' } },
  { label: 'relu, identity, float64', config: { activation: 'relu', dtype: 'float64' } },
];

// ---- Binary surgery -----------------------------------------------------------------

const FIXED = 12;

function headerLength(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
}

function headerOf(bytes: Uint8Array): Record<string, unknown> {
  return JSON.parse(new TextDecoder().decode(bytes.subarray(FIXED, FIXED + headerLength(bytes))));
}

function payloadOffset(bytes: Uint8Array, valueSize: number): number {
  return Math.ceil((FIXED + headerLength(bytes)) / valueSize) * valueSize;
}

/** A binary file with the given header text and payload, framed as toBinary frames it. */
function frame(headerText: string, payload: Uint8Array, valueSize = 4, version = 1): Uint8Array {
  const header = new TextEncoder().encode(headerText);
  const start = Math.ceil((FIXED + header.length) / valueSize) * valueSize;
  const bytes = new Uint8Array(start + payload.length);
  bytes.set([0x52, 0x4e, 0x4e, 0x4b]);
  const view = new DataView(bytes.buffer);
  view.setUint32(4, version, true);
  view.setUint32(8, header.length, true);
  bytes.set(header, FIXED);
  bytes.set(payload, start);
  return bytes;
}

/** Re-frames a saved model with an edited header and the same payload. */
function withHeader(bytes: Uint8Array, edit: (header: Record<string, any>) => void): Uint8Array {
  const header = headerOf(bytes);
  edit(header);
  const size = header.dtype === 'float64' ? 8 : 4;
  return frame(JSON.stringify(header), bytes.subarray(payloadOffset(bytes, size)), size);
}

// ---- JSON document surgery ------------------------------------------------------------

function editJSON(model: SavedModel, edit: (document: Record<string, any>) => void): string {
  const document = JSON.parse(toJSON(model));
  edit(document);
  return JSON.stringify(document);
}

// ---- Round trips ------------------------------------------------------------------------

describe('round trips', () => {
  for (const { label, config } of CONFIGS) {
    describe(label, () => {
      const original = modelWithEdgeValues(config);

      it('JSON: same parameters bit for bit, same config, dtype and predictions', () => {
        const loaded = fromJSON(toJSON(original)) as ElmanRNN;
        expect(loaded).toBeInstanceOf(ElmanRNN);
        expect(loaded.config).toEqual(original.config);
        expect(loaded.dtype).toBe(original.dtype);
        expectSameParameters(loaded, original);
        const predictions = original.predict(batch());
        expect(predictions.every(Number.isFinite)).toBe(true);
        expect(bits(loaded.predict(batch()))).toEqual(bits(predictions));
      });

      it('binary: same parameters bit for bit, same config, dtype and predictions', () => {
        const loaded = fromBinary(toBinary(original)) as ElmanRNN;
        expect(loaded.config).toEqual(original.config);
        expect(loaded.dtype).toBe(original.dtype);
        expectSameParameters(loaded, original);
        expect(bits(loaded.predict(batch()))).toEqual(bits(original.predict(batch())));
      });

      it('save → load → save is byte-identical (JSON and binary)', () => {
        const text = toJSON(original);
        expect(toJSON(fromJSON(text))).toBe(text);
        const bytes = toBinary(original);
        expect(Array.from(toBinary(fromBinary(bytes)))).toEqual(Array.from(bytes));
      });

      it('JSON and binary load to the same model', () => {
        expect(toBinary(fromJSON(toJSON(original)))).toEqual(toBinary(original));
      });
    });
  }

  it('a trained-looking model with seeded random weights round-trips too', () => {
    const original = new ElmanRNN({ inputSize: 5, hiddenSize: 9, outputSize: 3, seed: 42, init: { recurrent: 'glorot', recurrentGain: 0.7 } });
    expectSameParameters(fromJSON(toJSON(original)), original);
    expectSameParameters(fromBinary(toBinary(original)), original);
  });

  it('the largest finite values round-trip exactly', () => {
    for (const [dtype, largest] of [['float32', 3.4028234663852886e38], ['float64', Number.MAX_VALUE]] as const) {
      const original = modelWithEdgeValues({ dtype });
      original.setParameter('b_out', [largest, -largest]);
      for (const loaded of [fromJSON(toJSON(original)), fromBinary(toBinary(original))]) expectSameParameters(loaded, original);
      expect(toJSON(original)).toContain(dtype === 'float32' ? '"b_out":[3.4028235e+38,-3.4028235e+38]' : '"b_out":[1.7976931348623157e+308,-1.7976931348623157e+308]');
    }
  });

  it('writes the documented shape: fixed key order, layout order, shortest decimals', () => {
    const model = modelWithEdgeValues({ initialState: 'learned' });
    const text = toJSON(model);
    expect(text.startsWith('{"format":"rnnkit","version":1,"kind":"elman-rnn","config":{"inputSize":3,"hiddenSize":4,"outputSize":2,'
      + '"activation":"tanh","output":"identity","loss":"mse","initialState":"learned"},"dtype":"float32","parameters":{"W_in":[')).toBe(true);
    const document = JSON.parse(text);
    expect(Object.keys(document.parameters)).toEqual(model.layout.parameters.map((p) => p.name));
    // float32 0.1 is written as 0.1, not 0.10000000149011612; -0 survives.
    expect(text).toContain('"b_rec":[-0,1e-45,0.1,-0.33333334]');
  });

  it('float32 values get the shortest decimal that identifies them (checked against a linear search)', () => {
    // Every power of two (where the float32 rounding interval is lopsided) and random bit patterns.
    const values: number[] = [];
    for (let k = -149; k <= 127; k++) values.push(2 ** k, -(2 ** k));
    const patterns = new Uint32Array(2000).map((_, i) => Math.imul(i + 1, 2654435761));
    for (const v of new Float32Array(patterns.buffer)) if (Number.isFinite(v)) values.push(v);
    const model = new ElmanRNN({ inputSize: values.length, hiddenSize: 1, outputSize: 1 });
    model.setParameter('W_in', values);
    const written: number[] = JSON.parse(toJSON(model)).parameters.W_in;
    const shortest = (x: number) => {
      for (let digits = 1; ; digits++) if (Math.fround(Number(x.toPrecision(digits))) === x) return Number(x.toPrecision(digits));
    };
    expect(written).toEqual(values.map(shortest));
    expect(Array.from(fromJSON(toJSON(model)).getParameter('W_in'))).toEqual(values);
  });

  it('float64 values are written in JS\'s shortest round-trip form', () => {
    const text = toJSON(modelWithEdgeValues({ dtype: 'float64' }));
    expect(text).toContain('"b_rec":[-0,5e-324,0.1,-0.3333333333333333]');
    expect(text).toContain('"b_out":[-0.25,0.3333333333333333]');
  });

  it('binary: magic, version, header and aligned payload as documented', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const model = modelWithEdgeValues({ dtype });
      const bytes = toBinary(model);
      const size = dtype === 'float64' ? 8 : 4;
      expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('RNNK');
      expect(new DataView(bytes.buffer).getUint32(4, true)).toBe(1);
      expect(headerOf(bytes)).toEqual({
        kind: 'elman-rnn',
        config: model.config,
        dtype,
        parameters: model.layout.parameters.map((p) => ({ name: p.name, shape: [p.rows, p.cols] })),
      });
      const start = payloadOffset(bytes, size);
      expect(start % size).toBe(0);
      expect(bytes.length).toBe(start + model.parameterCount * size);
      const view = new DataView(bytes.buffer);
      const W_in = model.getParameter('W_in');
      for (let i = 0; i < W_in.length; i++) {
        expect(size === 4 ? view.getFloat32(start + 4 * i, true) : view.getFloat64(start + 8 * i, true)).toBe(W_in[i]);
      }
    }
  });

  it('fromBinary reads an ArrayBuffer and an unaligned view into a larger buffer', () => {
    const model = modelWithEdgeValues({ initialState: 'learned' });
    const bytes = toBinary(model);
    expectSameParameters(fromBinary(bytes.slice().buffer), model);
    const larger = new Uint8Array(bytes.length + 3);
    larger.set(bytes, 3);
    expectSameParameters(fromBinary(larger.subarray(3)), model);
  });

  it('loads into another dtype: float32 values exactly, float64 rounded to float32', () => {
    const single = modelWithEdgeValues({});
    const widened = fromJSON(toJSON(single), { dtype: 'float64' });
    expect(widened.dtype).toBe('float64');
    for (const name of single.parameterNames) expect(Array.from(widened.getParameter(name))).toEqual(Array.from(single.getParameter(name)));
    expect(Array.from(fromBinary(toBinary(single), { dtype: 'float64' }).getParameter('W_rec'))).toEqual(Array.from(single.getParameter('W_rec')));

    const double = new ElmanRNN({ inputSize: 2, hiddenSize: 2, outputSize: 1, dtype: 'float64', seed: 3 });
    const narrowed = fromBinary(toBinary(double), { dtype: 'float32' });
    expect(narrowed.dtype).toBe('float32');
    expect(Array.from(narrowed.getParameter('W_in'))).toEqual(Array.from(double.getParameter('W_in'), Math.fround));
  });

  it('options.kind narrows the type and refuses another kind', () => {
    const text = toJSON(modelWithEdgeValues({}));
    const model: ElmanRNN = fromJSON(text, { kind: 'elman-rnn' });
    expect(model.hiddenSize).toBe(HIDDEN);
    expect(() => fromJSON(text, { kind: 'ffnn' })).toThrow(/^fromJSON: kind: expected 'ffnn' \(options\.kind\), got "elman-rnn"$/);
  });
});

describe('feed-forward networks (kind "ffnn")', () => {
  const configs: FfnnConfig[] = [
    { layerSizes: [3, 5, 2], activation: 'tanh' },
    { layerSizes: [4, 6, 5, 3], activation: 'relu', output: 'softmax' },
    { layerSizes: [2, 1], output: 'sigmoid', dtype: 'float64' },
  ];
  for (const config of configs) {
    it(`round-trips [${config.layerSizes.join(', ')}] ${config.dtype ?? 'float32'}`, () => {
      const original = new FeedForwardNetwork({ seed: 5, ...config });
      original.setParameter('b1', Float64Array.from({ length: config.layerSizes[1]! }, (_, i) => (i === 0 ? -0 : 0.1 * i)));
      const rows = rowBatch({ inputs: [0, 1, 2].map((i) => Array.from({ length: config.layerSizes[0]! }, (_, j) => Math.cos(i + j))) });
      for (const loaded of [fromJSON(toJSON(original), { kind: 'ffnn' }), fromBinary(toBinary(original), { kind: 'ffnn' })]) {
        expect(loaded).toBeInstanceOf(FeedForwardNetwork);
        expect(loaded.config).toEqual(original.config);
        expectSameParameters(loaded, original);
        expect(bits(loaded.predict(rows))).toEqual(bits(original.predict(rows)));
      }
      const text = toJSON(original);
      expect(text).toContain('"kind":"ffnn","config":{"layerSizes":');
      expect(toJSON(fromJSON(text))).toBe(text);
      const bytes = toBinary(original);
      expect(toBinary(fromBinary(bytes))).toEqual(bytes);
    });
  }

  it('validates an ffnn config and its parameters like an RNN\'s', () => {
    const model = new FeedForwardNetwork({ layerSizes: [3, 4, 2] });
    expect(() => fromJSON(editJSON(model, (d) => { d.config.layerSizes = [3, 0, 2]; }))).toThrow(/^fromJSON: config\.layerSizes\[1\]: expected an integer in \[1, 65536\], got 0$/);
    expect(() => fromJSON(editJSON(model, (d) => { delete d.parameters.b2; }))).toThrow(/^fromJSON: parameters: missing 'b2' \(an ffnn with this config has W1, W2, b1, b2\)$/);
    expect(() => fromJSON(editJSON(model, (d) => { d.config.layerSizes = [3, 5, 2]; }))).toThrow(/^fromJSON: parameters\.W1: expected 15 numbers \(5×3\), got an array of length 12$/);
  });
});

// ---- Refusing bad saves ------------------------------------------------------------------

describe('saving', () => {
  it('refuses something that is not a model', () => {
    expect(() => toJSON({} as SavedModel)).toThrow(/^toJSON: model: expected a model of a savable kind \(elman-rnn, recurrent-network, ffnn\), got an object$/);
    expect(() => toBinary(null as unknown as SavedModel)).toThrow(/^toBinary: model: expected a model of a savable kind/);
  });

  it('refuses a diverged model (NaN weights), which no loader would accept', () => {
    const model = modelWithEdgeValues({});
    model.workspace.mem[model.block.params + model.layout.find('W_rec')!.offset + 2] = NaN;
    expect(() => toJSON(model)).toThrow(/^toJSON: parameter W_rec\[2\]: expected a finite number \(a diverged model cannot be saved\), got NaN$/);
    expect(() => toBinary(model)).toThrow(/^toBinary: parameter W_rec\[2\]: expected a finite number/);
  });
});

// ---- Refusing bad JSON ----------------------------------------------------------------------

describe('fromJSON refuses', () => {
  const model = modelWithEdgeValues({});

  it('what is neither toJSON\'s text nor the object it parses to', () => {
    expect(() => fromJSON(42 as unknown as string)).toThrow(/^fromJSON: json: expected a string from toJSON, or the object it parses to, got 42$/);
    expect(() => fromJSON([] as unknown as string)).toThrow(/^fromJSON: json: expected a string from toJSON, or the object it parses to, got an array of length 0$/);
    expect(() => fromJSON({ format: 'other' })).toThrow(/^fromJSON: format: expected "rnnkit"/);
  });

  it('text that is not JSON', () => {
    expect(() => fromJSON('{"format": "rnnkit",')).toThrow(/^fromJSON: text: not valid JSON \(/);
    expect(() => fromJSON('')).toThrow(/^fromJSON: text: not valid JSON \(/);
  });

  it('JSON that is not an object', () => {
    expect(() => fromJSON('[1, 2, 3]')).toThrow(/^fromJSON: document: expected a JSON object \(an rnnkit model\), got an array of length 3$/);
    expect(() => fromJSON('null')).toThrow(/^fromJSON: document: expected a JSON object.*got null$/);
    expect(() => fromJSON('"model"')).toThrow(/^fromJSON: document: expected a JSON object.*got "model"$/);
  });

  it('a wrong or missing format', () => {
    expect(() => fromJSON(editJSON(model, (d) => { d.format = 'keras'; }))).toThrow(/^fromJSON: format: expected "rnnkit" \(not an rnnkit model document\), got "keras"$/);
    expect(() => fromJSON('{}')).toThrow(/^fromJSON: format: expected "rnnkit".*got undefined$/);
  });

  it('an unsupported version, saying which are supported', () => {
    expect(() => fromJSON(editJSON(model, (d) => { d.version = 99; }))).toThrow(/^fromJSON: version: unsupported version 99 \(this rnnkit reads version 1\)$/);
    expect(() => fromJSON(editJSON(model, (d) => { d.version = '1'; }))).toThrow(/^fromJSON: version: unsupported version "1"/);
  });

  it('an unknown kind', () => {
    expect(() => fromJSON(editJSON(model, (d) => { d.kind = 'lstm'; }))).toThrow(/^fromJSON: kind: unknown model kind "lstm" \(known kinds: 'elman-rnn', 'recurrent-network', 'ffnn'\)$/);
  });

  it('an unknown or missing top-level key', () => {
    expect(() => fromJSON(editJSON(model, (d) => { d.extra = 1; }))).toThrow(/^fromJSON: document: unknown key 'extra' \(expected exactly format, version, kind, config, dtype, parameters\)$/);
    expect(() => fromJSON(editJSON(model, (d) => { delete d.dtype; }))).toThrow(/^fromJSON: document: missing key 'dtype'/);
  });

  it('an invalid dtype', () => {
    expect(() => fromJSON(editJSON(model, (d) => { d.dtype = 'float16'; }))).toThrow(/^fromJSON: dtype: expected one of 'float32', 'float64', got "float16"$/);
  });

  it('an invalid config: bad sizes, unknown, missing or inconsistent fields', () => {
    expect(() => fromJSON(editJSON(model, (d) => { d.config = [1]; }))).toThrow(/^fromJSON: config: expected an object \(the elman-rnn configuration\), got an array of length 1$/);
    expect(() => fromJSON(editJSON(model, (d) => { d.config.hiddenSize = 0; }))).toThrow(/^fromJSON: config\.hiddenSize: expected an integer in \[1, 65536\], got 0$/);
    expect(() => fromJSON(editJSON(model, (d) => { d.config.inputSize = 2.5; }))).toThrow(/^fromJSON: config\.inputSize: expected an integer/);
    expect(() => fromJSON(editJSON(model, (d) => { d.config.activation = 'gelu'; }))).toThrow(/^fromJSON: config\.activation: expected one of 'identity', 'sigmoid', 'tanh', 'relu', got "gelu"$/);
    expect(() => fromJSON(editJSON(model, (d) => { d.config.loss = 'cross-entropy'; }))).toThrow(/^fromJSON: config\.loss: 'cross-entropy' expects output 'softmax', got output 'identity'$/);
    // A saved config is fully resolved: construction-only options and omissions are refused.
    expect(() => fromJSON(editJSON(model, (d) => { d.config.seed = 3; }))).toThrow(/^fromJSON: config: unknown key 'seed' \(a saved elman-rnn config has exactly inputSize, hiddenSize, outputSize, activation, output, loss, initialState\)$/);
    expect(() => fromJSON(editJSON(model, (d) => { delete d.config.loss; }))).toThrow(/^fromJSON: config: missing key 'loss'/);
  });

  it('a missing parameter', () => {
    expect(() => fromJSON(editJSON(model, (d) => { delete d.parameters.W_out; }))).toThrow(/^fromJSON: parameters: missing 'W_out' \(an elman-rnn with this config has W_in, W_rec, W_out, b_rec, b_out\)$/);
  });

  it('an extra parameter (h0 without initialState "learned")', () => {
    expect(() => fromJSON(editJSON(model, (d) => { d.parameters.h0 = [0, 0, 0, 0]; }))).toThrow(/^fromJSON: parameters: unexpected 'h0' \(an elman-rnn with this config has W_in, W_rec, W_out, b_rec, b_out\)$/);
  });

  it('parameters that are not an object', () => {
    expect(() => fromJSON(editJSON(model, (d) => { d.parameters = [[1]]; }))).toThrow(/^fromJSON: parameters: expected an object of named arrays of numbers, got an array of length 1$/);
  });

  it('a parameter of the wrong length for the config', () => {
    expect(() => fromJSON(editJSON(model, (d) => { d.parameters.W_rec.pop(); }))).toThrow(/^fromJSON: parameters\.W_rec: expected 16 numbers \(4×4\), got an array of length 15$/);
    expect(() => fromJSON(editJSON(model, (d) => { d.parameters.b_out = 1; }))).toThrow(/^fromJSON: parameters\.b_out: expected 2 numbers \(2×1\), got 1$/);
  });

  it('a config that no longer matches the parameters (huge hiddenSize), before allocating anything', () => {
    const text = editJSON(model, (d) => { d.config.hiddenSize = 60000; });
    const started = performance.now();
    expect(() => fromJSON(text)).toThrow(/^fromJSON: parameters\.W_in: expected 180000 numbers \(60000×3\), got an array of length 12$/);
    expect(performance.now() - started).toBeLessThan(250);
  });

  it('non-numeric values', () => {
    expect(() => fromJSON(editJSON(model, (d) => { d.parameters.W_in[2] = 'abc'; }))).toThrow(/^fromJSON: parameters\.W_in\[2\]: expected a number, got "abc"$/);
    expect(() => fromJSON(editJSON(model, (d) => { d.parameters.b_rec[0] = null; }))).toThrow(/^fromJSON: parameters\.b_rec\[0\]: expected a number, got null$/);
  });

  it('non-finite values, including ones that overflow the dtype', () => {
    const text = toJSON(model).replace('"b_out":[-0.25,', '"b_out":[1e999,');
    expect(() => fromJSON(text)).toThrow(/^fromJSON: parameters\.b_out\[0\]: expected a finite number, got Infinity$/);
    const tooBig = toJSON(model).replace('"b_out":[-0.25,', '"b_out":[1e39,');
    expect(() => fromJSON(tooBig)).toThrow(/^fromJSON: parameters\.b_out\[0\]: expected a finite number \(it overflows float32\), got 1e\+39$/);
    const double = new ElmanRNN({ inputSize: INPUT, hiddenSize: HIDDEN, outputSize: OUTPUT, dtype: 'float64' });
    double.setParameter('b_out', [1e300, 0]);
    expect(() => fromJSON(toJSON(double), { dtype: 'float32' })).toThrow(/^fromJSON: parameters\.b_out\[0\]: expected a finite number \(it overflows float32\), got 1e\+300$/);
  });

  it('bad options', () => {
    const text = toJSON(model);
    expect(() => fromJSON(text, { dtyp: 'float64' } as never)).toThrow(/^fromJSON options: unknown option 'dtyp'/);
    expect(() => fromJSON(text, { dtype: 'int8' as never })).toThrow(/^fromJSON options\.dtype: expected one of 'float32', 'float64', got "int8"$/);
    expect(() => fromJSON(text, { backend: 'gpu' as never })).toThrow(/^backend: expected one of 'auto', 'wasm-simd', 'wasm-scalar', 'js', got "gpu"$/);
  });

  it('and every refusal is an RnnkitError', () => {
    expect(() => fromJSON('nope')).toThrow(RnnkitError);
  });
});

// ---- Refusing bad binaries ----------------------------------------------------------------------

describe('fromBinary refuses', () => {
  const model = modelWithEdgeValues({ initialState: 'learned' });
  const bytes = toBinary(model);
  const headerEnd = FIXED + headerLength(bytes);
  const start = payloadOffset(bytes, 4);

  it('something that is not bytes', () => {
    expect(() => fromBinary('RNNK' as never)).toThrow(/^fromBinary: bytes: expected a Uint8Array or ArrayBuffer \(from toBinary\), got "RNNK"$/);
    expect(() => fromBinary([0x52, 0x4e] as never)).toThrow(/^fromBinary: bytes: expected a Uint8Array or ArrayBuffer/);
  });

  describe('a truncated buffer, cut anywhere', () => {
    const cuts: { at: number; message: RegExp }[] = [
      { at: 0, message: /^fromBinary: truncated: 0 bytes, shorter than the 12-byte start/ },
      { at: 3, message: /^fromBinary: truncated: 3 bytes/ },
      { at: 11, message: /^fromBinary: truncated: 11 bytes/ },
      { at: 12, message: new RegExp(`^fromBinary: header length: ${headerEnd - FIXED} bytes from offset 12 run past the end of the 12-byte buffer`) },
      { at: headerEnd - 1, message: /^fromBinary: header length: \d+ bytes from offset 12 run past the end/ },
      { at: start, message: new RegExp(`^fromBinary: payload: expected ${model.parameterCount * 4} bytes \\(${model.parameterCount} float32 values for this config\\) from offset ${start}, got 0 \\(truncated\\?\\)$`) },
      { at: start + 5, message: /^fromBinary: payload: expected \d+ bytes .* got 5 \(truncated\?\)$/ },
      { at: bytes.length - 1, message: new RegExp(`^fromBinary: payload: expected ${model.parameterCount * 4} bytes .* got ${model.parameterCount * 4 - 1} \\(truncated\\?\\)$`) },
    ];
    for (const { at, message } of cuts) {
      it(`at byte ${at} of ${bytes.length}`, () => {
        expect(() => fromBinary(bytes.slice(0, at))).toThrow(message);
      });
    }
  });

  it('trailing bytes after the payload', () => {
    const longer = new Uint8Array(bytes.length + 4);
    longer.set(bytes);
    expect(() => fromBinary(longer)).toThrow(/^fromBinary: payload: expected \d+ bytes .* got \d+ \(4 trailing bytes\)$/);
  });

  it('a flipped magic byte', () => {
    const bad = bytes.slice();
    bad[3] ^= 0x01;
    expect(() => fromBinary(bad)).toThrow(/^fromBinary: magic: expected the bytes "RNNK" \(52 4e 4e 4b\) of an rnnkit binary model, got "52 4e 4e 4a"$/);
  });

  it('an unsupported version, saying which are supported', () => {
    const bad = bytes.slice();
    new DataView(bad.buffer).setUint32(4, 99, true);
    expect(() => fromBinary(bad)).toThrow(/^fromBinary: version: unsupported version 99 \(this rnnkit reads version 1\)$/);
  });

  it('a header length past the end', () => {
    const bad = bytes.slice();
    new DataView(bad.buffer).setUint32(8, 0xffffffff, true);
    expect(() => fromBinary(bad)).toThrow(new RegExp(`^fromBinary: header length: 4294967295 bytes from offset 12 run past the end of the ${bytes.length}-byte buffer \\(truncated\\?\\)$`));
  });

  it('a header that is not valid UTF-8 or not JSON', () => {
    const notUtf8 = bytes.slice();
    notUtf8[FIXED + 1] = 0xff;
    expect(() => fromBinary(notUtf8)).toThrow(/^fromBinary: header: not valid UTF-8$/);
    const notJson = bytes.slice();
    notJson[FIXED] = 'x'.charCodeAt(0);
    expect(() => fromBinary(notJson)).toThrow(/^fromBinary: header: not valid JSON \(/);
    expect(() => fromBinary(frame('[1,2]', new Uint8Array(0)))).toThrow(/^fromBinary: header: expected a JSON object \(an rnnkit model\), got an array of length 2$/);
  });

  it('an unknown or missing header key, unknown kind, bad dtype or config', () => {
    expect(() => fromBinary(withHeader(bytes, (h) => { h.version = 1; }))).toThrow(/^fromBinary: header: unknown key 'version' \(expected exactly kind, config, dtype, parameters\)$/);
    expect(() => fromBinary(withHeader(bytes, (h) => { delete h.parameters; }))).toThrow(/^fromBinary: header: missing key 'parameters'/);
    expect(() => fromBinary(withHeader(bytes, (h) => { h.kind = 'gru'; }))).toThrow(/^fromBinary: kind: unknown model kind "gru"/);
    expect(() => fromBinary(withHeader(bytes, (h) => { h.dtype = 'bfloat16'; }))).toThrow(/^fromBinary: dtype: expected one of 'float32', 'float64', got "bfloat16"$/);
    expect(() => fromBinary(withHeader(bytes, (h) => { h.config.outputSize = -1; }))).toThrow(/^fromBinary: config\.outputSize: expected an integer in \[1, 65536\], got -1$/);
  });

  it('a parameter list that does not match the config', () => {
    expect(() => fromBinary(withHeader(bytes, (h) => { h.parameters.pop(); }))).toThrow(/^fromBinary: parameters: missing 'h0' \(an elman-rnn with this config has W_in, W_rec, W_out, b_rec, b_out, h0\)$/);
    expect(() => fromBinary(withHeader(bytes, (h) => { h.parameters.push({ name: 'W_extra', shape: [1, 1] }); }))).toThrow(/^fromBinary: parameters: unexpected 'W_extra'/);
    expect(() => fromBinary(withHeader(bytes, (h) => { h.parameters.push({ name: 'h0', shape: [4, 1] }); }))).toThrow(/^fromBinary: parameters: expected the order W_in, W_rec, W_out, b_rec, b_out, h0, got "W_in, W_rec, W_out, b_rec, b_out, h0, h0"$/);
    expect(() => fromBinary(withHeader(bytes, (h) => { h.parameters.reverse(); }))).toThrow(/^fromBinary: parameters: expected the order W_in, W_rec, W_out, b_rec, b_out, h0, got "h0, b_out/);
    expect(() => fromBinary(withHeader(bytes, (h) => { h.parameters[1].shape = [2, 8]; }))).toThrow(/^fromBinary: parameters\[1\]\.shape \(W_rec\): expected \[4,4\] for this config, got "\[2,8\]"$/);
    expect(() => fromBinary(withHeader(bytes, (h) => { h.parameters[0].size = 12; }))).toThrow(/^fromBinary: parameters\[0\]: unknown key 'size'/);
    expect(() => fromBinary(withHeader(bytes, (h) => { h.parameters = {}; }))).toThrow(/^fromBinary: parameters: expected an array of \{name, shape\}, got an object$/);
  });

  it('a crafted huge hiddenSize with a tiny payload, quickly and without allocating it', () => {
    const r = 60000;
    const header = JSON.stringify({
      kind: 'elman-rnn',
      config: { inputSize: 3, hiddenSize: r, outputSize: 2, activation: 'tanh', output: 'identity', loss: 'mse', initialState: 'zeros' },
      dtype: 'float32',
      parameters: [['W_in', r, 3], ['W_rec', r, r], ['W_out', 2, r], ['b_rec', r, 1], ['b_out', 2, 1]].map(([name, rows, cols]) => ({ name, shape: [rows, cols] })),
    });
    const crafted = frame(header, new Uint8Array(100));
    const values = 3 * r + r * r + 2 * r + r + 2;
    const started = performance.now();
    expect(() => fromBinary(crafted)).toThrow(new RegExp(`^fromBinary: payload: expected ${values * 4} bytes \\(${values} float32 values for this config\\) from offset \\d+, got 100 \\(truncated\\?\\)$`));
    expect(performance.now() - started).toBeLessThan(250);
  });

  it('non-zero padding between header and payload', () => {
    // Pad the header text with spaces until the payload needs padding, then dirty a padding byte.
    let text = JSON.stringify(headerOf(bytes));
    while ((FIXED + text.length) % 4 === 0) text += ' ';
    const padded = frame(text, bytes.subarray(start));
    expect(fromBinary(padded).getParameter('W_rec')).toEqual(model.getParameter('W_rec'));
    padded[FIXED + text.length] = 7;
    expect(() => fromBinary(padded)).toThrow(/^fromBinary: padding: expected zero bytes at offsets \d+–\d+, got 7 at offset \d+$/);
  });

  it('NaN or Infinity in the payload', () => {
    const withNaN = bytes.slice();
    new DataView(withNaN.buffer).setFloat32(start + 4 * 5, NaN, true);
    expect(() => fromBinary(withNaN)).toThrow(/^fromBinary: parameters\.W_in\[5\]: expected a finite number, got NaN$/);
    const withInfinity = bytes.slice();
    // W_rec follows W_in's r·p = 12 values.
    new DataView(withInfinity.buffer).setFloat32(start + 4 * (12 + 3), -Infinity, true);
    expect(() => fromBinary(withInfinity)).toThrow(/^fromBinary: parameters\.W_rec\[3\]: expected a finite number, got -Infinity$/);
  });

  it('NaN in a float64 payload', () => {
    const double = toBinary(modelWithEdgeValues({ dtype: 'float64' }));
    const at = payloadOffset(double, 8);
    expect(at % 8).toBe(0);
    new DataView(double.buffer).setFloat64(at + 8 * 12, NaN, true);
    expect(() => fromBinary(double)).toThrow(/^fromBinary: parameters\.W_rec\[0\]: expected a finite number, got NaN$/);
  });
});

describe('metadata saved with a model', () => {
  it('round-trips in JSON and binary, byte-identical, and is refused when not a plain object', async () => {
    const { ElmanRNN } = await import('../src/model/rnn.js');
    const { toJSON, fromJSON, toBinary, fromBinary } = await import('../src/model/serialize.js');
    const model = new ElmanRNN({ inputSize: 3, hiddenSize: 2, outputSize: 3, output: 'softmax' });
    const plain = toJSON(model);
    expect(plain).not.toContain('metadata');
    model.metadata = { vocabulary: ['a', 'b', 'é'], task: 'text', note: { nested: [1, 2] } };
    const text = toJSON(model);
    const loaded = fromJSON(text);
    expect(loaded.metadata).toEqual(model.metadata);
    expect(toJSON(loaded)).toBe(text);
    const bytes = toBinary(model);
    const back = fromBinary(bytes);
    expect(back.metadata).toEqual(model.metadata);
    expect(toBinary(back)).toEqual(bytes);
    expect(model.clone().metadata).toEqual(model.metadata);
    expect(() => fromJSON(text.replace('"metadata":{', '"metadata":[{').replace(',"parameters"', '],"parameters"'))).toThrow(/metadata: expected a plain JSON object/);
    model.metadata = [] as never;
    expect(() => toJSON(model)).toThrow(/metadata: expected a plain JSON object/);
  });
});

describe('fromJSON with typed-array values (a parsed document built by code, e.g. rnnkit/safetensors)', () => {
  const document = (model: SavedModel, values: (name: string) => unknown) => {
    const parsed = JSON.parse(toJSON(model)) as { parameters: Record<string, unknown> };
    for (const name of model.parameterNames) parsed.parameters[name] = values(name);
    return parsed;
  };

  it('loads Float32Array and Float64Array values bit for bit, as it loads arrays of numbers', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const original = modelWithEdgeValues({ dtype, initialState: 'learned' });
      for (const type of [Float32Array, Float64Array]) {
        // A float64 model's values do not all fit a Float32Array: that case is the rounding test below.
        if (dtype === 'float64' && type === Float32Array) continue;
        expectSameParameters(fromJSON(document(original, (name) => type.from(original.getParameter(name)))), original);
      }
    }
  });

  it('rounds a float32 document\'s Float64Array values to float32, as it rounds its decimals', () => {
    const model = new ElmanRNN({ inputSize: 1, hiddenSize: 1, outputSize: 1 });
    const loaded = fromJSON(document(model, (name) => Float64Array.of(name === 'b_rec' ? 0.1 : 1)));
    expect(loaded.getParameter('b_rec')[0]).toBe(Math.fround(0.1));
  });

  it('checks their length and every value, naming the parameter', () => {
    const model = new ElmanRNN({ inputSize: 2, hiddenSize: 2, outputSize: 1 });
    const withValue = (bad: number) => document(model, (name) => (name === 'W_rec' ? Float64Array.of(0, 1, bad, 0) : model.getParameter(name)));
    expect(() => fromJSON(withValue(NaN))).toThrow(/^fromJSON: parameters\.W_rec\[2\]: expected a finite number, got NaN$/);
    expect(() => fromJSON(withValue(-Infinity))).toThrow(/^fromJSON: parameters\.W_rec\[2\]: expected a finite number, got -Infinity$/);
    expect(() => fromJSON(withValue(1e39))).toThrow(/^fromJSON: parameters\.W_rec\[2\]: expected a finite number \(it overflows float32\), got 1e\+39$/);
    expect(() => fromJSON(document(model, (name) => (name === 'W_in' ? new Float32Array(3) : model.getParameter(name)))))
      .toThrow(/^fromJSON: parameters\.W_in: expected 4 numbers \(2×2\), got a Float32Array of length 3$/);
    // Other typed arrays are not lists of weights.
    expect(() => fromJSON(document(model, (name) => (name === 'W_in' ? new Int32Array(4) : model.getParameter(name)))))
      .toThrow(/^fromJSON: parameters\.W_in: expected 4 numbers \(2×2\), got a Int32Array of length 4$/);
  });
});

describe('parameterShapes', () => {
  it('gives the names and shapes a model of the config has, and its resolved config, for every kind', async () => {
    const { parameterShapes } = await import('../src/model/serialize.js');
    const { RecurrentNetwork } = await import('../src/model/recurrent/network.js');
    const configs = [
      ['recurrent-network', { cell: 'gru', vocabularySize: 7, embeddingSize: 3, hiddenSize: 4, numLayers: 2, outputSize: 7, output: 'softmax', initialState: 'learned' }],
      ['recurrent-network', { cell: 'lstm', inputSize: 5, hiddenSize: 3, outputSize: 2, initialState: 'learned' }],
      ['elman-rnn', { inputSize: 3, hiddenSize: 2, outputSize: 1, activation: 'relu', initialState: 'learned' }],
      ['ffnn', { layerSizes: [3, 4, 2] }],
    ] as const;
    for (const [kind, config] of configs) {
      const model = kind === 'recurrent-network' ? new RecurrentNetwork(config) : kind === 'elman-rnn' ? new ElmanRNN(config) : new FeedForwardNetwork(config as unknown as FfnnConfig);
      const shapes = parameterShapes(kind, config);
      expect(shapes.config).toEqual(model.config);
      expect(Object.keys(shapes.config)).toEqual(Object.keys((JSON.parse(toJSON(model)) as { config: object }).config));
      expect(shapes.parameters.map((p) => p.name)).toEqual(model.parameterNames);
      for (const { name, rows, cols } of shapes.parameters) expect(rows * cols, name).toBe(model.getParameter(name).length);
      model.dispose();
    }
    expect(parameterShapes('recurrent-network', { cell: 'lstm', inputSize: 5, hiddenSize: 3, outputSize: 2 }).parameters.slice(0, 2))
      .toEqual([{ name: 'W_in_l0', rows: 12, cols: 5 }, { name: 'W_rec_l0', rows: 12, cols: 3 }]);
  });

  it('refuses what the constructor refuses, naming the field, without allocating the sizes it names', async () => {
    const { parameterShapes } = await import('../src/model/serialize.js');
    expect(() => parameterShapes('recurrent-network', { cell: 'lstm', inputSize: 2, hiddenSize: 0, outputSize: 1 }))
      .toThrow(/^parameterShapes: hiddenSize: expected an integer in \[1, 65536\], got 0$/);
    expect(() => parameterShapes('recurrent-network', { cell: 'gru', activation: 'relu', inputSize: 2, hiddenSize: 2, outputSize: 1 }))
      .toThrow(/^parameterShapes: activation: the gru cell's nonlinearities are fixed/);
    expect(() => parameterShapes('ffnn' as 'elman-rnn', null as unknown as object)).toThrow(/^parameterShapes: config: expected an object \(the ffnn configuration\), got null$/);
    expect(() => parameterShapes('gru' as 'elman-rnn', {})).toThrow(/^parameterShapes: kind: unknown model kind "gru"/);
    // The largest config there is: 64 LSTM layers of 65536 units (about 2.2e12 weights) is described, not built.
    const { parameters } = parameterShapes('recurrent-network', { cell: 'lstm', inputSize: 65536, hiddenSize: 65536, numLayers: 64, outputSize: 65536 });
    expect(parameters.reduce((n, p) => n + p.rows * p.cols, 0)).toBeGreaterThan(2.2e12);
  });
});
