import type { Kernels } from '../backend/backend.js';
import { planRegions } from '../backend/workspace.js';
import type { KernelPair } from '../backend/backend.js';
import { attachKernels } from '../backend/attach-kernels.js';
import { checkKeys, checkSeed, fail } from '../errors.js';
import { gruUoroTangents, lstmUoroTangents, uoroUpdate } from '../kernels/js/uoro.js';
import { activationCode } from '../model/functions.js';
import type { RecurrentModel } from 'rnnkit';
import { CELLS } from '../model/recurrent/cells.js';
import { batchGradient, IMPLEMENTATION, type OnlineGradient } from './online-gradient.js';
import type { UoroAlgorithm, UoroOptions } from 'rnnkit';
export type { UoroAlgorithm, UoroOptions };
import { allColumns, errorBelow, errorBelowFlops, flushLayer, layerColumns, layerInput, layerInputSize } from './layers.js';

/*
 * UORO's façade (Tallec & Ollivier, "Unbiased Online Recurrent Optimization",
 * ICLR 2018; docs/theory.md (T60)–(T65)): the factory uoro() and the
 * implementation its result carries, with UORO's kernel pair
 * (src/kernels/js/uoro.ts, assembly/uoro.ts). Like RTRL's (src/train/rtrl.ts),
 * nothing that every training run loads imports this module.
 */



/**
 * UORO (Tallec & Ollivier, ICLR 2018) as a gradient algorithm: `algorithm:
 * uoro()` in train(), trainAsync(), computeGradients() and an OnlineLearner.
 * It keeps, per sequence, a rank-one estimate s̃θ̃ᵀ of RTRL's ∂s_t/∂θ — B·(|s|
 * + n) numbers instead of RTRL's B·r·n — at the cost of about one forward and
 * one backward step per step. The gradient is a random estimate: unbiased
 * (its mean over the random signs is RTRL's, that is BPTT's, gradient) but
 * noisy, so computeGradients() returns a different sample for another seed.
 * Any cell (Elman, LSTM or GRU) and depth, with an embedding or not: stacked
 * layers run it per layer with the error from above (docs/theory.md (T66)–(T69)),
 * whose mean is that approximation's gradient, not BPTT's.
 */
export function uoro(options: UoroOptions = {}): UoroAlgorithm {
  checkKeys('uoro options', options, ['seed']);
  return made(options.seed === undefined ? undefined : checkSeed('seed', options.seed));
}

/** A UORO spec checked: uoro()'s result or a spread copy of one. A fresh implementation: its counter of batches starts at 0. */
export function resolveUoro(spec: object): UoroAlgorithm {
  checkKeys('algorithm', spec, ['type', 'seed']);
  const s = spec as { type?: unknown; seed?: unknown };
  if (s.type !== 'uoro') fail('algorithm.type', "'uoro' (the algorithm uoro() made)", s.type);
  return made(s.seed === undefined ? undefined : checkSeed('algorithm.seed', s.seed));
}

function made(seed: number | undefined): UoroAlgorithm {
  return { type: 'uoro', ...(seed === undefined ? {} : { seed }), [IMPLEMENTATION]: uoroImplementation(seed) };
}

/**
 * UORO's kernel pair: the JS twins (src/kernels/js/uoro.ts) and, for the wasm
 * exports of the same names (assembly/uoro.ts), which arguments are
 * addresses. Attached when UORO runs, never in the core kernel table. The
 * rest of a step is core kernels: the signs are dropout masks, Elman's
 * tangents a product and σ', the start fills and copies — their code is in
 * every app's wasm binary already.
 */
export const UORO_KERNELS: KernelPair<{
  lstmUoroTangents: typeof lstmUoroTangents; gruUoroTangents: typeof gruUoroTangents; uoroUpdate: typeof uoroUpdate;
}> = {
  js: { lstmUoroTangents, gruUoroTangents, uoroUpdate },
  addresses: { lstmUoroTangents: 0b11111, gruUoroTangents: 0b111111, uoroUpdate: 0b11111111 },
};

/** UORO's kernels for a frame's kernel table: the wasm exports on a wasm backend or a thread's recorder, else the JS twins. */
export function uoroKernels(kernels: Kernels): typeof UORO_KERNELS.js {
  return attachKernels(kernels, UORO_KERNELS);
}

/** One layer's estimate: its s̃, θ̃, δ and gradient. */
export interface UoroLayerRegions {
  /** s̃, J·s̃ and ν, each [S][B][r] (S = 2 for the LSTM's (h, c), else 1). */
  state: number;
  /** θ̃, [B][n_l], in RTRL's column order over the layer's parameters. */
  theta: number;
  /** ‖θ̃‖² per sequence, [B]: uoroUpdate leaves it for the next step's ρ0. */
  norms: number;
  /** The gate errors δ [B][G] (and the GRU's δu [B][r]). */
  delta: number;
  /** The layer's recurrent parameters' gradient, in RTRL's column order. */
  gradient: number;
}

export interface UoroRegions {
  /** Per layer, bottom first: each layer keeps its own rank-one estimate (T66). */
  layers: UoroLayerRegions[];
  /** −1 in each of S·B·r values (ν = mask − 1). */
  minus: number;
  /** The seed of the signs. */
  seed: number;
  /** Which batch (check() counts them), and how many times start() ran on these regions (an OnlineLearner's resets). */
  draw: number;
  starts: number;
  /** The next step's number (0: the initial state's signs). */
  step: number;
}

/** The state blocks S of the cell: (h, c) for the LSTM, h otherwise. */
function stateBlocks(model: RecurrentModel): number {
  return CELLS[model.structure.cell].carriesCell ? 2 : 1;
}

/**
 * The implementation of one uoro() call: it counts the batches it checks,
 * so successive batches of one train() draw different signs, and a fresh
 * uoro() (or computeGradients call, which resolves it afresh) repeats them.
 */
function uoroImplementation(seed: number | undefined): OnlineGradient<UoroAlgorithm, UoroRegions> {
  let draws = 0;
  const implementation: OnlineGradient<UoroAlgorithm, UoroRegions> = {
    resolve: resolveUoro,
    check() {
      draws = (draws + 1) >>> 0;
    },
    plan(model, batch, start) {
      const { hiddenSize: r, cell, numLayers } = model.structure, S = stateBlocks(model), G = CELLS[cell].gates * r;
      const planned = planRegions(start, { minus: S * batch * r });
      let end = planned.end;
      const layers: UoroLayerRegions[] = [];
      for (let l = 0; l < numLayers; l++) {
        const n = layerColumns(model, l);
        const { offsets, end: next } = planRegions(end, { state: 3 * S * batch * r, theta: batch * n, norms: batch, delta: batch * (G + (cell === 'gru' ? r : 0)), gradient: n });
        layers.push(offsets);
        end = next;
      }
      // The model's seed (what dropout masks are keyed by) unless uoro({ seed }) says otherwise.
      const s = seed ?? (model as unknown as { dropoutSeed: number }).dropoutSeed;
      return { regions: { layers, minus: planned.offsets.minus, seed: s, draw: draws, starts: 0, step: 0 }, end };
    },
    start(model, f, R, learnedState) {
      const r = model.structure.hiddenSize, S = stateBlocks(model), B = f.batch, size = S * B * r;
      const mem = model.workspace.mem, k = f.kernels;
      R.starts++;
      R.step = 0;
      k.fill(mem, R.minus, size, -1);
      R.layers.forEach((L, l) => {
        const n = layerColumns(model, l), nu = L.state + 2 * size;
        k.fill(mem, L.theta, B * n, 0);
        k.fill(mem, L.gradient, n, 0);
        // ‖θ̃_0‖²: 0, or S·r (the signs in h0's[, c0's] columns, each ±1).
        k.fill(mem, L.norms, B, learnedState ? S * r : 0);
        if (!learnedState) { k.fill(mem, L.state, size, 0); return; }
        // (T60): s̃_0 = ν_0, and θ̃_0 = ν_0 in the columns of the learned (h0[, c0]), the last S·r.
        signs(k, mem, R, nu, f.ids, B, r, S, l);
        k.copy(mem, L.state, nu, size);
        for (let b = 0; b < B; b++) for (let s = 0; s < S; s++) k.copy(mem, L.theta + b * n + n - (S - s) * r, nu + (s * B + b) * r, r);
      });
    },
    // At each step, the top layer first, each layer then handing its error to the one below (T66)–(T68).
    advance(model, f, R, from, count) {
      const { hiddenSize: r, activation, cell, numLayers } = model.structure;
      const B = f.batch, gates = CELLS[cell].gates, G = gates * r, S = stateBlocks(model);
      const mem = model.workspace.mem, core = f.kernels, k = uoroKernels(core), act = activationCode(activation);
      for (let s = from; s < from + count; s++) {
        R.step++;
        for (let l = numLayers - 1; l >= 0; l--) {
          const layer = f.layers[l]!, L = R.layers[l]!, n = layerColumns(model, l), p = layerInputSize(model, l);
          const wRec = model.parameterOffset(model.parameterName('W_rec', l)), x = layerInput(model, f, l, s);
          const nu = L.state + 2 * S * B * r, jv = L.state + S * B * r;
          const h = layer.h + s * B * r, dH = layer.dH + s * B * r, pre = layer.pre + s * B * G;
          signs(core, mem, R, nu, f.ids, B, r, S, l);
          if (cell === 'lstm') k.lstmUoroTangents(mem, L.state, L.delta, wRec, layer.c + s * B * r, pre, B, r);
          else if (cell === 'gru') k.gruUoroTangents(mem, L.state, L.delta, wRec, h, pre, layer.un + s * B * r, B, r);
          else {
            // (T61)–(T62) for Elman: J·s̃ = σ'(a_t)∘(W_rec·s̃), δ = σ'(a_t)∘ν.
            core.matmulABt(mem, jv, L.state, wRec, B, r, r, 0);
            core.activationBackward(mem, h + B * r, jv, B * r, act);
            core.copy(mem, L.delta, nu, B * r);
            core.activationBackward(mem, h + B * r, L.delta, B * r, act);
          }
          k.uoroUpdate(mem, L.state, L.theta, L.norms, L.delta, x, h, dH, L.gradient, B, p, r, gates, n);
          errorBelow(model, f, l, s);
        }
      }
    },
    flush(model, f, R) {
      R.layers.forEach((L, l) => flushLayer(model, f, l, L.gradient));
    },
    // Per sequence and step: the product W_rec·s̃ (2·G·r²), and one pass over θ̃ of seven FLOPs an entry (the
    // new value θ̃/ρ0 + v/ρ1, its square for the norm, the gradient term).
    flops(model) {
      const { hiddenSize: r, cell, numLayers } = model.structure;
      return numLayers * 2 * CELLS[cell].gates * r * r + 7 * allColumns(model) + errorBelowFlops(model);
    },
    gradient(model, data, indices, algorithm) {
      return batchGradient(implementation, model, data, indices, algorithm);
    },
  };
  return implementation;
}

/** Keys the signs apart from dropout masks (which use the layer's index there). */
const SIGNS = 0x756f726f;

/**
 * ν_t ∈ {±1}, [S][B][r], into `nu`: a dropout mask of rate 1/2 (values 0 and
 * 2, each with probability exactly 1/2: a 24-bit hash against 2²³) minus 1.
 * The mask's hash of (seed, draw, layer, sequence id, step, unit) is keyed
 * here by (seed, batch and restart, SIGNS + layer, sequence id, S·t + state block,
 * unit): not a stream, so it does not depend on how a batch is split, and
 * every backend draws the same signs.
 */
function signs(k: Kernels, mem: Float32Array | Float64Array, R: UoroRegions, nu: number, ids: number, B: number, r: number, S: number, layer: number): void {
  k.dropoutMask(mem, nu, ids, B, S, R.step * S, r, R.seed, (R.draw + Math.imul(R.starts, 0x9e3779b9)) >>> 0, SIGNS + layer, 0.5);
  k.addInPlace(mem, nu, R.minus, S * B * r);
}
