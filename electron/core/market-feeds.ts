/**
 * Books, tapes and quotes beside candles: reference-counted keys (many clients, one venue
 * subscription per key), the latest book and quote of each for snapshots, and prints
 * de-duplicated by trade id (a venue's snapshot after a reconnect repeats recent prints).
 * Adapters verify what they send; this checks only what a bug could break: the key is held,
 * sides are best first, the book is not crossed.
 */
import type { MarketKey, OrderBook, Quote, TradePrint, VenueErrorInfo, VenueId } from '../../common/domain.js';
import { marketKeyId } from '../../common/domain.js';

/** Prints remembered per tape to drop repeats: a venue's snapshot is at most 50–100 prints. */
const SEEN_TRADES = 512;

interface Feed {
  readonly key: MarketKey;
  refs: number;
  book?: OrderBook;
  quote?: Quote;
  seen?: Set<string>;
  seenOrder?: string[];
  failure?: VenueErrorInfo;
}

export interface MarketFeedsOptions {
  /** A book was dropped (sides out of order): why, for the venue's diagnostics. */
  onRejected?: (venue: VenueId, detail: string) => void;
}

export class MarketFeeds {
  private readonly feeds = new Map<string, Feed>();
  /** Unordered books dropped, per venue (a bug in an adapter or a venue's glitch). */
  private readonly rejectedBooks = new Map<string, number>();
  private readonly onRejected: (venue: VenueId, detail: string) => void;

  constructor(opts: MarketFeedsOptions = {}) {
    this.onRejected = opts.onRejected ?? (() => undefined);
  }

  /** Takes one reference; true when this is the first (the venue's flow must start). */
  retain(key: MarketKey): boolean {
    const id = marketKeyId(key);
    const f = this.feeds.get(id);
    if (f) {
      f.refs += 1;
      return false;
    }
    const k: MarketKey = { venue: key.venue, instrumentId: key.instrumentId, stream: key.stream };
    if (key.stream === 'book' && key.depth !== undefined) k.depth = key.depth;
    this.feeds.set(id, { key: k, refs: 1 });
    return true;
  }

  /** Drops one reference; true when it was the last (the venue's flow must stop). */
  release(key: MarketKey): boolean {
    const id = marketKeyId(key);
    const f = this.feeds.get(id);
    if (!f) return false;
    f.refs -= 1;
    if (f.refs > 0) return false;
    this.feeds.delete(id);
    return true;
  }

  /**
   * Forgets the books a venue sent (its connection was lost: they are stale); the keys stay
   * held. The trade ids seen are kept: the venue's snapshot after the reconnect repeats recent
   * prints, which must not reach the tape twice.
   */
  resetVenue(venue: string): void {
    for (const f of this.feeds.values()) if (f.key.venue === venue) delete f.book;
  }

  refCount(key: MarketKey): number {
    return this.feeds.get(marketKeyId(key))?.refs ?? 0;
  }

  keys(venue?: string): MarketKey[] {
    const out: MarketKey[] = [];
    for (const f of this.feeds.values()) if (venue === undefined || f.key.venue === venue) out.push(f.key);
    return out;
  }

  /** The book to pass on, or undefined when nobody holds its key or it is broken. */
  book(b: OrderBook): { keyId: string; book: OrderBook } | undefined {
    const keyId = marketKeyId({ venue: b.venue, instrumentId: b.instrumentId, stream: 'book', depth: b.depth });
    const f = this.feeds.get(keyId);
    if (!f) return undefined;
    const shape = bookShape(b);
    if (shape === 'unordered') {
      this.rejectedBooks.set(b.venue, (this.rejectedBooks.get(b.venue) ?? 0) + 1);
      this.onRejected(b.venue, `book of ${b.instrumentId} (depth ${b.depth}) dropped: its levels are not best first`);
      return undefined;
    }
    // A crossed book is shown, flagged: T-Invest sends them for seconds when is_consistent is false.
    if (shape === 'crossed' && b.health.consistent) b = { ...b, health: { ...b.health, consistent: false } };
    f.book = b;
    delete f.failure;
    return { keyId, book: b };
  }

  /** The prints not seen before on a held tape, oldest first. */
  trades(ts: TradePrint[]): TradePrint[] {
    const out: TradePrint[] = [];
    for (const t of ts) {
      const f = this.feeds.get(marketKeyId({ venue: t.venue, instrumentId: t.instrumentId, stream: 'trades' }));
      if (!f) continue;
      const seen = (f.seen ??= new Set());
      if (seen.has(t.tradeId)) continue;
      seen.add(t.tradeId);
      const order = (f.seenOrder ??= []);
      order.push(t.tradeId);
      if (order.length > SEEN_TRADES) seen.delete(order.shift()!);
      delete f.failure;
      out.push(t);
    }
    return out;
  }

  quote(q: Quote): { keyId: string; quote: Quote } | undefined {
    const keyId = marketKeyId({ venue: q.venue, instrumentId: q.instrumentId, stream: 'quote' });
    const f = this.feeds.get(keyId);
    if (!f) return undefined;
    f.quote = q;
    delete f.failure;
    return { keyId, quote: q };
  }

  failed(key: MarketKey, err: VenueErrorInfo): MarketKey | undefined {
    const f = this.feeds.get(marketKeyId(key));
    if (!f) return undefined;
    f.failure = err;
    return f.key;
  }

  failure(key: MarketKey): VenueErrorInfo | undefined {
    return this.feeds.get(marketKeyId(key))?.failure;
  }

  latestBook(key: MarketKey): OrderBook | undefined {
    return this.feeds.get(marketKeyId(key))?.book;
  }

  latestQuote(key: MarketKey): Quote | undefined {
    return this.feeds.get(marketKeyId(key))?.quote;
  }

  rejected(venue: string): number {
    return this.rejectedBooks.get(venue) ?? 0;
  }
}

/**
 * Bids strictly descending and asks strictly ascending ('ok'), or crossed (best bid at or above
 * best ask). Numbers, not exact decimals: this runs per book update and only orders levels.
 */
function bookShape(b: OrderBook): 'ok' | 'crossed' | 'unordered' {
  let prev = Infinity;
  for (const l of b.bids) {
    const p = Number(l.price);
    if (!(p < prev)) return 'unordered';
    prev = p;
  }
  prev = -Infinity;
  for (const l of b.asks) {
    const p = Number(l.price);
    if (!(p > prev)) return 'unordered';
    prev = p;
  }
  const bid = b.bids[0];
  const ask = b.asks[0];
  return bid && ask && Number(bid.price) >= Number(ask.price) ? 'crossed' : 'ok';
}
