/**
 * Gathers ordered batches between frames and commits them once per animation frame.
 * Candles are coalesced per series and per bar: a series moves by at most one bar per frame,
 * so when a bar closes, its final state is shown in one frame and the new bar in the next
 * (one update per series per frame, and the closed bar keeps its true close).
 *
 * While data streams, each flush asks for the next frame before it commits anything. So the
 * next flush is first in line in its frame, ahead of the draw the chart library asks for when
 * its series change — the chart then draws a frame's updates in that same frame instead of
 * the frame after. A flush with nothing to commit ends the loop.
 */
import type { ConnectionEvent, MarketFailure, PushBatch, Snapshot, SubscriptionFailure } from '../../electron/contract.js';
import type { Candle, Order, OrderBook, Quote, TradePrint } from '../../common/domain.js';
import { marketKeyId } from '../../common/domain.js';
import { seriesKey } from './series-key.js';
import type { MarketFrame } from './market.js';
import { TAPE_LIMIT } from './market.js';
import type { Frame } from './session.js';

/** Prints held between two frames at most: more than a tape shows, across a few instruments. */
export const MAX_PENDING_PRINTS = 4 * TAPE_LIMIT;

export interface FrameSink {
  commitFrame(frame: Frame): void;
  /** The open time of the bar a series shows now, if any: older bars are skipped, not given a frame each. */
  shownBar?(seriesKey: string): number | undefined;
}

/** Runs `fn` at the next frame (requestAnimationFrame in the page). */
export type ScheduleFrame = (fn: () => void) => void;

export class FrameDrain {
  /** Per series: the latest state of each bar not shown yet, oldest bar first. */
  private readonly candles = new Map<string, Candle[]>();
  private orders: Order[] = [];
  private connections: ConnectionEvent[] = [];
  /** Latest failure per series since the last frame, and series whose candles came after theirs. */
  private failures = new Map<string, SubscriptionFailure>();
  private recovered = new Set<string>();
  private resync: Frame['resync'];
  private ledger = false;
  /** Latest book and quote per key, every print, latest failure per key, since the last frame. */
  private books = new Map<string, OrderBook>();
  private quotes = new Map<string, Quote>();
  private prints: TradePrint[] = [];
  private marketFailures = new Map<string, MarketFailure>();
  private marketRecovered = new Set<string>();
  private marketResync: MarketFrame['resync'];
  /** Prints dropped because more came between two frames than any tape keeps. */
  droppedPrints = 0;
  private scheduled = false;

  constructor(
    private readonly sink: FrameSink,
    private readonly schedule: ScheduleFrame,
  ) {}

  batch(batch: PushBatch): void {
    for (const candle of batch.candles) this.addCandle(candle);
    // The main side sends a key's failure only after its candles of the same batch, so the
    // batch's failures stand; candles of a later batch show the key recovered.
    for (const f of batch.subscriptionFailures ?? []) {
      const id = seriesKey(f);
      this.failures.delete(id);
      this.failures.set(id, f);
      this.recovered.delete(id);
    }
    this.orders.push(...batch.orders);
    this.connections.push(...batch.connections);
    if (batch.ledger) this.ledger = true;
    this.addMarket(batch.books ?? [], batch.quotes ?? [], batch.trades ?? []);
    for (const f of batch.marketFailures ?? []) {
      const id = marketKeyId(f);
      this.marketFailures.delete(id);
      this.marketFailures.set(id, f);
      this.marketRecovered.delete(id);
    }
    this.request();
  }

  /** A snapshot replaces whatever was gathered before it. */
  snapshot(snapshot: Snapshot): void {
    this.candles.clear();
    this.orders = [];
    this.connections = [];
    this.failures.clear();
    this.recovered.clear();
    this.resync = { venues: snapshot.venues, orders: snapshot.orders, subscriptionFailures: snapshot.subscriptionFailures ?? [] };
    for (const candle of snapshot.candles) this.addCandle(candle);
    // Books and quotes gathered before are older than the snapshot's; prints are not in it, so they stay.
    this.books.clear();
    this.quotes.clear();
    this.marketResync = { books: snapshot.books ?? [], quotes: snapshot.quotes ?? [] };
    this.request();
  }

  /** Commits one frame's worth; called by the scheduler, or directly in tests. */
  flush(): void {
    this.scheduled = false;
    if (!this.pending()) return;
    this.request();
    const candles: Candle[] = [];
    for (const [id, bars] of this.candles) {
      // A venue's subscription snapshot (Kraken: 720 bars) behind the history on screen: those
      // bars can't be shown, and a frame each held the live bar back 12 s.
      const shown = bars.length > 1 ? this.sink.shownBar?.(id) : undefined;
      if (shown !== undefined) {
        let older = 0;
        while (older < bars.length - 1 && bars[older]!.time < shown) older += 1;
        bars.splice(0, older);
      }
      const next = bars.shift();
      if (next) candles.push(next);
      if (bars.length === 0) this.candles.delete(id);
    }
    const frame: Frame = {
      resync: this.resync,
      candles,
      orders: this.orders,
      connections: this.connections,
      recovered: [...this.recovered],
      failures: [...this.failures.values()],
    };
    if (this.ledger) frame.ledger = true;
    const market = this.takeMarket();
    if (market) frame.market = market;
    this.ledger = false;
    this.resync = undefined;
    this.orders = [];
    this.connections = [];
    this.failures.clear();
    this.recovered.clear();
    this.sink.commitFrame(frame);
  }

  private pending(): boolean {
    return (
      this.resync !== undefined ||
      this.candles.size > 0 ||
      this.orders.length > 0 ||
      this.connections.length > 0 ||
      this.failures.size > 0 ||
      this.recovered.size > 0 ||
      this.ledger ||
      this.marketPending()
    );
  }

  private marketPending(): boolean {
    return (
      this.marketResync !== undefined ||
      this.books.size > 0 ||
      this.quotes.size > 0 ||
      this.prints.length > 0 ||
      this.marketFailures.size > 0 ||
      this.marketRecovered.size > 0
    );
  }

  private addMarket(books: readonly OrderBook[], quotes: readonly Quote[], prints: readonly TradePrint[]): void {
    for (const b of books) this.arrived(marketKeyId({ venue: b.venue, instrumentId: b.instrumentId, stream: 'book', depth: b.depth }), this.books, b);
    for (const q of quotes) this.arrived(marketKeyId({ venue: q.venue, instrumentId: q.instrumentId, stream: 'quote' }), this.quotes, q);
    for (const p of prints) {
      const id = marketKeyId({ venue: p.venue, instrumentId: p.instrumentId, stream: 'trades' });
      this.marketFailures.delete(id);
      this.marketRecovered.add(id);
      this.prints.push(p);
    }
    if (this.prints.length > MAX_PENDING_PRINTS) {
      const over = this.prints.length - MAX_PENDING_PRINTS;
      this.prints.splice(0, over);
      this.droppedPrints += over;
    }
  }

  /** The latest value of a key replaces the one gathered before; data after a failure shows it recovered. */
  private arrived<T>(id: string, into: Map<string, T>, value: T): void {
    this.marketFailures.delete(id);
    this.marketRecovered.add(id);
    into.set(id, value);
  }

  private takeMarket(): MarketFrame | undefined {
    if (!this.marketPending()) return undefined;
    const market: MarketFrame = {
      books: [...this.books.values()],
      quotes: [...this.quotes.values()],
      trades: this.prints,
      recovered: [...this.marketRecovered],
      failures: [...this.marketFailures.values()],
    };
    if (this.marketResync) market.resync = this.marketResync;
    this.marketResync = undefined;
    this.books = new Map();
    this.quotes = new Map();
    this.prints = [];
    this.marketFailures.clear();
    this.marketRecovered.clear();
    return market;
  }

  private addCandle(candle: Candle): void {
    const id = seriesKey(candle);
    // A candle after its key's failure shows the key recovered.
    this.failures.delete(id);
    this.recovered.add(id);
    let bars = this.candles.get(id);
    if (!bars) this.candles.set(id, (bars = []));
    // Bars nearly always arrive in time order: replace the last, or append after it.
    let i = bars.length - 1;
    while (i >= 0 && bars[i]!.time > candle.time) i -= 1;
    if (i >= 0 && bars[i]!.time === candle.time) bars[i] = candle;
    else bars.splice(i + 1, 0, candle);
  }

  private request(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.schedule(() => this.flush());
  }
}
