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
 * - An amend the venue confirmed (`amended`) changes a non-final order's price, size, trigger
 *   and venue id, once per amend id; status and fills stay. On a final order it is refused.
 * - After an amend that gave the order a new venue id (T-Invest's replace), evidence naming an
 *   earlier id is about the order's old incarnation: its fills count, its status does not.
 * - The venue's own record of a working order (terms from a query or its history) wins over
 *   ours: it shows an amend whose answer we lost.
 * - A stop order's trigger time is set once.
 */
import type { Dec, Fill, Order, OrderAmendRecord, OrderEvidence, OrderStatus, OrderTerms } from '../../common/domain.js';
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
  copyConditions(t, o);
  return o;
}

/** The fields of a stop or conditional order, as a venue's terms give them. */
function copyConditions(t: OrderTerms, o: Order): void {
  if (t.triggerPrice !== undefined) o.triggerPrice = t.triggerPrice;
  if (t.trailingOffset !== undefined) o.trailingOffset = { ...t.trailingOffset };
  if (t.timeInForce !== undefined) o.timeInForce = t.timeInForce;
  if (t.expireAt !== undefined) o.expireAt = t.expireAt;
  if (t.postOnly !== undefined) o.postOnly = t.postOnly;
}

/**
 * Evidence naming a venue id the order had before an amend replaced it (T-Invest ReplaceOrder),
 * including a repeat of an earlier amend's confirmation once a later amend replaced that id.
 */
export function isSuperseded(prev: Order, ev: OrderEvidence): boolean {
  const amended = ev.amended;
  return (
    (amended === undefined || (prev.amends?.some((a) => a.amendId === amended.amendId) ?? false)) &&
    (prev.amends?.length ?? 0) > 0 &&
    ev.venueOrderId !== undefined &&
    prev.venueOrderId !== undefined &&
    ev.venueOrderId !== prev.venueOrderId
  );
}

function sameDec(a: Dec | undefined, b: Dec | undefined): boolean {
  return a === undefined ? b === undefined : b !== undefined && cmp(a, b) === 0;
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
  // "open" after a partial fill is stale, not a contradiction (an amend's answer says it too).
  if (incoming === 'open' && prev === 'partially-filled') return { status: prev };
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

  const superseded = isSuperseded(prev, ev);
  const incoming = superseded ? undefined : claimed(ev);
  const step = nextStatus(prev.status, incoming, ev);
  let status = step.status;
  if (status === 'open' && cmp(filled, '0') > 0) status = 'partially-filled';
  // A venue that says "filled" before the fills arrive: the quantity is the order's.
  if (status === 'filled' && cmp(filled, prev.quantity) < 0 && ev.filledQuantity === undefined && allFills.length === 0) filled = prev.quantity;

  const out: Order = { ...prev, status, fills: allFills, filledQuantity: filled };
  if (ev.venueOrderId !== undefined && prev.venueOrderId === undefined && !superseded) out.venueOrderId = ev.venueOrderId;
  let amendRefused = false;
  if (ev.amended !== undefined) {
    if (isFinal(prev.status)) amendRefused = true;
    else applyAmend(out, ev.amended);
  } else if (ev.terms !== undefined && !superseded && (ev.source === 'reconcile' || ev.source === 'history') && !isFinal(prev.status) && prev.status !== 'pending') {
    // The venue's own record of a working order: an amend whose answer we lost shows here.
    if (ev.terms.price !== undefined && !sameDec(ev.terms.price, prev.price)) out.price = ev.terms.price;
    if (!sameDec(ev.terms.quantity, prev.quantity)) out.quantity = ev.terms.quantity;
    if (ev.terms.triggerPrice !== undefined && !sameDec(ev.terms.triggerPrice, prev.triggerPrice)) out.triggerPrice = ev.terms.triggerPrice;
  }
  if (ev.triggeredAt !== undefined && prev.triggeredAt === undefined && !superseded) out.triggeredAt = ev.triggeredAt;
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
    out.reason?.message !== prev.reason?.message ||
    out.price !== prev.price ||
    out.quantity !== prev.quantity ||
    out.triggerPrice !== prev.triggerPrice ||
    out.amends !== prev.amends ||
    out.triggeredAt !== prev.triggeredAt;
  if (changed) out.updatedAt = Math.max(prev.updatedAt, ev.at);
  const t: Transition = { order: changed ? out : prev, changed, newFills };
  if (step.refused || amendRefused) t.refused = { from: prev.status, to: claimed(ev) ?? prev.status };
  else if (superseded && claimed(ev) !== undefined && claimed(ev) !== prev.status) t.refused = { from: prev.status, to: claimed(ev) ?? prev.status };
  return t;
}

/**
 * A confirmed amend: the new terms, once per amend id (a repeat of the confirmation is no news,
 * and so is the same change confirmed again under another id right after).
 */
function applyAmend(out: Order, a: OrderAmendRecord): void {
  if (out.amends?.some((x) => x.amendId === a.amendId)) return;
  // One amend told twice under different ids (the venue's stream and our answer): no news.
  const last = out.amends?.at(-1);
  if (last && sameDec(last.price, a.price) && sameDec(last.quantity, a.quantity) && sameDec(last.triggerPrice, a.triggerPrice) && last.venueOrderId === a.venueOrderId) return;
  if (a.price !== undefined) out.price = a.price;
  if (a.quantity !== undefined) out.quantity = a.quantity;
  if (a.triggerPrice !== undefined) out.triggerPrice = a.triggerPrice;
  if (a.venueOrderId !== undefined) out.venueOrderId = a.venueOrderId;
  out.amends = [...(out.amends ?? []), { ...a }];
}

export function cloneOrder(o: Order): Order {
  const out: Order = { ...o, fills: o.fills.map((f) => ({ ...f })) };
  if (o.reason) out.reason = { ...o.reason };
  if (o.trailingOffset) out.trailingOffset = { ...o.trailingOffset };
  if (o.amends) out.amends = o.amends.map((a) => ({ ...a }));
  return out;
}
