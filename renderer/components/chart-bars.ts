/** The chart boundary: exact decimals become numbers here and nowhere else. */
import type { CandlestickData, HistogramData, UTCTimestamp } from 'lightweight-charts';
import type { Candle, Dec } from '../../electron/domain.js';

export const UP_COLOR = '#26a69a';
export const DOWN_COLOR = '#ef5350';
const UP_VOLUME = 'rgba(38, 166, 154, 0.45)';
const DOWN_VOLUME = 'rgba(239, 83, 80, 0.45)';

export function toBar(c: Candle): CandlestickData<UTCTimestamp> {
  return {
    time: c.time as UTCTimestamp,
    open: Number(c.open),
    high: Number(c.high),
    low: Number(c.low),
    close: Number(c.close),
  };
}

export function toVolumeBar(c: Candle): HistogramData<UTCTimestamp> {
  return {
    time: c.time as UTCTimestamp,
    value: Number(c.volume),
    color: Number(c.close) >= Number(c.open) ? UP_VOLUME : DOWN_VOLUME,
  };
}

/** History as setData needs it: strictly ascending times, the later copy of a bar winning. */
export function historyBars(candles: readonly Candle[]): Candle[] {
  const byTime = new Map<number, Candle>();
  for (const c of candles) byTime.set(c.time, c);
  return [...byTime.values()].sort((a, b) => a.time - b.time);
}

/** Price axis precision from the instrument's price step ("0.01" → 2 places, min move 0.01). */
export function priceFormatFor(step: Dec): { precision: number; minMove: number } {
  const fraction = /\.(\d+)$/.exec(step)?.[1] ?? '';
  const minMove = Number(step);
  return { precision: fraction.length, minMove: minMove > 0 ? minMove : 0.01 };
}
