/**
 * Kraken order entry: add_order, cancel_order and cancel_all over the private WS v2 socket,
 * AddOrder/CancelOrder/CancelAll over REST while the socket is down. It answers with the
 * venue's evidence and keeps only wire bookkeeping (wire-orders.ts); the core decides what
 * an order's state is. The caller's cl_ord_id is the venue's idempotency key: a retry
 * reuses it, and an order the venue already holds under it is never sent twice from here.
 */
import type { OrderEvidence, OrderRequest, OrderType, TimeInForce } from '../../../common/domain.js';
import { PRICED_ORDER_TYPES, TRAILING_ORDER_TYPES, TRIGGER_ORDER_TYPES } from '../../../common/domain.js';
import { cmp, isMultipleOf, isZero } from '../../../common/decimal.js';
import { VenueError, isVenueError } from '../venue.js';
import type { ConnectionReporter } from '../venue.js';
import { SPOT_ACCOUNT_ID } from './constants.js';
import { mapKrakenError, unknownOutcome } from './errors.js';
import type { KrakenLimits } from './limits.js';
import { MalformedFrame, isText, nativeOf, wholeNumber } from './parse.js';
import type { Reconciler } from './reconcile.js';
import type { KrakenRest } from './rest.js';
import type { RestAddOrder, RestCancelOrder } from './rest-types.js';
import type { PairMeta, SymbolTable } from './symbols.js';
import type { WireOrders } from './wire-orders.js';
import type { WsResponse } from './messages.js';
import type { KrakenSocket } from './ws.js';
import { SocketRequestError, WireNumber } from './ws.js';

/** Cancel-all resolves or fails within this: the WS reply bound (10 s) plus room for a REST fallback. */
const CANCEL_ALL_BOUND_MS = 20_000;
/** Sends of one order while the venue says "not placed" (rate limit, stale token) before giving up. */
const MAX_ATTEMPTS = 6;

/** A WS method refused for its token: the socket needs a fresh one (doc §4.5). */
export function isStaleToken(error: string | undefined): boolean {
  return error !== undefined && (error.startsWith('EAPI:Invalid token') || error.startsWith('ESession:Invalid session'));
}

/** cl_ord_id rules (doc §2.4): a UUID with or without dashes, or ≤18 printable ASCII characters. */
export function isValidClOrdId(id: string): boolean {
  if (/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(id)) return true;
  if (/^[0-9a-fA-F]{32}$/.test(id)) return true;
  return id.length > 0 && id.length <= 18 && /^[\x21-\x7e]+$/.test(id);
}

/** What the ticket may offer on Kraken (doc §9): every type of ours; gtc, gtd and ioc (FOK is not on REST). */
export const KRAKEN_ORDER_TYPES: readonly OrderType[] = ['limit', 'market', 'stop-loss', 'stop-loss-limit', 'take-profit', 'take-profit-limit', 'trailing-stop', 'trailing-stop-limit'];
export const KRAKEN_TIME_IN_FORCE: readonly TimeInForce[] = ['gtc', 'gtd', 'ioc'];

/** A trailing-stop-limit's limit lies beyond the trigger on the side it trades toward: below for sells. */
function limitOffsetText(req: OrderRequest): string {
  return `${req.side === 'sell' ? '-' : '+'}${req.price ?? '0'}`;
}

/** add_order's price, trigger and lifetime members for a request (validated before). */
function wsOrderTerms(req: OrderRequest): Record<string, unknown> {
  const p: Record<string, unknown> = {};
  if (req.type === 'trailing-stop-limit') {
    p.limit_price = new WireNumber(limitOffsetText(req).replace('+', ''));
    p.limit_price_type = 'quote';
  } else if (req.price !== undefined) p.limit_price = new WireNumber(req.price);
  if (TRAILING_ORDER_TYPES.has(req.type) && req.trailingOffset) {
    p.triggers = { reference: 'last', price: new WireNumber(req.trailingOffset.value), price_type: req.trailingOffset.unit === 'percent' ? 'pct' : 'quote' };
  } else if (req.triggerPrice !== undefined) {
    p.triggers = { reference: 'last', price: new WireNumber(req.triggerPrice), price_type: 'static' };
  }
  if (req.timeInForce !== undefined && req.timeInForce !== 'gtc') p.time_in_force = req.timeInForce;
  if (req.timeInForce === 'gtd' && req.expireAt !== undefined) p.expire_time = new Date(req.expireAt).toISOString();
  if (req.postOnly) p.post_only = true;
  return p;
}

/** AddOrder's: for trigger types price is the trigger ("+5%"/"+150" when trailing) and price2 the limit. */
function restOrderTerms(req: OrderRequest): Record<string, string> {
  const p: Record<string, string> = {};
  if (TRAILING_ORDER_TYPES.has(req.type) && req.trailingOffset) p.price = `+${req.trailingOffset.value}${req.trailingOffset.unit === 'percent' ? '%' : ''}`;
  else if (req.triggerPrice !== undefined) p.price = req.triggerPrice;
  if (req.type === 'limit' && req.price !== undefined) p.price = req.price;
  else if (req.type === 'trailing-stop-limit') p.price2 = limitOffsetText(req);
  else if (req.price !== undefined) p.price2 = req.price;
  if (TRIGGER_ORDER_TYPES.has(req.type)) p.trigger = 'last';
  if (req.timeInForce !== undefined && req.timeInForce !== 'gtc') p.timeinforce = req.timeInForce.toUpperCase();
  if (req.timeInForce === 'gtd' && req.expireAt !== undefined) p.expiretm = String(Math.floor(req.expireAt / 1000));
  if (req.postOnly) p.oflags = 'post';
  return p;
}

/** Kraken's answer to a second open order under one cl_ord_id: ours, already there. */
const DUPLICATE_CL_ORD_ID = 'EOrder:Duplicate cl_ord_id';
/** Cancel refusals that mean the order is not open (any more): its evidence is the answer. */
const NOT_OPEN = ['EOrder:Unknown order', 'EOrder:Invalid order'];

export interface OrderEntryOptions {
  symbols: SymbolTable;
  limits: KrakenLimits;
  rest: KrakenRest;
  wire: WireOrders;
  reconciler: Reconciler;
  /** The private socket, when it is live. */
  socket: () => KrakenSocket | undefined;
  /** The token of the private socket's current session. */
  token: () => string | undefined;
  reporter: ConnectionReporter;
  now: () => number;
  /** How long a WS reply may take before the outcome is unknown. */
  replyTimeoutMs?: number;
}

export class OrderEntry {
  private readonly o: OrderEntryOptions;
  private readonly inFlight = new Map<string, Promise<OrderEvidence>>();
  private closed = false;

  constructor(opts: OrderEntryOptions) {
    this.o = opts;
  }

  close(): void {
    this.closed = true;
  }

  /** Resolves when no order is being placed any more, or after `ms` (close() waits on it). */
  async settled(ms: number): Promise<void> {
    if (this.inFlight.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
    await Promise.race([Promise.allSettled([...this.inFlight.values()]), late]).finally(() => clearTimeout(timer));
  }

  /** Places an order; concurrent calls with one clientOrderId share one send. */
  placeOrder(req: OrderRequest): Promise<OrderEvidence> {
    const running = this.inFlight.get(req.clientOrderId);
    if (running) return running;
    const p = this.place(req).finally(() => this.inFlight.delete(req.clientOrderId));
    this.inFlight.set(req.clientOrderId, p);
    return p;
  }

  private async place(req: OrderRequest): Promise<OrderEvidence> {
    const meta = this.validate(req);
    const known = this.o.wire.get(req.clientOrderId);
    if (known) {
      // Sent before in this run. With its order_id the venue holds (or held) it: never a second
      // send, even when it is final, since Kraken would take the reused id for a new order.
      if (known.venueOrderId !== undefined) return this.accepted(req.clientOrderId, known.venueOrderId);
      // Its answer was lost: only the venue can say whether it holds it.
      const ev = await this.o.reconciler.resolveOrder(req.clientOrderId, { instrumentId: meta.id, sentAt: known.sentAt ?? this.o.now() });
      if (ev.kind !== 'not-found') return ev;
    }
    this.o.wire.sent(req.clientOrderId, meta.id, this.o.now()).quantity = req.quantity;
    for (let attempt = 1; ; attempt++) {
      if (this.closed) return this.notPlaced(req, 'not-sent', 'adapter closed');
      const landed = await this.o.limits.addOrder(meta.id);
      const socket = this.o.socket();
      const token = this.o.token();
      let err: VenueError;
      try {
        if (socket?.isLive && token) return await this.placeWs(req, meta, socket, token);
        return await this.placeRest(req, meta);
      } catch (e) {
        if (!isVenueError(e)) throw e;
        err = e;
      } finally {
        landed();
      }
      if (err.code === DUPLICATE_CL_ORD_ID) {
        // An open order of ours already has this id (sent before a restart): that one is the answer.
        const ev = await this.o.reconciler.resolveOrder(req.clientOrderId, { instrumentId: meta.id, sentAt: this.o.now() });
        if (ev.kind !== 'not-found') return ev;
      }
      // Both mean "not placed": the same cl_ord_id may go again.
      const retryable = err.kind === 'rate-limited' || err.code === 'not-sent';
      if (!retryable) {
        if (err.kind !== 'unknown-outcome') this.o.wire.drop(req.clientOrderId);
        throw err;
      }
      if (err.kind === 'rate-limited') {
        // Our counter model was behind the venue's: believe the venue and wait.
        this.o.limits.pair(meta.id).saturate();
        this.o.reporter.error(err.info(this.o.now()));
      }
      if (attempt >= MAX_ATTEMPTS) return this.notPlaced(req, err.kind === 'rate-limited' ? 'rate-limited' : 'not-sent', err.message);
    }
  }

  private validate(req: OrderRequest): PairMeta {
    const bad = (msg: string): VenueError => new VenueError('invalid', 'invalid-order', msg);
    if (req.venue !== 'kraken') throw bad(`order for venue ${req.venue} sent to Kraken`);
    if (req.accountId !== SPOT_ACCOUNT_ID) throw bad(`unknown account ${req.accountId}`);
    if (!isValidClOrdId(req.clientOrderId)) throw bad(`client order id ${req.clientOrderId} is not a UUID or ≤18 ASCII characters`);
    const meta = this.o.symbols.get(req.instrumentId);
    if (!meta) throw bad(`unknown instrument ${req.instrumentId}`);
    const inst = meta.instrument;
    if (!isMultipleOf(req.quantity, inst.qtyStep) || isZero(req.quantity)) throw bad(`quantity ${req.quantity} is not a positive multiple of ${inst.qtyStep}`);
    if (cmp(req.quantity, inst.minQty) < 0) throw bad(`quantity ${req.quantity} is below the minimum ${inst.minQty}`);
    if (!KRAKEN_ORDER_TYPES.includes(req.type)) throw bad(`Kraken takes no ${req.type} orders`);
    if (PRICED_ORDER_TYPES.has(req.type)) {
      if (req.price === undefined) throw bad(`a ${req.type} order needs a price`);
      // A trailing-stop-limit's price is its limit's distance from the trigger (0 = at the trigger).
      const floor = req.type === 'trailing-stop-limit' ? -1 : 0;
      if (cmp(req.price, '0') <= floor || !isMultipleOf(req.price, inst.priceStep)) throw bad(`price ${req.price} is not a positive multiple of ${inst.priceStep}`);
    } else if (req.price !== undefined) throw bad(`a ${req.type} order takes no price`);
    if (TRAILING_ORDER_TYPES.has(req.type)) {
      const off = req.trailingOffset;
      if (!off || cmp(off.value, '0') <= 0) throw bad('a trailing stop needs a positive trailing offset');
      if (off.unit === 'price' && !isMultipleOf(off.value, inst.priceStep)) throw bad(`trailing offset ${off.value} is not a multiple of ${inst.priceStep}`);
      if (off.unit === 'percent' && !isMultipleOf(off.value, '0.01')) throw bad('a percent trailing offset takes at most two decimals');
    } else if (TRIGGER_ORDER_TYPES.has(req.type)) {
      const t = req.triggerPrice;
      if (t === undefined || cmp(t, '0') <= 0 || !isMultipleOf(t, inst.priceStep)) throw bad(`a ${req.type} order needs a trigger price, a positive multiple of ${inst.priceStep}`);
    }
    const tif = req.timeInForce ?? 'gtc';
    if (!KRAKEN_TIME_IN_FORCE.includes(tif)) throw bad(`Kraken takes no ${tif} orders`);
    if (tif === 'gtd' && (req.expireAt === undefined || req.expireAt <= this.o.now() + 5_000)) throw bad('a gtd order needs an expiry at least 5 s ahead');
    if (req.postOnly && req.type !== 'limit') throw bad('post-only is for limit orders');
    return meta;
  }

  /** Surely not at the venue: the id is free again, and the caller may retry with it. */
  private notPlaced(req: OrderRequest, code: string, message: string): never {
    this.o.wire.drop(req.clientOrderId);
    throw new VenueError('unavailable', code, message);
  }

  private accepted(clientOrderId: string, venueOrderId: string): OrderEvidence {
    // No status: the reply says only that the venue took it (it may already have filled); the stream tells the rest.
    return { kind: 'accepted', venue: 'kraken', accountId: SPOT_ACCOUNT_ID, clientOrderId, venueOrderId, at: this.o.now(), source: 'send' };
  }

  private async placeWs(req: OrderRequest, meta: PairMeta, socket: KrakenSocket, token: string): Promise<OrderEvidence> {
    const params: Record<string, unknown> = {
      order_type: req.type,
      side: req.side,
      order_qty: new WireNumber(req.quantity),
      symbol: meta.symbol,
      cl_ord_id: req.clientOrderId,
      token,
      ...wsOrderTerms(req),
    };
    const reply = socket.request('add_order', params, this.o.replyTimeoutMs ?? 10_000);
    reply.catch(() => undefined);
    // The executions stream may show the order before (or instead of) the reply: its first sign settles this.
    const sign = this.o.wire.firstSign(req.clientOrderId, reply);
    let r: WsResponse | string;
    try {
      const shown = sign.then<WsResponse | string>((id) => (id === undefined ? reply : id));
      r = await Promise.race([reply, shown]);
    } catch (e) {
      if (e instanceof SocketRequestError) {
        if (!e.sent) throw new VenueError('unavailable', 'not-sent', e.message);
        return this.lost(req, e);
      }
      throw e;
    }
    if (typeof r === 'string') return this.accepted(req.clientOrderId, r);
    if (r.success === true) {
      const orderId = isText(nativeOf(r).result, 'order_id') ? (r.result!.order_id as string) : undefined;
      if (orderId !== undefined) {
        this.o.wire.seen(orderId, req.clientOrderId, { instrumentId: meta.id, resting: true, at: this.o.now() });
        return this.accepted(req.clientOrderId, orderId);
      }
      // A success without an id: the venue took it; the stream or a reconcile links the id.
      this.o.reporter.malformed('add_order reply without order_id', JSON.stringify(r));
      const id = this.o.wire.get(req.clientOrderId)?.venueOrderId;
      if (id !== undefined) return this.accepted(req.clientOrderId, id);
      throw unknownOutcome(`Kraken add_order ${req.clientOrderId}`, new Error('reply without order_id'));
    }
    if (isStaleToken(r.error)) {
      // Refused before anything happened: a fresh token (new connection) and the same cl_ord_id again.
      socket.recycle(`token refused: ${r.error ?? ''}`);
      throw new VenueError('unavailable', 'not-sent', `add_order: ${r.error ?? 'token refused'}`);
    }
    throw this.refused(mapKrakenError(r.error ?? 'add_order failed', this.o.now()));
  }

  private async placeRest(req: OrderRequest, meta: PairMeta): Promise<OrderEvidence> {
    const params: Record<string, string> = {
      pair: meta.id,
      type: req.side,
      ordertype: req.type,
      volume: req.quantity,
      cl_ord_id: req.clientOrderId,
      ...restOrderTerms(req),
    };
    let res: RestAddOrder;
    try {
      res = await this.o.rest.privatePost<RestAddOrder>('AddOrder', params, { mutating: true });
    } catch (e) {
      if (!isVenueError(e)) throw e;
      if (e.kind === 'unknown-outcome') return this.lost(req, e);
      // A network error before sending comes back as unavailable with code "network".
      if (e.kind === 'unavailable' && e.code === 'network') throw new VenueError('unavailable', 'not-sent', e.message);
      throw this.refused(e);
    }
    // Without the stream only REST tells what becomes of the order.
    this.o.reconciler.refreshWhileDown();
    // txid is an array of strings (doc §2.4).
    const txid = Array.isArray(res?.txid) && typeof res.txid[0] === 'string' ? res.txid[0] : undefined;
    if (txid === undefined) {
      this.o.reporter.malformed('AddOrder txid is not a list of ids', JSON.stringify(res));
      throw unknownOutcome(`Kraken AddOrder ${req.clientOrderId}`, new Error('answer without txid'));
    }
    this.o.wire.seen(txid, req.clientOrderId, { instrumentId: meta.id, resting: true, at: this.o.now() });
    return this.accepted(req.clientOrderId, txid);
  }

  /** The venue refused: surely not placed (unavailable ones may go again, the caller decides). */
  private refused(err: VenueError): VenueError {
    if (err.kind === 'rate-limited') return err;
    if (err.kind === 'unavailable') return new VenueError('unavailable', 'not-sent', err.message);
    this.o.reporter.error(err.info(this.o.now()));
    return err;
  }

  /**
   * The request left and no reply came. If the stream showed the order meanwhile, that is the
   * answer; otherwise the outcome is unknown and the core resolves it (resolveOrder).
   */
  private lost(req: OrderRequest, cause: unknown): OrderEvidence {
    const id = this.o.wire.get(req.clientOrderId)?.venueOrderId;
    if (id !== undefined) return this.accepted(req.clientOrderId, id);
    const err = isVenueError(cause) && cause.kind === 'unknown-outcome' ? cause : unknownOutcome(`Kraken add_order ${req.clientOrderId}`, cause);
    this.o.reporter.error(err.info(this.o.now()));
    // Without the stream nothing else would learn what became of it.
    this.o.reconciler.refreshWhileDown();
    throw err;
  }

  /**
   * Cancels one order and answers with the venue's word: 'status' cancelled from the cancel
   * reply, or, when the venue says the order is not open, the order as the venue holds it
   * (filled first, already cancelled) or 'not-found'. A lost answer throws 'unknown-outcome'.
   */
  async cancelOrder(clientOrderId: string, venueOrderId?: string): Promise<OrderEvidence> {
    const w = this.o.wire.get(clientOrderId);
    const txid = venueOrderId ?? w?.venueOrderId;
    let pairId = w?.instrumentId;
    if (pairId === undefined) {
      // Not ours in this run (placed before a restart): the venue says which pair it is on.
      const ev = await this.o.reconciler.resolveOrder(clientOrderId, { ...(txid !== undefined ? { venueOrderId: txid } : {}), instrumentId: '', sentAt: 0 });
      if (ev.kind === 'not-found' || ev.terms === undefined || (ev.status !== 'open' && ev.status !== 'partially-filled' && ev.status !== 'pending')) return ev;
      pairId = ev.terms.instrumentId;
    }
    const landed = await this.o.limits.cancelOrder(pairId, this.o.wire.restingAge(clientOrderId, this.o.now()));
    let refusal: VenueError | undefined;
    try {
      refusal = await this.sendCancel(clientOrderId, txid);
    } finally {
      landed();
    }
    if (refusal === undefined) {
      const ev: OrderEvidence = { kind: 'status', venue: 'kraken', accountId: SPOT_ACCOUNT_ID, clientOrderId, status: 'cancelled', at: this.o.now(), source: 'send' };
      const id = txid ?? this.o.wire.get(clientOrderId)?.venueOrderId;
      if (id !== undefined) ev.venueOrderId = id;
      return ev;
    }
    // Not open: filled or cancelled first, or never there. The venue's record answers.
    const ev = await this.o.reconciler.resolveOrder(clientOrderId, { ...(txid !== undefined ? { venueOrderId: txid } : {}), instrumentId: pairId, sentAt: w?.sentAt ?? 0 });
    if (ev.kind === 'not-found' || (ev.status !== 'open' && ev.status !== 'partially-filled' && ev.status !== 'pending')) return ev;
    this.o.reporter.error(refusal.info(this.o.now()));
    throw refusal;
  }

  /** Undefined when the venue confirmed; the refusal when it says the order is not open. Throws otherwise. */
  private async sendCancel(clientOrderId: string, txid: string | undefined): Promise<VenueError | undefined> {
    const socket = this.o.socket();
    const token = this.o.token();
    if (socket?.isLive && token) {
      const byId: Record<string, string[]> = txid !== undefined ? { order_id: [txid] } : { cl_ord_id: [clientOrderId] };
      let r;
      try {
        r = await socket.request('cancel_order', { ...byId, token }, this.o.replyTimeoutMs ?? 10_000);
      } catch (e) {
        if (!(e instanceof SocketRequestError)) throw e;
        if (!e.sent) throw new VenueError('unavailable', 'not-sent', e.message);
        const err = unknownOutcome(`Kraken cancel_order ${clientOrderId}`, e);
        this.o.reporter.error(err.info(this.o.now()));
        throw err;
      }
      if (r.success === true) return undefined;
      if (isStaleToken(r.error)) {
        socket.recycle(`token refused: ${r.error ?? ''}`);
        throw new VenueError('unavailable', 'not-sent', `cancel_order: ${r.error ?? 'token refused'}; retry`);
      }
      const err = mapKrakenError(r.error ?? 'cancel_order failed', this.o.now());
      if (NOT_OPEN.some((p) => err.code.startsWith(p))) return err;
      this.o.reporter.error(err.info(this.o.now()));
      throw err;
    }
    const params: Record<string, string> = txid !== undefined ? { txid } : { cl_ord_id: clientOrderId };
    let res: RestCancelOrder;
    try {
      res = await this.o.rest.privatePost<RestCancelOrder>('CancelOrder', params, { mutating: true });
    } catch (e) {
      if (!isVenueError(e)) throw e;
      if (e.kind === 'unknown-outcome') {
        this.o.reporter.error(e.info(this.o.now()));
        this.o.reconciler.refreshWhileDown();
        throw e;
      }
      if (NOT_OPEN.some((p) => e.code.startsWith(p))) return e;
      throw e;
    }
    this.o.reconciler.refreshWhileDown();
    let count: number | undefined;
    try {
      count = wholeNumber(res?.count, 'CancelOrder count');
    } catch (e) {
      if (!(e instanceof MalformedFrame)) throw e;
      this.o.reporter.malformed(e.message, JSON.stringify(res));
    }
    return count === 0 ? new VenueError('rejected', 'EOrder:Unknown order', 'CancelOrder cancelled nothing') : undefined;
  }

  /**
   * Cancels every open order of the account; resolves with the venue's count, or rejects with
   * a typed error, within CANCEL_ALL_BOUND_MS: a panic key must never hang. What each order
   * became comes as evidence from the stream (or the REST refresh while it is down).
   */
  async cancelAll(): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new VenueError('unknown-outcome', 'cancel-all-timeout', `Kraken cancel_all: no answer in ${CANCEL_ALL_BOUND_MS} ms; reconciling`)),
        CANCEL_ALL_BOUND_MS,
      );
    });
    try {
      return await Promise.race([this.cancelAllUnbounded(), bound]);
    } catch (e) {
      if (isVenueError(e) && e.kind === 'unknown-outcome') this.o.reconciler.refreshWhileDown();
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  private async cancelAllUnbounded(): Promise<number> {
    const pairs = this.o.wire
      .live()
      .map((w) => w.instrumentId)
      .filter((id): id is string => id !== undefined);
    const landed = await this.o.limits.cancelAll(pairs);
    try {
      const socket = this.o.socket();
      const token = this.o.token();
      let count: unknown;
      let answer: unknown;
      if (socket?.isLive && token) {
        const r = await socket.request('cancel_all', { token }, this.o.replyTimeoutMs ?? 10_000).catch((e: unknown) => {
          throw e instanceof SocketRequestError ? unknownOutcome('Kraken cancel_all', e) : e;
        });
        if (r.success !== true) throw mapKrakenError(r.error ?? 'cancel_all failed', this.o.now());
        answer = r;
        count = r.result?.count;
      } else {
        const res = await this.o.rest.privatePost<{ count: number | string }>('CancelAll', {}, { mutating: true });
        this.o.reconciler.refreshWhileDown();
        answer = res;
        count = res?.count;
      }
      try {
        return wholeNumber(count, 'cancel_all count');
      } catch (e) {
        if (!(e instanceof MalformedFrame)) throw e;
        this.o.reporter.malformed(e.message, JSON.stringify(answer));
        // The venue did cancel; how many it did not say in a form we read.
        throw unknownOutcome('Kraken cancel_all', new Error('answer without a readable count'));
      }
    } finally {
      for (const l of landed) l();
    }
  }
}
