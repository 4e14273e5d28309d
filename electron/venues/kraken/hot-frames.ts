/**
 * One-pass readers for the hot frames (book, ohlc) in the exact layout Kraken writes them
 * (doc §4.4): decimals kept as their wire text, no JSON.parse, no objects but the result.
 * Anything they do not recognise (other key order, spaces, escapes, numbers as strings)
 * returns undefined and the frame goes to the general reader in parse.ts.
 *
 * {"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[{"price":45283.5,"qty":0.10000000}],
 *  "asks":[],"checksum":3310070434,"timestamp":"2023-10-06T17:35:55.440295Z"}]}
 * {"channel":"ohlc","type":"update","timestamp":"2023-10-04T16:26:30.524394914Z","data":[{"symbol":"BTC/USD",
 *  "open":27594.5,"high":27594.6,"low":27594.5,"close":27594.6,"trades":3,"volume":0.004,"vwap":27594.55,
 *  "interval_begin":"2023-10-04T16:25:00.000000000Z","interval":5,"timestamp":"2023-10-04T16:30:00.000000Z"}]}
 */
import type { WsBookData, WsBookFrame, WsBookLevel, WsOhlcData, WsOhlcFrame } from './messages.js';

const HEAD = '{"channel":"book","type":"';

/** Reads one frame; undefined when the text is not in the expected layout. */
export function readBookFrame(text: string): WsBookFrame | undefined {
  if (!text.startsWith(HEAD)) return undefined;
  const r = new Cursor(text, HEAD.length);
  const type = r.string();
  if (type !== 'update' && type !== 'snapshot') return undefined;
  // string() stops before the closing quote, which this literal consumes.
  if (!r.lit('","data":[')) return undefined;
  const data: WsBookData[] = [];
  for (;;) {
    const entry = readEntry(r);
    if (entry === undefined) return undefined;
    data.push(entry);
    const c = r.next();
    if (c === 44 /* , */) continue;
    if (c === 93 /* ] */) break;
    return undefined;
  }
  if (!r.lit('}') || !r.atEnd()) return undefined;
  return { channel: 'book', type, data };
}

function readEntry(r: Cursor): WsBookData | undefined {
  if (!r.lit('{"symbol":"')) return undefined;
  const symbol = r.string();
  if (symbol === undefined || !r.lit('"')) return undefined;
  // The layout itself is the type check (levels of number texts, a CRC32 of digits): an entry
  // that reaches the end is well formed; one that does not is dropped with the whole frame.
  const d: WsBookData = { symbol, checksum: -1, wellFormed: true };
  let sawChecksum = false;
  for (;;) {
    const c = r.next();
    if (c === 125 /* } */) return sawChecksum ? d : undefined;
    if (c !== 44 /* , */) return undefined;
    if (r.lit('"bids":[')) {
      const levels = readLevels(r);
      if (levels === undefined) return undefined;
      d.bids = levels;
    } else if (r.lit('"asks":[')) {
      const levels = readLevels(r);
      if (levels === undefined) return undefined;
      d.asks = levels;
    } else if (r.lit('"checksum":')) {
      const n = r.number();
      if (n === undefined || n.length > 10 || !isDigits(n)) return undefined;
      d.checksum = Number(n);
      if (d.checksum > 0xffffffff) return undefined;
      sawChecksum = true;
    } else if (r.lit('"timestamp":"')) {
      // Not used by the book: checked and skipped, not copied.
      if (r.string(false) === undefined || !r.lit('"')) return undefined;
    } else return undefined;
  }
}

/** After '[': `{"price":N,"qty":N}` repeated, then ']'. */
function readLevels(r: Cursor): WsBookLevel[] | undefined {
  const out: WsBookLevel[] = [];
  if (r.peek() === 93 /* ] */) {
    r.skip(1);
    return out;
  }
  for (;;) {
    if (!r.lit('{"price":')) return undefined;
    const price = r.number();
    if (price === undefined || !r.lit(',"qty":')) return undefined;
    const qty = r.number();
    if (qty === undefined || !r.lit('}')) return undefined;
    out.push({ price, qty });
    const c = r.next();
    if (c === 93 /* ] */) return out;
    if (c !== 44 /* , */) return undefined;
  }
}

const OHLC_HEAD = '{"channel":"ohlc","type":"';

/** Reads an ohlc frame in the documented layout; undefined otherwise. */
export function readOhlcFrame(text: string): WsOhlcFrame | undefined {
  if (!text.startsWith(OHLC_HEAD)) return undefined;
  const r = new Cursor(text, OHLC_HEAD.length);
  const type = r.string();
  if (type !== 'update' && type !== 'snapshot') return undefined;
  // The frame's own timestamp is not used: skipped, not copied.
  if (r.lit('","timestamp":"') && r.string(false) === undefined) return undefined;
  if (!r.lit('","data":[')) return undefined;
  const data: WsOhlcData[] = [];
  if (!r.lit(']')) {
    for (;;) {
      const d = readCandle(r);
      if (d === undefined) return undefined;
      data.push(d);
      const c = r.next();
      if (c === 93 /* ] */) break;
      if (c !== 44 /* , */) return undefined;
    }
  }
  if (!r.lit('}') || !r.atEnd()) return undefined;
  return { channel: 'ohlc', type, data };
}

function readCandle(r: Cursor): WsOhlcData | undefined {
  if (!r.lit('{"symbol":"')) return undefined;
  const symbol = r.string();
  if (symbol === undefined || !r.lit('","open":')) return undefined;
  // Decimals come out canonical when they are plain and non-negative (the usual case), so the
  // candle is built from them as they are; `canonical` says whether all five were.
  r.canonical = true;
  const open = r.decimal();
  if (open === undefined || !r.lit(',"high":')) return undefined;
  const high = r.decimal();
  if (high === undefined || !r.lit(',"low":')) return undefined;
  const low = r.decimal();
  if (low === undefined || !r.lit(',"close":')) return undefined;
  const close = r.decimal();
  if (close === undefined || !r.lit(',"trades":')) return undefined;
  // A count of digits is read as its value here; anything else goes to the general reader.
  const trades = r.count();
  if (trades < 0 || !r.lit(',"volume":')) return undefined;
  const volume = r.decimal();
  // vwap is kept for validation; the candle's end timestamp is not used: checked and skipped, not copied.
  if (volume === undefined || !r.lit(',"vwap":')) return undefined;
  const vwapAt = r.pos;
  if (r.number(false) === undefined) return undefined;
  // vwap is only validated, never used: a plain non-negative number needs no copy ('0' stands in);
  // anything else (sign, exponent) is copied for parse.ts to judge.
  const vwap = r.plainNonNegative(vwapAt) ? '0' : r.from(vwapAt);
  if (!r.lit(',"interval_begin":"')) return undefined;
  const begin = r.string();
  if (begin === undefined || !r.lit('","interval":')) return undefined;
  const interval = r.number();
  if (interval === undefined) return undefined;
  if (r.lit(',"timestamp":"') && (r.string(false) === undefined || !r.lit('"'))) return undefined;
  if (!r.lit('}')) return undefined;
  const d: WsOhlcData = { symbol, open, high, low, close, trades, volume, vwap, interval_begin: begin, interval };
  if (r.canonical) d.canonical = true;
  return d;
}

class Cursor {
  private readonly s: string;
  private i: number;
  /** Whether every decimal() since it was set to true came out canonical. */
  canonical = true;
  /** Set by number(): where its '.' was (-1: none), and whether it had a sign or an exponent. */
  private dot = -1;
  private signed = false;

  constructor(s: string, i: number) {
    this.s = s;
    this.i = i;
  }

  atEnd(): boolean {
    return this.i === this.s.length;
  }

  get pos(): number {
    return this.i;
  }

  /** The text from `at` to here. */
  from(at: number): string {
    return this.s.slice(at, this.i);
  }

  /** The number read from `at` to here has no sign and no exponent. */
  plainNonNegative(at: number): boolean {
    const s = this.s;
    if (s.charCodeAt(at) === 45) return false;
    for (let k = at; k < this.i; k++) {
      const c = s.charCodeAt(k);
      if (c === 101 || c === 69) return false;
    }
    return true;
  }

  peek(): number {
    return this.s.charCodeAt(this.i);
  }

  next(): number {
    return this.s.charCodeAt(this.i++);
  }

  skip(n: number): void {
    this.i += n;
  }

  /** Consumes `lit` if the text continues with it. */
  lit(lit: string): boolean {
    const s = this.s;
    const at = this.i;
    if (at + lit.length > s.length) return false;
    for (let k = 0; k < lit.length; k++) if (s.charCodeAt(at + k) !== lit.charCodeAt(k)) return false;
    this.i = at + lit.length;
    return true;
  }

  /** A string body up to (not including) its closing quote; undefined on escapes. `keep: false` skips it ('' when fine). */
  string(keep = true): string | undefined {
    const s = this.s;
    const start = this.i;
    const end = s.indexOf('"', start);
    if (end < 0) return undefined;
    // Escapes go to the general reader; raw control characters are not JSON at all.
    for (let k = start; k < end; k++) {
      const c = s.charCodeAt(k);
      if (c === 92 /* \ */ || c < 32) return undefined;
    }
    this.i = end;
    return keep ? s.slice(start, end) : '';
  }

  /** A JSON number's text: -?digits(.digits)?([eE][+-]?digits)?. `keep: false` skips it ('' when fine). */
  number(keep = true): string | undefined {
    const s = this.s;
    const start = this.i;
    let i = start;
    this.dot = -1;
    this.signed = s.charCodeAt(i) === 45;
    if (this.signed) i++;
    const d0 = i;
    while (isDigit(s.charCodeAt(i))) i++;
    // JSON allows no leading zero ("064250.0" is not a number): the general reader refuses it.
    if (i === d0 || (s.charCodeAt(d0) === 48 && i > d0 + 1)) return undefined;
    if (s.charCodeAt(i) === 46) {
      this.dot = i;
      const f0 = ++i;
      while (isDigit(s.charCodeAt(i))) i++;
      if (i === f0) return undefined;
    }
    const e = s.charCodeAt(i);
    if (e === 101 || e === 69) {
      i++;
      const sign = s.charCodeAt(i);
      if (sign === 43 || sign === 45) i++;
      const x0 = i;
      while (isDigit(s.charCodeAt(i))) i++;
      if (i === x0) return undefined;
      this.signed = true; // not canonical: decText expands it
    }
    this.i = i;
    return keep ? s.slice(start, i) : '';
  }

  /** A whole number of up to 15 digits as its value (no sign, fraction or exponent), else -1. */
  count(): number {
    const s = this.s;
    let i = this.i;
    let v = 0;
    for (let c = s.charCodeAt(i); c >= 48 && c <= 57; c = s.charCodeAt(++i)) v = v * 10 + (c - 48);
    const n = i - this.i;
    if (n === 0 || n > 15 || (n > 1 && s.charCodeAt(this.i) === 48)) return -1;
    const c = s.charCodeAt(i);
    if (c === 46 || c === 101 || c === 69) return -1;
    this.i = i;
    return v;
  }

  /**
   * A number as decText would write it ("64250.0" → "64250", "0.12300000" → "0.123") when it
   * is plain and non-negative; otherwise its text as written, and `canonical` turns false.
   */
  decimal(): string | undefined {
    const start = this.i;
    if (this.number(false) === undefined) return undefined;
    let end = this.i;
    if (this.signed) {
      this.canonical = false;
      return this.s.slice(start, end);
    }
    if (this.dot >= 0) {
      const s = this.s;
      while (s.charCodeAt(end - 1) === 48) end--;
      if (end - 1 === this.dot) end--;
    }
    return this.s.slice(start, end);
  }
}

function isDigits(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (!isDigit(s.charCodeAt(i))) return false;
  return s.length > 0;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
