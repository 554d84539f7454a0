/**
 * An hourly weather series as CSV text: a timestamp, temperature (a daily
 * sine, 15–25 °C) and humidity, with noise from a fixed-seed generator;
 * hours [from, to). Columns in `order`, under the given header names;
 * CRLF line ends.
 */
export type WeatherColumn = 'time' | 'temp' | 'hum';

export function weatherCsv(
  from: number, to: number,
  order: WeatherColumn[] = ['time', 'temp', 'hum'],
  header: Record<WeatherColumn, string> = { time: '"time"', temp: '"temp, °C"', hum: '"humidity"' },
): string {
  let seed = 12345;
  const uniform = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const noise = () => uniform() + uniform() + uniform() - 1.5; // roughly normal, sd 0.5
  const lines = [order.map((c) => header[c]).join(',')];
  for (let t = 0; t < to; t++) {
    const cells = {
      time: `2024-${String(1 + Math.floor(t / 24 / 28)).padStart(2, '0')}-${String(1 + (Math.floor(t / 24) % 28)).padStart(2, '0')}T${String(t % 24).padStart(2, '0')}:00`,
      temp: (20 + 5 * Math.sin((2 * Math.PI * t) / 24) + 0.3 * noise()).toFixed(3),
      hum: (60 + 10 * Math.cos((2 * Math.PI * t) / 24) + noise()).toFixed(2),
    };
    if (t >= from) lines.push(order.map((c) => cells[c]).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
