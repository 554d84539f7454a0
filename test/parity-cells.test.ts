import { describe, it } from 'vitest';
import { getBackend } from '../src/backend/index.js';
import { Act } from '../src/kernels/js/types.js';
import { expectParity, SIZES } from './helpers/parity.js';

/**
 * The recurrent layers' kernels (cells, embedding, dropout) on every backend,
 * against the JS reference over the whole arena (helpers/parity.ts), at hidden
 * sizes that are and are not multiples of 4. Backward passes start from the
 * state the JS forward pass leaves, as in a real step.
 */
const js = getBackend('js').kernels;
const B = 3, T = 4;

describe.each(SIZES)('recurrent kernel parity at size %i (js vs wasm-simd vs wasm-scalar)', (r) => {
  // Recurrent weights of spectral radius ≈ 0.5 keep every recurrence bounded over T steps.
  const scale = (mem: Float32Array, at: number, n: number, by: number) => { for (let i = 0; i < n; i++) mem[at + i]! *= by; };

  it('Elman recurrence forward and backward, every σ', () => {
    for (const act of [Act.identity, Act.sigmoid, Act.tanh, Act.relu]) {
      const regions = { h: (T + 1) * B * r, wRec: r * r, dH: T * B * r, dH0: B * r };
      const fill = (mem: Float32Array, o: Record<string, number>) => scale(mem, o.wRec!, r * r, 0.5 / Math.sqrt(r));
      expectParity({ regions, fill, run: (K, mem, o) => K.elmanForward(mem, o.h!, o.wRec!, B, T, r, act) });
      expectParity({
        regions,
        fill: (mem, o) => { fill(mem, o); js.elmanForward(mem, o.h!, o.wRec!, B, T, r, act); },
        run: (K, mem, o) => K.elmanBackward(mem, o.dH!, o.h!, o.wRec!, o.dH0!, B, T, r, act),
      });
    }
  });

  it('LSTM recurrence forward and backward', () => {
    const regions = { gates: T * B * 4 * r, h: (T + 1) * B * r, c: (T + 1) * B * r, wHh: 4 * r * r, dH: T * B * r, dGates: T * B * 4 * r, dH0: B * r, dC0: B * r };
    const fill = (mem: Float32Array, o: Record<string, number>) => { scale(mem, o.wHh!, 4 * r * r, 0.5 / Math.sqrt(r)); scale(mem, o.gates!, T * B * 4 * r, 3); };
    expectParity({ regions, fill, run: (K, mem, o) => K.lstmForward(mem, o.gates!, o.h!, o.c!, o.wHh!, B, T, r) });
    expectParity({
      regions,
      fill: (mem, o) => { fill(mem, o); js.lstmForward(mem, o.gates!, o.h!, o.c!, o.wHh!, B, T, r); },
      run: (K, mem, o) => K.lstmBackward(mem, o.dH!, o.gates!, o.c!, o.wHh!, o.dGates!, o.dH0!, o.dC0!, B, T, r),
    });
  });

  it('GRU recurrence forward and backward', () => {
    const regions = { gates: T * B * 3 * r, un: T * B * r, u: B * 3 * r, h: (T + 1) * B * r, wHh: 3 * r * r, bHn: r, dH: T * B * r, dGates: T * B * 3 * r, dU: T * B * 3 * r, dBHn: r, dH0: B * r };
    const fill = (mem: Float32Array, o: Record<string, number>) => { scale(mem, o.wHh!, 3 * r * r, 0.5 / Math.sqrt(r)); scale(mem, o.gates!, T * B * 3 * r, 3); };
    expectParity({ regions, fill, run: (K, mem, o) => K.gruForward(mem, o.gates!, o.un!, o.u!, o.h!, o.wHh!, o.bHn!, B, T, r) });
    expectParity({
      regions,
      fill: (mem, o) => { fill(mem, o); js.gruForward(mem, o.gates!, o.un!, o.u!, o.h!, o.wHh!, o.bHn!, B, T, r); },
      run: (K, mem, o) => K.gruBackward(mem, o.dH!, o.gates!, o.un!, o.h!, o.wHh!, o.dGates!, o.dU!, o.dBHn!, o.dH0!, B, T, r),
    });
  });

  it('embedding gather and scatter-add (repeated tokens collect several rows)', () => {
    const V = 5, rows = 2 * r + 1;
    const ids = (mem: Float32Array, o: Record<string, number>) => { for (let i = 0; i < rows; i++) mem[o.ids! + i] = (i * 3) % V; };
    expectParity({ regions: { out: rows * r, table: V * r, ids: rows }, fill: ids, run: (K, mem, o) => K.embeddingForward(mem, o.out!, o.table!, o.ids!, rows, r) });
    expectParity({ regions: { dTable: V * r, dOut: rows * r, ids: rows }, fill: ids, run: (K, mem, o) => K.embeddingBackward(mem, o.dTable!, o.dOut!, o.ids!, rows, r) });
  });

  it('dropout masks (bit-identical: same hash, same threshold) and the elementwise product', () => {
    for (const rate of [0.1, 0.5, 0.9]) {
      expectParity({
        regions: { mask: T * B * r, ids: B },
        fill: (mem, o) => { for (let b = 0; b < B; b++) mem[o.ids! + b] = 1000 + 7 * b; },
        run: (K, mem, o) => K.dropoutMask(mem, o.mask!, o.ids!, B, T, 5, r, 0xdeadbeef, 3, 1, rate),
        tolerance: 0,
      });
    }
    expectParity({ regions: { out: r, a: r, b: r }, run: (K, mem, o) => K.multiply(mem, o.out!, o.a!, o.b!, r) });
    expectParity({ regions: { a: r, b: r }, run: (K, mem, o) => K.multiply(mem, o.a!, o.a!, o.b!, r) });
  });
});
