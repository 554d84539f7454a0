/** Writing SVG as text: escaping, coordinates, elements, and a rough text width. */

/** Text and attribute values made safe for XML (&, <, >, both quotes). */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A pixel coordinate with one decimal ("12.5", "-0" never: 0). */
export function px(v: number): string {
  const r = Math.round(v * 10) / 10;
  return String(r === 0 ? 0 : r);
}

/** `<text>`: x, y in pixels, the content escaped; `attrs` is trusted markup. */
export function text(x: number, y: number, content: string, attrs = ''): string {
  return `<text x="${px(x)}" y="${px(y)}"${attrs ? ` ${attrs}` : ''}>${escapeXml(content)}</text>`;
}

export function line(x1: number, y1: number, x2: number, y2: number, attrs: string): string {
  return `<line x1="${px(x1)}" y1="${px(y1)}" x2="${px(x2)}" y2="${px(y2)}" ${attrs}/>`;
}

/** Rough width of a label at font-size 12 (a string builder has no font metrics). */
export function textWidth(s: string, fontSize = 12): number {
  return [...s].length * fontSize * 0.55;
}

export const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';

/** Words laid into lines at most `width` pixels wide (by textWidth); at most `maxLines`, the last cut with "…". */
export function wrap(s: string, width: number, fontSize = 12, maxLines = 3): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of s.split(/\s+/).filter(Boolean)) {
    const candidate = current ? `${current} ${word}` : word;
    if (current && textWidth(candidate, fontSize) > width) { lines.push(current); current = word; }
    else current = candidate;
  }
  if (current) lines.push(current);
  if (lines.length <= maxLines) return lines;
  const kept = lines.slice(0, maxLines);
  kept[maxLines - 1] = `${kept[maxLines - 1]!} …`;
  return kept;
}
