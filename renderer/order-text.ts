/** How orders read, the same in the blotter, on the chart, in toasts and to assistive tech. */
import type { Fill, Instrument, Order, OrderStatus, OrderType, TimeInForce, TrailingOffset, VenueId } from '../common/domain.js';
import { TRAILING_ORDER_TYPES, TRIGGER_ORDER_TYPES } from '../common/domain.js';
import { grouped } from '../common/decimal.js';

export const VENUE_NAMES: Readonly<Record<VenueId, string>> = { tinvest: 'T-Invest', kraken: 'Kraken' };

const STATUS_TEXT: Readonly<Record<OrderStatus, string>> = {
  pending: 'sent',
  open: 'open',
  'partially-filled': 'partially filled',
  filled: 'filled',
  cancelled: 'cancelled',
  rejected: 'rejected',
  expired: 'expired',
  // The answer to a send or cancel was lost: the order may or may not be working.
  unknown: 'outcome unknown',
};

export function statusText(status: OrderStatus): string {
  return STATUS_TEXT[status];
}

export function sideText(side: Order['side']): string {
  return side === 'buy' ? 'Buy' : 'Sell';
}

/** "10 lots" on T-Invest, "0.01" (base units) on Kraken. */
export function quantityText(quantity: string, instrument: Instrument | undefined): string {
  if (instrument?.qtyUnit === 'lot') return `${quantity} lot${quantity === '1' ? '' : 's'}`;
  return quantity;
}

export function symbolOf(order: { instrumentId: string }, instrument: Instrument | undefined): string {
  return instrument?.symbol ?? order.instrumentId;
}

/** What an order type is called on the ticket and in the blotter. */
export const ORDER_TYPE_NAMES: Readonly<Record<OrderType, string>> = {
  limit: 'Limit',
  market: 'Market',
  'stop-loss': 'Stop loss',
  'stop-loss-limit': 'Stop loss limit',
  'take-profit': 'Take profit',
  'take-profit-limit': 'Take profit limit',
  'trailing-stop': 'Trailing stop',
  'trailing-stop-limit': 'Trailing stop limit',
};

export const TIME_IN_FORCE_NAMES: Readonly<Record<TimeInForce, string>> = {
  day: 'Day',
  gtc: 'Good till cancelled',
  gtd: 'Good till date',
  ioc: 'Immediate or cancel',
  fok: 'Fill or kill',
};

/** "2%" or "150.5" behind the best price. */
export function trailingText(offset: TrailingOffset): string {
  return offset.unit === 'percent' ? `${offset.value}%` : grouped(offset.value);
}

type Described = Pick<Order, 'side' | 'type' | 'quantity' | 'price' | 'instrumentId'> &
  Partial<Pick<Order, 'triggerPrice' | 'trailingOffset' | 'timeInForce' | 'expireAt' | 'postOnly'>>;

/** The terms after the symbol: " @ 306.50 limit", " market", " stop-loss at trigger 60 000". */
function termsText(o: Described): string {
  if (o.type === 'limit') return o.price !== undefined ? ` @ ${o.price} limit` : ' limit';
  if (o.type === 'market') return ' market';
  const limit = o.price === undefined ? '' : o.type === 'trailing-stop-limit' ? `, limit ${grouped(o.price)} beyond the trigger` : `, limit ${grouped(o.price)}`;
  if (TRAILING_ORDER_TYPES.has(o.type)) {
    return ` ${o.type}${o.trailingOffset ? ` ${trailingText(o.trailingOffset)} behind the best price` : ''}${limit}`;
  }
  return ` ${o.type}${o.triggerPrice !== undefined ? ` at trigger ${grouped(o.triggerPrice)}` : ''}${limit}`;
}

/** " (IOC)", " (good till 2026-12-07 18:00)", " (post-only)": said only when not the venue's default. */
function conditionsText(o: Described): string {
  const parts: string[] = [];
  if (o.timeInForce === 'gtd' && o.expireAt !== undefined) parts.push(`good till ${dateTime(o.expireAt).slice(0, 16)}`);
  else if (o.timeInForce === 'ioc' || o.timeInForce === 'fok') parts.push(o.timeInForce.toUpperCase());
  if (o.postOnly) parts.push('post-only');
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

/**
 * "Buy 10 lots SBER @ 306.50 limit" / "Sell 0.01 BTC/USD market" /
 * "Sell 1 BTC/USD stop-loss at trigger 60 000" / "Sell 1 BTC/USD trailing-stop 2% behind the best price".
 */
export function orderSummary(order: Described, instrument: Instrument | undefined): string {
  return `${sideText(order.side)} ${quantityText(order.quantity, instrument)} ${symbolOf(order, instrument)}${termsText(order)}${conditionsText(order)}`;
}

/** The blotter's type cell: the type and, for stops, what starts them. */
export function typeText(o: Pick<Order, 'type' | 'triggerPrice' | 'trailingOffset'>): string {
  if (o.triggerPrice !== undefined) return `${o.type} @ ${o.triggerPrice}`;
  if (o.trailingOffset) return `${o.type} ${trailingText(o.trailingOffset)}`;
  return o.type;
}

/** A stop order's state at the venue: waiting for its trigger, or triggered (and when). */
export function triggerText(o: Pick<Order, 'type' | 'triggeredAt'>): string | undefined {
  if (!TRIGGER_ORDER_TYPES.has(o.type)) return undefined;
  return o.triggeredAt !== undefined ? `triggered ${clockTime(o.triggeredAt)}` : 'waiting for trigger';
}

/** "2 amends, last 14:03:05: price 60 100" — empty when never amended. */
export function amendsText(o: Pick<Order, 'amends'>): string {
  const list = o.amends ?? [];
  const last = list.at(-1);
  if (!last) return '';
  const what = [
    last.price !== undefined ? `price ${last.price}` : '',
    last.triggerPrice !== undefined ? `trigger ${last.triggerPrice}` : '',
    last.quantity !== undefined ? `quantity ${last.quantity}` : '',
  ].filter(Boolean);
  return `${list.length} amend${list.length === 1 ? '' : 's'}, last ${clockTime(last.at)}${what.length > 0 ? `: ${what.join(', ')}` : ''}`;
}

/** The venue's reason for a rejection, code first: "30034: not enough balance". */
export function reasonText(order: Order): string | undefined {
  if (!order.reason) return undefined;
  const { code, message, trackingId } = order.reason;
  const tracking = trackingId ? ` (tracking id ${trackingId})` : '';
  // Kraken's code is its message ("EOrder:Insufficient funds"): say it once.
  return `${message === code || message.startsWith(`${code}:`) ? message : `${code}: ${message}`}${tracking}`;
}

/** An open order drawn on its chart, in words: "Buy 0.01 @ 60000.0, open". */
export function priceLineText(order: Order, instrument: Instrument | undefined): string {
  // A stop without a limit price sits at its trigger until it fires.
  const at = order.price ?? (order.triggerPrice !== undefined ? `trigger ${order.triggerPrice}` : 'market');
  const stop = TRIGGER_ORDER_TYPES.has(order.type) ? `${order.type} ` : '';
  return `${sideText(order.side)} ${quantityText(order.quantity, instrument)} ${stop}@ ${at}, ${statusText(order.status)}`;
}

export function fillText(order: Order, fill: Fill, instrument: Instrument | undefined): string {
  return `${sideText(order.side)} ${quantityText(fill.quantity, instrument)} ${symbolOf(order, instrument)} @ ${fill.price}`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** Local wall-clock time of an event (orders, fills, state changes): HH:MM:SS. */
export function clockTime(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Local date and time, for history that spans days: "2026-12-06 14:03:05". */
export function dateTime(ms: number): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return '—';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${clockTime(ms)}`;
}
