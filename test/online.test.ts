import { describe, expect, it } from 'vitest';
import { ElmanRNN } from '../src/model/rnn.js';
import { RecurrentNetwork } from '../src/model/recurrent/network.js';
import { Random } from '../src/model/random.js';
import { OnlineLearner, type OnlineAlgorithm } from '../src/train/online.js';
import { computeGradients } from '../src/train/gradient-algorithm.js';
import { rtrl } from '../src/train/rtrl.js';
import { snap } from '../src/train/snap.js';
import { uoro } from '../src/train/uoro.js';
import { sequenceBatch } from '../src/data/sequence-batch.js';
import { DivergenceError } from '../src/errors.js';

/**
 * The delayed echo: a stream of random bits; the target at step t is the bit
 * seen 3 steps before. A model without memory is at chance (50%).
 */
function echoAccuracy(algorithm: OnlineAlgorithm, steps: number, seed: number, cell?: 'lstm' | 'gru', hiddenSize = 16, numLayers = 1) {
  const model = cell
    ? new RecurrentNetwork({ cell, inputSize: 1, hiddenSize, outputSize: 2, output: 'softmax', seed, numLayers })
    : new ElmanRNN({ inputSize: 1, hiddenSize, outputSize: 2, output: 'softmax', seed });
  const learner = new OnlineLearner(model, { algorithm, optimizer: { type: 'adam', learningRate: 0.01 }, clipNorm: 5 });
  const rng = new Random(seed + 100);
  const history: number[] = [];
  let correct = 0, counted = 0, divergences = 0;
  for (let t = 0; t < steps; t++) {
    const bit = rng.next() < 0.5 ? 1 : 0;
    history.push(bit);
    const target = t >= 3 ? history[t - 3]! : 0;
    let output;
    try {
      ({ output } = learner.learn([bit], target));
    } catch (error) {
      // As a deployed learner would: the learner kept its last finite weights and reset its state; go on.
      if (!(error instanceof DivergenceError) || ++divergences > 3) throw error;
      if (t >= steps - 1000) counted++;
      continue;
    }
    if (t >= steps - 1000) { counted++; if ((output[1]! > output[0]! ? 1 : 0) === target) correct++; }
  }
  return { accuracy: correct / counted, divergences, model, learner };
}

/** The mean accuracy of echoAccuracy over model seeds 1 … 8, and each seed's (cell undefined: an Elman network). */
function meanEchoAccuracy(algorithm: () => OnlineAlgorithm, steps: number, cell?: 'lstm' | 'gru', hiddenSize = 16, numLayers = 1) {
  const each = Array.from({ length: 8 }, (_, i) => echoAccuracy(algorithm(), steps, i + 1, cell, hiddenSize, numLayers).accuracy);
  return { mean: each.reduce((a, b) => a + b, 0) / each.length, each };
}

describe('online learning from a stream', () => {
  // Accuracy over the last 1000 of 5000 steps, over model seeds 1–8 (as the SnAp-1 claims below, so that no claim
  // rests on one seed's rounding). Measured: RTRL 100% at every seed on Elman (16 units) and GRU (8), LSTM (8)
  // 98.7–100% (mean 99.8%).
  it('RTRL learns the 3-step delayed echo (16 Elman units, seeds 1–8: mean ≥ 97%, each ≥ 90% over the last 1000 of 5000 steps)', () => {
    const { mean, each } = meanEchoAccuracy(() => 'rtrl', 5000);
    expect(mean, each.join(' ')).toBeGreaterThanOrEqual(0.97);
    expect(Math.min(...each), each.join(' ')).toBeGreaterThanOrEqual(0.9);
  });

  it('RTRL learns it on an LSTM and on a GRU too (8 units, seeds 1–8: mean ≥ 97%, each ≥ 90%)', () => {
    for (const cell of ['lstm', 'gru'] as const) {
      const { mean, each } = meanEchoAccuracy(() => 'rtrl', 5000, cell, 8);
      expect(mean, `${cell}: ${each.join(' ')}`).toBeGreaterThanOrEqual(0.97);
      expect(Math.min(...each), `${cell}: ${each.join(' ')}`).toBeGreaterThanOrEqual(0.9);
    }
  });

  /*
   * One seed's accuracy turns on the last bits of rounding (a change in how the gradient norm is summed moved
   * seed 1's 98% to 91% and 83%), so these state the mean over model seeds 1–8, accuracy over the last 1000 of
   * 20 000 steps. Measured: one layer, SnAp-1 mean 94.3% (78.8–100%; seed 1 98.0%), TBPTT(2) 60.5% (49.1–70.1%);
   * two layers, SnAp-1 91.1% (73.7–100%; seed 3 diverged once, at step 4680: its traces overflowed, the learner
   * reset and went on), TBPTT(2) 49.5% (47.4–52.0%).
   */
  it('SnAp-1 learns it on an LSTM (8 units, mean over seeds 1–8, 20000 steps: ≥ 85% over the last 1000; 94.3% when measured), where TBPTT(2) cannot (< 70%; 60.5%)', () => {
    const online = meanEchoAccuracy(() => snap({ n: 1 }), 20000, 'lstm', 8), truncated = meanEchoAccuracy(() => ({ type: 'tbptt', k: 2 }), 20000, 'lstm', 8);
    expect(online.mean, `SnAp-1 ${online.each.join(' ')}`).toBeGreaterThanOrEqual(0.85);
    expect(truncated.mean, `TBPTT(2) ${truncated.each.join(' ')}`).toBeLessThan(0.7);
  });

  it('SnAp-1 learns it on a 2-layer LSTM too (per layer, with the error from above; 8 units, mean over seeds 1–8, 20000 steps: ≥ 85%; 91.1% when measured), where TBPTT(2) cannot (< 60%; 49.5%)', () => {
    const stacked = meanEchoAccuracy(() => snap(), 20000, 'lstm', 8, 2), truncated = meanEchoAccuracy(() => ({ type: 'tbptt', k: 2 }), 20000, 'lstm', 8, 2);
    console.log(`delayed echo, 2-layer LSTM, mean over seeds 1–8: SnAp-1 ${(100 * stacked.mean).toFixed(1)}%, TBPTT(2) ${(100 * truncated.mean).toFixed(1)}%`);
    expect(stacked.mean, `SnAp-1 ${stacked.each.join(' ')}`).toBeGreaterThanOrEqual(0.85);
    expect(truncated.mean, `TBPTT(2) ${truncated.each.join(' ')}`).toBeLessThan(0.6);
  });

  it('with updates held off, a stacked online SnAp-1 and UORO accumulate exactly the gradient computeGradients gives (2 layers, every cell, dense W_rec)', () => {
    const xs = [[1, 0, 2], [0.5, -1, 0], [0, 0, 1], [-1, 2, 0.5], [0.25, 0.75, 0.125], [2, -0.5, 1]];
    const ys = [[1, 0], [0, 1], [0.5, 0.5], [1, 1], [0, 0], [0.25, 0.5]];
    for (const cell of ['elman', 'lstm', 'gru'] as const) {
      for (const make of [() => snap(), () => uoro({ seed: 2 })]) {
        const model = new RecurrentNetwork({ cell, inputSize: 3, hiddenSize: 7, outputSize: 2, dtype: 'float64', initialState: 'learned', seed: 3, numLayers: 2 });
        for (const name of model.parameterNames) if (/^(h0|c0|b_hn)/.test(name)) model.setParameter(name, model.getParameter(name).map((_, i) => 0.3 * Math.sin(i + 1)));
        const before = model.layout.parameters.flatMap((p) => Array.from(model.getParameter(p.name)));
        const learner = new OnlineLearner(model, { algorithm: make(), updateEvery: 6, optimizer: { type: 'sgd', learningRate: 1 } });
        xs.forEach((x, t) => learner.learn(x, ys[t]!));
        const after = model.layout.parameters.flatMap((p) => Array.from(model.getParameter(p.name)));
        model.setParameters(Object.fromEntries(model.layout.parameters.map((p) => [p.name, before.slice(p.offset, p.offset + p.size)])));
        const batch = sequenceBatch({ inputs: [xs], targets: [ys] });
        const expected = model.layout.parameters.flatMap((p) => Array.from(computeGradients(model, batch, { algorithm: make() }).gradients[p.name]!));
        expected.forEach((g, i) => expect(before[i]! - after[i]!, `${cell} ${make().type} parameter entry ${i}`).toBeCloseTo(g, 10));
        expect(Math.max(...model.layout.parameters.filter((p) => /_l0$/.test(p.name)).flatMap((p) => Array.from(computeGradients(model, batch, { algorithm: make() }).gradients[p.name]!, Math.abs))), cell).toBeGreaterThan(1e-4);
      }
    }
  });

  it('with updates held off, online SnAp-1 accumulates exactly the gradient computeGradients gives with snap() (every cell, dense W_rec)', () => {
    const xs = [[1, 0, 2], [0.5, -1, 0], [0, 0, 1], [-1, 2, 0.5], [0.25, 0.75, 0.125], [2, -0.5, 1]];
    const ys = [[1, 0], [0, 1], [0.5, 0.5], [1, 1], [0, 0], [0.25, 0.5]];
    for (const cell of ['elman', 'lstm', 'gru'] as const) {
      const model = new RecurrentNetwork({ cell, inputSize: 3, hiddenSize: 7, outputSize: 2, dtype: 'float64', initialState: 'learned', seed: 3 });
      for (const name of model.parameterNames) if (/^(h0|c0|b_hn)/.test(name)) model.setParameter(name, model.getParameter(name).map((_, i) => 0.3 * Math.sin(i + 1)));
      const before = model.layout.parameters.flatMap((p) => Array.from(model.getParameter(p.name)));
      const learner = new OnlineLearner(model, { algorithm: snap(), updateEvery: 6, optimizer: { type: 'sgd', learningRate: 1 } });
      xs.forEach((x, t) => learner.learn(x, ys[t]!));
      const after = model.layout.parameters.flatMap((p) => Array.from(model.getParameter(p.name)));
      model.setParameters(Object.fromEntries(model.layout.parameters.map((p) => [p.name, before.slice(p.offset, p.offset + p.size)])));
      const batch = sequenceBatch({ inputs: [xs], targets: [ys] });
      const approx = computeGradients(model, batch, { algorithm: snap() }), exact = computeGradients(model, batch);
      const expected = model.layout.parameters.flatMap((p) => Array.from(approx.gradients[p.name]!));
      expected.forEach((g, i) => expect(before[i]! - after[i]!, `${cell} parameter entry ${i}`).toBeCloseTo(g, 10));
      // And that is SnAp-1's, not BPTT's: W_rec is dense here.
      const bptt = model.layout.parameters.flatMap((p) => Array.from(exact.gradients[p.name]!));
      expect(Math.max(...bptt.map((g, i) => Math.abs(g - expected[i]!))), cell).toBeGreaterThan(1e-4);
    }
  });

  it('TBPTT with a sliding window of 8 learns it too (seeds 1–8: mean ≥ 95%; 100% when measured), while a window of 2 cannot see far enough back (mean < 65%, each < 75%; 54.5%, at most 59.8%)', () => {
    const eight = meanEchoAccuracy(() => ({ type: 'tbptt', k: 8 }), 5000), two = meanEchoAccuracy(() => ({ type: 'tbptt', k: 2 }), 3000);
    expect(eight.mean, eight.each.join(' ')).toBeGreaterThanOrEqual(0.95);
    // With k = 2 no gradient links the target to the input 3 steps back: near chance.
    expect(two.mean, two.each.join(' ')).toBeLessThan(0.65);
    expect(Math.max(...two.each), two.each.join(' ')).toBeLessThan(0.75);
  });

  it('memory does not grow with the stream', () => {
    for (const algorithm of ['rtrl', snap(), { type: 'tbptt', k: 8 }] as OnlineAlgorithm[]) {
      const model = new ElmanRNN({ inputSize: 2, hiddenSize: 5, outputSize: 1, seed: 1 });
      const learner = new OnlineLearner(model, { algorithm });
      learner.learn([1, 0], [0.5]);
      const arena = model.workspace.length;
      for (let t = 0; t < 2000; t++) learner.learn([Math.sin(t), 1], [Math.cos(t)]);
      expect(model.workspace.length).toBe(arena);
      expect(learner.steps).toBe(2001);
    }
  });

  it('with updates held off, online RTRL accumulates exactly the BPTT gradient of the stream so far', () => {
    const model = new ElmanRNN({ inputSize: 3, hiddenSize: 7, outputSize: 2, dtype: 'float64', initialState: 'learned', seed: 3 });
    model.setParameter('h0', [0.1, -0.2, 0.3, 0.4, -0.5, 0.6, 0]);
    const xs = [[1, 0, 2], [0.5, -1, 0], [0, 0, 1], [-1, 2, 0.5], [0.25, 0.75, 0.125]];
    const ys = [[1, 0], [0, 1], [0.5, 0.5], [1, 1], [0, 0]];
    // SGD with lr = 1 after 5 steps: θ_before − θ_after is exactly the accumulated gradient.
    const before = model.layout.parameters.flatMap((p) => Array.from(model.getParameter(p.name)));
    const learner = new OnlineLearner(model, { algorithm: 'rtrl', updateEvery: 5, optimizer: { type: 'sgd', learningRate: 1 } });
    xs.forEach((x, t) => learner.learn(x, ys[t]!));
    const after = model.layout.parameters.flatMap((p) => Array.from(model.getParameter(p.name)));
    model.setParameters(Object.fromEntries(model.layout.parameters.map((p) => [p.name, before.slice(p.offset, p.offset + p.size)])));
    const bptt = computeGradients(model, sequenceBatch({ inputs: [xs], targets: [ys] }));
    const expected = model.layout.parameters.flatMap((p) => Array.from(bptt.gradients[p.name]!));
    expected.forEach((g, i) => expect(before[i]! - after[i]!).toBeCloseTo(g, 10));
    expect(Math.max(...expected.map(Math.abs))).toBeGreaterThan(0.01);
  });

  it('the same for LSTM and GRU: held-off online RTRL is the BPTT gradient, learned h0 and c0 included', () => {
    const xs = [[1, 0, 2], [0.5, -1, 0], [0, 0, 1], [-1, 2, 0.5], [0.25, 0.75, 0.125], [2, -0.5, 1]];
    const ys = [[1, 0], [0, 1], [0.5, 0.5], [1, 1], [0, 0], [0.25, 0.5]];
    for (const cell of ['lstm', 'gru'] as const) {
      const model = new RecurrentNetwork({ cell, inputSize: 3, hiddenSize: 7, outputSize: 2, dtype: 'float64', initialState: 'learned', seed: 3 });
      for (const name of model.parameterNames) if (/^(h0|c0|b_hn)/.test(name)) model.setParameter(name, model.getParameter(name).map((_, i) => 0.3 * Math.sin(i + 1)));
      const before = model.layout.parameters.flatMap((p) => Array.from(model.getParameter(p.name)));
      const learner = new OnlineLearner(model, { algorithm: rtrl(), updateEvery: 6, optimizer: { type: 'sgd', learningRate: 1 } });
      xs.forEach((x, t) => learner.learn(x, ys[t]!));
      const after = model.layout.parameters.flatMap((p) => Array.from(model.getParameter(p.name)));
      model.setParameters(Object.fromEntries(model.layout.parameters.map((p) => [p.name, before.slice(p.offset, p.offset + p.size)])));
      const bptt = computeGradients(model, sequenceBatch({ inputs: [xs], targets: [ys] }));
      const expected = model.layout.parameters.flatMap((p) => Array.from(bptt.gradients[p.name]!));
      expected.forEach((g, i) => expect(before[i]! - after[i]!, `${cell} parameter entry ${i}`).toBeCloseTo(g, 10));
      for (const name of (cell === 'lstm' ? ['h0', 'c0'] as const : ['h0', 'b_hn'] as const).map((role) => model.parameterName(role))) {
        expect(Math.max(...Array.from(bptt.gradients[name]!, Math.abs)), `${cell} ${name}`).toBeGreaterThan(1e-3);
      }
    }
  });

  it("takes RTRL as rtrl() (as train() does) and, being its default, by name: 'rtrl', { type: 'rtrl', maxBytes }, or nothing", () => {
    const xs = Array.from({ length: 12 }, (_, t) => [Math.sin(t), Math.cos(2 * t)]);
    const weights = (algorithm: OnlineAlgorithm | undefined) => {
      const model = new RecurrentNetwork({ cell: 'gru', inputSize: 2, hiddenSize: 5, outputSize: 1, seed: 4 });
      const learner = new OnlineLearner(model, algorithm === undefined ? {} : { algorithm });
      xs.forEach((x, t) => learner.learn(x, [Math.sin(t + 1)]));
      return model.parameters();
    };
    const reference = weights(rtrl());
    for (const algorithm of [undefined, 'rtrl', { type: 'rtrl' }, { type: 'rtrl', maxBytes: 1e6 }, rtrl({ maxBytes: 1e6 }), { ...rtrl() }] as const) {
      expect(weights(algorithm), JSON.stringify(algorithm)).toEqual(reference);
    }
    const model = new ElmanRNN({ inputSize: 2, hiddenSize: 5, outputSize: 1, seed: 1 });
    expect(() => new OnlineLearner(model, { algorithm: rtrl({ maxBytes: 100 }) })).toThrow(/RTRL would need .* over the cap of 0\.0 MiB/);
    expect(() => new OnlineLearner(model, { algorithm: { type: 'rtrl', maxBytes: 100 } })).toThrow(/over the cap of 0\.0 MiB/);
    expect(() => new OnlineLearner(model, { algorithm: { ...rtrl(), maxBytes: 0 } })).toThrow(/algorithm.maxBytes: expected a finite number in \[1, Infinity\], got 0/);
    expect(() => new OnlineLearner(model, { algorithm: { type: 'snap', n: 1 } as never })).toThrow(/^algorithm: SnAp-1 comes from its factory: write import \{ snap \} from 'rnnkit\/online' and algorithm: snap\(\)$/);
    expect(() => new OnlineLearner(model, { algorithm: snap({ maxBytes: 100 }) })).toThrow(/SnAp-1 would need .* over the cap of 0\.0 MiB/);
    expect(() => new OnlineLearner(model, { algorithm: 'uoro' as never })).toThrow(/algorithm: expected rtrl\(\), 'rtrl', \{ type: 'rtrl', maxBytes \}, snap\(\), uoro\(\) or \{ type: 'tbptt', k \}, got "uoro"/);
    expect(() => new OnlineLearner(model, { algorithm: { type: 'uoro' } as never })).toThrow(/^algorithm: UORO comes from its factory: write import \{ uoro \} from 'rnnkit\/online' and algorithm: uoro\(\)$/);
  });

  it('predict advances the state without learning; reset starts a new stream', () => {
    const model = new ElmanRNN({ inputSize: 1, hiddenSize: 4, outputSize: 1, seed: 2 });
    const learner = new OnlineLearner(model, { algorithm: { type: 'tbptt', k: 4 } });
    const before = model.getParameter('W_rec');
    const a = Array.from(learner.predict([1])), b = Array.from(learner.predict([1]));
    expect(a).not.toEqual(b); // the state moved
    expect(model.getParameter('W_rec')).toEqual(before);
    learner.reset();
    expect(Array.from(learner.predict([1]))).toEqual(a);
    // Other calls on the model leave the learner's pinned state alone.
    model.predict(sequenceBatch({ inputs: [[[1], [2], [3], [4], [5], [6]]] }));
    expect(Array.from(learner.predict([1]))).toEqual(b);
  });

  it('reports every step to onStep, with the updates every n steps', () => {
    const model = new ElmanRNN({ inputSize: 1, hiddenSize: 3, outputSize: 1, seed: 1 });
    const seen: { step: number; updated: boolean; loss: number }[] = [];
    const learner = new OnlineLearner(model, { updateEvery: 3, onStep: ({ step, updated, loss }) => seen.push({ step, updated, loss }) });
    for (let t = 0; t < 7; t++) learner.learn([t % 2], [0.5]);
    learner.predict([1]);
    expect(seen.map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(seen.map((s) => s.updated)).toEqual([false, false, true, false, false, true, false, false]);
    expect(seen[7]!.loss).toBe(0); // no target, no loss
    expect(seen[0]!.loss).toBeGreaterThan(0);
  });

  it('rejects bad input with the argument named', () => {
    const model = new ElmanRNN({ inputSize: 2, hiddenSize: 3, outputSize: 2, output: 'softmax' });
    expect(() => new OnlineLearner(model, { algorithm: { type: 'tbptt', k: 2 }, updateEvery: 4 })).toThrow(/algorithm.k: expected an integer ≥ updateEvery = 4/);
    expect(() => new OnlineLearner(model, { algorithm: 'bptt' as never })).toThrow(/algorithm/);
    expect(() => new OnlineLearner(model, { learningRate: 0.1 } as never)).toThrow(/unknown option 'learningRate'/);
    const learner = new OnlineLearner(model);
    expect(() => learner.learn([1], 0)).toThrow(/x: expected streams·p = 1·2 values/);
    expect(() => learner.learn([1, NaN], 0)).toThrow(/x: expected numbers finite in float32/);
    expect(() => learner.learn([1, 2], 5)).toThrow(/target\[0\]: expected an integer in \[0, 1\], got 5/);
    learner.learn([1, 2], 1);
    expect(() => learner.learn([1, 2], [0, 1])).toThrow(/target: expected 1 class indices, as in earlier steps/);
    const big = new ElmanRNN({ inputSize: 64, hiddenSize: 128, outputSize: 1 });
    expect(() => new OnlineLearner(big, { streams: 64 })).toThrow(/RTRL would need .* over the cap of 256\.0 MiB/);
  });
});
