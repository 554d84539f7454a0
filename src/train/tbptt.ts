import type { SequenceBatch } from '../data/sequence-batch.js';
import { RnnkitError } from '../errors.js';
import type { ElmanRNN } from '../model/rnn.js';

/**
 * Truncated BPTT(k1, k2) (Williams & Peng 1990; note 002 eqs. 3.22–3.23) over
 * one batch. The sequence is consumed k1 steps at a time; after each chunk,
 * the error of that chunk's outputs is propagated back through the chunk and
 * the k2 − k1 steps before it (k2 steps for a full chunk), and the pass yields
 * its loss with the gradient ready. The
 * hidden state is carried across chunk boundaries; no gradient crosses the
 * window's start.
 *
 * The activations live in a window of min(k2, T) steps that slides in
 * place, so memory is O(k2·B·r) whatever T is. With k1 = k2 = k the window is
 * simply the chunk. Between passes a trainer may update the weights: later
 * chunks then run with the new weights from the carried state.
 */
export function* tbpttPasses(
  model: ElmanRNN, data: SequenceBatch, indices: ArrayLike<number>, k1: number, k2: number, accumulate: boolean,
): Generator<number> {
  const B = indices.length, T = data.steps;
  const { inputSize: p, hiddenSize: r } = model.config;
  const k = model.backend.kernels;
  const f = model.batchFrame(B, Math.min(k2, T));
  model.loadInitialState(f, data, indices);
  let windowStart = 0; // the first step held in the window
  let length = 0; // steps held
  for (let t = 0; t < T; ) {
    if (!model.frameIsCurrent(f)) {
      throw new RnnkitError('truncated BPTT: the model was used by another call in the middle of a sequence (e.g. predict in onStep); evaluate in onEpoch instead');
    }
    const mem = model.workspace.mem;
    const n = Math.min(k1, T - t);
    // The chunk's error flows back through the chunk and at most k2 − k1 steps before it.
    const keep = Math.min(length, k2 - k1);
    if (keep < length) {
      // Slide: drop the oldest steps; φ's slot 0 becomes the state before the new window start.
      const drop = length - keep;
      k.copy(mem, f.x, f.x + drop * B * p, (length - drop) * B * p);
      k.copy(mem, f.phi, f.phi + drop * B * r, (length - drop + 1) * B * r);
      length -= drop;
      windowStart += drop;
      f.learnedState = false; // slot 0 is now a carried state, not h0
    }
    model.loadSteps(f, data, indices, t, n, length);
    model.forwardSlots(f, length, n);
    if (!accumulate) k.fill(mem, model.block.grads, model.parameterCount, 0);
    const loss = model.lossSlots(f, length, n, true);
    // Only the newest chunk's outputs inject error; older steps in the window just carry it back.
    k.fill(mem, f.dPhi, length * B * r, 0);
    model.outputBackward(f, length, n);
    model.bpttSlots(f, length + n, windowStart === 0);
    length += n;
    t += n;
    yield loss;
  }
}
