/**
 * A hand-written decoder for MarketDataResponse: the only message on the hot path. It reads
 * what the adapter uses (candle, order book, trade, last price, trading status, ping and the
 * subscription responses), turns Quotation straight
 * into Dec text, and skips every other field by its wire type. It never throws: bad bytes
 * come back as { kind: 'malformed' } so the stream can count them and carry on (grpc-js would
 * cancel the whole call if a deserializer threw).
 *
 * Field numbers are from §2.1 and §2.3 of the venue notes.
 */
import type { Dec } from '../../../common/decimal.js';
import { QuotationError, quotationNumbersToDec, quotationToDec } from './quotation.js';

export interface WireCandle {
  kind: 'candle';
  figi: string;
  instrumentUid: string;
  /** SubscriptionInterval number. */
  interval: number;
  /** UTC seconds of the candle's open. */
  time: number;
  open: Dec;
  high: Dec;
  low: Dec;
  close: Dec;
  /** Lots. */
  volume: Dec;
}

export interface WirePing {
  kind: 'ping';
  /** ms since epoch, 0 when absent. */
  timeMs: number;
  streamId: string;
  /** Echo of our PingRequest time (ms), when this ping answers one. */
  requestTimeMs: number | undefined;
}

export interface WireCandleSubscription {
  figi: string;
  interval: number;
  status: number;
  instrumentUid: string;
  streamId: string;
  subscriptionId: string;
  /** SubscriptionAction; 0 when the server did not say. */
  action: number;
}

export interface WireSubscribeCandles {
  kind: 'subscribe-candles';
  trackingId: string;
  subscriptions: WireCandleSubscription[];
}

/** A data type other than candles, as the stream names its subscription responses. */
export type WireDataStream = 'book' | 'trades' | 'info' | 'last';

export interface WireDataSubscription {
  figi: string;
  /** Order-book depth; 0 for the other data types. */
  depth: number;
  status: number;
  instrumentUid: string;
  /** SubscriptionAction; 0 when the server did not say. */
  action: number;
}

/** SubscribeOrderBookResponse, SubscribeTradesResponse, SubscribeInfoResponse or SubscribeLastPriceResponse. */
export interface WireSubscribeData {
  kind: 'subscribe-data';
  stream: WireDataStream;
  trackingId: string;
  subscriptions: WireDataSubscription[];
}

/** One level as sent: the price may be missing and the quantity any int64 (checked by the book's owner). */
export interface WireLevel {
  price: Dec | undefined;
  /** Lots, as decimal text (may be negative or zero on a hostile wire). */
  quantity: string;
}

export interface WireOrderBook {
  kind: 'orderbook';
  figi: string;
  instrumentUid: string;
  depth: number;
  isConsistent: boolean;
  bids: WireLevel[];
  asks: WireLevel[];
  /** Exchange time (ms), 0 when absent. */
  timeMs: number;
}

export interface WireTrade {
  kind: 'trade';
  figi: string;
  instrumentUid: string;
  /** TradeDirection: 1 buy, 2 sell, 0 unknown. */
  direction: number;
  price: Dec;
  /** Lots, decimal text. */
  quantity: string;
  timeMs: number;
}

export interface WireLastPrice {
  kind: 'last-price';
  figi: string;
  instrumentUid: string;
  price: Dec;
  timeMs: number;
}

export interface WireTradingStatus {
  kind: 'trading-status';
  figi: string;
  instrumentUid: string;
  /** SecurityTradingStatus number. */
  status: number;
  limitOrders: boolean;
  marketOrders: boolean;
  timeMs: number;
}

/** A payload we do not use (open interest, …), or an empty response. */
export interface WireOther {
  kind: 'other';
  field: number;
}

export interface WireMalformed {
  kind: 'malformed';
  error: string;
  /** Base64 of the first bytes of the message, for the diagnostics sample. */
  prefix: string;
}

export type MarketDataMessage =
  | WireCandle
  | WirePing
  | WireSubscribeCandles
  | WireSubscribeData
  | WireOrderBook
  | WireTrade
  | WireLastPrice
  | WireTradingStatus
  | WireOther
  | WireMalformed;

class Malformed extends Error {}

/** How much of a malformed message is kept as its sample. */
const SAMPLE_BYTES = 96;
/** google.protobuf.Timestamp's range: 0001-01-01 through 9999-12-31. */
const TS_MIN_SECONDS = -62_135_596_800;
const TS_MAX_SECONDS = 253_402_300_799;
/** Highest SubscriptionInterval (§2.3), CandleSource (§2.2), SubscriptionStatus, SubscriptionAction. */
const MAX_SUBSCRIPTION_INTERVAL = 13;
const MAX_CANDLE_SOURCE = 2;
const MAX_SUBSCRIPTION_STATUS = 10;
const MAX_SUBSCRIPTION_ACTION = 2;
/** Highest SecurityTradingStatus (§2.1) and TradeDirection. */
const MAX_TRADING_STATUS = 16;
const MAX_TRADE_DIRECTION = 2;

const TWO32 = 4294967296;

/** Position-tracking reader over one message; int64 halves land in lo/hi. */
class Reader {
  pos: number;
  lo = 0;
  hi = 0;
  /** End of the message being read; narrowed while a nested message is read. */
  end: number;
  constructor(
    readonly buf: Buffer,
    pos: number,
    end: number,
  ) {
    this.pos = pos;
    this.end = end;
  }

  byte(): number {
    if (this.pos >= this.end) throw new Malformed('truncated varint');
    return this.buf[this.pos++]!;
  }

  /** Reads a varint of up to 10 bytes into lo/hi (two's complement 64 bits). */
  varint64(): void {
    let b = this.byte();
    let lo = b & 0x7f;
    if (b < 0x80) {
      this.lo = lo;
      this.hi = 0;
      return;
    }
    b = this.byte();
    lo |= (b & 0x7f) << 7;
    if (b < 0x80) {
      this.lo = lo;
      this.hi = 0;
      return;
    }
    b = this.byte();
    lo |= (b & 0x7f) << 14;
    if (b < 0x80) {
      this.lo = lo;
      this.hi = 0;
      return;
    }
    b = this.byte();
    lo |= (b & 0x7f) << 21;
    if (b < 0x80) {
      this.lo = lo;
      this.hi = 0;
      return;
    }
    b = this.byte();
    lo |= (b & 0x0f) << 28;
    let hi = (b & 0x7f) >>> 4;
    if (b >= 0x80) {
      let shift = 3;
      for (let i = 0; i < 5; i++) {
        b = this.byte();
        if (i === 4 && b > 1) throw new Malformed('varint longer than 64 bits');
        hi |= (b & 0x7f) << shift;
        if (b < 0x80) break;
        if (i === 4) throw new Malformed('varint longer than 10 bytes');
        shift += 7;
      }
    }
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }

  /** Unsigned 32-bit value (tags, lengths). */
  uint32(): number {
    this.varint64();
    if (this.hi !== 0) throw new Malformed('length or tag beyond 32 bits');
    return this.lo;
  }

  /** int32 / enum: signed 32 bits; negatives arrive sign-extended to 10 bytes, anything wider is malformed. */
  int32(): number {
    this.varint64();
    const v = this.lo | 0;
    // A valid int32 is its own sign extension: the high word is all zeros or all ones to match.
    if (this.hi !== (v >> 31) >>> 0) throw new Malformed('int32 field wider than 32 bits');
    return v;
  }

  /** int64 as a safe number; undefined when it needs bigint (then read lo/hi). */
  int64Safe(): number | undefined {
    this.varint64();
    const lo = this.lo;
    const hi = this.hi;
    if (hi < 0x200000) return hi * TWO32 + lo; // < 2^53
    if (hi >= 0xffe00000 && (hi !== 0xffe00000 || lo !== 0)) {
      // negative, > -2^53: -(~x + 1)
      return -((~hi >>> 0) * TWO32 + ((~lo >>> 0) + 1));
    }
    return undefined;
  }

  int64Big(): bigint {
    return BigInt.asIntN(64, (BigInt(this.hi) << 32n) | BigInt(this.lo));
  }

  /** Length of a length-delimited field, checked against the enclosing message. */
  len(): number {
    const n = this.uint32();
    if (n > this.end - this.pos) throw new Malformed('length beyond the message');
    return n;
  }

  string(): string {
    const n = this.len();
    const start = this.pos;
    this.pos += n;
    // Node's own UTF-8 slice beats building short ids char by char in JS (measured).
    return n === 0 ? '' : this.buf.toString('utf8', start, start + n);
  }

  skip(wireType: number): void {
    switch (wireType) {
      case 0:
        this.varint64();
        return;
      case 1:
        this.advance(8);
        return;
      case 2:
        this.advance(this.len());
        return;
      case 5:
        this.advance(4);
        return;
      case 3: {
        // Groups are long obsolete but still legal wire: skip to the matching end tag.
        for (;;) {
          const tag = this.uint32();
          const wt = tag & 7;
          if (wt === 4) return;
          this.skip(wt);
        }
      }
      default:
        throw new Malformed(`invalid wire type ${wireType}`);
    }
  }

  advance(n: number): void {
    if (n > this.end - this.pos) throw new Malformed('field beyond the message');
    this.pos += n;
  }

  /** A tag; field 0 is illegal. */
  tag(): number {
    const t = this.uint32();
    if (t >>> 3 === 0) throw new Malformed('field number 0');
    return t;
  }
}

function expectWire(tag: number, want: number): void {
  if ((tag & 7) !== want) throw new Malformed(`field ${tag >>> 3} has wire type ${tag & 7}, expected ${want}`);
}

/** Quotation { units int64 = 1; nano int32 = 2 } → Dec. Absent = zero. */
function quotation(r: Reader): Dec {
  const n = r.len();
  const end = r.pos + n;
  const outer = r.end;
  r.end = end;
  let units: number | bigint = 0;
  let nano = 0;
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case 8: {
        const u = r.int64Safe();
        units = u === undefined ? r.int64Big() : u;
        break;
      }
      case 16:
        nano = r.int32();
        break;
      default:
        checkKnownWire(tag, SCALAR_PAIR_WIRE);
        r.skip(tag & 7);
    }
  }
  r.end = outer;
  try {
    return typeof units === 'number' ? quotationNumbersToDec(units, nano) : quotationToDec({ units, nano });
  } catch (e) {
    if (e instanceof QuotationError) throw new Malformed(`bad Quotation: ${e.message}`);
    throw e;
  }
}

/** Quotation and Timestamp: two varints, fields 1 and 2. */
const SCALAR_PAIR_WIRE: Readonly<Record<number, number>> = { 1: 0, 2: 0 };

/** Timestamp { seconds int64 = 1; nanos int32 = 2 } → ms; its own range rules are checked. */
function timestampMs(r: Reader): number {
  const n = r.len();
  const end = r.pos + n;
  const outer = r.end;
  r.end = end;
  let seconds = 0;
  let nanos = 0;
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 8) {
      const s = r.int64Safe();
      if (s === undefined || s < TS_MIN_SECONDS || s > TS_MAX_SECONDS) throw new Malformed('timestamp seconds out of range');
      seconds = s;
    } else if (tag === 16) {
      nanos = r.int32();
      if (nanos < 0 || nanos > 999_999_999) throw new Malformed('timestamp nanos out of range');
    } else {
      checkKnownWire(tag, SCALAR_PAIR_WIRE);
      r.skip(tag & 7);
    }
  }
  r.end = outer;
  return seconds * 1000 + Math.floor(nanos / 1_000_000);
}

function timestampSec(r: Reader): number {
  return Math.floor(timestampMs(r) / 1000);
}

/** Presence bits of the candle fields without which there is no candle (proto3 zero ≠ absent). */
const HAS_OPEN = 1;
const HAS_HIGH = 2;
const HAS_LOW = 4;
const HAS_CLOSE = 8;
const HAS_TIME = 16;
const HAS_ALL = 31;
const MISSING: readonly [number, string][] = [
  [HAS_OPEN, 'open'],
  [HAS_HIGH, 'high'],
  [HAS_LOW, 'low'],
  [HAS_CLOSE, 'close'],
  [HAS_TIME, 'open time'],
];

function candle(r: Reader, end: number): WireCandle {
  const c: WireCandle = {
    kind: 'candle',
    figi: '',
    instrumentUid: '',
    interval: 0,
    time: 0,
    open: '0',
    high: '0',
    low: '0',
    close: '0',
    volume: '0',
  };
  let has = 0;
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case 10: // figi
        c.figi = r.string();
        break;
      case 16: // interval
        c.interval = r.int32();
        break;
      case 26:
        c.open = quotation(r);
        has |= HAS_OPEN;
        break;
      case 34:
        c.high = quotation(r);
        has |= HAS_HIGH;
        break;
      case 42:
        c.low = quotation(r);
        has |= HAS_LOW;
        break;
      case 50:
        c.close = quotation(r);
        has |= HAS_CLOSE;
        break;
      case 56: {
        // volume int64 (lots)
        const v = r.int64Safe();
        c.volume = v === undefined ? r.int64Big().toString() : String(v);
        break;
      }
      case 66: // time
        c.time = timestampSec(r);
        has |= HAS_TIME;
        break;
      case 82: // instrument_uid
        c.instrumentUid = r.string();
        break;
      case 74: // last_trade_ts, ticker, class_code: not used, skipped with their wire type checked
      case 90:
      case 98:
        r.skip(2);
        break;
      case 104: // volume_buy, volume_sell
      case 112:
        r.varint64();
        break;
      case 152: {
        // candle_source_type: a CandleSource value
        const src = r.int32();
        if (src < 0 || src > MAX_CANDLE_SOURCE) throw new Malformed(`unknown candle source ${src}`);
        break;
      }
      default:
        checkKnownWire(tag, CANDLE_WIRE);
        r.skip(tag & 7);
    }
  }
  if (has !== HAS_ALL) {
    for (const [bit, name] of MISSING) if ((has & bit) === 0) throw new Malformed(`candle without ${name}`);
  }
  if (c.figi === '' && c.instrumentUid === '') throw new Malformed('candle names no instrument');
  if (c.interval < 1 || c.interval > MAX_SUBSCRIPTION_INTERVAL) throw new Malformed(`unknown candle interval ${c.interval}`);
  return c;
}

/** Wire types of every Candle field of the contract; a mismatch is malformed, not skipped. */
const CANDLE_WIRE: Readonly<Record<number, number>> = { 1: 2, 2: 0, 3: 2, 4: 2, 5: 2, 6: 2, 7: 0, 8: 2, 9: 2, 10: 2, 11: 2, 12: 2, 13: 0, 14: 0, 19: 0 };

function checkKnownWire(tag: number, table: Readonly<Record<number, number>>): void {
  const want = table[tag >>> 3];
  if (want !== undefined) expectWire(tag, want);
}

function ping(r: Reader, end: number): WirePing {
  const p: WirePing = { kind: 'ping', timeMs: 0, streamId: '', requestTimeMs: undefined };
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case 10:
        p.timeMs = timestampMs(r);
        break;
      case 18:
        p.streamId = r.string();
        break;
      case 34:
        p.requestTimeMs = timestampMs(r);
        break;
      default:
        checkKnownWire(tag, PING_WIRE);
        r.skip(tag & 7);
    }
  }
  return p;
}
const PING_WIRE: Readonly<Record<number, number>> = { 1: 2, 2: 2, 4: 2 };

function candleSubscription(r: Reader): WireCandleSubscription {
  const n = r.len();
  const end = r.pos + n;
  const outer = r.end;
  r.end = end;
  const s: WireCandleSubscription = {
    figi: '',
    interval: 0,
    status: 0,
    instrumentUid: '',
    streamId: '',
    subscriptionId: '',
    action: 0,
  };
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case 10:
        s.figi = r.string();
        break;
      case 16:
        s.interval = r.int32();
        if (s.interval < 0 || s.interval > MAX_SUBSCRIPTION_INTERVAL) throw new Malformed(`unknown subscription interval ${s.interval}`);
        break;
      case 24:
        s.status = r.int32();
        if (s.status < 0 || s.status > MAX_SUBSCRIPTION_STATUS) throw new Malformed(`unknown subscription status ${s.status}`);
        break;
      case 34:
        s.instrumentUid = r.string();
        break;
      case 50:
        s.streamId = r.string();
        break;
      case 58:
        s.subscriptionId = r.string();
        break;
      case 64:
        s.action = r.int32();
        if (s.action < 0 || s.action > MAX_SUBSCRIPTION_ACTION) throw new Malformed(`unknown subscription action ${s.action}`);
        break;
      default:
        checkKnownWire(tag, SUBSCRIPTION_WIRE);
        r.skip(tag & 7);
    }
  }
  r.end = outer;
  return s;
}
const SUBSCRIPTION_WIRE: Readonly<Record<number, number>> = { 1: 2, 2: 0, 3: 0, 4: 2, 5: 0, 6: 2, 7: 2, 8: 0, 9: 0, 10: 2, 11: 2 };

function subscribeCandles(r: Reader, end: number): WireSubscribeCandles {
  const out: WireSubscribeCandles = { kind: 'subscribe-candles', trackingId: '', subscriptions: [] };
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 10) out.trackingId = r.string();
    else if (tag === 18) out.subscriptions.push(candleSubscription(r));
    else {
      checkKnownWire(tag, { 1: 2, 2: 2 });
      r.skip(tag & 7);
    }
  }
  return out;
}

/** Field numbers of a data subscription message: depth (book only), status, uid, action. */
interface DataSubscriptionLayout {
  depth: number | undefined;
  status: number;
  uid: number;
  action: number;
  wire: Readonly<Record<number, number>>;
}

const DATA_LAYOUTS: Readonly<Record<WireDataStream, DataSubscriptionLayout>> = {
  // OrderBookSubscription: figi 1, depth 2, status 3, uid 4, stream 5, sub id 6, type 7, action 8, ticker 9, class 10.
  book: { depth: 2, status: 3, uid: 4, action: 8, wire: { 1: 2, 2: 0, 3: 0, 4: 2, 5: 2, 6: 2, 7: 0, 8: 0, 9: 2, 10: 2 } },
  // TradeSubscription: figi 1, status 2, uid 3, stream 4, sub id 5, open interest 6, action 7, ticker 8, class 9.
  trades: { depth: undefined, status: 2, uid: 3, action: 7, wire: { 1: 2, 2: 0, 3: 2, 4: 2, 5: 2, 6: 0, 7: 0, 8: 2, 9: 2 } },
  // Info/LastPriceSubscription: figi 1, status 2, uid 3, stream 4, sub id 5, action 6, ticker 7, class 8.
  info: { depth: undefined, status: 2, uid: 3, action: 6, wire: { 1: 2, 2: 0, 3: 2, 4: 2, 5: 2, 6: 0, 7: 2, 8: 2 } },
  last: { depth: undefined, status: 2, uid: 3, action: 6, wire: { 1: 2, 2: 0, 3: 2, 4: 2, 5: 2, 6: 0, 7: 2, 8: 2 } },
};

function dataSubscription(r: Reader, layout: DataSubscriptionLayout): WireDataSubscription {
  const n = r.len();
  const end = r.pos + n;
  const outer = r.end;
  r.end = end;
  const s: WireDataSubscription = { figi: '', depth: 0, status: 0, instrumentUid: '', action: 0 };
  while (r.pos < end) {
    const tag = r.tag();
    const field = tag >>> 3;
    checkKnownWire(tag, layout.wire);
    if (field === 1) s.figi = r.string();
    else if (field === layout.uid) s.instrumentUid = r.string();
    else if (field === layout.depth) s.depth = r.int32();
    else if (field === layout.status) {
      s.status = r.int32();
      if (s.status < 0 || s.status > MAX_SUBSCRIPTION_STATUS) throw new Malformed(`unknown subscription status ${s.status}`);
    } else if (field === layout.action) {
      s.action = r.int32();
      if (s.action < 0 || s.action > MAX_SUBSCRIPTION_ACTION) throw new Malformed(`unknown subscription action ${s.action}`);
    } else r.skip(tag & 7);
  }
  r.end = outer;
  return s;
}

function subscribeData(stream: WireDataStream): (r: Reader, end: number) => WireSubscribeData {
  const layout = DATA_LAYOUTS[stream];
  return (r, end) => {
    const out: WireSubscribeData = { kind: 'subscribe-data', stream, trackingId: '', subscriptions: [] };
    while (r.pos < end) {
      const tag = r.tag();
      if (tag === 10) out.trackingId = r.string();
      else if (tag === 18) out.subscriptions.push(dataSubscription(r, layout));
      else {
        checkKnownWire(tag, { 1: 2, 2: 2, 3: 0 });
        r.skip(tag & 7);
      }
    }
    return out;
  };
}

/** int64 as decimal text, whatever its size (quantities are checked by whoever uses them). */
function int64Text(r: Reader): string {
  const v = r.int64Safe();
  return v === undefined ? r.int64Big().toString() : String(v);
}

/** Order (a book level): price 1 Quotation, quantity 2 int64 lots. */
function level(r: Reader): WireLevel {
  const n = r.len();
  const end = r.pos + n;
  const outer = r.end;
  r.end = end;
  const l: WireLevel = { price: undefined, quantity: '0' };
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 10) l.price = quotation(r);
    else if (tag === 16) l.quantity = int64Text(r);
    else {
      checkKnownWire(tag, { 1: 2, 2: 0 });
      r.skip(tag & 7);
    }
  }
  r.end = outer;
  return l;
}

const ORDERBOOK_WIRE: Readonly<Record<number, number>> = { 1: 2, 2: 0, 3: 0, 4: 2, 5: 2, 6: 2, 7: 2, 8: 2, 9: 2, 10: 0, 11: 2, 12: 2 };

function orderBook(r: Reader, end: number): WireOrderBook {
  const b: WireOrderBook = { kind: 'orderbook', figi: '', instrumentUid: '', depth: 0, isConsistent: false, bids: [], asks: [], timeMs: 0 };
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case 10:
        b.figi = r.string();
        break;
      case 16:
        b.depth = r.int32();
        break;
      case 24:
        r.varint64();
        b.isConsistent = r.lo !== 0 || r.hi !== 0;
        break;
      case 34:
        b.bids.push(level(r));
        break;
      case 42:
        b.asks.push(level(r));
        break;
      case 50:
        b.timeMs = timestampMs(r);
        break;
      case 74:
        b.instrumentUid = r.string();
        break;
      default:
        // limit_up/limit_down (7, 8), book type, ticker and class code: not used.
        checkKnownWire(tag, ORDERBOOK_WIRE);
        r.skip(tag & 7);
    }
  }
  if (b.figi === '' && b.instrumentUid === '') throw new Malformed('order book names no instrument');
  return b;
}

const TRADE_WIRE: Readonly<Record<number, number>> = { 1: 2, 2: 0, 3: 2, 4: 0, 5: 2, 6: 2, 7: 0, 8: 2, 9: 2 };

function trade(r: Reader, end: number): WireTrade {
  const t: WireTrade = { kind: 'trade', figi: '', instrumentUid: '', direction: 0, price: '0', quantity: '0', timeMs: 0 };
  let hasPrice = false;
  let hasTime = false;
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case 10:
        t.figi = r.string();
        break;
      case 16:
        t.direction = r.int32();
        if (t.direction < 0 || t.direction > MAX_TRADE_DIRECTION) throw new Malformed(`unknown trade direction ${t.direction}`);
        break;
      case 26:
        t.price = quotation(r);
        hasPrice = true;
        break;
      case 32:
        t.quantity = int64Text(r);
        break;
      case 42:
        t.timeMs = timestampMs(r);
        hasTime = true;
        break;
      case 50:
        t.instrumentUid = r.string();
        break;
      default:
        checkKnownWire(tag, TRADE_WIRE);
        r.skip(tag & 7);
    }
  }
  if (!hasPrice) throw new Malformed('trade without price');
  if (!hasTime) throw new Malformed('trade without time');
  if (t.figi === '' && t.instrumentUid === '') throw new Malformed('trade names no instrument');
  return t;
}

const LAST_PRICE_WIRE: Readonly<Record<number, number>> = { 1: 2, 2: 2, 3: 2, 9: 2, 10: 2, 11: 2, 12: 0 };

function lastPrice(r: Reader, end: number): WireLastPrice {
  const p: WireLastPrice = { kind: 'last-price', figi: '', instrumentUid: '', price: '0', timeMs: 0 };
  let hasPrice = false;
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case 10:
        p.figi = r.string();
        break;
      case 18:
        p.price = quotation(r);
        hasPrice = true;
        break;
      case 26:
        p.timeMs = timestampMs(r);
        break;
      case 90:
        p.instrumentUid = r.string();
        break;
      default:
        checkKnownWire(tag, LAST_PRICE_WIRE);
        r.skip(tag & 7);
    }
  }
  if (!hasPrice) throw new Malformed('last price without price');
  if (p.figi === '' && p.instrumentUid === '') throw new Malformed('last price names no instrument');
  return p;
}

const TRADING_STATUS_WIRE: Readonly<Record<number, number>> = { 1: 2, 2: 0, 3: 2, 4: 0, 5: 0, 6: 2, 7: 2, 8: 2 };

function tradingStatus(r: Reader, end: number): WireTradingStatus {
  const s: WireTradingStatus = { kind: 'trading-status', figi: '', instrumentUid: '', status: 0, limitOrders: false, marketOrders: false, timeMs: 0 };
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case 10:
        s.figi = r.string();
        break;
      case 16:
        s.status = r.int32();
        if (s.status < 0 || s.status > MAX_TRADING_STATUS) throw new Malformed(`unknown trading status ${s.status}`);
        break;
      case 26:
        s.timeMs = timestampMs(r);
        break;
      case 32:
        r.varint64();
        s.limitOrders = r.lo !== 0 || r.hi !== 0;
        break;
      case 40:
        r.varint64();
        s.marketOrders = r.lo !== 0 || r.hi !== 0;
        break;
      case 50:
        s.instrumentUid = r.string();
        break;
      default:
        checkKnownWire(tag, TRADING_STATUS_WIRE);
        r.skip(tag & 7);
    }
  }
  if (s.figi === '' && s.instrumentUid === '') throw new Malformed('trading status names no instrument');
  return s;
}

/** MarketDataResponse oneof member → its decoder (numbers from §2.3). */
const PAYLOADS: ReadonlyMap<number, (r: Reader, end: number) => MarketDataMessage> = new Map<number, (r: Reader, end: number) => MarketDataMessage>([
  [1, subscribeCandles],
  [2, subscribeData('book')],
  [3, subscribeData('trades')],
  [4, subscribeData('info')],
  [5, candle],
  [6, trade],
  [7, orderBook],
  [8, tradingStatus],
  [9, ping],
  [10, subscribeData('last')],
  [11, lastPrice],
]);

/** Sub-message of the oneof: sets the reader's end to it while `fn` runs. */
function nested<T>(r: Reader, fn: (r: Reader, end: number) => T): T {
  const n = r.len();
  const end = r.pos + n;
  const outer = r.end;
  r.end = end;
  const v = fn(r, end);
  r.end = outer;
  return v;
}

/**
 * Decodes one MarketDataResponse. As with protobuf, when a oneof member repeats, the last
 * one wins; members we do not use still have to be well-formed to be skipped.
 */
export function decodeMarketDataResponse(buf: Buffer): MarketDataMessage {
  const r = new Reader(buf, 0, buf.length);
  let out: MarketDataMessage = { kind: 'other', field: 0 };
  try {
    while (r.pos < r.end) {
      const tag = r.tag();
      const field = tag >>> 3;
      const wt = tag & 7;
      const decode = PAYLOADS.get(field);
      if (decode !== undefined) {
        expectWire(tag, 2);
        out = nested(r, decode);
      } else {
        // Other oneof members are messages too (open interest, 12).
        if (field <= 12) expectWire(tag, 2);
        r.skip(wt);
        if (field <= 12) out = { kind: 'other', field };
      }
    }
    return out;
  } catch (e) {
    return {
      kind: 'malformed',
      error: e instanceof Malformed ? e.message : `decoder fault: ${e instanceof Error ? e.name : 'error'}`,
      prefix: buf.subarray(0, SAMPLE_BYTES).toString('base64'),
    };
  }
}
