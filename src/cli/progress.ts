/**
 * Training progress: on a terminal, one line redrawn in place with a bar,
 * loss, steps/s and ETA; elsewhere (a pipe, CI), plain lines.
 */
export class Progress {
  private lastDraw = 0;

  constructor(
    private readonly stream: { write(s: string): unknown; isTTY?: boolean },
    private readonly totalSteps: number,
  ) {}

  /** Called after each step; redraws at most ~10 times a second on a TTY. */
  step(step: number, epoch: number, epochs: number, loss: number, elapsedMs: number): void {
    if (!this.stream.isTTY) return;
    const now = Date.now();
    if (now - this.lastDraw < 100 && step < this.totalSteps) return;
    this.lastDraw = now;
    const rate = step / Math.max(elapsedMs / 1000, 1e-9);
    const eta = (this.totalSteps - step) / Math.max(rate, 1e-9);
    this.stream.write(`\r\x1b[2K${bar(step / this.totalSteps)} epoch ${epoch}/${epochs}  loss ${loss.toFixed(4)}  ${rate.toFixed(0)} steps/s  ETA ${formatSeconds(eta)}`);
  }

  /** A line that stays: the epoch summary. */
  line(text: string): void {
    this.stream.write(this.stream.isTTY ? `\r\x1b[2K${text}\n` : `${text}\n`);
  }
}

export function bar(fraction: number, width = 24): string {
  const filled = Math.round(Math.max(0, Math.min(1, fraction)) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  return s < 60 ? `${s.toFixed(0)}s` : `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
}
