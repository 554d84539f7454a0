import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createRowBatch, createSequenceBatch, ElmanRNN, FeedForwardNetwork, Random, RecurrentNetwork, RnnkitError,
  type Activation, type CellType, type OutputFunction, type RecurrentModel,
} from '../src/index.js';
import { toONNX } from '../src/onnx/index.js';
import { ProtoWriter } from '../src/onnx/protobuf.js';
import { readOnnx } from './helpers/onnx-reader.js';

/*
 * Every exported model runs in onnxruntime-node (1.30, its CPU kernels) on
 * the same inputs as rnnkit's predict, and its outputs and final states must
 * match rnnkit's (predict, finalStates) to 1e-5 relative:
 * |onnx − rnnkit| ≤ 1e-5 · max(1, |rnnkit|), element by element. Every
 * parameter is set to random values first (biases, b_hn and learned states
 * too), so a gate block, bias or state put in the wrong place shows.
 * Odd sizes: B = 3 sequences of T = 6 steps, p = 7, r = 13, o = 5; V = 11, E = 4.
 */
const B = 3, T = 6, p = 7, r = 13, o = 5, V = 11, E = 4;
const TOLERANCE = 1e-5;

/** The worst relative difference seen per group of cases, printed at the end. */
const worst: Record<string, number> = {};
afterAll(() => console.log(`onnxruntime-node vs rnnkit, worst |Δ| / max(1, |rnnkit|):\n${Object.entries(worst).map(([k, v]) => `  ${k}: ${v.toExponential(2)}`).join('\n')}`));

function relativeDifference(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let d = 0;
  for (let i = 0; i < want.length; i++) d = Math.max(d, Math.abs(got[i]! - want[i]!) / Math.max(1, Math.abs(want[i]!)));
  return d;
}

function expectClose(group: string, got: ArrayLike<number>, want: ArrayLike<number>): void {
  const d = relativeDifference(got, want);
  worst[group] = Math.max(worst[group] ?? 0, d);
  expect(d).toBeLessThanOrEqual(TOLERANCE);
}

/** Every parameter drawn from U(−0.5, 0.5). */
function randomize(model: RecurrentModel | FeedForwardNetwork, seed: number): void {
  const random = new Random(seed);
  for (const name of model.parameterNames) {
    model.setParameter(name, Array.from(model.getParameter(name), () => random.uniform(-0.5, 0.5)));
  }
}

async function runOnnx(bytes: Uint8Array, feeds: Record<string, ort.Tensor>): Promise<Record<string, Float32Array>> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const out = await session.run(feeds);
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data as Float32Array]));
  } finally {
    await session.release();
  }
}

/** A state [B][stateSize] (h of every layer, then c) as ONNX's [numLayers][B][r] for h (k = 0) or c (k = 1). */
function stateTensor(state: ArrayLike<number>, k: number, layers: number, batch: number): Float32Array {
  const size = state.length / batch, out = new Float32Array(layers * batch * r);
  for (let l = 0; l < layers; l++) {
    for (let b = 0; b < batch; b++) {
      for (let j = 0; j < r; j++) out[(l * batch + b) * r + j] = state[b * size + (k * layers + l) * r + j]!;
    }
  }
  return out;
}

interface Inputs { x: ort.Tensor; values: Float32Array; initialState?: Float32Array }

/** Random inputs for a model (token ids below V with an embedding), and a random initial state when `given`. */
function inputsFor(model: RecurrentModel, seed: number, given: boolean, batch = B, steps = T): Inputs {
  const random = new Random(seed);
  const tokens = model.structure.vocabularySize > 0;
  const n = batch * steps * model.inputSize;
  const values = Float32Array.from({ length: n }, () => (tokens ? random.int(V) : random.uniform(-1, 1)));
  const x = tokens ? new ort.Tensor('int64', BigInt64Array.from(values, (v) => BigInt(v)), [batch, steps])
    : new ort.Tensor('float32', values, [batch, steps, model.inputSize]);
  const initialState = given ? Float32Array.from({ length: batch * model.stateSize }, () => random.uniform(-0.8, 0.8)) : undefined;
  return { x, values, ...(initialState ? { initialState } : {}) };
}

/** Runs the exported model and rnnkit on the same inputs and compares outputs and final states. */
async function expectSameAsRnnkit(model: RecurrentModel, group: string, given: boolean, seed: number, batch = B, steps = T, bytes?: Uint8Array): Promise<void> {
  const L = model.structure.numLayers, lstm = model.structure.cell === 'lstm';
  const { x, values, initialState } = inputsFor(model, seed, given, batch, steps);
  const feeds: Record<string, ort.Tensor> = { x };
  if (initialState) {
    feeds.h0 = new ort.Tensor('float32', stateTensor(initialState, 0, L, batch), [L, batch, r]);
    if (lstm) feeds.c0 = new ort.Tensor('float32', stateTensor(initialState, 1, L, batch), [L, batch, r]);
  }
  const out = await runOnnx(bytes ?? toONNX(model, { initialStates: given }), feeds);
  const data = createSequenceBatch({
    size: batch, steps, inputSize: model.inputSize, inputs: values,
    ...(initialState ? { initialState, stateSize: model.stateSize } : {}),
  });
  expect(Object.keys(out).sort()).toEqual(lstm ? ['cn', 'hn', 'y'] : ['hn', 'y']);
  expectClose(group, out.y!, model.predict(data));
  const final = model.finalStates(data);
  expectClose(group, out.hn!, stateTensor(final, 0, L, batch));
  if (lstm) expectClose(group, out.cn!, stateTensor(final, 1, L, batch));
}

const CELLS: [CellType, Activation][] = [['elman', 'tanh'], ['elman', 'relu'], ['elman', 'sigmoid'], ['elman', 'identity'], ['lstm', 'tanh'], ['gru', 'tanh']];
const OUTPUTS: OutputFunction[] = ['identity', 'softmax', 'sigmoid'];
/** Where the initial state comes from: the model's zeros, its learned h0/c0, or the inputs h0/c0 (on a model with zeros or learned states). */
const STATES = [
  ['zeros', 'zeros', false], ['learned', 'learned', false], ['given', 'zeros', true], ['given over learned', 'learned', true],
] as const;

describe('toONNX: RecurrentNetwork in onnxruntime-node matches predict and finalStates', () => {
  let seed = 100;
  for (const [cell, activation] of CELLS) {
    for (const output of OUTPUTS) {
      for (const numLayers of [1, 2]) {
        for (const embedding of [false, true]) {
          for (const [states, initialState, given] of STATES) {
            const s = seed++;
            const name = `${cell}${cell === 'elman' ? ` ${activation}` : ''}`;
            it(`${name}, output ${output}, ${numLayers} layer${numLayers > 1 ? 's' : ''}, ${embedding ? 'embedding' : 'vectors'}, ${states} states`, async () => {
              const model = new RecurrentNetwork({
                cell, activation, output, numLayers, hiddenSize: r, outputSize: o, initialState, seed: s,
                ...(embedding ? { vocabularySize: V, embeddingSize: E } : { inputSize: p }),
                ...(numLayers > 1 ? { dropout: 0.3 } : {}),
              });
              randomize(model, s);
              await expectSameAsRnnkit(model, name, given, s);
            });
          }
        }
      }
    }
  }
});

describe('toONNX: ElmanRNN in onnxruntime-node', () => {
  let seed = 500;
  for (const activation of ['tanh', 'relu', 'sigmoid', 'identity'] as const) {
    for (const output of OUTPUTS) {
      for (const [states, initialState, given] of STATES) {
        const s = seed++;
        it(`σ ${activation}, output ${output}, ${states} states`, async () => {
          const model = new ElmanRNN({ inputSize: p, hiddenSize: r, outputSize: o, activation, output, initialState, seed: s });
          randomize(model, s);
          await expectSameAsRnnkit(model, `ElmanRNN ${activation}`, given, s);
        });
      }
    }
  }
});

describe('toONNX: FeedForwardNetwork in onnxruntime-node', () => {
  let seed = 700;
  for (const activation of ['tanh', 'relu', 'sigmoid', 'identity'] as const) {
    for (const output of OUTPUTS) {
      for (const layerSizes of [[p, o], [p, r, o], [p, r, 9, o]]) {
        const s = seed++;
        it(`σ ${activation}, output ${output}, layers ${layerSizes.join('-')}`, async () => {
          const model = new FeedForwardNetwork({ layerSizes, activation, output, seed: s });
          randomize(model, s);
          const random = new Random(s);
          const inputs = Float32Array.from({ length: 4 * p }, () => random.uniform(-1, 1));
          const out = await runOnnx(toONNX(model), { x: new ort.Tensor('float32', inputs, [4, p]) });
          expect(Object.keys(out)).toEqual(['y']);
          expectClose('FeedForwardNetwork', out.y!, model.predict(createRowBatch({ size: 4, inputSize: p, inputs })));
        });
      }
    }
  }
});

describe('toONNX: the file', () => {
  it('batch and steps are free: one file runs 1×1, 3×6 and 5×17', async () => {
    const model = new RecurrentNetwork({ cell: 'gru', inputSize: p, hiddenSize: r, numLayers: 2, outputSize: o, initialState: 'learned', seed: 3 });
    randomize(model, 3);
    const bytes = toONNX(model);
    for (const [batch, steps] of [[1, 1], [3, 6], [5, 17]] as const) await expectSameAsRnnkit(model, 'gru', false, 4, batch, steps, bytes);
  });

  it('with initialStates, feeding hn (and cn) back as h0 (and c0) carries a stream on: two halves give the whole sequence', async () => {
    for (const cell of ['lstm', 'gru', 'elman'] as const) {
      const model = new RecurrentNetwork({ cell, inputSize: p, hiddenSize: r, numLayers: 2, outputSize: o, initialState: 'learned', seed: 11 });
      randomize(model, 11);
      const { values } = inputsFor(model, 12, false, 1, 10);
      const session = await ort.InferenceSession.create(toONNX(model, { initialStates: true }));
      // Start from the learned states, as the model does: [numLayers][1][r].
      const learned = (role: 'h0' | 'c0') => new ort.Tensor('float32', Float32Array.from([0, 1].flatMap((l) => Array.from(model.getParameter(model.parameterName(role, l))))), [2, 1, r]);
      let state: Record<string, ort.Tensor> = { h0: learned('h0'), ...(cell === 'lstm' ? { c0: learned('c0') } : {}) };
      const ys: number[] = [];
      for (const [from, to] of [[0, 4], [4, 10]] as const) {
        const out = await session.run({ x: new ort.Tensor('float32', values.slice(from * p, to * p), [1, to - from, p]), ...state });
        ys.push(...out.y!.data as Float32Array);
        state = { h0: out.hn!, ...(cell === 'lstm' ? { c0: out.cn! } : {}) };
      }
      await session.release();
      expectClose(cell, ys, model.predict(createSequenceBatch({ size: 1, steps: 10, inputSize: p, inputs: values })));
    }
  });

  it('a float64 model is exported in float32: the same file as its float32 clone, and it matches the float64 predict', async () => {
    const model = new RecurrentNetwork({
      cell: 'lstm', vocabularySize: V, embeddingSize: E, hiddenSize: r, numLayers: 2, outputSize: o, output: 'softmax',
      initialState: 'learned', dtype: 'float64', seed: 9,
    });
    randomize(model, 9);
    expect(model.getParameter('W_in_l0')).toBeInstanceOf(Float64Array);
    expect(toONNX(model)).toEqual(toONNX(model.clone({ dtype: 'float32' })));
    await expectSameAsRnnkit(model, 'lstm (float64 model)', false, 9);
  });

  it('uses ONNX\'s own recurrent operators, one per layer, at opset 14 and IR version 7', () => {
    const model = new RecurrentNetwork({ cell: 'lstm', vocabularySize: V, embeddingSize: E, hiddenSize: r, numLayers: 2, outputSize: o, output: 'softmax', initialState: 'learned' });
    const file = readOnnx(toONNX(model));
    expect(file.irVersion).toBe(7);
    expect(file.opsets).toEqual([{ domain: '', version: 14 }]);
    expect(file.producer).toBe('rnnkit');
    const ops = file.nodes.map((n) => n.op);
    expect(ops.filter((op) => ['LSTM', 'GRU', 'RNN'].includes(op))).toEqual(['LSTM', 'LSTM']);
    expect(ops.filter((op) => op === 'Gather' || op === 'Softmax')).toEqual(['Gather', 'Gather', 'Softmax']); // the batch size, the embedding; F
    for (const lstm of file.nodes.filter((n) => n.op === 'LSTM')) {
      expect(lstm.attributes).toEqual({ hidden_size: { type: 2, value: r } });
      expect(lstm.inputs).toHaveLength(7); // X, W, R, B, sequence_lens (none), initial_h, initial_c
      expect(lstm.inputs[4]).toBe('');
    }
    expect(file.inputs).toEqual([{ name: 'x', elemType: 7, dims: ['batch', 'steps'], doc: expect.stringMatching(/token ids/) }]);
    expect(file.outputs.map((v) => [v.name, v.elemType, v.dims])).toEqual([
      ['y', 1, ['batch', 'steps', o]], ['hn', 1, [2, 'batch', r]], ['cn', 1, [2, 'batch', r]],
    ]);
    expect(file.doc).toMatch(/2 lstm layers of 13 units/);
  });

  it('places the gate blocks and biases in ONNX\'s order: LSTM i, o, f, c; GRU z, r, h with b_hn in Rb and linear_before_reset', () => {
    const block = (values: ArrayLike<number>, k: number, size: number) => Array.from(values).slice(k * size, (k + 1) * size);
    const lstm = new RecurrentNetwork({ cell: 'lstm', inputSize: 2, hiddenSize: 3, outputSize: 1 });
    randomize(lstm, 1);
    const lstmFile = readOnnx(toONNX(lstm));
    const tensor = (file: ReturnType<typeof readOnnx>, name: string) => file.initializers.find((t) => t.name === name)!;
    const f32 = (v: ArrayLike<number>) => Array.from(Float32Array.from(v));
    // rnnkit (PyTorch) LSTM blocks i, f, g, o → ONNX i, o, f, c.
    const wIn = lstm.getParameter('W_in_l0'), bRec = lstm.getParameter('b_rec_l0');
    expect(tensor(lstmFile, 'W_l0').dims).toEqual([1, 12, 2]);
    expect(tensor(lstmFile, 'W_l0').values).toEqual([0, 3, 1, 2].flatMap((k) => f32(block(wIn, k, 6))));
    expect(tensor(lstmFile, 'B_l0').values).toEqual([...[0, 3, 1, 2].flatMap((k) => f32(block(bRec, k, 3))), ...new Array(12).fill(0)]);
    // rnnkit GRU blocks r, z, n → ONNX z, r, h; Rb = (0, 0, b_hn).
    const gru = new RecurrentNetwork({ cell: 'gru', inputSize: 2, hiddenSize: 3, outputSize: 1 });
    randomize(gru, 2);
    const gruFile = readOnnx(toONNX(gru));
    const wRec = gru.getParameter('W_rec_l0'), gruBias = gru.getParameter('b_rec_l0');
    expect(tensor(gruFile, 'R_l0').values).toEqual([1, 0, 2].flatMap((k) => f32(block(wRec, k, 9))));
    expect(tensor(gruFile, 'B_l0').values).toEqual([...[1, 0, 2].flatMap((k) => f32(block(gruBias, k, 3))), 0, 0, 0, 0, 0, 0, ...f32(gru.getParameter('b_hn_l0'))]);
    expect(gruFile.nodes.find((n) => n.op === 'GRU')!.attributes.linear_before_reset).toEqual({ type: 2, value: 1 });
    // An identity Elman σ is ONNX's Affine(x) = 1·x + 0.
    const elman = readOnnx(toONNX(new ElmanRNN({ inputSize: 2, hiddenSize: 3, outputSize: 1, activation: 'identity' })));
    expect(elman.nodes.find((n) => n.op === 'RNN')!.attributes).toEqual({
      hidden_size: { type: 2, value: 3 }, activations: { type: 8, value: ['Affine'] },
      activation_alpha: { type: 6, value: [1] }, activation_beta: { type: 6, value: [0] },
    });
  });

  it('with initialStates, the inputs h0 and c0 [numLayers][batch][r]; the model\'s metadata as the property rnnkit.metadata', () => {
    const model = new RecurrentNetwork({ cell: 'lstm', inputSize: p, hiddenSize: r, numLayers: 3, outputSize: o, initialState: 'learned' });
    model.metadata = { vocabulary: ['a', 'b'], note: 'ünïcode' };
    const file = readOnnx(toONNX(model, { initialStates: true }));
    expect(file.inputs.map((v) => [v.name, v.elemType, v.dims])).toEqual([['x', 1, ['batch', 'steps', p]], ['h0', 1, [3, 'batch', r]], ['c0', 1, [3, 'batch', r]]]);
    // The learned states are not in the file when the inputs replace them.
    expect(file.initializers.some((t) => t.name.startsWith('learned_'))).toBe(false);
    expect(JSON.parse(file.metadata['rnnkit.metadata']!)).toEqual(model.metadata);
    expect(readOnnx(toONNX(new ElmanRNN({ inputSize: 1, hiddenSize: 2, outputSize: 1 }))).metadata).toEqual({});
  });
});

describe('the protobuf writer', () => {
  const hex = (w: ProtoWriter) => Buffer.from(w.finish()).toString('hex');
  it('writes varints, negative int64s, floats, strings and embedded messages in the wire format', () => {
    // Field 1 = 150: key 0x08, then 150 as a varint (0x96 0x01), the protocol buffers documentation's example.
    expect(hex(new ProtoWriter().int(1, 150))).toBe('089601');
    expect(hex(new ProtoWriter().int(1, 0).int(2, 127).int(3, 128))).toBe('0800107f188001');
    expect(hex(new ProtoWriter().int(16, 2 ** 40))).toBe('8001808080808020'); // field 16: a two-byte key
    expect(hex(new ProtoWriter().int(1, -1))).toBe('08ffffffffffffffffff01'); // int64 −1: ten bytes, two's complement
    expect(hex(new ProtoWriter().int(1, -(2 ** 31)))).toBe('0880808080f8ffffffff01');
    expect(hex(new ProtoWriter().float(2, 1.5))).toBe('150000c03f');
    expect(hex(new ProtoWriter().string(3, 'ü'))).toBe('1a02c3bc');
    const inner = new ProtoWriter().int(1, 1).string(2, 'x'.repeat(200));
    expect(hex(new ProtoWriter().message(4, inner).int(5, 1))).toBe(`22cd01080112c801${'78'.repeat(200)}2801`);
    expect(inner.finish()).toHaveLength(205); // unchanged by being embedded
  });
});

describe('toONNX: what it refuses', () => {
  const rnn = new ElmanRNN({ inputSize: 1, hiddenSize: 2, outputSize: 1 });
  const refuses = (call: () => unknown, message: RegExp) => {
    let error: unknown;
    try { call(); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(RnnkitError);
    expect((error as Error).message).toMatch(message);
  };
  it('anything but an rnnkit model', () => {
    refuses(() => toONNX({} as never), /^model: expected a RecurrentNetwork, ElmanRNN or FeedForwardNetwork, got an object$/);
    refuses(() => toONNX(null as never), /^model: expected .*, got null$/);
    refuses(() => toONNX(new Map() as never), /got a Map$/);
    refuses(() => toONNX([rnn] as never), /got an array$/);
    // What looks like a model but is not one of these classes: another copy's (rnnkit/js).
    refuses(() => toONNX({ parameterNames: [], getParameter: () => new Float32Array() } as never), /^model: a model of another copy of rnnkit \(rnnkit\/js, or a second install\)/);
  });
  it('unknown or mistyped options, and initial states for a network without state', () => {
    refuses(() => toONNX(rnn, { initialState: true } as never), /^toONNX options: unknown option 'initialState' \(known: initialStates\)$/);
    refuses(() => toONNX(rnn, { initialStates: 'yes' } as never), /^initialStates: expected true or false, got "yes"$/);
    refuses(() => toONNX(rnn, 5 as never), /^options: expected an object, got 5$/);
    refuses(() => toONNX(new FeedForwardNetwork({ layerSizes: [2, 1] }), { initialStates: true }), /^initialStates: a FeedForwardNetwork has no state/);
  });
});
