/** A one-line progress display: redrawn in place on a TTY, plain lines otherwise. */
export function progressLine(stream: NodeJS.WriteStream, text: string, final = false): void {
  if (stream.isTTY) stream.write(`\r\x1b[2K${text}${final ? '\n' : ''}`);
  else if (final) stream.write(`${text}\n`);
}

export function bar(fraction: number, width = 24): string {
  const filled = Math.round(Math.max(0, Math.min(1, fraction)) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}
