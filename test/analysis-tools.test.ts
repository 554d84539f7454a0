import { describe, expect, it } from 'vitest';
import { ElmanRNN } from '../src/model/rnn.js';
import { train, type StepInfo } from '../src/train/train.js';
import { analyzeGradientFlow, gradientFlowToJSON, lagContributions } from '../src/analysis/gradient-flow.js';
import { longShortRatio } from '../src/analysis/lag-contributions.js';
import { gradientMonitor, type MonitorWarning } from '../src/analysis/monitor.js';
import { jacobianHeatmapSvg, lagContributionsSvg, monitorSvg, normBoundSvg } from '../src/analysis/svg.js';
import { randomBatch } from './helpers/random-data.js';

const step = (n: number, gradientNorm: number): StepInfo => ({ step: n, epoch: 1, loss: 1, learningRate: 0.01, gradientNorm, batchSize: 1, elapsedMs: 0 });

/** Elements open and close in order, attributes are quoted, and no number came out as NaN or undefined. */
function expectWellFormedSvg(svg: string): void {
  expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  expect(svg).not.toMatch(/NaN|undefined|Infinity|null/);
  const tag = /<(\/?)([a-zA-Z]+)((?:\s+[a-zA-Z][\w:-]*="[^"<]*")*)\s*(\/?)>/g;
  const stack: string[] = [];
  for (const [, close, name, , selfClose] of svg.matchAll(tag)) {
    if (close) expect(stack.pop(), `</${name}>`).toBe(name);
    else if (!selfClose) stack.push(name!);
  }
  expect(stack).toEqual([]);
  // Everything between tags is text: no stray '<' left unmatched by the pattern above.
  expect(svg.replace(tag, '')).not.toContain('<');
}

describe('gradient monitor', () => {
  it('warns once when the norm jumps far above its recent median, suggesting a clipNorm, and again only after repeatAfter steps', () => {
    const warnings: MonitorWarning[] = [];
    const model = new ElmanRNN({ inputSize: 2, hiddenSize: 3, outputSize: 1 });
    const monitor = gradientMonitor(model, { onWarning: (w) => warnings.push(w), repeatAfter: 10 });
    [1, 1.2, 0.8, 1.1, 0.9, 1, 40, 45, 1, 1].forEach((g, i) => monitor.onStep(step(i + 1, g)));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ step: 7, kind: 'exploding' });
    expect(warnings[0]!.message).toContain('clipNorm: 2');
    for (let i = 11; i <= 17; i++) monitor.onStep(step(i, 1));
    monitor.onStep(step(18, 500)); // 11 steps after the first warning
    expect(warnings.map((w) => w.step)).toEqual([7, 18]);
    expect(monitor.records.map((r) => r.gradientNorm).slice(0, 3)).toEqual([1, 1.2, 0.8]);
    expect(monitor.warnings).toEqual(warnings);
  });

  it('a non-finite norm is an explosion even during warm-up', () => {
    const warnings: MonitorWarning[] = [];
    const monitor = gradientMonitor(new ElmanRNN({ inputSize: 1, hiddenSize: 2, outputSize: 1 }), { onWarning: (w) => warnings.push(w) });
    monitor.onStep(step(1, Number.POSITIVE_INFINITY));
    expect(warnings[0]).toMatchObject({ step: 1, kind: 'exploding' });
  });

  it('warns of vanishing gradients when the long-term part of the W_rec gradient is negligible', () => {
    const warnings: MonitorWarning[] = [];
    const model = new ElmanRNN({ inputSize: 2, hiddenSize: 8, outputSize: 1, init: { recurrentGain: 0.2 } });
    const probe = randomBatch({ size: 4, steps: 24, inputSize: 2, outputSize: 1, targets: 'vector' });
    const monitor = gradientMonitor(model, { probe, onWarning: (w) => warnings.push(w) });
    monitor.onStep(step(1, 1));
    expect(monitor.records[0]!.longShortRatio).toBeLessThan(1e-3);
    expect(warnings[0]).toMatchObject({ step: 1, kind: 'vanishing' });
    expect(warnings[0]!.message).toContain('lags ≥ 6');
  });

  it('records every step of train() and the ratio every n steps, measured on the weights after each update', () => {
    const model = new ElmanRNN({ inputSize: 2, hiddenSize: 6, outputSize: 1, seed: 4 });
    const data = randomBatch({ size: 16, steps: 12, inputSize: 2, outputSize: 1, targets: 'vector', seed: 3 });
    const probe = randomBatch({ size: 2, steps: 12, inputSize: 2, outputSize: 1, targets: 'vector', seed: 4 });
    const monitor = gradientMonitor(model, { probe, every: 4, longFrom: 3, onWarning: null });
    train(model, data, { epochs: 4, batchSize: 8, optimizer: { type: 'adam', learningRate: 0.01 }, onStep: monitor.onStep });
    expect(monitor.records.map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(monitor.records.filter((r) => r.longShortRatio !== undefined).map((r) => r.step)).toEqual([1, 4, 8]);
    // The last probe was taken after the last update: it is the final model's ratio.
    expect(monitor.records[7]!.longShortRatio).toBeCloseTo(longShortRatio(lagContributions(model, probe), 3), 12);
    expectWellFormedSvg(monitorSvg(monitor.records));
  });

  it('rejects unknown options and a probe without targets', () => {
    const model = new ElmanRNN({ inputSize: 2, hiddenSize: 3, outputSize: 1 });
    expect(() => gradientMonitor(model, { evry: 3 } as never)).toThrow(/unknown option 'evry'/);
    const noTargets = { ...randomBatch({ size: 1, steps: 3, inputSize: 2, outputSize: 1, targets: 'vector' }), targets: undefined };
    expect(() => gradientMonitor(model, { probe: noTargets })).toThrow(/targets/);
  });
});

describe('report as JSON and SVG', () => {
  const model = new ElmanRNN({ inputSize: 3, hiddenSize: 5, outputSize: 2, activation: 'relu', seed: 2 });
  const batch = randomBatch({ size: 3, steps: 9, inputSize: 3, outputSize: 2, targets: 'vector', ragged: true });
  const report = analyzeGradientFlow(model, batch, { maxLag: 6 });

  it('plain JSON: arrays for typed arrays, null for NaN, no per-lag matrices unless full', () => {
    const json = JSON.parse(JSON.stringify(gradientFlowToJSON(report)));
    expect(json.jacobians.meanByLag).toHaveLength(9);
    expect(json.jacobians.meanByLag[7]).toBeNull(); // beyond maxLag
    expect(json.jacobians.meanByLag[2]).toBeCloseTo(report.jacobians.meanByLag[2]!, 12);
    expect(json.contributions.byLag).toBeUndefined();
    expect(json.contributions.total).toHaveLength(25);
    expect(json.relu.activeByStep).toHaveLength(9);
    expect(json.bound.tau).toBeCloseTo(report.bound.tau, 12);
    const full = JSON.parse(JSON.stringify(gradientFlowToJSON(report, { full: true })));
    expect(full.contributions.byLag).toHaveLength(9 * 25);
  });

  it('maxLag limits the lags computed; the ReLU part is present for a ReLU model', () => {
    expect(report.jacobians.maxLag).toBe(6);
    expect(report.jacobians.pairsByLag[7]).toBe(0);
    expect(report.relu?.maxBoundRatio).toBeLessThanOrEqual(1 + 1e-12);
    expect(analyzeGradientFlow(new ElmanRNN({ inputSize: 3, hiddenSize: 5, outputSize: 2 }), batch).relu).toBeUndefined();
  });

  it('the charts are well-formed, self-contained SVG', () => {
    const heatmap = jacobianHeatmapSvg(report);
    expectWellFormedSvg(heatmap);
    // One cell per (t, lag) that some sequence reaches, lag ≤ 6.
    let cells = 0;
    for (let t = 1; t <= 9; t++) for (let lag = 1; lag <= Math.min(6, t - 1); lag++) if (Number.isFinite(report.jacobians.byTime[(t - 1) * 9 + lag]!)) cells++;
    const group = heatmap.slice(heatmap.indexOf('<g class="cells">'), heatmap.indexOf('</g>'));
    expect(group.match(/<rect /g)!.length).toBe(cells);
    expectWellFormedSvg(normBoundSvg(report));
    expectWellFormedSvg(lagContributionsSvg(report));
    expect(heatmap).not.toMatch(/href=|<image|<script/); // nothing external, nothing active
    const noTargets = analyzeGradientFlow(model, batch, { contributions: false });
    expect(noTargets.contributions).toBeUndefined();
    expect(() => lagContributionsSvg(noTargets)).toThrow(/targets/);
  });

  it('a long sequence is drawn with merged cells (at most 100 × 100)', () => {
    const long = randomBatch({ size: 1, steps: 250, inputSize: 3, outputSize: 2, targets: 'vector' });
    const small = new ElmanRNN({ inputSize: 3, hiddenSize: 2, outputSize: 2, seed: 2 });
    const svg = jacobianHeatmapSvg(analyzeGradientFlow(small, long, { contributions: false }));
    expectWellFormedSvg(svg);
    const group = svg.slice(svg.indexOf('<g class="cells">'), svg.indexOf('</g>'));
    // s = 3: 84 columns, and in each the lag blocks that exist (the triangle lag < t).
    expect(group.match(/<rect /g)!.length).toBeLessThanOrEqual(84 * 84);
    expect(group.match(/<rect /g)!.length).toBeGreaterThan(84 * 84 / 2);
  });

  it('rejects bad options with a message naming them', () => {
    expect(() => analyzeGradientFlow(model, batch, { maxlag: 3 } as never)).toThrow(/unknown option 'maxlag'/);
    expect(() => analyzeGradientFlow(model, batch, { maxLag: 0 })).toThrow(/maxLag/);
    expect(() => analyzeGradientFlow(model, batch, { threshold: -1 })).toThrow(/threshold/);
  });
});
