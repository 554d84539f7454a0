/**
 * A series as polylines in pixels: split at values that cannot be drawn
 * (NaN, ±Infinity, non-positive on a log axis), so each gap shows, and
 * thinned to the lowest and highest point of each pixel column, so a
 * 10,000-step curve stays small and its spikes stay visible.
 */

export type Point = [x: number, y: number];

/**
 * `toPixel` maps a data point to pixels, or null where it cannot be drawn.
 * Each returned polyline is a run of drawable points, in order.
 */
export function polylines(xs: ArrayLike<number>, ys: ArrayLike<number>, toPixel: (x: number, y: number) => Point | null): Point[][] {
  const runs: Point[][] = [];
  let run: Point[] = [];
  const n = Math.min(xs.length, ys.length);
  for (let i = 0; i < n; i++) {
    const p = toPixel(xs[i]!, ys[i]!);
    if (p) run.push(p);
    else if (run.length) { runs.push(run); run = []; }
  }
  if (run.length) runs.push(run);
  return runs.map(thin);
}

/** Per pixel column: all its points if at most two, else its lowest and highest in their order. */
export function thin(run: readonly Point[]): Point[] {
  const out: Point[] = [];
  let start = 0;
  while (start < run.length) {
    const column = Math.floor(run[start]![0]);
    let end = start + 1;
    while (end < run.length && Math.floor(run[end]![0]) === column) end++;
    if (end - start <= 2) out.push(...run.slice(start, end));
    else {
      let lo = start, hi = start;
      for (let i = start + 1; i < end; i++) {
        if (run[i]![1] < run[lo]![1]) lo = i;
        if (run[i]![1] > run[hi]![1]) hi = i;
      }
      if (lo === hi) out.push(run[lo]!);
      else out.push(run[Math.min(lo, hi)]!, run[Math.max(lo, hi)]!);
    }
    start = end;
  }
  return out;
}
