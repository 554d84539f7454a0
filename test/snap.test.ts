import { afterAll, describe, expect, it } from 'vitest';
import { createSequenceBatch } from '../src/data/sequence-batch.js';
import type { Activation } from '../src/model/functions.js';
import { ElmanRNN } from '../src/model/rnn.js';
import { RecurrentNetwork, type RecurrentNetworkConfig } from '../src/model/recurrent/network.js';
import { computeGradients } from '../src/train/gradient-algorithm.js';
import { rtrl } from '../src/train/rtrl.js';
import { snap, snapBytes } from '../src/train/snap.js';
import { train } from '../src/train/train.js';
import { createThreadPool } from '../src/threads/pool.js';
import { relativeDifference } from './helpers/chunks.js';
import { randomBatch } from './helpers/random-data.js';
import { awayFromZero } from './helpers/online-models.js';

/*
 * SnAp-1 (docs/theory.md (T54)–(T59)). It drops RTRL's off-diagonal terms,
 * the influence of a parameter on units other than the one it feeds, through
 * W_rec's off-diagonal entries. So it must equal exact RTRL — a different
 * algorithm, itself held to full BPTT — whenever W_rec (each gate block) is
 * diagonal, for every cell, output, mask, ragged length and initial state;
 * equal the one-step gradient for T = 1; and differ on a dense W_rec.
 */
const CELLS = ['elman', 'lstm', 'gru'] as const;
type Cell = (typeof CELLS)[number];

function model64(cell: Cell, config: Partial<RecurrentNetworkConfig> = {}, activation: Activation = 'tanh') {
  const m = cell === 'elman'
    ? new ElmanRNN({ inputSize: 7, hiddenSize: 13, outputSize: 5, dtype: 'float64', seed: 4, init: { recurrentGain: 0.9 }, activation, ...config } as never)
    : new RecurrentNetwork({ cell, inputSize: 7, hiddenSize: 13, outputSize: 5, dtype: 'float64', seed: 4, init: { recurrentGain: 0.9 }, ...config });
  // Biases and learned states away from zero, so that every trace column is exercised.
  return awayFromZero(m);
}

/** W_rec with every gate block diagonal (its diagonal kept, a little larger, off-diagonal entries zero). */
function diagonalize(m: ElmanRNN | RecurrentNetwork): void {
  const name = m.parameterName('W_rec'), w = m.getParameter(name), r = m.hiddenSize, blocks = w.length / (r * r);
  m.setParameter(name, w.map((_, i) => {
    const row = Math.floor(i / r) % r, column = i % r;
    return row === column ? 0.8 * Math.cos(3 * i + blocks) : 0;
  }));
}

describe('SnAp-1 equals exact RTRL when W_rec (each gate block) is diagonal (float64, ≤ 1e-9 relative)', () => {
  for (const cell of CELLS) {
    for (const head of [
      { output: 'softmax', loss: 'cross-entropy', targets: 'classes' },
      { output: 'identity', loss: 'mse', targets: 'vector' },
      { output: 'sigmoid', loss: 'binary-cross-entropy', targets: 'binary' },
    ] as const) {
      it(`${cell}, ${head.output}/${head.loss}: ragged lengths, a mask, learned states, r=13 p=7 o=5`, () => {
        const model = model64(cell, { output: head.output, loss: head.loss, initialState: 'learned' });
        diagonalize(model);
        const batch = randomBatch({ size: 3, steps: 6, inputSize: 7, outputSize: 5, targets: head.targets, ragged: true, seed: 5 });
        (batch.mask as Float32Array)[2] = 0;
        const exact = computeGradients(model, batch, { algorithm: rtrl() }), approx = computeGradients(model, batch, { algorithm: snap({ n: 1 }) });
        expect(Math.abs(approx.loss - exact.loss)).toBeLessThanOrEqual(1e-12 * Math.abs(exact.loss));
        expect(relativeDifference(approx.gradients, exact.gradients)).toBeLessThanOrEqual(1e-9);
        // Every parameter carries gradient, W_rec's off-diagonal entries and the learned states included.
        for (const name of model.parameterNames) expect(Math.max(...Array.from(exact.gradients[name]!, Math.abs)), name).toBeGreaterThan(1e-6);
      });
    }

    it(`${cell}: many-to-one, per-sequence and zero initial states, B=4, T=9`, () => {
      const model = model64(cell);
      diagonalize(model);
      const perSequence = randomBatch({ size: 4, steps: 9, inputSize: 7, outputSize: 5, targets: 'vector', ragged: true, seed: 11, initialStateSize: model.stateSize });
      const manyToOne = randomBatch({ size: 4, steps: 9, inputSize: 7, outputSize: 5, targets: 'vector', task: 'many-to-one', ragged: true, seed: 12 });
      for (const batch of [perSequence, manyToOne]) {
        expect(relativeDifference(computeGradients(model, batch, { algorithm: snap() }).gradients, computeGradients(model, batch, { algorithm: rtrl() }).gradients))
          .toBeLessThanOrEqual(1e-9);
      }
    });
  }

  for (const activation of ['sigmoid', 'relu', 'identity'] as const) {
    it(`elman, σ=${activation}`, () => {
      const model = model64('elman', { initialState: 'learned' }, activation);
      diagonalize(model);
      const batch = randomBatch({ size: 3, steps: 6, inputSize: 7, outputSize: 5, targets: 'vector', ragged: true, seed: 6 });
      expect(relativeDifference(computeGradients(model, batch, { algorithm: snap() }).gradients, computeGradients(model, batch, { algorithm: rtrl() }).gradients))
        .toBeLessThanOrEqual(1e-9);
    });
  }

  it('r = 1 (every W_rec is diagonal): equals full BPTT with a dense model', () => {
    for (const cell of CELLS) {
      const model = model64(cell, { hiddenSize: 1, initialState: 'learned' });
      const batch = randomBatch({ size: 3, steps: 7, inputSize: 7, outputSize: 5, targets: 'vector', ragged: true, seed: 3 });
      expect(relativeDifference(computeGradients(model, batch, { algorithm: snap() }).gradients, computeGradients(model, batch).gradients), cell).toBeLessThanOrEqual(1e-9);
    }
  });
});

describe('SnAp-1 with a dense W_rec', () => {
  it('for T = 1 equals the one-step gradient (BPTT), any W_rec; with a learned h0 all but h0, whose off-diagonal paths it drops', () => {
    for (const cell of CELLS) {
      const model = model64(cell);
      const batch = randomBatch({ size: 3, steps: 1, inputSize: 7, outputSize: 5, targets: 'vector', seed: 8, initialStateSize: model.stateSize });
      expect(relativeDifference(computeGradients(model, batch, { algorithm: snap() }).gradients, computeGradients(model, batch).gradients), cell).toBeLessThanOrEqual(1e-12);
      const learned = model64(cell, { initialState: 'learned' });
      const plain = randomBatch({ size: 3, steps: 1, inputSize: 7, outputSize: 5, targets: 'vector', seed: 8 });
      const a = computeGradients(learned, plain, { algorithm: snap() }).gradients, b = computeGradients(learned, plain).gradients;
      const states = learned.parameterNames.filter((name) => /^(h0|c0)/.test(name));
      const others = (g: typeof a) => Object.fromEntries(Object.entries(g).filter(([name]) => !states.includes(name)));
      expect(relativeDifference(others(a), others(b)), cell).toBeLessThanOrEqual(1e-12);
      expect(relativeDifference({ h0: a[states[0]!]! }, { h0: b[states[0]!]! }), cell).toBeGreaterThan(1e-3);
    }
  });

  it('differs from exact RTRL over several steps (the dropped off-diagonal terms), yet points the same way', () => {
    for (const cell of CELLS) {
      const model = model64(cell, { initialState: 'learned' });
      const batch = randomBatch({ size: 3, steps: 6, inputSize: 7, outputSize: 5, targets: 'vector', ragged: true, seed: 5 });
      const a = computeGradients(model, batch, { algorithm: snap() }), b = computeGradients(model, batch, { algorithm: rtrl() });
      expect(a.loss).toBe(b.loss); // the same forward pass
      expect(relativeDifference(a.gradients, b.gradients), cell).toBeGreaterThan(1e-3);
      let dot = 0, aa = 0, bb = 0;
      for (const name of model.parameterNames) a.gradients[name]!.forEach((v, i) => { const w = b.gradients[name]![i]!; dot += v * w; aa += v * v; bb += w * w; });
      expect(dot / Math.sqrt(aa * bb), cell).toBeGreaterThan(0.5);
    }
  });
});

describe('snap() in train() and on threads', () => {
  const pool = createThreadPool({ threads: 2, minShareFlops: 0 });
  afterAll(() => pool.dispose());

  it('train(…, { algorithm: snap() }) updates once per batch, with the summed gradient: on a diagonal W_rec the same step as RTRL', () => {
    for (const cell of CELLS) {
      const a = model64(cell, { initialState: 'learned' });
      diagonalize(a);
      const b = a.clone(), start = a.clone();
      const batch = randomBatch({ size: 4, steps: 6, inputSize: 7, outputSize: 5, targets: 'vector', ragged: true, seed: 21 });
      const steps: number[] = [];
      const options = { epochs: 1, batchSize: 4, shuffle: false, optimizer: { type: 'sgd', learningRate: 0.1 } } as const;
      train(a, batch, { ...options, algorithm: snap(), onStep: (s) => steps.push(s.step) });
      train(b, batch, { ...options, algorithm: rtrl() });
      expect(steps, cell).toEqual([1]); // one update for the one batch
      let worst = 0, moved = 0;
      for (const name of a.parameterNames) {
        a.getParameter(name).forEach((v, i) => { worst = Math.max(worst, Math.abs(v - b.getParameter(name)[i]!)); moved = Math.max(moved, Math.abs(v - start.getParameter(name)[i]!)); });
      }
      expect(worst, cell).toBeLessThanOrEqual(1e-12);
      expect(moved, cell).toBeGreaterThan(1e-3);
    }
  });

  it('a pool of 2 threads gives the gradient of 1 thread (float32, every cell, ragged, learned states)', async () => {
    await pool.ready;
    const batch = randomBatch({ size: 5, steps: 6, inputSize: 7, outputSize: 5, targets: 'vector', ragged: true, seed: 13 });
    for (const cell of CELLS) {
      const single = new RecurrentNetwork({ cell, inputSize: 7, hiddenSize: 13, outputSize: 5, seed: 4, initialState: 'learned' }), threaded = single.clone();
      const one = computeGradients(single, batch, { algorithm: snap() }), two = computeGradients(threaded, batch, { algorithm: snap(), threads: pool });
      expect(threaded.backend, cell).toBe(pool.backend);
      expect(Math.abs(two.loss - one.loss) / one.loss, cell).toBeLessThan(1e-6);
      expect(relativeDifference(two.gradients, one.gradients), cell).toBeLessThan(2e-5);
      expect(relativeDifference(two.gradients, computeGradients(threaded, batch, { threads: pool }).gradients), cell).toBeGreaterThan(1e-4); // not BPTT's
    }
  });
});

describe('snap(): options, memory and refusals', () => {
  it('counts its memory: B·n values (LSTM 2·B·n) and the gradient (n), n every recurrent parameter', () => {
    const [r, p, B] = [13, 7, 3];
    const n = { elman: r * (p + r + 1) + r, lstm: 4 * r * (p + r + 1) + 2 * r, gru: 3 * r * (p + r + 1) + r + r };
    for (const cell of CELLS) {
      const model = model64(cell, { initialState: 'learned' });
      expect(snapBytes(model, B), cell).toBe(((cell === 'lstm' ? 2 : 1) * B * n[cell] + n[cell]) * 8);
      const recurrent = model.parameterNames.filter((name) => !/^(W_out|b_out)/.test(name)).reduce((s, name) => s + model.getParameter(name).length, 0);
      expect(n[cell], cell).toBe(recurrent);
    }
    const big = new RecurrentNetwork({ cell: 'lstm', inputSize: 16, hiddenSize: 64, outputSize: 4 });
    const batch = randomBatch({ size: 8, steps: 2, inputSize: 16, outputSize: 4, targets: 'vector' });
    const before = big.workspace.length;
    // n = 4·64·81 = 20736; 2·8·20736 + 20736 values of 4 bytes = 1.3 MiB.
    expect(() => computeGradients(big, batch, { algorithm: snap({ maxBytes: 1e6 }) }))
      .toThrow(/^SnAp-1 would need 1\.3 MiB for its traces \(2 × B·n = 2 × 8·20736 values\), over the cap of 1\.0 MiB \(algorithm\.maxBytes\)/);
    expect(big.workspace.length).toBe(before); // nothing was allocated
  });

  it('takes n = 1 only, and checks its options where it is made and where it is used', () => {
    expect(snap()).toMatchObject({ type: 'snap', n: 1, maxBytes: 256 * 1024 * 1024 });
    expect(JSON.stringify(snap({ n: 1, maxBytes: 1e6 }))).toBe('{"type":"snap","n":1,"maxBytes":1000000}');
    expect(() => snap({ n: 2 } as never)).toThrow(/^n: expected 1 \(SnAp-1, the only SnAp-n implemented: each parameter's influence on the unit it feeds; for the exact gradient use rtrl\(\)\), got 2/);
    expect(() => snap({ k: 1 } as never)).toThrow(/snap options: unknown option 'k'/);
    expect(() => snap({ maxBytes: 0 })).toThrow(/maxBytes: expected a finite number in \[1, Infinity\], got 0/);
    const model = model64('gru');
    const batch = randomBatch({ size: 2, steps: 3, inputSize: 7, outputSize: 5, targets: 'vector' });
    expect(() => computeGradients(model, batch, { algorithm: { ...snap(), n: 3 } as never })).toThrow(/^algorithm\.n: expected 1 \(SnAp-1/);
    expect(() => computeGradients(model, batch, { algorithm: { ...snap(), type: 'rtrl' } as never })).toThrow(/algorithm\.type: expected 'snap'/);
    expect(computeGradients(model, batch, { algorithm: { ...snap() } }).loss).toBe(computeGradients(model, batch, { algorithm: snap() }).loss);
    // By name or by hand it is refused, saying what to write (a type error too).
    const write = (call: string) => new RegExp(`^algorithm: SnAp-1 is not built into train\\(\\) and computeGradients\\(\\), so that bundlers leave it out of apps that do not use it: write import \\{ snap \\} from 'rnnkit/online' and algorithm: ${call}$`);
    expect(() => computeGradients(model, batch, { algorithm: 'snap' as never })).toThrow(write('snap\\(\\)'));
    expect(() => train(model, batch, { algorithm: { type: 'snap', n: 1 } as never })).toThrow(write('snap\\(\\)'));
    expect(() => train(model, batch, { algorithm: { type: 'snap', maxBytes: 1e6 } as never })).toThrow(write('snap\\(\\{ maxBytes: 1000000 \\}\\)'));
  });

  it('takes stacked layers and embeddings (per layer, with the error from above: test/online-stacked.test.ts), where exact RTRL refuses them', () => {
    const batch = randomBatch({ size: 2, steps: 3, inputSize: 7, outputSize: 5, targets: 'vector' });
    for (const cell of CELLS) {
      const stacked = new RecurrentNetwork({ cell, inputSize: 7, hiddenSize: 5, outputSize: 5, numLayers: 2 });
      expect(Number.isFinite(computeGradients(stacked, batch, { algorithm: snap() }).loss), cell).toBe(true);
      expect(() => computeGradients(stacked, batch, { algorithm: rtrl() })).toThrow(
        /^algorithm: exact RTRL is implemented for a single recurrent layer \(Elman, LSTM or GRU\) on vector inputs, and this model has 2 stacked layers\. Use full BPTT \('bptt'\) or truncated BPTT/);
    }
    const tokens = new RecurrentNetwork({ cell: 'gru', vocabularySize: 9, embeddingSize: 4, hiddenSize: 6, outputSize: 9, output: 'softmax' });
    const ids = createSequenceBatch({ size: 2, steps: 3, inputSize: 1, inputs: [1, 2, 3, 4, 5, 6], classes: [1, 2, 3, 4, 5, 6] });
    expect(Math.max(...Array.from(computeGradients(tokens, ids, { algorithm: snap() }).gradients.embedding!, Math.abs))).toBeGreaterThan(0);
    expect(() => computeGradients(tokens, ids, { algorithm: rtrl() })).toThrow(/this model has an embedding\. Use full BPTT/);
  });

});
