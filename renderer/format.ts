import type { Candle, Interval } from '../common/domain.js';

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** A candle's open time as shown: the day for daily bars, else the UTC time of day. */
export function formatCandleTime(timeSec: number, interval: Interval): string {
  const d = new Date(timeSec * 1000);
  const day = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  if (interval === '1d') return day;
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
}

/** The legend line; prices stay the exact decimals the venue sent. */
export function describeCandle(c: Candle): string {
  return `Last: O ${c.open} H ${c.high} L ${c.low} C ${c.close} V ${c.volume} at ${formatCandleTime(c.time, c.interval)}`;
}

/** The candle under the crosshair. */
export function describeHovered(c: Candle): string {
  return `${formatCandleTime(c.time, c.interval)}: O ${c.open} H ${c.high} L ${c.low} C ${c.close} V ${c.volume}`;
}
