import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { jsBackend, type Backend } from '../src/backend/backend.js';
import { wasmBackend } from '../src/backend/wasm.js';
import { Workspace } from '../src/backend/workspace.js';

/*
 * The arena's growth: the fixed block (parameters, gradients, optimizer
 * state) survives, an arena at the top of wasm memory grows in place, and a
 * refused growth leaves the model whole.
 */
describe('Workspace.reserve', () => {
  it('grows an arena at the top of wasm memory in place, keeping the fixed block', () => {
    const backend = wasmBackend(new WebAssembly.Module(readFileSync('build/rnnkit-simd.wasm')), 'simd');
    const ws = new Workspace(backend, 'float32', 1000);
    ws.mem.set(Float32Array.from({ length: 1000 }, (_, i) => i + 0.5));
    const start = ws.mem.byteOffset;
    ws.reserve(4_000_000);
    ws.reserve(8_000_000);
    expect(ws.mem.byteOffset).toBe(start);
    expect(Array.from(ws.mem.subarray(0, 1000))).toEqual(Array.from({ length: 1000 }, (_, i) => i + 0.5));
    // Moving up each time would have needed 4 + 8 MB-element arenas side by side (48 MB); in place it is ≤ 32 MB plus growth slack.
    expect(backend.memoryBytes).toBeLessThan(8_000_000 * 4 * 1.3);
  });

  it('when the backend refuses to grow, the model keeps its arena and fixed block and the error comes through', () => {
    const refusing: Backend = { ...jsBackend, allocate: (length, dtype) => {
      if (length > 5000) throw new Error('no memory');
      return jsBackend.allocate(length, dtype);
    } };
    const ws = new Workspace(refusing, 'float32', 100);
    ws.mem.set(Float32Array.from({ length: 100 }, (_, i) => -i));
    ws.reserve(2000);
    expect(() => ws.reserve(10_000)).toThrow('no memory');
    expect(ws.length).toBe(2000);
    expect(Array.from(ws.mem.subarray(0, 100))).toEqual(Array.from({ length: 100 }, (_, i) => -i));
  });
});
