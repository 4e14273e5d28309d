/**
 * StopOrdersService messages as proto-loader hands them over (camelCase, int64 as strings,
 * enums as numbers; venue notes §7), our domain stop types on the wire, and the pure parse of
 * one StopOrder into evidence.
 */
import type { Dec, EvidenceSource, OrderEvidence, OrderRequest, OrderStatus, OrderTerms, OrderType, TimeInForce, TrailingOffset } from '../../../common/domain.js';
import { VenueError } from '../venue.js';
import type { Timestamp } from './messages.js';
import { msOf, sideOf } from './order-parse.js';
import { QuotationError, decToQuotation, quotationNanos, quotationToDec } from './quotation.js';
import type { MoneyValue, Quotation, QuotationLike } from './quotation.js';

export const STOP_DIRECTION = { buy: 1, sell: 2 } as const;
export const STOP_EXPIRATION = { goodTillCancel: 1, goodTillDate: 2 } as const;
export const STOP_TYPE = { takeProfit: 1, stopLoss: 2, stopLimit: 3 } as const;
export const STOP_STATUS = { all: 1, active: 2, executed: 3, canceled: 4, expired: 5 } as const;
export const EXCHANGE_ORDER_TYPE = { market: 1, limit: 2 } as const;
export const TAKE_PROFIT_TYPE = { regular: 1, trailing: 2 } as const;
export const TRAILING_VALUE = { absolute: 1, relative: 2 } as const;

export interface StopTrailingData {
  indent?: Quotation | null;
  indentType: number;
  spread?: Quotation | null;
  spreadType: number;
}

export interface PostStopOrderRequest {
  quantity: string;
  price?: Quotation;
  stopPrice?: Quotation;
  direction: number;
  accountId: string;
  expirationType: number;
  stopOrderType: number;
  expireDate?: Timestamp;
  instrumentId: string;
  exchangeOrderType: number;
  takeProfitType: number;
  trailingData?: StopTrailingData;
  orderId: string;
}
export interface PostStopOrderResponse {
  stopOrderId: string;
  orderRequestId: string;
}
export interface GetStopOrdersRequest {
  accountId: string;
  status: number;
  from?: Timestamp;
  to?: Timestamp;
}
export interface StopOrderMsg {
  stopOrderId: string;
  lotsRequested: string;
  figi: string;
  direction: number;
  currency: string;
  orderType: number;
  createDate?: Timestamp | null;
  activationDateTime?: Timestamp | null;
  expirationTime?: Timestamp | null;
  price?: MoneyValue | null;
  stopPrice?: MoneyValue | null;
  instrumentUid: string;
  takeProfitType: number;
  trailingData?: (StopTrailingData & { status: number; price?: Quotation | null; extr?: Quotation | null }) | null;
  status: number;
  exchangeOrderType: number;
  exchangeOrderId?: string | null;
}
export interface GetStopOrdersResponse {
  stopOrders: StopOrderMsg[];
}
export interface CancelStopOrderRequest {
  accountId: string;
  stopOrderId: string;
}
export interface CancelStopOrderResponse {
  time?: Timestamp | null;
}

/**
 * Times in force of stop orders: good till cancelled (the default) or till a date. day, ioc
 * and fok belong to plain orders (PostOrder's time_in_force).
 */
export const STOP_TIME_IN_FORCE: readonly TimeInForce[] = ['gtc', 'gtd'];

function invalid(code: string, message: string): VenueError {
  return new VenueError('invalid', code, message);
}

function wirePrice(p: Dec, name: string): Quotation {
  try {
    return decToQuotation(p);
  } catch (e) {
    if (e instanceof QuotationError) throw invalid(name, `${name} ${p}: ${e.message}`);
    throw e;
  }
}

function timestampOfMs(ms: number): Timestamp {
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 };
}

/**
 * Our stop types on the wire (§7): stop-loss → STOP_LOSS (market child), stop-loss-limit →
 * STOP_LIMIT (limit child at `price`), take-profit → TAKE_PROFIT (market child),
 * take-profit-limit → TAKE_PROFIT with a LIMIT child, trailing-stop → TAKE_PROFIT + TRAILING
 * with the offset as indent (no protective spread: 0 of the same unit, as the venue wants
 * both fields). T-Invest has no trailing-stop-limit. The client order id is the order_id key.
 */
export function postStopOrderRequest(req: OrderRequest): PostStopOrderRequest {
  if (!/^\d+$/.test(req.quantity)) throw invalid('quantity', `quantity ${req.quantity} is not a whole number of lots`);
  const tif = req.timeInForce ?? 'gtc';
  if (tif !== 'gtc' && tif !== 'gtd') throw invalid('time-in-force', `a T-Invest stop order is good till cancelled or till a date, not ${tif}`);
  const wire: PostStopOrderRequest = {
    quantity: req.quantity,
    direction: req.side === 'buy' ? STOP_DIRECTION.buy : STOP_DIRECTION.sell,
    accountId: req.accountId,
    expirationType: tif === 'gtd' ? STOP_EXPIRATION.goodTillDate : STOP_EXPIRATION.goodTillCancel,
    stopOrderType: STOP_TYPE.takeProfit,
    instrumentId: req.instrumentId,
    exchangeOrderType: EXCHANGE_ORDER_TYPE.market,
    takeProfitType: 0,
    orderId: req.clientOrderId,
  };
  if (tif === 'gtd') {
    if (req.expireAt === undefined || !Number.isFinite(req.expireAt)) throw invalid('expire-at', 'a good-till-date stop order needs its date');
    wire.expireDate = timestampOfMs(req.expireAt);
  }
  const trigger = (): Quotation => {
    if (req.triggerPrice === undefined) throw invalid('trigger-price', `a ${req.type} order needs a trigger price`);
    return wirePrice(req.triggerPrice, 'trigger price');
  };
  const limit = (): Quotation => {
    if (req.price === undefined) throw invalid('price', `a ${req.type} order needs a limit price`);
    return wirePrice(req.price, 'price');
  };
  switch (req.type) {
    case 'stop-loss':
      wire.stopOrderType = STOP_TYPE.stopLoss;
      wire.stopPrice = trigger();
      break;
    case 'stop-loss-limit':
      wire.stopOrderType = STOP_TYPE.stopLimit;
      wire.exchangeOrderType = EXCHANGE_ORDER_TYPE.limit;
      wire.stopPrice = trigger();
      wire.price = limit();
      break;
    case 'take-profit':
      wire.takeProfitType = TAKE_PROFIT_TYPE.regular;
      wire.stopPrice = trigger();
      break;
    case 'take-profit-limit':
      wire.takeProfitType = TAKE_PROFIT_TYPE.regular;
      wire.exchangeOrderType = EXCHANGE_ORDER_TYPE.limit;
      wire.stopPrice = trigger();
      wire.price = limit();
      break;
    case 'trailing-stop': {
      const off = req.trailingOffset;
      if (!off) throw invalid('trailing-offset', 'a trailing stop needs its offset');
      const unit = off.unit === 'percent' ? TRAILING_VALUE.relative : TRAILING_VALUE.absolute;
      wire.takeProfitType = TAKE_PROFIT_TYPE.trailing;
      wire.trailingData = { indent: wirePrice(off.value, 'trailing offset'), indentType: unit, spread: { units: '0', nano: 0 }, spreadType: unit };
      // With a trigger price the trail starts once the price reaches it; without, at once.
      if (req.triggerPrice !== undefined) wire.stopPrice = trigger();
      break;
    }
    default:
      throw invalid('order-type', `T-Invest stop orders have no ${req.type} type`);
  }
  return wire;
}

function decOf(q: QuotationLike | null | undefined): Dec | undefined {
  if (!q) return undefined;
  return quotationNanos(q) === 0n ? undefined : quotationToDec(q);
}

/** The domain type of a stop order as the venue lists it; undefined for values we do not know. */
export function stopTypeOf(m: Pick<StopOrderMsg, 'orderType' | 'takeProfitType' | 'exchangeOrderType'>): OrderType | undefined {
  switch (m.orderType) {
    case STOP_TYPE.stopLoss:
      return 'stop-loss';
    case STOP_TYPE.stopLimit:
      return 'stop-loss-limit';
    case STOP_TYPE.takeProfit:
      if (m.takeProfitType === TAKE_PROFIT_TYPE.trailing) return 'trailing-stop';
      return m.exchangeOrderType === EXCHANGE_ORDER_TYPE.limit ? 'take-profit-limit' : 'take-profit';
    default:
      return undefined;
  }
}

/** ACTIVE waits (open); EXECUTED became an exchange order, whose own state tells the rest. */
export function stopStatusOf(status: number): OrderStatus | 'triggered' | undefined {
  switch (status) {
    case STOP_STATUS.active:
      return 'open';
    case STOP_STATUS.executed:
      return 'triggered';
    case STOP_STATUS.canceled:
      return 'cancelled';
    case STOP_STATUS.expired:
      return 'expired';
    default:
      return undefined;
  }
}

/** The child exchange order of an activated stop order; '' (proto3 default) is none. */
export function childIdOf(m: StopOrderMsg): string | undefined {
  return m.exchangeOrderId ? m.exchangeOrderId : undefined;
}

/**
 * One StopOrder as 'status' evidence with its terms, under the client key given (ours, or a
 * key for a stop order placed elsewhere). A triggered one carries `triggeredAt` and no status
 * (its child exchange order's events say what it became). A string says why it is unreadable.
 */
export function fromStopOrder(m: StopOrderMsg, accountId: string, clientOrderId: string, at: number, source: EvidenceSource): OrderEvidence | string {
  const type = stopTypeOf(m);
  const side = sideOf(m.direction);
  const status = stopStatusOf(m.status);
  if (!type || !side || !status) return `unknown stop order type ${m.orderType}, direction ${m.direction} or status ${m.status}`;
  try {
    const terms: OrderTerms = { instrumentId: m.instrumentUid, side, type, quantity: /^\d+$/.test(m.lotsRequested) ? m.lotsRequested : '0', createdAt: msOf(m.createDate) ?? at };
    const price = decOf(m.price);
    if (price !== undefined && (type === 'stop-loss-limit' || type === 'take-profit-limit')) terms.price = price;
    const trigger = decOf(m.stopPrice);
    if (trigger !== undefined) terms.triggerPrice = trigger;
    const td = m.trailingData;
    const indent = decOf(td?.indent);
    if (type === 'trailing-stop' && td && indent !== undefined) {
      const off: TrailingOffset = { value: indent, unit: td.indentType === TRAILING_VALUE.relative ? 'percent' : 'price' };
      terms.trailingOffset = off;
    }
    const expires = msOf(m.expirationTime);
    terms.timeInForce = expires !== undefined ? 'gtd' : 'gtc';
    if (expires !== undefined) terms.expireAt = expires;
    const ev: OrderEvidence = { kind: 'status', venue: 'tinvest', accountId, clientOrderId, venueOrderId: m.stopOrderId, at, source, terms };
    if (status === 'triggered') ev.triggeredAt = msOf(m.activationDateTime) ?? at;
    else ev.status = status;
    return ev;
  } catch (e) {
    if (e instanceof QuotationError) return e.message;
    throw e;
  }
}
