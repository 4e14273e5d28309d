/**
 * Kraken orders: the state machine fed only by venue evidence, and order entry.
 *
 * pending → open → partially-filled → filled | cancelled | rejected | expired, plus
 * unknown when a request left and its reply was lost: only venue evidence (executions
 * stream, QueryOrders/OpenOrders/ClosedOrders) moves an order out of unknown. Executions
 * are sparse, so evidence is merged onto the order by order_id; fills are applied once,
 * keyed by trade id. Entry goes over WS add_order with the cl_ord_id made by the caller
 * (reused on every retry), over REST AddOrder when the private socket is down.
 */
import type { Dec, Order, OrderRequest, OrderStatus, OrderUpdate } from '../../../common/domain.js';
import { FINAL_ORDER_STATUSES, pendingOrder } from '../../../common/domain.js';
import { add, cmp, isMultipleOf, isZero } from '../../../common/decimal.js';
import { VenueError, isVenueError } from '../venue.js';
import type { ConnectionReporter, VenueSink } from '../venue.js';
import { SPOT_ACCOUNT_ID } from './constants.js';
import { mapKrakenError, unknownOutcome } from './errors.js';
import type { KrakenLimits } from './limits.js';
import type { WsExecution } from './messages.js';
import type { OrderEvidence } from './parse.js';
import { MalformedFrame, executionToEvidence, isText, nativeOf, restOrderToEvidence, restTradeToEvidence, wholeNumber } from './parse.js';
import type { KrakenRest } from './rest.js';
import type { RestAddOrder, RestCancelOrder, RestClosedOrders, RestOpenOrders, RestQueryOrders, RestTradesHistory } from './rest-types.js';
import type { PairMeta, SymbolTable } from './symbols.js';
import type { KrakenSocket } from './ws.js';
import { SocketRequestError, WireNumber } from './ws.js';

/**
 * Unlike the domain's ORDER_STATUS_RANK, `unknown` ranks lowest here: this tracker sets it
 * only directly (settleLocally, on a lost reply), so as evidence it never lowers a state.
 */
const RANK: Readonly<Record<OrderStatus, number>> = {
  unknown: -1,
  pending: 0,
  open: 1,
  'partially-filled': 2,
  filled: 3,
  cancelled: 3,
  rejected: 3,
  expired: 3,
};

/** Reason codes of a "rejection" that proves the order never reached the book: a retry may send it again. */
const NOT_PLACED = new Set(['not-sent', 'unavailable', 'rate-limited']);
/** Cancel-all resolves or fails within this: the WS reply bound (10 s) plus room for a REST fallback. */
const CANCEL_ALL_BOUND_MS = 20_000;

/** A WS method refused for its token: the socket needs a fresh one (doc §4.5). */
export function isStaleToken(error: string | undefined): boolean {
  return error !== undefined && (error.startsWith('EAPI:Invalid token') || error.startsWith('ESession:Invalid session'));
}

/** The status an order moves to on evidence: never backwards, final states stick, unknown yields to any. */
export function nextStatus(current: OrderStatus, evidence: OrderStatus | undefined): OrderStatus {
  if (evidence === undefined) return current;
  if (FINAL_ORDER_STATUSES.has(current)) return current;
  if (current === 'unknown') return evidence;
  return RANK[evidence] >= RANK[current] ? evidence : current;
}

/** cl_ord_id rules (doc §2.4): a UUID with or without dashes, or ≤18 printable ASCII characters. */
export function isValidClOrdId(id: string): boolean {
  if (/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(id)) return true;
  if (/^[0-9a-fA-F]{32}$/.test(id)) return true;
  return id.length > 0 && id.length <= 18 && /^[\x21-\x7e]+$/.test(id);
}

interface Tracked {
  order: Order;
  /** When the venue last (re)created it as far as we know: the cancel penalty is by age. */
  restingSince: number | undefined;
  /** Resolved on the first venue evidence that it exists (or is final). */
  evidence: Promise<void>;
  markEvidence: () => void;
  evidenced: boolean;
  /** Our own order (placed through this adapter) vs one seen on the venue. */
  own: boolean;
}

function copyOrder(o: Order): Order {
  const c: Order = { ...o, fills: o.fills.map((f) => ({ ...f })) };
  if (o.reason) c.reason = { ...o.reason };
  return c;
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** The order journal of this adapter: every order by client id and venue id. */
export class OrderTracker {
  private readonly byClient = new Map<string, Tracked>();
  private readonly byVenue = new Map<string, Tracked>();
  /** Sparse evidence for orders we cannot show yet (no pair/side/qty known). */
  private readonly partial = new Map<string, OrderEvidence>();
  private readonly sink: VenueSink;
  private readonly now: () => number;

  constructor(sink: VenueSink, now: () => number) {
    this.sink = sink;
    this.now = now;
  }

  get(clientOrderId: string): Order | undefined {
    const t = this.byClient.get(clientOrderId);
    return t ? copyOrder(t.order) : undefined;
  }

  byVenueId(venueOrderId: string): Order | undefined {
    const t = this.byVenue.get(venueOrderId);
    return t ? copyOrder(t.order) : undefined;
  }

  all(): Order[] {
    return [...this.byClient.values()].map((t) => copyOrder(t.order));
  }

  /** Orders that are not final, ours and foreign. */
  live(): Order[] {
    return this.all().filter((o) => !FINAL_ORDER_STATUSES.has(o.status));
  }

  /** A new own order, before its first send. */
  create(req: OrderRequest, now: number): Order {
    const d = deferred();
    const order = pendingOrder({ ...req, venue: 'kraken', accountId: SPOT_ACCOUNT_ID }, now);
    const t: Tracked = { order, restingSince: undefined, evidence: d.promise, markEvidence: d.resolve, evidenced: false, own: true };
    this.byClient.set(req.clientOrderId, t);
    this.emit(t, 'send');
    return copyOrder(order);
  }

  /** Forgets an own order that provably never reached the venue, so the same id can be sent again. */
  reopen(clientOrderId: string): boolean {
    const t = this.byClient.get(clientOrderId);
    if (!t || t.order.status !== 'rejected' || !t.order.reason || !NOT_PLACED.has(t.order.reason.code)) return false;
    this.byClient.delete(clientOrderId);
    return true;
  }

  evidenceOf(clientOrderId: string): Promise<void> | undefined {
    return this.byClient.get(clientOrderId)?.evidence;
  }

  restingAge(clientOrderId: string): number {
    const t = this.byClient.get(clientOrderId);
    // Unknown age counts as brand new: the highest cancel penalty, never an underestimate.
    return t?.restingSince === undefined ? 0 : Math.max(0, this.now() - t.restingSince);
  }

  /** Our own outcome of a send: the venue refused, or the reply was lost. */
  settleLocally(clientOrderId: string, status: 'rejected' | 'unknown', reason?: { code: string; message: string }): Order | undefined {
    const t = this.byClient.get(clientOrderId);
    if (!t) return undefined;
    if (status === 'unknown') {
      // Evidence that already arrived outranks a lost reply.
      if (t.evidenced || t.order.status !== 'pending') return copyOrder(t.order);
      t.order.status = 'unknown';
    } else {
      if (FINAL_ORDER_STATUSES.has(t.order.status)) return copyOrder(t.order);
      t.order.status = 'rejected';
      if (reason) t.order.reason = reason;
    }
    t.order.updatedAt = this.now();
    this.emit(t, 'send');
    return copyOrder(t.order);
  }

  /** Merges one piece of venue evidence; emits when something changed. Returns the order if shown. */
  apply(ev: OrderEvidence, source: OrderUpdate['source']): Order | undefined {
    let t = this.byVenue.get(ev.venueOrderId);
    if (!t && ev.clientOrderId !== undefined) {
      const c = this.byClient.get(ev.clientOrderId);
      // A client id is unique among open orders only: a final order's id may be reused.
      if (c && (c.order.venueOrderId === undefined || c.order.venueOrderId === ev.venueOrderId)) t = c;
    }
    if (!t) {
      t = this.adopt(ev);
      if (!t) return undefined;
    }
    const before = signature(t.order);
    if (t.order.venueOrderId === undefined) {
      t.order.venueOrderId = ev.venueOrderId;
      this.byVenue.set(ev.venueOrderId, t);
    }
    const o = t.order;
    const prevStatus = o.status;
    o.status = nextStatus(o.status, ev.status);
    if (ev.instrumentId !== undefined) o.instrumentId = ev.instrumentId;
    if (ev.side) o.side = ev.side;
    if (ev.type) o.type = ev.type;
    if (ev.quantity !== undefined) o.quantity = ev.quantity;
    if (ev.price !== undefined && o.type === 'limit') o.price = ev.price;
    if (ev.fill && !o.fills.some((f) => f.tradeId === ev.fill!.tradeId)) {
      o.fills.push({ ...ev.fill });
      if (ev.filledQuantity === undefined) {
        const sum = o.fills.reduce<Dec>((s, f) => add(s, f.quantity), '0');
        if (cmp(sum, o.filledQuantity) > 0) o.filledQuantity = sum;
      }
    }
    if (ev.filledQuantity !== undefined && cmp(ev.filledQuantity, o.filledQuantity) >= 0) {
      o.filledQuantity = ev.filledQuantity;
      if (ev.averagePrice !== undefined) o.averagePrice = ev.averagePrice;
    }
    if (ev.reason && (o.status === 'cancelled' || o.status === 'expired' || o.status === 'rejected')) o.reason = { ...ev.reason };
    if ((o.status === 'open' || o.status === 'partially-filled') && (prevStatus === 'pending' || prevStatus === 'unknown')) {
      t.restingSince = this.now();
    } else if (t.restingSince === undefined && o.status !== 'pending') t.restingSince = this.now();
    if (!t.evidenced) {
      t.evidenced = true;
      t.markEvidence();
    }
    if (signature(o) !== before) {
      o.updatedAt = this.now();
      this.emit(t, source);
    }
    return copyOrder(o);
  }

  /** An order the venue knows and we did not place (another session, or before a restart). */
  private adopt(ev: OrderEvidence): Tracked | undefined {
    const merged: OrderEvidence = { ...(this.partial.get(ev.venueOrderId) ?? {}), ...definedOnly(ev), venueOrderId: ev.venueOrderId };
    if (merged.instrumentId === undefined || merged.side === undefined || merged.type === undefined || merged.quantity === undefined) {
      this.partial.set(ev.venueOrderId, merged);
      return undefined;
    }
    this.partial.delete(ev.venueOrderId);
    const now = this.now();
    const clientOrderId = merged.clientOrderId ?? `kraken:${ev.venueOrderId}`;
    const order: Order = {
      venue: 'kraken',
      accountId: SPOT_ACCOUNT_ID,
      clientOrderId,
      venueOrderId: ev.venueOrderId,
      instrumentId: merged.instrumentId,
      side: merged.side,
      type: merged.type,
      quantity: merged.quantity,
      // Adopted orders start from nothing; the merged evidence moves them.
      status: 'unknown',
      filledQuantity: '0',
      fills: [],
      createdAt: merged.time ?? now,
      updatedAt: now,
    };
    if (merged.price !== undefined) order.price = merged.price;
    const d = deferred();
    const t: Tracked = { order, restingSince: undefined, evidence: d.promise, markEvidence: d.resolve, evidenced: false, own: false };
    const existing = this.byClient.get(clientOrderId);
    // A reused client id of a final order: the new order takes the id.
    if (!existing || FINAL_ORDER_STATUSES.has(existing.order.status)) this.byClient.set(clientOrderId, t);
    this.byVenue.set(ev.venueOrderId, t);
    // Anything stashed earlier (e.g. a fill) is merged by the caller's apply().
    if (merged.status === undefined) merged.status = ev.status;
    Object.assign(ev, merged);
    return t;
  }

  private emit(t: Tracked, source: OrderUpdate['source']): void {
    this.sink.order({ order: copyOrder(t.order), source });
  }
}

function definedOnly(ev: OrderEvidence): Partial<OrderEvidence> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(ev)) if (v !== undefined) out[k] = v;
  return out as Partial<OrderEvidence>;
}

function signature(o: Order): string {
  return `${o.status}|${o.venueOrderId ?? ''}|${o.filledQuantity}|${o.averagePrice ?? ''}|${o.fills.length}|${o.quantity}|${o.price ?? ''}|${o.reason?.message ?? ''}`;
}

export interface OrderEntryOptions {
  symbols: SymbolTable;
  limits: KrakenLimits;
  rest: KrakenRest;
  tracker: OrderTracker;
  /** The private socket, when there is one. */
  socket: () => KrakenSocket | undefined;
  /** The token of the private socket's current session. */
  token: () => string | undefined;
  reporter: ConnectionReporter;
  now: () => number;
  /** How long a WS reply may take before the outcome is unknown. */
  replyTimeoutMs?: number;
}

/** Order entry, cancel and reconciliation over WS (preferred) and REST (fallback). */
export class OrderEntry {
  private readonly o: OrderEntryOptions;
  private readonly inFlight = new Map<string, Promise<Order>>();
  private resolving: Promise<void> | undefined;
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

  /** Places an order; the same clientOrderId never produces a second venue order. */
  placeOrder(req: OrderRequest): Promise<Order> {
    const running = this.inFlight.get(req.clientOrderId);
    if (running) return running;
    const p = this.place(req).finally(() => this.inFlight.delete(req.clientOrderId));
    this.inFlight.set(req.clientOrderId, p);
    return p;
  }

  private async place(req: OrderRequest): Promise<Order> {
    const meta = this.validate(req);
    const tracker = this.o.tracker;
    const existing = tracker.get(req.clientOrderId);
    if (existing && !tracker.reopen(req.clientOrderId)) {
      // Already sent once: the venue's evidence decides, never a second send.
      return existing;
    }
    tracker.create(req, this.o.now());
    for (let attempt = 0; ; attempt++) {
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
      // Both mean "not placed": the same cl_ord_id may go again.
      const retryable = err.kind === 'rate-limited' || err.code === 'not-sent';
      if (!retryable) throw err;
      if (err.kind === 'rate-limited') {
        // Our counter model was behind the venue's: believe the venue and wait.
        this.o.limits.pair(meta.id).saturate();
        this.o.reporter.error(err.info(this.o.now()));
      }
      if (attempt >= 5) return this.notPlaced(req, err.kind === 'rate-limited' ? 'rate-limited' : 'not-sent', err.message);
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
    if (req.type === 'limit') {
      if (req.price === undefined) throw bad('a limit order needs a price');
      if (cmp(req.price, '0') <= 0 || !isMultipleOf(req.price, inst.priceStep)) throw bad(`price ${req.price} is not a positive multiple of ${inst.priceStep}`);
    }
    return meta;
  }

  private notPlaced(req: OrderRequest, code: string, message: string): never {
    this.o.tracker.settleLocally(req.clientOrderId, 'rejected', { code, message });
    throw new VenueError('unavailable', code, message);
  }

  private async placeWs(req: OrderRequest, meta: PairMeta, socket: KrakenSocket, token: string): Promise<Order> {
    const params: Record<string, unknown> = {
      order_type: req.type,
      side: req.side,
      order_qty: new WireNumber(req.quantity),
      symbol: meta.symbol,
      cl_ord_id: req.clientOrderId,
      token,
    };
    if (req.type === 'limit' && req.price !== undefined) params.limit_price = new WireNumber(req.price);
    const reply = socket.request('add_order', params, this.o.replyTimeoutMs ?? 10_000);
    const evidence = this.o.tracker.evidenceOf(req.clientOrderId)!;
    let r;
    try {
      // The executions stream may prove the order before (or instead of) the reply.
      r = await Promise.race([reply, evidence.then(() => undefined)]);
    } catch (e) {
      if (e instanceof SocketRequestError) {
        if (!e.sent) throw new VenueError('unavailable', 'not-sent', e.message);
        return this.lost(req, e);
      }
      throw e;
    }
    reply.catch(() => undefined);
    if (r === undefined) return this.o.tracker.get(req.clientOrderId)!;
    if (r.success === true) {
      const orderId = isText(nativeOf(r).result, 'order_id') ? (r.result!.order_id as string) : undefined;
      if (orderId) return this.o.tracker.apply({ venueOrderId: orderId, clientOrderId: req.clientOrderId, status: 'open' }, 'send')!;
      return this.o.tracker.get(req.clientOrderId)!;
    }
    if (isStaleToken(r.error)) {
      // Refused before anything happened: a fresh token (new connection) and the same cl_ord_id again.
      socket.recycle(`token refused: ${r.error ?? ''}`);
      throw new VenueError('unavailable', 'not-sent', `add_order: ${r.error ?? 'token refused'}`);
    }
    const err = mapKrakenError(r.error ?? 'add_order failed', this.o.now());
    return this.refused(req, err);
  }

  private async placeRest(req: OrderRequest, meta: PairMeta): Promise<Order> {
    const params: Record<string, string> = {
      pair: meta.id,
      type: req.side,
      ordertype: req.type,
      volume: req.quantity,
      cl_ord_id: req.clientOrderId,
    };
    if (req.type === 'limit' && req.price !== undefined) params.price = req.price;
    let res: RestAddOrder;
    try {
      res = await this.o.rest.privatePost<RestAddOrder>('AddOrder', params, { mutating: true });
    } catch (e) {
      if (!isVenueError(e)) throw e;
      if (e.kind === 'unknown-outcome') return this.lost(req, e);
      // A network error before sending comes back as unavailable with code "network".
      if (e.kind === 'unavailable' && e.code === 'network') throw new VenueError('unavailable', 'not-sent', e.message);
      return this.refused(req, e);
    }
    // txid is an array of strings (doc §2.4); anything else leaves the order for REST to tell.
    const txid = Array.isArray(res?.txid) && typeof res.txid[0] === 'string' ? res.txid[0] : undefined;
    if (txid === undefined && res?.txid !== undefined) this.o.reporter.malformed('AddOrder txid is not a list of ids', JSON.stringify(res));
    // Without the stream, only REST can tell what becomes of the order.
    this.scheduleResolve();
    if (!txid) return this.o.tracker.get(req.clientOrderId)!;
    return this.o.tracker.apply({ venueOrderId: txid, clientOrderId: req.clientOrderId, status: 'open' }, 'send')!;
  }

  private refused(req: OrderRequest, err: VenueError): Order {
    if (err.kind === 'rate-limited') throw err;
    if (err.kind === 'unavailable') return this.notPlaced(req, 'unavailable', err.message);
    this.o.tracker.settleLocally(req.clientOrderId, 'rejected', { code: err.code, message: err.message });
    this.o.reporter.error(err.info(this.o.now()));
    throw err;
  }

  /**
   * The request left and no reply came: the order is `unknown` until the venue says
   * otherwise, and placeOrder resolves with it (it rejects only when surely not placed).
   */
  private lost(req: OrderRequest, cause: unknown): Order {
    const order = this.o.tracker.settleLocally(req.clientOrderId, 'unknown')!;
    // Evidence may have won the race after all.
    if (order.status !== 'unknown') return order;
    const err = isVenueError(cause) ? cause : unknownOutcome(`Kraken add_order ${req.clientOrderId}`, cause);
    this.o.reporter.error(err.info(this.o.now()));
    this.scheduleResolve();
    return order;
  }

  /** Cancels by client order id; resolves with the order as the venue left it. */
  async cancelOrder(clientOrderId: string): Promise<Order> {
    const tracker = this.o.tracker;
    const cur = tracker.get(clientOrderId);
    if (!cur) throw new VenueError('invalid', 'EOrder:Unknown order', `no order with client id ${clientOrderId}`);
    if (FINAL_ORDER_STATUSES.has(cur.status)) return cur;
    const landed = await this.o.limits.cancelOrder(cur.instrumentId, tracker.restingAge(clientOrderId));
    let confirmed: boolean;
    try {
      confirmed = await this.sendCancel(cur, clientOrderId);
    } finally {
      landed();
    }
    if (!confirmed) return tracker.get(clientOrderId)!;
    // The stream's canceled event carries the final totals; wait for it a moment.
    await this.waitFinal(clientOrderId, 2_000);
    const after = tracker.get(clientOrderId)!;
    if (FINAL_ORDER_STATUSES.has(after.status) || after.venueOrderId === undefined) return after;
    // The cancel reply is venue evidence too.
    return tracker.apply({ venueOrderId: after.venueOrderId, clientOrderId, status: 'cancelled' }, 'send') ?? after;
  }

  /** True when the venue confirmed the cancel; false when its answer was lost. */
  private async sendCancel(cur: Order, clientOrderId: string): Promise<boolean> {
    const socket = this.o.socket();
    const token = this.o.token();
    const byId: Record<string, string[]> = cur.venueOrderId ? { order_id: [cur.venueOrderId] } : { cl_ord_id: [clientOrderId] };
    if (socket?.isLive && token) {
      try {
        const r = await socket.request('cancel_order', { ...byId, token }, this.o.replyTimeoutMs ?? 10_000);
        if (r.success !== true) {
          if (isStaleToken(r.error)) {
            socket.recycle(`token refused: ${r.error ?? ''}`);
            throw new VenueError('unavailable', 'not-sent', `cancel_order: ${r.error ?? 'token refused'}; retry`);
          }
          const err = mapKrakenError(r.error ?? 'cancel_order failed', this.o.now());
          // Often it is already done (filled or cancelled): then the final order is the answer.
          await this.refreshOne(clientOrderId);
          if (FINAL_ORDER_STATUSES.has(this.o.tracker.get(clientOrderId)?.status ?? 'unknown')) return true;
          this.o.reporter.error(err.info(this.o.now()));
          throw err;
        }
      } catch (e) {
        if (e instanceof SocketRequestError) {
          if (!e.sent) throw new VenueError('unavailable', 'not-sent', e.message);
          // It may have happened: the stream or reconciliation will tell.
          this.o.reporter.error(unknownOutcome(`Kraken cancel_order ${clientOrderId}`, e).info(this.o.now()));
          this.scheduleResolve();
          return false;
        }
        throw e;
      }
    } else {
      const params: Record<string, string> = cur.venueOrderId ? { txid: cur.venueOrderId } : { cl_ord_id: clientOrderId };
      let res: RestCancelOrder;
      try {
        res = await this.o.rest.privatePost<RestCancelOrder>('CancelOrder', params, { mutating: true });
      } catch (e) {
        if (!isVenueError(e) || e.kind !== 'unknown-outcome') throw e;
        this.o.reporter.error(e.info(this.o.now()));
        this.scheduleResolve();
        return false;
      }
      if (Number(res.count) === 0) await this.refreshOne(clientOrderId);
    }
    return true;
  }

  /**
   * Cancels every open order of the account; resolves with the venue's count, or rejects with
   * a typed error, within CANCEL_ALL_BOUND_MS: a panic key must never hang.
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
      if (isVenueError(e) && e.kind === 'unknown-outcome') this.scheduleResolve();
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  private async cancelAllUnbounded(): Promise<number> {
    const live = this.o.tracker.live();
    const landed = await this.o.limits.cancelAll(live.map((o) => o.instrumentId));
    let count: number | undefined;
    try {
      count = await this.sendCancelAll();
    } finally {
      for (const l of landed) l();
    }
    // The stream's canceled events settle the orders; wait for them together, briefly.
    await Promise.all(live.map((o) => this.waitFinal(o.clientOrderId, 2_000)));
    // An unreadable count (already reported): what the venue's evidence settled is the count.
    return count ?? live.filter((o) => FINAL_ORDER_STATUSES.has(this.o.tracker.get(o.clientOrderId)?.status ?? 'unknown')).length;
  }

  /** The venue's count, or undefined when its answer had none we could read (reported as malformed). */
  private async sendCancelAll(): Promise<number | undefined> {
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
      answer = res;
      count = res?.count;
    }
    try {
      return wholeNumber(count, 'cancel_all count');
    } catch (e) {
      if (!(e instanceof MalformedFrame)) throw e;
      this.o.reporter.malformed(e.message, JSON.stringify(answer));
      return undefined;
    }
  }

  /** Applies one executions frame entry. */
  applyExecution(e: WsExecution): void {
    const ev = executionToEvidence(e, (s) => this.o.symbols.find(s)?.id);
    this.o.tracker.apply(ev, 'stream');
  }

  /**
   * Reconciliation after a (re)connect: OpenOrders for everything resting, then
   * QueryOrders for our unsettled orders that are no longer open, and ClosedOrders by
   * cl_ord_id for unknowns whose venue id we never learned.
   */
  async reconcile(): Promise<void> {
    const pairOf = (alt: string): string | undefined => this.o.symbols.find(alt)?.id;
    let missingFills = false;
    const noteTrades = (txid: string, ro: RestQueryOrders[string]): void => {
      const known = new Set(this.o.tracker.byVenueId(txid)?.fills.map((f) => f.tradeId) ?? []);
      if (Array.isArray(ro?.trades) && ro.trades.some((t) => !known.has(t))) missingFills = true;
    };
    const open = await this.o.rest.privatePost<RestOpenOrders>('OpenOrders', { trades: 'true' });
    const seen = new Set<string>();
    for (const [txid, ro] of Object.entries(open.open ?? {})) {
      seen.add(txid);
      this.applyRest(txid, ro, pairOf);
      noteTrades(txid, ro);
    }
    const withId = this.o.tracker
      .live()
      .filter((o) => o.venueOrderId !== undefined && !seen.has(o.venueOrderId))
      .map((o) => o.venueOrderId!);
    for (let i = 0; i < withId.length; i += 50) {
      const batch = withId.slice(i, i + 50);
      const q = await this.o.rest.privatePost<RestQueryOrders>('QueryOrders', { txid: batch.join(','), trades: 'true' });
      for (const [txid, ro] of Object.entries(q)) {
        this.applyRest(txid, ro, pairOf);
        noteTrades(txid, ro);
      }
    }
    for (const o of this.o.tracker.live()) {
      if (o.venueOrderId !== undefined || o.status !== 'unknown') continue;
      if (!isValidClOrdId(o.clientOrderId)) continue;
      const closed = await this.o.rest.privatePost<RestClosedOrders>('ClosedOrders', { cl_ord_id: o.clientOrderId, trades: 'true' });
      for (const [txid, ro] of Object.entries(closed.closed ?? {})) {
        if (ro.cl_ord_id !== o.clientOrderId) continue;
        this.applyRest(txid, ro, pairOf);
        noteTrades(txid, ro);
      }
    }
    // Fills the stream did not deliver (it was down): REST orders list trade ids, the trades come from history.
    if (missingFills) {
      const h = await this.o.rest.privatePost<RestTradesHistory>('TradesHistory', {});
      for (const [tid, tr] of Object.entries(h.trades ?? {})) {
        if (this.o.tracker.byVenueId(tr.ordertxid) === undefined) continue;
        try {
          this.o.tracker.apply(restTradeToEvidence(tid, tr), 'reconcile');
        } catch (e) {
          if (e instanceof MalformedFrame) this.o.reporter.malformed(e.message, JSON.stringify(tr));
          else throw e;
        }
      }
    }
  }

  private applyRest(txid: string, ro: RestQueryOrders[string], pairOf: (alt: string) => string | undefined): void {
    try {
      this.o.tracker.apply(restOrderToEvidence(txid, ro, pairOf), 'reconcile');
    } catch (e) {
      if (e instanceof MalformedFrame) this.o.reporter.malformed(e.message, JSON.stringify(ro));
      else throw e;
    }
  }

  /**
   * Keeps asking the venue over REST while it is the only source of truth: an order is
   * unknown, or the private stream is down with orders still live. The REST limiter paces it.
   */
  scheduleResolve(delayMs = 1_000): void {
    if (this.resolving || this.closed) return;
    const needed = (): boolean => {
      const live = this.o.tracker.live();
      return live.some((o) => o.status === 'unknown') || (live.length > 0 && !this.o.socket()?.isLive);
    };
    this.resolving = (async () => {
      while (!this.closed && needed()) {
        await new Promise((r) => setTimeout(r, delayMs).unref());
        if (this.closed || !needed()) return;
        try {
          await this.reconcile();
        } catch (e) {
          if (isVenueError(e)) this.o.reporter.error(e.info(this.o.now()));
        }
        delayMs = Math.min(delayMs * 2, 10_000);
      }
    })().finally(() => (this.resolving = undefined));
  }

  private async refreshOne(clientOrderId: string): Promise<void> {
    const o = this.o.tracker.get(clientOrderId);
    if (!o?.venueOrderId) return;
    try {
      const q = await this.o.rest.privatePost<RestQueryOrders>('QueryOrders', { txid: o.venueOrderId, trades: 'true' });
      for (const [txid, ro] of Object.entries(q)) this.applyRest(txid, ro, (alt) => this.o.symbols.find(alt)?.id);
    } catch (e) {
      if (isVenueError(e)) this.o.reporter.error(e.info(this.o.now()));
    }
  }

  private async waitFinal(clientOrderId: string, timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const o = this.o.tracker.get(clientOrderId);
      if (!o || FINAL_ORDER_STATUSES.has(o.status)) return;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

