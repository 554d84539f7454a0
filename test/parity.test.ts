import { describe, expect, it } from 'vitest';
import { getBackend, simdKernelBytes } from '../src/backend/index.js';
import { onlineKernelBytes } from '../src/backend/online-kernel-source.js';
import * as jsKernels from '../src/kernels/js/index.js';
import { Act, LossKind, NONE } from '../src/kernels/js/types.js';
import { Random } from '../src/model/random.js';
import { RTRL_KERNELS, rtrlKernels } from '../src/train/rtrl.js';
import { SNAP_KERNELS, snapKernels } from '../src/train/snap.js';
import { UORO_KERNELS, uoroKernels } from '../src/train/uoro.js';
import { expectParity, SIZES } from './helpers/parity.js';

/**
 * Every kernel on every backend, from the same random arena (see helpers/parity.ts);
 * the recurrent cells' kernels are in parity-cells.test.ts.
 */

/** The algorithms' own kernel pairs, attached on use (KernelPair): each new algorithm's pair goes here and into the parity cases below. */
const PAIRS = { rtrl: RTRL_KERNELS, snap: SNAP_KERNELS, uoro: UORO_KERNELS };

describe('every kernel exists twice behind one interface', () => {
  it('each kernel the wasm modules export has a JS twin: the core module\'s in the core table, the online module\'s in an algorithm\'s kernel pair', () => {
    const kernelsOf = (bytes: Uint8Array) => WebAssembly.Module.exports(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>))
      .filter((e) => e.kind === 'function' && e.name !== 'setScratch').map((e) => e.name);
    const core = kernelsOf(simdKernelBytes()), online = kernelsOf(onlineKernelBytes()!);
    const coreTwins = Object.keys(getBackend('js').kernels).filter((name) => typeof (jsKernels as Record<string, unknown>)[name] === 'function');
    const onlineTwins = Object.values(PAIRS).flatMap((pair) => Object.keys(pair.js));
    expect(core.filter((name) => !coreTwins.includes(name)), 'core wasm kernels without a JS twin').toEqual([]);
    expect(coreTwins.filter((name) => !core.includes(name)), 'core JS kernels without a wasm twin').toEqual([]);
    expect(online.filter((name) => !onlineTwins.includes(name)), 'online wasm kernels without a JS twin').toEqual([]);
    expect(onlineTwins.filter((name) => !online.includes(name)), 'online JS kernels without a wasm twin').toEqual([]);
    for (const pair of Object.values(PAIRS)) expect(Object.keys(pair.addresses).sort()).toEqual(Object.keys(pair.js).sort());
  });

  it('an attached pair runs the wasm exports on the wasm backends and the JS twins on js (so the parity cases compare the two)', () => {
    for (const [pair, attach] of [[RTRL_KERNELS, rtrlKernels], [SNAP_KERNELS, snapKernels], [UORO_KERNELS, uoroKernels]] as const) {
      expect(attach(getBackend('js').kernels)).toBe(pair.js);
      for (const name of ['wasm-simd', 'wasm-scalar'] as const) {
        const kernels: object = attach(getBackend(name).kernels);
        for (const [kernel, twin] of Object.entries(pair.js)) expect((kernels as Record<string, unknown>)[kernel]).not.toBe(twin);
        expect(attach(getBackend(name).kernels)).toBe(kernels); // wrapped once per table
      }
    }
    // The core table the js backend references holds no algorithm's kernels: those enter a bundle with their algorithm only.
    expect(Object.keys(getBackend('js').kernels).filter((name) => /rtrl|snap|uoro/i.test(name))).toEqual([]);
  });
});

describe('kernel parity past the packing thresholds', () => {
  it('matmulAtB with M ≥ 1024 (A packed in panels) and odd N, K, overwrite and accumulate', () => {
    for (const [m, n, k] of [[1024, 24, 300], [1027, 19, 257], [1032, 16, 5]] as const) {
      for (const acc of [0, 1]) {
        expectParity({ regions: { c: m * n, a: k * m, b: k * n }, run: (K, mem, o) => K.matmulAtB(mem, o.c!, o.a!, o.b!, m, n, k, acc) });
      }
    }
  });
});

describe.each(SIZES)('kernel parity at size %i (js vs wasm-simd vs wasm-scalar)', (s) => {
  it('matrix products: matmulABt, matmulAB, matmulAtB, columnSums, overwrite and accumulate', () => {
    for (const [m, n, k] of [[s, s, s], [s, 5, 3], [3, s, 7], [7, 3, s], [s, 9, s]] as const) {
      for (const acc of [0, 1]) {
        expectParity({ regions: { c: m * n, a: m * k, b: n * k }, run: (K, mem, o) => K.matmulABt(mem, o.c!, o.a!, o.b!, m, n, k, acc) });
        expectParity({ regions: { c: m * n, a: m * k, b: k * n }, run: (K, mem, o) => K.matmulAB(mem, o.c!, o.a!, o.b!, m, n, k, acc) });
        expectParity({ regions: { c: m * n, a: k * m, b: k * n }, run: (K, mem, o) => K.matmulAtB(mem, o.c!, o.a!, o.b!, m, n, k, acc) });
        expectParity({ regions: { out: n, a: m * n }, run: (K, mem, o) => K.columnSums(mem, o.out!, o.a!, m, n, acc) });
      }
    }
  });

  it('activations forward (separate and in place) and backward, every σ and F', () => {
    const wide = (mem: Float32Array, o: Record<string, number>, rng: Random) => {
      for (let i = 0; i < 3 * s; i++) mem[o.input! + i] = 4 * rng.gaussian(); // into saturation too
    };
    for (const act of [Act.identity, Act.sigmoid, Act.tanh, Act.relu, Act.softmax]) {
      expectParity({ regions: { input: 3 * s, output: 3 * s }, fill: wide, run: (K, mem, o) => K.activationForward(mem, o.input!, o.output!, 3, s, act) });
      expectParity({ regions: { input: 3 * s }, fill: wide, run: (K, mem, o) => K.activationForward(mem, o.input!, o.input!, 3, s, act) });
    }
    for (const act of [Act.identity, Act.sigmoid, Act.tanh, Act.relu]) {
      expectParity({ regions: { y: s, grad: s }, run: (K, mem, o) => K.activationBackward(mem, o.y!, o.grad!, s, act) });
    }
  });

  it('dense layer forward and backward', () => {
    for (const [rows, inSize, outSize] of [[s, s, 7], [5, 3, s], [s, s, s]] as const) {
      for (const act of [Act.identity, Act.tanh, Act.softmax]) {
        expectParity({
          regions: { x: rows * inSize, w: outSize * inSize, b: outSize, z: rows * outSize, y: rows * outSize },
          run: (K, mem, o) => K.denseForward(mem, o.x!, o.w!, o.b!, o.z!, o.y!, rows, inSize, outSize, act),
        });
      }
      for (const dx of [true, false]) {
        expectParity({
          regions: { dz: rows * outSize, x: rows * inSize, w: outSize * inSize, dw: outSize * inSize, db: outSize, dx: rows * inSize },
          run: (K, mem, o) => K.denseBackward(mem, o.dz!, o.x!, o.w!, o.dw!, o.db!, dx ? o.dx! : NONE, rows, inSize, outSize),
        });
      }
    }
  });

  it('the RTRL sensitivity step and its initialisation', () => {
    const B = 2, p = 3, r = Math.min(s, 31), n = r * p + r * r + r + r;
    for (const act of [Act.tanh, Act.relu]) {
      for (const withGrad of [true, false]) {
        expectParity({
          regions: { pPrev: r * B * n, pNext: r * B * n, wRec: r * r, x: B * p, phiPrev: B * r, phi: B * r, dPhi: B * r, grad: n },
          run: (K, mem, o) => rtrlKernels(K).rtrlStep(mem, o.pPrev!, o.pNext!, o.wRec!, o.x!, o.phiPrev!, o.phi!, withGrad ? o.dPhi! : NONE, o.grad!, B, p, r, n, act),
        });
      }
    }
    for (const h0Column of [NONE, r * p + r * r + r]) {
      expectParity({ regions: { p: r * B * n }, run: (K, mem, o) => rtrlKernels(K).rtrlInit(mem, o.p!, B, r, n, h0Column) });
    }
  });

  it('the gated cells\' RTRL steps (LSTM, GRU), with and without the gradient, n a multiple of 4 and not', () => {
    const B = 2, p = 3, r = Math.min(s, 31);
    for (const [cell, G] of [['lstm', 4], ['gru', 3]] as const) {
      // With and without the learned states' columns: n mod 4 then differs for odd r (LSTM) and for every r (GRU).
      for (const extra of [0, cell === 'lstm' ? 2 * r : r]) {
        const n = G * r * (p + r + 1) + (cell === 'gru' ? r : 0) + extra;
        const regions = {
          pH: r * B * n, pC: r * B * n, a: G * r * B * n, wRec: G * r * r, x: B * p, hPrev: B * r, c: 2 * B * r, gates: B * G * r, un: B * r, dH: B * r, grad: n,
        };
        const fill = (mem: Float32Array, o: Record<string, number>) => {
          for (let i = 0; i < G * r * r; i++) mem[o.wRec! + i]! *= 0.5 / Math.sqrt(r);
          // Gates as the forward pass leaves them: sigmoids in (0, 1), LSTM's g and GRU's n in (−1, 1).
          for (let b = 0; b < B; b++) {
            for (let k = 0; k < G * r; k++) {
              const at = o.gates! + b * G * r + k, squashed = Math.floor(k / r) === 2;
              mem[at] = squashed ? Math.tanh(2 * mem[at]!) : 1 / (1 + Math.exp(-2 * mem[at]!));
            }
          }
        };
        for (const withGrad of [true, false]) {
          expectParity({
            regions, fill,
            run: (K, mem, o) => cell === 'lstm'
              ? rtrlKernels(K).lstmRtrlStep(mem, o.pH!, o.pC!, o.a!, o.wRec!, o.x!, o.hPrev!, o.c!, o.gates!, withGrad ? o.dH! : NONE, o.grad!, B, p, r, n)
              : rtrlKernels(K).gruRtrlStep(mem, o.pH!, o.a!, o.wRec!, o.x!, o.hPrev!, o.gates!, o.un!, withGrad ? o.dH! : NONE, o.grad!, B, p, r, n),
          });
        }
      }
    }
  });

  it('SnAp-1\'s trace steps (Elman every σ, LSTM, GRU) and initialisation, with and without the gradient and the learned states\' columns', () => {
    // p = s, so that W_in's rows are and are not multiples of 4 long; W_rec's rows are r = min(s, 13) long. B = 2 and 3:
    // an even and an odd number of streams.
    const p = s, r = Math.min(s, 13);
    for (const B of [2, 3]) for (const [cell, G] of [['elman', 1], ['lstm', 4], ['gru', 3]] as const) {
      for (const learned of [false, true]) {
        const n = G * r * (p + r + 1) + (cell === 'gru' ? r : 0) + (learned ? (cell === 'lstm' ? 2 * r : r) : 0);
        const regions = { jH: B * n, jC: B * n, wRec: G * r * r, x: B * p, hPrev: B * r, h: B * r, c: 2 * B * r, gates: B * G * r, un: B * r, dH: B * r, grad: n };
        const fill = (mem: Float32Array, o: Record<string, number>) => {
          for (let i = 0; i < G * r * r; i++) mem[o.wRec! + i]! *= 0.5 / Math.sqrt(r);
          // Gates and states as the forward pass leaves them: sigmoids in (0, 1), LSTM's g, GRU's n and tanh states in (−1, 1).
          for (let i = 0; i < B * G * r; i++) mem[o.gates! + i] = Math.floor((i % (G * r)) / r) === 2 ? Math.tanh(2 * mem[o.gates! + i]!) : 1 / (1 + Math.exp(-2 * mem[o.gates! + i]!));
          for (let i = 0; i < B * r; i++) mem[o.h! + i] = Math.tanh(mem[o.h! + i]!);
        };
        for (const withGrad of [true, false]) {
          const dH = (o: Record<string, number>) => (withGrad ? o.dH! : NONE);
          if (cell === 'elman') {
            for (const act of [Act.tanh, Act.sigmoid, Act.relu, Act.identity]) {
              expectParity({ regions, fill, run: (K, mem, o) => snapKernels(K).snapStep(mem, o.jH!, o.wRec!, o.x!, o.hPrev!, o.h!, dH(o), o.grad!, B, p, r, n, act) });
            }
          } else if (cell === 'lstm') {
            expectParity({ regions, fill, run: (K, mem, o) => snapKernels(K).snapLstmStep(mem, o.jH!, o.jC!, o.wRec!, o.x!, o.hPrev!, o.c!, o.gates!, dH(o), o.grad!, B, p, r, n) });
          } else {
            expectParity({ regions, fill, run: (K, mem, o) => snapKernels(K).snapGruStep(mem, o.jH!, o.wRec!, o.x!, o.hPrev!, o.gates!, o.un!, dH(o), o.grad!, B, p, r, n) });
          }
        }
        for (const column of [NONE, n - r]) expectParity({ regions: { j: B * n }, run: (K, mem, o) => snapKernels(K).snapInit(mem, o.j!, B, r, n, column) });
      }
    }
  });

  it('UORO: the gated cells\' tangents and the update for every cell, with and without the gradient and learned columns (the rest of a step is core kernels)', () => {
    // r = min(s, 31): state rows and W_rec's rows of lengths that are and are not multiples of 4 (the product W_rec·s̃ is the core's SIMD matmulABt).
    const B = 2, p = 3, r = Math.min(s, 31);
    for (const [cell, gates] of [['elman', 1], ['lstm', 4], ['gru', 3]] as const) {
      const S = cell === 'lstm' ? 2 : 1, G = gates * r;
      for (const extra of [0, S * r]) {
        const n = G * (p + r + 1) + (cell === 'gru' ? r : 0) + extra;
        const regions = {
          state: 3 * S * B * r, theta: B * n, norms: B, delta: B * (G + r), wRec: G * r, x: B * p, hPrev: B * r, c: 2 * B * r, gates: B * G,
          un: B * r, dH: B * r, grad: n,
        };
        const fill = (mem: Float32Array, o: Record<string, number>) => {
          for (let i = 0; i < G * r; i++) mem[o.wRec! + i]! *= 0.5 / Math.sqrt(r);
          for (let i = 0; i < S * B * r; i++) mem[o.state! + 2 * S * B * r + i] = mem[o.state! + 2 * S * B * r + i]! > 0 ? 1 : -1;
          for (let b = 0; b < B; b++) {
            for (let k = 0; k < G; k++) {
              const at = o.gates! + b * G + k, squashed = Math.floor(k / r) === 2;
              mem[at] = squashed ? Math.tanh(2 * mem[at]!) : 1 / (1 + Math.exp(-2 * mem[at]!));
            }
            // ‖θ̃‖², as the previous step's update leaves it.
            let sq = 0;
            for (let i = 0; i < n; i++) sq += mem[o.theta! + b * n + i]! ** 2;
            mem[o.norms! + b] = sq;
          }
        };
        if (cell !== 'elman') {
          expectParity({
            regions, fill,
            run: (K, mem, o) => cell === 'lstm'
              ? uoroKernels(K).lstmUoroTangents(mem, o.state!, o.delta!, o.wRec!, o.c!, o.gates!, B, r)
              : uoroKernels(K).gruUoroTangents(mem, o.state!, o.delta!, o.wRec!, o.hPrev!, o.gates!, o.un!, B, r),
          });
        }
        for (const withGrad of [true, false]) {
          expectParity({
            regions, fill,
            run: (K, mem, o) => uoroKernels(K).uoroUpdate(mem, o.state!, o.theta!, o.norms!, o.delta!, o.x!, o.hPrev!, withGrad ? o.dH! : NONE, o.grad!, B, p, r, gates, n),
          });
        }
      }
    }
  });

  it('losses and their gradients, every (loss, F) pair, with a mask', () => {
    const rows = s, pairs = [
      [LossKind.mse, Act.identity], [LossKind.mse, Act.sigmoid], [LossKind.mse, Act.softmax],
      [LossKind.crossEntropy, Act.softmax], [LossKind.crossEntropyIndex, Act.softmax], [LossKind.binaryCrossEntropy, Act.sigmoid],
    ] as const;
    for (const o of [1, 5, s]) {
      for (const [loss, act] of pairs) {
        for (const withGrad of [true, false]) {
          expectParity({
            regions: { z: rows * o, y: rows * o, target: rows * o, mask: rows, dz: rows * o },
            fill: (mem, at, rng) => {
              // y = F(z) as the forward pass leaves it; targets suited to the loss; a 0/1 mask.
              getBackend('js').kernels.activationForward(mem, at.z!, at.y!, rows, o, act);
              for (let i = 0; i < rows * o; i++) mem[at.target! + i] = loss === LossKind.mse ? rng.gaussian() : rng.next();
              if (loss === LossKind.crossEntropyIndex) for (let i = 0; i < rows; i++) mem[at.target! + i] = rng.int(o);
              for (let i = 0; i < rows; i++) mem[at.mask! + i] = rng.next() < 0.8 ? 1 : 0;
            },
            run: (K, mem, at) => K.lossForwardBackward(mem, at.z!, at.y!, at.target!, at.mask!, withGrad ? at.dz! : NONE, rows, o, loss, act, 1 / 3),
          });
        }
      }
    }
  });

  it('optimizer updates: SGD, momentum, Nesterov, Adam (with weight decay)', () => {
    const n = s;
    expectParity({ regions: { p: n, g: n }, run: (K, mem, o) => K.sgdUpdate(mem, o.p!, o.g!, n, 0.1, 0.01) });
    for (const nesterov of [0, 1]) {
      expectParity({ regions: { p: n, g: n, v: n }, run: (K, mem, o) => K.momentumUpdate(mem, o.p!, o.g!, o.v!, n, 0.1, 0.9, nesterov, 0.01) });
    }
    expectParity({
      regions: { p: n, g: n, m: n, v: n },
      fill: (mem, o) => { for (let i = 0; i < n; i++) mem[o.v! + i] = Math.abs(mem[o.v! + i]!); }, // a second moment is ≥ 0
      run: (K, mem, o) => K.adamUpdate(mem, o.p!, o.g!, o.m!, o.v!, n, 0.01, 0.9, 0.999, 1e-8, 3, 0.01),
    });
  });

  it('vector kernels: sumSquares, scale, clamp, copy (overlapping too), fill, row sums, broadcast, add', () => {
    const n = s;
    expectParity({ regions: { x: n }, run: (K, mem, o) => K.sumSquares(mem, o.x!, n) });
    // allFinite: 1 on finite values; 0 with one ±∞ or NaN at the start, in the middle or at the end (vector lanes and the tail).
    const finite: number[] = [];
    expectParity({ regions: { x: n }, run: (K, mem, o) => { const r = K.allFinite(mem, o.x!, n); finite.push(r); return r; } });
    expect(finite).toEqual([1, 1, 1]);
    for (const bad of [Infinity, -Infinity, NaN]) {
      for (const at of new Set([0, n >> 1, n - 1])) {
        const seen: number[] = [];
        expectParity({ regions: { x: n }, fill: (mem, o) => { mem[o.x! + at] = bad; }, run: (K, mem, o) => { const r = K.allFinite(mem, o.x!, n); seen.push(r); return r; } });
        expect(seen, `${bad} at ${at} of ${n}`).toEqual([0, 0, 0]);
      }
    }
    expectParity({ regions: { x: n }, fill: (mem, o) => { mem[o.x!] = 3.4e38; mem[o.x! + n - 1] = -3.4e38; }, run: (K, mem, o) => K.allFinite(mem, o.x!, n) });
    expectParity({ regions: { x: n }, run: (K, mem, o) => K.scaleInPlace(mem, o.x!, n, 0.37) });
    expectParity({ regions: { x: n }, run: (K, mem, o) => K.clampInPlace(mem, o.x!, n, 0.5) });
    expectParity({ regions: { a: n, b: n }, run: (K, mem, o) => K.copy(mem, o.b!, o.a!, n) });
    expectParity({ regions: { a: 2 * n }, run: (K, mem, o) => K.copy(mem, o.a! + 1, o.a!, n) });
    expectParity({ regions: { a: 2 * n }, run: (K, mem, o) => K.copy(mem, o.a!, o.a! + 1, n) });
    expectParity({ regions: { x: n }, run: (K, mem, o) => K.fill(mem, o.x!, n, 1.25) });
    // +0 is bulk memory's fill in wasm; −0 (other bits) must not take that path.
    expectParity({ regions: { x: n }, run: (K, mem, o) => K.fill(mem, o.x!, n, 0) });
    const negativeZeros: number[] = [];
    expectParity({
      regions: { x: n },
      run: (K, mem, o) => {
        K.fill(mem, o.x!, n, -0);
        let count = 0;
        for (let i = 0; i < n; i++) if (Object.is(mem[o.x! + i], -0)) count++;
        negativeZeros.push(count);
        return count;
      },
    });
    expect(negativeZeros).toEqual([n, n, n]);
    expectParity({ regions: { out: n, x: 3 * n }, run: (K, mem, o) => K.sumRowsInto(mem, o.out!, o.x!, 3, n) });
    expectParity({ regions: { x: 3 * n, v: n }, run: (K, mem, o) => K.broadcastRows(mem, o.x!, o.v!, 3, n) });
    expectParity({ regions: { a: n, b: n }, run: (K, mem, o) => K.addInPlace(mem, o.a!, o.b!, n) });
  });
});

