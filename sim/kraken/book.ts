/**
 * A synthetic order book around the market price of one pair. Its touch is always one
 * tick either side of the last trade (so market orders fill at last ± a tick and a
 * post-only order crossing it is the one that would take); every trade moves it, takes
 * levels out, changes a few sizes near the top and refills the far end. Prices are on the
 * pair's tick scale, sizes on its lot scale.
 */

export interface Level {
  price: bigint;
  qty: bigint;
}

/** Deepest v2 subscription is 1000 levels, so keep that many a side. */
export const BOOK_LEVELS = 1000;

export class SyntheticBook {
  /** Lowest price first. */
  asks: Level[] = [];
  /** Highest price first. */
  bids: Level[] = [];

  constructor(
    private readonly tick: bigint,
    private readonly maxQtyUnits: bigint,
    private readonly rand: () => number,
    last: bigint,
  ) {
    this.recenter(last);
  }

  bestBid(): bigint | undefined {
    return this.bids[0]?.price;
  }

  bestAsk(): bigint | undefined {
    return this.asks[0]?.price;
  }

  /** The book after a trade at `price`. */
  onTrade(price: bigint): void {
    this.recenter(price);
    this.churn(this.asks);
    this.churn(this.bids);
    this.extend(this.asks, 1n);
    this.extend(this.bids, -1n);
  }

  private recenter(last: bigint): void {
    const askTop = last + this.tick;
    const bidTop = last - this.tick > 0n ? last - this.tick : this.tick;
    this.asks = this.reseat(this.asks, askTop, 1n);
    this.bids = this.reseat(this.bids, bidTop, -1n);
    this.extend(this.asks, 1n);
    this.extend(this.bids, -1n);
  }

  /** Drops levels on the wrong side of `top` and fills the gap from `top` to the old best. */
  private reseat(side: Level[], top: bigint, dir: 1n | -1n): Level[] {
    const beyond = (p: bigint): boolean => (dir === 1n ? p < top : p > top);
    let i = 0;
    while (i < side.length && beyond(side[i]!.price)) i++;
    const kept = side.slice(i);
    const best = kept[0]?.price;
    const fresh: Level[] = [];
    for (let p = top; fresh.length < BOOK_LEVELS && p > 0n && (best === undefined || (dir === 1n ? p < best : p > best)); p += dir * this.tick) {
      if (p === top || this.rand() < 0.65) fresh.push({ price: p, qty: this.qty() });
    }
    return fresh.concat(kept).slice(0, BOOK_LEVELS);
  }

  /** A few sizes near the top change; now and then a level (never the touch) goes away. */
  private churn(side: Level[]): void {
    const n = 1 + Math.floor(this.rand() * 3);
    for (let k = 0; k < n; k++) {
      const i = Math.floor(this.rand() * Math.min(10, side.length));
      if (i > 0 && this.rand() < 0.3) side.splice(i, 1);
      else if (side[i]) side[i] = { price: side[i].price, qty: this.qty() };
    }
  }

  private extend(side: Level[], dir: 1n | -1n): void {
    while (side.length < BOOK_LEVELS) {
      const last = side[side.length - 1];
      if (!last) return;
      const p = last.price + dir * this.tick * (this.rand() < 0.3 ? 2n : 1n);
      if (p <= 0n) return;
      side.push({ price: p, qty: this.qty() });
    }
  }

  private qty(): bigint {
    const r = this.rand();
    const units = BigInt(Math.floor(r * r * r * Number(this.maxQtyUnits)));
    return units > 0n ? units : 1n;
  }
}
