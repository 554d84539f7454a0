import { describe, expect, it } from 'vitest';
import { linearTicks, logTicks } from '../src/cli/chart/ticks.js';
import { lossCurveSvg, type LossCurveData, type LossCurveOptions } from '../src/cli/loss-curve.js';
import { axis, findAll, forward, hasClass, inverse, panel, parseSvg, series, texts, type Element } from './helpers/svg.js';

/* The training chart (src/cli/loss-curve.ts on src/cli/chart/), read back from its SVG text as a person would read the picture. */

function chart(data: LossCurveData, options: LossCurveOptions = {}, title = 'a run'): { source: string; svg: Element } {
  const source = lossCurveSvg(title, data, options);
  expect(source).not.toMatch(/NaN|undefined|Infinity|null/);
  return { source, svg: parseSvg(source) };
}

/** A seeded stream in [0, 1). */
function random(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 16807) % 2147483647) - 1) / 2147483646;
}

/** A tick step of 1, 2 or 5 × 10^k (up to rounding of the labels' values). */
function isNiceStep(step: number): boolean {
  const p = Math.floor(Math.log10(step) + 1e-9);
  const m = step / 10 ** p;
  return [1, 2, 5, 10].some((n) => Math.abs(m - n) < 1e-6);
}

/** Labels a person writes: no float noise, 7 characters at most. */
const COMPACT = /^-?(\d+(\.\d+)?|\d(\.\d+)?e-?\d+)$/;

function expectNiceCoveringTicks(ticks: { value: number; label: string }[], lo: number, hi: number, scale: string | undefined): void {
  expect(ticks.length).toBeGreaterThanOrEqual(2);
  expect(ticks.length).toBeLessThanOrEqual(12);
  for (const t of ticks) {
    expect(t.label).toMatch(COMPACT);
    expect(t.label.length).toBeLessThanOrEqual(7);
  }
  const values = ticks.map((t) => t.value);
  expect(values[0]).toBeLessThanOrEqual(lo);
  expect(values[values.length - 1]).toBeGreaterThanOrEqual(hi);
  if (scale === 'log') {
    // Each tick is 1, 2, 3 … or 9 × a power of ten, ascending.
    for (const v of values) expect(Number(v.toExponential().split('e')[0])).toSatisfy(Number.isInteger);
    for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThan(values[i - 1]!);
  } else {
    const step = values[1]! - values[0]!;
    expect(isNiceStep(step), `step ${step} of ${values.join(' ')}`).toBe(true);
    for (let i = 1; i < values.length; i++) expect(values[i]! - values[i - 1]!).toBeCloseTo(step, 9);
  }
}

describe('the loss-curve chart', () => {
  it('y ticks are 1-2-5 steps or decades with compact labels, and enclose the data, over many ranges', () => {
    const next = random(7);
    for (let trial = 0; trial < 60; trial++) {
      // Ranges from 1e-6 to 1e6 wide, some crossing zero, some spanning decades.
      const scale = 10 ** Math.floor(next() * 12 - 6);
      const lo = (next() - (trial % 3 === 0 ? 0.5 : 0)) * scale, span = next() * scale * (trial % 4 === 0 ? 1000 : 1) + scale * 1e-3;
      const steps = Array.from({ length: 50 }, (_, i) => lo + (span * i) / 49);
      const { svg } = chart({ steps });
      const y = axis(panel(svg, 'loss'), 'y');
      expectNiceCoveringTicks(y.ticks, lo, lo + span, y.scale);
    }
  });

  it('ticks and labels for awkward ranges: exact decimals, never float noise', () => {
    expect(linearTicks(0.1, 0.3).labels).toEqual(['0.10', '0.15', '0.20', '0.25', '0.30']);
    expect(linearTicks(0.29, 0.71).values).toEqual([0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]);
    expect(linearTicks(-0.35, 0.05).labels).toEqual(['-0.4', '-0.3', '-0.2', '-0.1', '0.0', '0.1']);
    expect(linearTicks(1e-5, 3e-5).labels).toEqual(['1e-5', '1.5e-5', '2e-5', '2.5e-5', '3e-5']);
    expect(linearTicks(123456, 7654321).labels).toEqual(['0', '2e6', '4e6', '6e6', '8e6']);
    expect(linearTicks(0, 237, 8, true).values).toEqual([0, 50, 100, 150, 200, 250]);
    expect(linearTicks(0, 3, 8, true).values).toEqual([0, 1, 2, 3]); // integer axis: no 0.5
    expect(logTicks(0.0004, 2.1).labels).toEqual(['1e-4', '0.001', '0.01', '0.1', '1', '10']);
    expect(logTicks(0.0004, 2.1).minor).toHaveLength(8 * 5);
    expect(logTicks(0.03, 2.1).labels).toEqual(['0.02', '0.05', '0.1', '0.2', '0.5', '1', '2', '5']);
    expect(logTicks(1e-12, 1).labels).toEqual(['1e-12', '1e-10', '1e-8', '1e-6', '1e-4', '0.01', '1']);
    for (let k = -8; k < 8; k++) for (const t of [linearTicks(3 * 10 ** k, 7.3 * 10 ** k), logTicks(10 ** k, 10 ** (k + 3) * 3)]) {
      for (const label of t.labels) expect(label).toMatch(COMPACT);
      expect(t.lo).toBe(t.values[0]);
      expect(t.hi).toBe(t.values[t.values.length - 1]);
    }
  });

  it('a log y axis when the loss spans more than 1.5 decades and is positive, linear otherwise, or as forced', () => {
    const falling = Array.from({ length: 200 }, (_, i) => 2 * Math.exp(-i / 30)); // 2 … 0.0029: 2.8 decades
    const flat = Array.from({ length: 200 }, (_, i) => 0.7 - i / 1000); // 0.7 … 0.5
    const scaleOf = (data: LossCurveData, options?: LossCurveOptions) => axis(panel(chart(data, options).svg, 'loss'), 'y').scale;
    expect(scaleOf({ steps: falling })).toBe('log');
    expect(scaleOf({ steps: flat })).toBe('linear');
    expect(scaleOf({ steps: [...falling.slice(0, 10), 0, ...falling.slice(10)] })).toBe('linear'); // a zero
    expect(scaleOf({ steps: falling.map((v) => v - 1) })).toBe('linear'); // negative values
    expect(scaleOf({ steps: Array.from({ length: 20 }, (_, i) => 1 / (i + 1)) })).toBe('linear'); // 1.3 decades
    expect(scaleOf({ steps: falling }, { lossScale: 'linear' })).toBe('linear');
    expect(scaleOf({ steps: flat }, { lossScale: 'log' })).toBe('log');
    // Validation counts: a training loss spanning one decade with a validation loss far above it.
    expect(scaleOf({ steps: flat, epochEnds: [100, 200], validation: [40, 30] })).toBe('log');
    // A log axis is titled as one and reads back: each step's loss sits where its ticks say.
    const svg = chart({ steps: falling }, { lossLabel: 'cross-entropy (nats)' }).svg;
    const y = axis(panel(svg, 'loss'), 'y');
    expect(y.title).toBe('cross-entropy (nats), log scale');
    expect(y.minor).toBeGreaterThan(0);
    const [segment] = series(panel(svg, 'loss'), 'training-step')!.segments;
    const x = axis(panel(svg, 'loss'), 'x');
    const toStep = inverse(x), toLoss = inverse(y);
    for (const [px, py] of segment!) {
      const i = Math.round(toStep(px)) - 1;
      expect(toLoss(py) / falling[i]!).toBeCloseTo(1, 2);
    }
  });

  it('titles, axis titles and legend are present and escaped', () => {
    const title = 'cats & <dogs> "quoted" it\'s';
    const { source, svg } = chart(
      { steps: [1, 0.5, 0.4, 0.3], epochEnds: [2, 4], validation: [0.6, 0.35], metric: { name: 'bits/char <est>', unit: '% & more', values: [2, 1.5] } },
      { lossLabel: 'loss <nats> & more' }, title);
    expect(source).not.toContain('<dogs>');
    expect(source).not.toContain('<nats>');
    expect(source).not.toContain('<est>');
    expect(source).toContain('cats &amp; &lt;dogs&gt;');
    const all = texts(svg);
    expect(all).toContain(title); // the <title> and the visible title
    expect(all.filter((t) => t === title)).toHaveLength(2);
    const loss = panel(svg, 'loss'), metric = panel(svg, 'metric');
    expect(axis(loss, 'x').title).toBe('step');
    expect(axis(loss, 'y').title).toBe('loss <nats> & more');
    expect(axis(metric, 'x').title).toBe('epoch');
    expect(axis(metric, 'y').title).toBe('bits/char <est> (% & more)');
    const legend = (p: Element) => findAll(p, (e) => hasClass(e, 'legend-item')).map((e) => texts(e)[0]);
    expect(legend(loss)).toEqual(['training, each step', 'training, epoch mean', 'validation, after each epoch']);
    expect(legend(metric)).toEqual(['bits/char <est>, after each epoch']);
    expect(texts(svg).find((t) => t.startsWith('4 steps in 2 epochs'))).toBe('4 steps in 2 epochs; last epoch: training 0.35, validation 0.35, bits/char <est> 1.5 % & more');
    // A long title (a task's description) wraps onto lines that stay inside the chart.
    const long = 'the embedded Reber grammar: predict the next symbol; the second-to-last symbol repeats the second, so it needs memory of the whole string';
    const wrapped = findAll(chart({ steps: [1, 2] }, {}, long).svg, (e) => hasClass(e, 'title'));
    expect(wrapped.length).toBeGreaterThan(1);
    expect(wrapped.map((e) => e.text).join(' ')).toBe(long);
    for (const e of wrapped) expect(Number(e.attrs.x) + e.text.length * 8).toBeLessThan(720);
  });

  it('NaN and ±Infinity leave gaps: one path segment per finite run', () => {
    const steps = Array.from({ length: 50 }, (_, i) => 1 + Math.sin(i) * 0.2);
    steps[10] = NaN;
    steps[20] = steps[21] = steps[22] = Infinity;
    steps[40] = -Infinity;
    steps[42] = NaN; // step 42 (index 41) stands alone
    const { svg } = chart({ steps });
    const { segments } = series(panel(svg, 'loss'), 'training-step')!;
    expect(segments.map((s) => s.length)).toEqual([10, 9, 17, 1, 7]);
    const toStep = inverse(axis(panel(svg, 'loss'), 'x'));
    expect(segments.map((s) => Math.round(toStep(s[0]![0])))).toEqual([1, 12, 24, 42, 44]);
    // A forced log axis cannot show 0 or a negative loss: gaps too.
    const forced = chart({ steps: [1, 0.5, 0, 0.2, -1, 0.1, 0.05] }, { lossScale: 'log' }).svg;
    expect(series(panel(forced, 'loss'), 'training-step')!.segments.map((s) => s.length)).toEqual([2, 1, 2]);
    // No finite value at all: an empty, labelled chart.
    const none = chart({ steps: [NaN, NaN] }).svg;
    expect(series(panel(none, 'loss'), 'training-step')!.segments).toEqual([]);
    expect(texts(none)).toContain('no data');
  });

  it('an empty run: axes, titles, "no data"; without steps the per-epoch values go on an epoch axis', () => {
    const empty = chart({ steps: [] }).svg;
    expect(texts(empty)).toContain('no data');
    expect(axis(panel(empty, 'loss'), 'y').ticks.length).toBeGreaterThanOrEqual(2);
    expect(series(panel(empty, 'loss'), 'training-step')).toBeUndefined();
    const epochsOnly = chart({ steps: [], validation: [0.9, 0.5, 0.4] }).svg;
    const x = axis(panel(epochsOnly, 'loss'), 'x');
    expect(x.title).toBe('epoch');
    const { points } = series(panel(epochsOnly, 'loss'), 'validation')!;
    expect(points.map(([px]) => inverse(x)(px))).toEqual([1, 2, 3].map((e) => expect.closeTo(e, 1)));
    expect(texts(epochsOnly)).not.toContain('no data');
  });

  it('validation (and the metric below it) sit at the step each epoch ended; the epoch mean at the middle of its steps', () => {
    // Four epochs of 30 steps, the last interrupted after 10.
    const steps = Array.from({ length: 100 }, (_, i) => 1 / (1 + i / 10));
    const epochEnds = [30, 60, 90, 100];
    const validation = [0.4, 0.3, 0.25, 0.24];
    const { svg } = chart({ steps, epochEnds, validation, metric: { name: 'accuracy', values: [0.6, 0.7, 0.8, 0.82] } });
    const loss = panel(svg, 'loss');
    const toX = forward(axis(loss, 'x')), toY = forward(axis(loss, 'y'));
    const v = series(loss, 'validation')!;
    expect(v.points).toHaveLength(4);
    v.points.forEach(([px, py], e) => {
      expect(px).toBeCloseTo(toX(epochEnds[e]!), 0);
      expect(py).toBeCloseTo(toY(validation[e]!), 0);
    });
    expect(v.segments).toEqual([v.points]); // one line through the points, nothing in between
    const mean = series(loss, 'training-epoch')!;
    const starts = [0, 30, 60, 90];
    mean.points.forEach(([px, py], e) => {
      const own = steps.slice(starts[e], epochEnds[e]);
      expect(px).toBeCloseTo(toX((starts[e]! + 1 + epochEnds[e]!) / 2), 0);
      expect(py).toBeCloseTo(toY(own.reduce((a, b) => a + b) / own.length), 0);
    });
    // The metric panel's epoch axis is lined up: epoch e's point right under its validation point.
    const metric = panel(svg, 'metric');
    const m = series(metric, 'metric')!;
    expect(m.points.map(([px]) => px)).toEqual(v.points.map(([px]) => px));
    const epochTicks = axis(metric, 'x').ticks;
    expect(epochTicks.map((t) => t.value)).toEqual([0, 1, 2, 3, 4]);
    expect(epochTicks[2]!.at).toBeCloseTo(toX(60), 0);
    expect(axis(metric, 'y').title).toBe('accuracy');
  });

  it('10,000 steps: under 50 KB, at most two points per pixel column, and a one-step spike still drawn to its top', () => {
    const next = random(3);
    const steps = Array.from({ length: 10_000 }, (_, i) => 0.5 + 0.5 * Math.exp(-i / 2000) + 0.05 * next());
    steps[7777] = 30; // one bad batch
    steps[2222] = 0.2; // and one unusually easy one
    const { source, svg } = chart({ steps, epochEnds: Array.from({ length: 10 }, (_, e) => 1000 * (e + 1)), validation: Array.from({ length: 10 }, (_, e) => 0.6 + 0.3 * Math.exp(-e / 2)) });
    expect(source.length).toBeLessThan(50_000);
    const loss = panel(svg, 'loss');
    const y = axis(loss, 'y'), x = axis(loss, 'x');
    const [segment, ...more] = series(loss, 'training-step')!.segments;
    expect(more).toEqual([]);
    const plotWidth = x.ticks[x.ticks.length - 1]!.at - x.ticks[0]!.at;
    expect(segment!.length).toBeLessThanOrEqual(2 * Math.ceil(plotWidth) + 2);
    expect(segment!.length).toBeGreaterThan(plotWidth); // thinned, not thrown away
    const top = segment!.reduce((best, p) => (p[1] < best[1] ? p : best));
    const bottom = segment!.reduce((best, p) => (p[1] > best[1] ? p : best));
    expect(inverse(y)(top[1])).toBeCloseTo(30, 0);
    expect(inverse(x)(top[0])).toBeCloseTo(7778, -1);
    expect(inverse(y)(bottom[1])).toBeCloseTo(0.2, 2);
    // The axis reaches the spike.
    expect(y.ticks[y.ticks.length - 1]!.value).toBeGreaterThanOrEqual(30);
  });

  it('is deterministic and leaves its input alone', () => {
    const next = random(11);
    const steps = Array.from({ length: 3000 }, () => next());
    const data: LossCurveData = { steps, epochEnds: [1000, 2000, 3000], validation: [0.5, 0.4, 0.3], metric: { name: 'RMSE', values: [1, 0.8, 0.7] } };
    const copy = structuredClone(data);
    const a = lossCurveSvg('same', data), b = lossCurveSvg('same', structuredClone(data));
    expect(a).toBe(b);
    expect(data).toEqual(copy);
    expect(lossCurveSvg('same', { ...data, validation: [0.5, 0.4, 0.31] })).not.toBe(a);
  });
});
