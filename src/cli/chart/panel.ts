/**
 * One panel of a chart: a legend, a framed plot with gridlines, ticked and
 * titled x and y axes, and its series as lines and/or points.
 */
import { polylines, type Point } from './downsample.js';
import { valueScale, type ScaleOption } from './scale.js';
import { escapeXml, line, px, text, textWidth } from './svg.js';

export const WIDTH = 720;
/** The plot's left and right edges; tick labels and the y-axis title sit left of it. */
export const PLOT_LEFT = 80, PLOT_RIGHT = WIDTH - 24;
/** Points are drawn as circles only up to this many (a line alone beyond). */
export const MAX_MARKERS = 60;

export interface SeriesSpec {
  /** Names the series' group in the SVG (data-series). */
  id: string;
  /** Its legend text. */
  label: string;
  color: string;
  /** Its points; a y that cannot be drawn (NaN, ±Infinity, ≤ 0 on a log axis) breaks the line. */
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** Width of the line joining the points; 0: points only. Default 1.5. */
  lineWidth?: number;
  dash?: string;
  /** Circles at the points (when there are at most MAX_MARKERS). */
  markers?: 'filled' | 'hollow';
}

export interface XAxis {
  title: string;
  /** Tick positions, in the series' x units, and their labels. */
  ticks: number[];
  labels: string[];
  /** Where an x sits along the axis: 0 at the left end, 1 at the right. */
  fraction(x: number): number;
}

export interface PanelSpec {
  /** Names the panel's group in the SVG (data-panel). */
  id: string;
  /** Height of the plot area in pixels. */
  plotHeight: number;
  x: XAxis;
  /** The y axis's title: the quantity and its unit. */
  yTitle: string;
  /** Default 'auto': log when the data are positive and span more than 1.5 decades. */
  yScale?: ScaleOption;
  /** About how many y ticks. Default 6. */
  yTicks?: number;
  series: SeriesSpec[];
  /** A labelled horizontal dashed line (a baseline to beat). */
  reference?: { value: number; label: string };
}

const LEGEND_ROW = 18;

/** The panel's SVG, drawn from `top` down; `bottom` is where the next thing may start. */
export function drawPanel(spec: PanelSpec, top: number): { parts: string[]; bottom: number } {
  const legend = legendRows(spec.series);
  const plotTop = top + legend.length * LEGEND_ROW + 6, plotBottom = plotTop + spec.plotHeight;
  const values: number[] = [];
  for (const s of spec.series) for (let i = 0; i < s.y.length; i++) values.push(s.y[i]!);
  if (spec.reference) values.push(spec.reference.value);
  const scale = valueScale(values, spec.yScale, spec.yTicks);
  const X = (v: number) => PLOT_LEFT + spec.x.fraction(v) * (PLOT_RIGHT - PLOT_LEFT);
  const Y = (v: number) => plotBottom - scale.fraction(v) * spec.plotHeight;
  const toPixel = (x: number, y: number): Point | null => {
    const at = X(x);
    return Number.isFinite(at) && scale.drawable(y) ? [at, Y(y)] : null;
  };

  const parts = [`<g class="panel" data-panel="${escapeXml(spec.id)}">`];
  // Legend, above the plot.
  legend.forEach((row, r) => {
    const y = top + 12 + r * LEGEND_ROW;
    for (const { series: s, x } of row) {
      const width = Math.max(s.lineWidth ?? 1.5, 1.5);
      parts.push(`<g class="legend-item">`, line(x, y - 4, x + 20, y - 4, `stroke="${s.color}" stroke-width="${width}"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}`));
      if (s.markers) parts.push(marker(x + 10, y - 4, s));
      parts.push(text(x + 26, y, s.label, 'fill="#222"'), '</g>');
    }
  });
  // Frame and y axis: gridlines at the ticks, labels left of the frame, minor ticks on a log axis.
  const plotWidth = PLOT_RIGHT - PLOT_LEFT;
  parts.push(`<rect x="${PLOT_LEFT}" y="${px(plotTop)}" width="${plotWidth}" height="${spec.plotHeight}" fill="none" stroke="#999"/>`);
  parts.push(`<g class="axis y" data-scale="${scale.kind}">`);
  scale.ticks.values.forEach((v, i) => {
    const y = Y(v);
    parts.push(`<g class="tick">${line(PLOT_LEFT, y, PLOT_RIGHT, y, 'stroke="#e6e6e6"')}${text(PLOT_LEFT - 6, y + 4, scale.ticks.labels[i]!, 'text-anchor="end" fill="#444"')}</g>`);
  });
  for (const v of scale.ticks.minor) parts.push(line(PLOT_LEFT - 3, Y(v), PLOT_LEFT, Y(v), 'class="minor" stroke="#999"'));
  const middle = (plotTop + plotBottom) / 2;
  const yTitle = scale.kind === 'log' ? `${spec.yTitle}, log scale` : spec.yTitle;
  parts.push(text(18, middle, yTitle, `class="axis-title" text-anchor="middle" fill="#222" transform="rotate(-90 18 ${px(middle)})"`), '</g>');
  // x axis: tick marks and faint gridlines, labels below, then the title.
  parts.push('<g class="axis x">');
  spec.x.ticks.forEach((v, i) => {
    const x = X(v);
    parts.push(`<g class="tick">${line(x, plotTop, x, plotBottom, 'stroke="#eeeeee"')}${line(x, plotBottom, x, plotBottom + 4, 'stroke="#999"')}` +
      `${text(x, plotBottom + 17, spec.x.labels[i]!, 'text-anchor="middle" fill="#444"')}</g>`);
  });
  parts.push(text((PLOT_LEFT + PLOT_RIGHT) / 2, plotBottom + 34, spec.x.title, 'class="axis-title" text-anchor="middle" fill="#222"'), '</g>');
  // Redraw the frame's bottom edge over the gridlines' ends.
  parts.push(line(PLOT_LEFT, plotBottom, PLOT_RIGHT, plotBottom, 'stroke="#999"'));
  if (spec.reference && scale.drawable(spec.reference.value)) {
    const y = Y(spec.reference.value);
    parts.push(`<g class="reference">${line(PLOT_LEFT, y, PLOT_RIGHT, y, 'stroke="#888" stroke-dasharray="6 4"')}${text(PLOT_RIGHT - 4, y - 4, spec.reference.label, 'text-anchor="end" fill="#555"')}</g>`);
  }
  let drawn = 0;
  for (const s of spec.series) {
    const runs = polylines(s.x, s.y, toPixel);
    const count = runs.reduce((n, r) => n + r.length, 0);
    drawn += count;
    parts.push(`<g class="series" data-series="${escapeXml(s.id)}">`);
    const width = s.lineWidth ?? 1.5;
    if (width > 0 && runs.length) {
      // A lone point between gaps is a dot: a zero-length segment with round caps.
      const d = runs.map((r) => `M${r.map(([x, y]) => `${px(x)},${px(y)}`).join(' ')}${r.length === 1 ? 'h0' : ''}`).join('');
      parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="${width}" stroke-linejoin="round" stroke-linecap="round"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
    }
    if (s.markers && count <= MAX_MARKERS) for (const r of runs) for (const [x, y] of r) parts.push(marker(x, y, s));
    parts.push('</g>');
  }
  if (drawn === 0) parts.push(text((PLOT_LEFT + PLOT_RIGHT) / 2, middle + 4, 'no data', 'class="no-data" text-anchor="middle" fill="#888"'));
  parts.push('</g>');
  return { parts, bottom: plotBottom + 44 };
}

function marker(x: number, y: number, s: SeriesSpec): string {
  return s.markers === 'hollow'
    ? `<circle cx="${px(x)}" cy="${px(y)}" r="3" fill="#ffffff" stroke="${s.color}" stroke-width="1.5"/>`
    : `<circle cx="${px(x)}" cy="${px(y)}" r="3" fill="${s.color}"/>`;
}

/** Legend items laid out left to right, wrapping to a new row at the plot's right edge. */
function legendRows(series: readonly SeriesSpec[]): { series: SeriesSpec; x: number }[][] {
  const rows: { series: SeriesSpec; x: number }[][] = [];
  let row: { series: SeriesSpec; x: number }[] = [], x = PLOT_LEFT;
  for (const s of series) {
    const width = 26 + textWidth(s.label) + 18;
    if (row.length && x + width - 18 > PLOT_RIGHT) { rows.push(row); row = []; x = PLOT_LEFT; }
    row.push({ series: s, x });
    x += width;
  }
  if (row.length) rows.push(row);
  return rows;
}
