/**
 * Order commands: PostOrder, ReplaceOrder, CancelOrder, and GetOrderState by the client key
 * (§2.4, §4.5, §4.6). Every answer leaves as OrderEvidence; nothing here keeps or merges an
 * order's state (the core's state machine does), only the wire ids (order-ids.ts).
 *
 * The client order id is the PostOrder `order_id` idempotency key, sent unchanged on every
 * attempt, so a retry can never place a second order. Failures are sorted by errors.ts's
 * orderFailure: lost answers and INTERNAL 7000x are retried with the same key (bounded, with
 * backoff); refusals of the request itself are final and reach the caller as VenueError with
 * the venue's code, text and tracking id. When no attempt got an answer, one GetOrderState by
 * the key is tried; if that fails too the command rejects with kind 'unknown-outcome', never
 * 'rejected', and the core asks again through resolveOrder.
 */
import { setMaxListeners } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import type { Dec, EvidenceSource, Instrument, OrderEvidence, OrderRequest, TimeInForce } from '../../../common/domain.js';
import { FINAL_ORDER_STATUSES } from '../../../common/domain.js';
import { Backoff } from '../../net/backoff.js';
import type { BackoffOptions } from '../../net/backoff.js';
import { VenueError } from '../venue.js';
import type { ConnectionReporter, ResolveHint } from '../venue.js';
import { DEADLINE_MS, ORDER_DIRECTION, ORDER_ID_TYPE, ORDER_TYPE, SERVICES } from './constants.js';
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
import { EXCHANGE_KEY_PREFIX, fromOrderState, fromPostOrderResponse, msOf } from './order-parse.js';
import type { OrderIdentity } from './order-parse.js';
import type { OrderIds } from './order-ids.js';
import { method } from './proto.js';
import { QuotationError, decToQuotation } from './quotation.js';
import type { Quotation } from './quotation.js';
import type { TInvestRpc } from './rpc.js';

export interface OrderRetryOptions {
  /** Attempts that reached (or may have reached) the venue before the outcome is unknown. Default 5. */
  maxAttempts?: number;
  /** Longest time spent on one command, waits for an open circuit included. Default 30 s. */
  giveUpMs?: number;
  backoff?: BackoffOptions;
}

export interface ResolveOptions {
  /**
   * "Order not found" counts as the venue's word that an order was never placed only once this
   * long has passed since its last send (ours, or the intent's time the core gives), so a
   * request still on its way cannot be outrun. Default 3000 ms.
   */
  notFoundAfterMs?: number;
}

export interface OrderEntryOptions {
  rpc: TInvestRpc;
  ids: OrderIds;
  /** The instrument an order is checked against (the catalog, else ShareBy). */
  instrument(id: string): Promise<Instrument>;
  /** The 'orders' connection: errors seen on the way go to diagnostics. */
  reporter: ConnectionReporter;
  /** Evidence learned on the side (the old order of a replace), for the sink. */
  report(ev: OrderEvidence): void;
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

/** GetOrderState "may not return orders older than one day" (§4.6): older not-found says nothing. */
const ORDER_STATE_MEMORY_MS = 20 * 60 * 60 * 1000;

const methods = {
  // The order path's one message gets our own encoder (same bytes, a fraction of the work).
  postOrder: { ...method<PostOrderRequest, PostOrderResponse>(SERVICES.orders, 'PostOrder'), serialize: encodePostOrderRequest },
  replaceOrder: method<ReplaceOrderRequest, PostOrderResponse>(SERVICES.orders, 'ReplaceOrder'),
  cancelOrder: method<CancelOrderRequest, CancelOrderResponse>(SERVICES.orders, 'CancelOrder'),
  getOrderState: method<GetOrderStateRequest, OrderStateMsg>(SERVICES.orders, 'GetOrderState'),
};

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
    ...(req.timeInForce !== undefined ? { timeInForce: req.timeInForce } : {}),
  };
}

/**
 * PostOrder's TimeInForceType (§2.4): day (the default), FILL_AND_KILL = ioc, FILL_OR_KILL =
 * fok, for limit orders only. gtc and gtd belong to stop orders (stop-messages.ts).
 */
export const ORDER_TIME_IN_FORCE: Readonly<Partial<Record<TimeInForce, number>>> = { day: 1, ioc: 2, fok: 3 };

function wireTimeInForce(req: OrderRequest): number {
  const tif = req.timeInForce ?? 'day';
  const wire = ORDER_TIME_IN_FORCE[tif];
  if (wire === undefined) throw new VenueError('invalid', 'time-in-force', `a T-Invest ${req.type} order can't be ${tif}: that is for stop orders`);
  if (tif !== 'day' && req.type !== 'limit') throw new VenueError('invalid', 'time-in-force', `time in force ${tif} applies to limit orders only`);
  return wire;
}

/** The PostOrder request of a domain order: built once, sent as it is on every attempt. */
export function postOrderRequest(req: OrderRequest): PostOrderRequest {
  if (req.type !== 'limit' && req.type !== 'market') throw new VenueError('invalid', 'order-type', `PostOrder places limit and market orders, not ${req.type}`);
  const wire: PostOrderRequest = {
    quantity: wireLots(req.quantity),
    direction: req.side === 'buy' ? ORDER_DIRECTION.buy : ORDER_DIRECTION.sell,
    accountId: req.accountId,
    orderType: req.type === 'limit' ? ORDER_TYPE.limit : ORDER_TYPE.market,
    orderId: req.clientOrderId,
    instrumentId: req.instrumentId,
    timeInForce: wireTimeInForce(req),
  };
  // The venue ignores a price on market orders (§2.4); sending none keeps that obvious.
  if (req.type === 'limit' && req.price !== undefined) wire.price = wirePrice(req.price);
  return wire;
}

/** How an order is addressed on the wire: by the exchange id once known, else by the client key. */
function orderRef(ids: OrderIds, accountId: string, clientOrderId: string, venueOrderId?: string): { accountId: string; orderId: string; orderIdType: number } {
  const known = venueOrderId ?? ids.get(clientOrderId)?.venueOrderId;
  if (known) return { accountId, orderId: known, orderIdType: ORDER_ID_TYPE.exchange };
  // An order placed elsewhere without a UUID key is known only by its exchange id.
  if (clientOrderId.startsWith(EXCHANGE_KEY_PREFIX)) {
    return { accountId, orderId: clientOrderId.slice(EXCHANGE_KEY_PREFIX.length), orderIdType: ORDER_ID_TYPE.exchange };
  }
  return { accountId, orderId: clientOrderId, orderIdType: ORDER_ID_TYPE.request };
}

export class OrderEntry {
  private readonly opts: OrderEntryOptions;
  private readonly ids: OrderIds;
  private readonly abort = new AbortController();
  private readonly inFlight = new Map<string, Promise<OrderEvidence>>();
  private readonly maxAttempts: number;
  private readonly giveUpMs: number;
  private readonly commandDeadlineMs: number;
  private readonly commandOptions: { deadlineMs: number; sideEffect: true };
  private closed = false;

  constructor(opts: OrderEntryOptions) {
    this.opts = opts;
    this.ids = opts.ids;
    this.maxAttempts = opts.retry?.maxAttempts ?? 5;
    this.giveUpMs = opts.retry?.giveUpMs ?? 30_000;
    this.commandDeadlineMs = opts.commandDeadlineMs ?? DEADLINE_MS.PostOrder;
    this.commandOptions = { deadlineMs: this.commandDeadlineMs, sideEffect: true };
    // Every command waiting out a backoff listens on this one signal: hundreds at once in a burst.
    setMaxListeners(0, this.abort.signal);
  }

  /** Checks the order against its instrument, then sends it. Nothing is sent when a check fails. */
  async place(req: OrderRequest): Promise<OrderEvidence> {
    const inst = await this.opts.instrument(req.instrumentId);
    checkOrder(req, inst);
    return this.send(req);
  }

  /**
   * Sends an order as it is, without the instrument checks (the venue's own checks then
   * answer). A second call with a key whose send is running shares that send.
   */
  submit(req: OrderRequest): Promise<OrderEvidence> {
    try {
      checkClientKey(req.clientOrderId);
    } catch (e) {
      return Promise.reject(toVenueError(e));
    }
    return this.send(req);
  }

  /**
   * The send of a client key, or its running send. A key sent before (in this run or an earlier
   * one) is sent again as it is: the venue's idempotency answers with the order it holds.
   */
  private send(req: OrderRequest): Promise<OrderEvidence> {
    const key = req.clientOrderId;
    const running = this.inFlight.get(key);
    if (running) return running;
    let wire: PostOrderRequest;
    try {
      wire = postOrderRequest(req);
    } catch (e) {
      return Promise.reject(toVenueError(e));
    }
    const rpc = this.opts.rpc;
    const o = this.commandOptions;
    const done = this.deliver(identityOf(req), () => rpc.call(methods.postOrder, wire, o)).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, done);
    return done;
  }

  /**
   * ReplaceOrder (§4.6): the venue cancels the order and places a new one under a new client
   * key, which idempotency then guards like a PostOrder key. The old order's terms and exchange
   * id are read from the venue first (this adapter keeps no orders); its cancellation goes to
   * the sink once the venue answered for the new one.
   */
  async replace(accountId: string, clientOrderId: string, change: OrderChange, newClientOrderId: string): Promise<OrderEvidence> {
    checkClientKey(newClientOrderId);
    const running = this.inFlight.get(newClientOrderId);
    if (running) return running;
    const old = await this.state(accountId, clientOrderId, 'reconcile');
    const terms = old.terms;
    if (!old.venueOrderId || !terms) throw new VenueError('invalid', 'no-exchange-id', `order ${clientOrderId} has no exchange id yet; it can't be replaced`);
    if (old.status !== undefined && FINAL_ORDER_STATUSES.has(old.status)) {
      this.opts.report(old);
      throw new VenueError('rejected', 'not-active', `order ${clientOrderId} is ${old.status}; only an active order can be replaced`);
    }
    const price = terms.type === 'limit' ? (change.price ?? terms.price) : undefined;
    checkQuantityAndPrice(await this.opts.instrument(terms.instrumentId), terms.type, change.quantity, price);
    const id: OrderIdentity = {
      accountId,
      clientOrderId: newClientOrderId,
      instrumentId: terms.instrumentId,
      side: terms.side,
      type: terms.type,
      quantity: change.quantity,
      price,
    };
    const wire: ReplaceOrderRequest = { accountId, orderId: old.venueOrderId, idempotencyKey: newClientOrderId, quantity: wireLots(change.quantity) };
    // Without a new price the venue keeps the old one.
    if (terms.type === 'limit' && change.price !== undefined) wire.price = wirePrice(change.price);
    const done = this.deliver(id, () => this.opts.rpc.call(methods.replaceOrder, wire, this.commandOptions))
      .then(
        (next) => {
          // The venue answered for the new order: the old one was cancelled on the way (§4.6).
          this.opts.report({ ...old, kind: 'status', status: 'cancelled', fills: [], at: this.opts.now(), source: 'send' });
          return next;
        },
        (e: unknown) => {
          // Refused (30059 when the old order was no longer active): tell what the old one is.
          void this.state(accountId, clientOrderId, 'reconcile').then(
            (ev) => this.opts.report(ev),
            () => undefined,
          );
          throw e;
        },
      )
      .finally(() => this.inFlight.delete(newClientOrderId));
    this.inFlight.set(newClientOrderId, done);
    return done;
  }

  /**
   * One ReplaceOrder as built by the caller (the amend of orders.ts), guarded like a PostOrder
   * under its idempotency key: retried while answers are lost, then one GetOrderState by the
   * key, else 'unknown-outcome'.
   */
  sendReplace(id: OrderIdentity, wire: ReplaceOrderRequest): Promise<OrderEvidence> {
    const key = id.clientOrderId;
    const running = this.inFlight.get(key);
    if (running) return running;
    const done = this.deliver(id, () => this.opts.rpc.call(methods.replaceOrder, wire, this.commandOptions)).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, done);
    return done;
  }

  /**
   * CancelOrder, by the exchange id once known, else by the client key (ORDER_ID_TYPE_REQUEST).
   * Lost answers are retried; "not active" (30059) reads what the order became; "not found"
   * (50005) is 'not-found' evidence.
   */
  async cancel(accountId: string, clientOrderId: string, venueOrderId?: string): Promise<OrderEvidence> {
    const backoff = new Backoff(this.opts.retry?.backoff);
    const started = Date.now();
    let attempts = 0;
    let landed = false;
    let last: VenueError | undefined;
    for (;;) {
      if (this.closed) throw new VenueError('unavailable', 'closed', 'venue closed');
      const ref: CancelOrderRequest = orderRef(this.ids, accountId, clientOrderId, venueOrderId);
      try {
        const res = await this.opts.rpc.call(methods.cancelOrder, ref, { deadlineMs: this.commandDeadlineMs, sideEffect: true });
        const at = msOf(res.time) ?? this.opts.now();
        const ev: OrderEvidence = { kind: 'status', venue: 'tinvest', accountId, clientOrderId, status: 'cancelled', at, source: 'send' };
        if (ref.orderIdType === ORDER_ID_TYPE.exchange) ev.venueOrderId = ref.orderId;
        this.ids.note(ev);
        return ev;
      } catch (e) {
        const err = toVenueError(e);
        last = err;
        if (err.code === '50005') return this.notFound(accountId, clientOrderId, 'send', err);
        const kind = orderFailure(err);
        if (kind === 'final' || kind === 'duplicate') {
          if (err.code !== '30059') throw err;
          // Not active any more: cancelled (perhaps by our own lost attempt), filled or rejected.
          return this.state(accountId, clientOrderId, 'send');
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
    const err = last ?? new VenueError('unavailable', 'closed', 'venue closed');
    if (!landed) throw err;
    // The cancel may or may not have happened: the venue's next word (stream, resolveOrder) says.
    throw new VenueError('unknown-outcome', err.code, `no answer to the cancel of ${clientOrderId}: ${err.message}`, { trackingId: err.trackingId });
  }

  /**
   * One GetOrderState as 'status' evidence, keeping the key we asked by. By the exchange id
   * when known, else by the client key. Throws the venue's error (50005 when there is no such
   * order) or 'malformed-answer'.
   */
  async state(accountId: string, clientOrderId: string, source: EvidenceSource, venueOrderId?: string): Promise<OrderEvidence> {
    const req: GetOrderStateRequest = orderRef(this.ids, accountId, clientOrderId, venueOrderId);
    const st = await this.opts.rpc.call(methods.getOrderState, req, { deadlineMs: DEADLINE_MS.GetOrderState });
    let ev: OrderEvidence | undefined;
    try {
      ev = fromOrderState(st, accountId, this.opts.now(), source, clientOrderId);
    } catch (e) {
      if (!(e instanceof QuotationError)) throw e;
      ev = undefined;
    }
    if (!ev) {
      this.opts.reporter.malformed(`GetOrderState: unreadable order ${clientOrderId}`, JSON.stringify(st));
      throw new VenueError('invalid', 'malformed-answer', `GetOrderState answer for ${clientOrderId} is malformed`);
    }
    this.ids.note(ev);
    return ev;
  }

  /**
   * What the venue holds for an order whose outcome is unknown: GetOrderState by the client key
   * (ORDER_ID_TYPE_REQUEST, §4.6). "Order not found" (50005, §4.5) is 'not-found' only when no
   * send of the key can still land: none is running here and the last one is `notFoundAfterMs`
   * old; before that, and for orders older than the venue remembers, it rejects 'unavailable'
   * so the core asks again (or reads the history).
   */
  async resolve(accountId: string, clientOrderId: string, hint: ResolveHint): Promise<OrderEvidence> {
    if (this.inFlight.has(clientOrderId)) {
      throw new VenueError('unavailable', 'in-flight', `order ${clientOrderId} is being sent; its answer settles it`);
    }
    try {
      return await this.state(accountId, clientOrderId, 'reconcile', hint.venueOrderId);
    } catch (e) {
      const err = toVenueError(e);
      if (err.code !== '50005') throw err;
      const wait = this.opts.resolve?.notFoundAfterMs ?? 3_000;
      const lastSend = Math.max(hint.sentAt, this.ids.get(clientOrderId)?.lastSendMs ?? 0);
      const age = Date.now() - lastSend;
      if (age > ORDER_STATE_MEMORY_MS) {
        throw new VenueError('unavailable', 'order-state-expired', `the venue keeps order states about a day; order ${clientOrderId} is older (its history has it)`, { trackingId: err.trackingId });
      }
      if (age < wait) {
        throw new VenueError('unavailable', 'not-yet-known', `no order ${clientOrderId} yet; its send may still be on the way`, { trackingId: err.trackingId, retryAfterMs: wait - age });
      }
      return this.notFound(accountId, clientOrderId, 'reconcile', err);
    }
  }

  close(): void {
    this.closed = true;
    this.abort.abort();
  }

  private notFound(accountId: string, clientOrderId: string, source: EvidenceSource, err?: VenueError): OrderEvidence {
    const ev: OrderEvidence = { kind: 'not-found', venue: 'tinvest', accountId, clientOrderId, at: this.opts.now(), source };
    if (err) {
      ev.reason = { code: err.code, message: err.message };
      if (err.trackingId !== undefined) ev.reason.trackingId = err.trackingId;
    }
    return ev;
  }

  /** Sends with retries by failure class; resolves with the venue's answer as evidence. */
  private async deliver(id: OrderIdentity, send: () => Promise<PostOrderResponse>): Promise<OrderEvidence> {
    const key = id.clientOrderId;
    const w = this.ids.ensure(id.accountId, key);
    let backoff: Backoff | undefined;
    const started = Date.now();
    let attempts = 0;
    /** Some attempt may have reached the venue. */
    let landed = false;
    let last: VenueError | undefined;
    try {
      for (;;) {
        if (this.closed) break;
        let err: VenueError;
        try {
          this.ids.attempt(id.accountId, key, Date.now());
          const res = await send();
          let ev: OrderEvidence | undefined;
          try {
            ev = fromPostOrderResponse(res, id, this.opts.now());
          } catch (pe) {
            if (!(pe instanceof QuotationError)) throw pe;
            ev = undefined;
          }
          if (ev) {
            this.ids.note(ev);
            return ev;
          }
          // The venue answered, so the order is there; its state is read below.
          this.opts.reporter.malformed(`order answer for ${key} is unreadable`, JSON.stringify(res));
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
            w.sending = false;
            const held = await this.state(id.accountId, key, 'send').catch(() => undefined);
            if (held) return held;
          }
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
      w.sending = false;
    }
    if (!landed) {
      // Nothing reached the venue (refused for rate, circuit open, closing): surely not placed.
      throw last ?? new VenueError('unavailable', 'closed', 'venue closed before the order was sent');
    }
    // One look by the key before calling the outcome unknown.
    if (!this.closed) {
      const held = await this.state(id.accountId, key, 'send').catch(() => undefined);
      if (held) return held;
    }
    const code = last?.code ?? 'no-answer';
    throw new VenueError('unknown-outcome', code, `no answer about order ${key}${last ? `: ${last.message}` : ''}; the venue may hold it`, { trackingId: last?.trackingId });
  }

  private pause(ms: number): Promise<void> {
    return delay(ms, undefined, { signal: this.abort.signal, ref: false }).catch(() => undefined);
  }
}
