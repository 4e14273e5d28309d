/**
 * Unary MarketDataService calls beyond candles (§8.2): GetOrderBook, GetLastPrices,
 * GetClosePrices, GetTradingStatus(es) and GetLastTrades, answered from the same market and
 * book model the streams use, so a snapshot and the next stream message agree.
 */
import type { Market } from '../market.js';
import type { InstrumentBook, SimInstrument } from './instruments.js';
import { BOOK_DEPTHS, simClosePrice, simOrderBook } from './order-book.js';
import { statusFlags } from './trading-status.js';
import { tradeMessage } from './market-stream.js';
import type { UnaryImpl } from './trading-api.js';
import { LastPriceType, VenueError, msOfTimestamp, timestampOfMs, toQuotation } from './wire.js';

interface GetOrderBookIn {
  figi?: string | null;
  depth?: number | null;
  instrument_id?: string | null;
}
interface GetLastPricesIn {
  figi?: string[] | null;
  instrument_id?: string[] | null;
}
interface GetClosePricesIn {
  instruments?: { instrument_id?: string | null }[] | null;
}
interface GetTradingStatusIn {
  figi?: string | null;
  instrument_id?: string | null;
}
interface GetLastTradesIn {
  figi?: string | null;
  from?: { seconds?: string; nanos?: number } | null;
  to?: { seconds?: string; nanos?: number } | null;
  instrument_id?: string | null;
}

export interface MarketDataUnaryDeps {
  market: Market;
  instruments: InstrumentBook;
  now(): number;
}

const HOUR_MS = 3_600_000;

export function marketDataUnary(d: MarketDataUnaryDeps): Record<string, UnaryImpl> {
  const { market, instruments } = d;

  function find(idText: string | null | undefined): SimInstrument {
    if (!idText) throw VenueError.of('30093');
    const i = instruments.resolve(idText);
    if (!i) throw VenueError.of('50002');
    return i;
  }

  /** Instruments named, or every priced one when none is (the venue's "empty list = all"). */
  function listed(ids: readonly string[]): SimInstrument[] {
    if (ids.length === 0) return instruments.all.filter((i) => i.marketSymbol !== undefined && i.apiTradeAvailable);
    return ids.map(find);
  }

  const scaleOf = (symbol: string): number => market.info(symbol).priceScale;

  function lastPrice(i: SimInstrument): Record<string, unknown> {
    const base = { figi: i.figi, ticker: i.ticker, class_code: i.classCode, instrument_uid: i.uid, last_price_type: LastPriceType.EXCHANGE };
    const symbol = i.marketSymbol;
    if (symbol === undefined) return base;
    const recent = market.recentTrades(symbol);
    const t = recent[recent.length - 1];
    return { ...base, price: toQuotation(market.lastPrice(symbol), scaleOf(symbol)), time: timestampOfMs(t?.timeMs ?? d.now()) };
  }

  function closePrice(i: SimInstrument): Record<string, unknown> {
    const base = { figi: i.figi, instrument_uid: i.uid, ticker: i.ticker, class_code: i.classCode };
    const symbol = i.marketSymbol;
    if (symbol === undefined) return base;
    const c = simClosePrice(market, symbol, d.now());
    return { ...base, price: toQuotation(c.price, scaleOf(symbol)), time: timestampOfMs(c.timeMs) };
  }

  function tradingStatus(i: SimInstrument): Record<string, unknown> {
    const f = statusFlags(i);
    return {
      figi: i.figi,
      trading_status: i.tradingStatus,
      limit_order_available_flag: f.limit,
      market_order_available_flag: f.market,
      api_trade_available_flag: i.apiTradeAvailable,
      instrument_uid: i.uid,
      bestprice_order_available_flag: f.limit,
      only_best_price: false,
      ticker: i.ticker,
      class_code: i.classCode,
    };
  }

  return {
    'MarketDataService/GetOrderBook': (raw) => {
      const req = raw as GetOrderBookIn;
      const depth = req.depth ?? 0;
      if (depth === 0) throw VenueError.of('30031');
      if (!BOOK_DEPTHS.includes(depth)) throw VenueError.of('30032');
      const i = find(req.instrument_id || req.figi);
      const now = d.now();
      const base = { figi: i.figi, depth, instrument_uid: i.uid, ticker: i.ticker, class_code: i.classCode, orderbook_ts: timestampOfMs(now) };
      const symbol = i.marketSymbol;
      if (symbol === undefined) return { ...base, bids: [], asks: [] };
      const scale = scaleOf(symbol);
      const book = simOrderBook(market, symbol, depth, now);
      const level = (l: { price: bigint; lots: bigint }) => ({ price: toQuotation(l.price, scale), quantity: l.lots.toString() });
      const close = simClosePrice(market, symbol, now);
      const last = lastPrice(i);
      return {
        ...base,
        bids: book.bids.map(level),
        asks: book.asks.map(level),
        last_price: last.price,
        last_price_ts: last.time,
        close_price: toQuotation(close.price, scale),
        close_price_ts: timestampOfMs(close.timeMs),
      };
    },
    'MarketDataService/GetLastPrices': (raw) => {
      const req = raw as GetLastPricesIn;
      const ids = [...(req.instrument_id ?? []), ...(req.figi ?? [])].filter((x) => x !== '');
      return { last_prices: listed(ids).map(lastPrice) };
    },
    'MarketDataService/GetClosePrices': (raw) => {
      const req = raw as GetClosePricesIn;
      const ids = (req.instruments ?? []).map((x) => x.instrument_id ?? '').filter((x) => x !== '');
      return { close_prices: listed(ids).map(closePrice) };
    },
    'MarketDataService/GetTradingStatus': (raw) => {
      const req = raw as GetTradingStatusIn;
      return tradingStatus(find(req.instrument_id || req.figi));
    },
    'MarketDataService/GetTradingStatuses': (raw) => {
      const ids = ((raw as { instrument_id?: string[] | null }).instrument_id ?? []).filter((x) => x !== '');
      if (ids.length === 0) throw VenueError.of('30093');
      return { trading_statuses: ids.map((id) => tradingStatus(find(id))) };
    },
    'MarketDataService/GetLastTrades': (raw) => {
      const req = raw as GetLastTradesIn;
      const i = find(req.instrument_id || req.figi);
      const now = d.now();
      const to = msOfTimestamp(req.to) ?? now;
      // Only the last hour is kept, as the venue guarantees no more.
      const from = Math.max(msOfTimestamp(req.from) ?? now - HOUR_MS, now - HOUR_MS);
      if (to < from) return { trades: [] };
      const symbol = i.marketSymbol;
      if (symbol === undefined) return { trades: [] };
      const scale = scaleOf(symbol);
      const trades = market
        .recentTrades(symbol)
        .filter((t) => t.timeMs >= from && t.timeMs < to)
        .map((t) => tradeMessage(i, t, scale));
      return { trades };
    },
  };
}
