/**
 * Candle rows and ticker figures from the shared market, on the pair's precisions: OHLC
 * rows the REST way (720 latest, gaps filled flat, last one the open candle) and the
 * today / rolling-24h aggregates of Ticker and the v2 ticker channel.
 */
import type { Market, MarketCandle } from '../market.js';
import type { KrakenPair } from './pairs.js';
import { rescale } from './wire.js';

export const OHLC_INTERVALS = [1, 5, 15, 30, 60, 240, 1440, 10080, 21600] as const;
export const OHLC_MAX_ROWS = 720;

export interface CandleRow {
  time: number;
  open: bigint;
  high: bigint;
  low: bigint;
  close: bigint;
  /** Pair scale; 0 for a candle without trades, as Kraken prints it. */
  vwap: bigint;
  /** Lot scale. */
  volume: bigint;
  count: number;
}

/** Converts a market candle to the pair's scales. */
export function candleRow(c: MarketCandle, qtyScale: number, pair: KrakenPair): CandleRow {
  return {
    time: c.time,
    open: c.open,
    high: c.high,
    low: c.low,
    close: c.close,
    vwap: vwapOf(c.turnover, c.volume),
    volume: rescale(c.volume, qtyScale, pair.lotDecimals),
    count: c.trades,
  };
}

/** turnover (price·qty scale) / volume (qty scale) → price scale, half up. */
function vwapOf(turnover: bigint, volume: bigint): bigint {
  if (volume === 0n) return 0n;
  return (turnover * 2n + volume) / (2n * volume);
}

/**
 * The rows REST OHLC returns at `nowMs`: the latest 720 intervals that have history,
 * empty intervals as flat rows at the previous close, the forming candle last (always).
 */
export function ohlcRows(market: Market, pair: KrakenPair, intervalMin: number, nowMs: number): CandleRow[] {
  const span = intervalMin * 60;
  const qtyScale = market.info(pair.symbol).qtyScale;
  const curOpen = Math.floor(nowMs / 1000 / span) * span;
  const firstOpen = curOpen - (OHLC_MAX_ROWS - 1) * span;
  const got = new Map<number, MarketCandle>();
  for (const c of market.candles(pair.symbol, span, firstOpen, curOpen + span)) got.set(c.time, c);
  let prevClose = market.candles(pair.symbol, span, firstOpen - 10 * span, firstOpen).at(-1)?.close;
  const rows: CandleRow[] = [];
  for (let t = firstOpen; t <= curOpen; t += span) {
    const c = got.get(t);
    if (c) {
      rows.push(candleRow(c, qtyScale, pair));
      prevClose = c.close;
    } else {
      const p = prevClose ?? (t === curOpen ? market.lastPrice(pair.symbol) : undefined);
      if (p !== undefined) rows.push({ time: t, open: p, high: p, low: p, close: p, vwap: 0n, volume: 0n, count: 0 });
    }
  }
  return rows;
}

export interface TickerStats {
  last: bigint;
  /** Size of the last trade, lot scale. */
  lastQty: bigint;
  todayOpen: bigint;
  today: Aggregate;
  day: Aggregate;
  /** Price 24 h ago (the first trade of the window), for change / change_pct. */
  dayOpen: bigint;
}

export interface Aggregate {
  volume: bigint;
  vwap: bigint;
  trades: number;
  low: bigint;
  high: bigint;
}

function aggregate(cs: readonly MarketCandle[], qtyScale: number, pair: KrakenPair, last: bigint): Aggregate {
  let volume = 0n;
  let turnover = 0n;
  let trades = 0;
  let low = last;
  let high = last;
  let first = true;
  for (const c of cs) {
    if (c.trades === 0) continue;
    volume += c.volume;
    turnover += c.turnover;
    trades += c.trades;
    if (first || c.low < low) low = c.low;
    if (first || c.high > high) high = c.high;
    first = false;
  }
  return { volume: rescale(volume, qtyScale, pair.lotDecimals), vwap: volume === 0n ? last : vwapOf(turnover, volume), trades, low, high };
}

export function tickerStats(market: Market, pair: KrakenPair, nowMs: number): TickerStats {
  const qtyScale = market.info(pair.symbol).qtyScale;
  const nowSec = Math.floor(nowMs / 1000);
  const last = market.lastPrice(pair.symbol);
  const recent = market.recentTrades(pair.symbol);
  const lastTrade = recent[recent.length - 1];
  const dayStart = Math.floor(nowSec / 86400) * 86400;
  const minutes = market.candles(pair.symbol, 60, nowSec - 86400, nowSec + 60);
  const todays = minutes.filter((c) => c.time >= dayStart);
  return {
    last,
    lastQty: lastTrade ? rescale(lastTrade.qty, qtyScale, pair.lotDecimals) : 0n,
    todayOpen: todays[0]?.open ?? last,
    today: aggregate(todays, qtyScale, pair, last),
    day: aggregate(minutes, qtyScale, pair, last),
    dayOpen: minutes[0]?.open ?? last,
  };
}
