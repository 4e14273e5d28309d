/**
 * Candle intervals of the venue and the GetCandles rules (span per interval, limit per
 * interval), answered from the shared market so history and live agree exactly.
 */
import type { Market, MarketCandle } from '../market.js';
import { VenueError, CandleSource, timestampOfSec, toQuotation } from './wire.js';
import type { SimInstrument } from './instruments.js';

const MIN = 60;
const HOUR = 3600;
const DAY = 86400;
const WEEK = 7 * DAY;

/** Calendar periods the market cannot cut by a fixed span: built from day candles. */
type Period = number | 'week' | 'month';

interface CandleIntervalRule {
  period: Period;
  /** Longest from..to a request may span (the venue's limits are approximate; ours are exact). */
  maxSpanSec: number;
  maxLimit: number;
}

/** CandleInterval number → rule. Seconds intervals (14–16) are absent: the market keeps minutes. */
export const CANDLE_INTERVALS: ReadonlyMap<number, CandleIntervalRule> = new Map([
  [1, { period: MIN, maxSpanSec: DAY, maxLimit: 2400 }],
  [2, { period: 5 * MIN, maxSpanSec: WEEK, maxLimit: 2400 }],
  [3, { period: 15 * MIN, maxSpanSec: 3 * WEEK, maxLimit: 2400 }],
  [4, { period: HOUR, maxSpanSec: 92 * DAY, maxLimit: 2400 }],
  [5, { period: DAY, maxSpanSec: 6 * 366 * DAY, maxLimit: 2400 }],
  [6, { period: 2 * MIN, maxSpanSec: DAY, maxLimit: 1200 }],
  [7, { period: 3 * MIN, maxSpanSec: DAY, maxLimit: 750 }],
  [8, { period: 10 * MIN, maxSpanSec: WEEK, maxLimit: 1200 }],
  [9, { period: 30 * MIN, maxSpanSec: 3 * WEEK, maxLimit: 1200 }],
  [10, { period: 2 * HOUR, maxSpanSec: 92 * DAY, maxLimit: 2400 }],
  [11, { period: 4 * HOUR, maxSpanSec: 92 * DAY, maxLimit: 700 }],
  [12, { period: 'week', maxSpanSec: 5 * 366 * DAY, maxLimit: 300 }],
  [13, { period: 'month', maxSpanSec: 10 * 366 * DAY, maxLimit: 120 }],
]);

/**
 * SubscriptionInterval number → candle span in seconds. Values 1..12 are the same periods as
 * CandleInterval (weeks open on Monday, as MOEX's do); the month stream interval is not offered
 * by the simulator.
 */
export const SUBSCRIPTION_SPANS: ReadonlyMap<number, number> = new Map([
  [1, MIN],
  [2, 5 * MIN],
  [3, 15 * MIN],
  [4, HOUR],
  [5, DAY],
  [6, 2 * MIN],
  [7, 3 * MIN],
  [8, 10 * MIN],
  [9, 30 * MIN],
  [10, 2 * HOUR],
  [11, 4 * HOUR],
  [12, WEEK],
]);

/**
 * The candle of `spanSec` containing `atMs`, forming or not; weeks open on Monday 00:00 UTC
 * (the market's own spans are epoch-aligned, and the epoch was a Thursday).
 */
export function liveCandle(market: Market, symbol: string, spanSec: number, atMs: number): MarketCandle | undefined {
  if (spanSec !== WEEK) return market.currentCandle(symbol, spanSec, atMs);
  const open = calendarOpen('week', Math.floor(atMs / 1000));
  return periodCandles(market, symbol, 'week', open, open + WEEK)[0];
}

/** Open of the calendar week (Monday 00:00 UTC) or month containing `sec`. */
function calendarOpen(period: 'week' | 'month', sec: number): number {
  const d = new Date(sec * 1000);
  if (period === 'month') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) / 1000;
  const day = Math.floor(sec / DAY) * DAY;
  const weekday = (d.getUTCDay() + 6) % 7; // Monday = 0
  return day - weekday * DAY;
}

function calendarEnd(period: 'week' | 'month', open: number): number {
  if (period === 'week') return open + WEEK;
  const d = new Date(open * 1000);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) / 1000;
}

/** Candles of a period with open in [fromSec, toSec), ascending. */
export function periodCandles(market: Market, symbol: string, period: Period, fromSec: number, toSec: number): MarketCandle[] {
  if (typeof period === 'number') return market.candles(symbol, period, fromSec, toSec);
  const days = market.candles(symbol, DAY, calendarOpen(period, fromSec), toSec);
  const out: MarketCandle[] = [];
  for (const d of days) {
    const open = calendarOpen(period, d.time);
    const last = out[out.length - 1];
    if (last && last.time === open) {
      if (d.high > last.high) last.high = d.high;
      if (d.low < last.low) last.low = d.low;
      last.close = d.close;
      last.volume += d.volume;
      last.turnover += d.turnover;
      last.trades += d.trades;
    } else {
      out.push({ ...d, time: open });
    }
  }
  return out.filter((c) => c.time >= fromSec && c.time < toSec);
}

function periodEnd(period: Period, open: number): number {
  return typeof period === 'number' ? open + period : calendarEnd(period, open);
}

export interface CandlesQuery {
  instrument: SimInstrument;
  interval: number;
  fromMs: number | undefined;
  toMs: number | undefined;
  limit: number | undefined;
  candleSourceGiven: boolean;
}

/**
 * The GetCandles answer. Ascending; time = open; volume in lots; is_complete is false only
 * for the period still forming at `nowMs`. With `limit`, the newest `limit` candles of the
 * range are returned; without `from`, the range ends at `to` and reaches back as far as the
 * interval's span allows.
 */
export function getCandles(market: Market, q: CandlesQuery, nowMs: number): Record<string, unknown>[] {
  const rule = CANDLE_INTERVALS.get(q.interval);
  if (!rule) throw VenueError.of('30011');
  if (q.limit !== undefined && q.candleSourceGiven) throw VenueError.of('30220');
  if (q.fromMs === undefined && q.limit === undefined) throw VenueError.of('30228');
  const toSec = Math.floor((q.toMs ?? nowMs) / 1000);
  let fromSec: number;
  if (q.fromMs !== undefined) {
    fromSec = Math.ceil(q.fromMs / 1000);
    if (toSec < fromSec) throw VenueError.of('30012');
    if (toSec - fromSec > rule.maxSpanSec) throw VenueError.of('30014');
  } else {
    fromSec = toSec - rule.maxSpanSec;
  }
  const symbol = q.instrument.marketSymbol;
  if (symbol === undefined) return [];
  let candles = periodCandles(market, symbol, rule.period, fromSec, toSec);
  if (q.limit !== undefined && q.limit > 0) {
    const limit = Math.min(q.limit, rule.maxLimit);
    if (candles.length > limit) candles = candles.slice(candles.length - limit);
  }
  const { priceScale } = market.info(symbol);
  const nowSec = nowMs / 1000;
  return candles.map((c) => ({
    open: toQuotation(c.open, priceScale),
    high: toQuotation(c.high, priceScale),
    low: toQuotation(c.low, priceScale),
    close: toQuotation(c.close, priceScale),
    volume: c.volume.toString(),
    time: timestampOfSec(c.time),
    is_complete: periodEnd(rule.period, c.time) <= nowSec,
    candle_source: CandleSource.EXCHANGE,
  }));
}
