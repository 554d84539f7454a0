import { describe, expect, it } from 'vitest';
import type { BackendName, DType } from '../src/backend/index.js';
import { RecurrentNetwork } from '../src/model/recurrent/network.js';
import { computeGradients } from '../src/train/gradient-algorithm.js';
import { BACKENDS } from './helpers/backends.js';
import { loadTorchWeights, torchBatch, torchConfig, torchFixtures, torchParameters, type TorchFixture } from './helpers/torch-fixtures.js';

/*
 * The gated cells against an independent oracle: PyTorch's own nn.LSTM and
 * nn.GRU (+ nn.Embedding, nn.Linear) in float64, fixtures written by
 * scripts/torch-fixtures.py. rnnkit must reproduce the outputs, the hidden
 * states, the loss and every gradient: to 1e-9 in float64, and to 1e-4
 * (relative to the largest value of each quantity) in float32 on every backend.
 */
const fixtures = torchFixtures();

function worst(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let scale = 0, err = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]!));
  for (let i = 0; i < want.length; i++) err = Math.max(err, Math.abs(got[i]! - want[i]!));
  return err / Math.max(scale, 1e-12);
}

/** PyTorch's gradients in rnnkit's terms: b_rec gets bias_ih's gradient (bias_hh's is the same, or GRU's n block is b_hn's). */
function torchGradients(fx: TorchFixture): Record<string, number[]> {
  const r = fx.hiddenSize;
  const map = torchParameters(fx, (name) => fx.gradients[name]!);
  for (let l = 0; l < fx.numLayers; l++) {
    map[`b_rec_l${l}`] = fx.gradients[`rnn.bias_ih_l${l}`]!;
    if (fx.cell === 'gru') map[`b_hn_l${l}`] = fx.gradients[`rnn.bias_hh_l${l}`]!.slice(2 * r);
  }
  return map;
}

describe('LSTM and GRU against PyTorch (float64 autograd fixtures)', () => {
  it('has the fixtures', () => expect(fixtures.length).toBe(8));

  for (const fx of fixtures) {
    const runs: [DType, BackendName, number][] = [['float64', 'js', 1e-9], ...BACKENDS.map((b): [DType, BackendName, number] => ['float32', b, 1e-4])];
    for (const [dtype, backend, tolerance] of runs) {
      it(`${fx.name}: ${dtype} on ${backend}`, () => {
        const model = new RecurrentNetwork({ ...torchConfig(fx), dtype, backend });
        loadTorchWeights(model, fx);
        const batch = torchBatch(fx);
        const { B, T, o, r } = { B: fx.batch, T: fx.steps, o: fx.outputSize, r: fx.hiddenSize };

        expect(worst(model.predict(batch), fx.outputs.flat(2)), 'outputs').toBeLessThanOrEqual(tolerance);
        const { loss, gradients } = computeGradients(model, batch);
        expect(Math.abs(loss - fx.lossValue) / fx.lossValue, 'loss').toBeLessThanOrEqual(tolerance);
        for (const [name, want] of Object.entries(torchGradients(fx))) {
          expect(worst(gradients[name]!, want), `gradient of ${name}`).toBeLessThanOrEqual(tolerance);
        }
        // The top layer's h at every step: rnnkit's state is h of every layer (then c), so take the top layer's slice per step.
        const states = model.finalStates(batch), n = model.stateSize, top = (fx.numLayers - 1) * r;
        for (let b = 0; b < B; b++) {
          const want = fx.hidden[b]![fx.lengths[b]! - 1]!;
          expect(worst(states.subarray(b * n + top, b * n + top + r), want), `h at the last step of sequence ${b}`).toBeLessThanOrEqual(tolerance);
        }
        expect(o * T * B).toBe(fx.outputs.flat(2).length);
        model.dispose();
      });
    }
  }
});
