/*
 * Reading the charts rnnkit writes (src/cli/chart/): a small XML parser
 * that throws on anything malformed (an unclosed or mismatched tag, an
 * unquoted attribute, a bare & or <), and readers for what a person sees:
 * a panel's axis ticks (value and pixel position), titles, and each
 * series' line segments and points in pixels.
 */

export interface Element {
  name: string;
  attrs: Record<string, string>;
  children: Element[];
  /** The text directly inside it, unescaped. */
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function unescape(s: string): string {
  if (/&(?!(amp|lt|gt|quot|apos|#\d+);)/.test(s)) throw new Error(`bare & in ${JSON.stringify(s)}`);
  return s.replace(/&(amp|lt|gt|quot|apos|#\d+);/g, (_, e: string) => (e.startsWith('#') ? String.fromCodePoint(Number(e.slice(1))) : ENTITIES[e]!));
}

/** The document's root element. */
export function parseSvg(source: string): Element {
  const root: Element = { name: '#document', attrs: {}, children: [], text: '' };
  const stack = [root];
  const token = /<(\/?)([A-Za-z][\w-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)|(<)/g;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = token.exec(source))) {
    if (m.index !== end) throw new Error(`unparsed text at ${end}`);
    end = token.lastIndex;
    const [, closing, name, attrText, selfClosing, text, stray] = m;
    const top = stack[stack.length - 1]!;
    if (stray) throw new Error(`malformed tag at ${m.index}: ${source.slice(m.index, m.index + 40)}`);
    if (text !== undefined) {
      if (text.trim() !== '' && top === root) throw new Error(`text outside the root: ${text}`);
      top.text += unescape(text.trim() === '' ? '' : text);
    } else if (closing) {
      if (top.name !== name) throw new Error(`</${name}> closes <${top.name}>`);
      stack.pop();
    } else {
      const attrs: Record<string, string> = {};
      for (const [, k, v] of attrText!.matchAll(/([\w:-]+)="([^"]*)"/g)) {
        if (k! in attrs) throw new Error(`duplicate attribute ${k}`);
        attrs[k!] = unescape(v!);
      }
      const element: Element = { name: name!, attrs, children: [], text: '' };
      top.children.push(element);
      if (!selfClosing) stack.push(element);
    }
  }
  if (end !== source.length) throw new Error('trailing garbage');
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1]!.name}>`);
  if (root.children.length !== 1 || root.children[0]!.name !== 'svg') throw new Error('expected one <svg> root');
  return root.children[0]!;
}

/** Every element under `e` (depth first, document order) that passes `test`. */
export function findAll(e: Element, test: (e: Element) => boolean): Element[] {
  const out: Element[] = [];
  const visit = (x: Element) => { for (const c of x.children) { if (test(c)) out.push(c); visit(c); } };
  visit(e);
  return out;
}

export const hasClass = (e: Element, c: string) => (e.attrs.class ?? '').split(/\s+/).includes(c);

export function panel(svg: Element, id: string): Element {
  const found = findAll(svg, (e) => e.attrs['data-panel'] === id);
  if (found.length !== 1) throw new Error(`expected one panel "${id}", found ${found.length}`);
  return found[0]!;
}

export interface Tick { label: string; value: number; at: number }

/** An axis's ticks: label, its number, and its pixel position (x for the x axis, y for the y axis). */
export function axis(p: Element, which: 'x' | 'y'): { scale: string | undefined; ticks: Tick[]; title: string; minor: number } {
  const group = findAll(p, (e) => e.name === 'g' && hasClass(e, 'axis') && hasClass(e, which))[0];
  if (!group) throw new Error(`no ${which} axis`);
  const ticks = group.children.filter((c) => hasClass(c, 'tick')).map((t) => {
    const grid = t.children.find((c) => c.name === 'line')!;
    const label = t.children.find((c) => c.name === 'text')!.text;
    return { label, value: Number(label), at: Number(which === 'x' ? grid.attrs.x1 : grid.attrs.y1) };
  });
  const title = group.children.find((c) => hasClass(c, 'axis-title'))!.text;
  return { scale: group.attrs['data-scale'], ticks, title, minor: group.children.filter((c) => hasClass(c, 'minor')).length };
}

/** Pixel → data along an axis, read from its ticks (log when the axis says so). */
export function inverse(a: { scale?: string | undefined; ticks: Tick[] }): (pixel: number) => number {
  const [t0, t1] = [a.ticks[0]!, a.ticks[a.ticks.length - 1]!];
  const f = a.scale === 'log' ? Math.log10 : (v: number) => v;
  const g = a.scale === 'log' ? (v: number) => 10 ** v : (v: number) => v;
  return (pixel) => g(f(t0.value) + ((pixel - t0.at) / (t1.at - t0.at)) * (f(t1.value) - f(t0.value)));
}

/** Data → pixel along an axis, read from its ticks. */
export function forward(a: { scale?: string | undefined; ticks: Tick[] }): (value: number) => number {
  const [t0, t1] = [a.ticks[0]!, a.ticks[a.ticks.length - 1]!];
  const f = a.scale === 'log' ? Math.log10 : (v: number) => v;
  return (value) => t0.at + ((f(value) - f(t0.value)) / (f(t1.value) - f(t0.value))) * (t1.at - t0.at);
}

export type Point = [number, number];

/** A series' line as its segments (one per M of the path) and its points (circles), in pixels. */
export function series(p: Element, id: string): { segments: Point[][]; points: Point[] } | undefined {
  const group = findAll(p, (e) => e.attrs['data-series'] === id)[0];
  if (!group) return undefined;
  const path = group.children.find((c) => c.name === 'path');
  const segments = path
    ? path.attrs.d!.split('M').slice(1).map((s) => s.replace(/h0$/, '').trim().split(/\s+/).map((xy) => xy.split(',').map(Number) as Point))
    : [];
  const points = group.children.filter((c) => c.name === 'circle').map((c) => [Number(c.attrs.cx), Number(c.attrs.cy)] as Point);
  return { segments, points };
}

export const texts = (e: Element) => findAll(e, (c) => c.name === 'text' || c.name === 'title').map((c) => c.text);
