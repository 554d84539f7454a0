import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ElmanRNN, RecurrentNetwork, computeGradients, createSequenceBatch, type BackendName, type DType, type SequenceBatch,
} from '../src/index.js';
import { fromSafetensors, toSafetensors, type TorchModelOptions } from '../src/safetensors/index.js';
import { BACKENDS } from './helpers/backends.js';

/*
 * rnnkit/safetensors against the real thing, PyTorch 1.13, both ways
 * (scripts/torch-safetensors-fixtures.py and scripts/safetensors-fixtures.mjs
 * wrote the fixtures; CI has no PyTorch and reads them as committed):
 *
 * - from-torch/: files PyTorch wrote from real nn.RNN, nn.LSTM and nn.GRU
 *   modules (+ nn.Embedding, + nn.Linear) through rnnkit_torch.save, one with
 *   no rnnkit metadata at all. Loaded with fromSafetensors, rnnkit must
 *   reproduce what PyTorch computed on the fixture's batch: the outputs, the
 *   final states, the loss and the gradient of every tensor.
 * - to-torch/: files toSafetensors wrote. PyTorch loaded them with
 *   rnnkit_torch.load and ran them (torch-outputs.json); rnnkit must compute
 *   the same outputs and final states from the same files.
 *
 * To 1e-9 in float64; to 1e-4 (relative to the largest value of each
 * quantity) in float32 on every backend, as test/torch-oracle.test.ts.
 */
const dir = new URL('./fixtures/safetensors/', import.meta.url);
const read = (path: string) => new Uint8Array(readFileSync(new URL(path, dir)));

interface FromTorch {
  name: string; dtype: DType; kind: 'recurrent-network' | 'elman-rnn'; config?: TorchModelOptions;
  inputs?: number[][][]; tokens?: number[][]; targets?: number[][][]; classes?: number[][]; mask: number[][];
  outputs: number[][][]; finalH: number[][][]; finalC?: number[][][]; loss: number; gradients: Record<string, number[]>;
}

function worst(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let scale = 0, err = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]!));
  for (let i = 0; i < want.length; i++) err = Math.max(err, Math.abs(got[i]! - want[i]!));
  return err / Math.max(scale, 1e-12);
}

/** PyTorch's final states [L][B][r] (h, then c) as rnnkit's per-sequence state: h of every layer, then c of every layer. */
function rnnkitStates(parts: number[][][][]): number[] {
  const B = parts[0]![0]!.length, out: number[] = [];
  for (let b = 0; b < B; b++) for (const part of parts) for (const layer of part) out.push(...layer[b]!);
  return out;
}

/** PyTorch's gradients in rnnkit's terms (written here from the README's table, not taken from the code under test). */
function rnnkitGradients(fx: FromTorch, model: ElmanRNN | RecurrentNetwork): Record<string, number[]> {
  const g = fx.gradients, { hiddenSize: r, numLayers: L, cell } = model.structure;
  const name = (base: string, l: number) => (model instanceof ElmanRNN ? base : `${base}_l${l}`);
  const out: Record<string, number[]> = { W_out: g['head.weight']!, b_out: g['head.bias']! };
  if (g['embedding.weight']) out.embedding = g['embedding.weight'];
  for (let l = 0; l < L; l++) {
    out[name('W_in', l)] = g[`rnn.weight_ih_l${l}`]!;
    out[name('W_rec', l)] = g[`rnn.weight_hh_l${l}`]!;
    // ∂L/∂b_rec = ∂L/∂bias_ih (b_rec enters where bias_ih does); GRU's b_hn is bias_hh's n block.
    out[name('b_rec', l)] = g[`rnn.bias_ih_l${l}`]!;
    if (cell === 'gru') out[name('b_hn', l)] = g[`rnn.bias_hh_l${l}`]!.slice(2 * r);
    if (g.h0) out[name('h0', l)] = g.h0.slice(l * r, (l + 1) * r);
    if (g.c0) out[name('c0', l)] = g.c0.slice(l * r, (l + 1) * r);
  }
  return out;
}

function fixtureBatch(fx: { inputs?: number[][][]; tokens?: number[][] }, targets?: Pick<FromTorch, 'targets' | 'classes' | 'mask'>): SequenceBatch {
  const B = (fx.inputs ?? fx.tokens)!.length, T = (fx.inputs ?? fx.tokens)![0]!.length;
  const inputs = fx.tokens ? { inputSize: 1, inputs: fx.tokens.flat() } : { inputSize: fx.inputs![0]![0]!.length, inputs: fx.inputs!.flat(2) };
  const labels = !targets ? {} : targets.classes
    ? { classes: targets.classes.flat(), mask: targets.mask.flat() }
    : { targets: targets.targets!.flat(2), targetSize: targets.targets![0]![0]!.length, mask: targets.mask.flat() };
  return createSequenceBatch({ size: B, steps: T, ...inputs, ...labels });
}

const runs = (saved: DType): [DType, BackendName, number][] =>
  [['float64', 'js', saved === 'float64' ? 1e-9 : 1e-4], ...BACKENDS.map((b): [DType, BackendName, number] => ['float32', b, 1e-4])];

describe('files PyTorch wrote, read by fromSafetensors: PyTorch\'s outputs, states, loss and gradients', () => {
  const fixtures = readdirSync(new URL('from-torch/', dir)).filter((f) => f.endsWith('.json')).sort()
    .map((f) => JSON.parse(readFileSync(new URL(`from-torch/${f}`, dir), 'utf8')) as FromTorch);

  it('has the fixtures: every cell, Elman tanh, relu and sigmoid, 1–2 layers, embeddings, every F, float32, one plain file', () => {
    expect(fixtures.map((f) => f.name)).toEqual([
      'gru-1layer-learned-bce', 'gru-2layer-embedding-mse', 'gru-2layer-float32-ce', 'lstm-1layer-mse', 'lstm-2layer-embedding-learned-ce',
      'plain-lstm-2layer-embedding-ce', 'rnn-relu-elman-rnn-bce', 'rnn-sigmoid-embedding-mse', 'rnn-tanh-2layer-learned-ce',
    ]);
    const header = (name: string) => {
      const bytes = read(`from-torch/${name}.safetensors`), n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
      return JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { dtype?: string }>;
    };
    expect(header('plain-lstm-2layer-embedding-ce').__metadata__).toBeUndefined();
    expect(header('rnn-relu-elman-rnn-bce').__metadata__).toBeDefined();
    expect(new Set(Object.values(header('gru-2layer-float32-ce')).map((e) => e.dtype).filter(Boolean))).toEqual(new Set(['F32']));
    expect(new Set(Object.values(header('lstm-1layer-mse')).map((e) => e.dtype).filter(Boolean))).toEqual(new Set(['F64']));
  });

  for (const fx of fixtures) {
    for (const [dtype, backend, tolerance] of runs(fx.dtype)) {
      it(`${fx.name}: ${dtype} on ${backend}`, () => {
        const options = fx.config ? { config: fx.config, kind: fx.kind } : {};
        const model = fromSafetensors(read(`from-torch/${fx.name}.safetensors`), { ...options, dtype, backend });
        expect(model).toBeInstanceOf(fx.kind === 'elman-rnn' ? ElmanRNN : RecurrentNetwork);
        const batch = fixtureBatch(fx, fx);
        expect(worst(model.predict(batch), fx.outputs.flat(2)), 'outputs').toBeLessThanOrEqual(tolerance);
        expect(worst(model.finalStates(batch), rnnkitStates(fx.finalC ? [fx.finalH, fx.finalC] : [fx.finalH])), 'final states').toBeLessThanOrEqual(tolerance);
        const { loss, gradients } = computeGradients(model, batch);
        expect(Math.abs(loss - fx.loss) / fx.loss, 'loss').toBeLessThanOrEqual(tolerance);
        const want = rnnkitGradients(fx, model);
        expect(Object.keys(want).sort()).toEqual([...model.parameterNames].sort());
        for (const [name, values] of Object.entries(want)) {
          expect(worst(gradients[name]!, values), `gradient of ${name}`).toBeLessThanOrEqual(tolerance);
        }
        model.dispose();
      });
    }
  }
});

describe('files toSafetensors wrote, run by PyTorch (rnnkit_torch.load): the same outputs and final states', () => {
  const batches = JSON.parse(readFileSync(new URL('to-torch/batches.json', dir), 'utf8')) as Record<string, { inputs?: number[][][]; tokens?: number[][] }>;
  const torch = JSON.parse(readFileSync(new URL('to-torch/torch-outputs.json', dir), 'utf8')) as Record<string, { outputs: number[][][]; finalH: number[][][]; finalC?: number[][][] }>;

  it('has the fixtures: every cell, the Elman cell with each σ, learned states, an embedding, both kinds', () => {
    expect(Object.keys(torch).sort()).toEqual(Object.keys(batches).sort());
    const models = Object.keys(batches).map((name) => fromSafetensors(read(`to-torch/${name}.safetensors`)));
    expect(new Set(models.map((m) => `${m.structure.cell}:${m.structure.activation}`)))
      .toEqual(new Set(['elman:tanh', 'elman:relu', 'elman:sigmoid', 'elman:identity', 'lstm:tanh', 'gru:tanh']));
    expect(models.some((m) => m instanceof ElmanRNN) && models.some((m) => m instanceof RecurrentNetwork)).toBe(true);
    expect(models.filter((m) => m.structure.initialState === 'learned').map((m) => m.structure.cell).sort()).toEqual(['elman', 'elman', 'gru', 'lstm']);
    expect(models.filter((m) => m.structure.vocabularySize > 0).map((m) => m.structure.cell).sort()).toEqual(['elman', 'gru', 'lstm']);
    expect(models.filter((m) => m.structure.numLayers === 2).length).toBe(4);
  });

  for (const name of Object.keys(batches).sort()) {
    const bytes = read(`to-torch/${name}.safetensors`);

    it(`${name}: the file is what toSafetensors writes for the model it holds, byte for byte`, () => {
      const model = fromSafetensors(bytes);
      expect(model.dtype).toBe('float64');
      expect(model.metadata).toEqual({ fixture: name });
      expect(Buffer.from(toSafetensors(model)).equals(Buffer.from(bytes))).toBe(true);
    });

    for (const [dtype, backend, tolerance] of runs('float64')) {
      it(`${name}: ${dtype} on ${backend}`, () => {
        const model = fromSafetensors(bytes, { dtype, backend });
        const batch = fixtureBatch(batches[name]!);
        const want = torch[name]!;
        expect(worst(model.predict(batch), want.outputs.flat(2)), 'outputs').toBeLessThanOrEqual(tolerance);
        expect(worst(model.finalStates(batch), rnnkitStates(want.finalC ? [want.finalH, want.finalC] : [want.finalH])), 'final states').toBeLessThanOrEqual(tolerance);
        model.dispose();
      });
    }
  }
});
