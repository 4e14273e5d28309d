/**
 * Orders as the core tells them. The core's state machine decides every order's state and
 * pushes each change, in order; here an update replaces the order by key and a snapshot
 * replaces the map: nothing is merged or ranked in the renderer. The answer to our own
 * place or cancel is applied only while the order is not known yet, so it never lands on
 * top of a newer pushed update. A rejection that never reached the journal (a check failed
 * before the order was recorded) is the one order kept here alone.
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

/** Each update replaces its order, in arrival order (same map back when the list is empty). */
export function replaceOrders(current: Readonly<Record<string, Order>>, updates: readonly Order[]): Readonly<Record<string, Order>> {
  if (updates.length === 0) return current;
  const next = { ...current };
  for (const o of updates) next[orderKey(o)] = o;
  return next;
}

/**
 * An answer to our own request (place, cancel, list) may be older than an update pushed
 * meanwhile: it only adds orders not known yet (same map back when it adds none).
 */
export function addUnknownOrders(current: Readonly<Record<string, Order>>, answers: readonly Order[]): Readonly<Record<string, Order>> {
  let next: Record<string, Order> | undefined;
  for (const o of answers) {
    const key = orderKey(o);
    if ((next ?? current)[key]) continue;
    next ??= { ...current };
    next[key] = o;
  }
  return next ?? current;
}

/**
 * The snapshot's orders are the map; of what was here, only the local rejections (never
 * journaled, so no snapshot holds them) are kept, unless the snapshot has their key after all.
 */
export function resyncOrders(
  current: Readonly<Record<string, Order>>,
  snapshot: readonly Order[],
  localRejections: Readonly<Record<string, true>>,
): Readonly<Record<string, Order>> {
  const kept: Record<string, Order> = {};
  for (const key of Object.keys(localRejections)) {
    const o = current[key];
    if (o) kept[key] = o;
  }
  return replaceOrders(kept, snapshot);
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
  /** Keys of the rejections known only from a command's answer: a snapshot keeps them. */
  localRejections: Readonly<Record<string, true>>;
  /** Sends one ticket submission; the caller made its clientOrderId and reuses it on a retry. */
  placeOrder(req: PlaceRequest): Promise<Result<Order>>;
  cancelOrder(order: Order): Promise<boolean>;
  /** One venue, or every connected venue when `venue` is omitted (the panic key). */
  cancelAll(venue?: VenueId): Promise<Result<CancelAllResult>>;
  loadOrders(): Promise<void>;
  /** The core's updates (or its full list): each replaces its order. */
  applyOrders(orders: readonly Order[]): void;
  /** Answers to our own requests: applied only to orders not known yet, so a newer push stays. */
  applyAnswers(orders: readonly Order[]): void;
}

export const createOrdersSlice: SliceCreator<OrdersSlice> = (bridge) => (set, get) => ({
  orders: {},
  localRejections: {},
  applyOrders(list) {
    const orders = replaceOrders(get().orders, list);
    if (orders !== get().orders) set({ orders });
  },
  applyAnswers(list) {
    const orders = addUnknownOrders(get().orders, list);
    if (orders !== get().orders) set({ orders });
  },
  async placeOrder(req) {
    const result = await bridge.invoke('orders.place', req);
    if (result.ok) get().applyAnswers([result.value]);
    else if (isVenueRejection(result) && !get().orders[orderKey(req)]) {
      const key = orderKey(req);
      set((s) => ({ orders: { ...s.orders, [key]: rejectedOrder(req, result, Date.now()) }, localRejections: { ...s.localRejections, [key]: true } }));
    }
    return result;
  },
  async cancelOrder(order) {
    const result = await bridge.invoke('orders.cancel', {
      venue: order.venue,
      accountId: order.accountId,
      clientOrderId: order.clientOrderId,
    });
    if (result.ok) {
      get().applyAnswers([result.value]);
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
    // An answer, not a push: an order already here may have moved on since the list was made.
    if (result.ok) get().applyAnswers(result.value);
  },
});
