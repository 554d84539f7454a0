import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { createRowBatch } from '../src/data/row-batch.js';
import { createSequenceBatch } from '../src/data/sequence-batch.js';
import { FeedForwardNetwork } from '../src/model/ffnn.js';
import { Random } from '../src/model/random.js';
import { OnlineLearner } from '../src/train/online.js';
import { RecurrentNetwork, type RecurrentNetworkConfig } from '../src/model/recurrent/network.js';
import { computeGradients } from '../src/train/gradient-algorithm.js';
import { rtrl } from '../src/train/rtrl.js';
import { train, trainAsync } from '../src/train/train.js';
import { createThreadPool, ThreadPool } from '../src/threads/pool.js';
import * as oneThread from '../src/entries/no-threads.js';
import { sharedMemoryModuleBytes } from '../src/threads/shared-module.js';
import { relativeDifference } from './helpers/chunks.js';
import { randomBatch } from './helpers/random-data.js';

/*
 * Data-parallel training over one shared WebAssembly memory (src/threads).
 * Each share of a batch is recorded as a tape of kernel calls and replayed by
 * a worker; the gradients are summed in share order. What is guaranteed, and
 * tested here: the same gradients and losses as one thread up to float32
 * rounding (products sum over fewer rows at a time), bit-identical runs for a
 * given thread count, and a clean fallback to one thread.
 */
const pool = createThreadPool({ threads: 3, minShareFlops: 0 });
afterAll(() => pool.dispose());

const CELLS = ['elman', 'lstm', 'gru'] as const;

function model(config: Partial<RecurrentNetworkConfig>) {
  return new RecurrentNetwork({ inputSize: 7, hiddenSize: 13, outputSize: 5, seed: 4, ...config } as RecurrentNetworkConfig);
}

function sameParameters(a: RecurrentNetwork, b: RecurrentNetwork): boolean {
  return a.parameterNames.every((name) => a.getParameter(name).every((v, i) => Object.is(v, b.getParameter(name)[i])));
}

describe('the threads module', () => {
  it('is the SIMD build with its memory imported and shared: byte for byte what asc builds with --importMemory --sharedMemory', () => {
    const simd = readFileSync('build/rnnkit-simd.wasm');
    const threads = readFileSync('build/rnnkit-threads.wasm');
    expect(Buffer.compare(Buffer.from(sharedMemoryModuleBytes(simd, 65536)), threads)).toBe(0);
    expect(Buffer.compare(simd, threads)).not.toBe(0);
  });

  it('the online kernels\' threads module is their SIMD build with its imported memory made shared: byte for byte asc\'s', () => {
    const online = readFileSync('build/rnnkit-online-simd.wasm');
    const threads = readFileSync('build/rnnkit-online-threads.wasm');
    expect(Buffer.compare(Buffer.from(sharedMemoryModuleBytes(online, 65536)), threads)).toBe(0);
    expect(Buffer.compare(online, threads)).not.toBe(0);
  });

  it('starts the workers asked for, on Node', async () => {
    expect(pool.threads).toBe(3);
    expect(pool.reason).toBeUndefined();
    await pool.ready;
  });
});

describe('data-parallel gradients equal one thread’s, for every cell and depth', () => {
  for (const cell of CELLS) {
    for (const numLayers of [1, 2]) {
      const extras = numLayers === 2 ? { dropout: 0.25, initialState: 'learned' as const } : {};
      it(`${cell}, ${numLayers} layer(s)${numLayers === 2 ? ', dropout, learned h0' : ''}: full BPTT and TBPTT(3), ragged, 3 threads on 7 sequences`, () => {
        const single = model({ cell, numLayers, ...extras }), threaded = single.clone();
        const batch = randomBatch({ size: 7, steps: 8, inputSize: 7, outputSize: 5, targets: 'vector', ragged: true, seed: 5 });
        for (const algorithm of ['bptt', { type: 'tbptt', k: 3 }] as const) {
          single.nextDropoutDraw(); threaded.nextDropoutDraw();
          const one = computeGradients(single, batch, { algorithm });
          const three = computeGradients(threaded, batch, { algorithm, threads: pool });
          expect(threaded.backend).toBe(pool.backend);
          expect(Math.abs(three.loss - one.loss) / one.loss).toBeLessThan(1e-6);
          expect(relativeDifference(three.gradients, one.gradients)).toBeLessThan(2e-5);
        }
      });
    }
  }

  it('exact RTRL shares its sequences too, each share with its own sensitivities (ragged, learned h0)', () => {
    const elman = model({ initialState: 'learned' }), copy = elman.clone();
    const batch = randomBatch({ size: 5, steps: 6, inputSize: 7, outputSize: 5, targets: 'vector', ragged: true, seed: 12 });
    const one = computeGradients(elman, batch, { algorithm: rtrl() }), three = computeGradients(copy, batch, { algorithm: rtrl(), threads: pool });
    expect(copy.backend).toBe(pool.backend);
    expect(Math.abs(three.loss - one.loss) / one.loss).toBeLessThan(1e-6);
    expect(relativeDifference(three.gradients, one.gradients)).toBeLessThan(2e-5);
    expect(relativeDifference(three.gradients, computeGradients(copy, batch, { threads: pool }).gradients)).toBeLessThan(2e-5);
    expect(() => computeGradients(model({ cell: 'gru', numLayers: 2 }), batch, { algorithm: rtrl(), threads: pool })).toThrow(/RTRL.*tbptt|truncated/i);
  });

  it('exact RTRL of an LSTM and a GRU on 2 threads equals 1 thread (ragged, learned states), and trains the same', async () => {
    const pair = createThreadPool({ threads: 2, minShareFlops: 0 });
    try {
      await pair.ready;
      const batch = randomBatch({ size: 5, steps: 6, inputSize: 7, outputSize: 5, targets: 'vector', ragged: true, seed: 13 });
      for (const cell of ['lstm', 'gru'] as const) {
        const single = model({ cell, initialState: 'learned' }), threaded = single.clone();
        const one = computeGradients(single, batch, { algorithm: rtrl() }), two = computeGradients(threaded, batch, { algorithm: rtrl(), threads: pair });
        expect(threaded.backend, cell).toBe(pair.backend);
        expect(Math.abs(two.loss - one.loss) / one.loss, cell).toBeLessThan(1e-6);
        expect(relativeDifference(two.gradients, one.gradients), cell).toBeLessThan(2e-5);
        expect(relativeDifference(two.gradients, computeGradients(threaded, batch, { threads: pair }).gradients), cell).toBeLessThan(2e-5);
        const options = { algorithm: rtrl(), epochs: 2, batchSize: 5, shuffle: false, optimizer: { type: 'sgd', learningRate: 0.05 } } as const;
        train(single, batch, options);
        train(threaded, batch, { ...options, threads: pair });
        const after = single.getParameter('W_rec_l0'), afterThreaded = threaded.getParameter('W_rec_l0');
        expect(Math.max(...after.map((v, i) => Math.abs(v - afterThreaded[i]!))), cell).toBeLessThan(1e-5);
      }
    } finally {
      pair.dispose();
    }
  });

  it('an embedding with class targets, and per-sequence initial states', () => {
    const V = 11;
    const embedded = model({ cell: 'lstm', inputSize: 1, vocabularySize: V, embeddingSize: 6, output: 'softmax', loss: 'cross-entropy' });
    const tokens = createSequenceBatch({
      size: 5, steps: 6, inputSize: 1, inputs: Float32Array.from({ length: 30 }, (_, i) => (i * 7) % V),
      classes: Int32Array.from({ length: 30 }, (_, i) => (i * 3) % 5), lengths: Int32Array.from([6, 5, 6, 4, 6]),
    });
    const withState = model({ cell: 'gru', numLayers: 2 });
    const states = randomBatch({ size: 6, steps: 5, inputSize: 7, outputSize: 5, targets: 'vector', seed: 9, initialStateSize: withState.stateSize });
    for (const [m, batch] of [[embedded, tokens], [withState, states]] as const) {
      const copy = m.clone();
      const one = computeGradients(m, batch), two = computeGradients(copy, batch, { threads: pool });
      expect(copy.backend).toBe(pool.backend);
      expect(Math.abs(two.loss - one.loss) / one.loss).toBeLessThan(1e-6);
      expect(relativeDifference(two.gradients, one.gradients)).toBeLessThan(2e-5);
    }
  });
});

describe('a feed-forward network on threads', () => {
  it('shares its rows: the same gradients and loss as one thread, vector and class targets', () => {
    const rng = new Random(8);
    const inputs = Float32Array.from({ length: 11 * 7 }, () => rng.gaussian());
    for (const classes of [false, true]) {
      const net = new FeedForwardNetwork({ layerSizes: [7, 9, 6, 5], output: classes ? 'softmax' : 'identity', seed: 2 });
      const batch = classes
        ? createRowBatch({ size: 11, inputSize: 7, inputs, classes: Int32Array.from({ length: 11 }, (_, i) => i % 5) })
        : createRowBatch({ size: 11, inputSize: 7, inputs, targets: Float32Array.from({ length: 55 }, () => rng.gaussian()), targetSize: 5 });
      const copy = net.clone();
      const one = computeGradients(net, batch), three = computeGradients(copy, batch, { threads: pool });
      expect(copy.backend).toBe(pool.backend);
      expect(Math.abs(three.loss - one.loss) / one.loss).toBeLessThan(1e-6);
      expect(relativeDifference(three.gradients, one.gradients)).toBeLessThan(2e-5);
      expect(relativeDifference(three.gradients, one.gradients)).toBeGreaterThan(0);
      const a = train(net, batch, { epochs: 4, batchSize: 6 }).history.map((h) => h.loss);
      const b = train(copy, batch, { epochs: 4, batchSize: 6, threads: pool }).history.map((h) => h.loss);
      for (let e = 0; e < 4; e++) expect(Math.abs(b[e]! - a[e]!) / a[e]!).toBeLessThan(1e-5);
    }
  });
});

describe('training on threads', () => {
  it('follows the one-thread loss curve within float32 rounding, and two runs on 3 threads are bit-identical', () => {
    const batch = randomBatch({ size: 9, steps: 10, inputSize: 7, outputSize: 5, targets: 'vector', seed: 3 });
    const options = { epochs: 6, batchSize: 5, optimizer: { type: 'adam' as const, learningRate: 0.01 } };
    const start = model({ cell: 'lstm', numLayers: 2, dropout: 0.2 });
    const one = start.clone(), a = start.clone(), b = start.clone();
    const curve = (m: RecurrentNetwork, threads?: typeof pool) => train(m, batch, { ...options, threads }).history.map((h) => h.loss);
    const single = curve(one), first = curve(a, pool), second = curve(b, pool);
    expect(second).toEqual(first);
    expect(sameParameters(a, b)).toBe(true);
    for (let e = 0; e < single.length; e++) expect(Math.abs(first[e]! - single[e]!) / single[e]!).toBeLessThan(1e-4);
    expect(first[5]!).toBeLessThan(first[0]!);
  });

  it('trainAsync waits for the workers without blocking, with the same result as train', async () => {
    const batch = randomBatch({ size: 8, steps: 9, inputSize: 7, outputSize: 5, targets: 'vector', seed: 4 });
    const start = model({ cell: 'gru' }), a = start.clone(), b = start.clone();
    const options = { epochs: 3, batchSize: 4, algorithm: { type: 'tbptt' as const, k: 4 }, optimizer: { type: 'sgd' as const, learningRate: 0.05 } };
    const sync = train(a, batch, { ...options, threads: pool });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const async = await trainAsync(b, batch, { ...options, threads: pool, yieldEveryMs: 0 });
    clearInterval(timer);
    expect(async.history).toEqual(sync.history.map((h) => ({ ...h, elapsedMs: expect.any(Number), epochMs: expect.any(Number) })));
    expect(sameParameters(a, b)).toBe(true);
    expect(ticks).toBeGreaterThan(0);
  });
});

describe('falling back to one thread', () => {
  it('float64 and js-backend models train on the calling thread with the pool given, and say why', () => {
    const batch = randomBatch({ size: 4, steps: 5, inputSize: 7, outputSize: 5, targets: 'vector', seed: 2 });
    const f64 = model({ dtype: 'float64' }), js = model({ backend: 'js' });
    expect(pool.reasonFor(f64)).toMatch(/float64/);
    expect(pool.reasonFor(js)).toMatch(/js backend/);
    for (const m of [f64, js]) {
      const reference = m.clone();
      expect(computeGradients(m, batch, { threads: pool })).toEqual(computeGradients(reference, batch));
      expect(m.backend).not.toBe(pool.backend);
    }
  });

  it('a model with an OnlineLearner stays in its memory (its pinned frames belong there)', () => {
    const m = model({ cell: 'gru' });
    new OnlineLearner(m, { algorithm: { type: 'tbptt', k: 4 } });
    expect(pool.reasonFor(m)).toMatch(/OnlineLearner/);
    const batch = randomBatch({ size: 4, steps: 5, inputSize: 7, outputSize: 5, targets: 'vector', seed: 2 });
    computeGradients(m, batch, { threads: pool });
    expect(m.backend).not.toBe(pool.backend);
  });

  it('a pool of one thread starts no worker; a batch with too little work per share stays on one thread', () => {
    const one = createThreadPool({ threads: 1 });
    expect(one.threads).toBe(1);
    expect(one.backend).toBeUndefined();
    const m = model({}), batch = randomBatch({ size: 4, steps: 5, inputSize: 7, outputSize: 5, targets: 'vector', seed: 2 });
    const reference = m.clone();
    expect(computeGradients(m, batch, { threads: one })).toEqual(computeGradients(reference, batch));
    const picky = createThreadPool({ threads: 2, minShareFlops: 1e12 });
    const moved = m.clone();
    // Too little work: the whole batch on the calling thread, bit-identical to no pool at all.
    expect(computeGradients(moved, batch, { threads: picky })).toEqual(computeGradients(reference, batch));
    expect(moved.backend).toBe(picky.backend);
    picky.dispose();
  });

  it('a worker that fails gives a clear error; the pool then runs on one thread, and training goes on', () => {
    const broken = createThreadPool({ threads: 2, minShareFlops: 0 });
    // A tape calling fill() at an address past the end of memory: the worker's wasm traps.
    const fill = 'fill';
    const names = Object.keys((broken.backend as unknown as { instance: WebAssembly.Instance }).instance.exports).filter((n) => n !== 'memory');
    broken.start([Float64Array.of(names.indexOf(fill), 3, 2 ** 32 - 64, 64, 0)]);
    expect(() => broken.finish()).toThrow(/threads: worker 1 failed: RuntimeError: memory access out of bounds.*one thread/);
    expect(broken.active).toBe(1);
    expect(broken.unavailable).toMatch(/worker 1 failed/);
    const m = model({ cell: 'lstm' }), batch = randomBatch({ size: 4, steps: 5, inputSize: 7, outputSize: 5, targets: 'vector', seed: 2 });
    const reference = m.clone();
    expect(train(m, batch, { epochs: 2, threads: broken }).history).toHaveLength(2);
    train(reference, batch, { epochs: 2 });
    expect(relativeDifference(m.parameters(), reference.parameters())).toBe(0);
    broken.dispose();
  });

  it('disposed between steps, the pool leaves training to the calling thread; disposed during a run, the run fails clearly', async () => {
    const batch = randomBatch({ size: 6, steps: 7, inputSize: 7, outputSize: 5, targets: 'vector', seed: 13 });
    const own = createThreadPool({ threads: 2, minShareFlops: 0 });
    const m = model({ cell: 'lstm' }), reference = m.clone();
    const options = { epochs: 4, optimizer: { type: 'sgd' as const, learningRate: 0.1 } };
    const history = train(m, batch, { ...options, threads: own, onStep: (s) => { if (s.step === 2) own.dispose(); } }).history;
    expect(history).toHaveLength(4);
    expect(own.active).toBe(1);
    expect(own.unavailable).toBe('the thread pool was disposed');
    const single = train(reference, batch, options).history;
    for (let e = 0; e < 4; e++) expect(Math.abs(history[e]!.loss - single[e]!.loss) / single[e]!.loss).toBeLessThan(1e-5);

    const other = createThreadPool({ threads: 2 });
    await other.ready;
    other.start([new Float64Array(0)]);
    other.dispose();
    await expect(other.finishAsync()).rejects.toThrow(/the thread pool was disposed during a run; the weights are those before it/);
  });

  it('the entries without threads (rnnkit/js, workerd, edge-light) link a one-thread pool with the same API', () => {
    const stub = oneThread.createThreadPool({ threads: 4 });
    const real = new ThreadPool({ threads: 1 });
    for (const name of ['threads', 'requested', 'reason', 'ready', 'minShareFlops', 'backend', 'unavailable', 'active', 'canBlock', 'reasonFor', 'prepare', 'passes', 'dispose']) {
      expect(name in stub, name).toBe(true);
      expect(typeof (stub as never)[name], name).toBe(name === 'reason' || name === 'unavailable' ? 'string' : typeof (real as never)[name] === 'undefined' ? 'undefined' : typeof (real as never)[name]);
    }
    expect([stub.threads, stub.requested, stub.active]).toEqual([1, 4, 1]);
    const m = model({ cell: 'gru' }), reference = m.clone();
    const batch = randomBatch({ size: 4, steps: 5, inputSize: 7, outputSize: 5, targets: 'vector', seed: 2 });
    expect(computeGradients(m, batch, { threads: stub as never })).toEqual(computeGradients(reference, batch));
    real.dispose();
  });

  it('a pool left undisposed does not keep Node alive', () => {
    const script = `
      import { RecurrentNetwork, createThreadPool, train, createSequenceBatch } from './dist/index.js';
      const pool = createThreadPool({ threads: 2, minShareFlops: 0 });
      const m = new RecurrentNetwork({ cell: 'gru', inputSize: 2, hiddenSize: 8, outputSize: 1 });
      const batch = createSequenceBatch({ size: 4, steps: 6, inputSize: 2, targetSize: 1, inputs: new Float32Array(48).fill(0.5), targets: new Float32Array(24).fill(1) });
      train(m, batch, { epochs: 3, threads: pool });
      console.log('trained on', pool.threads, 'threads');
    `;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { timeout: 20_000, encoding: 'utf8' });
    expect(out.trim()).toBe('trained on 2 threads');
  });
});
