import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';

/*
 * A runtime that forbids compiling wasm from bytes (a strict CSP, Cloudflare
 * workerd) still says yes to WebAssembly.validate; only compiling throws.
 * Simulated here by a WebAssembly.Module that throws the way workerd does;
 * the backend module is imported fresh so its choice is made under the stub.
 */
describe("'auto' falls back when wasm cannot be compiled", () => {
  const original = WebAssembly.Module;
  afterEach(() => {
    (WebAssembly as { Module: unknown }).Module = original;
    vi.resetModules();
  });

  it('to js, saying why each wasm backend failed, and still trains', async () => {
    (WebAssembly as { Module: unknown }).Module = function () {
      throw new WebAssembly.CompileError('WebAssembly.Module(): Wasm code generation disallowed by embedder');
    };
    vi.resetModules();
    const rnnkit = await import('../src/index.js');
    expect(WebAssembly.validate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]))).toBe(true);
    const info = rnnkit.backendInfo();
    expect(info.backend).toBe('js');
    expect(info.fallbacks.map((f) => f.backend)).toEqual(['wasm-simd']);
    expect(info.fallbacks[0]!.reason).toMatch(/CompileError: .*Wasm code generation disallowed by embedder/);
    const model = new rnnkit.ElmanRNN({ inputSize: 1, hiddenSize: 4, outputSize: 1 });
    expect(model.backend.name).toBe('js');
    const data = rnnkit.sequenceBatch({ inputs: [[[1], [0]], [[0], [1]]], targets: [[[1], [0]], [[0], [1]]] });
    const result = rnnkit.train(model, data, { epochs: 20, optimizer: { type: 'adam', learningRate: 0.05 } });
    expect(result.history.at(-1)!.loss).toBeLessThan(result.history[0]!.loss);
    expect(() => rnnkit.getBackend('wasm-simd')).toThrow(/backend: 'wasm-simd' is not available in this runtime \(CompileError: .*disallowed by embedder\)/);
  });

  it('to js, not wasm-scalar, when SIMD is not supported (the JS kernels are the faster of the two)', async () => {
    // A runtime without SIMD rejects the SIMD build at compile time but takes the scalar one.
    const { SIMD_WASM_BASE64 } = await import('../src/backend/wasm-bytes.generated.js');
    const { decodeBase64 } = await import('../src/backend/wasm.js');
    const simdBytes = decodeBase64(SIMD_WASM_BASE64);
    (WebAssembly as { Module: unknown }).Module = function (bytes: Uint8Array) {
      if (bytes.length === simdBytes.length && bytes.every((b, i) => b === simdBytes[i])) {
        throw new WebAssembly.CompileError('WebAssembly.Module(): invalid value type 0x7b (SIMD unsupported)');
      }
      return new original(bytes as BufferSource);
    };
    (WebAssembly.Module as { prototype: unknown }).prototype = original.prototype; // modules it makes stay instanceof WebAssembly.Module
    vi.resetModules();
    const rnnkit = await import('../src/index.js');
    const info = rnnkit.backendInfo();
    expect(info.backend).toBe('js');
    expect(info.fallbacks).toEqual([{ backend: 'wasm-simd', reason: expect.stringMatching(/SIMD unsupported/) }]);
    // The scalar build is not embedded: by name it says how to load it, and once given it compiles here.
    expect(() => rnnkit.getBackend('wasm-scalar')).toThrow(/the scalar build is not embedded; load rnnkit\/rnnkit-scalar\.wasm and pass it to useWasmModule/);
    const scalar = new original(readFileSync(new URL('../build/rnnkit-scalar.wasm', import.meta.url)));
    expect(rnnkit.useWasmModule(scalar, { variant: 'scalar' }).name).toBe('wasm-scalar');
    expect(rnnkit.getBackend('wasm-scalar').name).toBe('wasm-scalar');
    expect(rnnkit.backendInfo().backend).toBe('js'); // a scalar module does not become 'auto'
  });
});
