/**
 * Public market data on the WS v2 public socket: live candles (ohlc) with gap fill from
 * REST OHLC after every reconnect, and order books verified by checksum on every message.
 * A wrong book is never handed to a listener: on a mismatch it is dropped, listeners get a
 * reset, and the book is resubscribed for a fresh snapshot. Book keys the core holds get the
 * verified book through sink.book at their depth, with its health (an empty, inconsistent
 * book while a resync runs); the level arrays are built only while such a key is held.
 */
import { DEFAULT_CLOCK_SKEW_MS, candleProblem } from '../../../common/candle-sanity.js';
import type { BookHealth, CandleKey, MarketKey, OrderBook as DomainBook, VenueErrorInfo, VenueId } from '../../../common/domain.js';
import type { ConnectionReporter, VenueSink } from '../venue.js';
import { VenueError, isVenueError } from '../venue.js';
import type { BookDepth } from './constants.js';
import { BOOK_DEPTHS, INTERVAL_MINUTES } from './constants.js';
import { OrderBook } from './book.js';
import type { BookView } from './book.js';
import type { WsBookData, WsBookLevel, WsOhlcData } from './messages.js';
import type { CountedCandle } from './parse.js';
import { MalformedFrame, isText, nativeOf, ohlcRowToCandle, rfc3339Ms, wholeNumber, wsOhlcToCandle } from './parse.js';
import type { RestOhlc, RestOhlcRow } from './rest-types.js';
import type { PairMeta } from './symbols.js';
import type { ChannelFrame, KrakenSocket } from './ws.js';

export type BookEvent =
  | { type: 'snapshot' | 'update'; book: BookView }
  | { type: 'reset'; symbol: string; reason: string };

/** Called synchronously; the event object is reused, so copy what must outlive the call. */
export type BookListener = (e: BookEvent) => void;

interface CandleFeed {
  key: CandleKey;
  meta: PairMeta;
  minutes: number;
  subKey: string;
  /** Last candle handed to the sink: later copies of it need at least as many trades. */
  last: { time: number; trades: number } | undefined;
  /** While the gap is being filled from REST, live frames wait here. */
  filling: boolean;
  needsFill: boolean;
  buffer: CountedCandle[];
  /** The last interval_begin text seen and its UTC seconds. */
  begin: { text: string; time: number };
}

interface BookFeed {
  meta: PairMeta;
  depth: BookDepth;
  subKey: string;
  book: OrderBook;
  synced: boolean;
  listeners: Set<BookListener>;
  snapshotEvent: { type: 'snapshot'; book: BookView };
  updateEvent: { type: 'update'; book: BookView };
  /** Book keys the core holds, by depth: each verified message goes to the sink at each. */
  held: Map<number, MarketKey>;
  /** Shared by every book this feed reports (the sink reads it during the call; copies are the core's). */
  health: BookHealth;
  /** A report is queued for the end of this turn: the first frame's arrival, the last frame's venue time. */
  pending?: { receivedAt: number; timestamp: string | undefined };
}

export interface PublicFeedsOptions {
  venue: VenueId;
  socket: KrakenSocket;
  sink: VenueSink;
  reporter: ConnectionReporter;
  /** REST OHLC for gap fill: resolves with the rows of a pair and interval since a time. */
  ohlc: (pairId: string, minutes: number, since: number) => Promise<RestOhlcRow[]>;
  /** Where REST rows that fail validation are counted; default `reporter`. */
  restReporter?: ConnectionReporter;
  /** Our clock, ms. */
  now?: () => number;
  /** The venue's clock minus ours as last measured (ms): widens how far ahead a candle may open. */
  skewMs?: () => number;
}

/** Reused for every candle: this runs once per ohlc entry on the hot path. */
const CHECK = { nowMs: 0, skewMs: DEFAULT_CLOCK_SKEW_MS };

/** The candle sanity rule with this venue's clock tolerance; the reason, or undefined when fine. */
export function krakenCandleProblem(cc: CountedCandle, nowMs: number, skewMs: number): string | undefined {
  CHECK.nowMs = nowMs;
  CHECK.skewMs = skewMs > 0 ? DEFAULT_CLOCK_SKEW_MS + skewMs : DEFAULT_CLOCK_SKEW_MS;
  return candleProblem(cc.candle, CHECK);
}

/** REST OHLC rows → the candles that pass validation; each row that fails is counted on `reporter` and skipped. */
export function checkedRows(rows: readonly RestOhlcRow[], key: CandleKey, reporter: ConnectionReporter, nowMs: number, skewMs: number): CountedCandle[] {
  const out: CountedCandle[] = [];
  for (const row of rows) {
    try {
      const cc = ohlcRowToCandle(row, key);
      const why = krakenCandleProblem(cc, nowMs, skewMs);
      if (why !== undefined) throw new MalformedFrame(`OHLC row refused: ${why}`);
      out.push(cc);
    } catch (e) {
      if (!(e instanceof MalformedFrame)) throw e;
      reporter.malformed(e.message, safeJson(row));
    }
  }
  return out;
}

function safeJson(v: unknown): string | undefined {
  try {
    return JSON.stringify(v);
  } catch {
    return undefined;
  }
}

/** Book levels as the contract has them: an array of {price, qty} decimal texts. */
function checkLevels(levels: unknown): void {
  if (levels === undefined) return;
  if (!Array.isArray(levels)) throw new MalformedFrame('book levels are not an array');
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i] as WsBookLevel | null;
    if (typeof l !== 'object' || l === null || typeof l.price !== 'string' || typeof l.qty !== 'string') throw new MalformedFrame('book level is not {price, qty}');
  }
}

/** Picks the pair's rows out of an OHLC result (keyed by pair id, plus `last`). */
export function ohlcRows(res: RestOhlc, pairId: string): RestOhlcRow[] {
  const rows = res[pairId] ?? Object.entries(res).find(([k]) => k !== 'last')?.[1];
  if (!Array.isArray(rows)) throw new VenueError('internal', 'bad-ohlc', `OHLC result without rows for ${pairId}`);
  return rows as RestOhlcRow[];
}

export class PublicFeeds {
  private readonly o: PublicFeedsOptions;
  /** `${v2symbol}|${minutes}` → feed. */
  private readonly candles = new Map<string, CandleFeed>();
  /** v2 symbol → book. */
  private readonly books = new Map<string, BookFeed>();

  constructor(opts: PublicFeedsOptions) {
    this.o = opts;
  }

  get hasSubscriptions(): boolean {
    return this.candles.size > 0 || this.books.size > 0;
  }

  subscribeCandles(key: CandleKey, meta: PairMeta): void {
    const minutes = INTERVAL_MINUTES[key.interval];
    const id = `${meta.symbol}|${minutes}`;
    if (this.candles.has(id)) return;
    const subKey = this.o.socket.subscribe({ channel: 'ohlc', symbol: meta.symbol, params: { interval: minutes, snapshot: true } });
    this.candles.set(id, { key: { ...key }, meta, minutes, subKey, last: undefined, filling: false, needsFill: false, buffer: [], begin: { text: '', time: 0 } });
  }

  unsubscribeCandles(key: CandleKey, meta: PairMeta): void {
    const id = `${meta.symbol}|${INTERVAL_MINUTES[key.interval]}`;
    const f = this.candles.get(id);
    if (!f) return;
    this.candles.delete(id);
    this.o.socket.unsubscribe(f.subKey);
  }

  /** Adds a listener to the book of a symbol; the book is kept at the largest depth asked. */
  subscribeBook(meta: PairMeta, depth: number, listener: BookListener): () => void {
    const f = this.bookAt(meta, depth);
    f.listeners.add(listener);
    if (f.synced) listener({ type: 'snapshot', book: f.book });
    return () => {
      f.listeners.delete(listener);
      this.dropIfIdle(f);
    };
  }

  /** The core holds a book key: each verified message goes to sink.book at the key's depth. Idempotent. */
  holdBook(key: MarketKey, meta: PairMeta): void {
    const depth = key.depth ?? BOOK_DEPTHS[0];
    const f = this.bookAt(meta, depth);
    if (f.held.has(depth)) return;
    f.held.set(depth, { ...key, depth });
    if (f.synced) this.report(f, this.now(), undefined);
  }

  releaseBook(key: MarketKey, meta: PairMeta): void {
    const f = this.books.get(meta.symbol);
    if (!f) return;
    f.held.delete(key.depth ?? BOOK_DEPTHS[0]);
    this.dropIfIdle(f);
  }

  /** The book of a symbol at `depth` or deeper, subscribing or deepening it. */
  private bookAt(meta: PairMeta, depth: number): BookFeed {
    const want = (BOOK_DEPTHS.find((d) => d >= depth) ?? 1000) as BookDepth;
    const f = this.books.get(meta.symbol);
    if (f && f.depth < want) {
      // Kraken book frames carry no depth: one subscription per symbol, at the deepest asked.
      this.o.socket.unsubscribe(f.subKey);
      this.reset(f, `depth raised to ${want}`);
      f.depth = want;
      f.book = new OrderBook(meta.symbol, want, meta.pricePrecision, meta.qtyPrecision);
      f.snapshotEvent.book = f.book;
      f.updateEvent.book = f.book;
      f.subKey = this.o.socket.subscribe({ channel: 'book', symbol: meta.symbol, params: { depth: want, snapshot: true } });
    }
    if (f) return f;
    const book = new OrderBook(meta.symbol, want, meta.pricePrecision, meta.qtyPrecision);
    const fresh: BookFeed = {
      meta,
      depth: want,
      subKey: this.o.socket.subscribe({ channel: 'book', symbol: meta.symbol, params: { depth: want, snapshot: true } }),
      book,
      synced: false,
      listeners: new Set(),
      snapshotEvent: { type: 'snapshot', book },
      updateEvent: { type: 'update', book },
      held: new Map(),
      health: { verification: 'checksum', verified: 0, failures: 0, resyncs: 0, consistent: false },
    };
    this.books.set(meta.symbol, fresh);
    return fresh;
  }

  private dropIfIdle(f: BookFeed): void {
    if (f.listeners.size > 0 || f.held.size > 0 || this.books.get(f.meta.symbol) !== f) return;
    this.books.delete(f.meta.symbol);
    this.o.socket.unsubscribe(f.subKey);
  }

  /**
   * Queues the book for the sink at the end of this turn. Frames read from the socket in one go
   * make one report, of the book after the last of them, stamped with the first one's arrival
   * (the oldest change it shows): the core keeps only the latest book anyway, and building the
   * level arrays per frame was most of what delivering books cost.
   */
  private report(f: BookFeed, receivedAt: number, timestamp: string | undefined): void {
    if (f.pending) {
      f.pending.timestamp = timestamp;
      return;
    }
    f.pending = { receivedAt, timestamp };
    queueMicrotask(() => {
      const p = f.pending;
      f.pending = undefined;
      // Dropped, replaced or released meanwhile: nothing to say.
      if (p && this.books.get(f.meta.symbol) === f && f.held.size > 0) this.deliver(f, p.receivedAt, p.timestamp);
    });
  }

  /** The book as it stands, to the sink at every held depth. */
  private deliver(f: BookFeed, receivedAt: number, timestamp: string | undefined): void {
    let time: number | undefined;
    if (timestamp !== undefined) {
      try {
        time = rfc3339Ms(timestamp);
      } catch (e) {
        if (!(e instanceof MalformedFrame)) throw e;
        this.o.reporter.malformed(`book timestamp: ${e.message}`, timestamp);
      }
    }
    const health = { ...f.health, consistent: f.synced };
    for (const key of f.held.values()) {
      const depth = key.depth!;
      const b: DomainBook = { venue: key.venue, instrumentId: key.instrumentId, depth, bids: f.book.levels(false, depth), asks: f.book.levels(true, depth), receivedAt, health };
      if (time !== undefined) b.time = time;
      this.o.sink.book(b);
    }
  }

  /** The socket went down: books are void, candle feeds will need their gap filled. */
  onDown(reason: string): void {
    for (const f of this.books.values()) this.reset(f, reason);
    for (const f of this.candles.values()) {
      if (f.last !== undefined) {
        f.needsFill = true;
        f.filling = true;
      }
    }
  }

  /** Every subscription is acked again: fill candle gaps before the socket reports live. */
  async onConfirmed(): Promise<void> {
    const work = [...this.candles.values()].filter((f) => f.needsFill).map((f) => this.fill(f));
    await Promise.all(work);
  }

  /** A subscription the venue refused or never answered: its owner hears why. */
  onSubscribeError(subKey: string, err: VenueErrorInfo): void {
    for (const f of this.candles.values()) if (f.subKey === subKey) this.o.sink.subscriptionFailed(f.key, err);
    for (const f of this.books.values()) {
      if (f.subKey !== subKey) continue;
      this.reset(f, `subscription failed: ${err.message}`);
      for (const key of f.held.values()) this.o.sink.marketFailed(key, err);
    }
  }

  /** One channel frame from the public socket (type already checked by the socket). */
  onFrame(f: ChannelFrame): void {
    // The plain-parse twin, only when the careful reader quoted numbers (else the frame's own types hold).
    const native = nativeOf(f);
    const nat = native === f ? undefined : (native.data as unknown[] | undefined);
    if (f.channel === 'ohlc') this.onOhlc(f.data, nat);
    else if (f.channel === 'book') this.onBook(f.data, f.type === 'snapshot', nat);
    else throw new MalformedFrame('frame of a channel the public socket never subscribed');
  }

  /** Every entry is validated before any is used: one bad entry refuses the whole frame. */
  private onOhlc(data: unknown, nat: unknown[] | undefined): void {
    if (!Array.isArray(data)) throw new MalformedFrame('ohlc data is not an array');
    if (data.length === 1) {
      const feed = this.ohlcFeed(data[0], nat?.[0]);
      if (feed) this.take(feed, data[0] as WsOhlcData, this.checked(feed, data[0] as WsOhlcData));
      return;
    }
    const ok: { feed: CandleFeed; d: WsOhlcData; cc: CountedCandle }[] = [];
    for (let i = 0; i < data.length; i++) {
      const d: unknown = data[i];
      const feed = this.ohlcFeed(d, nat?.[i]);
      if (feed) ok.push({ feed, d: d as WsOhlcData, cc: this.checked(feed, d as WsOhlcData) });
    }
    for (const x of ok) this.take(x.feed, x.d, x.cc);
  }

  /**
   * The feed an ohlc entry is for, undefined when none (a symbol or interval we do not hold).
   * `native`: the entry's plain-parse twin when the careful reader made it (see nativeOf).
   */
  private ohlcFeed(d: unknown, native: unknown): CandleFeed | undefined {
    if (typeof d !== 'object' || d === null) throw new MalformedFrame('ohlc entry is not an object');
    const e = d as { symbol?: unknown; interval?: unknown; interval_begin?: unknown; timestamp?: unknown };
    if (typeof e.symbol !== 'string') throw new MalformedFrame('ohlc symbol is not a string');
    if (native !== undefined) {
      if (!isText(native, 'symbol')) throw new MalformedFrame('ohlc symbol is not a string');
      if (e.interval_begin !== undefined && !isText(native, 'interval_begin')) throw new MalformedFrame('ohlc interval_begin is not a string');
      if (e.timestamp !== undefined && !isText(native, 'timestamp')) throw new MalformedFrame('ohlc timestamp is not a string');
    }
    return this.candles.get(`${e.symbol}|${wholeNumber(e.interval, 'ohlc interval')}`);
  }

  private checked(feed: CandleFeed, d: WsOhlcData): CountedCandle {
    // A candle's updates repeat its interval_begin: parse that time once.
    const cc = wsOhlcToCandle(d, feed.key, feed.begin);
    const why = krakenCandleProblem(cc, this.now(), this.o.skewMs?.() ?? 0);
    if (why !== undefined) throw new MalformedFrame(`ohlc candle refused: ${why}`);
    return cc;
  }

  private take(feed: CandleFeed, d: WsOhlcData, cc: CountedCandle): void {
    // Only a begin that passed validation is remembered.
    if (feed.begin.text !== d.interval_begin) {
      feed.begin.text = d.interval_begin;
      feed.begin.time = cc.candle.time;
    }
    if (feed.filling) feed.buffer.push(cc);
    else this.emit(feed, cc);
  }

  private now(): number {
    return this.o.now?.() ?? Date.now();
  }

  /** Hands a candle to the sink unless a fresher copy of it (or a later candle) went first. */
  private emit(feed: CandleFeed, cc: CountedCandle): void {
    const last = feed.last;
    if (last === undefined) feed.last = { time: cc.candle.time, trades: cc.trades };
    else {
      if (cc.candle.time < last.time || (cc.candle.time === last.time && cc.trades < last.trades)) return;
      last.time = cc.candle.time;
      last.trades = cc.trades;
    }
    this.o.sink.candle(cc.candle);
  }

  private async fill(feed: CandleFeed): Promise<void> {
    const since = feed.last ? feed.last.time - 1 : 0;
    let rows: RestOhlcRow[] | undefined;
    for (let attempt = 0; attempt < 3 && rows === undefined; attempt++) {
      try {
        rows = await this.o.ohlc(feed.meta.id, feed.minutes, since);
      } catch (e) {
        if (!isVenueError(e)) throw e;
        this.o.reporter.error(e.info());
        await new Promise((r) => setTimeout(r, 500 * (attempt + 1)));
      }
    }
    if (rows) {
      const from = feed.last?.time ?? 0;
      for (const cc of checkedRows(rows, feed.key, this.o.restReporter ?? this.o.reporter, this.now(), this.o.skewMs?.() ?? 0)) {
        if (cc.candle.time >= from) this.emit(feed, cc);
      }
    }
    // Live frames that came meanwhile: the trade count decides which copy is newer.
    const buffered = feed.buffer.splice(0);
    buffered.sort((a, b) => a.candle.time - b.candle.time || a.trades - b.trades);
    for (const cc of buffered) this.emit(feed, cc);
    feed.filling = false;
    feed.needsFill = false;
  }

  private onBook(data: unknown, snapshot: boolean, native: unknown[] | undefined): void {
    if (!Array.isArray(data)) throw new MalformedFrame('book data is not an array');
    // The frame's arrival, read once and only when a held key needs it.
    let receivedAt = 0;
    for (let i = 0; i < data.length; i++) {
      const d = data[i] as WsBookData;
      if (typeof d !== 'object' || d === null) throw new MalformedFrame('book entry is not an object');
      if (typeof d.symbol !== 'string' || (native !== undefined && !isText(native[i], 'symbol'))) throw new MalformedFrame('book symbol is not a string');
      const f = this.books.get(d.symbol);
      if (!f) continue;
      let ok: boolean;
      try {
        if (d.wellFormed !== true) {
          checkLevels(d.bids);
          checkLevels(d.asks);
          if (wholeNumber(d.checksum, 'book checksum') > 0xffffffff) throw new MalformedFrame('book checksum is not a CRC32');
          if (d.timestamp !== undefined && (typeof d.timestamp !== 'string' || (native !== undefined && !isText(native[i], 'timestamp')))) throw new MalformedFrame('book timestamp is not a string');
        }
        if (!snapshot && !f.synced) continue; // stale updates before the fresh snapshot
        ok = snapshot ? f.book.applySnapshot(d) : f.book.applyUpdate(d);
      } catch (e) {
        // A level we could not read leaves the book unknowable: resync it.
        f.health.failures++;
        this.resync(f, `unreadable book frame: ${e instanceof MalformedFrame ? e.message : e instanceof Error ? e.name : 'throw'}`);
        throw e;
      }
      if (!ok) {
        f.health.failures++;
        this.resync(f, 'checksum mismatch');
        continue;
      }
      f.synced = true;
      f.health.verified++;
      if (f.held.size > 0) {
        if (receivedAt === 0) receivedAt = Date.now();
        this.report(f, receivedAt, d.timestamp);
      }
      // One event object per book, reused: listeners read it during the call only.
      const ev = snapshot ? f.snapshotEvent : f.updateEvent;
      ev.book = f.book;
      for (const l of f.listeners) l(ev);
    }
  }

  /** The book can no longer be trusted: the connection is degraded until a fresh snapshot's subscribe is acked. */
  private resync(f: BookFeed, reason: string): void {
    this.o.reporter.error({ kind: 'internal', code: 'book-checksum', message: `${f.meta.symbol}: ${reason}; resubscribing`, at: this.now() });
    f.health.resyncs++;
    this.reset(f, reason);
    this.o.socket.degrade(`${f.meta.symbol} book resync: ${reason}`);
    this.o.socket.resubscribe(f.subKey);
  }

  private reset(f: BookFeed, reason: string): void {
    const was = f.synced;
    f.synced = false;
    f.book.clear();
    if (was) for (const l of f.listeners) l({ type: 'reset', symbol: f.meta.symbol, reason });
    // The core shows the book as not to be trusted (empty, not consistent) until the fresh snapshot.
    if (was && f.held.size > 0) this.report(f, this.now(), undefined);
  }
}
