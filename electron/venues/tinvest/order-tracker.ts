/**
 * The orders this adapter knows, by client key, and the one place their state changes.
 * Evidence arrives out of order (a PostOrder answer, stream events, reconciliation snapshots),
 * so every merge only moves forward: a final status stays final, `unknown` leaves only on the
 * venue's word, executed lots never shrink, and a fill is applied once per trade id. Every
 * change is emitted to the sink, in order; a merge that changes nothing emits nothing.
 * A stored order is never changed in place (every change makes a new object), so the sink
 * receives the stored object itself; callers of the adapter get copies.
 */
import type { Dec, Fill, Order, OrderStatus, OrderUpdate } from '../../../common/domain.js';
import { FINAL_ORDER_STATUSES, ORDER_STATUS_RANK as RANK } from '../../../common/domain.js';
import { add, cmp, formatScaled, parseScaled } from '../../../common/decimal.js';

export interface TrackedOrder {
  order: Order;
  /** A PostOrder/ReplaceOrder of this key is under way: its answer, not a snapshot, settles it. */
  sending: boolean;
  /** A resolver is asking the venue about it. */
  resolving: boolean;
  /** Its whole state (every execution) has been read once since it became final. */
  settled: boolean;
}


export function isFinal(o: Order): boolean {
  return FINAL_ORDER_STATUSES.has(o.status);
}

/** Executed lots that no known trade accounts for (a PostOrder answer carries no trades). */
export function fillsMissing(o: Order): boolean {
  return cmp(o.fills.reduce<Dec>((s, f) => add(s, f.quantity), '0'), o.filledQuantity) < 0;
}

function nextStatus(prev: OrderStatus, incoming: OrderStatus): OrderStatus {
  if (FINAL_ORDER_STATUSES.has(prev)) return prev;
  if (incoming === 'pending') return prev;
  return RANK[incoming] >= RANK[prev] ? incoming : prev;
}

/** Σ price·qty / Σ qty over the fills, to 9 places (the venue's own grid). */
function averageOf(fills: readonly Fill[]): Dec | undefined {
  let amount = 0n;
  let amountScale = 0;
  let qty: Dec = '0';
  for (const f of fills) {
    const p = parseScaled(f.price);
    const q = parseScaled(f.quantity);
    const scale = p.scale + q.scale;
    const v = p.int * q.int;
    if (scale > amountScale) {
      amount *= 10n ** BigInt(scale - amountScale);
      amountScale = scale;
    }
    amount += v * 10n ** BigInt(amountScale - scale);
    qty = add(qty, f.quantity);
  }
  const q = parseScaled(qty);
  if (q.int === 0n) return undefined;
  // amount / 10^a ÷ (q / 10^s) = amount·10^s / (q·10^a); scaled by 10^9 for nine places.
  const num = amount * 10n ** BigInt(q.scale + 9);
  const den = q.int * 10n ** BigInt(amountScale);
  return formatScaled(num / den, 9);
}

function clone(o: Order): Order {
  const out: Order = { ...o, fills: o.fills.map((f) => ({ ...f })) };
  if (o.reason) out.reason = { ...o.reason };
  return out;
}

/** Folds `next` into `prev`: only the fields the venue moves, only forward. */
export function mergeOrder(prev: Order, next: Order): Order {
  // Fill arrays are never changed in place, so an answer without trades shares the old one.
  let fills = prev.fills;
  if (next.fills.length > 0) {
    fills = prev.fills.slice();
    const seen = new Set(fills.map((f) => f.tradeId));
    for (const f of next.fills) {
      if (seen.has(f.tradeId)) continue;
      seen.add(f.tradeId);
      fills.push({ ...f });
    }
  }
  let filled = prev.filledQuantity;
  if (next.filledQuantity !== filled && cmp(next.filledQuantity, filled) > 0) filled = next.filledQuantity;
  const summed = fills.length === 0 ? '0' : fills.reduce<Dec>((s, f) => add(s, f.quantity), '0');
  if (fills.length > 0 && cmp(summed, filled) > 0) filled = summed;
  let status = nextStatus(prev.status, next.status);
  if (status === 'open' && cmp(filled, '0') > 0) status = 'partially-filled';
  const out: Order = { ...prev, status, fills, filledQuantity: filled, updatedAt: Math.max(prev.updatedAt, next.updatedAt) };
  const venueOrderId = prev.venueOrderId ?? next.venueOrderId;
  if (venueOrderId !== undefined) out.venueOrderId = venueOrderId;
  // The venue's own average when it gives one; otherwise ours from the trades, once they cover
  // everything executed.
  const avg = next.averagePrice ?? (fills.length > 0 && cmp(summed, filled) === 0 ? averageOf(fills) : undefined) ?? prev.averagePrice;
  if (avg !== undefined) out.averagePrice = avg;
  const reason = prev.reason ?? next.reason;
  if (reason !== undefined) out.reason = { ...reason };
  return out;
}

function sameState(a: Order, b: Order): boolean {
  return (
    a.status === b.status &&
    a.filledQuantity === b.filledQuantity &&
    a.fills.length === b.fills.length &&
    a.venueOrderId === b.venueOrderId &&
    a.averagePrice === b.averagePrice &&
    a.reason?.code === b.reason?.code
  );
}

export class OrderTracker {
  private readonly byKey = new Map<string, TrackedOrder>();
  private readonly byVenueId = new Map<string, string>();

  constructor(private readonly emit: (u: OrderUpdate) => void) {}

  get(clientOrderId: string): TrackedOrder | undefined {
    return this.byKey.get(clientOrderId);
  }

  /** Finds an order by its client key, or by the exchange id it is known under. */
  find(clientOrderId: string, venueOrderId?: string): TrackedOrder | undefined {
    const direct = this.byKey.get(clientOrderId);
    if (direct || venueOrderId === undefined) return direct;
    const key = this.byVenueId.get(venueOrderId);
    return key === undefined ? undefined : this.byKey.get(key);
  }

  /** Orders of an account that can still change. */
  live(accountId: string): TrackedOrder[] {
    return [...this.byKey.values()].filter((t) => t.order.accountId === accountId && !isFinal(t.order));
  }

  /** Orders of an account the venue still has news about: in play, or final with trades unseen. */
  unsettled(accountId: string): TrackedOrder[] {
    return [...this.byKey.values()].filter(
      (t) => t.order.accountId === accountId && (!isFinal(t.order) || (!t.settled && fillsMissing(t.order))),
    );
  }

  get size(): number {
    return this.byKey.size;
  }

  /** Records an order about to be sent for the first time (it becomes ours) and emits it as pending. */
  begin(order: Order): TrackedOrder {
    const t: TrackedOrder = { order, sending: true, resolving: false, settled: false };
    this.byKey.set(order.clientOrderId, t);
    this.emit({ order, source: 'send' });
    return t;
  }

  /** Folds in one piece of venue evidence; adopts orders placed elsewhere. Returns the merged order. */
  apply(next: Order, source: OrderUpdate['source']): Order {
    const t = this.find(next.clientOrderId, next.venueOrderId);
    if (!t) {
      const adopted: TrackedOrder = { order: clone(next), sending: false, resolving: false, settled: false };
      if (adopted.order.status === 'open' && cmp(adopted.order.filledQuantity, '0') > 0) adopted.order.status = 'partially-filled';
      this.byKey.set(next.clientOrderId, adopted);
      this.index(adopted.order);
      this.emit({ order: adopted.order, source });
      return clone(adopted.order);
    }
    const merged = mergeOrder(t.order, { ...next, clientOrderId: t.order.clientOrderId });
    if (!sameState(merged, t.order)) {
      t.order = merged;
      this.index(merged);
      this.emit({ order: merged, source });
    }
    return clone(t.order);
  }

  /**
   * Our own conclusion about a tracked order: `unknown` after a lost answer, `rejected` after
   * the venue refused it. Moves only a pending or unknown order; anything later is venue evidence
   * that wins.
   */
  conclude(clientOrderId: string, status: 'unknown' | 'rejected', at: number, reason?: Order['reason']): Order | undefined {
    const t = this.byKey.get(clientOrderId);
    if (!t) return undefined;
    if (t.order.status !== 'pending' && t.order.status !== 'unknown') return clone(t.order);
    if (t.order.status === status) return clone(t.order);
    const next: Order = { ...t.order, status, updatedAt: Math.max(t.order.updatedAt, at) };
    if (reason) next.reason = { ...reason };
    t.order = next;
    this.emit({ order: next, source: 'send' });
    return clone(next);
  }

  snapshot(clientOrderId: string): Order | undefined {
    const t = this.byKey.get(clientOrderId);
    return t ? clone(t.order) : undefined;
  }

  private index(o: Order): void {
    if (o.venueOrderId !== undefined) this.byVenueId.set(o.venueOrderId, o.clientOrderId);
  }
}
