/** The chart boundary: exact decimals become numbers here and nowhere else. */
import type { CandlestickData, HistogramData, UTCTimestamp } from 'lightweight-charts';
import type { Candle, Dec } from '../../common/domain.js';

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

/** Both series' bars of a history in one pass (each price parsed once): what setData gets. */
export function toChartBars(candles: readonly Candle[]): { bars: CandlestickData<UTCTimestamp>[]; volumes: HistogramData<UTCTimestamp>[] } {
  const bars = new Array<CandlestickData<UTCTimestamp>>(candles.length);
  const volumes = new Array<HistogramData<UTCTimestamp>>(candles.length);
  for (let i = 0; i < candles.length; i++) {
    const c = candles[i]!;
    const time = c.time as UTCTimestamp;
    const open = Number(c.open);
    const close = Number(c.close);
    bars[i] = { time, open, high: Number(c.high), low: Number(c.low), close };
    volumes[i] = { time, value: Number(c.volume), color: close >= open ? UP_VOLUME : DOWN_VOLUME };
  }
  return { bars, volumes };
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
