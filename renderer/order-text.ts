/** How orders read, the same in the blotter, on the chart, in toasts and to assistive tech. */
import type { Fill, Instrument, Order, OrderStatus, VenueId } from '../common/domain.js';

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

/** "Buy 10 lots SBER @ 306.50 limit" / "Sell 0.01 BTC/USD market". */
export function orderSummary(order: Pick<Order, 'side' | 'type' | 'quantity' | 'price' | 'instrumentId'>, instrument: Instrument | undefined): string {
  const at = order.type === 'limit' && order.price !== undefined ? ` @ ${order.price} limit` : ' market';
  return `${sideText(order.side)} ${quantityText(order.quantity, instrument)} ${symbolOf(order, instrument)}${at}`;
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
  return `${sideText(order.side)} ${quantityText(order.quantity, instrument)} @ ${order.price ?? 'market'}, ${statusText(order.status)}`;
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
