/**
 * The coalescer between the hub and one client. Candles are hot: only the latest state of each
 * bar (venue+instrument+interval+open time) crosses, so a bar's final state and any gap
 * backfill survive even when the next bar starts within the same window. Order updates and connection events are every event, in
 * order, never dropped. A sequenced batch goes out at most once per interval and only when
 * something changed, so the renderer can apply one batch per frame and notice a gap.
 * Each candle goes out with when it reached the main process (its oldest update not sent yet,
 * when coalesced), so the renderer's tick-to-screen starts where the venue's frame came in.
 */
import type { Candle, Order, OrderBook, Quote, TradePrint, VenueId } from '../../common/domain.js';
import { marketKeyId } from '../../common/domain.js';
import type { ConnectionEvent, MarketFailure, PushBatch, SubscriptionFailure } from '../contract.js';
import { wallClock } from '../net/wire-tap.js';

/**
 * Prints kept per window at most: a tape faster than this per 25 ms is a flood no trader reads;
 * the oldest are dropped and counted so the tape can say it skipped.
 */
export const MAX_PRINTS_PER_BATCH = 2000;

/** Within the 16–50 ms the house plan allows: under two frames at 60 Hz. */
export const BATCH_INTERVAL_MS = 25;

export interface BatcherOptions {
  send: (batch: PushBatch) => void;
  intervalMs?: number;
  /** After a batch that overflowed its print cap: how many prints each venue lost in it. */
  onDroppedPrints?: (byVenue: ReadonlyMap<VenueId, number>) => void;
}

export class Batcher {
  private lastSeq = 0;
  /**
   * The forming bar of each key, latest state: by instrument, then a short list over venue
   * and interval, so the hot path builds no key strings.
   */
  private candles = new Map<string, Slots>();
  private formingCount = 0;
  /** Final states of bars that a later bar replaced within this window (and late older bars). */
  private closed: Candle[] = [];
  /** When each of `closed` arrived, by index. */
  private closedAt: number[] = [];
  private orders: Order[] = [];
  private ledgerChanged = false;
  private connections: ConnectionEvent[] = [];
  /** Latest failure per key id in this window; a later candle of the key drops it. */
  private failures = new Map<string, SubscriptionFailure>();
  /** Latest book and quote per key id in this window; every new print, in order. */
  private books = new Map<string, OrderBook>();
  private quotes = new Map<string, Quote>();
  private prints: TradePrint[] = [];
  private marketFailures = new Map<string, MarketFailure>();
  /** Prints dropped because a window overflowed, since the session began. */
  droppedPrints = 0;
  /** Per venue, in the window being filled. */
  private droppedNow = new Map<VenueId, number>();
  private readonly onDroppedPrints: ((byVenue: ReadonlyMap<VenueId, number>) => void) | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private readonly send: (batch: PushBatch) => void;
  private readonly intervalMs: number;

  constructor(opts: BatcherOptions) {
    this.send = opts.send;
    this.intervalMs = opts.intervalMs ?? BATCH_INTERVAL_MS;
    this.onDroppedPrints = opts.onDroppedPrints;
  }

  /** The seq of the last batch sent (0 before the first). */
  get seq(): number {
    return this.lastSeq;
  }

  get pending(): boolean {
    return (
      this.formingCount > 0 ||
      this.closed.length > 0 ||
      this.orders.length > 0 ||
      this.connections.length > 0 ||
      this.failures.size > 0 ||
      this.ledgerChanged ||
      this.books.size > 0 ||
      this.quotes.size > 0 ||
      this.prints.length > 0 ||
      this.marketFailures.size > 0
    );
  }

  /** `receivedAt`: when the candle reached the main process (wallClock()); now, if not told. */
  candle(c: Candle, receivedAt: number = wallClock()): void {
    // Rare: only while a key of this client is failing. The candle proves it recovered.
    if (this.failures.size > 0) this.failures.delete(failureKey(c));
    let slots = this.candles.get(c.instrumentId);
    if (slots === undefined) {
      slots = { candles: [], at: [] };
      this.candles.set(c.instrumentId, slots);
    }
    const bars = slots.candles;
    let i = 0;
    while (i < bars.length && (bars[i]!.interval !== c.interval || bars[i]!.venue !== c.venue)) i++;
    const prev = bars[i];
    if (prev === undefined) {
      this.formingCount += 1;
      slots.at[i] = receivedAt;
    } else if (c.time !== prev.time) {
      // A new bar keeps the old one's final state; a late older bar is kept as it came.
      if (c.time > prev.time) {
        this.closed.push(prev);
        this.closedAt.push(slots.at[i]!);
        slots.at[i] = receivedAt;
      } else {
        this.closed.push(c);
        this.closedAt.push(receivedAt);
        this.schedule();
        return;
      }
    }
    // The same bar again keeps the arrival of its first update in this window.
    bars[i] = c;
    this.schedule();
  }

  order(o: Order): void {
    this.orders.push(o);
    this.schedule();
  }

  ledger(): void {
    this.ledgerChanged = true;
    this.schedule();
  }

  connection(e: ConnectionEvent): void {
    this.connections.push(e);
    this.schedule();
  }

  subscriptionFailure(f: SubscriptionFailure): void {
    const id = failureKey(f);
    // Re-inserted so the latest comes last, as it happened.
    this.failures.delete(id);
    this.failures.set(id, f);
    this.schedule();
  }

  book(b: OrderBook, keyId: string): void {
    if (this.marketFailures.size > 0) this.marketFailures.delete(keyId);
    this.books.set(keyId, b);
    this.schedule();
  }

  quote(q: Quote, keyId: string): void {
    if (this.marketFailures.size > 0) this.marketFailures.delete(keyId);
    this.quotes.set(keyId, q);
    this.schedule();
  }

  trades(ts: readonly TradePrint[]): void {
    for (const t of ts) {
      if (this.marketFailures.size > 0) this.marketFailures.delete(marketKeyId({ venue: t.venue, instrumentId: t.instrumentId, stream: 'trades' }));
      this.prints.push(t);
    }
    if (this.prints.length > MAX_PRINTS_PER_BATCH) {
      const over = this.prints.length - MAX_PRINTS_PER_BATCH;
      for (const t of this.prints.splice(0, over)) this.droppedNow.set(t.venue, (this.droppedNow.get(t.venue) ?? 0) + 1);
      this.droppedPrints += over;
    }
    this.schedule();
  }

  marketFailure(f: MarketFailure): void {
    const id = marketKeyId(f);
    this.marketFailures.delete(id);
    this.marketFailures.set(id, f);
    this.schedule();
  }

  /** Sends what is pending now, if anything; returns the batch sent. */
  flush(): PushBatch | undefined {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.stopped || !this.pending) return undefined;
    this.lastSeq += 1;
    const batch: PushBatch = { seq: this.lastSeq, candles: [], orders: this.orders, connections: this.connections };
    if (this.formingCount > 0 || this.closed.length > 0) {
      const sentAt = wallClock();
      const taken = this.takeCandles(sentAt);
      batch.candles = taken.candles;
      batch.sentAt = sentAt;
      batch.candlesAgeUs = taken.ages;
    }
    if (this.failures.size > 0) {
      batch.subscriptionFailures = [...this.failures.values()];
      this.failures = new Map();
    }
    if (this.ledgerChanged) {
      batch.ledger = true;
      this.ledgerChanged = false;
    }
    if (this.books.size > 0) {
      batch.books = [...this.books.values()];
      this.books = new Map();
    }
    if (this.prints.length > 0) {
      batch.trades = this.prints;
      this.prints = [];
    }
    if (this.quotes.size > 0) {
      batch.quotes = [...this.quotes.values()];
      this.quotes = new Map();
    }
    if (this.marketFailures.size > 0) {
      batch.marketFailures = [...this.marketFailures.values()];
      this.marketFailures = new Map();
    }
    // Slots are kept (emptied) across flushes: the same instruments come back every window.
    for (const slots of this.candles.values()) {
      slots.candles.length = 0;
      slots.at.length = 0;
    }
    this.formingCount = 0;
    this.orders = [];
    this.connections = [];
    this.send(batch);
    if (this.droppedNow.size > 0) {
      const dropped = this.droppedNow;
      this.droppedNow = new Map();
      this.onDroppedPrints?.(dropped);
    }
    return batch;
  }

  /** Stops the timer and drops whatever is pending: the client is gone. */
  close(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.candles.clear();
    this.formingCount = 0;
    this.closed = [];
    this.closedAt = [];
    this.orders = [];
    this.connections = [];
    this.failures = new Map();
    this.books = new Map();
    this.quotes = new Map();
    this.prints = [];
    this.marketFailures = new Map();
    this.droppedNow = new Map();
  }

  /**
   * Oldest bar first when bars closed in the window, so a chart applies them in order; each
   * with its age at `now` in whole µs (small integers: a sixth of the cost of writing times).
   */
  private takeCandles(now: number): { candles: Candle[]; ages: number[] } {
    const candles: Candle[] = [];
    const ages: number[] = [];
    for (const slots of this.candles.values()) {
      for (let i = 0; i < slots.candles.length; i++) {
        candles.push(slots.candles[i]!);
        ages.push(ageUs(now, slots.at[i]!));
      }
    }
    if (this.closed.length === 0) return { candles, ages };
    const allCandles = this.closed.concat(candles);
    const allAges = this.closedAt.map((at) => ageUs(now, at)).concat(ages);
    const order = allCandles.map((_, i) => i).sort((a, b) => allCandles[a]!.time - allCandles[b]!.time);
    this.closed = [];
    this.closedAt = [];
    return { candles: order.map((i) => allCandles[i]!), ages: order.map((i) => allAges[i]!) };
  }

  private schedule(): void {
    if (this.timer !== undefined || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.intervalMs);
    this.timer.unref?.();
  }
}

function ageUs(now: number, at: number): number {
  return Math.max(0, Math.round((now - at) * 1000));
}

/** The forming bars of one instrument (a short list over venue and interval) and when each arrived. */
interface Slots {
  candles: Candle[];
  at: number[];
}

function failureKey(k: { venue: string; instrumentId: string; interval: string }): string {
  return `${k.venue}|${k.instrumentId}|${k.interval}`;
}
