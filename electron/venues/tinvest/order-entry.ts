/**
 * Order commands: PostOrder, ReplaceOrder, CancelOrder, and the asking that settles orders
 * whose answer was lost (§2.4, §4.5, §4.6).
 *
 * The client order id is the PostOrder `order_id` idempotency key, sent unchanged on every
 * attempt, so a retry can never place a second order. Failures are sorted by errors.ts's
 * orderFailure: lost answers and INTERNAL 7000x are retried with the same key (bounded, with
 * backoff); refusals of the request itself are final and reach the caller as VenueError with
 * the venue's code, text and tracking id. When no attempt got an answer the order is `unknown`,
 * never `rejected`: a resolver asks GetOrderState by the client key until the venue says what
 * became of it (the order stream may say it first).
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Dec, Instrument, Order, OrderRequest } from '../../../common/domain.js';
import { pendingOrder } from '../../../common/domain.js';
import { Backoff } from '../../net/backoff.js';
import type { BackoffOptions } from '../../net/backoff.js';
import { VenueError } from '../venue.js';
import type { ConnectionReporter } from '../venue.js';
import { DEADLINE_MS, ORDER_DIRECTION, ORDER_ID_TYPE, ORDER_TYPE, SERVICES, TIME_IN_FORCE_DAY } from './constants.js';
import { orderFailure, toVenueError } from './errors.js';
import { checkClientKey, checkOrder, checkQuantityAndPrice } from './order-checks.js';
import type {
  CancelOrderRequest,
  CancelOrderResponse,
  GetOrderStateRequest,
  OrderStateMsg,
  PostOrderRequest,
  PostOrderResponse,
  ReplaceOrderRequest,
} from './order-messages.js';
import { encodePostOrderRequest } from './order-encoder.js';
import { fromOrderState, fromPostOrderResponse } from './order-parse.js';
import type { OrderIdentity } from './order-parse.js';
import { isFinal } from './order-tracker.js';
import type { OrderTracker, TrackedOrder } from './order-tracker.js';
import { method } from './proto.js';
import { QuotationError, decToQuotation } from './quotation.js';
import type { Quotation } from './quotation.js';
import type { TInvestRpc } from './rpc.js';

export interface OrderRetryOptions {
  /** Attempts that reached (or may have reached) the venue before the order is `unknown`. Default 5. */
  maxAttempts?: number;
  /** Longest time spent on one command, waits for an open circuit included. Default 30 s. */
  giveUpMs?: number;
  backoff?: BackoffOptions;
}

export interface ResolveOptions {
  backoff?: BackoffOptions;
  /**
   * "Order not found" answers, in a row, that settle an unknown order as never placed; only
   * counted once `notFoundAfterMs` have passed since the last send, so a request still on its
   * way cannot be outrun. Defaults 3 and 5000 ms.
   */
  notFoundChecks?: number;
  notFoundAfterMs?: number;
}

export interface OrderEntryOptions {
  rpc: TInvestRpc;
  tracker: OrderTracker;
  /** The instrument an order is checked against (the catalog, else ShareBy). */
  instrument(id: string): Promise<Instrument>;
  /** The 'orders' connection: errors seen on the way go to diagnostics. */
  reporter: ConnectionReporter;
  now: () => number;
  retry?: OrderRetryOptions;
  resolve?: ResolveOptions;
  /** Deadline of one PostOrder/ReplaceOrder/CancelOrder attempt. */
  commandDeadlineMs?: number;
}

/** A new quantity (lots) and, for limit orders, a new price. */
export interface OrderChange {
  quantity: Dec;
  price?: Dec;
}

/** Tries at reading an exchange id before leaving it unknown (cancel works by client key too). */
const LEARN_ATTEMPTS = 8;

const methods = {
  // The order path's one message gets our own encoder (same bytes, a fraction of the work).
  postOrder: { ...method<PostOrderRequest, PostOrderResponse>(SERVICES.orders, 'PostOrder'), serialize: encodePostOrderRequest },
  replaceOrder: method<ReplaceOrderRequest, PostOrderResponse>(SERVICES.orders, 'ReplaceOrder'),
  cancelOrder: method<CancelOrderRequest, CancelOrderResponse>(SERVICES.orders, 'CancelOrder'),
  getOrderState: method<GetOrderStateRequest, OrderStateMsg>(SERVICES.orders, 'GetOrderState'),
};

function reasonOf(e: VenueError): NonNullable<Order['reason']> {
  const r: NonNullable<Order['reason']> = { code: e.code, message: e.message };
  if (e.trackingId !== undefined) r.trackingId = e.trackingId;
  return r;
}

/** Lots as int64 text; anything else cannot even be encoded. */
function wireLots(q: Dec): string {
  if (!/^-?\d+$/.test(q)) throw new VenueError('invalid', 'quantity', `quantity ${q} is not a whole number of lots`);
  return q;
}

function wirePrice(p: Dec): Quotation {
  try {
    return decToQuotation(p);
  } catch (e) {
    if (e instanceof QuotationError) throw new VenueError('invalid', 'price', `price ${p}: ${e.message}`);
    throw e;
  }
}

export function identityOf(req: OrderRequest): OrderIdentity {
  return {
    accountId: req.accountId,
    clientOrderId: req.clientOrderId,
    instrumentId: req.instrumentId,
    side: req.side,
    type: req.type,
    quantity: req.quantity,
    price: req.type === 'limit' ? req.price : undefined,
  };
}

/** The PostOrder request of a domain order: built once, sent as it is on every attempt. */
export function postOrderRequest(req: OrderRequest): PostOrderRequest {
  const wire: PostOrderRequest = {
    quantity: wireLots(req.quantity),
    direction: req.side === 'buy' ? ORDER_DIRECTION.buy : ORDER_DIRECTION.sell,
    accountId: req.accountId,
    orderType: req.type === 'limit' ? ORDER_TYPE.limit : ORDER_TYPE.market,
    orderId: req.clientOrderId,
    instrumentId: req.instrumentId,
    timeInForce: TIME_IN_FORCE_DAY,
  };
  // The venue ignores a price on market orders (§2.4); sending none keeps that obvious.
  if (req.type === 'limit' && req.price !== undefined) wire.price = wirePrice(req.price);
  return wire;
}

export class OrderEntry {
  private readonly opts: OrderEntryOptions;
  private readonly tracker: OrderTracker;
  private readonly abort = new AbortController();
  private readonly inFlight = new Map<string, Promise<Order>>();
  private readonly idAsked = new Set<string>();
  private readonly maxAttempts: number;
  private readonly giveUpMs: number;
  private readonly commandDeadlineMs: number;
  private readonly commandOptions: { deadlineMs: number; sideEffect: true };
  private closed = false;

  constructor(opts: OrderEntryOptions) {
    this.opts = opts;
    this.tracker = opts.tracker;
    this.maxAttempts = opts.retry?.maxAttempts ?? 5;
    this.giveUpMs = opts.retry?.giveUpMs ?? 30_000;
    this.commandDeadlineMs = opts.commandDeadlineMs ?? DEADLINE_MS.PostOrder;
    this.commandOptions = { deadlineMs: this.commandDeadlineMs, sideEffect: true };
  }

  /** Checks the order against its instrument, then sends it. Nothing is sent when a check fails. */
  async place(req: OrderRequest): Promise<Order> {
    const inst = await this.opts.instrument(req.instrumentId);
    checkOrder(req, inst);
    return this.send(req);
  }

  /**
   * Sends an order as it is, without the instrument checks (the venue's own checks then
   * answer). A repeat of a client key already sent returns that order; nothing is sent again.
   */
  submit(req: OrderRequest): Promise<Order> {
    try {
      checkClientKey(req.clientOrderId);
    } catch (e) {
      return Promise.reject(toVenueError(e));
    }
    return this.send(req);
  }

  /** The first send of a client key (or its running send). The key is known to be a UUID. */
  private send(req: OrderRequest): Promise<Order> {
    const key = req.clientOrderId;
    const running = this.inFlight.get(key);
    if (running) return running;
    const known = this.tracker.snapshot(key);
    if (known) return Promise.resolve(known);
    let wire: PostOrderRequest;
    try {
      wire = postOrderRequest(req);
    } catch (e) {
      return Promise.reject(toVenueError(e));
    }
    const id = identityOf(req);
    const t = this.tracker.begin(this.pendingOrder(id));
    const rpc = this.opts.rpc;
    const o = this.commandOptions;
    const done = this.deliver(t, id, () => rpc.call(methods.postOrder, wire, o)).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, done);
    return done;
  }

  /**
   * ReplaceOrder (§4.6): the venue cancels the order and places a new one under a new client
   * key, which idempotency then guards like a PostOrder key.
   */
  async replace(accountId: string, clientOrderId: string, change: OrderChange, newClientOrderId: string): Promise<Order> {
    checkClientKey(newClientOrderId);
    let old = this.tracker.get(clientOrderId)?.order;
    if (!old?.venueOrderId) old = (await this.refresh(accountId, clientOrderId)) ?? old;
    if (!old?.venueOrderId) throw new VenueError('invalid', 'no-exchange-id', `order ${clientOrderId} has no exchange id yet; it can't be replaced`);
    if (isFinal(old)) throw new VenueError('rejected', 'not-active', `order ${clientOrderId} is ${old.status}; only an active order can be replaced`);
    const price = old.type === 'limit' ? (change.price ?? old.price) : undefined;
    checkQuantityAndPrice(await this.opts.instrument(old.instrumentId), old.type, change.quantity, price);
    const running = this.inFlight.get(newClientOrderId);
    if (running) return running;
    const known = this.tracker.snapshot(newClientOrderId);
    if (known) return known;
    const id: OrderIdentity = {
      accountId: old.accountId,
      clientOrderId: newClientOrderId,
      instrumentId: old.instrumentId,
      side: old.side,
      type: old.type,
      quantity: change.quantity,
      price,
    };
    const wire: ReplaceOrderRequest = { accountId, orderId: old.venueOrderId, idempotencyKey: newClientOrderId, quantity: wireLots(change.quantity) };
    // Without a new price the venue keeps the old one.
    if (old.type === 'limit' && change.price !== undefined) wire.price = wirePrice(change.price);
    const t = this.tracker.begin(this.pendingOrder(id));
    const replaced = old;
    const done = this.deliver(t, id, () => this.opts.rpc.call(methods.replaceOrder, wire, this.commandOptions))
      .then(
        (next) => {
          // The venue answered for the new order: the old one was cancelled on the way (§4.6).
          if (next.status !== 'unknown') this.tracker.apply({ ...replaced, status: 'cancelled', updatedAt: this.opts.now() }, 'send');
          return next;
        },
        (e: unknown) => {
          // Refused (30059 when the old order was no longer active): learn what the old one is.
          void this.refresh(accountId, clientOrderId).catch(() => undefined);
          throw e;
        },
      )
      .finally(() => this.inFlight.delete(newClientOrderId));
    this.inFlight.set(newClientOrderId, done);
    return done;
  }

  /**
   * CancelOrder, by the exchange id once known, else by the client key (ORDER_ID_TYPE_REQUEST).
   * Lost answers are retried; "not active" (30059) asks the venue what the order became.
   */
  async cancel(accountId: string, clientOrderId: string): Promise<Order> {
    const t = this.tracker.get(clientOrderId);
    if (t && isFinal(t.order)) return { ...t.order, fills: t.order.fills.map((f) => ({ ...f })) };
    const backoff = new Backoff(this.opts.retry?.backoff);
    const started = Date.now();
    let attempts = 0;
    let landed = false;
    let answered = false;
    let last: VenueError | undefined;
    while (!answered) {
      if (this.closed) throw new VenueError('unavailable', 'closed', 'venue closed');
      const venueId = this.tracker.get(clientOrderId)?.order.venueOrderId;
      const ref: CancelOrderRequest = venueId
        ? { accountId, orderId: venueId, orderIdType: ORDER_ID_TYPE.exchange }
        : { accountId, orderId: clientOrderId, orderIdType: ORDER_ID_TYPE.request };
      try {
        await this.opts.rpc.call(methods.cancelOrder, ref, { deadlineMs: this.commandDeadlineMs, sideEffect: true });
        answered = true;
      } catch (e) {
        const err = toVenueError(e);
        last = err;
        const kind = orderFailure(err);
        if (kind === 'final' || kind === 'duplicate') {
          if (err.code !== '30059') throw err;
          // Not active any more: cancelled (perhaps by our own lost attempt), filled or rejected.
          const now = await this.refresh(accountId, clientOrderId);
          if (now?.status === 'cancelled') return now;
          throw err;
        }
        if (kind === 'closed') throw err;
        if (kind === 'retry') landed = true;
        if (kind !== 'not-sent') {
          attempts++;
          this.opts.reporter.error(err.info(this.opts.now()));
        }
        if (attempts >= this.maxAttempts || Date.now() - started >= this.giveUpMs) break;
        await this.pause(Math.max(backoff.next(), err.retryAfterMs ?? 0));
      }
    }
    if (!answered) {
      const err = last ?? new VenueError('unavailable', 'closed', 'venue closed');
      if (!landed) throw err;
      // The cancel may or may not have happened: the venue's next word (stream, reconcile) says.
      void this.refresh(accountId, clientOrderId).catch(() => undefined);
      throw new VenueError('unknown-outcome', err.code, `no answer to the cancel of ${clientOrderId}: ${err.message}`, { trackingId: err.trackingId });
    }
    const tracked = this.tracker.get(clientOrderId);
    if (tracked) return this.tracker.apply({ ...tracked.order, status: 'cancelled', updatedAt: this.opts.now() }, 'send');
    // Placed elsewhere: learn what it was.
    const learned = await this.refresh(accountId, clientOrderId);
    if (!learned) throw new VenueError('internal', 'unreadable', `order ${clientOrderId} was cancelled but its state could not be read`);
    return learned;
  }

  /**
   * One GetOrderState; folds the answer in. By the exchange id when known, else by the client
   * key. Throws the venue's error (50005 when there is no such order).
   */
  async refresh(accountId: string, clientOrderId: string): Promise<Order | undefined> {
    const venueId = this.tracker.get(clientOrderId)?.order.venueOrderId;
    const req: GetOrderStateRequest = venueId
      ? { accountId, orderId: venueId, orderIdType: ORDER_ID_TYPE.exchange }
      : { accountId, orderId: clientOrderId, orderIdType: ORDER_ID_TYPE.request };
    const st = await this.opts.rpc.call(methods.getOrderState, req, { deadlineMs: DEADLINE_MS.GetOrderState });
    let ev: Order | undefined;
    try {
      ev = fromOrderState(st, accountId, this.opts.now());
    } catch (e) {
      if (!(e instanceof QuotationError)) throw e;
      this.opts.reporter.malformed(`GetOrderState: ${e.message}`, JSON.stringify(st));
      throw new VenueError('invalid', 'malformed-answer', `GetOrderState answer for ${clientOrderId} is malformed`);
    }
    if (!ev) return undefined;
    // Keep the key we asked by, whatever the answer names.
    const out = this.tracker.apply({ ...ev, clientOrderId }, 'reconcile');
    const t = this.tracker.get(clientOrderId);
    if (t && isFinal(t.order)) t.settled = true;
    return out;
  }

  /**
   * An order known only from the stream lacks its exchange id (the stream's first event names
   * the broker's internal number, §2.4); ReplaceOrder needs it. One GetOrderState brings it.
   */
  learnId(t: TrackedOrder): void {
    const o = t.order;
    if (o.venueOrderId !== undefined || t.sending || this.closed || this.idAsked.has(o.clientOrderId)) return;
    this.idAsked.add(o.clientOrderId);
    void (async () => {
      const backoff = new Backoff({ baseMs: 250, maxMs: 10_000, ...(this.opts.resolve?.backoff ?? {}) });
      for (let i = 0; i < LEARN_ATTEMPTS && !this.closed && t.order.venueOrderId === undefined; i++) {
        try {
          await this.refresh(o.accountId, o.clientOrderId);
        } catch (e) {
          const err = toVenueError(e);
          if (err.code === 'closed') return;
          // An open circuit is already on the 'api' connection.
          if (err.code !== 'circuit-open') this.opts.reporter.error(err.info(this.opts.now()));
          if (err.kind !== 'unavailable' && err.kind !== 'rate-limited') return;
          await this.pause(Math.max(backoff.next(), err.retryAfterMs ?? 0));
        }
      }
    })();
  }

  /** Starts asking about an unknown order until the venue's answer settles it. */
  resolve(t: TrackedOrder, lastSendMs = Date.now()): void {
    if (t.resolving || this.closed || t.order.status !== 'unknown') return;
    t.resolving = true;
    void this.resolveLoop(t, lastSendMs).finally(() => {
      t.resolving = false;
    });
  }

  close(): void {
    this.closed = true;
    this.abort.abort();
  }

  private pendingOrder(id: OrderIdentity): Order {
    const { price, ...rest } = id;
    return pendingOrder({ ...rest, ...(price !== undefined ? { price } : {}), venue: 'tinvest' }, this.opts.now());
  }

  /** Sends with retries by failure class; resolves with the venue's answer or `unknown`. */
  private async deliver(t: TrackedOrder, id: OrderIdentity, send: () => Promise<PostOrderResponse>): Promise<Order> {
    const key = id.clientOrderId;
    let backoff: Backoff | undefined;
    const started = Date.now();
    let attempts = 0;
    /** Some attempt may have reached the venue. */
    let landed = false;
    let last: VenueError | undefined;
    try {
      for (;;) {
        if (this.closed) break;
        // The stream or a reconcile reported the order meanwhile: it exists, no need to ask again.
        if (attempts > 0 && t.order.status !== 'pending') {
          t.sending = false;
          this.learnId(t);
          return this.tracker.snapshot(key) ?? t.order;
        }
        let err: VenueError;
        try {
          const res = await send();
          let ev: Order | undefined;
          try {
            ev = fromPostOrderResponse(res, id, this.opts.now());
          } catch (pe) {
            if (!(pe instanceof QuotationError)) throw pe;
            // The venue answered, so the order is there; its state is read again below.
            this.opts.reporter.malformed(`order answer: ${pe.message}`, JSON.stringify(res));
          }
          if (ev) return this.tracker.apply(ev, 'send');
          // An answer without a status tells nothing: the order is there, its state unread.
          landed = true;
          break;
        } catch (e) {
          err = toVenueError(e);
        }
        last = err;
        const kind = orderFailure(err);
        if (kind === 'final') {
          // An earlier attempt may have placed it; then this refusal is about the repeat only.
          if (landed) {
            const held = await this.refresh(id.accountId, key).catch(() => undefined);
            if (held) return held;
          }
          this.tracker.conclude(key, 'rejected', this.opts.now(), reasonOf(err));
          throw err;
        }
        if (kind === 'duplicate') {
          // 30057: the venue has seen this key but cannot report the order (§4.6). Ask, never resend.
          landed = true;
          break;
        }
        if (kind === 'closed') break;
        if (kind === 'retry') landed = true;
        // An open circuit is on the 'api' connection already; only real attempts are news here.
        if (kind !== 'not-sent') {
          attempts++;
          this.opts.reporter.error(err.info(this.opts.now()));
        }
        if (attempts >= this.maxAttempts || Date.now() - started >= this.giveUpMs) break;
        backoff ??= new Backoff(this.opts.retry?.backoff);
        await this.pause(Math.max(backoff.next(), err.retryAfterMs ?? 0));
      }
    } finally {
      t.sending = false;
    }
    if (!landed) {
      // Nothing reached the venue (refused for rate, circuit open, closing): surely not placed.
      const err = last ?? new VenueError('unavailable', 'closed', 'venue closed before the order was sent');
      this.tracker.conclude(key, 'rejected', this.opts.now(), reasonOf(err));
      throw err;
    }
    const order = this.tracker.conclude(key, 'unknown', this.opts.now()) ?? t.order;
    this.resolve(t);
    return order;
  }

  private async resolveLoop(t: TrackedOrder, lastSendMs: number): Promise<void> {
    const backoff = new Backoff({ baseMs: 250, maxMs: 10_000, ...(this.opts.resolve?.backoff ?? {}) });
    const checks = this.opts.resolve?.notFoundChecks ?? 3;
    const after = this.opts.resolve?.notFoundAfterMs ?? 5_000;
    let notFound = 0;
    while (!this.closed && t.order.status === 'unknown') {
      await this.pause(backoff.next());
      if (this.closed || t.order.status !== 'unknown') return;
      try {
        await this.refresh(t.order.accountId, t.order.clientOrderId);
        notFound = 0;
      } catch (e) {
        const err = toVenueError(e);
        if (err.code === '50005' && Date.now() - lastSendMs >= after) {
          notFound += 1;
          if (notFound >= checks) {
            const reason = reasonOf(err);
            reason.message = `the venue has no order under this client order id (asked ${notFound} times after the last send): it was never placed`;
            this.tracker.conclude(t.order.clientOrderId, 'rejected', this.opts.now(), reason);
            return;
          }
        } else if (err.code !== '50005') {
          notFound = 0;
        }
        // An open circuit is already on the 'api' connection.
        if (err.code !== 'closed' && err.code !== 'circuit-open') this.opts.reporter.error(err.info(this.opts.now()));
      }
    }
  }

  private pause(ms: number): Promise<void> {
    return delay(ms, undefined, { signal: this.abort.signal, ref: false }).catch(() => undefined);
  }
}
