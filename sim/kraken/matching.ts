/**
 * Resting limit orders filled by the trades of a simulated market. Venue-neutral: prices
 * and sizes are scaled integers on whatever scale the caller uses (one scale per book).
 * A resting buy fills when the market trades at or below its price, a sell at or above;
 * the maker gets its own limit price. Orders at better prices go first, then by time.
 */

export type Side = 'buy' | 'sell';

export interface RestingOrder {
  id: string;
  side: Side;
  price: bigint;
  remaining: bigint;
}

export interface Match {
  id: string;
  side: Side;
  price: bigint;
  qty: bigint;
  /** True when this match leaves nothing remaining. */
  done: boolean;
}

interface Entry extends RestingOrder {
  seq: number;
}

export class RestingBook {
  private readonly entries = new Map<string, Entry>();
  private seq = 0;

  add(o: RestingOrder): void {
    if (o.remaining <= 0n) throw new Error(`order ${o.id} has nothing to rest`);
    this.entries.set(o.id, { ...o, seq: this.seq++ });
  }

  remove(id: string): boolean {
    return this.entries.delete(id);
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  /**
   * Changes price and/or size. A price change or a larger size goes to the back of the queue;
   * a smaller size keeps its place (conventional price-time priority, the sheet's §8 choice).
   */
  amend(id: string, price: bigint, remaining: bigint): void {
    const e = this.entries.get(id);
    if (!e) throw new Error(`order ${id} is not resting`);
    if (remaining <= 0n) {
      this.entries.delete(id);
      return;
    }
    if (price !== e.price || remaining > e.remaining) e.seq = this.seq++;
    e.price = price;
    e.remaining = remaining;
  }

  size(): number {
    return this.entries.size;
  }

  /** Ids at one price and side, first in the queue first (for tests of priority). */
  queueAt(side: Side, price: bigint): string[] {
    return [...this.entries.values()].filter((e) => e.side === side && e.price === price).sort((a, b) => a.seq - b.seq).map((e) => e.id);
  }

  /**
   * Applies one market trade of `qty` at `price`. Each side can take up to `qty` from it:
   * the print shows that much traded at that price, and a better-priced resting order
   * would have been in front of it.
   */
  matchTrade(price: bigint, qty: bigint): Match[] {
    const out: Match[] = [];
    for (const side of ['buy', 'sell'] as const) {
      const reached = [...this.entries.values()]
        .filter((e) => e.side === side && (side === 'buy' ? e.price >= price : e.price <= price))
        .sort((a, b) => (a.price === b.price ? a.seq - b.seq : side === 'buy' ? (a.price > b.price ? -1 : 1) : a.price < b.price ? -1 : 1));
      let left = qty;
      for (const e of reached) {
        if (left <= 0n) break;
        const fill = e.remaining < left ? e.remaining : left;
        left -= fill;
        e.remaining -= fill;
        const done = e.remaining === 0n;
        if (done) this.entries.delete(e.id);
        out.push({ id: e.id, side, price: e.price, qty: fill, done });
      }
    }
    return out;
  }
}

/** Whether a limit order would take liquidity from a quote (bid/ask) at once. */
export function crossesQuote(side: Side, limit: bigint, bid: bigint, ask: bigint): boolean {
  return side === 'buy' ? limit >= ask : limit <= bid;
}
