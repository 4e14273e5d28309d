/**
 * Orders of this run: every update from the push stream, plus the answers to our own
 * commands. Updates can race (a command's answer against the stream), so the later one by
 * the venue's clock wins, and a final state is never undone by a stale open one.
 */
import type { BridgeFailure, CancelAllResult, MethodRequest, Result } from '../../electron/contract.js';
import type { Order, VenueId } from '../../common/domain.js';
import { FINAL_ORDER_STATUSES, pendingOrder } from '../../common/domain.js';
import type { SliceCreator } from './app-state.js';
import { cancelAllHeadline, cancelAllLines } from '../cancel-report.js';

export type PlaceRequest = MethodRequest<'orders.place'>;

/** Working, or possibly working: an order whose outcome is unknown may be live on the venue. */
export function isOpen(o: Order): boolean {
  return !FINAL_ORDER_STATUSES.has(o.status);
}

export function orderKey(o: { venue: VenueId; clientOrderId: string }): string {
  return `${o.venue}|${o.clientOrderId}`;
}

function supersedes(incoming: Order, known: Order | undefined): boolean {
  if (!known) return true;
  if (FINAL_ORDER_STATUSES.has(known.status) && !FINAL_ORDER_STATUSES.has(incoming.status)) return false;
  return incoming.updatedAt >= known.updatedAt;
}

/** Folds updates into the map (same map back when nothing changed). */
export function mergeOrders(current: Readonly<Record<string, Order>>, incoming: readonly Order[]): Readonly<Record<string, Order>> {
  let next: Record<string, Order> | undefined;
  for (const o of incoming) {
    const key = orderKey(o);
    const known = (next ?? current)[key];
    if (known === o || !supersedes(o, known)) continue;
    next ??= { ...current };
    next[key] = o;
  }
  return next ?? current;
}

/**
 * A snapshot is the far side's truth for what it knows; orders it no longer holds that had
 * already ended here (a rejection seen only as a command's answer) stay in the history.
 */
export function resyncOrders(current: Readonly<Record<string, Order>>, snapshot: readonly Order[]): Readonly<Record<string, Order>> {
  const kept = Object.fromEntries(Object.entries(current).filter(([, o]) => FINAL_ORDER_STATUSES.has(o.status)));
  return mergeOrders(kept, snapshot);
}

/** The venue's rejection as an order in the history, when the answer to a send was the only evidence. */
export function rejectedOrder(req: PlaceRequest, failure: BridgeFailure, at: number): Order {
  const reason: NonNullable<Order['reason']> = { code: failure.venue?.code ?? failure.code, message: failure.message };
  if (failure.venue?.trackingId) reason.trackingId = failure.venue.trackingId;
  return { ...pendingOrder(req, at), status: 'rejected', reason };
}

/** Failures where the venue itself said no: the order belongs in the history with the venue's code. */
export function isVenueRejection(f: BridgeFailure): boolean {
  return f.code === 'rejected' || (f.code === 'invalid' && f.venue !== undefined);
}

export interface OrdersSlice {
  orders: Readonly<Record<string, Order>>;
  /** Sends one ticket submission; the caller made its clientOrderId and reuses it on a retry. */
  placeOrder(req: PlaceRequest): Promise<Result<Order>>;
  cancelOrder(order: Order): Promise<boolean>;
  /** One venue, or every connected venue when `venue` is omitted (the panic key). */
  cancelAll(venue?: VenueId): Promise<Result<CancelAllResult>>;
  loadOrders(): Promise<void>;
  applyOrders(orders: readonly Order[]): void;
}

export const createOrdersSlice: SliceCreator<OrdersSlice> = (bridge) => (set, get) => ({
  orders: {},
  applyOrders(list) {
    const orders = mergeOrders(get().orders, list);
    if (orders !== get().orders) set({ orders });
  },
  async placeOrder(req) {
    const result = await bridge.invoke('orders.place', req);
    if (result.ok) get().applyOrders([result.value]);
    else if (isVenueRejection(result) && !get().orders[orderKey(req)]) get().applyOrders([rejectedOrder(req, result, Date.now())]);
    return result;
  },
  async cancelOrder(order) {
    const result = await bridge.invoke('orders.cancel', {
      venue: order.venue,
      accountId: order.accountId,
      clientOrderId: order.clientOrderId,
    });
    if (result.ok) {
      get().applyOrders([result.value]);
      return true;
    }
    get().notify({
      tone: 'error',
      title: 'Cancel failed',
      detail: `${result.venue?.code ?? result.code}: ${result.message}`,
    });
    return false;
  },
  async cancelAll(venue) {
    const result = await bridge.invoke('orders.cancelAll', venue ? { venue } : {});
    if (!result.ok) {
      get().notify({ tone: 'error', title: 'Cancel all failed', detail: `${result.code}: ${result.message}` });
      return result;
    }
    // Each cancel also arrives as an update; the list makes sure the blotter agrees even if one was missed.
    void get().loadOrders();
    const report = result.value;
    get().notify({ tone: report.failed.length ? 'error' : 'info', title: cancelAllHeadline(report) });
    // What was not cancelled stays on screen until the trader dismisses it.
    for (const line of cancelAllLines(report)) {
      if (!line.ok) get().notify({ tone: 'error', title: 'Not cancelled', detail: line.text, sticky: true });
    }
    return result;
  },
  async loadOrders() {
    const result = await bridge.invoke('orders.list', {});
    if (result.ok) get().applyOrders(result.value);
  },
});
