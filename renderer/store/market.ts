/**
 * Books, tapes and quotes on screen. Like candles, they never go through React one by one:
 * the frame drain commits a frame's worth here at most once per frame (latest book and quote
 * per key, every new print), and the views read it from there. A tape keeps the newest
 * TAPE_LIMIT prints per instrument; a failure stands per key until data of the key arrives.
 */
import type { MarketFailure, SubscriptionError } from '../../electron/contract.js';
import type { MarketKey, OrderBook, Quote, TradePrint, VenueId } from '../../common/domain.js';
import { marketKeyId } from '../../common/domain.js';
import type { SliceCreator } from './app-state.js';
import { MarketSubscriptions } from './market-subscriptions.js';

/** Prints kept per instrument: a screen of tape and then some. */
export const TAPE_LIMIT = 500;

/** Map key of an instrument's tape and quote. */
export function instrumentMarketKey(venue: VenueId, instrumentId: string): string {
  return `${venue}|${instrumentId}`;
}

export function bookKeyId(venue: VenueId, instrumentId: string, depth: number): string {
  return marketKeyId({ venue, instrumentId, stream: 'book', depth });
}

/** A frame's market data: what the drain gathered since the last frame. */
export interface MarketFrame {
  /** From a snapshot: the latest book and quote of every held key (tapes are not in snapshots). */
  resync?: { books: readonly OrderBook[]; quotes: readonly Quote[] };
  books: readonly OrderBook[];
  /** Oldest first. */
  trades: readonly TradePrint[];
  quotes: readonly Quote[];
  /** Keys whose data came after their failure: recovered. Applied before `failures`. */
  recovered: readonly string[];
  failures: readonly MarketFailure[];
}

export interface MarketState {
  /** Latest book per book key id (depth included). */
  books: Readonly<Record<string, OrderBook>>;
  /** Per instrument: prints newest first, at most TAPE_LIMIT. */
  tapes: Readonly<Record<string, readonly TradePrint[]>>;
  /** Latest quote per instrument. */
  quotes: Readonly<Record<string, Quote>>;
  /** Per market key id: why the venue is not delivering it. */
  marketFailures: Readonly<Record<string, SubscriptionError>>;
}

export interface MarketSlice extends MarketState {
  /**
   * Holds a book, tape or quote subscription; counted, so two views of one key share one
   * subscription. The returned function lets go (once).
   */
  retainMarket(key: MarketKey): () => void;
  /** The far side began a new session: every held key is subscribed again. */
  resubscribeMarket(): void;
}

function bookKeyOf(b: OrderBook): string {
  return bookKeyId(b.venue, b.instrumentId, b.depth);
}

/** New prints folded into the tapes: newest first, de-duplicated by trade id, bounded. */
export function mergeTapes(current: MarketState['tapes'], prints: readonly TradePrint[], limit = TAPE_LIMIT): MarketState['tapes'] {
  if (prints.length === 0) return current;
  const byInstrument = new Map<string, TradePrint[]>();
  for (const p of prints) {
    const k = instrumentMarketKey(p.venue, p.instrumentId);
    let list = byInstrument.get(k);
    if (!list) byInstrument.set(k, (list = []));
    list.push(p);
  }
  const next: Record<string, readonly TradePrint[]> = { ...current };
  for (const [k, fresh] of byInstrument) {
    const before = current[k] ?? [];
    const seen = new Set(before.slice(0, limit).map((p) => p.tradeId));
    const added: TradePrint[] = [];
    // Newest first: the frame's prints came oldest first.
    for (let i = fresh.length - 1; i >= 0 && added.length < limit; i -= 1) {
      const p = fresh[i]!;
      if (seen.has(p.tradeId)) continue;
      seen.add(p.tradeId);
      added.push(p);
    }
    if (added.length === 0) continue;
    next[k] = added.length >= limit ? added : [...added, ...before.slice(0, limit - added.length)];
  }
  return next;
}

/** One frame of market data applied to the state; unchanged parts keep their identity. */
export function mergeMarket(s: MarketState, f: MarketFrame): MarketState {
  let books = s.books;
  let quotes = s.quotes;
  if (f.resync) {
    books = Object.fromEntries(f.resync.books.map((b) => [bookKeyOf(b), b]));
    quotes = Object.fromEntries(f.resync.quotes.map((q) => [instrumentMarketKey(q.venue, q.instrumentId), q]));
  }
  if (f.books.length > 0) {
    const next = { ...books };
    for (const b of f.books) next[bookKeyOf(b)] = b;
    books = next;
  }
  if (f.quotes.length > 0) {
    const next = { ...quotes };
    for (const q of f.quotes) next[instrumentMarketKey(q.venue, q.instrumentId)] = q;
    quotes = next;
  }
  let marketFailures = s.marketFailures;
  if (f.failures.length > 0 || f.recovered.some((k) => k in marketFailures)) {
    const next: Record<string, SubscriptionError> = { ...marketFailures };
    for (const k of f.recovered) delete next[k];
    for (const failure of f.failures) next[marketKeyId(failure)] = failure.error;
    marketFailures = next;
  }
  return { books, quotes, tapes: mergeTapes(s.tapes, f.trades), marketFailures };
}

export const createMarketSlice: SliceCreator<MarketSlice> = (bridge) => (set) => {
  const subscriptions = new MarketSubscriptions(bridge, {
    failed(key, error) {
      set((s) => ({ marketFailures: { ...s.marketFailures, [marketKeyId(key)]: error } }));
    },
    released(key) {
      // A key nobody shows any more: a later view starts from fresh data, not a stale book.
      const id = marketKeyId(key);
      const instrument = instrumentMarketKey(key.venue, key.instrumentId);
      set((s) => {
        const { [id]: _failure, ...marketFailures } = s.marketFailures;
        if (key.stream === 'trades') {
          const { [instrument]: _tape, ...tapes } = s.tapes;
          return { tapes, marketFailures };
        }
        if (key.stream === 'quote') {
          const { [instrument]: _quote, ...quotes } = s.quotes;
          return { quotes, marketFailures };
        }
        const { [id]: _book, ...books } = s.books;
        return { books, marketFailures };
      });
    },
  });
  return {
    books: {},
    tapes: {},
    quotes: {},
    marketFailures: {},
    retainMarket: (key) => subscriptions.retain(key),
    resubscribeMarket: () => subscriptions.resubscribe(),
  };
};
