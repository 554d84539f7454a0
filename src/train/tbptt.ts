import type { SequenceBatch } from '../data/sequence-batch.js';
import { RnnkitError } from '../errors.js';
import type { RecurrentModel } from '../model/recurrent/model.js';
import type { SequenceFrame } from '../model/recurrent/frame.js';

/**
 * Truncated BPTT(k1, k2) (Williams & Peng 1990; note 002 eqs. 3.22–3.23) over
 * one batch, for every cell and depth. The sequence is consumed k1 steps at a
 * time; after each chunk, the error of that chunk's outputs is propagated
 * back through the chunk and the k2 − k1 steps before it (k2 steps for a full
 * chunk), and the pass yields its loss with the gradient ready. The state
 * (h, and c for LSTM, of every layer) is carried across chunk boundaries; no
 * gradient crosses the window's start.
 *
 * The activations live in a window of min(k2, T) steps that slides in
 * place, so memory is O(k2·B·r) whatever T is. With k1 = k2 = k the window is
 * simply the chunk. Between passes a trainer may update the weights: later
 * chunks then run with the new weights from the carried state.
 */
export function* tbpttPasses(
  model: RecurrentModel, data: SequenceBatch, indices: ArrayLike<number>, k1: number, k2: number, accumulate: boolean,
  frame?: SequenceFrame,
): Generator<number> {
  const B = indices.length, T = data.steps, r = model.hiddenSize;
  const f = frame ?? model.batchFrame(B, Math.min(k2, T));
  const k = f.kernels;
  model.loadInitialState(f, data, indices);
  const top = f.layers[f.layers.length - 1]!;
  let length = 0; // steps held in the window
  for (let t = 0; t < T; ) {
    if (!model.frameIsCurrent(f)) {
      throw new RnnkitError('truncated BPTT: the model was used by another call in the middle of a sequence (e.g. predict in onStep); evaluate in onEpoch instead');
    }
    const n = Math.min(k1, T - t);
    model.loadSteps(f, data, indices, t, n, length);
    model.forwardSlots(f, length, n, true);
    const mem = model.workspace.mem;
    if (!accumulate) k.fill(mem, f.gradients.block, model.parameterCount, 0);
    const loss = model.lossSlots(f, length, n, true);
    // Only the newest chunk's outputs inject error; older steps in the window just carry it back.
    k.fill(mem, top.dH, length * B * r, 0);
    model.outputBackward(f, length, n);
    model.backwardSlots(f, length + n, f.firstStep === 0, true);
    length += n;
    t += n;
    // The next chunk's error flows back through it and at most k2 − k1 steps before it. Sliding now,
    // not when the next chunk starts, keeps every kernel call of a pass after its loads: a thread
    // replays a share's kernel calls later than they were recorded (src/threads).
    const keep = Math.min(length, k2 - k1);
    if (t < T && keep < length) {
      model.slide(f, length - keep, length, false);
      length = keep;
    }
    yield loss;
  }
}
