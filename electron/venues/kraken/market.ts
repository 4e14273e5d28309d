/**
 * Tapes and quotes on the WS v2 public socket (doc §10): `trade` → prints, `ticker` (event
 * trigger bbo, so bid/ask move with the book) plus the `instrument` channel's pair status →
 * quotes. One subscription per channel and symbol whoever holds it; the instrument channel
 * is one subscription for every pair, held while any quote is.
 */
import type { Dec, MarketKey, Quote, Side, TradePrint, TradingState, VenueErrorInfo } from '../../../common/domain.js';
import { sub } from '../../../common/decimal.js';
import type { ConnectionReporter, VenueSink } from '../venue.js';
import type { Num } from './messages.js';
import { MalformedFrame, decText, isText, nativeOf, rfc3339Ms, wholeNumber } from './parse.js';
import type { PairMeta } from './symbols.js';
import type { ChannelFrame, KrakenSocket } from './ws.js';

/** Pair statuses of the instrument channel (doc §10): what each lets through. */
const PAIR_STATUS: Readonly<Record<string, Omit<TradingState, 'venueStatus'>>> = {
  online: { tradable: true, limitOrders: true, marketOrders: true },
  post_only: { tradable: false, limitOrders: true, marketOrders: false },
  limit_only: { tradable: false, limitOrders: true, marketOrders: false },
  cancel_only: { tradable: false, limitOrders: false, marketOrders: false },
  maintenance: { tradable: false, limitOrders: false, marketOrders: false },
  delisted: { tradable: false, limitOrders: false, marketOrders: false },
  work_in_progress: { tradable: false, limitOrders: false, marketOrders: false },
  reduce_only: { tradable: false, limitOrders: false, marketOrders: false },
};

/** A status we do not know: shown as the venue's word, and not taken for tradable. */
function tradingState(status: string): TradingState {
  return { ...(PAIR_STATUS[status] ?? { tradable: false, limitOrders: false, marketOrders: false }), venueStatus: status };
}

interface TapeFeed {
  meta: PairMeta;
  key: MarketKey;
  subKey: string;
}

interface QuoteFeed {
  meta: PairMeta;
  key: MarketKey;
  subKey: string;
  /** The last ticker, as a quote; undefined until the first one. */
  quote: Quote | undefined;
}

export interface MarketStreamsOptions {
  socket: KrakenSocket;
  sink: VenueSink;
  reporter: ConnectionReporter;
  now?: () => number;
}

const TICKER_DECIMALS = ['bid', 'bid_qty', 'ask', 'ask_qty', 'last', 'change', 'change_pct'] as const;

export class MarketStreams {
  private readonly o: MarketStreamsOptions;
  /** v2 symbol → tape. */
  private readonly tapes = new Map<string, TapeFeed>();
  /** v2 symbol → quote. */
  private readonly quotes = new Map<string, QuoteFeed>();
  /** v2 symbol → pair status, from the instrument channel. */
  private readonly status = new Map<string, TradingState>();
  private instrumentSub: string | undefined;

  constructor(opts: MarketStreamsOptions) {
    this.o = opts;
  }

  get hasSubscriptions(): boolean {
    return this.tapes.size > 0 || this.quotes.size > 0;
  }

  /** Idempotent: a symbol's tape is one subscription. */
  subscribeTrades(key: MarketKey, meta: PairMeta): void {
    if (this.tapes.has(meta.symbol)) return;
    // The snapshot's prints fill the tape at once; the core drops the ids it has seen.
    const subKey = this.o.socket.subscribe({ channel: 'trade', symbol: meta.symbol, params: { snapshot: true } });
    this.tapes.set(meta.symbol, { meta, key: { ...key }, subKey });
  }

  unsubscribeTrades(meta: PairMeta): void {
    const f = this.tapes.get(meta.symbol);
    if (!f) return;
    this.tapes.delete(meta.symbol);
    this.o.socket.unsubscribe(f.subKey);
  }

  subscribeQuote(key: MarketKey, meta: PairMeta): void {
    if (this.quotes.has(meta.symbol)) return;
    const subKey = this.o.socket.subscribe({ channel: 'ticker', symbol: meta.symbol, params: { snapshot: true, event_trigger: 'bbo' } });
    this.quotes.set(meta.symbol, { meta, key: { ...key }, subKey, quote: undefined });
    this.instrumentSub ??= this.o.socket.subscribe({ channel: 'instrument', params: { snapshot: true } });
  }

  unsubscribeQuote(meta: PairMeta): void {
    const f = this.quotes.get(meta.symbol);
    if (!f) return;
    this.quotes.delete(meta.symbol);
    this.o.socket.unsubscribe(f.subKey);
    if (this.quotes.size === 0 && this.instrumentSub !== undefined) {
      this.o.socket.unsubscribe(this.instrumentSub);
      this.instrumentSub = undefined;
      this.status.clear();
    }
  }

  /** A refused or unanswered subscription: the holder of the key hears the venue's error. */
  onSubscribeError(subKey: string, err: VenueErrorInfo): void {
    for (const f of this.tapes.values()) if (f.subKey === subKey) this.o.sink.marketFailed(f.key, err);
    for (const f of this.quotes.values()) if (f.subKey === subKey) this.o.sink.marketFailed(f.key, err);
    if (subKey === this.instrumentSub) for (const f of this.quotes.values()) this.o.sink.marketFailed(f.key, err);
  }

  /** true when the frame was one of ours; false for a channel we hold nothing of (the caller counts it). */
  onFrame(f: ChannelFrame): boolean {
    if (f.channel === 'trade' && this.tapes.size > 0) this.onTrade(f);
    else if (f.channel === 'ticker' && this.quotes.size > 0) this.onTicker(f);
    else if (f.channel === 'instrument' && this.instrumentSub !== undefined) this.onInstrument(f);
    else return false;
    return true;
  }

  /** Every print of the frame is checked before any is handed on. */
  private onTrade(f: ChannelFrame): void {
    if (!Array.isArray(f.data)) throw new MalformedFrame('trade data is not an array');
    const native = nativeOf(f).data as unknown[] | undefined;
    const bySymbol = new Map<string, TradePrint[]>();
    for (let i = 0; i < f.data.length; i++) {
      const x = f.data[i] as Record<string, unknown> | null;
      const nat = native?.[i];
      if (typeof x !== 'object' || x === null || Array.isArray(x)) throw new MalformedFrame('trade entry is not an object');
      if (!isText(nat, 'symbol')) throw new MalformedFrame('trade symbol is not a string');
      if (!isText(nat, 'timestamp')) throw new MalformedFrame('trade timestamp is not a string');
      const side: Side | undefined = x.side === 'buy' || x.side === 'sell' ? x.side : undefined;
      if (x.side !== undefined && side === undefined) throw new MalformedFrame('trade side is neither buy nor sell');
      const price = positive(x.price, 'trade price');
      const quantity = positive(x.qty, 'trade qty');
      const tradeId = String(wholeNumber(x.trade_id, 'trade trade_id'));
      const time = rfc3339Ms(x.timestamp as string);
      const tape = this.tapes.get(x.symbol as string);
      if (!tape) continue;
      const p: TradePrint = { venue: tape.key.venue, instrumentId: tape.key.instrumentId, tradeId, price, quantity, time };
      if (side) p.side = side;
      let list = bySymbol.get(tape.meta.symbol);
      if (!list) bySymbol.set(tape.meta.symbol, (list = []));
      list.push(p);
    }
    for (const prints of bySymbol.values()) this.o.sink.trades(prints);
  }

  private onTicker(f: ChannelFrame): void {
    if (!Array.isArray(f.data)) throw new MalformedFrame('ticker data is not an array');
    const native = nativeOf(f).data as unknown[] | undefined;
    const fresh: QuoteFeed[] = [];
    const made: Quote[] = [];
    for (let i = 0; i < f.data.length; i++) {
      const x = f.data[i] as Record<string, unknown> | null;
      if (typeof x !== 'object' || x === null || Array.isArray(x)) throw new MalformedFrame('ticker entry is not an object');
      if (!isText(native?.[i], 'symbol')) throw new MalformedFrame('ticker symbol is not a string');
      const d: Partial<Record<(typeof TICKER_DECIMALS)[number], Dec>> = {};
      for (const k of TICKER_DECIMALS) if (x[k] !== undefined && x[k] !== null) d[k] = decText(x[k] as Num);
      for (const k of ['bid', 'ask', 'last', 'bid_qty', 'ask_qty'] as const) if (d[k]?.startsWith('-')) throw new MalformedFrame(`ticker ${k} is negative`);
      let time = this.now();
      if (x.timestamp !== undefined) {
        if (!isText(native?.[i], 'timestamp')) throw new MalformedFrame('ticker timestamp is not a string');
        time = rfc3339Ms(x.timestamp as string);
      }
      const q = this.quotes.get(x.symbol as string);
      if (!q) continue;
      const quote: Quote = { venue: q.key.venue, instrumentId: q.key.instrumentId, time };
      if (d.bid !== undefined) quote.bid = d.bid;
      if (d.bid_qty !== undefined) quote.bidQty = d.bid_qty;
      if (d.ask !== undefined) quote.ask = d.ask;
      if (d.ask_qty !== undefined) quote.askQty = d.ask_qty;
      if (d.last !== undefined) quote.last = d.last;
      if (d.change !== undefined) quote.change = d.change;
      if (d.change_pct !== undefined) quote.changePct = d.change_pct;
      // Kraken gives the 24 h change, not the open it counts from: the reference is last − change.
      if (d.last !== undefined && d.change !== undefined) quote.reference = sub(d.last, d.change);
      const st = this.status.get(q.meta.symbol);
      if (st) quote.status = st;
      fresh.push(q);
      made.push(quote);
    }
    for (let i = 0; i < fresh.length; i++) {
      fresh[i]!.quote = made[i];
      this.o.sink.quote(made[i]!);
    }
  }

  /** Snapshot and updates list pairs with their status; a quote we hold whose status moved is sent again. */
  private onInstrument(f: ChannelFrame): void {
    const data = f.data as { pairs?: unknown } | null;
    if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new MalformedFrame('instrument data is not an object');
    if (data.pairs === undefined) return;
    if (!Array.isArray(data.pairs)) throw new MalformedFrame('instrument pairs are not an array');
    const nat = (nativeOf(f).data as { pairs?: unknown[] } | undefined)?.pairs;
    const seen: [string, string][] = [];
    for (let i = 0; i < data.pairs.length; i++) {
      const p = data.pairs[i] as Record<string, unknown> | null;
      if (typeof p !== 'object' || p === null) throw new MalformedFrame('instrument pair is not an object');
      if (!isText(nat?.[i], 'symbol')) throw new MalformedFrame('instrument pair symbol is not a string');
      if (p.status !== undefined && !isText(nat?.[i], 'status')) throw new MalformedFrame('instrument pair status is not a string');
      if (typeof p.status === 'string') {
        if (p.status.length > 40 || !/^[a-z_]+$/.test(p.status)) throw new MalformedFrame('instrument pair status is not a status word');
        seen.push([p.symbol as string, p.status]);
      }
    }
    for (const [symbol, status] of seen) {
      const was = this.status.get(symbol);
      if (was?.venueStatus === status) continue;
      const st = tradingState(status);
      this.status.set(symbol, st);
      const q = this.quotes.get(symbol);
      if (q?.quote) {
        q.quote = { ...q.quote, status: st, time: this.now() };
        this.o.sink.quote(q.quote);
      }
    }
  }

  private now(): number {
    return this.o.now?.() ?? Date.now();
  }
}

function positive(v: unknown, what: string): Dec {
  const d = decText(v as Num);
  if (d.startsWith('-') || d === '0') throw new MalformedFrame(`${what} is not positive`);
  return d;
}
