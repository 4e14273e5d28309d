/**
 * Pure parsers: what one venue message says about one order, as OrderEvidence (§2.4). They
 * report; they never merge (the core's state machine does). PostOrderResponse and the unary
 * OrderState count in lots; the stream's OrderTrade counts in pieces, so its fills are divided
 * by the lot size. Quantities leave here in lots, the order unit of the ticket. No fill carries
 * a fee: the venue's commission fields are per order, not per trade, so fees come from the
 * operations history instead (operations.ts).
 */
import type { Dec, EvidenceSource, Fill, OrderEvidence, OrderStatus, OrderTerms, OrderType, Side, TimeInForce } from '../../../common/domain.js';
import { formatScaled } from '../../../common/decimal.js';
import { EXECUTION_STATUS, ORDER_DIRECTION, ORDER_TYPE, STATUS_CAUSE } from './constants.js';
import type { Timestamp } from './messages.js';
import type { OrderStageMsg, OrderStateMsg, OrderTradeMsg, PostOrderResponse, StreamOrderStateMsg } from './order-messages.js';
import { quotationNanos, quotationToDec } from './quotation.js';
import type { QuotationLike } from './quotation.js';

/** The fields of an order the venue does not change: from our request, or from its report. */
export interface OrderIdentity {
  accountId: string;
  clientOrderId: string;
  instrumentId: string;
  side: Side;
  type: OrderType;
  quantity: Dec;
  price?: Dec | undefined;
  /** What we sent (PostOrder's answer does not echo it). */
  timeInForce?: TimeInForce | undefined;
}

/** NEW with executions is a partial fill in our terms; UNSPECIFIED tells nothing. */
export function statusOf(exec: number, lotsExecuted: bigint): OrderStatus | undefined {
  switch (exec) {
    case EXECUTION_STATUS.fill:
      return 'filled';
    case EXECUTION_STATUS.rejected:
      return 'rejected';
    case EXECUTION_STATUS.cancelled:
      return 'cancelled';
    case EXECUTION_STATUS.new:
      return lotsExecuted > 0n ? 'partially-filled' : 'open';
    case EXECUTION_STATUS.partiallyFill:
      return 'partially-filled';
    default:
      return undefined;
  }
}

export function sideOf(direction: number): Side | undefined {
  return direction === ORDER_DIRECTION.buy ? 'buy' : direction === ORDER_DIRECTION.sell ? 'sell' : undefined;
}

/** Best-price orders execute like market ones; the domain knows only limit and market. */
export function typeOf(orderType: number): OrderType | undefined {
  if (orderType === ORDER_TYPE.limit) return 'limit';
  if (orderType === ORDER_TYPE.market || orderType === ORDER_TYPE.bestPrice) return 'market';
  return undefined;
}

export function msOf(ts: Timestamp | null | undefined): number | undefined {
  if (!ts) return undefined;
  const ms = Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1_000_000);
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

function lots(text: string): bigint {
  return /^-?\d+$/.test(text) ? BigInt(text) : 0n;
}

/** Pieces → lots; exact when the lot divides them (it always should), else to 9 places. */
export function lotsOfPieces(pieces: string, lotSize: number): Dec {
  const p = lots(pieces);
  const lot = BigInt(lotSize > 0 ? lotSize : 1);
  if (p % lot === 0n) return (p / lot).toString();
  return formatScaled((p * 1_000_000_000n) / lot, 9);
}

function priceOf(q: QuotationLike | null | undefined): Dec | undefined {
  if (!q) return undefined;
  return quotationNanos(q) === 0n ? undefined : quotationToDec(q);
}

function stageFill(s: OrderStageMsg, fallbackMs: number): Fill {
  return {
    tradeId: s.tradeId,
    price: s.price ? quotationToDec(s.price) : '0',
    quantity: lots(s.quantity).toString(),
    time: msOf(s.executionTime) ?? fallbackMs,
  };
}

function tradeFill(t: OrderTradeMsg, lotSize: number, fallbackMs: number): Fill {
  return {
    tradeId: t.tradeId,
    price: t.price ? quotationToDec(t.price) : '0',
    quantity: lotsOfPieces(t.quantity, lotSize),
    time: msOf(t.dateTime) ?? fallbackMs,
  };
}

/**
 * The client key of a reported order. The venue shows it whenever it was a UUID (§2.4), which
 * ours always are; an order without one is known by its exchange id.
 */
export function clientKeyOf(orderRequestId: string | undefined, orderId: string): string {
  return orderRequestId ? orderRequestId : `${EXCHANGE_KEY_PREFIX}${orderId}`;
}

/** Prefix of the client key of an order that has no request id (placed elsewhere without a UUID). */
export const EXCHANGE_KEY_PREFIX = 'exchange:';

function termsOf(id: OrderIdentity, createdAt: number): OrderTerms {
  const t: OrderTerms = { instrumentId: id.instrumentId, side: id.side, type: id.type, quantity: id.quantity, createdAt };
  if (id.price !== undefined && id.type === 'limit') t.price = id.price;
  if (id.timeInForce !== undefined) t.timeInForce = id.timeInForce;
  return t;
}

function base(kind: OrderEvidence['kind'], accountId: string, clientOrderId: string, at: number, source: EvidenceSource): OrderEvidence {
  return { kind, venue: 'tinvest', accountId, clientOrderId, at, source };
}

/**
 * PostOrder's and ReplaceOrder's answer about the order we sent: 'accepted' with the status it
 * already has, or 'rejected' when the exchange refused it. Undefined when the status is unknown.
 */
export function fromPostOrderResponse(res: PostOrderResponse, id: OrderIdentity, at: number): OrderEvidence | undefined {
  const executed = lots(res.lotsExecuted);
  const status = statusOf(res.executionReportStatus, executed);
  if (!status) return undefined;
  const ev = base(status === 'rejected' ? 'rejected' : 'accepted', id.accountId, id.clientOrderId, at, 'send');
  ev.status = status;
  if (res.orderId) ev.venueOrderId = res.orderId;
  ev.filledQuantity = executed.toString();
  const avg = executed > 0n ? priceOf(res.executedOrderPrice) : undefined;
  if (avg !== undefined) ev.averagePrice = avg;
  ev.terms = termsOf(id, at);
  if (status === 'rejected') {
    ev.reason = { code: 'rejected', message: res.message || 'rejected by the venue' };
    const tracking = res.responseMetadata?.trackingId;
    if (tracking) ev.reason.trackingId = tracking;
  }
  return ev;
}

/**
 * GetOrderState / GetOrders: the whole order as the venue holds it, every execution included,
 * as 'status' evidence with its terms. `clientOrderId` overrides the key the answer names (the
 * key we asked by).
 */
export function fromOrderState(m: OrderStateMsg, accountId: string, at: number, source: EvidenceSource, clientOrderId?: string): OrderEvidence | undefined {
  const executed = lots(m.lotsExecuted);
  const status = statusOf(m.executionReportStatus, executed);
  const side = sideOf(m.direction);
  const type = typeOf(m.orderType);
  if (!status || !side || !type) return undefined;
  const key = clientOrderId ?? clientKeyOf(m.orderRequestId, m.orderId);
  const ev = base('status', accountId, key, at, source);
  ev.status = status;
  if (m.orderId) ev.venueOrderId = m.orderId;
  ev.filledQuantity = executed.toString();
  const avg = executed > 0n ? priceOf(m.averagePositionPrice) : undefined;
  if (avg !== undefined) ev.averagePrice = avg;
  ev.fills = m.stages.filter((s) => s.tradeId).map((s) => stageFill(s, at));
  ev.terms = termsOf(
    { accountId, clientOrderId: key, instrumentId: m.instrumentUid, side, type, quantity: lots(m.lotsRequested).toString(), price: priceOf(m.initialSecurityPrice) },
    msOf(m.orderDate) ?? at,
  );
  return ev;
}

/**
 * One OrderStateStream event, for any order on the account (ours or placed elsewhere): 'status'
 * evidence with its terms; its fills are this change's trades only, converted to lots.
 */
export function fromStreamState(m: StreamOrderStateMsg, at: number): OrderEvidence | undefined {
  const executed = lots(m.lotsExecuted);
  const status = statusOf(m.executionReportStatus, executed);
  const side = sideOf(m.direction);
  const type = typeOf(m.orderType);
  if (!status || !side || !type) return undefined;
  const key = clientKeyOf(m.orderRequestId, m.orderId);
  const fills = m.trades.filter((t) => t.tradeId).map((t) => tradeFill(t, m.lotSize, at));
  // The venue's own time of this change: completion, else the latest trade, else arrival.
  const said = msOf(m.completionTime) ?? fills.reduce<number | undefined>((mx, f) => (mx === undefined || f.time > mx ? f.time : mx), undefined) ?? at;
  const ev = base('status', m.accountId, key, said, 'stream');
  ev.status = status;
  ev.filledQuantity = executed.toString();
  if (fills.length > 0) ev.fills = fills;
  ev.terms = termsOf(
    { accountId: m.accountId, clientOrderId: key, instrumentId: m.instrumentUid, side, type, quantity: lots(m.lotsRequested).toString(), price: priceOf(m.orderPrice) },
    msOf(m.createdAt) ?? at,
  );
  // The first event of an order carries the broker's internal number, not yet the exchange id
  // (§2.4): only a later event's id can be used to cancel.
  if (m.orderId && m.executionReportStatus !== EXECUTION_STATUS.new) ev.venueOrderId = m.orderId;
  if (m.statusInfo) {
    ev.reason = { code: `cause-${m.statusInfo}`, message: STATUS_CAUSE[m.statusInfo] ?? `status cause ${m.statusInfo}` };
  }
  return ev;
}
