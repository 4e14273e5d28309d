/**
 * One market-data stream of the local venue (bidi MarketDataStream or the server-side
 * MarketDataServerSideStream): its subscriptions, candle pushes driven by market trades,
 * pings after idle time, and the venue's per-stream limits.
 */
import { randomUUID } from 'node:crypto';
import type { Market, MarketCandle, MarketTrade } from '../market.js';
import type { InstrumentBook, SimInstrument } from './instruments.js';
import { SUBSCRIPTION_SPANS, liveCandle } from './candles.js';
import { BOOK_DEPTHS, simOrderBook } from './order-book.js';
import type { SimBook } from './order-book.js';
import { statusFlags } from './trading-status.js';
import {
  CandleSource,
  LastPriceType,
  SubscriptionAction,
  SubscriptionStatus,
  TradeDirection,
  VenueError,
  msOfTimestamp,
  timestampOfMs,
  timestampOfSec,
  toQuotation,
  trackingId,
} from './wire.js';
import type { Timestamp } from './wire.js';
import { IdlePinger } from './idle-pinger.js';

/** Candles and order books go out at most once per 100 ms per subscription (venue limits.md). */
const CANDLE_MIN_GAP_MS = 100;
export const PING_DELAY_DEFAULT_MS = 120_000;
export const PING_DELAY_MIN_MS = 5_000;
export const PING_DELAY_MAX_MS = 180_000;
/** Subscriptions per stream, candles + order books + trades together. */
export const MAX_SUBSCRIPTIONS_PER_STREAM = 300;
/** Subscription requests per stream per minute. */
export const MAX_SUBSCRIBE_REQUESTS_PER_MINUTE = 100;

// ---- request shapes as proto-loader decodes them (keepCase, longs String, enums Number) ----

interface TimestampIn {
  seconds?: string | number | null;
  nanos?: number | null;
}
interface CandleInstrumentIn {
  figi?: string | null;
  interval?: number | null;
  instrument_id?: string | null;
}
export interface SubscribeCandlesIn {
  subscription_action?: number | null;
  instruments?: CandleInstrumentIn[] | null;
  waiting_close?: boolean | null;
  candle_source_type?: number | null;
}
interface IdInstrumentIn {
  figi?: string | null;
  instrument_id?: string | null;
  depth?: number | null;
}
export interface SubscribeByIdIn {
  subscription_action?: number | null;
  instruments?: IdInstrumentIn[] | null;
  /** Trades only: TradeSourceType, 0-3. */
  trade_source?: number | null;
}
export interface PingSettingsIn {
  ping_delay_ms?: number | null;
}
export interface MarketDataRequestIn {
  payload?: string;
  subscribe_candles_request?: SubscribeCandlesIn | null;
  subscribe_order_book_request?: SubscribeByIdIn | null;
  subscribe_trades_request?: SubscribeByIdIn | null;
  subscribe_info_request?: SubscribeByIdIn | null;
  subscribe_last_price_request?: SubscribeByIdIn | null;
  get_my_subscriptions?: object | null;
  ping?: { time?: TimestampIn | null } | null;
  ping_settings?: PingSettingsIn | null;
}
export type MarketDataServerSideRequestIn = Omit<MarketDataRequestIn, 'payload' | 'get_my_subscriptions' | 'ping'>;

export type MarketDataResponseOut = Record<string, unknown>;

interface CandleSub {
  id: string;
  instrument: SimInstrument;
  interval: number;
  spanSec: number;
  waitingClose: boolean;
  candleSource: number | undefined;
  /** Latest state not yet sent (throttled). */
  pending: { candle: MarketCandle; lastTradeMs: number } | undefined;
  lastSentMs: number;
  /** waiting_close: the period being built, sent once it is over. */
  building: { candle: MarketCandle; lastTradeMs: number } | undefined;
}

interface PlainSub {
  id: string;
  instrument: SimInstrument;
}

interface BookSub {
  id: string;
  instrument: SimInstrument;
  depth: number;
  lastSentMs: number;
  /** A change not yet sent (throttled to one book per 100 ms). */
  dirty: boolean;
}

type PlainKind = 'trades' | 'info' | 'lastPrice';

/** What a stream needs from the venue around it. */
export interface StreamHost {
  market: Market;
  instruments: InstrumentBook;
  now(): number;
  /** True while the fault "stall" is on: nothing is sent, nothing is closed. */
  stalled(): boolean;
  /** How long a stream may stay without subscriptions before 80004; 0 = never. */
  emptyStreamCloseMs: number;
  onSent(kind: string): void;
}

/** A read-only view of a stream's subscriptions, for tests and diagnostics. */
export interface StreamSubscriptions {
  streamId: string;
  method: 'MarketDataStream' | 'MarketDataServerSideStream';
  pingDelayMs: number;
  candles: { subscriptionId: string; figi: string; instrumentUid: string; interval: number; waitingClose: boolean }[];
  trades: { subscriptionId: string; figi: string; instrumentUid: string }[];
  info: { subscriptionId: string; figi: string; instrumentUid: string }[];
  lastPrices: { subscriptionId: string; figi: string; instrumentUid: string }[];
  orderBooks: { subscriptionId: string; figi: string; instrumentUid: string; depth: number }[];
}

/** The OrderBook message of an instrument's book (stream payload; whole book each time). */
/** One exchange print as the Trade message (§8.1), for the stream and GetLastTrades alike. */
export function tradeMessage(i: SimInstrument, t: MarketTrade, scale: number): Record<string, unknown> {
  return {
    figi: i.figi,
    direction: t.side === 'buy' ? TradeDirection.BUY : TradeDirection.SELL,
    price: toQuotation(t.price, scale),
    quantity: t.qty.toString(),
    time: timestampOfMs(t.timeMs),
    instrument_uid: i.uid,
    trade_source: 1,
    ticker: i.ticker,
    class_code: i.classCode,
  };
}

export function orderBookMessage(i: SimInstrument, book: SimBook, depth: number, scale: number): Record<string, unknown> {
  const level = (l: { price: bigint; lots: bigint }) => ({ price: toQuotation(l.price, scale), quantity: l.lots.toString() });
  return {
    figi: i.figi,
    depth,
    is_consistent: true,
    bids: book.bids.map(level),
    asks: book.asks.map(level),
    time: timestampOfMs(book.timeMs),
    instrument_uid: i.uid,
    order_book_type: 1,
    ticker: i.ticker,
    class_code: i.classCode,
  };
}

export class MarketDataSession {
  readonly streamId = randomUUID();
  private readonly pinger = new IdlePinger(PING_DELAY_DEFAULT_MS, () =>
    this.send({ ping: { time: timestampOfMs(this.host.now()), stream_id: this.streamId } }, 'ping'),
  );
  private emptyTimer: NodeJS.Timeout | undefined;
  private readonly candleSubs = new Map<string, CandleSub>();
  private readonly plain: Record<PlainKind, Map<string, PlainSub>> = {
    trades: new Map(),
    info: new Map(),
    lastPrice: new Map(),
  };
  /** Order-book subscriptions by "uid|depth". */
  private readonly books = new Map<string, BookSub>();
  private readonly subscribeRequestTimes: number[] = [];
  private closed = false;

  constructor(
    private readonly host: StreamHost,
    readonly method: StreamSubscriptions['method'],
    /** Writes one response; the session never writes after close. */
    private readonly write: (msg: MarketDataResponseOut) => void,
    /** Ends the call: OK when `err` is undefined. */
    private readonly finish: (err: VenueError | undefined) => void,
  ) {
    this.pinger.start();
    this.armEmptyClose();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  // ---- requests ----

  handle(req: MarketDataRequestIn): void {
    if (this.closed) return;
    switch (req.payload) {
      case 'subscribe_candles_request':
        if (req.subscribe_candles_request) this.subscribeCandles(req.subscribe_candles_request);
        break;
      case 'subscribe_trades_request':
        if (req.subscribe_trades_request) this.subscribePlain('trades', req.subscribe_trades_request);
        break;
      case 'subscribe_info_request':
        if (req.subscribe_info_request) this.subscribePlain('info', req.subscribe_info_request);
        break;
      case 'subscribe_last_price_request':
        if (req.subscribe_last_price_request) this.subscribePlain('lastPrice', req.subscribe_last_price_request);
        break;
      case 'subscribe_order_book_request':
        if (req.subscribe_order_book_request) this.subscribeOrderBook(req.subscribe_order_book_request);
        break;
      case 'get_my_subscriptions':
        this.sendMySubscriptions();
        break;
      case 'ping': {
        const at = msOfTimestamp(req.ping?.time);
        this.send({ ping: { time: timestampOfMs(this.host.now()), stream_id: this.streamId, ping_request_time: timestampOfMs(at ?? this.host.now()) } }, 'ping');
        break;
      }
      case 'ping_settings':
        this.setPingDelay(req.ping_settings?.ping_delay_ms);
        break;
      default:
        // An empty request: the venue ignores it.
        break;
    }
  }

  /** The server-side stream's single request: settings first, then every subscription given. */
  handleServerSide(req: MarketDataServerSideRequestIn): void {
    if (req.ping_settings) this.setPingDelay(req.ping_settings.ping_delay_ms);
    if (req.subscribe_candles_request?.instruments?.length) this.subscribeCandles(req.subscribe_candles_request);
    if (req.subscribe_order_book_request?.instruments?.length) this.subscribeOrderBook(req.subscribe_order_book_request);
    if (req.subscribe_trades_request?.instruments?.length) this.subscribePlain('trades', req.subscribe_trades_request);
    if (req.subscribe_info_request?.instruments?.length) this.subscribePlain('info', req.subscribe_info_request);
    if (req.subscribe_last_price_request?.instruments?.length) this.subscribePlain('lastPrice', req.subscribe_last_price_request);
  }

  private setPingDelay(ms: number | null | undefined): void {
    this.pinger.setDelay(ms == null ? PING_DELAY_DEFAULT_MS : Math.min(PING_DELAY_MAX_MS, Math.max(PING_DELAY_MIN_MS, ms)));
  }

  /** True when this request is over the per-minute subscription-request budget. */
  private overRequestBudget(): boolean {
    const now = this.host.now();
    while (this.subscribeRequestTimes.length > 0 && (this.subscribeRequestTimes[0] ?? 0) <= now - 60_000) {
      this.subscribeRequestTimes.shift();
    }
    this.subscribeRequestTimes.push(now);
    return this.subscribeRequestTimes.length > MAX_SUBSCRIBE_REQUESTS_PER_MINUTE;
  }

  private limitedCount(): number {
    return this.candleSubs.size + this.plain.trades.size + this.books.size;
  }

  private subscribeCandles(req: SubscribeCandlesIn): void {
    const action = req.subscription_action ?? SubscriptionAction.UNSPECIFIED;
    const waitingClose = req.waiting_close === true;
    const source = req.candle_source_type ?? undefined;
    const tooMany = this.overRequestBudget();
    const statuses = (req.instruments ?? []).map((ci) => {
      const idText = ci.instrument_id || ci.figi || '';
      const instrument = this.host.instruments.resolve(idText);
      const interval = ci.interval ?? 0;
      const key = instrument ? `${instrument.uid}|${interval}` : '';
      let status: number;
      let subscriptionId: string = randomUUID();
      if (tooMany) status = SubscriptionStatus.TOO_MANY_REQUESTS;
      else if (action !== SubscriptionAction.SUBSCRIBE && action !== SubscriptionAction.UNSUBSCRIBE) {
        status = SubscriptionStatus.SUBSCRIPTION_ACTION_IS_INVALID;
      } else if (!instrument) status = SubscriptionStatus.INSTRUMENT_NOT_FOUND;
      else if (!SUBSCRIPTION_SPANS.has(interval)) status = SubscriptionStatus.INTERVAL_IS_INVALID;
      else if (action === SubscriptionAction.SUBSCRIBE) {
        const existing = this.candleSubs.get(key);
        if (existing) {
          existing.waitingClose = waitingClose;
          existing.candleSource = source;
          subscriptionId = existing.id;
          status = SubscriptionStatus.SUCCESS;
        } else if (this.limitedCount() >= MAX_SUBSCRIPTIONS_PER_STREAM) {
          status = SubscriptionStatus.LIMIT_IS_EXCEEDED;
        } else {
          this.candleSubs.set(key, {
            id: subscriptionId,
            instrument,
            interval,
            spanSec: SUBSCRIPTION_SPANS.get(interval) ?? 60,
            waitingClose,
            candleSource: source,
            pending: undefined,
            lastSentMs: 0,
            building: undefined,
          });
          status = SubscriptionStatus.SUCCESS;
        }
      } else {
        const existing = this.candleSubs.get(key);
        if (existing) {
          this.candleSubs.delete(key);
          subscriptionId = existing.id;
          status = SubscriptionStatus.SUCCESS;
        } else status = SubscriptionStatus.SUBSCRIPTION_NOT_FOUND;
      }
      return {
        // Clients match statuses on figi + interval: never leave figi empty.
        figi: instrument?.figi ?? idText,
        interval,
        subscription_status: status,
        instrument_uid: instrument?.uid ?? '',
        waiting_close: waitingClose,
        stream_id: this.streamId,
        subscription_id: subscriptionId,
        subscription_action: action,
        ...(source !== undefined ? { candle_source_type: source } : {}),
        ticker: instrument?.ticker ?? '',
        class_code: instrument?.classCode ?? '',
      };
    });
    this.send({ subscribe_candles_response: { tracking_id: trackingId(), candles_subscriptions: statuses } }, 'subscription');
    this.armEmptyClose();
  }

  private subscribePlain(kind: PlainKind, req: SubscribeByIdIn): void {
    const action = req.subscription_action ?? SubscriptionAction.UNSPECIFIED;
    const tooMany = this.overRequestBudget();
    const source = req.trade_source ?? 0;
    const badSource = kind === 'trades' && (source < 0 || source > 3);
    const subs = this.plain[kind];
    const added: SimInstrument[] = [];
    const statuses = (req.instruments ?? []).map((ti) => {
      const idText = ti.instrument_id || ti.figi || '';
      const instrument = this.host.instruments.resolve(idText);
      let status: number;
      let subscriptionId: string = randomUUID();
      if (tooMany) status = SubscriptionStatus.TOO_MANY_REQUESTS;
      else if (action !== SubscriptionAction.SUBSCRIBE && action !== SubscriptionAction.UNSUBSCRIBE) {
        status = SubscriptionStatus.SUBSCRIPTION_ACTION_IS_INVALID;
      } else if (!instrument) status = SubscriptionStatus.INSTRUMENT_NOT_FOUND;
      else if (badSource) status = SubscriptionStatus.SOURCE_IS_INVALID;
      else if (action === SubscriptionAction.SUBSCRIBE) {
        const existing = subs.get(instrument.uid);
        if (existing) {
          subscriptionId = existing.id;
          status = SubscriptionStatus.SUCCESS;
        } else if (kind === 'trades' && this.limitedCount() >= MAX_SUBSCRIPTIONS_PER_STREAM) {
          status = SubscriptionStatus.LIMIT_IS_EXCEEDED;
        } else {
          subs.set(instrument.uid, { id: subscriptionId, instrument });
          added.push(instrument);
          status = SubscriptionStatus.SUCCESS;
        }
      } else {
        const existing = subs.get(instrument.uid);
        if (existing) {
          subs.delete(instrument.uid);
          subscriptionId = existing.id;
          status = SubscriptionStatus.SUCCESS;
        } else status = SubscriptionStatus.SUBSCRIPTION_NOT_FOUND;
      }
      return {
        figi: instrument?.figi ?? idText,
        subscription_status: status,
        instrument_uid: instrument?.uid ?? '',
        stream_id: this.streamId,
        subscription_id: subscriptionId,
        subscription_action: action,
        ticker: instrument?.ticker ?? '',
        class_code: instrument?.classCode ?? '',
      };
    });
    const wrapper = {
      trades: ['subscribe_trades_response', 'trade_subscriptions'],
      info: ['subscribe_info_response', 'info_subscriptions'],
      lastPrice: ['subscribe_last_price_response', 'last_price_subscriptions'],
    } as const;
    const [member, list] = wrapper[kind];
    this.send({ [member]: { tracking_id: trackingId(), [list]: statuses } }, 'subscription');
    // An info subscription starts with the instrument's current trading status.
    if (kind === 'info') for (const i of added) this.send({ trading_status: this.tradingStatus(i) }, 'trading_status');
    this.armEmptyClose();
  }

  private subscribeOrderBook(req: SubscribeByIdIn): void {
    const action = req.subscription_action ?? SubscriptionAction.UNSPECIFIED;
    const tooMany = this.overRequestBudget();
    const added: BookSub[] = [];
    const statuses = (req.instruments ?? []).map((oi) => {
      const idText = oi.instrument_id || oi.figi || '';
      const instrument = this.host.instruments.resolve(idText);
      const depth = oi.depth ?? 0;
      const key = instrument ? `${instrument.uid}|${depth}` : '';
      let status: number;
      let subscriptionId: string = randomUUID();
      if (tooMany) status = SubscriptionStatus.TOO_MANY_REQUESTS;
      else if (action !== SubscriptionAction.SUBSCRIBE && action !== SubscriptionAction.UNSUBSCRIBE) {
        status = SubscriptionStatus.SUBSCRIPTION_ACTION_IS_INVALID;
      } else if (!instrument) status = SubscriptionStatus.INSTRUMENT_NOT_FOUND;
      else if (!BOOK_DEPTHS.includes(depth)) status = SubscriptionStatus.DEPTH_IS_INVALID;
      else if (action === SubscriptionAction.SUBSCRIBE) {
        const existing = this.books.get(key);
        if (existing) {
          subscriptionId = existing.id;
          status = SubscriptionStatus.SUCCESS;
        } else if (this.limitedCount() >= MAX_SUBSCRIPTIONS_PER_STREAM) {
          status = SubscriptionStatus.LIMIT_IS_EXCEEDED;
        } else {
          const sub: BookSub = { id: subscriptionId, instrument, depth, lastSentMs: 0, dirty: false };
          this.books.set(key, sub);
          added.push(sub);
          status = SubscriptionStatus.SUCCESS;
        }
      } else {
        const existing = this.books.get(key);
        if (existing) {
          this.books.delete(key);
          subscriptionId = existing.id;
          status = SubscriptionStatus.SUCCESS;
        } else status = SubscriptionStatus.SUBSCRIPTION_NOT_FOUND;
      }
      return {
        figi: instrument?.figi ?? idText,
        depth,
        subscription_status: status,
        instrument_uid: instrument?.uid ?? '',
        stream_id: this.streamId,
        subscription_id: subscriptionId,
        order_book_type: 1,
        subscription_action: action,
        ticker: instrument?.ticker ?? '',
        class_code: instrument?.classCode ?? '',
      };
    });
    this.send({ subscribe_order_book_response: { tracking_id: trackingId(), order_book_subscriptions: statuses } }, 'subscription');
    // A new subscription starts with the whole book as it is now.
    const now = this.host.now();
    for (const sub of added) this.sendBook(sub, now);
    this.armEmptyClose();
  }

  private sendMySubscriptions(): void {
    let sent = false;
    if (this.candleSubs.size > 0) {
      const list = [...this.candleSubs.values()].map((s) => ({
        figi: s.instrument.figi,
        interval: s.interval,
        subscription_status: SubscriptionStatus.SUCCESS,
        instrument_uid: s.instrument.uid,
        waiting_close: s.waitingClose,
        stream_id: this.streamId,
        subscription_id: s.id,
        subscription_action: SubscriptionAction.SUBSCRIBE,
        ...(s.candleSource !== undefined ? { candle_source_type: s.candleSource } : {}),
        ticker: s.instrument.ticker,
        class_code: s.instrument.classCode,
      }));
      this.send({ subscribe_candles_response: { tracking_id: trackingId(), candles_subscriptions: list } }, 'subscription');
      sent = true;
    }
    const wrappers: [PlainKind, string, string][] = [
      ['trades', 'subscribe_trades_response', 'trade_subscriptions'],
      ['info', 'subscribe_info_response', 'info_subscriptions'],
      ['lastPrice', 'subscribe_last_price_response', 'last_price_subscriptions'],
    ];
    for (const [kind, member, field] of wrappers) {
      const subs = this.plain[kind];
      if (subs.size === 0) continue;
      const list = [...subs.values()].map((s) => ({
        figi: s.instrument.figi,
        subscription_status: SubscriptionStatus.SUCCESS,
        instrument_uid: s.instrument.uid,
        stream_id: this.streamId,
        subscription_id: s.id,
      }));
      this.send({ [member]: { tracking_id: trackingId(), [field]: list } }, 'subscription');
      sent = true;
    }
    if (this.books.size > 0) {
      const list = [...this.books.values()].map((s) => ({
        figi: s.instrument.figi,
        depth: s.depth,
        subscription_status: SubscriptionStatus.SUCCESS,
        instrument_uid: s.instrument.uid,
        stream_id: this.streamId,
        subscription_id: s.id,
        order_book_type: 1,
        subscription_action: SubscriptionAction.SUBSCRIBE,
        ticker: s.instrument.ticker,
        class_code: s.instrument.classCode,
      }));
      this.send({ subscribe_order_book_response: { tracking_id: trackingId(), order_book_subscriptions: list } }, 'subscription');
      sent = true;
    }
    // An empty stream answers with a response that has no payload set.
    if (!sent) this.send({}, 'empty');
  }

  // ---- market events ----

  /** A market trade: updates every subscription of that instrument. */
  onTrade(t: MarketTrade): void {
    if (this.closed) return;
    const now = this.host.now();
    for (const sub of this.candleSubs.values()) {
      if (sub.instrument.marketSymbol !== t.symbol) continue;
      const candle = liveCandle(this.host.market, t.symbol, sub.spanSec, t.timeMs);
      if (!candle) continue;
      if (sub.waitingClose) {
        if (sub.building && sub.building.candle.time !== candle.time) this.sendCandle(sub, sub.building.candle, sub.building.lastTradeMs, now);
        sub.building = { candle, lastTradeMs: t.timeMs };
        continue;
      }
      // A newer period flushes the previous period's last state first: its close is final.
      if (sub.pending && sub.pending.candle.time !== candle.time) this.sendCandle(sub, sub.pending.candle, sub.pending.lastTradeMs, now);
      if (now - sub.lastSentMs >= CANDLE_MIN_GAP_MS) this.sendCandle(sub, candle, t.timeMs, now);
      else sub.pending = { candle, lastTradeMs: t.timeMs };
    }
    for (const sub of this.books.values()) {
      if (sub.instrument.marketSymbol !== t.symbol) continue;
      if (now - sub.lastSentMs >= CANDLE_MIN_GAP_MS) this.sendBook(sub, now);
      else sub.dirty = true;
    }
    const scale = this.host.market.info(t.symbol).priceScale;
    for (const sub of this.plain.trades.values()) {
      if (sub.instrument.marketSymbol !== t.symbol) continue;
      const i = sub.instrument;
      this.send(
        { trade: tradeMessage(i, t, scale) },
        'trade',
      );
    }
    for (const sub of this.plain.lastPrice.values()) {
      if (sub.instrument.marketSymbol !== t.symbol) continue;
      const i = sub.instrument;
      this.send(
        {
          last_price: {
            figi: i.figi,
            price: toQuotation(t.price, scale),
            time: timestampOfMs(t.timeMs),
            ticker: i.ticker,
            class_code: i.classCode,
            instrument_uid: i.uid,
            last_price_type: LastPriceType.EXCHANGE,
          },
        },
        'last_price',
      );
    }
  }

  /** Periodic work: throttled candles that are due, and closed periods for waiting_close. */
  tick(): void {
    if (this.closed) return;
    const now = this.host.now();
    for (const sub of this.candleSubs.values()) {
      if (sub.pending && now - sub.lastSentMs >= CANDLE_MIN_GAP_MS) this.sendCandle(sub, sub.pending.candle, sub.pending.lastTradeMs, now);
      if (sub.building && (sub.building.candle.time + sub.spanSec) * 1000 <= now) {
        this.sendCandle(sub, sub.building.candle, sub.building.lastTradeMs, now);
        sub.building = undefined;
      }
    }
    for (const sub of this.books.values()) if (sub.dirty && now - sub.lastSentMs >= CANDLE_MIN_GAP_MS) this.sendBook(sub, now);
  }

  /** An instrument's trading status changed: every info subscription of it hears. */
  onTradingStatus(i: SimInstrument): void {
    if (this.closed || !this.plain.info.has(i.uid)) return;
    this.send({ trading_status: this.tradingStatus(i) }, 'trading_status');
  }

  private sendBook(sub: BookSub, now: number): void {
    const i = sub.instrument;
    // Instruments without prices have an empty book.
    const symbol = i.marketSymbol;
    const book = symbol === undefined ? { bids: [], asks: [], timeMs: now } : simOrderBook(this.host.market, symbol, sub.depth, now);
    const scale = symbol === undefined ? 9 : this.host.market.info(symbol).priceScale;
    sub.lastSentMs = now;
    sub.dirty = false;
    this.send({ orderbook: orderBookMessage(i, book, sub.depth, scale) }, 'orderbook');
  }

  private sendCandle(sub: CandleSub, c: MarketCandle, lastTradeMs: number, now: number): void {
    const i = sub.instrument;
    const scale = this.host.market.info(i.marketSymbol ?? i.ticker).priceScale;
    sub.pending = undefined;
    sub.lastSentMs = now;
    this.send(
      {
        candle: {
          figi: i.figi,
          interval: sub.interval,
          open: toQuotation(c.open, scale),
          high: toQuotation(c.high, scale),
          low: toQuotation(c.low, scale),
          close: toQuotation(c.close, scale),
          volume: c.volume.toString(),
          time: timestampOfSec(c.time),
          last_trade_ts: timestampOfMs(lastTradeMs),
          instrument_uid: i.uid,
          ticker: i.ticker,
          class_code: i.classCode,
          candle_source_type: CandleSource.EXCHANGE,
        },
      },
      'candle',
    );
  }

  private tradingStatus(i: SimInstrument): Record<string, unknown> {
    const flags = statusFlags(i);
    const time: Timestamp = timestampOfMs(this.host.now());
    return {
      figi: i.figi,
      trading_status: i.tradingStatus,
      time,
      limit_order_available_flag: flags.limit,
      market_order_available_flag: flags.market,
      instrument_uid: i.uid,
      ticker: i.ticker,
      class_code: i.classCode,
    };
  }

  // ---- output, pings, end ----

  private send(msg: MarketDataResponseOut, kind: string): void {
    if (this.closed) return;
    // A stalled venue is silent: nothing goes out, the call stays open.
    if (this.host.stalled()) return;
    this.write(msg);
    this.host.onSent(kind);
    this.pinger.wrote();
  }


  private subscriptionCount(): number {
    return this.candleSubs.size + this.plain.trades.size + this.plain.info.size + this.plain.lastPrice.size + this.books.size;
  }

  /** A stream left without subscriptions is closed by the venue after a while (80004). */
  private armEmptyClose(): void {
    if (this.emptyTimer) clearTimeout(this.emptyTimer);
    this.emptyTimer = undefined;
    if (this.closed || this.host.emptyStreamCloseMs <= 0 || this.subscriptionCount() > 0) return;
    this.emptyTimer = setTimeout(() => this.end(VenueError.of('80004')), this.host.emptyStreamCloseMs);
    this.emptyTimer.unref();
  }

  /** Ends the stream: OK without an error (client half-closed), else with the venue's status. */
  end(err?: VenueError): void {
    if (this.closed) return;
    this.dispose();
    this.finish(err);
  }

  /** Forgets everything without writing (the client went away). */
  dispose(): void {
    this.closed = true;
    this.pinger.stop();
    if (this.emptyTimer) clearTimeout(this.emptyTimer);
    this.emptyTimer = undefined;
  }

  snapshot(): StreamSubscriptions {
    const plain = (kind: PlainKind) =>
      [...this.plain[kind].values()].map((s) => ({ subscriptionId: s.id, figi: s.instrument.figi, instrumentUid: s.instrument.uid }));
    return {
      streamId: this.streamId,
      method: this.method,
      pingDelayMs: this.pinger.delay,
      candles: [...this.candleSubs.values()].map((s) => ({
        subscriptionId: s.id,
        figi: s.instrument.figi,
        instrumentUid: s.instrument.uid,
        interval: s.interval,
        waitingClose: s.waitingClose,
      })),
      trades: plain('trades'),
      info: plain('info'),
      lastPrices: plain('lastPrice'),
      orderBooks: [...this.books.values()].map((s) => ({ subscriptionId: s.id, figi: s.instrument.figi, instrumentUid: s.instrument.uid, depth: s.depth })),
    };
  }
}
