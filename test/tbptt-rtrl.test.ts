import { describe, expect, it } from 'vitest';
import type { Activation } from '../src/model/functions.js';
import { ElmanRNN } from '../src/model/rnn.js';
import { computeGradients } from '../src/train/gradient-algorithm.js';
import { gradientCheck } from '../src/train/gradient-check.js';
import { rtrl, rtrlBytes } from '../src/train/rtrl.js';
import { train } from '../src/train/train.js';
import { randomBatch } from './helpers/random-data.js';
import { chunkOf, detachedChunks, relativeDifference, stateAfter, type Grads } from './helpers/chunks.js';

const activations: Activation[] = ['tanh', 'sigmoid', 'relu', 'identity'];

function model64(activation: Activation, learned = true) {
  const m = new ElmanRNN({
    inputSize: 7, hiddenSize: 13, outputSize: 5, activation, output: 'softmax', dtype: 'float64',
    initialState: learned ? 'learned' : 'zeros', seed: 4, init: { recurrentGain: 0.9 },
  });
  if (learned) m.setParameter('h0', Float64Array.from({ length: 13 }, (_, i) => 0.2 * Math.cos(i)));
  return m;
}

describe('exact RTRL', () => {
  for (const activation of activations) {
    it(`equals full BPTT (≤ 1e-9 relative) for σ=${activation}, with a mask, ragged lengths and a learned h0`, () => {
      const model = model64(activation);
      const batch = randomBatch({ size: 3, steps: 6, inputSize: 7, outputSize: 5, targets: 'classes', ragged: true, seed: 5 });
      (batch.mask as Float32Array)[2] = 0; // switch one more step off by hand
      const bptt = computeGradients(model, batch);
      const byRtrl = computeGradients(model, batch, { algorithm: rtrl() });
      expect(byRtrl.loss).toBeCloseTo(bptt.loss, 12);
      expect(relativeDifference(byRtrl.gradients, bptt.gradients)).toBeLessThanOrEqual(1e-9);
      expect(Math.max(...Array.from(bptt.gradients.h0!, Math.abs))).toBeGreaterThan(1e-6); // h0 really is exercised
    });
  }

  it('passes a float64 finite-difference check at odd sizes (r=13, p=7, o=5) and at r=1', () => {
    const batch = randomBatch({ size: 3, steps: 5, inputSize: 7, outputSize: 5, targets: 'vector', ragged: true, seed: 9 });
    const model = new ElmanRNN({ inputSize: 7, hiddenSize: 13, outputSize: 5, initialState: 'learned', seed: 2, init: { recurrentGain: 0.9 } });
    model.setParameter('h0', Float64Array.from({ length: 13 }, (_, i) => 0.1 * i - 0.5));
    const result = gradientCheck(model, batch, { algorithm: rtrl() });
    for (const [name, c] of Object.entries(result.parameters)) expect(c.relativeError, name).toBeLessThanOrEqual(1e-6);
    const tiny = new ElmanRNN({ inputSize: 7, hiddenSize: 1, outputSize: 5, activation: 'sigmoid', seed: 3 });
    expect(gradientCheck(tiny, batch, { algorithm: rtrl() }).maxRelativeError).toBeLessThanOrEqual(1e-6);
  });

  it('refuses, before allocating, what exceeds the memory cap, stating the bytes and suggesting TBPTT', () => {
    const model = new ElmanRNN({ inputSize: 16, hiddenSize: 64, outputSize: 16 });
    const batch = randomBatch({ size: 16, steps: 2, inputSize: 16, outputSize: 16, targets: 'vector' });
    const bytes = rtrlBytes(model, 16);
    // 2·B·r·n floats: n = 64·16 + 64² + 64 = 5184; 2·16·64·5184 + 5184 values of 4 bytes.
    expect(bytes).toBe((2 * 16 * 64 * 5184 + 5184) * 4);
    const before = model.workspace.length;
    expect(() => computeGradients(model, batch, { algorithm: rtrl({ maxBytes: 1e6 }) }))
      .toThrow(/RTRL would need 40\.5 MiB for its sensitivities \(2 × B·r·n = 2 × 16·64·5184 values\), over the cap of 1\.0 MiB \(algorithm\.maxBytes\)\. Truncated BPTT/);
    expect(model.workspace.length).toBe(before); // nothing was allocated
    const big = new ElmanRNN({ inputSize: 64, hiddenSize: 256, outputSize: 8 });
    expect(() => computeGradients(big, randomBatch({ size: 32, steps: 2, inputSize: 64, outputSize: 8, targets: 'vector' }), { algorithm: rtrl() }))
      .toThrow(/over the cap of 256\.0 MiB/);
  });
});

describe('truncated BPTT', () => {
  for (const activation of activations) {
    it(`with k ≥ T equals full BPTT (σ=${activation})`, () => {
      const model = model64(activation);
      const batch = randomBatch({ size: 3, steps: 6, inputSize: 7, outputSize: 5, targets: 'probability', ragged: true, seed: 6 });
      const bptt = computeGradients(model, batch);
      for (const k of [6, 9]) {
        const tbptt = computeGradients(model, batch, { algorithm: { type: 'tbptt', k } });
        expect(tbptt.loss).toBeCloseTo(bptt.loss, 12);
        expect(relativeDifference(tbptt.gradients, bptt.gradients)).toBeLessThanOrEqual(1e-12);
      }
    });
  }

  for (const k of [1, 3]) {
    it(`TBPTT(k=${k}) over T=7 equals full BPTT on detached chunks, summed (a reference built here)`, () => {
      const model = model64('tanh');
      const batch = randomBatch({ size: 3, steps: 7, inputSize: 7, outputSize: 5, targets: 'probability', ragged: true, seed: 8 });
      const tbptt = computeGradients(model, batch, { algorithm: { type: 'tbptt', k } });
      const { loss, gradients: reference } = detachedChunks(model, batch, k);
      expect(tbptt.loss).toBeCloseTo(loss, 12);
      expect(relativeDifference(tbptt.gradients, reference)).toBeLessThanOrEqual(1e-12);
      // And truncation really changes the gradient here: it is not full BPTT.
      expect(relativeDifference(tbptt.gradients, computeGradients(model, batch).gradients)).toBeGreaterThan(1e-4);
    });
  }

  it('TBPTT(k1=2, k2=5): each chunk back-propagates through a 5-step window (reference: masked full BPTT on windows)', () => {
    const model = model64('sigmoid', false);
    const batch = randomBatch({ size: 2, steps: 9, inputSize: 7, outputSize: 5, targets: 'probability', seed: 12 });
    const got = computeGradients(model, batch, { algorithm: { type: 'tbptt', k1: 2, k2: 5 } });
    const reference: Grads = {};
    for (let chunkStart = 0; chunkStart < 9; chunkStart += 2) {
      const end = Math.min(9, chunkStart + 2);
      const windowStart = Math.max(0, chunkStart - 3); // k2 − k1 = 3 steps before the chunk
      const window = chunkOf(batch, windowStart, end - windowStart, stateAfter(model, batch, windowStart), 13);
      const mask = window.mask as Float32Array;
      // Only the chunk's own outputs inject error.
      for (let b = 0; b < 2; b++) for (let s = 0; s < chunkStart - windowStart; s++) mask[b * (end - windowStart) + s] = 0;
      const g = computeGradients(model, window);
      for (const [name, v] of Object.entries(g.gradients)) {
        reference[name] ??= new Float64Array(v.length);
        v.forEach((x, i) => (reference[name]![i]! += x));
      }
    }
    expect(relativeDifference(got.gradients, reference)).toBeLessThanOrEqual(1e-12);
    // The longer window matters: plain chunks of 2 give a different gradient.
    const chunks = computeGradients(model, batch, { algorithm: { type: 'tbptt', k: 2 } });
    expect(relativeDifference(got.gradients, chunks.gradients)).toBeGreaterThan(1e-4);
  });

  it('trains with an update after every chunk, memory independent of T', () => {
    const model = new ElmanRNN({ inputSize: 3, hiddenSize: 8, outputSize: 2, seed: 1 });
    const long = randomBatch({ size: 2, steps: 400, inputSize: 3, outputSize: 2, targets: 'vector', seed: 2 });
    const short = randomBatch({ size: 2, steps: 40, inputSize: 3, outputSize: 2, targets: 'vector', seed: 2 });
    const steps: number[] = [];
    train(model, long, { algorithm: { type: 'tbptt', k: 16 }, optimizer: { type: 'sgd', learningRate: 1e-3 }, onStep: (s) => steps.push(s.step) });
    expect(steps).toHaveLength(25); // ceil(400 / 16) updates for one batch
    const afterLong = model.workspace.length;
    const other = new ElmanRNN({ inputSize: 3, hiddenSize: 8, outputSize: 2, seed: 1 });
    train(other, short, { algorithm: { type: 'tbptt', k: 16 }, optimizer: { type: 'sgd', learningRate: 1e-3 } });
    expect(afterLong).toBe(other.workspace.length); // the arena is sized by k, not by T
  });

  it("RTRL comes from its factory: 'rtrl' and { type: 'rtrl' } are refused saying what to write, and why", () => {
    const model = model64('tanh');
    const batch = randomBatch({ size: 2, steps: 3, inputSize: 7, outputSize: 5, targets: 'classes' });
    const why = 'RTRL is not built into train\\(\\) and computeGradients\\(\\), so that bundlers leave it out of apps that do not use it';
    const write = (call: string) => new RegExp(`^algorithm: ${why}: write import \\{ rtrl \\} from 'rnnkit/online' and algorithm: ${call}$`);
    expect(() => computeGradients(model, batch, { algorithm: 'rtrl' as never })).toThrow(write('rtrl\\(\\)'));
    expect(() => computeGradients(model, batch, { algorithm: { type: 'rtrl' } as never })).toThrow(write('rtrl\\(\\)'));
    expect(() => computeGradients(model, batch, { algorithm: { type: 'rtrl', maxBytes: 1e6 } as never })).toThrow(write('rtrl\\(\\{ maxBytes: 1000000 \\}\\)'));
    expect(() => train(model, batch, { algorithm: 'rtrl' as never })).toThrow(write('rtrl\\(\\)'));
    expect(() => gradientCheck(model, batch, { algorithm: 'rtrl' as never })).toThrow(write('rtrl\\(\\)'));
    // rtrl() is checked where it is called, and again where it is used (a spread copy may change it).
    expect(rtrl()).toMatchObject({ type: 'rtrl', maxBytes: 256 * 1024 * 1024 });
    expect(Object.keys(rtrl())).toEqual(['type', 'maxBytes']); // the implementation sits under a symbol
    expect(JSON.stringify(rtrl({ maxBytes: 1e6 }))).toBe('{"type":"rtrl","maxBytes":1000000}');
    expect(() => rtrl({ maxBytes: 0 })).toThrow(/maxBytes: expected a finite number in \[1, Infinity\], got 0/);
    expect(() => rtrl({ max: 1 } as never)).toThrow(/rtrl options: unknown option 'max'/);
    expect(() => computeGradients(model, batch, { algorithm: { ...rtrl(), maxBytes: -1 } })).toThrow(/algorithm.maxBytes: expected a finite number in \[1, Infinity\], got -1/);
    expect(() => computeGradients(model, batch, { algorithm: { ...rtrl(), maxBytes: 100 } })).toThrow(/over the cap of 0\.0 MiB/);
    expect(() => computeGradients(model, batch, { algorithm: { ...rtrl(), k: 2 } as never })).toThrow(/algorithm: unknown option 'k'/);
    expect(computeGradients(model, batch, { algorithm: { ...rtrl() } }).loss).toBe(computeGradients(model, batch, { algorithm: rtrl() }).loss);
  });

  it('rejects bad algorithms with the argument named', () => {
    const model = model64('tanh');
    const batch = randomBatch({ size: 1, steps: 3, inputSize: 7, outputSize: 5, targets: 'classes' });
    expect(() => computeGradients(model, batch, { algorithm: 'bpt' as never })).toThrow(/algorithm: expected 'bptt', \{ type: 'tbptt', k \}, rtrl\(\), snap\(\) or uoro\(\), got "bpt"/);
    expect(() => computeGradients(model, batch, { algorithm: { type: 'bpt' } as never })).toThrow(/algorithm.type: expected one of 'bptt', 'tbptt', got "bpt"/);
    expect(() => computeGradients(model, batch, { algorithm: { type: 'tbptt', k: 0 } })).toThrow(/algorithm.k: expected an integer ≥ 1, got 0/);
    expect(() => computeGradients(model, batch, { algorithm: { type: 'tbptt', k1: 4, k2: 2 } })).toThrow(/algorithm.k2: expected an integer ≥ k1 = 4/);
    expect(() => computeGradients(model, batch, { algorithm: { type: 'tbptt', k: 2, window: 3 } as never })).toThrow(/unknown option 'window'/);
  });
});
