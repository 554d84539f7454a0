/**
 * Self-contained SVG charts of a gradient-flow report, written as strings
 * with no dependency: a lag × time heatmap of ‖∂a^t/∂a^k‖₁, the norm by lag
 * beside Hochreiter's bound, the W_rec gradient by lag, and a training
 * monitor's history. Each returns a complete <svg> document (UTF-8 text).
 */
import type { GradientFlowReport } from './gradient-flow.js';
import type { MonitorRecord } from './monitor.js';

const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';
const WIDTH = 720, HEIGHT = 460;
/** Title and subtitle above the plot; tick labels, axis title and a legend row below it. */
const MARGIN = { left: 72, right: 24, top: 60, bottom: 86 };

const f1 = (x: number) => (Math.round(x * 10) / 10).toString();
const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function text(x: number, y: number, s: string, attrs = ''): string {
  return `<text x="${f1(x)}" y="${f1(y)}" ${attrs}>${escape(s)}</text>`;
}

/** 10^k as a label: 1, 10, 0.1, then 1e±k. */
function decade(k: number): string {
  if (k >= -2 && k <= 3) return String(10 ** k).replace(/^0\./, '0.');
  return `1e${k}`;
}

function document(width: number, height: number, title: string, subtitle: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="12">`,
    `<title>${escape(title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    text(MARGIN.left, 24, title, 'font-size="15" font-weight="600" fill="#222"'),
    text(MARGIN.left, 44, subtitle, 'fill="#555"'),
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

interface Axes {
  x: (v: number) => number;
  y: (v: number) => number;
  lines: string[];
}

/** Frame, linear x ticks, log₁₀ y ticks (one per decade, thinned to ≤ 10 labels) and axis titles. */
function logAxes(xMin: number, xMax: number, logMin: number, logMax: number, xLabel: string, yLabel: string): Axes {
  const left = MARGIN.left, right = WIDTH - MARGIN.right, top = MARGIN.top, bottom = HEIGHT - MARGIN.bottom;
  const x = (v: number) => left + ((v - xMin) / (xMax - xMin || 1)) * (right - left);
  const y = (v: number) => bottom - ((Math.log10(v) - logMin) / (logMax - logMin || 1)) * (bottom - top);
  const lines = [`<rect x="${left}" y="${top}" width="${right - left}" height="${bottom - top}" fill="none" stroke="#999"/>`];
  const decades = Math.ceil(logMax) - Math.floor(logMin);
  const every = Math.max(1, Math.ceil(decades / 10));
  for (let k = Math.ceil(logMin); k <= Math.floor(logMax); k++) {
    if (k % every !== 0) continue;
    const yy = y(10 ** k);
    lines.push(`<line x1="${left}" x2="${right}" y1="${f1(yy)}" y2="${f1(yy)}" stroke="#e6e6e6"/>`);
    lines.push(text(left - 6, yy + 4, decade(k), 'text-anchor="end" fill="#444"'));
  }
  const step = niceStep((xMax - xMin) / 8);
  for (let v = Math.ceil(xMin / step) * step; v <= xMax; v += step) {
    lines.push(`<line x1="${f1(x(v))}" x2="${f1(x(v))}" y1="${bottom}" y2="${bottom + 4}" stroke="#999"/>`);
    lines.push(text(x(v), bottom + 17, String(v), 'text-anchor="middle" fill="#444"'));
  }
  lines.push(text((left + right) / 2, bottom + 36, xLabel, 'text-anchor="middle" fill="#222"'));
  lines.push(text(16, (top + bottom) / 2, yLabel, `text-anchor="middle" fill="#222" transform="rotate(-90 16 ${f1((top + bottom) / 2)})"`));
  return { x, y, lines };
}

/** 1, 2 or 5 times a power of ten, at least `raw` (and at least 1: lags and steps are integers). */
function niceStep(raw: number): number {
  if (!(raw > 1)) return 1;
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw)!;
}

/** The legend row, below the axis title. */
const LEGEND_Y = HEIGHT - 14;

/** Rough width of a label at font-size 12 (no font metrics in a string builder). */
function textWidth(s: string): number {
  return s.length * 6.6;
}

interface Series {
  label: string;
  points: [number, number][];
  color: string;
  dash?: string;
  width?: number;
}

/** Polylines of positive, finite points, clipped to the plot; a legend in the top-right corner. */
function drawSeries(axes: Axes, series: Series[], clipId: string): string[] {
  let legendX = MARGIN.left;
  const out = [`<clipPath id="${clipId}"><rect x="${MARGIN.left}" y="${MARGIN.top}" width="${WIDTH - MARGIN.left - MARGIN.right}" height="${HEIGHT - MARGIN.top - MARGIN.bottom}"/></clipPath>`];
  for (const s of series) {
    const pts = s.points.filter(([, v]) => v > 0 && Number.isFinite(v)).map(([u, v]) => `${f1(axes.x(u))},${f1(axes.y(v))}`);
    if (pts.length > 0) {
      out.push(`<polyline clip-path="url(#${clipId})" fill="none" stroke="${s.color}" stroke-width="${s.width ?? 2}"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''} points="${pts.join(' ')}"/>`);
    }
    const lx = legendX;
    out.push(`<line x1="${lx}" x2="${lx + 24}" y1="${LEGEND_Y - 4}" y2="${LEGEND_Y - 4}" stroke="${s.color}" stroke-width="${s.width ?? 2}"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
    out.push(text(lx + 30, LEGEND_Y, s.label, 'fill="#222"'));
    legendX += 30 + textWidth(s.label) + 24;
  }
  return out;
}

function logRange(values: number[], pad = 0.3): [number, number] {
  const logs = values.filter((v) => v > 0 && Number.isFinite(v)).map(Math.log10);
  if (logs.length === 0) return [-1, 1];
  const lo = Math.min(...logs), hi = Math.max(...logs);
  return hi - lo < 1 ? [lo - 0.5, hi + 0.5] : [lo - pad, hi + pad];
}

/**
 * Colour for log₁₀ of a norm on a scale from `lo` to `hi` decades (lo < 0 < hi):
 * blue below 1 (vanishing), white at 1, red above (exploding).
 */
function divergingColor(logValue: number, lo: number, hi: number): string {
  const u = logValue < 0 ? -Math.min(1, logValue / lo) : Math.min(1, logValue / hi);
  const [r0, g0, b0] = u < 0 ? [33, 102, 172] : [178, 24, 43];
  const w = Math.abs(u) ** 0.8;
  const mix = (c: number) => Math.round(255 + (c - 255) * w).toString(16).padStart(2, '0');
  return `#${mix(r0)}${mix(g0)}${mix(b0)}`;
}

const fmt = (x: number) => (Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(2) : x.toPrecision(3));

/** The numbers every chart of a report is read with. */
function reportSubtitle(report: GradientFlowReport): string {
  const { bound, crossings } = report;
  return `ρ(W_rec) = ${fmt(bound.spectralRadius)}, ‖W_rec‖₁ = ${fmt(bound.recurrentNorm)}, τ = ${fmt(bound.tau)}` +
    (crossings.ratePerStep === null ? '' : `; measured growth per step ≈ ${fmt(crossings.ratePerStep)}`) +
    `; ${report.sequences} sequence(s), T = ${report.steps}`;
}

/** Heatmap of the mean ‖∂a^t/∂a^{t−lag}‖₁: time t across, lag up, colour on a log scale with white at 1. */
export function jacobianHeatmapSvg(report: GradientFlowReport, options: {
  /** The chart's title. Default: what is drawn, with the model's activation and size. */
  title?: string;
} = {}): string {
  const { steps: T, maxLag, byTime } = report.jacobians;
  const title = options.title ?? `Temporal Jacobian norms ‖∂a^t/∂a^k‖₁ (${report.activation}, r = ${report.hiddenSize})`;
  const right = WIDTH - MARGIN.right - 90;
  const left = MARGIN.left, top = MARGIN.top, bottom = HEIGHT - MARGIN.bottom;
  const lags = Math.max(1, maxLag);
  // Past 100 steps, cells are merged s×s (geometric mean) so the file stays small.
  const s = Math.ceil(Math.max(T, lags) / 100);
  const cw = ((right - left) / T) * s, ch = ((bottom - top) / lags) * s;
  const cells: { t0: number; lag0: number; log: number }[] = [];
  for (let t0 = 1; t0 <= T; t0 += s) {
    for (let lag0 = 1; lag0 <= lags; lag0 += s) {
      let sum = 0, n = 0;
      for (let t = t0; t < t0 + s && t <= T; t++) {
        for (let lag = lag0; lag < lag0 + s && lag <= Math.min(maxLag, t - 1); lag++) {
          const v = byTime[(t - 1) * T + lag]!;
          if (!(v >= 0)) continue;
          sum += Math.log10(Math.max(v, 1e-300));
          n++;
        }
      }
      if (n > 0) cells.push({ t0, lag0, log: sum / n });
    }
  }
  // The colour scale spans the data's decades (at least one each side of 1, at most 15).
  const logs = cells.map((c) => c.log);
  const lo = Math.max(-15, Math.min(-1, Math.floor(Math.min(0, ...logs)))), hi = Math.min(15, Math.max(1, Math.ceil(Math.max(0, ...logs))));
  const body = [`<rect x="${left}" y="${top}" width="${f1(right - left)}" height="${bottom - top}" fill="#f4f4f4"/>`];
  body.push('<g class="cells">');
  for (const { t0, lag0, log } of cells) {
    const x = left + ((t0 - 1) / s) * cw, y = bottom - ((lag0 - 1) / s + 1) * ch;
    // A hair larger than the cell so no seams show between neighbours (the frame is drawn over the edges).
    body.push(`<rect x="${f1(x)}" y="${f1(Math.max(top, y))}" width="${f1(Math.min(cw + 0.6, right - x))}" height="${f1(Math.min(ch + 0.6, bottom - Math.max(top, y)))}" fill="${divergingColor(log, lo, hi)}"/>`);
  }
  body.push('</g>');
  body.push(`<rect x="${left}" y="${top}" width="${f1(right - left)}" height="${bottom - top}" fill="none" stroke="#999"/>`);
  const tStep = niceStep(T / 8), lagStep = niceStep(lags / 8);
  const cellW = (right - left) / T, cellH = (bottom - top) / lags;
  for (let t = tStep; t <= T; t += tStep) body.push(text(left + (t - 0.5) * cellW, bottom + 17, String(t), 'text-anchor="middle" fill="#444"'));
  for (let lag = lagStep; lag <= lags; lag += lagStep) body.push(text(left - 6, bottom - (lag - 0.5) * cellH + 4, String(lag), 'text-anchor="end" fill="#444"'));
  body.push(text((left + right) / 2, bottom + 36, 'time step t', 'text-anchor="middle" fill="#222"'));
  body.push(text(20, (top + bottom) / 2, 'lag t − k', `text-anchor="middle" fill="#222" transform="rotate(-90 20 ${f1((top + bottom) / 2)})"`));
  body.push(text(left, LEGEND_Y, 'blue: the dependence on step k has faded (vanishing) · white: norm 1 · red: it has grown (exploding)', 'fill="#555" font-size="11"'));
  // Colour bar from 10^hi (top) to 10^lo (bottom).
  const bx = right + 28, bw = 16, n = 64;
  for (let i = 0; i < n; i++) {
    const u = hi - ((i + 0.5) / n) * (hi - lo);
    body.push(`<rect x="${bx}" y="${f1(top + (i * (bottom - top)) / n)}" width="${bw}" height="${f1((bottom - top) / n + 0.6)}" fill="${divergingColor(u, lo, hi)}"/>`);
  }
  body.push(`<rect x="${bx}" y="${top}" width="${bw}" height="${bottom - top}" fill="none" stroke="#999"/>`);
  const tickEvery = Math.max(1, Math.ceil((hi - lo) / 8));
  for (let k = lo; k <= hi; k++) {
    if (k % tickEvery !== 0) continue;
    const yy = top + ((hi - k) / (hi - lo)) * (bottom - top);
    body.push(text(bx + bw + 4, yy + 4, decade(k), 'fill="#444"'));
  }
  body.push(text(bx + bw / 2, top - 6, 'norm', 'text-anchor="middle" fill="#444"'));
  return document(WIDTH, HEIGHT, title, reportSubtitle(report), body);
}

/** Mean and largest ‖∂a^t/∂a^{t−lag}‖₁ by lag, with the bound τ^lag and the vanishing threshold. */
export function normBoundSvg(report: GradientFlowReport, options: {
  /** The chart's title. Default: what is drawn, with the model's activation and size. */
  title?: string;
} = {}): string {
  const { meanByLag, maxByLag, maxLag } = report.jacobians;
  const { bound, crossings } = report;
  const title = options.title ?? `Jacobian norm by lag vs Hochreiter's bound τ^(t−k) (${report.activation}, r = ${report.hiddenSize})`;
  const lags = Array.from({ length: maxLag + 1 }, (_, lag) => lag);
  const measured = lags.flatMap((lag) => [meanByLag[lag]!, maxByLag[lag]!]);
  // The bound can be astronomically far from the data; show it up to 1000× the largest norm.
  const [lo, hiData] = logRange([...measured, crossings.threshold]);
  const hi = Math.max(hiData, Math.min(Math.log10(Math.max(...lags.map((l) => bound.byLag[l]!))) + 0.3, hiData + 3));
  const axes = logAxes(0, Math.max(1, maxLag), lo, hi, 'lag t − k', '‖∂a^t/∂a^k‖₁');
  const body = [...axes.lines];
  const ty = axes.y(crossings.threshold);
  body.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${f1(ty)}" y2="${f1(ty)}" stroke="#888" stroke-dasharray="2 3"/>`);
  body.push(text(WIDTH - MARGIN.right - 6, ty - 5, `threshold ${crossings.threshold}`, 'text-anchor="end" fill="#666" font-size="11"'));
  for (const [lag, label, color, row] of [[crossings.norm, 'norm', '#2166ac', 0], [crossings.bound, 'bound', '#b2182b', 1]] as const) {
    if (lag === null) continue;
    const xx = axes.x(lag);
    body.push(`<line x1="${f1(xx)}" x2="${f1(xx)}" y1="${MARGIN.top}" y2="${HEIGHT - MARGIN.bottom}" stroke="${color}" stroke-opacity="0.6" stroke-dasharray="4 3"/>`);
    body.push(text(xx + 4, MARGIN.top + 14 + row * 14, `${label} < threshold from lag ${lag}`, `fill="${color}" font-size="11"`));
  }
  body.push(...drawSeries(axes, [
    { label: 'mean over t and sequences', points: lags.map((l) => [l, meanByLag[l]!]), color: '#2166ac' },
    { label: 'largest', points: lags.map((l) => [l, maxByLag[l]!]), color: '#67a9cf', dash: '6 3' },
    { label: `bound τ^lag, τ = σ'max·‖W_rec‖₁ = ${fmt(bound.tau)}`, points: lags.map((l) => [l, bound.byLag[l]!]), color: '#b2182b' },
  ], 'plot-norm-bound'));
  return document(WIDTH, HEIGHT, title, reportSubtitle(report), body);
}

/** ‖C_lag‖_F: how much of the W_rec gradient each lag contributes (short-term and long-term coloured apart). */
export function lagContributionsSvg(report: GradientFlowReport, options: {
  /** The chart's title. Default: what is drawn, with the model's activation and size. */
  title?: string;
} = {}): string {
  const c = report.contributions;
  if (!c) throw new Error('lagContributionsSvg: the report has no lag contributions (analyse a batch with targets)');
  const norms = c.normByLag;
  const T = norms.length;
  const title = options.title ?? `BPTT gradient of W_rec by lag (${report.activation}, r = ${report.hiddenSize})`;
  const [lo, hi] = logRange(Array.from(norms));
  const axes = logAxes(-0.5, T - 0.5, lo, hi, 'lag t − k', '‖C_lag‖_F (Frobenius)');
  const body = [...axes.lines];
  const w = Math.max(1, (axes.x(1) - axes.x(0)) * 0.8);
  const base = HEIGHT - MARGIN.bottom;
  for (let lag = 0; lag < T; lag++) {
    const v = norms[lag]!;
    if (!(v > 0) || Math.log10(v) < lo) continue;
    const top = axes.y(v);
    body.push(`<rect x="${f1(axes.x(lag) - w / 2)}" y="${f1(top)}" width="${f1(w)}" height="${f1(base - top)}" fill="${lag < c.longFrom ? '#4393c3' : '#d6604d'}"/>`);
  }
  const short = `short-term: lag < ${c.longFrom}`, long = `long-term: lag ≥ ${c.longFrom}`;
  const lx2 = MARGIN.left + 20 + textWidth(short) + 24;
  body.push(`<rect x="${MARGIN.left}" y="${LEGEND_Y - 10}" width="14" height="10" fill="#4393c3"/>`, text(MARGIN.left + 20, LEGEND_Y, short, 'fill="#222"'));
  body.push(`<rect x="${f1(lx2)}" y="${LEGEND_Y - 10}" width="14" height="10" fill="#d6604d"/>`, text(lx2 + 20, LEGEND_Y, long, 'fill="#222"'));
  const subtitle = `‖long-term part‖_F / ‖short-term part‖_F = ${fmt(c.longShortRatio)}; the bars add up (as matrices) to ∂L/∂W_rec`;
  return document(WIDTH, HEIGHT, title, subtitle, body);
}

/** A gradient monitor's history: the gradient norm per step and the long/short-term ratio where measured. */
export function monitorSvg(records: readonly MonitorRecord[], options: {
  /** The chart's title. Default 'Training: gradient norm and long/short-term ratio'. */
  title?: string;
} = {}): string {
  const title = options.title ?? 'Training: gradient norm and long/short-term ratio';
  const norms: [number, number][] = records.map((r) => [r.step, r.gradientNorm]);
  const ratios: [number, number][] = records.filter((r) => r.longShortRatio !== undefined).map((r) => [r.step, r.longShortRatio!]);
  const [lo, hi] = logRange([...norms, ...ratios].map(([, v]) => v));
  const first = records.length > 0 ? records[0]!.step : 0;
  const last = records.length > 0 ? records[records.length - 1]!.step : 1;
  const axes = logAxes(first, Math.max(last, first + 1), lo, hi, 'step', 'value (log scale)');
  const subtitle = `${records.length} steps, ${ratios.length} probes of the long/short-term ratio`;
  return document(WIDTH, HEIGHT, title, subtitle, [...axes.lines, ...drawSeries(axes, [
    { label: 'gradient norm', points: norms, color: '#2166ac', width: 1.5 },
    { label: 'long/short-term ratio (probe)', points: ratios, color: '#d6604d' },
  ], 'plot-monitor')]);
}
