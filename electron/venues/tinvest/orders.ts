/**
 * Trading on T-Invest: order entry, the OrderStateStream owner, reconciliation and the
 * account's history, all reporting OrderEvidence (the core decides states). Every account an
 * order command touches is added to the stream, and every (re)subscribe reconciles before the
 * stream reports live: GetOrders for the active orders, then GetOrderState for each order this
 * adapter has heard of that is not known to have ended and is not in that list (it ended, or
 * its answer was lost while the stream was down). What they say goes to the sink.
 */
import type { AmendRequest, Instrument, OrderEvidence, OrderRequest, OrderTerms, Portfolio } from '../../../common/domain.js';
import { FINAL_ORDER_STATUSES, PRICED_ORDER_TYPES, TRIGGER_ORDER_TYPES } from '../../../common/domain.js';
import type { BackoffOptions } from '../../net/backoff.js';
import { VenueError } from '../venue.js';
import type { ConnectionReporter, ResolveHint, VenueHistory, VenueSink } from '../venue.js';
import { AccountHistory } from './account-history.js';
import type { AccountHistoryOptions } from './account-history.js';
import type { GrpcChannel } from './channel.js';
import { CANCEL_ALL_MS, DEADLINE_MS, SERVICES } from './constants.js';
import { toVenueError } from './errors.js';
import { OrderEntry, identityOf } from './order-entry.js';
import type { OrderChange, OrderRetryOptions, ResolveOptions } from './order-entry.js';
import { OrderIds } from './order-ids.js';
import { checkClientKey, checkQuantityAndPrice } from './order-checks.js';
import type { AccountRequest, GetOrdersRequest, GetOrdersResponse, PortfolioResponse, PositionsResponse, ReplaceOrderRequest } from './order-messages.js';
import { StopOrders } from './stop-orders.js';
import { decToQuotation } from './quotation.js';
import { fromOrderState, fromStreamState } from './order-parse.js';
import type { OrderStateMsg, StreamOrderStateMsg } from './order-messages.js';
import { QuotationError } from './quotation.js';
import { OrderStateStream } from './order-state-stream.js';
import { toPortfolio } from './portfolio.js';
import { method } from './proto.js';
import type { TInvestRpc } from './rpc.js';

export interface TradingOptions {
  /** OrderStateStream ping_delay_millis, and its watchdog interval. Default 5000. */
  pingDelayMs?: number;
  /** Pacing of OrderStateStream reconnects. */
  reconnect?: BackoffOptions;
  retry?: OrderRetryOptions;
  resolve?: ResolveOptions;
  /** Deadline of one order command attempt. */
  commandDeadlineMs?: number;
  /** Bound of one cancel-all, from GetOrders to the last cancel's answer. */
  cancelAllMs?: number;
  /** Paging of GetOperationsByCursor. */
  history?: AccountHistoryOptions;
  /** GetStopOrders interval while an account has stop orders waiting (default 5000; 50 calls a minute for the service). */
  stopPollMs?: number;
}

export interface TInvestTradingDeps extends TradingOptions {
  channel: GrpcChannel;
  rpc: TInvestRpc;
  sink: VenueSink;
  now: () => number;
  instrument(id: string): Promise<Instrument>;
}

/** How long after the stream is live its trades may still be on the way. */
const FILL_GRACE_MS = 1_000;

const methods = {
  getOrders: method<GetOrdersRequest, GetOrdersResponse>(SERVICES.orders, 'GetOrders'),
  getPositions: method<AccountRequest, PositionsResponse>(SERVICES.operations, 'GetPositions'),
  getPortfolio: method<AccountRequest, PortfolioResponse>(SERVICES.operations, 'GetPortfolio'),
};

export class TInvestTrading {
  readonly ids = new OrderIds();
  readonly entry: OrderEntry;
  readonly stream: OrderStateStream;
  readonly stops: StopOrders;
  private readonly history: AccountHistory;
  private readonly deps: TInvestTradingDeps;
  private readonly reporter: ConnectionReporter;
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(deps: TInvestTradingDeps) {
    this.deps = deps;
    this.reporter = deps.sink.connection('orders');
    this.entry = new OrderEntry({
      rpc: deps.rpc,
      ids: this.ids,
      instrument: deps.instrument,
      reporter: this.reporter,
      report: (ev) => this.report(ev),
      now: deps.now,
      ...(deps.retry ? { retry: deps.retry } : {}),
      ...(deps.resolve ? { resolve: deps.resolve } : {}),
      ...(deps.commandDeadlineMs ? { commandDeadlineMs: deps.commandDeadlineMs } : {}),
    });
    this.history = new AccountHistory({ rpc: deps.rpc, reporter: this.reporter, ...(deps.history ?? {}) });
    this.stops = new StopOrders({
      rpc: deps.rpc,
      reporter: this.reporter,
      // A stop order's id is no exchange order id: it goes to the sink without the wire bookkeeping.
      report: (ev) => deps.sink.order(ev),
      child: (accountId, key, childId) => {
        this.entry.state(accountId, key, 'reconcile', childId).then(
          (ev) => this.report(ev),
          (e: unknown) => this.reporter.error(toVenueError(e).info(deps.now())),
        );
      },
      cancelChild: (accountId, key, childId) => this.entry.cancel(accountId, key, childId),
      now: deps.now,
      ...(deps.stopPollMs ? { pollMs: deps.stopPollMs } : {}),
      ...(deps.retry ? { retry: deps.retry } : {}),
      ...(deps.resolve ? { resolve: deps.resolve } : {}),
      ...(deps.commandDeadlineMs ? { commandDeadlineMs: deps.commandDeadlineMs } : {}),
    });
    this.stream = new OrderStateStream({
      channel: deps.channel,
      reporter: this.reporter,
      now: deps.now,
      pingDelayMs: deps.pingDelayMs ?? 5_000,
      ...(deps.reconnect ? { backoff: deps.reconnect } : {}),
      onOrder: (m) => {
        const ev = streamEvidence(m, deps.now());
        if (typeof ev === 'string') {
          this.reporter.malformed(`order state: ${ev}`, JSON.stringify(m));
          return false;
        }
        this.report(ev);
        return true;
      },
      reconcile: (accounts) => this.reconcile(accounts),
    });
  }

  /** Follows an account on the order stream (reconciling it) without sending anything. */
  watch(accountId: string): void {
    this.stream.watch(accountId);
  }

  async placeOrder(req: OrderRequest): Promise<OrderEvidence> {
    this.stream.watch(req.accountId);
    if (TRIGGER_ORDER_TYPES.has(req.type)) return this.placeStop(req);
    const ev = await this.entry.place(req);
    this.settleFills(ev);
    return ev;
  }

  /** Sends an order without the instrument checks (the venue's own checks answer). */
  async submitOrder(req: OrderRequest): Promise<OrderEvidence> {
    this.stream.watch(req.accountId);
    const ev = await this.entry.submit(req);
    this.settleFills(ev);
    return ev;
  }

  cancelOrder(accountId: string, clientOrderId: string, venueOrderId?: string): Promise<OrderEvidence> {
    this.stream.watch(accountId);
    if (this.stops.has(clientOrderId)) return this.stops.cancel(accountId, clientOrderId);
    // After a replace the order works under the id the replace made; ours is the latest.
    return this.entry.cancel(accountId, clientOrderId, this.ids.get(clientOrderId)?.venueOrderId ?? venueOrderId);
  }

  /**
   * A stop order, checked against its instrument (whole lots, trigger and limit prices on the
   * price grid), then PostStopOrder. The terms go with the answer: the venue's has none.
   */
  private async placeStop(req: OrderRequest): Promise<OrderEvidence> {
    const inst = await this.deps.instrument(req.instrumentId);
    if (req.venue !== 'tinvest') throw new VenueError('invalid', 'wrong-venue', `order for ${req.venue} given to tinvest`);
    checkClientKey(req.clientOrderId);
    checkQuantityAndPrice(inst, 'market', req.quantity, undefined);
    if (req.triggerPrice !== undefined) checkQuantityAndPrice(inst, 'limit', req.quantity, req.triggerPrice);
    if (PRICED_ORDER_TYPES.has(req.type)) checkQuantityAndPrice(inst, 'limit', req.quantity, req.price);
    const terms: OrderTerms = { instrumentId: req.instrumentId, side: req.side, type: req.type, quantity: req.quantity, createdAt: this.deps.now() };
    if (req.price !== undefined && PRICED_ORDER_TYPES.has(req.type)) terms.price = req.price;
    if (req.triggerPrice !== undefined) terms.triggerPrice = req.triggerPrice;
    if (req.trailingOffset) terms.trailingOffset = { ...req.trailingOffset };
    terms.timeInForce = req.timeInForce ?? 'gtc';
    if (req.expireAt !== undefined) terms.expireAt = req.expireAt;
    return this.stops.place(req, terms);
  }

  /**
   * ReplaceOrder as an amend (§4.6): the venue cancels the working exchange order and posts a
   * new one under the amend id, so the order's venue id changes; the answer is 'status'
   * evidence with `amended` naming the new id. The new order's events carry the amend id as
   * their request id and are reported under the order's own key; the old one's cancel is part
   * of the replace and is not reported as one. `quantity` is the new total, fills included:
   * the new exchange order carries what is left of it. Stop orders have no replace.
   */
  async amendOrder(req: AmendRequest, venueOrderId: string | undefined): Promise<OrderEvidence> {
    const { accountId, clientOrderId: key, amendId } = req;
    this.stream.watch(accountId);
    if (this.stops.has(key)) throw new VenueError('invalid', 'not-amendable', 'a T-Invest stop order cannot be changed: cancel it and place another');
    if (req.triggerPrice !== undefined) throw new VenueError('invalid', 'not-amendable', 'only stop orders have a trigger price');
    checkClientKey(amendId);
    const current = this.ids.get(key)?.venueOrderId ?? venueOrderId;
    const old = await this.entry.state(accountId, key, 'reconcile', current);
    const terms = old.terms;
    if (old.status !== undefined && FINAL_ORDER_STATUSES.has(old.status)) {
      this.report(old);
      throw new VenueError('rejected', 'not-active', `order ${key} is ${old.status}; only a working order can be amended`);
    }
    if (!old.venueOrderId || !terms) throw new VenueError('invalid', 'no-exchange-id', `order ${key} has no exchange id yet; it can't be amended`);
    const w = this.ids.get(key);
    let filled = 0n;
    for (const q of w?.trades.values() ?? []) filled += q;
    const segmentLeft = BigInt(terms.quantity) - BigInt(old.filledQuantity ?? '0');
    const left = req.quantity !== undefined ? BigInt(wholeLots(req.quantity)) - filled : segmentLeft;
    if (left <= 0n) throw new VenueError('invalid', 'quantity', `the new quantity ${req.quantity ?? ''} is not above the ${filled} lot(s) already filled`);
    const price = terms.type === 'limit' ? (req.price ?? terms.price) : undefined;
    checkQuantityAndPrice(await this.deps.instrument(terms.instrumentId), terms.type, left.toString(), price);
    const wire: ReplaceOrderRequest = { accountId, orderId: old.venueOrderId, idempotencyKey: amendId, quantity: left.toString() };
    if (terms.type === 'limit' && req.price !== undefined) wire.price = decToQuotation(req.price);
    const oldId = old.venueOrderId;
    this.ids.alias(amendId, key);
    this.ids.supersede(oldId);
    let next: OrderEvidence;
    try {
      next = await this.entry.sendReplace(
        identityOf({ venue: 'tinvest', accountId, clientOrderId: amendId, instrumentId: terms.instrumentId, side: terms.side, type: terms.type, quantity: left.toString(), ...(price !== undefined ? { price } : {}) }),
        wire,
      );
    } catch (e) {
      const err = toVenueError(e);
      if (err.kind !== 'unknown-outcome') {
        // Refused (30059 when the old order was no longer active): it stands as the venue says.
        this.ids.restore(oldId);
        void this.entry.state(accountId, key, 'reconcile', oldId).then(
          (ev) => this.report(ev),
          () => undefined,
        );
      }
      throw err;
    }
    return this.amended(key, amendId, next, { price, total: req.quantity });
  }

  /** The answer about a replacement order, as the amended order's evidence. */
  private amended(key: string, amendId: string, next: OrderEvidence, change: { price?: string | undefined; total?: string | undefined }): OrderEvidence {
    const id = next.venueOrderId;
    if (id) this.ids.replaced(next.accountId, key, id);
    const ev: OrderEvidence = { kind: 'status', venue: 'tinvest', accountId: next.accountId, clientOrderId: key, at: next.at, source: next.source };
    if (id) ev.venueOrderId = id;
    if (next.status !== undefined) ev.status = next.status;
    if (next.fills?.length) ev.fills = next.fills;
    if (next.kind === 'rejected') {
      ev.status = 'rejected';
      if (next.reason) ev.reason = next.reason;
      return ev;
    }
    ev.amended = { amendId, at: next.at, ...(id ? { venueOrderId: id } : {}), ...(change.price !== undefined ? { price: change.price } : {}), ...(change.total !== undefined ? { quantity: change.total } : {}) };
    return ev;
  }

  replaceOrder(accountId: string, clientOrderId: string, change: OrderChange, newClientOrderId: string): Promise<OrderEvidence> {
    this.stream.watch(accountId);
    return this.entry.replace(accountId, clientOrderId, change, newClientOrderId);
  }

  /**
   * What the venue holds for an order whose answer was lost. Stop orders are looked up in the
   * stop-order lists. An order amended by ReplaceOrder may now work under one of the amend ids
   * (newest first): found under one, it comes back as the amended order.
   */
  async resolveOrder(accountId: string, clientOrderId: string, hint: ResolveHint): Promise<OrderEvidence> {
    this.stream.watch(accountId);
    if (this.stops.has(clientOrderId)) return this.stops.resolve(accountId, clientOrderId, hint);
    for (const amendId of [...(hint.amendIds ?? [])].reverse()) {
      let found: OrderEvidence;
      try {
        found = await this.entry.state(accountId, amendId, 'reconcile');
      } catch (e) {
        if (toVenueError(e).code === '50005') continue;
        throw e;
      }
      this.ids.alias(amendId, clientOrderId);
      return this.amended(clientOrderId, amendId, found, { price: found.terms?.type === 'limit' ? found.terms.price : undefined });
    }
    const current = this.ids.get(clientOrderId)?.venueOrderId;
    const ev = await this.entry.resolve(accountId, clientOrderId, { ...hint, ...(current ? { venueOrderId: current } : {}) });
    // A stop order of an earlier run: StopOrder names no request id, so only its venue id (the
    // core's hint) ties it to the key. Found among the stop orders, it is followed again.
    if (ev.kind === 'not-found' && hint.venueOrderId) {
      const adopted = await this.stops.adopt(accountId, clientOrderId, hint.venueOrderId);
      if (adopted) return adopted;
    }
    return ev;
  }

  /** The account's active orders as the venue lists them (GetOrders), as 'status' evidence with terms. */
  async openOrders(accountId: string): Promise<OrderEvidence[]> {
    this.stream.watch(accountId);
    const [orders, stops] = await Promise.all([this.active(accountId, 'reconcile'), this.stops.active(accountId)]);
    return [...orders.map((ev) => this.canonical(ev)).filter((ev): ev is OrderEvidence => ev !== undefined), ...stops];
  }

  /** The executed trades of the account since `sinceMs`, from the operations history. */
  async accountHistory(accountId: string, sinceMs: number): Promise<VenueHistory> {
    const [trades, stops] = await Promise.all([this.history.trades(accountId, sinceMs), this.stops.history(accountId, sinceMs)]);
    // Operations name no order (no order id, no request id), so orders come from the order
    // services only (GetOrders/GetOrderState and the stream), and stop orders from their lists.
    return { orders: stops, trades };
  }

  /**
   * Cancels every active order of the account; resolves with how many were cancelled, or rejects
   * with a VenueError saying how many of how many, within `cancelAllMs` whatever the venue does.
   */
  async cancelAll(accountId: string): Promise<number> {
    this.stream.watch(accountId);
    const ms = this.deps.cancelAllMs ?? CANCEL_ALL_MS;
    const progress = { total: -1, cancelled: 0 };
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const seen = progress.total < 0 ? 'the active orders could not be listed' : `cancelled ${progress.cancelled} of ${progress.total} order(s)`;
        reject(new VenueError('unavailable', 'cancel-all-timeout', `cancel-all did not finish in ${ms} ms: ${seen}`));
      }, ms);
    });
    try {
      return await Promise.race([this.cancelEvery(accountId, progress), bound]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async cancelEvery(accountId: string, progress: { total: number; cancelled: number }): Promise<number> {
    const orders = await this.active(accountId, 'reconcile');
    for (const ev of orders) this.report(ev);
    progress.total = orders.length;
    const results = await Promise.allSettled(
      orders.map(async (o) => {
        const r = await this.entry.cancel(accountId, o.clientOrderId, o.venueOrderId);
        this.report(r);
        if (r.status === 'cancelled') progress.cancelled++;
        return r;
      }),
    );
    let cancelled = 0;
    let failed: VenueError | undefined;
    let failures = 0;
    for (const r of results) {
      if (r.status === 'fulfilled') {
        if (r.value.status === 'cancelled') cancelled++;
        continue;
      }
      const err = toVenueError(r.reason);
      // Filled or cancelled meanwhile: nothing left to cancel.
      if (err.code === '30059') continue;
      failures++;
      failed ??= err;
    }
    if (failed) {
      throw new VenueError(failed.kind, failed.code, `cancelled ${cancelled} of ${orders.length} order(s); ${failures} failed, first: ${failed.message}`, {
        trackingId: failed.trackingId,
      });
    }
    return cancelled;
  }

  async portfolio(accountId: string): Promise<Portfolio> {
    const rpc = this.deps.rpc;
    const req = { accountId };
    const [positions, portfolio] = await Promise.all([
      rpc.call(methods.getPositions, req, { deadlineMs: DEADLINE_MS.GetPositions }),
      rpc.call(methods.getPortfolio, req, { deadlineMs: DEADLINE_MS.GetPortfolio }),
    ]);
    try {
      return toPortfolio(accountId, positions, portfolio, this.deps.now());
    } catch (e) {
      if (!(e instanceof QuotationError)) throw e;
      this.reporter.malformed(`portfolio: ${e.message}`, JSON.stringify({ positions, portfolio }));
      throw new VenueError('invalid', 'malformed-answer', `the portfolio of ${accountId} came back malformed`);
    }
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.entry.close();
    this.stops.close();
    this.stream.close();
  }

  /** To the sink under the key of the order it belongs to, with the ids noted. */
  private report(ev: OrderEvidence): void {
    const out = this.canonical(ev);
    if (!out) return;
    this.ids.note(out);
    this.deps.sink.order(out);
  }

  /**
   * Evidence about exchange orders that stand for another order: a stop order's child (known by
   * its exchange id, or by the stop order's key it carries), a replacement made under an amend
   * id. Their terms are the exchange order's, not the order's, so they are left out. The cancel
   * of an order a replace took the place of is part of the replace: dropped (its fills kept).
   */
  private canonical(ev: OrderEvidence): OrderEvidence | undefined {
    const stopKey = (ev.venueOrderId !== undefined ? this.stops.keyOfChild(ev.venueOrderId) : undefined) ?? (this.stops.has(ev.clientOrderId) ? ev.clientOrderId : undefined);
    if (stopKey !== undefined) {
      if (ev.venueOrderId !== undefined) this.stops.noteChild(stopKey, ev.venueOrderId);
      return withoutTerms({ ...ev, clientOrderId: stopKey });
    }
    const original = this.ids.originalOf(ev.clientOrderId);
    if (original !== undefined) return withoutTerms({ ...ev, clientOrderId: original });
    if (ev.venueOrderId !== undefined && ev.status === 'cancelled' && this.ids.isSuperseded(ev.venueOrderId)) {
      if (!ev.fills?.length) return undefined;
      const kept: OrderEvidence = { ...ev };
      delete kept.status;
      return kept;
    }
    return ev;
  }

  /**
   * An order that executed in its PostOrder answer has no trade ids yet. The stream brings
   * them; if it has not within a grace period of being live (it may have subscribed after the
   * execution), GetOrderState does, and its answer goes to the sink.
   */
  private settleFills(ev: OrderEvidence): void {
    const w = this.ids.get(ev.clientOrderId);
    if (!w || !this.ids.tradesMissing(w)) return;
    void this.stream.live().then(() => {
      if (this.closed) return;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        if (this.closed || !this.ids.tradesMissing(w)) return;
        this.entry.state(ev.accountId, ev.clientOrderId, 'reconcile').then(
          (st) => this.report(st),
          (e: unknown) => this.reporter.error(toVenueError(e).info(this.deps.now())),
        );
      }, FILL_GRACE_MS);
      timer.unref();
      this.timers.add(timer);
    });
  }

  /** GetOrders as 'status' evidence; malformed entries are counted and skipped. */
  private async active(accountId: string, source: 'reconcile'): Promise<OrderEvidence[]> {
    const res = await this.deps.rpc.call(methods.getOrders, { accountId }, { deadlineMs: DEADLINE_MS.GetOrders });
    const at = this.deps.now();
    const out: OrderEvidence[] = [];
    for (const m of res.orders) {
      const ev = unaryEvidence(m, accountId, at, source);
      if (typeof ev === 'string') {
        this.reporter.malformed(`GetOrders: ${ev}`, JSON.stringify(m));
        continue;
      }
      this.ids.note(ev);
      out.push(ev);
    }
    return out;
  }

  /** See the file comment. Orders still being sent are left to their own answer. */
  private async reconcile(accounts: readonly string[]): Promise<void> {
    for (const accountId of accounts) {
      const active = await this.active(accountId, 'reconcile');
      for (const ev of active) this.report(ev);
      const keys = new Set(active.map((ev) => ev.clientOrderId));
      const stale = this.ids.unsettled(accountId).filter((w) => !keys.has(w.clientOrderId));
      const asked = await Promise.allSettled(stale.map((w) => this.entry.state(accountId, w.clientOrderId, 'reconcile')));
      let failure: unknown;
      asked.forEach((r, i) => {
        const w = stale[i];
        if (r.status === 'fulfilled') {
          this.report(r.value);
          return;
        }
        const err = toVenueError(r.reason);
        // The venue holds no such order (never placed, or forgotten after about a day, §4.6):
        // only resolveOrder may call it not found, with the core's timing; stop asking here.
        if (err.code === '50005' && w) {
          this.ids.drop(w);
          return;
        }
        failure ??= err;
      });
      if (failure) throw failure;
    }
  }
}

function withoutTerms(ev: OrderEvidence): OrderEvidence {
  const out = { ...ev };
  delete out.terms;
  return out;
}

/** "3" → "3"; anything but whole lots is refused. */
function wholeLots(q: string): string {
  if (!/^\d+$/.test(q)) throw new VenueError('invalid', 'quantity', `quantity ${q} is not a whole number of lots`);
  return q;
}

/** One OrderStateStream message as evidence, or why it is not one (unknown enum, broken Quotation). */
function streamEvidence(m: StreamOrderStateMsg, at: number): OrderEvidence | string {
  try {
    return fromStreamState(m, at) ?? `unknown status ${m.executionReportStatus}, direction ${m.direction} or type ${m.orderType}`;
  } catch (e) {
    if (e instanceof QuotationError) return e.message;
    throw e;
  }
}

/** One unary OrderState as evidence, or why it is not one. */
function unaryEvidence(m: OrderStateMsg, accountId: string, at: number, source: 'reconcile'): OrderEvidence | string {
  try {
    return fromOrderState(m, accountId, at, source) ?? `unknown status ${m.executionReportStatus}, direction ${m.direction} or type ${m.orderType}`;
  } catch (e) {
    if (e instanceof QuotationError) return e.message;
    throw e;
  }
}
