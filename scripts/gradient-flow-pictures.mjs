// Regenerates the pictures of README § "Seeing how gradients flow" in docs/gradient-flow/:
//   npx tsup --silent && node scripts/gradient-flow-pictures.mjs
// Two tanh RNNs (p = 4, r = 32) that differ only in the scale of their
// orthogonal W_rec (ρ = 0.5 and ρ = 3), analysed on the same 8 random
// sequences of 40 steps with random targets. Deterministic: same seeds, same files.
import { mkdirSync, writeFileSync } from 'node:fs';
import {
  ElmanRNN, createSequenceBatch, Random, analyzeGradientFlow,
  jacobianHeatmapSvg, normBoundSvg, lagContributionsSvg,
} from '../dist/index.js';

const p = 4, r = 32, T = 40, B = 8;
const rng = new Random(1);
const batch = createSequenceBatch({
  size: B, steps: T, inputSize: p,
  inputs: Float64Array.from({ length: B * T * p }, () => rng.gaussian()),
  targets: Float64Array.from({ length: B * T }, () => rng.gaussian()), targetSize: 1,
});
const dir = new URL('../docs/gradient-flow/', import.meta.url);
mkdirSync(dir, { recursive: true });

for (const [name, gain] of [['small', 0.5], ['large', 3]]) {
  const model = new ElmanRNN({ inputSize: p, hiddenSize: r, outputSize: 1, activation: 'tanh', seed: 1, init: { recurrentGain: gain } });
  const report = analyzeGradientFlow(model, batch);
  const label = `tanh, r = ${r}, W_rec = ${gain} × orthogonal`;
  writeFileSync(new URL(`tanh-${name}-heatmap.svg`, dir), jacobianHeatmapSvg(report, { title: `‖∂a^t/∂a^k‖₁ by time and lag (${label})` }));
  writeFileSync(new URL(`tanh-${name}-norm-vs-bound.svg`, dir), normBoundSvg(report, { title: `Jacobian norm vs bound τ^(t−k) (${label})` }));
  writeFileSync(new URL(`tanh-${name}-lags.svg`, dir), lagContributionsSvg(report, { title: `W_rec gradient by lag (${label})` }));
  const { bound, crossings, jacobians, contributions } = report;
  const at = (lag) => jacobians.meanByLag[lag].toExponential(2);
  console.log(`${name.padEnd(5)} ρ=${bound.spectralRadius.toFixed(3)} ‖W‖₁=${bound.recurrentNorm.toFixed(2)} σ'max=${bound.slopeMax.toFixed(3)} ` +
    `τ=${bound.tau.toFixed(2)} growth/step=${crossings.ratePerStep.toFixed(3)} norm<${crossings.threshold} from lag ${crossings.norm} ` +
    `mean norm at lag 1/10/20/39: ${at(1)}/${at(10)}/${at(20)}/${at(39)} long/short=${contributions.longShortRatio.toExponential(2)}`);
  model.dispose();
}
