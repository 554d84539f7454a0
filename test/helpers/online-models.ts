import type { RecurrentNetwork } from '../../src/model/recurrent/network.js';
import type { ElmanRNN } from '../../src/model/rnn.js';
import { UORO_KERNELS } from '../../src/train/uoro.js';

/*
 * Shared by the tests of the online algorithms (test/rtrl-gated, snap, uoro,
 * uoro-stacked and online-stacked): models set up so that every column of a
 * sensitivity or trace is exercised, or so that no path goes through time;
 * UORO's kernels swapped for a deliberately wrong one; gradients flattened.
 */

type Grads = Record<string, Float64Array | Float32Array>;

/** Biases and learned states moved away from zero, so that every column of the sensitivities is exercised. */
export function awayFromZero<M extends RecurrentNetwork | ElmanRNN>(m: M): M {
  for (const name of m.parameterNames) if (/^(b_|h0|c0)/.test(name)) m.setParameter(name, m.getParameter(name).map((v, i) => v + 0.3 * Math.cos(i + name.length)));
  return m;
}

/** No path through time: every W_rec = 0, and the LSTM's forget gate (the GRU's update gate) exactly 0. */
export function withoutTime(m: RecurrentNetwork, cell: 'elman' | 'lstm' | 'gru'): RecurrentNetwork {
  const r = m.hiddenSize;
  for (let l = 0; l < m.structure.numLayers; l++) {
    m.setParameter(m.parameterName('W_rec', l), new Float64Array(m.getParameter(m.parameterName('W_rec', l)).length));
    if (cell !== 'elman') m.setParameter(m.parameterName('b_rec', l), m.getParameter(m.parameterName('b_rec', l)).map((v, i) => (i >= r && i < 2 * r ? -1000 : v)));
  }
  return m;
}

/** Runs `body` with one of UORO's JS kernels replaced. */
export function withUoroKernel<T>(name: keyof typeof UORO_KERNELS.js, kernel: unknown, body: () => T): T {
  const js = UORO_KERNELS.js as unknown as Record<string, unknown>, original = js[name];
  js[name] = kernel;
  try { return body(); } finally { js[name] = original; }
}

/** The gradients of `names`, in that order, as one float64 vector. */
export function flatGradients(g: Grads, names: readonly string[]): Float64Array {
  return Float64Array.from(names.flatMap((name) => Array.from(g[name]!)));
}
