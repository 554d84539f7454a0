/** A chart: a title, an optional subtitle, and panels stacked top to bottom, as one SVG document. */
import { drawPanel, PLOT_LEFT, WIDTH, type PanelSpec } from './panel.js';
import { FONT, escapeXml, text, wrap } from './svg.js';

export interface ChartSpec {
  title: string;
  subtitle?: string;
  panels: PanelSpec[];
}

/** The chart as a complete, self-contained SVG document (UTF-8 text); the same input gives the same text. */
export function chartSvg(spec: ChartSpec): string {
  // Long titles wrap (a task's description can be a sentence or two).
  const header = [`<title>${escapeXml(spec.title)}</title>`, `<rect width="100%" height="100%" fill="#ffffff"/>`];
  let top = 24;
  for (const line of wrap(spec.title, WIDTH - PLOT_LEFT - 16, 16)) { // bold 15 px: as wide as 16 px
    header.push(text(PLOT_LEFT, top, line, 'class="title" font-size="15" font-weight="600" fill="#222"'));
    top += 19;
  }
  top -= 1;
  for (const line of spec.subtitle ? wrap(spec.subtitle, WIDTH - PLOT_LEFT - 16) : []) {
    header.push(text(PLOT_LEFT, top, line, 'class="subtitle" fill="#555"'));
    top += 16;
  }
  top -= 8;
  const body: string[] = [];
  for (const panel of spec.panels) {
    const drawn = drawPanel(panel, top);
    body.push(...drawn.parts);
    top = drawn.bottom + 8;
  }
  const height = Math.ceil(top);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ${FONT} font-size="12">`,
    ...header,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
