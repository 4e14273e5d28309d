/**
 * The depth ladder's rows, pure: asks above (highest first, best ask last), the spread, bids
 * below (best first); each level with the book's size and our own working orders' remaining
 * quantity at that price. Prices compare as exact decimals ("60000.0" is "60000").
 */
import type { Dec, Order, OrderBook } from '../../../common/domain.js';
import { PRICED_ORDER_TYPES } from '../../../common/domain.js';
import { add, cmp, dec, isPositive, sub } from '../../../common/decimal.js';
import { isOpen } from '../../store/orders.js';

export interface LadderLevel {
  kind: 'ask' | 'bid';
  price: Dec;
  size: Dec;
  /** Remaining quantity of our open buy / sell orders resting at this price. */
  ownBuy?: Dec;
  ownSell?: Dec;
}

export interface LadderView {
  asks: LadderLevel[];
  bids: LadderLevel[];
  /** Best ask − best bid, when both sides have a level. */
  spread?: Dec;
  /** Open orders of ours priced away from every shown level. */
  ownElsewhere: number;
}

/** Canonical text of a price, so equal decimals meet in one map key. */
function priceKey(p: Dec): string {
  try {
    return dec(p);
  } catch {
    return p;
  }
}

/** Open orders of this instrument with a limit price, summed per side and price. */
function ownByPrice(orders: readonly Order[], book: Pick<OrderBook, 'venue' | 'instrumentId'>): Map<string, { buy?: Dec; sell?: Dec }> {
  const out = new Map<string, { buy?: Dec; sell?: Dec }>();
  for (const o of orders) {
    if (o.venue !== book.venue || o.instrumentId !== book.instrumentId || !isOpen(o)) continue;
    if (!PRICED_ORDER_TYPES.has(o.type) || o.price === undefined) continue;
    // A stop-limit's price rests on the book only once triggered.
    if (o.type !== 'limit' && o.triggeredAt === undefined) continue;
    const left = sub(o.quantity, o.filledQuantity);
    if (!isPositive(left)) continue;
    const k = priceKey(o.price);
    const at = out.get(k) ?? {};
    at[o.side] = at[o.side] ? add(at[o.side]!, left) : left;
    out.set(k, at);
  }
  return out;
}

export function ladderRows(book: OrderBook, orders: readonly Order[]): LadderView {
  const own = ownByPrice(orders, book);
  const used = new Set<string>();
  const level = (kind: 'ask' | 'bid', price: Dec, size: Dec): LadderLevel => {
    const k = priceKey(price);
    const mine = own.get(k);
    const row: LadderLevel = { kind, price, size };
    if (mine?.buy) row.ownBuy = mine.buy;
    if (mine?.sell) row.ownSell = mine.sell;
    if (mine) used.add(k);
    return row;
  };
  const asks = book.asks.map((l) => level('ask', l.price, l.quantity)).reverse();
  const bids = book.bids.map((l) => level('bid', l.price, l.quantity));
  const bestAsk = book.asks[0];
  const bestBid = book.bids[0];
  const view: LadderView = { asks, bids, ownElsewhere: [...own.keys()].filter((k) => !used.has(k)).length };
  if (bestAsk && bestBid && cmp(bestAsk.price, bestBid.price) >= 0) view.spread = sub(bestAsk.price, bestBid.price);
  return view;
}

/** The depth a ladder starts at: 10 levels where offered, else the nearest the venue has. */
export function defaultDepth(depths: readonly number[]): number | undefined {
  if (depths.length === 0) return undefined;
  return depths.includes(10) ? 10 : [...depths].sort((a, b) => Math.abs(a - 10) - Math.abs(b - 10))[0];
}
