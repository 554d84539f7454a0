// Where one training step of a recurrent layer spends its time on wasm-simd:
// the whole step (forward, loss, BPTT, no update) against its parts timed
// alone on the same arena — the cell's recurrence with its gate arithmetic,
// the same per-step products without it, and the one-shot products over all
// steps. The gate arithmetic is the difference. Medians of repeated runs.
//
//   node bench/step-profile.mjs                 # LSTM and GRU at M (p64 r128 o64 T64 B32)
//   node bench/step-profile.mjs L lstm          # a size (S, M, L) and a cell
import { RecurrentNetwork, createSequenceBatch, Random } from '../dist/index.js';

const SIZES = { S: [16, 64, 16, 32, 16], M: [64, 128, 64, 64, 32], L: [128, 256, 128, 128, 32] };
const size = process.argv.find((a) => a in SIZES) ?? 'M';
const cells = process.argv.filter((a) => ['elman', 'lstm', 'gru'].includes(a));
const [p, r, o, T, B] = SIZES[size];

function median(fn, repeats = 15) {
  for (let i = 0; i < 3; i++) fn();
  const times = [];
  for (let i = 0; i < repeats; i++) { const t0 = performance.now(); fn(); times.push(performance.now() - t0); }
  return times.sort((a, b) => a - b)[repeats >> 1];
}

for (const cell of cells.length ? cells : ['lstm', 'gru']) {
  const G = { elman: 1, lstm: 4, gru: 3 }[cell];
  const rng = new Random(1);
  const batch = createSequenceBatch({
    size: B, steps: T, inputSize: p, targetSize: o,
    inputs: Float32Array.from({ length: B * T * p }, () => rng.gaussian()), targets: Float32Array.from({ length: B * T * o }, () => rng.gaussian()),
  });
  const m = new RecurrentNetwork({ cell, inputSize: p, hiddenSize: r, outputSize: o, backend: process.env.BACKEND ?? 'wasm-simd' });
  const all = Int32Array.from({ length: B }, (_, i) => i);
  m.loadExamples(batch, all);
  m.lossAndGradients();
  const f = m.batchFrame(B, T), L = f.layers[0], k = m.backend.kernels, mem = () => m.workspace.mem;
  const wRec = m.parameterOffset('W_rec_l0'), wIn = m.parameterOffset('W_in_l0'), gRec = m.parameterOffset('W_rec_l0', true), gIn = m.parameterOffset('W_in_l0', true);
  const parts = {
    step: median(() => { m.loadExamples(batch, all); m.lossAndGradients(); }),
    recurrenceForward: median(() => cell === 'lstm' ? k.lstmForward(mem(), L.pre, L.h, L.c, wRec, B, T, r)
      : cell === 'gru' ? k.gruForward(mem(), L.pre, L.un, L.u, L.h, wRec, m.parameterOffset('b_hn_l0'), B, T, r)
        : k.elmanForward(mem(), L.h, wRec, B, T, r, 2)),
    productsForward: median(() => { for (let t = 0; t < T; t++) k.matmulABt(mem(), L.dPre + t * B * G * r, L.h + t * B * r, wRec, B, G * r, r, 1); }),
    recurrenceBackward: median(() => cell === 'lstm' ? k.lstmBackward(mem(), L.dH, L.pre, L.c, wRec, L.dPre, L.dH0, L.dC0, B, T, r)
      : cell === 'gru' ? k.gruBackward(mem(), L.dH, L.pre, L.un, L.h, wRec, L.dPre, L.dU, m.parameterOffset('b_hn_l0', true), L.dH0, B, T, r)
        : k.elmanBackward(mem(), L.dH, L.h, wRec, L.dH0, B, T, r, 2)),
    productsBackward: median(() => { for (let t = 0; t < T; t++) k.matmulAB(mem(), L.dH + t * B * r, L.dPre + t * B * G * r, wRec, B, r, G * r, 1); }),
    inputProduct: median(() => k.matmulABt(mem(), L.pre, f.x, wIn, T * B, G * r, p, 1)),
    recurrentGradient: median(() => k.matmulAtB(mem(), gRec, L.dU, L.h, G * r, r, T * B, 1)),
    inputGradient: median(() => k.matmulAtB(mem(), gIn, L.dPre, f.x, G * r, p, T * B, 1)),
    outputLayer: median(() => { k.matmulABt(mem(), f.z, L.h + B * r, m.parameterOffset('W_out'), T * B, o, r, 1); k.matmulAtB(mem(), m.parameterOffset('W_out', true), f.dz, L.h + B * r, o, r, T * B, 1); k.matmulAB(mem(), L.dH, f.dz, m.parameterOffset('W_out'), T * B, r, o, 0); }),
  };
  const gates = Math.max(0, parts.recurrenceForward - parts.productsForward) + Math.max(0, parts.recurrenceBackward - parts.productsBackward);
  const products = parts.productsForward + parts.productsBackward + parts.inputProduct + parts.recurrentGradient + parts.inputGradient + parts.outputLayer;
  const pct = (x) => `${(100 * x / parts.step).toFixed(0)}%`;
  console.log(`${cell.toUpperCase()} ${size} (p${p} r${r} o${o} T${T} B${B}), ${process.env.BACKEND ?? 'wasm-simd'}: step ${parts.step.toFixed(2)} ms; ` +
    `matrix products ${products.toFixed(2)} ms (${pct(products)}), gate arithmetic ${gates.toFixed(2)} ms (${pct(gates)}), ` +
    `the rest (loss, biases, copies) ${(parts.step - products - gates).toFixed(2)} ms (${pct(parts.step - products - gates)})`);
  for (const [name, ms] of Object.entries(parts)) if (name !== 'step') console.log(`  ${name.padEnd(20)} ${ms.toFixed(3)} ms`);
  m.dispose();
}
