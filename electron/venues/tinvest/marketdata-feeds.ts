/**
 * Books, tapes and quotes of T-Invest instruments over the one MarketDataStream owner.
 * Market keys are reduced to wire subscriptions, one per data type per instrument, shared by
 * every key that needs it: a book key needs the book at its depth; a trades key the trades; a
 * quote key the last price, the trading status and the top of a book — any book already held
 * for the instrument, else a depth-1 one of its own. The previous close (GetClosePrices) is the
 * quote's reference. Each new book or quote is primed with a unary snapshot so the first paint
 * does not wait for the next change.
 *
 * Every frame is untrusted: a book with an unreadable level (no price, a price or quantity not
 * above zero) is counted as malformed and as a failure in its health, and skipped; a crossed
 * book is a failure too but is delivered, flagged inconsistent, since T-Invest books are
 * sometimes crossed for seconds and a trader must still see them (§8.1).
 */
import type { Dec } from '../../../common/decimal.js';
import { cmp, formatScaled, parseScaled, sub } from '../../../common/decimal.js';
import type { BookHealth, BookLevel, MarketKey, OrderBook, Quote, TradePrint, TradingState } from '../../../common/domain.js';
import { marketKeyId } from '../../../common/domain.js';
import { VenueError } from '../venue.js';
import type { ConnectionReporter, VenueSink } from '../venue.js';
import { BOOK_DEPTHS, TRADING_STATUS_NAMES, TRADING_STATUS_NORMAL } from './constants.js';
import type { WireLevel, WireLastPrice, WireOrderBook, WireTrade, WireTradingStatus } from './marketdata-decoder.js';
import type { GetOrderBookResponse, GetTradingStatusResponse } from './marketdata-messages.js';
import type { DataConsumer, DataMessage, DataSubscription } from './marketdata-stream.js';
import type { QuotationLike } from './quotation.js';
import { quotationToDec } from './quotation.js';

/** The stream owner as the feeds use it. */
export interface DataStream {
  subscribeData(spec: DataSubscription): string;
  unsubscribeData(id: string): void;
}

/** Unary snapshots; each may fail (the quote then starts without that part). */
export interface MarketSnapshots {
  orderBook(uid: string, depth: number): Promise<GetOrderBookResponse>;
  lastPrice(uid: string): Promise<{ price: Dec; timeMs: number } | undefined>;
  closePrice(uid: string): Promise<Dec | undefined>;
  tradingStatus(uid: string): Promise<GetTradingStatusResponse>;
}

export interface MarketFeedsOptions {
  stream: DataStream;
  snapshots: MarketSnapshots;
  sink: VenueSink;
  /** Where unreadable frames are counted (the market-data connection). */
  reporter: ConnectionReporter;
  now: () => number;
}

interface BookState {
  depth: number;
  subId: string;
  health: BookHealth;
  /** A stream book arrived: a late snapshot must not overwrite it. */
  streamed: boolean;
}

/** Everything held for one instrument. */
interface Feed {
  uid: string;
  /** Held keys. */
  bookKeys: Set<number>;
  tradesKey: boolean;
  quoteKey: boolean;
  /** Wire subscriptions held. */
  books: Map<number, BookState>;
  tradesSub: string | undefined;
  infoSub: string | undefined;
  lastSub: string | undefined;
  top: { bid?: BookLevel; ask?: BookLevel } | undefined;
  last: Dec | undefined;
  close: Dec | undefined;
  status: TradingState | undefined;
  /** Venue time of the newest part of the quote. */
  time: number;
  /** Trade id state: the previous print's identity and how many in a row had it. */
  prevTrade: string;
  repeat: number;
}

function emptyHealth(): BookHealth {
  return { verification: 'snapshot', verified: 0, failures: 0, resyncs: 0, consistent: false };
}

function positive(d: Dec): boolean {
  return cmp(d, '0') > 0;
}

/** A book level as sent, or why it is unusable. */
function readLevel(l: WireLevel): BookLevel | string {
  if (l.price === undefined) return 'a level without price';
  if (!positive(l.price)) return `a level priced ${l.price}`;
  if (!/^\d+$/.test(l.quantity) || l.quantity === '0' || /^0\d/.test(l.quantity)) return `a level of quantity ${l.quantity}`;
  return { price: l.price, quantity: l.quantity };
}

function readSide(levels: readonly WireLevel[], desc: boolean): BookLevel[] | string {
  const out: BookLevel[] = [];
  for (const l of levels) {
    const r = readLevel(l);
    if (typeof r === 'string') return r;
    out.push(r);
  }
  // The venue's order is not documented (§8.1): best first, whatever came.
  out.sort((a, b) => (desc ? cmp(b.price, a.price) : cmp(a.price, b.price)));
  return out;
}

/** change / reference × 100 to two places (canonical decimal text), rounded half away from zero. */
export function percentOf(change: Dec, reference: Dec): Dec | undefined {
  const c = parseScaled(change);
  const r = parseScaled(reference);
  if (r.int === 0n) return undefined;
  const scale = Math.max(c.scale, r.scale);
  const ci = c.int * 10n ** BigInt(scale - c.scale);
  const ri = r.int * 10n ** BigInt(scale - r.scale);
  const num = ci * 10_000n;
  const q = num / ri;
  const rem = num % ri;
  const neg = num < 0n !== ri < 0n;
  const away = (rem < 0n ? -rem : rem) * 2n >= (ri < 0n ? -ri : ri);
  return formatScaled(away ? q + (neg ? -1n : 1n) : q, 2);
}

export function tradingState(status: number, limitOrders: boolean, marketOrders: boolean): TradingState {
  return {
    tradable: status === TRADING_STATUS_NORMAL,
    limitOrders,
    marketOrders,
    venueStatus: TRADING_STATUS_NAMES[status] ?? `SECURITY_TRADING_STATUS_${status}`,
  };
}

function q(x: QuotationLike | null | undefined): Dec | undefined {
  if (!x) return undefined;
  try {
    return quotationToDec(x);
  } catch {
    return undefined;
  }
}

export class TInvestMarketFeeds {
  private readonly feeds = new Map<string, Feed>();
  private closed = false;

  constructor(private readonly opts: MarketFeedsOptions) {}

  subscribe(key: MarketKey): void {
    if (this.closed) return;
    if (key.stream === 'book' && !BOOK_DEPTHS.includes(key.depth ?? 0)) {
      this.fail(key, new VenueError('invalid', 'depth', `T-Invest streams books of depth ${BOOK_DEPTHS.join(', ')}, not ${key.depth ?? 'none'}`));
      return;
    }
    const f = this.feed(key.instrumentId);
    if (key.stream === 'book') f.bookKeys.add(key.depth ?? 0);
    else if (key.stream === 'trades') f.tradesKey = true;
    else f.quoteKey = true;
    this.reconcile(f);
  }

  unsubscribe(key: MarketKey): void {
    const f = this.feeds.get(key.instrumentId);
    if (!f) return;
    if (key.stream === 'book') f.bookKeys.delete(key.depth ?? 0);
    else if (key.stream === 'trades') f.tradesKey = false;
    else f.quoteKey = false;
    this.reconcile(f);
    if (f.books.size === 0 && !f.tradesSub && !f.infoSub && !f.lastSub) this.feeds.delete(f.uid);
  }

  close(): void {
    this.closed = true;
  }

  private feed(uid: string): Feed {
    let f = this.feeds.get(uid);
    if (!f) {
      f = {
        uid,
        bookKeys: new Set(),
        tradesKey: false,
        quoteKey: false,
        books: new Map(),
        tradesSub: undefined,
        infoSub: undefined,
        lastSub: undefined,
        top: undefined,
        last: undefined,
        close: undefined,
        status: undefined,
        time: 0,
        prevTrade: '',
        repeat: 0,
      };
      this.feeds.set(uid, f);
    }
    return f;
  }

  /** Brings the wire subscriptions of an instrument to what its held keys need. */
  private reconcile(f: Feed): void {
    const { stream } = this.opts;
    const depths = new Set(f.bookKeys);
    if (f.quoteKey && depths.size === 0) depths.add(1);
    for (const [depth, b] of f.books) {
      if (!depths.has(depth)) {
        stream.unsubscribeData(b.subId);
        f.books.delete(depth);
      }
    }
    for (const depth of depths) {
      if (f.books.has(depth)) continue;
      const b: BookState = { depth, subId: '', health: emptyHealth(), streamed: false };
      f.books.set(depth, b);
      b.subId = stream.subscribeData({ kind: 'book', uid: f.uid, depth, consumer: this.consumer(f, 'book', depth) });
      this.primeBook(f, b);
    }
    if (f.tradesKey && !f.tradesSub) f.tradesSub = stream.subscribeData({ kind: 'trades', uid: f.uid, consumer: this.consumer(f, 'trades', 0) });
    if (!f.tradesKey && f.tradesSub) {
      stream.unsubscribeData(f.tradesSub);
      f.tradesSub = undefined;
    }
    if (f.quoteKey && !f.lastSub) {
      f.lastSub = stream.subscribeData({ kind: 'last', uid: f.uid, consumer: this.consumer(f, 'last', 0) });
      f.infoSub = stream.subscribeData({ kind: 'info', uid: f.uid, consumer: this.consumer(f, 'info', 0) });
      this.primeQuote(f);
    }
    if (!f.quoteKey && f.lastSub) {
      stream.unsubscribeData(f.lastSub);
      if (f.infoSub) stream.unsubscribeData(f.infoSub);
      f.lastSub = undefined;
      f.infoSub = undefined;
      f.last = undefined;
      f.close = undefined;
      f.status = undefined;
    }
    if (f.books.size === 0) f.top = undefined;
  }

  private consumer(f: Feed, kind: DataSubscription['kind'], depth: number): DataConsumer {
    return {
      onMessage: (m: DataMessage, receivedAt: number) => this.onMessage(f, m, receivedAt),
      lost: () => {
        if (kind !== 'book') return;
        const b = f.books.get(depth);
        if (!b) return;
        // The stream broke: the book is rebuilt from the venue's next whole book.
        b.health.resyncs += 1;
        b.health.consistent = false;
      },
      failed: (err) => {
        for (const key of this.keysOf(f, kind, depth)) this.fail(key, err);
      },
    };
  }

  /** The held keys that depend on one wire subscription. */
  private keysOf(f: Feed, kind: DataSubscription['kind'], depth: number): MarketKey[] {
    const base = { venue: 'tinvest' as const, instrumentId: f.uid };
    if (kind === 'trades') return f.tradesKey ? [{ ...base, stream: 'trades' }] : [];
    if (kind === 'info' || kind === 'last') return f.quoteKey ? [{ ...base, stream: 'quote' }] : [];
    const keys: MarketKey[] = f.bookKeys.has(depth) ? [{ ...base, stream: 'book', depth }] : [];
    if (f.quoteKey && f.bookKeys.size === 0) keys.push({ ...base, stream: 'quote' });
    return keys;
  }

  private fail(key: MarketKey, err: VenueError): void {
    this.opts.sink.marketFailed(key, err.info(this.opts.now()));
  }

  private onMessage(f: Feed, m: DataMessage, receivedAt: number): void {
    if (this.closed) return;
    switch (m.kind) {
      case 'orderbook':
        this.onBook(f, m, receivedAt);
        break;
      case 'trade':
        this.onTrade(f, m);
        break;
      case 'last-price':
        this.onLastPrice(f, m);
        break;
      case 'trading-status':
        this.onStatus(f, m);
        break;
    }
  }

  private onBook(f: Feed, m: WireOrderBook, receivedAt: number): void {
    const b = f.books.get(m.depth);
    if (!b) return;
    b.streamed = true;
    this.applyBook(f, b, m.bids, m.asks, m.isConsistent, m.timeMs || undefined, receivedAt, m);
  }

  private applyBook(
    f: Feed,
    b: BookState,
    rawBids: readonly WireLevel[],
    rawAsks: readonly WireLevel[],
    venueConsistent: boolean,
    time: number | undefined,
    receivedAt: number,
    frame: unknown,
  ): void {
    const bids = readSide(rawBids, true);
    const asks = readSide(rawAsks, false);
    if (typeof bids === 'string' || typeof asks === 'string') {
      b.health.failures += 1;
      this.opts.reporter.malformed(`order book ${f.uid} with ${typeof bids === 'string' ? `${bids} (bids)` : `${String(asks)} (asks)`}`, sampleOf(frame));
      return;
    }
    const bestBid = bids[0];
    const bestAsk = asks[0];
    const crossed = bestBid !== undefined && bestAsk !== undefined && cmp(bestBid.price, bestAsk.price) >= 0;
    if (crossed) b.health.failures += 1;
    b.health.verified += 1;
    b.health.consistent = venueConsistent && !crossed;
    f.top = { ...(bestBid ? { bid: bestBid } : {}), ...(bestAsk ? { ask: bestAsk } : {}) };
    if (time !== undefined) f.time = Math.max(f.time, time);
    if (f.bookKeys.has(b.depth)) {
      const book: OrderBook = {
        venue: 'tinvest',
        instrumentId: f.uid,
        depth: b.depth,
        bids: bids.slice(0, b.depth),
        asks: asks.slice(0, b.depth),
        ...(time !== undefined ? { time } : {}),
        receivedAt,
        health: { ...b.health },
      };
      this.opts.sink.book(book);
    }
    this.emitQuote(f, receivedAt);
  }

  private onTrade(f: Feed, m: WireTrade): void {
    if (!f.tradesKey) return;
    if (!positive(m.price) || !/^[1-9]\d*$/.test(m.quantity)) {
      this.opts.reporter.malformed(`trade ${f.uid} priced ${m.price} of quantity ${m.quantity}`, sampleOf(m));
      return;
    }
    // T-Invest trades carry no id (§8.1). Time, price, quantity and direction identify a
    // print; the count of identical prints in a row tells apart real repeats within one
    // millisecond, so the core's de-dup by id drops only true duplicates.
    const identity = `${m.timeMs}:${m.price}:${m.quantity}:${m.direction}`;
    f.repeat = identity === f.prevTrade ? f.repeat + 1 : 0;
    f.prevTrade = identity;
    const print: TradePrint = {
      venue: 'tinvest',
      instrumentId: f.uid,
      tradeId: `${identity}:${f.repeat}`,
      price: m.price,
      quantity: m.quantity,
      ...(m.direction === 1 ? { side: 'buy' as const } : m.direction === 2 ? { side: 'sell' as const } : {}),
      time: m.timeMs,
    };
    this.opts.sink.trades([print]);
  }

  private onLastPrice(f: Feed, m: WireLastPrice): void {
    if (!positive(m.price)) {
      this.opts.reporter.malformed(`last price ${f.uid} of ${m.price}`, sampleOf(m));
      return;
    }
    f.last = m.price;
    if (m.timeMs > 0) f.time = Math.max(f.time, m.timeMs);
    this.emitQuote(f, this.opts.now());
  }

  private onStatus(f: Feed, m: WireTradingStatus): void {
    f.status = tradingState(m.status, m.limitOrders, m.marketOrders);
    if (m.timeMs > 0) f.time = Math.max(f.time, m.timeMs);
    this.emitQuote(f, this.opts.now());
  }

  /** The whole picture of the instrument, every time something in it changed. */
  private emitQuote(f: Feed, arrival: number): void {
    if (!f.quoteKey) return;
    const top = f.top;
    const change = f.last !== undefined && f.close !== undefined ? sub(f.last, f.close) : undefined;
    const pct = change !== undefined && f.close !== undefined ? percentOf(change, f.close) : undefined;
    const quote: Quote = {
      venue: 'tinvest',
      instrumentId: f.uid,
      ...(top?.bid ? { bid: top.bid.price, bidQty: top.bid.quantity } : {}),
      ...(top?.ask ? { ask: top.ask.price, askQty: top.ask.quantity } : {}),
      ...(f.last !== undefined ? { last: f.last } : {}),
      ...(f.close !== undefined ? { reference: f.close } : {}),
      ...(change !== undefined ? { change } : {}),
      ...(pct !== undefined ? { changePct: pct } : {}),
      ...(f.status ? { status: f.status } : {}),
      time: f.time || arrival,
    };
    this.opts.sink.quote(quote);
  }

  // ---- snapshots ----

  private primeBook(f: Feed, b: BookState): void {
    const key: MarketKey = { venue: 'tinvest', instrumentId: f.uid, stream: 'book', depth: b.depth };
    const id = marketKeyId(key);
    this.opts.snapshots.orderBook(f.uid, b.depth).then(
      (res) => {
        // Stale: the key went, the stream got there first, or the venue is closing.
        if (this.closed || f.books.get(b.depth) !== b || b.streamed) return;
        const level = (l: { price?: QuotationLike | null; quantity: string }): WireLevel => ({ price: q(l.price), quantity: l.quantity });
        const time = res.orderbookTs ? Number(res.orderbookTs.seconds) * 1000 + Math.floor(res.orderbookTs.nanos / 1e6) : undefined;
        this.applyBook(f, b, res.bids.map(level), res.asks.map(level), true, time, this.opts.now(), res);
      },
      (e: unknown) => {
        if (this.closed || f.books.get(b.depth) !== b || b.streamed) return;
        // The stream may still deliver; the failure says why the ladder is empty meanwhile.
        const err = e instanceof VenueError ? e : new VenueError('unavailable', 'snapshot', `${id}: ${e instanceof Error ? e.message : String(e)}`);
        for (const k of this.keysOf(f, 'book', b.depth)) this.fail(k, err);
      },
    );
  }

  private primeQuote(f: Feed): void {
    const s = this.opts.snapshots;
    const held = (): boolean => !this.closed && f.quoteKey && this.feeds.get(f.uid) === f;
    void s.closePrice(f.uid).then(
      (close) => {
        if (!held() || close === undefined || !positive(close)) return;
        f.close = close;
        this.emitQuote(f, this.opts.now());
      },
      () => undefined,
    );
    void s.lastPrice(f.uid).then(
      (last) => {
        if (!held() || last === undefined || f.last !== undefined || !positive(last.price)) return;
        f.last = last.price;
        if (last.timeMs > 0) f.time = Math.max(f.time, last.timeMs);
        this.emitQuote(f, this.opts.now());
      },
      () => undefined,
    );
    void s.tradingStatus(f.uid).then(
      (st) => {
        if (!held() || f.status !== undefined) return;
        f.status = tradingState(st.tradingStatus, st.limitOrderAvailableFlag, st.marketOrderAvailableFlag);
        this.emitQuote(f, this.opts.now());
      },
      (e: unknown) => {
        if (!held()) return;
        const err = e instanceof VenueError ? e : new VenueError('unavailable', 'snapshot', e instanceof Error ? e.message : String(e));
        this.fail({ venue: 'tinvest', instrumentId: f.uid, stream: 'quote' }, err);
      },
    );
  }
}

function sampleOf(frame: unknown): string | undefined {
  try {
    return JSON.stringify(frame);
  } catch {
    return undefined;
  }
}
