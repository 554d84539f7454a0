import { describe, expect, it } from 'vitest';
import { backendInfo, getBackend, useWasmModule, type BackendName } from '../src/backend/index.js';
import { readFileSync } from 'node:fs';
import { decodeBase64, wasmBackend } from '../src/backend/wasm.js';
import { SIMD_WASM_BASE64 } from '../src/backend/wasm-bytes.generated.js';
import type { Activation, LossName, OutputFunction } from '../src/model/functions.js';
import { ElmanRNN } from '../src/model/rnn.js';
import { computeGradients, type GradientSpec } from '../src/train/gradient-algorithm.js';
import { rtrl, RTRL_KERNELS, rtrlKernels } from '../src/train/rtrl.js';
import { SNAP_KERNELS, snapKernels } from '../src/train/snap.js';
import { UORO_KERNELS, uoroKernels } from '../src/train/uoro.js';
import { train } from '../src/train/train.js';
import { randomBatch } from './helpers/random-data.js';
import { ACTIVATIONS, HEADS, type TargetKind } from './helpers/cases.js';

const BACKENDS: BackendName[] = ['js', 'wasm-simd', 'wasm-scalar'];

describe('the wasm backends', () => {
  it("'auto' is wasm-simd in Node, with no fallback", () => {
    expect(backendInfo()).toEqual({ backend: 'wasm-simd', fallbacks: [] });
    expect(new ElmanRNN({ inputSize: 1, hiddenSize: 1, outputSize: 1 }).backend.name).toBe('wasm-simd');
    // float64 cannot live in wasm memory: 'auto' puts it on js; asking wasm for it is an error.
    expect(new ElmanRNN({ inputSize: 1, hiddenSize: 1, outputSize: 1, dtype: 'float64' }).backend.name).toBe('js');
    expect(() => new ElmanRNN({ inputSize: 1, hiddenSize: 1, outputSize: 1, dtype: 'float64', backend: 'wasm-simd' }))
      .toThrow(/dtype: expected one of 'float32' on the wasm-simd backend \(float64 runs on 'js'\), got "float64"/);
  });

  it('whole training runs give the same loss curve on every backend', () => {
    const data = randomBatch({ size: 24, steps: 9, inputSize: 5, outputSize: 3, targets: 'classes', ragged: true, seed: 2 });
    const curves = BACKENDS.map((backend) => {
      const model = new ElmanRNN({ inputSize: 5, hiddenSize: 13, outputSize: 3, output: 'softmax', seed: 4, backend });
      const losses: number[] = [];
      train(model, data, { epochs: 5, batchSize: 8, optimizer: { type: 'adam', learningRate: 0.01 }, onStep: (s) => losses.push(s.loss) });
      return losses;
    });
    expect(curves[0]!.length).toBe(15);
    expect(curves[0]![14]!).toBeLessThan(curves[0]![0]! * 0.9); // it learns something
    for (const curve of curves.slice(1)) {
      curve.forEach((loss, i) => expect(Math.abs(loss - curves[0]![i]!) / curves[0]![i]!).toBeLessThan(1e-4));
    }
    // And on one backend, every run is bit-identical (the README's statement).
    for (const backend of BACKENDS) {
      const run = () => {
        const model = new ElmanRNN({ inputSize: 5, hiddenSize: 13, outputSize: 3, output: 'softmax', seed: 4, backend });
        return train(model, data, { epochs: 3, batchSize: 8, optimizer: { type: 'adam', learningRate: 0.01 } }).history.map((h) => h.loss);
      };
      expect(run()).toEqual(run());
    }
  });

  /** Float64 central differences (5-point) of the loss, the oracle for a float32 gradient. */
  function numericGradient(model: ElmanRNN, batch: ReturnType<typeof randomBatch>): Record<string, Float64Array> {
    const probe = model.clone({ dtype: 'float64', backend: 'js' });
    const out: Record<string, Float64Array> = {};
    const h = 1e-4;
    const all = new Int32Array(batch.size).map((_, i) => i);
    for (const p of probe.layout.parameters) {
      const values = probe.getParameter(p.name);
      out[p.name] = new Float64Array(p.size);
      const at = (i: number, d: number) => {
        const v = values[i]!;
        values[i] = v + d; probe.setParameter(p.name, values); probe.loadExamples(batch, all);
        const l = probe.loss(); values[i] = v; return l;
      };
      for (let i = 0; i < p.size; i++) out[p.name]![i] = (8 * (at(i, h) - at(i, -h)) - (at(i, 2 * h) - at(i, -2 * h))) / (12 * h);
      probe.setParameter(p.name, values);
    }
    return out;
  }

  // Every σ × (F, loss) pair by BPTT, plus RTRL and truncated BPTT.
  const cases: [Activation, OutputFunction, LossName, TargetKind, GradientSpec][] = [
    ...ACTIVATIONS.flatMap((a) => HEADS.map((h) => [a, h.output, h.loss, h.targets, 'bptt'] as [Activation, OutputFunction, LossName, TargetKind, GradientSpec])),
    ['tanh', 'softmax', 'cross-entropy', 'classes', rtrl()],
    ['relu', 'identity', 'mse', 'vector', rtrl()],
    ['identity', 'identity', 'mse', 'vector', { type: 'tbptt', k: 9 }],
  ];
  for (const backend of ['wasm-simd', 'wasm-scalar'] as const) {
    for (const [activation, output, loss, targets, algorithm] of cases) {
      it(`${backend}: float32 ${JSON.stringify(algorithm)} gradients of σ=${activation}, ${output}/${loss} match float64 finite differences (r=13, p=7, o=5, ragged, learned h0)`, () => {
        const model = new ElmanRNN({
          inputSize: 7, hiddenSize: 13, outputSize: 5, activation, output, loss, initialState: 'learned', seed: 6, backend, init: { recurrentGain: 0.9 },
        });
        model.setParameter('h0', Float32Array.from({ length: 13 }, (_, i) => 0.2 * Math.sin(i)));
        // Data seed 24: with 23 a ReLU pre-activation lies within the stencil's 2h of 0, and even the
        // float64 JS gradient then differs from the finite difference (5e-3 at W_rec[92]): a kink, not an error.
        const batch = randomBatch({ size: 3, steps: 6, inputSize: 7, outputSize: 5, targets, ragged: true, seed: 24 });
        const analytic = computeGradients(model, batch, { algorithm }).gradients;
        const numeric = numericGradient(model, batch);
        for (const name of Object.keys(numeric)) {
          const n = numeric[name]!, a = analytic[name]!;
          const scale = Math.max(...n.map(Math.abs));
          let diff = 0, norm = 0;
          n.forEach((v, i) => {
            diff += (a[i]! - v) ** 2; norm += v * v;
            // Element-wise on well-conditioned entries (at least 1% of the parameter's largest).
            if (Math.abs(v) >= 1e-2 * scale) expect(Math.abs(a[i]! - v) / Math.abs(v), `${name}[${i}]`).toBeLessThanOrEqual(1e-3);
          });
          expect(Math.sqrt(diff / norm), `${name} norm-wise`).toBeLessThanOrEqual(1e-4);
        }
      });
    }
  }

  it('growing linear memory mid-training detaches views, and every model keeps working', () => {
    const backend = getBackend('wasm-simd');
    const a = new ElmanRNN({ inputSize: 3, hiddenSize: 8, outputSize: 2, seed: 1, backend: 'wasm-simd' });
    const twin = new ElmanRNN({ inputSize: 3, hiddenSize: 8, outputSize: 2, seed: 1, backend: 'js' });
    const small = randomBatch({ size: 4, steps: 5, inputSize: 3, outputSize: 2, targets: 'vector', seed: 1 });
    const big = randomBatch({ size: 64, steps: 200, inputSize: 3, outputSize: 2, targets: 'vector', seed: 2 });
    const run = (m: ElmanRNN, d: typeof small) => train(m, d, { epochs: 2, optimizer: { type: 'sgd', learningRate: 0.05 }, shuffle: false });
    run(a, small); run(twin, small);
    const viewBefore = a.workspace.mem;
    const bytesBefore = backend.memoryBytes;
    // A second, large model on the same memory forces it to grow …
    const other = new ElmanRNN({ inputSize: 64, hiddenSize: 512, outputSize: 64, backend: 'wasm-simd' });
    // … and model a's batch shape grows mid-training.
    run(a, big); run(twin, big);
    expect(backend.memoryBytes).toBeGreaterThan(bytesBefore);
    expect(viewBefore.byteLength).toBe(0); // the old view was detached by the growth
    const pa = a.getParameter('W_rec'), pt = twin.getParameter('W_rec');
    // Same weights as the js twin up to float32 rounding accumulated over ~400 steps.
    pa.forEach((v, i) => expect(Math.abs(v - pt[i]!) / Math.max(1, Math.abs(pt[i]!))).toBeLessThan(1e-4));
    expect(other.getParameter('W_out').some((v) => v !== 0)).toBe(true); // the other model's weights survived too
    other.dispose();
  });

  it('many models coexist; disposing returns their memory for reuse', () => {
    const backend = getBackend('wasm-scalar');
    const make = () => new ElmanRNN({ inputSize: 32, hiddenSize: 128, outputSize: 32, backend: 'wasm-scalar' });
    const models = Array.from({ length: 4 }, make);
    const batch = randomBatch({ size: 8, steps: 16, inputSize: 32, outputSize: 32, targets: 'vector', seed: 3 });
    const losses = models.map((m) => m.evaluate(batch));
    expect(new Set(losses).size).toBe(1); // same seed, same loss: nobody overwrote anybody
    models.forEach((m) => m.dispose());
    const settled = backend.memoryBytes;
    for (let i = 0; i < 20; i++) { const m = make(); m.evaluate(batch); m.dispose(); }
    expect(backend.memoryBytes).toBe(settled);
    expect(() => models[0]!.evaluate(batch)).toThrow(/model: it was disposed/);
  });

  it('a precompiled WebAssembly.Module can be passed in (where compiling from bytes is forbidden)', () => {
    const module = new WebAssembly.Module(decodeBase64(SIMD_WASM_BASE64) as BufferSource);
    const backend = useWasmModule(module, { variant: 'simd' });
    expect(getBackend('auto')).toBe(backend);
    const model = new ElmanRNN({ inputSize: 2, hiddenSize: 5, outputSize: 1, seed: 3 });
    expect(model.backend).toBe(backend);
    const reference = new ElmanRNN({ inputSize: 2, hiddenSize: 5, outputSize: 1, seed: 3, backend: 'js' });
    const batch = randomBatch({ size: 2, steps: 4, inputSize: 2, outputSize: 1, targets: 'vector' });
    expect(model.evaluate(batch)).toBeCloseTo(reference.evaluate(batch), 5);
    expect(() => useWasmModule({} as never)).toThrow(/module: expected a WebAssembly.Module/);
    expect(() => useWasmModule(module, { online: new Uint8Array(8) as never })).toThrow(/online: expected a WebAssembly.Module \(rnnkit-online-simd.wasm or rnnkit-online-scalar.wasm\)/);
  });
});

describe('the online kernels\' module (assembly/online.ts)', () => {
  const simd = () => new WebAssembly.Module(decodeBase64(SIMD_WASM_BASE64) as BufferSource);

  it('is instantiated on first use, on the backend\'s own memory, and leaves the core module\'s static data as it was', () => {
    const backend = wasmBackend(simd(), 'simd');
    const exports = backend.instance.exports as Record<string, unknown>;
    const memory = exports.memory as WebAssembly.Memory;
    // The core module's static data: its data segments, the tables after its matmul scratch (which any kernel overwrites).
    const scratchEnd = 1024 + (exports.setScratch as (a: number) => number)(0);
    const staticData = () => Array.from(new Uint8Array(memory.buffer, scratchEnd, 57344 - scratchEnd));
    const before = staticData();
    expect(before.some((b) => b !== 0)).toBe(true);
    const instances = WebAssembly.Instance;
    let made = 0;
    (WebAssembly as { Instance: unknown }).Instance = function (module: WebAssembly.Module, imports: WebAssembly.Imports) { made++; return new instances(module, imports); };
    try {
      const kernels = rtrlKernels(backend.kernels);
      expect(made).toBe(1);
      expect(rtrlKernels(backend.kernels)).toBe(kernels);
      expect(snapKernels(backend.kernels)).not.toBe(SNAP_KERNELS.js);
      expect(uoroKernels(backend.kernels)).not.toBe(UORO_KERNELS.js);
      expect(made).toBe(1); // one online instance per memory, shared by every algorithm
    } finally {
      (WebAssembly as { Instance: unknown }).Instance = instances;
    }
    expect(staticData()).toEqual(before);
    const model = new ElmanRNN({ inputSize: 3, hiddenSize: 5, outputSize: 2, seed: 9, backend });
    const reference = new ElmanRNN({ inputSize: 3, hiddenSize: 5, outputSize: 2, seed: 9, backend: 'js' });
    const batch = randomBatch({ size: 3, steps: 6, inputSize: 3, outputSize: 2, targets: 'vector' });
    const got = computeGradients(model, batch, { algorithm: rtrl() }), want = computeGradients(reference, batch, { algorithm: rtrl() });
    for (const name of Object.keys(want.gradients)) {
      expect(Array.from(got.gradients[name]!).every((v, i) => Math.abs(v - want.gradients[name]![i]!) <= 1e-5 * (1 + Math.abs(want.gradients[name]![i]!)))).toBe(true);
    }
    expect(staticData()).toEqual(before);
  });

  it('a scalar module given without its online twin: RTRL, SnAp-1 and UORO run their JS kernels on its memory, with the same gradients', () => {
    const scalar = new WebAssembly.Module(readFileSync(new URL('../build/rnnkit-scalar.wasm', import.meta.url)));
    const backend = wasmBackend(scalar, 'scalar');
    expect(rtrlKernels(backend.kernels)).toBe(RTRL_KERNELS.js);
    expect(snapKernels(backend.kernels)).toBe(SNAP_KERNELS.js);
    expect(uoroKernels(backend.kernels)).toBe(UORO_KERNELS.js);
    const model = new ElmanRNN({ inputSize: 3, hiddenSize: 5, outputSize: 2, seed: 2, backend });
    const reference = new ElmanRNN({ inputSize: 3, hiddenSize: 5, outputSize: 2, seed: 2, backend: 'wasm-scalar' });
    const batch = randomBatch({ size: 2, steps: 5, inputSize: 3, outputSize: 2, targets: 'vector' });
    const got = computeGradients(model, batch, { algorithm: rtrl() }), want = computeGradients(reference, batch, { algorithm: rtrl() });
    for (const name of Object.keys(want.gradients)) {
      expect(Array.from(got.gradients[name]!).every((v, i) => Math.abs(v - want.gradients[name]![i]!) <= 1e-5 * (1 + Math.abs(want.gradients[name]![i]!)))).toBe(true);
    }
  });
});
