import { createSequenceBatch, type SequenceBatch } from '../../src/data/sequence-batch.js';
import type { RecurrentModel } from '../../src/model/recurrent/model.js';
import { computeGradients } from '../../src/train/gradient-algorithm.js';

export type Grads = Record<string, Float32Array | Float64Array>;

/** Worst relative difference between two gradient sets, over all parameters (norm-wise per parameter). */
export function relativeDifference(a: Grads, b: Grads): number {
  let worst = 0;
  for (const name of Object.keys(a)) {
    let diff = 0, norm = 0;
    for (let i = 0; i < a[name]!.length; i++) {
      diff = Math.max(diff, Math.abs(a[name]![i]! - b[name]![i]!));
      norm = Math.max(norm, Math.abs(a[name]![i]!), Math.abs(b[name]![i]!));
    }
    worst = Math.max(worst, diff / Math.max(norm, 1e-300));
  }
  return worst;
}

/** Steps [from, from + count) of a batch as a batch of their own, starting from the given states. */
export function chunkOf(batch: SequenceBatch, from: number, count: number, states: Float32Array | Float64Array | undefined, r: number): SequenceBatch {
  const { size: B, steps: T, inputSize: p, targetSize: o } = batch;
  const inputs = new Float64Array(B * count * p), targets = new Float64Array(B * count * o!), mask = new Float64Array(B * count);
  for (let b = 0; b < B; b++) {
    for (let s = 0; s < count; s++) {
      const src = b * T + from + s, dst = b * count + s;
      inputs.set(batch.inputs.subarray(src * p, (src + 1) * p), dst * p);
      targets.set(batch.targets!.subarray(src * o!, (src + 1) * o!), dst * o!);
      mask[dst] = batch.mask[src]!;
    }
  }
  return createSequenceBatch({
    size: B, steps: count, inputSize: p, inputs, targets, targetSize: o, mask,
    ...(states ? { initialState: states, stateSize: r } : {}),
  });
}

/** The state after `steps` steps of each sequence, by a plain forward pass over a prefix. */
export function stateAfter(model: RecurrentModel, batch: SequenceBatch, steps: number): Float64Array | undefined {
  if (steps === 0) return undefined;
  const prefix = chunkOf(batch, 0, steps, undefined, 0);
  const full = createSequenceBatch({ size: prefix.size, steps, inputSize: prefix.inputSize, inputs: prefix.inputs }); // all lengths = steps
  return model.finalStates(full) as Float64Array;
}


/**
 * The reference truncated BPTT(k) must equal: full BPTT on each chunk of k
 * steps as a batch of its own, detached — chunk 0 from the model's own initial
 * state, each later one from the state the sequence carried into it, given as
 * data — with the losses and gradients summed.
 */
export function detachedChunks(model: RecurrentModel, batch: SequenceBatch, k: number): { loss: number; gradients: Grads } {
  const gradients: Grads = {};
  let loss = 0;
  for (let from = 0; from < batch.steps; from += k) {
    const chunk = chunkOf(batch, from, Math.min(k, batch.steps - from), stateAfter(model, batch, from), model.stateSize);
    const g = computeGradients(model, chunk);
    loss += g.loss;
    for (const [name, v] of Object.entries(g.gradients)) {
      gradients[name] ??= new Float64Array(v.length);
      v.forEach((x, i) => (gradients[name]![i]! += x));
    }
  }
  return { loss, gradients };
}
