import { NONE, type Mem } from '../kernels/js/types.js';
import type { Kernels } from './backend.js';

/** The functions the AssemblyScript module exports (assembly/index.ts): addresses in bytes, 0 = no buffer. */
interface WasmExports {
  memory: WebAssembly.Memory;
  [kernel: string]: ((...args: number[]) => number) | WebAssembly.Memory;
}

/**
 * The Kernels interface over a wasm instance. A view's byteOffset is its
 * arena's address in linear memory, so element offset `o` of `mem` is byte
 * address mem.byteOffset + 4·o; NONE becomes the null address 0.
 */
export function wasmKernels(exports: WasmExports): Kernels {
  const f = (name: string) => {
    const fn = exports[name];
    if (typeof fn !== 'function') throw new Error(`wasm module lacks the kernel ${name}`);
    return fn as (...args: number[]) => number;
  };
  const at = (mem: Mem, offset: number) => (offset === NONE ? 0 : mem.byteOffset + offset * 4);
  const matmulABt = f('matmulABt'), matmulAB = f('matmulAB'), matmulAtB = f('matmulAtB'), columnSums = f('columnSums');
  const activationForward = f('activationForward'), activationBackward = f('activationBackward');
  const denseForward = f('denseForward'), denseBackward = f('denseBackward');
  const rtrlStep = f('rtrlStep'), rtrlInit = f('rtrlInit');
  const elmanForward = f('elmanForward'), elmanBackward = f('elmanBackward');
  const lstmForward = f('lstmForward'), lstmBackward = f('lstmBackward'), gruForward = f('gruForward'), gruBackward = f('gruBackward');
  const embeddingForward = f('embeddingForward'), embeddingBackward = f('embeddingBackward');
  const dropoutMask = f('dropoutMask'), multiply = f('multiply');
  const lossForwardBackward = f('lossForwardBackward');
  const sgdUpdate = f('sgdUpdate'), momentumUpdate = f('momentumUpdate'), adamUpdate = f('adamUpdate');
  const sumSquares = f('sumSquares'), scaleInPlace = f('scaleInPlace'), clampInPlace = f('clampInPlace');
  const copy = f('copy'), fill = f('fill'), sumRowsInto = f('sumRowsInto'), broadcastRows = f('broadcastRows'), addInPlace = f('addInPlace');
  return {
    matmulABt: (mem, c, a, b, m, n, k, acc) => void matmulABt(at(mem, c), at(mem, a), at(mem, b), m, n, k, acc),
    matmulAB: (mem, c, a, b, m, n, k, acc) => void matmulAB(at(mem, c), at(mem, a), at(mem, b), m, n, k, acc),
    matmulAtB: (mem, c, a, b, m, n, k, acc) => void matmulAtB(at(mem, c), at(mem, a), at(mem, b), m, n, k, acc),
    columnSums: (mem, out, a, rows, n, acc) => void columnSums(at(mem, out), at(mem, a), rows, n, acc),
    activationForward: (mem, input, output, rows, cols, act) => void activationForward(at(mem, input), at(mem, output), rows, cols, act),
    activationBackward: (mem, activation, grad, n, act) => void activationBackward(at(mem, activation), at(mem, grad), n, act),
    denseForward: (mem, x, w, b, z, y, rows, inSize, outSize, act) =>
      void denseForward(at(mem, x), at(mem, w), at(mem, b), at(mem, z), at(mem, y), rows, inSize, outSize, act),
    denseBackward: (mem, dz, x, w, dw, db, dx, rows, inSize, outSize) =>
      void denseBackward(at(mem, dz), at(mem, x), at(mem, w), at(mem, dw), at(mem, db), at(mem, dx), rows, inSize, outSize),
    elmanForward: (mem, h, wRec, batch, steps, r, act) => void elmanForward(at(mem, h), at(mem, wRec), batch, steps, r, act),
    elmanBackward: (mem, dH, h, wRec, dH0, batch, steps, r, act) =>
      void elmanBackward(at(mem, dH), at(mem, h), at(mem, wRec), at(mem, dH0), batch, steps, r, act),
    lstmForward: (mem, gates, h, c, wHh, batch, steps, r) => void lstmForward(at(mem, gates), at(mem, h), at(mem, c), at(mem, wHh), batch, steps, r),
    lstmBackward: (mem, dH, gates, c, wHh, dGates, dH0, dC0, batch, steps, r) =>
      void lstmBackward(at(mem, dH), at(mem, gates), at(mem, c), at(mem, wHh), at(mem, dGates), at(mem, dH0), at(mem, dC0), batch, steps, r),
    gruForward: (mem, gates, un, u, h, wHh, bHn, batch, steps, r) =>
      void gruForward(at(mem, gates), at(mem, un), at(mem, u), at(mem, h), at(mem, wHh), at(mem, bHn), batch, steps, r),
    gruBackward: (mem, dH, gates, un, h, wHh, dGates, dU, dBHn, dH0, batch, steps, r) =>
      void gruBackward(at(mem, dH), at(mem, gates), at(mem, un), at(mem, h), at(mem, wHh), at(mem, dGates), at(mem, dU), at(mem, dBHn), at(mem, dH0),
        batch, steps, r),
    embeddingForward: (mem, out, table, ids, rows, dim) => void embeddingForward(at(mem, out), at(mem, table), at(mem, ids), rows, dim),
    embeddingBackward: (mem, dTable, dOut, ids, rows, dim) => void embeddingBackward(at(mem, dTable), at(mem, dOut), at(mem, ids), rows, dim),
    // seed, draw and layer are integers, not addresses.
    dropoutMask: (mem, mask, ids, batch, steps, firstStep, cols, seed, draw, layer, rate) =>
      void dropoutMask(at(mem, mask), at(mem, ids), batch, steps, firstStep, cols, seed, draw, layer, rate),
    multiply: (mem, out, a, b, n) => void multiply(at(mem, out), at(mem, a), at(mem, b), n),
    rtrlStep: (mem, pPrev, pNext, wRec, x, phiPrev, phi, dPhi, grad, batch, p, r, n, act) =>
      void rtrlStep(at(mem, pPrev), at(mem, pNext), at(mem, wRec), at(mem, x), at(mem, phiPrev), at(mem, phi), at(mem, dPhi), at(mem, grad),
        batch, p, r, n, act),
    // h0Column is a column index (NONE = −1 stays −1), not an address.
    rtrlInit: (mem, p, batch, r, n, h0Column) => void rtrlInit(at(mem, p), batch, r, n, h0Column),
    lossForwardBackward: (mem, z, y, target, mask, dz, rows, outSize, loss, outputAct, scale) =>
      lossForwardBackward(at(mem, z), at(mem, y), at(mem, target), at(mem, mask), at(mem, dz), rows, outSize, loss, outputAct, scale),
    sgdUpdate: (mem, param, grad, n, lr, wd) => void sgdUpdate(at(mem, param), at(mem, grad), n, lr, wd),
    momentumUpdate: (mem, param, grad, velocity, n, lr, mu, nesterov, wd) =>
      void momentumUpdate(at(mem, param), at(mem, grad), at(mem, velocity), n, lr, mu, nesterov, wd),
    adamUpdate: (mem, param, grad, m, v, n, lr, b1, b2, eps, step, wd) =>
      void adamUpdate(at(mem, param), at(mem, grad), at(mem, m), at(mem, v), n, lr, b1, b2, eps, step, wd),
    sumSquares: (mem, x, n) => sumSquares(at(mem, x), n),
    scaleInPlace: (mem, x, n, s) => void scaleInPlace(at(mem, x), n, s),
    clampInPlace: (mem, x, n, c) => void clampInPlace(at(mem, x), n, c),
    copy: (mem, dst, src, n) => void copy(at(mem, dst), at(mem, src), n),
    fill: (mem, x, n, value) => void fill(at(mem, x), n, value),
    sumRowsInto: (mem, out, x, rows, cols) => void sumRowsInto(at(mem, out), at(mem, x), rows, cols),
    broadcastRows: (mem, x, v, rows, cols) => void broadcastRows(at(mem, x), at(mem, v), rows, cols),
    addInPlace: (mem, dst, src, n) => void addInPlace(at(mem, dst), at(mem, src), n),
  };
}
