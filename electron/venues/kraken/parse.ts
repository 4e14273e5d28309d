/**
 * Pure parsers: WS v2 frames and REST rows → domain types. No I/O, no state; tested on
 * payloads shaped like the doc's examples.
 */
import type { Candle, CandleKey, Dec, Fill, OrderStatus, OrderType, Side, TimeInForce, TradeRecord, TrailingOffset } from '../../../common/domain.js';
import { ORDER_TYPES } from '../../../common/domain.js';
import { add } from '../../../common/decimal.js';
import { readBookFrame, readOhlcFrame } from './hot-frames.js';
import type { Num, WsBalanceEntry, WsExecution, WsFee, WsOhlcData, WsTriggers } from './messages.js';
import type { RestOhlcRow, RestOrder, RestTrade } from './rest-types.js';

/**
 * A frame (or REST row) that breaks the venue's contract. Its message is our words only, never
 * venue bytes: it is counted and shown as it is, the frame itself travels separately.
 */
export class MalformedFrame extends Error {
  override readonly name = 'MalformedFrame';
}

/** Exponents beyond this are not prices or sizes anyone trades (1e308 is not a price). */
const MAX_EXPONENT = 40;

// Any number that is an object member's value: quoted so JSON.parse keeps its exact text.
// Inside a JSON string a quote is always escaped, so `":<digit>` can only be a member
// value unless the frame holds an escaped quote; those rare frames take the careful path.
const MEMBER_NUMBER = /":\s*(-?\d[\d.eE+-]*)/g;
const TOKENS = /("(?:[^"\\]|\\.)*")|(-?\d[\d.eE+-]*)/g;

/** Where a frame read with every number quoted keeps its plain JSON.parse twin (see `nativeOf`). */
const NATIVE = Symbol('native frame');

/**
 * The frame as plain JSON.parse read it, for type checks: the careful reader quotes every
 * number, so there a JSON number where text belongs would pass for text. Frames read any
 * other way carry their own types (only decimals were swapped for their text).
 */
export function nativeOf(frame: object): Record<string, unknown> {
  // The frame just read is the usual question: an identity check, not a (megamorphic) symbol lookup.
  if (frame === lastRead) return lastNative;
  return ((frame as { [NATIVE]?: Record<string, unknown> })[NATIVE] ?? frame) as Record<string, unknown>;
}

/** The last frame readFrame returned, and its plain-parse twin (itself unless the careful reader made it). */
let lastRead: unknown;
let lastNative: Record<string, unknown> = {};

function remember<T>(exact: T, native: unknown): T {
  lastRead = exact;
  lastNative = native as Record<string, unknown>;
  return exact;
}

/** Member `k` of a frame entry as JSON text (a string on the wire, not a number read as text)? */
export function isText(native: unknown, k: string): boolean {
  return typeof (native as Record<string, unknown> | null)?.[k] === 'string';
}

/** Every number of the frame kept as its exact text (two passes: fine for rare frames). */
function readExact(text: string): unknown {
  const quoted = text.includes('\\"')
    ? text.replace(TOKENS, (_m, str: string | undefined, num: string | undefined) => str ?? `"${num ?? ''}"`)
    : text.replace(MEMBER_NUMBER, '":"$1"');
  return JSON.parse(quoted);
}

/**
 * Parses one WS frame so that every decimal is its exact wire text (see messages.ts).
 * Book and ohlc frames in Kraken's layout take a one-pass reader (hot-frames.ts); in any
 * other layout they take one native JSON.parse plus a scan for their few decimals;
 * everything else re-parses with every number quoted.
 */
export function readFrame(text: string): unknown {
  const hot = readBookFrame(text) ?? readOhlcFrame(text);
  if (hot) return remember(hot, hot);
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch {
    throw new MalformedFrame('not JSON');
  }
  if (typeof obj === 'object' && obj !== null) {
    const channel = (obj as { channel?: unknown }).channel;
    const data = (obj as { data?: unknown }).data;
    if (channel === 'ohlc' && Array.isArray(data) && exactOhlc(text, data)) return remember(obj, obj);
    if (channel === 'book' && Array.isArray(data) && exactBook(text, data)) return remember(obj, obj);
    if (channel === 'heartbeat') return remember(obj, obj);
  }
  let exact: unknown;
  try {
    exact = readExact(text);
  } catch {
    throw new MalformedFrame('not JSON');
  }
  if (typeof exact === 'object' && exact !== null) Object.defineProperty(exact, NATIVE, { value: obj });
  return remember(exact, obj);
}

/** End of the JSON number starting at `s`, or -1 when there is none. */
function numberEnd(text: string, s: number): number {
  let e = s;
  for (;;) {
    const c = text.charCodeAt(e);
    // digits . - + e E
    if ((c >= 48 && c <= 57) || c === 46 || c === 45 || c === 43 || c === 101 || c === 69) e++;
    else break;
  }
  return e > s ? e : -1;
}

/** Start of the number read by `valueAfter` (module state keeps the hot path allocation-free). */
let numberStart = 0;

/** If `text` has `key` at `pos` followed by a number: that number's end (start in numberStart); else -1. */
function valueAfter(text: string, pos: number, key: string): number {
  // A char loop: startsWith is a builtin call per key, measurably slower here.
  const n = key.length;
  if (pos + n > text.length) return -1;
  for (let k = 0; k < n; k++) if (text.charCodeAt(pos + k) !== key.charCodeAt(k)) return -1;
  numberStart = pos + n;
  return numberEnd(text, numberStart);
}

interface OhlcNumbers {
  open: unknown;
  high: unknown;
  low: unknown;
  close: unknown;
  volume: unknown;
  vwap: unknown;
  trades: unknown;
}

/**
 * Puts the exact text of each ohlc decimal in place of the float JSON.parse made. Reads
 * only the run of members it needs, in Kraken's order (open, high, low, close, trades,
 * volume, vwap); false (→ careful path) for any other layout. Unrolled on purpose: static
 * property names keep the stores monomorphic on this hot path.
 */
function exactOhlc(text: string, data: unknown[]): boolean {
  let from = 0;
  for (const d of data) {
    if (typeof d !== 'object' || d === null) return false;
    const e = d as OhlcNumbers;
    if (typeof e.open !== 'number' || typeof e.high !== 'number' || typeof e.low !== 'number') return false;
    if (typeof e.close !== 'number' || typeof e.volume !== 'number' || typeof e.vwap !== 'number') return false;
    const at = text.indexOf('"open":', from);
    if (at < 0) return false;
    let end = valueAfter(text, at, '"open":');
    if (end < 0) return false;
    e.open = text.slice(numberStart, end);
    if ((end = valueAfter(text, end, ',"high":')) < 0) return false;
    e.high = text.slice(numberStart, end);
    if ((end = valueAfter(text, end, ',"low":')) < 0) return false;
    e.low = text.slice(numberStart, end);
    if ((end = valueAfter(text, end, ',"close":')) < 0) return false;
    e.close = text.slice(numberStart, end);
    if ((end = valueAfter(text, end, ',"trades":')) < 0) return false;
    // As written, so a count in exponent form ("1e3") is not taken for an integer.
    e.trades = text.slice(numberStart, end);
    if ((end = valueAfter(text, end, ',"volume":')) < 0) return false;
    e.volume = text.slice(numberStart, end);
    if ((end = valueAfter(text, end, ',"vwap":')) < 0) return false;
    e.vwap = text.slice(numberStart, end);
    from = end;
  }
  return true;
}

/** Parses `[{"price":N,"qty":N},…]` at `pos` into `levels` (exact texts); the end index, or -1. */
function exactLevels(text: string, pos: number, levels: unknown): number {
  if (!Array.isArray(levels) || text.charCodeAt(pos) !== 91 /* [ */) return -1;
  let p = pos + 1;
  for (let i = 0; i < levels.length; i++) {
    if (i > 0) {
      if (text.charCodeAt(p) !== 44 /* , */) return -1;
      p++;
    }
    if (!text.startsWith('{"price":', p)) return -1;
    const ps = p + 9;
    const pe = numberEnd(text, ps);
    if (pe < 0 || !text.startsWith(',"qty":', pe)) return -1;
    const qs = pe + 7;
    const qe = numberEnd(text, qs);
    if (qe < 0 || text.charCodeAt(qe) !== 125 /* } */) return -1;
    const l = levels[i] as { price: unknown; qty: unknown };
    l.price = text.slice(ps, pe);
    l.qty = text.slice(qs, qe);
    p = qe + 1;
  }
  return text.charCodeAt(p) === 93 /* ] */ ? p + 1 : -1;
}

/** Same for book levels, for the usual one-symbol frame; false (→ careful path) otherwise. */
function exactBook(text: string, data: unknown[]): boolean {
  if (data.length !== 1) return false;
  const d = data[0] as Record<string, unknown> | null;
  if (typeof d !== 'object' || d === null) return false;
  for (const side of ['bids', 'asks'] as const) {
    if (d[side] === undefined) continue;
    const at = text.indexOf(`"${side}":`);
    if (at < 0 || text.indexOf(`"${side}":`, at + 1) >= 0) return false;
    if (exactLevels(text, at + side.length + 3, d[side]) < 0) return false;
  }
  return true;
}

/** Canonical Dec of a wire number text ("45281.0" → "45281", "1e-8" → "0.00000001"). */
export function decText(num: Num): Dec {
  if (typeof num !== 'string') throw new MalformedFrame(`a decimal is ${num === null ? 'null' : typeof num}`);
  if (!isPlain(num)) return expandExponent(num);
  let s = num;
  if (s.indexOf('.') >= 0) {
    let end = s.length;
    while (s.charCodeAt(end - 1) === 48) end--;
    if (s.charCodeAt(end - 1) === 46) end--;
    s = s.slice(0, end);
  }
  return s === '-0' ? '0' : s;
}

/** /^-?\d+(\.\d+)?$/ without a regex: the hot path checks every decimal it reads. */
function isPlain(s: string): boolean {
  const n = s.length;
  let i = s.charCodeAt(0) === 45 ? 1 : 0;
  const start = i;
  while (i < n && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
  if (i === start) return false;
  if (i === n) return true;
  if (s.charCodeAt(i) !== 46) return false;
  const frac = ++i;
  while (i < n && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
  return i === n && i > frac;
}

function expandExponent(num: string): Dec {
  const m = /^(-)?(\d+)(?:\.(\d+))?[eE]([+-]?\d+)$/.exec(num);
  if (!m) throw new MalformedFrame('a decimal is not a number');
  if (Math.abs(Number(m[4])) > MAX_EXPONENT) throw new MalformedFrame('a decimal has an absurd exponent');
  const frac = m[3] ?? '';
  const digits = (m[2] ?? '') + frac;
  const point = (m[2] ?? '').length + Number(m[4]);
  let out: string;
  if (point <= 0) out = '0.' + '0'.repeat(-point) + digits;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = digits.slice(0, point) + '.' + digits.slice(point);
  return decText((m[1] ?? '') + out.replace(/^0+(?=\d)/, ''));
}

/**
 * The digits of `num` written with exactly `precision` decimals, without the point and
 * leading zeros: the book checksum's token ("45281.0"/1 → "452810", "0.10000000"/8 → "10000000").
 */
export function checksumDigits(num: Num, precision: number): string {
  const dot = num.indexOf('.');
  // Usual case: the venue wrote exactly `precision` decimals.
  if (dot > 0 && num.length - dot - 1 === precision) {
    let first = -1;
    for (let i = 0; i < num.length; i++) {
      const c = num.charCodeAt(i);
      if (c === 46 && i === dot) continue;
      if (c < 48 || c > 57) return checksumDigitsSlow(num, precision);
      if (first < 0 && c !== 48) first = i;
    }
    if (first < 0) return '0';
    return first < dot ? num.slice(first, dot) + num.slice(dot + 1) : num.slice(first);
  }
  return checksumDigitsSlow(num, precision);
}

function checksumDigitsSlow(num: Num, precision: number): string {
  let s = num;
  if (!isPlain(s)) s = decText(s);
  if (s.charCodeAt(0) === 45) throw new MalformedFrame('negative book number');
  const dot = s.indexOf('.');
  let whole: string;
  let frac: string;
  if (dot < 0) {
    whole = s;
    frac = '';
  } else {
    whole = s.slice(0, dot);
    frac = s.slice(dot + 1);
  }
  if (frac.length > precision) {
    // Extra digits are tolerated only when they are zeros.
    for (let i = precision; i < frac.length; i++) {
      if (frac.charCodeAt(i) !== 48) throw new MalformedFrame(`book number has more than ${precision} decimals`);
    }
    frac = frac.slice(0, precision);
  } else if (frac.length < precision) {
    frac = frac + '0'.repeat(precision - frac.length);
  }
  const all = whole + frac;
  let i = 0;
  while (i < all.length - 1 && all.charCodeAt(i) === 48) i++;
  return all.slice(i);
}

const RFC3339_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?[+-]\d{2}:\d{2}$/;

/** `YYYY-MM-DDTHH:MM:SS` with digits where digits belong, followed by `.fraction`? then Z. */
function isZuluShape(s: string): boolean {
  const n = s.length;
  if (n < 20 || n > 30 || s.charCodeAt(n - 1) !== 90 /* Z */) return false;
  for (let i = 0; i < 19; i++) {
    const c = s.charCodeAt(i);
    const want = i === 4 || i === 7 ? 45 : i === 10 ? 84 : i === 13 || i === 16 ? 58 : -1;
    if (want >= 0 ? c !== want : c < 48 || c > 57) return false;
  }
  if (n === 20) return true;
  if (s.charCodeAt(19) !== 46 /* . */ || n === 21) return false;
  for (let i = 20; i < n - 1; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** RFC3339 (up to 9 fractional digits, Z or offset) → ms since epoch; MalformedFrame for anything else. */
export function rfc3339Ms(s: string): number {
  if (typeof s !== 'string') throw new MalformedFrame('a time is not a string');
  if (isZuluShape(s)) {
    const mo = num2(s, 5);
    const d = num2(s, 8);
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || num2(s, 11) > 23 || num2(s, 14) > 59 || num2(s, 17) > 60) throw new MalformedFrame('a time is out of range');
    const base = Date.UTC(
      num4(s, 0),
      num2(s, 5) - 1,
      num2(s, 8),
      num2(s, 11),
      num2(s, 14),
      num2(s, 17),
    );
    let ms = 0;
    if (s.charCodeAt(19) === 46 /* . */) {
      let scale = 100;
      for (let i = 20; i < s.length - 1 && scale >= 1; i++, scale /= 10) ms += (s.charCodeAt(i) - 48) * scale;
    }
    return base + ms;
  }
  // Offsets: cut the fraction to ms so Date.parse accepts it.
  const t = RFC3339_OFFSET.test(s) ? Date.parse(s.replace(/(\.\d{3})\d+/, '$1')) : NaN;
  if (!Number.isFinite(t)) throw new MalformedFrame('a time is not RFC3339');
  return t;
}

function num2(s: string, i: number): number {
  return (s.charCodeAt(i) - 48) * 10 + (s.charCodeAt(i + 1) - 48);
}

function num4(s: string, i: number): number {
  return num2(s, i) * 100 + num2(s, i + 2);
}

/** A candle with the trade count kept beside it, to tell a fresher copy of the same candle. */
export interface CountedCandle {
  candle: Candle;
  trades: number;
}

/** A non-negative whole number sent as a JSON number or its text (`Int`); MalformedFrame otherwise. */
export function wholeNumber(v: unknown, what: string): number {
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v) && v >= 0) return v;
  } else if (typeof v === 'string' && v.length > 0 && v.length < 16) {
    let ok = true;
    for (let i = 0; i < v.length && ok; i++) ok = v.charCodeAt(i) >= 48 && v.charCodeAt(i) <= 57;
    if (ok) return Number(v);
  }
  throw new MalformedFrame(`${what} is not a whole number`);
}

/** REST OHLC row [time, open, high, low, close, vwap, volume, count] → Candle (index 6 is volume). Decimals are strings there. */
export function ohlcRowToCandle(row: RestOhlcRow, key: CandleKey): CountedCandle {
  if (!Array.isArray(row) || row.length < 8) throw new MalformedFrame('OHLC row is not an 8-tuple');
  if (typeof row[0] !== 'number') throw new MalformedFrame('OHLC row time is not a number');
  decText(row[5] as Num);
  return {
    candle: {
      venue: key.venue,
      instrumentId: key.instrumentId,
      interval: key.interval,
      time: wholeNumber(row[0], 'OHLC row time'),
      open: decText(row[1] as Num),
      high: decText(row[2] as Num),
      low: decText(row[3] as Num),
      close: decText(row[4] as Num),
      volume: decText(row[6] as Num),
    },
    trades: wholeNumber(row[7], 'OHLC row count'),
  };
}

/**
 * WS ohlc entry → Candle keyed by interval_begin (UTC seconds of the open). `known` is a
 * begin text already parsed, reused when it is the same (the usual case for updates).
 */
export function wsOhlcToCandle(d: WsOhlcData, key: CandleKey, known?: { text: string; time: number }): CountedCandle {
  if (typeof d.interval_begin !== 'string') throw new MalformedFrame('ohlc without interval_begin');
  const time = known !== undefined && known.text === d.interval_begin ? known.time : Math.floor(rfc3339Ms(d.interval_begin) / 1000);
  // Documented members we do not keep still have to be what the contract says.
  if (d.vwap === undefined) throw new MalformedFrame('ohlc without vwap');
  // '0' is the one-pass reader's stand-in for a vwap it already found plain and non-negative.
  if (d.vwap !== '0' && decText(d.vwap).charCodeAt(0) === 45) throw new MalformedFrame('ohlc vwap is negative');
  if (d.timestamp !== undefined && typeof d.timestamp !== 'string') throw new MalformedFrame('ohlc timestamp is not a string');
  const canonical = d.canonical === true;
  return {
    candle: {
      venue: key.venue,
      instrumentId: key.instrumentId,
      interval: key.interval,
      time,
      open: canonical ? d.open : decText(d.open),
      high: canonical ? d.high : decText(d.high),
      low: canonical ? d.low : decText(d.low),
      close: canonical ? d.close : decText(d.close),
      volume: canonical ? d.volume : decText(d.volume),
    },
    trades: wholeNumber(d.trades, 'ohlc trades'),
  };
}

/** What one piece of venue evidence says about one order; fields absent = not said. */
/**
 * What one venue record (an executions entry, a REST order) says about one order, keyed by
 * the venue's id: raw facts, before reconcile.ts gives them their identity as evidence.
 */
export interface OrderFacts {
  venueOrderId: string;
  clientOrderId?: string;
  /** REST pair id, when the evidence names the pair. */
  instrumentId?: string;
  side?: Side;
  type?: OrderType;
  quantity?: Dec;
  price?: Dec;
  status?: OrderStatus;
  filledQuantity?: Dec;
  averagePrice?: Dec;
  fill?: Fill;
  reason?: { code: string; message: string };
  /** ms since epoch, when the venue stamped it. */
  time?: number;
  /** ms since epoch when the venue opened the order, when the record says. */
  openedAt?: number;
  triggerPrice?: Dec;
  trailingOffset?: TrailingOffset;
  timeInForce?: TimeInForce;
  expireAt?: number;
  postOnly?: boolean;
  /** The trigger fired (ms; the event's time when the trigger has none). */
  triggeredAt?: number;
}

const EXEC_STATUS: Readonly<Record<string, OrderStatus>> = {
  pending_new: 'pending',
  new: 'open',
  partially_filled: 'partially-filled',
  filled: 'filled',
  canceled: 'cancelled',
  expired: 'expired',
};

const EXEC_TYPE_STATUS: Readonly<Record<string, OrderStatus>> = {
  filled: 'filled',
  canceled: 'cancelled',
  expired: 'expired',
};

/** Kraken's order types are spelled as ours; iceberg and the rest rest like limits. */
function orderType(t: string | undefined): OrderType | undefined {
  if (t === undefined) return undefined;
  return (ORDER_TYPES as readonly string[]).includes(t) ? (t as OrderType) : 'limit';
}

const TIFS: Readonly<Record<string, TimeInForce>> = { gtc: 'gtc', gtd: 'gtd', ioc: 'ioc', fok: 'fok' };

/** A relative trigger (trailing stops, doc §9): pct → percent, quote → price units; the sign says nothing we keep. */
function trailingOf(price: Dec, priceType: string | undefined): TrailingOffset | undefined {
  const value = price.startsWith('-') || price.startsWith('+') ? price.slice(1) : price;
  if (priceType === 'pct') return { value, unit: 'percent' };
  if (priceType === 'quote') return { value, unit: 'price' };
  return undefined;
}

/** The executions `triggers` object (doc §9) → trigger facts. */
function triggerFacts(t: WsTriggers, ev: OrderFacts, eventTime: number | undefined): void {
  const price = t.price !== undefined ? decText(t.price) : undefined;
  const trailing = price !== undefined ? trailingOf(price, t.price_type) : undefined;
  if (trailing) ev.trailingOffset = trailing;
  else if (price !== undefined) ev.triggerPrice = price;
  // A trailing stop's working trigger is where the venue has moved it.
  if (trailing && t.actual_price !== undefined) ev.triggerPrice = decText(t.actual_price);
  if (t.status === 'triggered') ev.triggeredAt = t.timestamp !== undefined ? rfc3339Ms(t.timestamp) : (eventTime ?? 0);
}

function checkTriggers(t: unknown, native: unknown): void {
  if (typeof t !== 'object' || t === null || Array.isArray(t)) throw new MalformedFrame('execution triggers is not an object');
  const x = t as Record<string, unknown>;
  for (const k of ['reference', 'price_type', 'status', 'timestamp'] as const) if (x[k] !== undefined && !isText(native, k)) throw new MalformedFrame(`execution triggers.${k} is not a string`);
  if (x.status !== undefined && x.status !== 'triggered' && x.status !== 'untriggered') throw new MalformedFrame('execution triggers.status is not a documented value');
  for (const k of ['price', 'actual_price', 'peak_price', 'last_price'] as const) if (x[k] !== undefined) decText(x[k] as Num);
  if (x.timestamp !== undefined) rfc3339Ms(x.timestamp as string);
}

function side(s: unknown): Side | undefined {
  return s === 'buy' || s === 'sell' ? s : undefined;
}

const EXEC_TYPES: ReadonlySet<string> = new Set(['pending_new', 'new', 'trade', 'filled', 'iceberg_refill', 'canceled', 'expired', 'amended', 'restated', 'status']);
const EXEC_STRINGS = ['cl_ord_id', 'symbol', 'order_type', 'exec_id', 'liquidity_ind', 'cancel_reason', 'reason', 'time_in_force', 'fee_ccy_pref'] as const;
const EXEC_DECIMALS = ['order_qty', 'limit_price', 'cum_qty', 'cum_cost', 'avg_price', 'last_qty', 'last_price', 'cost', 'fee_usd_equiv'] as const;

/** One executions entry against doc §4.5/§12: types of every member we know, enum values, decimal text. */
export function checkExecution(e: unknown, native: unknown = e): WsExecution {
  if (typeof e !== 'object' || e === null || Array.isArray(e)) throw new MalformedFrame('execution is not an object');
  const x = e as Record<string, unknown>;
  if (!isText(native, 'order_id') || x.order_id === '') throw new MalformedFrame('execution without order_id');
  if (x.exec_type !== undefined && (typeof x.exec_type !== 'string' || !EXEC_TYPES.has(x.exec_type))) throw new MalformedFrame('execution exec_type is not a documented value');
  if (x.order_status !== undefined && (typeof x.order_status !== 'string' || EXEC_STATUS[x.order_status] === undefined)) throw new MalformedFrame('execution order_status is not a documented value');
  if (x.side !== undefined && x.side !== 'buy' && x.side !== 'sell') throw new MalformedFrame('execution side is neither buy nor sell');
  for (const k of EXEC_STRINGS) if (x[k] !== undefined && !isText(native, k)) throw new MalformedFrame(`execution ${k} is not a string`);
  if (x.timestamp !== undefined && !isText(native, 'timestamp')) throw new MalformedFrame('execution timestamp is not a string');
  for (const k of EXEC_DECIMALS) if (x[k] !== undefined && decText(x[k] as Num).charCodeAt(0) === 45) throw new MalformedFrame(`execution ${k} is negative`);
  if (x.timestamp !== undefined) rfc3339Ms(x.timestamp as string);
  if (x.trade_id !== undefined) wholeNumber(x.trade_id, 'execution trade_id');
  if (x.triggers !== undefined) checkTriggers(x.triggers, (native as Record<string, unknown> | null)?.triggers);
  if (x.expire_time !== undefined) {
    if (!isText(native, 'expire_time')) throw new MalformedFrame('execution expire_time is not a string');
    rfc3339Ms(x.expire_time as string);
  }
  for (const k of ['post_only', 'amended'] as const) if (x[k] !== undefined && typeof x[k] !== 'boolean') throw new MalformedFrame(`execution ${k} is not a boolean`);
  if (x.fees !== undefined) {
    if (!Array.isArray(x.fees)) throw new MalformedFrame('execution fees are not an array');
    for (const f of x.fees as unknown[]) {
      if (typeof f !== 'object' || f === null || typeof (f as WsFee).asset !== 'string') throw new MalformedFrame('execution fee is not {asset, qty}');
      decText((f as WsFee).qty);
    }
  }
  return e as WsExecution;
}

/** One balances entry (snapshot or ledger update, doc §12): asset text, decimals where decimals belong. */
export function checkBalance(b: unknown, native: unknown = b): WsBalanceEntry {
  if (typeof b !== 'object' || b === null || Array.isArray(b)) throw new MalformedFrame('balance entry is not an object');
  const x = b as Record<string, unknown>;
  if (!isText(native, 'asset') || x.asset === '') throw new MalformedFrame('balance entry without asset');
  if (x.timestamp !== undefined && !isText(native, 'timestamp')) throw new MalformedFrame('balance timestamp is not a string');
  for (const k of ['balance', 'amount', 'fee'] as const) if (x[k] !== undefined) decText(x[k] as Num);
  if (x.timestamp !== undefined) rfc3339Ms(x.timestamp as string);
  if (x.wallets !== undefined && !Array.isArray(x.wallets)) throw new MalformedFrame('balance wallets are not an array');
  return b as WsBalanceEntry;
}

/** One executions entry → evidence. `pairOf` maps a v2 symbol to the REST pair id. */
export function executionToEvidence(e: WsExecution, pairOf: (v2symbol: string) => string | undefined): OrderFacts {
  checkExecution(e);
  const ev: OrderFacts = { venueOrderId: e.order_id };
  if (e.cl_ord_id) ev.clientOrderId = e.cl_ord_id;
  if (e.symbol !== undefined) {
    const id = pairOf(e.symbol);
    if (id !== undefined) ev.instrumentId = id;
  }
  const sd = side(e.side);
  if (sd) ev.side = sd;
  const ot = orderType(e.order_type);
  if (ot) ev.type = ot;
  if (e.order_qty !== undefined) ev.quantity = decText(e.order_qty);
  if (e.limit_price !== undefined) ev.price = decText(e.limit_price);
  const st = (e.exec_type && EXEC_TYPE_STATUS[e.exec_type]) ?? (e.order_status ? EXEC_STATUS[e.order_status] : undefined);
  if (st) ev.status = st;
  if (e.cum_qty !== undefined) ev.filledQuantity = decText(e.cum_qty);
  if (e.avg_price !== undefined) {
    const avg = decText(e.avg_price);
    if (avg !== '0') ev.averagePrice = avg;
  }
  if (e.timestamp) ev.time = rfc3339Ms(e.timestamp);
  if (e.exec_type === 'pending_new' && ev.time !== undefined) ev.openedAt = ev.time;
  if (e.triggers !== undefined) triggerFacts(e.triggers, ev, ev.time);
  if (e.time_in_force !== undefined) {
    const tif = TIFS[e.time_in_force.toLowerCase()];
    if (tif) ev.timeInForce = tif;
  }
  if (e.expire_time !== undefined) ev.expireAt = rfc3339Ms(e.expire_time);
  if (e.post_only !== undefined) ev.postOnly = e.post_only;
  if (e.exec_type === 'trade' && e.last_qty !== undefined && e.last_price !== undefined) {
    // exec_id is this fill's own trade txid (what REST QueryOrders/TradesHistory list);
    // trade_id is the public print, shared with the other side.
    const tradeId = e.exec_id ?? (e.trade_id !== undefined ? String(e.trade_id) : undefined);
    if (!tradeId) throw new MalformedFrame('trade execution without trade_id/exec_id');
    ev.fill = { tradeId, price: decText(e.last_price), quantity: decText(e.last_qty), time: ev.time ?? 0 };
    const fee = feeOf(e.fees);
    if (fee) {
      ev.fill.fee = fee.qty;
      ev.fill.feeCurrency = fee.currency;
    }
  }
  const why = e.cancel_reason ?? e.reason;
  if (why && (st === 'cancelled' || st === 'expired')) ev.reason = { code: e.exec_type ?? 'canceled', message: why };
  return ev;
}

/** A REST order (OpenOrders/ClosedOrders/QueryOrders) → evidence. `pairOf` maps an altname. */
export function restOrderToEvidence(txid: string, o: RestOrder, pairOf: (altname: string) => string | undefined): OrderFacts {
  if (typeof o !== 'object' || o === null || typeof o.descr !== 'object' || o.descr === null) throw new MalformedFrame('REST order has no descr');
  if (typeof o.descr.pair !== 'string' || typeof o.descr.type !== 'string' || typeof o.descr.ordertype !== 'string') throw new MalformedFrame('REST order descr is not {pair, type, ordertype}');
  if (o.cl_ord_id !== undefined && o.cl_ord_id !== null && typeof o.cl_ord_id !== 'string') throw new MalformedFrame('REST order cl_ord_id is not a string');
  // Trailing stops show a relative trigger ("+1.50%", "+50.0") and limit offset: restTerms reads those.
  const relative = o.descr.ordertype.startsWith('trailing-stop');
  if (o.descr.price !== undefined && !relative) decText(o.descr.price);
  if (o.price !== undefined) decText(o.price);
  for (const t of ['opentm', 'closetm'] as const) if (o[t] !== undefined && (typeof o[t] !== 'number' || !Number.isFinite(o[t]))) throw new MalformedFrame(`REST order ${t} is not a number`);
  if (o.reason !== undefined && o.reason !== null && typeof o.reason !== 'string') throw new MalformedFrame('REST order reason is not a string');
  if (o.trades !== undefined && !(Array.isArray(o.trades) && o.trades.every((t) => typeof t === 'string'))) throw new MalformedFrame('REST order trades are not ids');
  const ev: OrderFacts = { venueOrderId: txid };
  if (o.cl_ord_id) ev.clientOrderId = o.cl_ord_id;
  const id = pairOf(o.descr.pair);
  if (id !== undefined) ev.instrumentId = id;
  const sd = side(o.descr.type);
  if (sd) ev.side = sd;
  const ot = orderType(o.descr.ordertype);
  if (ot) ev.type = ot;
  ev.quantity = decText(o.vol);
  restTerms(o, ot, ev);
  const filled = decText(o.vol_exec);
  ev.filledQuantity = filled;
  if (o.price !== undefined && o.price !== '0' && filled !== '0') ev.averagePrice = decText(o.price);
  switch (o.status) {
    case 'pending':
      ev.status = 'pending';
      break;
    case 'open':
      ev.status = filled === '0' ? 'open' : 'partially-filled';
      break;
    case 'closed':
      ev.status = 'filled';
      break;
    case 'canceled':
      ev.status = 'cancelled';
      break;
    case 'expired':
      ev.status = 'expired';
      break;
    default:
      throw new MalformedFrame('REST order status is not a documented value');
  }
  if (typeof o.opentm === 'number') ev.openedAt = Math.round(o.opentm * 1000);
  // Only a closed order's record is stamped with when it reached this state; an open one's
  // state is as of the answer, which the caller stamps.
  if (typeof o.closetm === 'number') ev.time = Math.round(o.closetm * 1000);
  if (o.reason && (ev.status === 'cancelled' || ev.status === 'expired')) ev.reason = { code: o.status, message: o.reason };
  return ev;
}

const nonZero = (v: string | undefined): boolean => v !== undefined && v !== '' && v !== '0' && !/^0\.0*$/.test(v);

/**
 * A REST order's price terms (doc §9): for trigger types descr.price is the trigger (relative
 * "+5%"/"+150" for trailing stops) and descr.price2 the limit; stopprice/limitprice say where
 * they stand now; misc "touched" = triggered.
 */
function restTerms(o: RestOrder, ot: OrderType | undefined, ev: OrderFacts): void {
  const d = o.descr;
  if (ot === 'limit') {
    if (nonZero(d.price)) ev.price = decText(d.price!);
  } else if (ot !== undefined && ot !== 'market') {
    const trailing = ot === 'trailing-stop' || ot === 'trailing-stop-limit';
    if (trailing && d.price !== undefined) {
      const m = /^[+-]?(\d+(?:\.\d+)?)(%?)$/.exec(d.price);
      if (!m) throw new MalformedFrame('REST trailing stop price is not an offset');
      ev.trailingOffset = { value: decText(m[1]!), unit: m[2] === '%' ? 'percent' : 'price' };
      if (nonZero(o.stopprice)) ev.triggerPrice = decText(o.stopprice!);
    } else if (nonZero(d.price)) ev.triggerPrice = decText(d.price!);
    else if (nonZero(o.stopprice)) ev.triggerPrice = decText(o.stopprice!);
    if (ot.endsWith('-limit')) {
      if (!trailing && nonZero(d.price2)) ev.price = decText(d.price2!);
      else if (nonZero(o.limitprice)) ev.price = decText(o.limitprice!);
    }
  }
  if (typeof o.misc === 'string' && o.misc.split(',').includes('touched')) ev.triggeredAt = typeof o.closetm === 'number' ? Math.round(o.closetm * 1000) : typeof o.opentm === 'number' ? Math.round(o.opentm * 1000) : 0;
  if (typeof o.oflags === 'string' && o.oflags.split(',').includes('post')) ev.postOnly = true;
  if (typeof o.timeinforce === 'string') {
    const tif = TIFS[o.timeinforce.toLowerCase()];
    if (tif) ev.timeInForce = tif;
  }
  if (typeof o.expiretm === 'number' && o.expiretm > 0) ev.expireAt = Math.round(o.expiretm * 1000);
}

/**
 * The fee of one trade execution (doc §12: `fees` is `[{asset, qty}]` for this fill). Entries
 * in one asset are summed; should a fill ever be charged in two assets, the first asset's
 * entries are the fill's fee and the rest are named in `others` for the caller to report.
 */
export function feeOf(fees: readonly { asset: string; qty: Num }[] | undefined): { qty: Dec; currency: string; others: string[] } | undefined {
  if (!fees || fees.length === 0) return undefined;
  const asset = fees[0]!.asset;
  let qty: Dec = '0';
  const others: string[] = [];
  for (const f of fees) {
    if (f.asset === asset) qty = add(qty, decText(f.qty));
    else others.push(f.asset);
  }
  return { qty, currency: asset.toLowerCase(), others };
}

/** One REST trade (TradesHistory, QueryTrades), its fields checked: its order's txid and the fill with its fee in quote. */
export function restTradeToFill(tradeTxid: string, t: RestTrade, quoteCurrency: string): { venueOrderId: string; fill: Fill } {
  if (typeof t !== 'object' || t === null || typeof t.ordertxid !== 'string' || t.ordertxid === '') throw new MalformedFrame('REST trade has no ordertxid');
  if (typeof t.time !== 'number' || !Number.isFinite(t.time) || t.time < 0) throw new MalformedFrame('REST trade time is not a number');
  if (typeof t.price !== 'string' || typeof t.vol !== 'string') throw new MalformedFrame('REST trade price or vol is not decimal text');
  const time = Math.round(t.time * 1000);
  const fill: Fill = { tradeId: tradeTxid, price: decText(t.price), quantity: decText(t.vol), time };
  // TradesHistory `fee` is in the quote currency (doc §11).
  if (t.fee !== undefined) {
    if (typeof t.fee !== 'string') throw new MalformedFrame('REST trade fee is not decimal text');
    fill.fee = decText(t.fee);
    fill.feeCurrency = quoteCurrency;
  }
  return { venueOrderId: t.ordertxid, fill };
}

/** One REST trade as a ledger record; `instrumentId` is the REST pair id the adapter uses, quantity in base units. */
export function restTradeToRecord(tradeTxid: string, t: RestTrade, instrumentId: string, quoteCurrency: string): Omit<TradeRecord, 'accountId' | 'clientOrderId'> {
  const { venueOrderId, fill } = restTradeToFill(tradeTxid, t, quoteCurrency);
  const sd = side(t.type);
  if (!sd) throw new MalformedFrame('REST trade type is neither buy nor sell');
  return {
    venue: 'kraken',
    tradeId: tradeTxid,
    instrumentId,
    side: sd,
    quantity: fill.quantity,
    price: fill.price,
    currency: quoteCurrency,
    fee: fill.fee ?? '0',
    feeCurrency: quoteCurrency,
    time: fill.time,
    venueOrderId,
  };
}
