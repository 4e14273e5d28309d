/**
 * Trading on T-Invest: order entry, the OrderStateStream owner and reconciliation around one
 * tracker of the orders we know. Every account an order command touches is added to the
 * stream, and every (re)subscribe reconciles before the stream reports live: GetOrders for
 * the active orders, then GetOrderState for each held order that is still in play and not in
 * that list (it ended, or its answer was lost while the stream was down).
 */
import type { Instrument, Order, OrderRequest, Portfolio } from '../../../common/domain.js';
import type { BackoffOptions } from '../../net/backoff.js';
import { VenueError } from '../venue.js';
import type { ConnectionReporter, VenueSink } from '../venue.js';
import type { TInvestChannel } from './channel.js';
import { CANCEL_ALL_MS, DEADLINE_MS, SERVICES } from './constants.js';
import { toVenueError } from './errors.js';
import { OrderEntry } from './order-entry.js';
import type { OrderChange, OrderRetryOptions, ResolveOptions } from './order-entry.js';
import type { AccountRequest, GetOrdersRequest, GetOrdersResponse, PortfolioResponse, PositionsResponse } from './order-messages.js';
import { fromOrderState, fromStreamState } from './order-parse.js';
import type { OrderStateMsg, StreamOrderStateMsg } from './order-messages.js';
import { QuotationError } from './quotation.js';
import { OrderStateStream } from './order-state-stream.js';
import { OrderTracker, fillsMissing, isFinal } from './order-tracker.js';
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
}

export interface TInvestTradingDeps extends TradingOptions {
  channel: TInvestChannel;
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
  readonly tracker: OrderTracker;
  readonly entry: OrderEntry;
  readonly stream: OrderStateStream;
  private readonly deps: TInvestTradingDeps;
  private readonly reporter: ConnectionReporter;
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(deps: TInvestTradingDeps) {
    this.deps = deps;
    this.reporter = deps.sink.connection('orders');
    this.tracker = new OrderTracker((u) => deps.sink.order(u));
    this.entry = new OrderEntry({
      rpc: deps.rpc,
      tracker: this.tracker,
      instrument: deps.instrument,
      reporter: this.reporter,
      now: deps.now,
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
        const ev = streamEvent(m, deps.now());
        if (typeof ev === 'string') {
          this.reporter.malformed(`order state: ${ev}`, JSON.stringify(m));
          return false;
        }
        const o = this.tracker.apply(ev, 'stream');
        const t = this.tracker.get(o.clientOrderId);
        if (t && o.venueOrderId === undefined) this.entry.learnId(t);
        return true;
      },
      reconcile: (accounts) => this.reconcile(accounts),
    });
  }

  /** Follows an account on the order stream (reconciling it) without sending anything. */
  watch(accountId: string): void {
    this.stream.watch(accountId);
  }

  async placeOrder(req: OrderRequest): Promise<Order> {
    this.stream.watch(req.accountId);
    const order = await this.entry.place(req);
    this.settleFills(order);
    return order;
  }

  cancelOrder(accountId: string, clientOrderId: string): Promise<Order> {
    this.stream.watch(accountId);
    return this.entry.cancel(accountId, clientOrderId);
  }

  replaceOrder(accountId: string, clientOrderId: string, change: OrderChange, newClientOrderId: string): Promise<Order> {
    this.stream.watch(accountId);
    return this.entry.replace(accountId, clientOrderId, change, newClientOrderId);
  }

  /** The account's active orders as the venue lists them, folded into what we hold. */
  async openOrders(accountId: string): Promise<Order[]> {
    this.stream.watch(accountId);
    return (await this.active(accountId)).orders;
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
    const { orders } = await this.active(accountId);
    progress.total = orders.length;
    const results = await Promise.allSettled(
      orders.map(async (o) => {
        const r = await this.entry.cancel(accountId, o.clientOrderId);
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
    this.stream.close();
  }

  /**
   * An order that executed in its PostOrder answer has no trade ids yet. The stream brings
   * them; if it has not within a grace period of being live (it may have subscribed after the
   * execution), GetOrderState does.
   */
  private settleFills(o: Order): void {
    if (!fillsMissing(o)) return;
    void this.stream.live().then(() => {
      if (this.closed) return;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        const t = this.tracker.get(o.clientOrderId);
        if (this.closed || !t || !fillsMissing(t.order) || t.settled) return;
        this.entry.refresh(o.accountId, o.clientOrderId).catch((e: unknown) => this.reporter.error(toVenueError(e).info(this.deps.now())));
      }, FILL_GRACE_MS);
      timer.unref();
      this.timers.add(timer);
    });
  }

  /** GetOrders, each folded into the tracker; the merged orders and their client keys. */
  private async active(accountId: string): Promise<{ orders: Order[]; keys: Set<string> }> {
    const res = await this.deps.rpc.call(methods.getOrders, { accountId }, { deadlineMs: DEADLINE_MS.GetOrders });
    const at = this.deps.now();
    const orders: Order[] = [];
    const keys = new Set<string>();
    for (const m of res.orders) {
      const ev = unaryEvent(m, accountId, at);
      if (typeof ev === 'string') {
        this.reporter.malformed(`GetOrders: ${ev}`, JSON.stringify(m));
        continue;
      }
      const o = this.tracker.apply(ev, 'reconcile');
      orders.push(o);
      keys.add(o.clientOrderId);
    }
    return { orders, keys };
  }

  /** See the file comment. Orders still being sent are left to their own answer. */
  private async reconcile(accounts: readonly string[]): Promise<void> {
    for (const accountId of accounts) {
      const { keys } = await this.active(accountId);
      const stale = this.tracker.unsettled(accountId).filter((t) => !t.sending && !keys.has(t.order.clientOrderId));
      const asked = await Promise.allSettled(stale.map((t) => this.entry.refresh(accountId, t.order.clientOrderId)));
      let failure: unknown;
      asked.forEach((r, i) => {
        if (r.status === 'fulfilled') return;
        const err = toVenueError(r.reason);
        const t = stale[i];
        // An unknown order the venue does not know (yet): its resolver keeps asking.
        if (err.code === '50005' && t) {
          if (t.order.status === 'unknown') this.entry.resolve(t);
          else this.reporter.error(err.info(this.deps.now()));
          // GetOrderState forgets orders after about a day (§4.6): stop asking about this one.
          if (isFinal(t.order)) t.settled = true;
          return;
        }
        failure ??= err;
      });
      if (failure) throw failure;
      for (const t of this.tracker.live(accountId)) if (t.order.status === 'unknown') this.entry.resolve(t);
    }
  }
}

/** One OrderStateStream message as an order, or why it is not one (unknown enum, broken Quotation). */
function streamEvent(m: StreamOrderStateMsg, at: number): Order | string {
  try {
    return fromStreamState(m, at) ?? `unknown status ${m.executionReportStatus}, direction ${m.direction} or type ${m.orderType}`;
  } catch (e) {
    if (e instanceof QuotationError) return e.message;
    throw e;
  }
}

/** One unary OrderState as an order, or why it is not one. */
function unaryEvent(m: OrderStateMsg, accountId: string, at: number): Order | string {
  try {
    return fromOrderState(m, accountId, at) ?? `unknown status ${m.executionReportStatus}, direction ${m.direction} or type ${m.orderType}`;
  } catch (e) {
    if (e instanceof QuotationError) return e.message;
    throw e;
  }
}
