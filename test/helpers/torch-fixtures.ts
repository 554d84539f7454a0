import { readdirSync, readFileSync } from 'node:fs';
import { createSequenceBatch, type SequenceBatch } from '../../src/data/sequence-batch.js';
import type { RecurrentNetwork } from '../../src/model/recurrent/network.js';

/** One case written by scripts/torch-fixtures.py: a PyTorch model, a batch, and what autograd computed. */
export interface TorchFixture {
  name: string; cell: 'lstm' | 'gru'; numLayers: number; inputSize: number; hiddenSize: number; outputSize: number;
  vocabSize?: number; output: 'identity' | 'softmax' | 'sigmoid'; loss: 'mse' | 'cross-entropy' | 'binary-cross-entropy';
  task: 'many-to-many' | 'many-to-one'; initialState: 'zeros' | 'learned' | 'given';
  batch: number; steps: number; lengths: number[];
  inputs?: number[][][]; tokens?: number[][]; targets?: number[][][]; classes?: number[][]; mask: number[][];
  initialH?: number[][][]; initialC?: number[][][];
  parameters: Record<string, { shape: number[]; values: number[] }>;
  lossValue: number; outputs: number[][][]; hidden: number[][][]; finalH: number[][][]; finalC?: number[][][];
  gradients: Record<string, number[]>; dInitialH?: number[]; dInitialC?: number[];
}

const dir = new URL('../fixtures/torch/', import.meta.url);

export function torchFixtures(): TorchFixture[] {
  return readdirSync(dir).filter((f) => f.endsWith('.json')).sort()
    .map((f) => JSON.parse(readFileSync(new URL(f, dir), 'utf8')) as TorchFixture);
}

/** The network config of a fixture, in RecurrentNetwork's terms. */
export function torchConfig(fx: TorchFixture) {
  return {
    cell: fx.cell, hiddenSize: fx.hiddenSize, numLayers: fx.numLayers, outputSize: fx.outputSize, output: fx.output, loss: fx.loss,
    initialState: fx.initialState === 'learned' ? 'learned' as const : 'zeros' as const,
    ...(fx.vocabSize ? { vocabularySize: fx.vocabSize, embeddingSize: fx.inputSize } : { inputSize: fx.inputSize }),
  };
}

/**
 * PyTorch's tensors as rnnkit parameters: W_in_lℓ = weight_ih_lℓ, W_rec_lℓ =
 * weight_hh_lℓ, b_rec_lℓ = bias_ih_lℓ + bias_hh_lℓ — except GRU's n block,
 * whose hidden bias stays apart as b_hn_lℓ — W_out = head.weight, b_out =
 * head.bias, embedding = embedding.weight, h0_lℓ = h0[ℓ], c0_lℓ = c0[ℓ].
 */
export function torchParameters(fx: TorchFixture, values = (name: string) => fx.parameters[name]!.values): Record<string, number[]> {
  const r = fx.hiddenSize, out: Record<string, number[]> = {};
  for (let l = 0; l < fx.numLayers; l++) {
    out[`W_in_l${l}`] = values(`rnn.weight_ih_l${l}`);
    out[`W_rec_l${l}`] = values(`rnn.weight_hh_l${l}`);
    const bih = values(`rnn.bias_ih_l${l}`), bhh = values(`rnn.bias_hh_l${l}`);
    if (fx.cell === 'gru') {
      out[`b_rec_l${l}`] = bih.map((v, i) => (i < 2 * r ? v + bhh[i]! : v));
      out[`b_hn_l${l}`] = bhh.slice(2 * r);
    } else {
      out[`b_rec_l${l}`] = bih.map((v, i) => v + bhh[i]!);
    }
    if (fx.initialState === 'learned') {
      out[`h0_l${l}`] = values('h0').slice(l * r, (l + 1) * r);
      if (fx.cell === 'lstm') out[`c0_l${l}`] = values('c0').slice(l * r, (l + 1) * r);
    }
  }
  out.W_out = values('head.weight');
  out.b_out = values('head.bias');
  if (fx.vocabSize) out.embedding = values('embedding.weight');
  return out;
}

/** The fixture's batch: float64 inputs, targets or classes, its mask and lengths, and the given initial states. */
export function torchBatch(fx: TorchFixture): SequenceBatch {
  const { batch: B, steps: T, numLayers: L, hiddenSize: r } = fx;
  const inputs = fx.tokens ? Float64Array.from(fx.tokens.flat()) : Float64Array.from(fx.inputs!.flat(2));
  const targets = fx.targets ? { targets: Float64Array.from(fx.targets.flat(2)), targetSize: fx.outputSize } : { classes: fx.classes!.flat() };
  let state = {};
  if (fx.initialState === 'given') {
    // rnnkit's per-sequence state: h of every layer, then c of every layer.
    const parts = fx.cell === 'lstm' ? [fx.initialH!, fx.initialC!] : [fx.initialH!];
    const n = parts.length * L * r, values = new Float64Array(B * n);
    parts.forEach((part, k) => part.forEach((layer, l) => layer.forEach((h, b) => values.set(h, b * n + (k * L + l) * r))));
    state = { initialState: values, stateSize: n };
  }
  return createSequenceBatch({
    size: B, steps: T, inputSize: fx.tokens ? 1 : fx.inputSize, inputs, ...targets, mask: fx.mask.flat(), lengths: fx.lengths, ...state,
  });
}

/** Loads a fixture's weights into a network of its config. */
export function loadTorchWeights(model: RecurrentNetwork, fx: TorchFixture): void {
  model.setParameters(torchParameters(fx));
}
