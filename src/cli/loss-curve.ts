/** One series of a loss curve: a value per step (or per epoch). */
export interface Series {
  name: string;
  values: ArrayLike<number>;
  color?: string;
}

const escape = (s: string) => s.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * A self-contained SVG line chart of loss against step, with a log-scaled
 * y axis (losses fall over orders of magnitude) and an optional dashed
 * baseline. No dependency; opens in any browser.
 */
export function lossCurveSvg(title: string, series: Series[], options: { baseline?: { value: number; label: string }; xLabel?: string } = {}): string {
  const width = 720, height = 400, left = 64, right = 16, top = 36, bottom = 48;
  const all = series.flatMap((s) => Array.from(s.values)).concat(options.baseline ? [options.baseline.value] : []).filter((v) => v > 0 && Number.isFinite(v));
  const lo = Math.log10(Math.min(...all)), hi = Math.log10(Math.max(...all));
  const yMin = Math.floor(lo * 2) / 2, yMax = Math.max(Math.ceil(hi * 2) / 2, yMin + 0.5);
  const n = Math.max(...series.map((s) => s.values.length), 2);
  const x = (i: number) => left + (i / (n - 1)) * (width - left - right);
  const y = (v: number) => top + ((yMax - Math.log10(v)) / (yMax - yMin)) * (height - top - bottom);
  const palette = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'];
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${escape(title)}</text>`,
  ];
  for (let e = Math.ceil(yMin); e <= Math.floor(yMax); e++) {
    parts.push(`<line x1="${left}" x2="${width - right}" y1="${y(10 ** e)}" y2="${y(10 ** e)}" stroke="#ddd"/>`,
      `<text x="${left - 6}" y="${y(10 ** e) + 4}" text-anchor="end">1e${e}</text>`);
  }
  parts.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${height - bottom}" stroke="#333"/>`,
    `<line x1="${left}" x2="${width - right}" y1="${height - bottom}" y2="${height - bottom}" stroke="#333"/>`,
    `<text x="${(left + width - right) / 2}" y="${height - 12}" text-anchor="middle">${escape(options.xLabel ?? 'step')} (1 … ${n})</text>`);
  if (options.baseline) {
    const yb = y(options.baseline.value);
    parts.push(`<line x1="${left}" x2="${width - right}" y1="${yb}" y2="${yb}" stroke="#888" stroke-dasharray="6 4"/>`,
      `<text x="${width - right - 4}" y="${yb - 4}" text-anchor="end" fill="#555">${escape(options.baseline.label)}</text>`);
  }
  series.forEach((s, k) => {
    const color = s.color ?? palette[k % palette.length]!;
    const points = Array.from(s.values, (v, i) => (v > 0 && Number.isFinite(v) ? `${x(i).toFixed(1)},${y(v).toFixed(1)}` : '')).filter(Boolean);
    parts.push(`<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${points.join(' ')}"/>`,
      `<text x="${left + 8}" y="${top + 14 + 16 * k}" fill="${color}">${escape(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
