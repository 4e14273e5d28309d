import type { CandleKey, Interval } from '../../electron/domain.js';

/** Map key of one candle series (the renderer imports no runtime code from the main side). */
export function seriesKey(k: CandleKey): string {
  return `${k.venue}|${k.instrumentId}|${k.interval}`;
}

/** The intervals a chart offers, in button order. */
export const CHART_INTERVALS = ['1m', '5m', '15m', '1h', '1d'] as const satisfies readonly Interval[];

export const INTERVAL_SECONDS: Readonly<Record<Interval, number>> = {
  '1m': 60,
  '5m': 300,
  '15m': 900,
  '1h': 3600,
  '1d': 86400,
};

/** Fails to compile if the domain gains an interval the buttons do not offer. */
type MissingInterval = Exclude<Interval, (typeof CHART_INTERVALS)[number]>;
export const everyIntervalOffered: MissingInterval extends never ? true : never = true;
