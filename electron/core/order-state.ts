/**
 * The one order state machine. Adapters report evidence (common/domain.ts OrderEvidence); this
 * module alone decides what an order's state becomes. The journal (orders.ts) feeds it, the
 * store persists what it returns, the renderer shows it as it comes.
 *
 * Rules:
 * - A final state (filled, cancelled, rejected, expired) never moves.
 * - Otherwise evidence moves an order forward by rank, never back.
 * - `unknown` means "the answer was lost": any venue evidence replaces it (the venue knows,
 *   we don't), and a lost answer makes any working order unknown again.
 * - Fills are applied once per venue trade id; the filled quantity never decreases.
 * - `open` with something filled is `partially-filled`.
 */
import type { Dec, Fill, Order, OrderEvidence, OrderStatus } from '../../common/domain.js';
import { FINAL_ORDER_STATUSES } from '../../common/domain.js';
import { add, cmp } from '../../common/decimal.js';
import { redact } from './log.js';

/**
 * How far along an order is. `unknown` shares rank 0 with `pending`: it is not progress, and
 * it is left by the rule above, not by rank.
 */
export const ORDER_STATUS_RANK: Readonly<Record<OrderStatus, number>> = {
  pending: 0,
  unknown: 0,
  open: 1,
  'partially-filled': 2,
  filled: 3,
  cancelled: 3,
  rejected: 3,
  expired: 3,
};

/** The transitions the machine can make; anything else is refused (and counted by the caller). */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, ReadonlySet<OrderStatus>>> = {
  pending: new Set(['open', 'partially-filled', 'filled', 'cancelled', 'rejected', 'expired', 'unknown']),
  // The venue's stream may show an order it has only just received (Kraken pending_new).
  unknown: new Set(['pending', 'open', 'partially-filled', 'filled', 'cancelled', 'rejected', 'expired']),
  open: new Set(['partially-filled', 'filled', 'cancelled', 'expired', 'unknown']),
  'partially-filled': new Set(['filled', 'cancelled', 'expired', 'unknown']),
  filled: new Set(),
  cancelled: new Set(),
  rejected: new Set(),
  expired: new Set(),
};

export function isFinal(s: OrderStatus): boolean {
  return FINAL_ORDER_STATUSES.has(s);
}

/** The reason code of an order the venue never received: the same client order id may be sent again. */
export const NOT_PLACED = 'not-placed';

/** What one piece of evidence did to an order. */
export interface Transition {
  order: Order;
  /** Something visible changed (status, fills, ids, prices, reason). */
  changed: boolean;
  /** Fills applied now for the first time. */
  newFills: Fill[];
  /** The evidence asked for a move the machine does not allow (an open order "rejected"); kept as is. */
  refused?: { from: OrderStatus; to: OrderStatus };
}

/**
 * The order an evidence describes when the journal has never seen it (placed elsewhere, or
 * learned from history). Undefined when the evidence does not carry the order's terms.
 */
export function orderFromEvidence(ev: OrderEvidence): Order | undefined {
  const t = ev.terms;
  if (!t) return undefined;
  const o: Order = {
    venue: ev.venue,
    accountId: ev.accountId,
    clientOrderId: ev.clientOrderId,
    instrumentId: t.instrumentId,
    side: t.side,
    type: t.type,
    quantity: t.quantity,
    status: 'pending',
    filledQuantity: '0',
    fills: [],
    createdAt: t.createdAt,
    updatedAt: t.createdAt,
  };
  if (t.price !== undefined) o.price = t.price;
  return o;
}

/** The status a piece of evidence claims, if any. */
function claimed(ev: OrderEvidence): OrderStatus | undefined {
  switch (ev.kind) {
    case 'rejected':
      return 'rejected';
    case 'not-found':
      // The venue surely holds no such order: it never reached the venue.
      return 'rejected';
    case 'accepted':
      return ev.status ?? 'open';
    case 'status':
      return ev.status;
    case 'fill':
      return ev.status;
  }
}

function nextStatus(prev: OrderStatus, incoming: OrderStatus | undefined, ev: OrderEvidence): { status: OrderStatus; refused?: boolean } {
  if (incoming === undefined || incoming === prev) return { status: prev };
  if (isFinal(prev)) return { status: prev, refused: true };
  if (incoming === 'pending') {
    // Our own "sent" is no news; the venue showing the order is evidence it exists.
    return { status: prev === 'unknown' && ev.source !== 'send' ? 'pending' : prev };
  }
  if (incoming === 'unknown') return { status: 'unknown' };
  if (!ORDER_TRANSITIONS[prev].has(incoming)) return { status: prev, refused: true };
  if (prev === 'unknown') return { status: incoming };
  return ORDER_STATUS_RANK[incoming] >= ORDER_STATUS_RANK[prev] ? { status: incoming } : { status: prev };
}

/** Marks an order unknown (a lost answer, or in flight when the app stopped). */
export function markUnknown(o: Order, at: number): Transition {
  if (isFinal(o.status) || o.status === 'unknown') return { order: o, changed: false, newFills: [] };
  return { order: { ...o, status: 'unknown', updatedAt: Math.max(o.updatedAt, at) }, changed: true, newFills: [] };
}

/** Folds one piece of evidence into an order. Pure: `prev` is not modified. */
export function applyEvidence(prev: Order, ev: OrderEvidence): Transition {
  const fills = prev.fills;
  const seen = new Set(fills.map((f) => f.tradeId));
  const newFills: Fill[] = [];
  for (const f of ev.fills ?? []) {
    if (seen.has(f.tradeId)) continue;
    seen.add(f.tradeId);
    newFills.push({ ...f });
  }
  const allFills = newFills.length > 0 ? [...fills, ...newFills] : fills;

  let filled = prev.filledQuantity;
  if (newFills.length > 0) {
    const summed = allFills.reduce<Dec>((s, f) => add(s, f.quantity), '0');
    if (cmp(summed, filled) > 0) filled = summed;
  }
  if (ev.filledQuantity !== undefined && cmp(ev.filledQuantity, filled) > 0) filled = ev.filledQuantity;

  const step = nextStatus(prev.status, claimed(ev), ev);
  let status = step.status;
  if (status === 'open' && cmp(filled, '0') > 0) status = 'partially-filled';
  // A venue that says "filled" before the fills arrive: the quantity is the order's.
  if (status === 'filled' && cmp(filled, prev.quantity) < 0 && ev.filledQuantity === undefined && allFills.length === 0) filled = prev.quantity;

  const out: Order = { ...prev, status, fills: allFills, filledQuantity: filled };
  if (ev.venueOrderId !== undefined && prev.venueOrderId === undefined) out.venueOrderId = ev.venueOrderId;
  if (ev.averagePrice !== undefined) out.averagePrice = ev.averagePrice;
  if (ev.reason !== undefined && (status === 'rejected' || prev.reason === undefined)) {
    // The venue's text can quote what it was sent; it crosses the bridge, so it is redacted.
    out.reason = { ...ev.reason, message: redact(ev.reason.message) };
  } else if (ev.kind === 'not-found' && status === 'rejected' && prev.status !== 'rejected') {
    out.reason = { code: NOT_PLACED, message: 'the venue has no such order: it never reached the venue, and may be sent again' };
  }
  const changed =
    out.status !== prev.status ||
    newFills.length > 0 ||
    out.filledQuantity !== prev.filledQuantity ||
    out.venueOrderId !== prev.venueOrderId ||
    out.averagePrice !== prev.averagePrice ||
    out.reason?.code !== prev.reason?.code ||
    out.reason?.message !== prev.reason?.message;
  if (changed) out.updatedAt = Math.max(prev.updatedAt, ev.at);
  const t: Transition = { order: changed ? out : prev, changed, newFills };
  if (step.refused) t.refused = { from: prev.status, to: claimed(ev) ?? prev.status };
  return t;
}

export function cloneOrder(o: Order): Order {
  const out: Order = { ...o, fills: o.fills.map((f) => ({ ...f })) };
  if (o.reason) out.reason = { ...o.reason };
  return out;
}
