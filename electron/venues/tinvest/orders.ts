/**
 * Trading on T-Invest: order entry, the OrderStateStream owner, reconciliation and the
 * account's history, all reporting OrderEvidence (the core decides states). Every account an
 * order command touches is added to the stream, and every (re)subscribe reconciles before the
 * stream reports live: GetOrders for the active orders, then GetOrderState for each order this
 * adapter has heard of that is not known to have ended and is not in that list (it ended, or
 * its answer was lost while the stream was down). What they say goes to the sink.
 */
import type { Instrument, OrderEvidence, OrderRequest, Portfolio } from '../../../common/domain.js';
import type { BackoffOptions } from '../../net/backoff.js';
import { VenueError } from '../venue.js';
import type { ConnectionReporter, ResolveHint, VenueHistory, VenueSink } from '../venue.js';
import { AccountHistory } from './account-history.js';
import type { AccountHistoryOptions } from './account-history.js';
import type { TInvestChannel } from './channel.js';
import { CANCEL_ALL_MS, DEADLINE_MS, SERVICES } from './constants.js';
import { toVenueError } from './errors.js';
import { OrderEntry } from './order-entry.js';
import type { OrderChange, OrderRetryOptions, ResolveOptions } from './order-entry.js';
import { OrderIds } from './order-ids.js';
import type { AccountRequest, GetOrdersRequest, GetOrdersResponse, PortfolioResponse, PositionsResponse } from './order-messages.js';
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
  readonly ids = new OrderIds();
  readonly entry: OrderEntry;
  readonly stream: OrderStateStream;
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
    return this.entry.cancel(accountId, clientOrderId, venueOrderId);
  }

  replaceOrder(accountId: string, clientOrderId: string, change: OrderChange, newClientOrderId: string): Promise<OrderEvidence> {
    this.stream.watch(accountId);
    return this.entry.replace(accountId, clientOrderId, change, newClientOrderId);
  }

  resolveOrder(accountId: string, clientOrderId: string, hint: ResolveHint): Promise<OrderEvidence> {
    this.stream.watch(accountId);
    return this.entry.resolve(accountId, clientOrderId, hint);
  }

  /** The account's active orders as the venue lists them (GetOrders), as 'status' evidence with terms. */
  async openOrders(accountId: string): Promise<OrderEvidence[]> {
    this.stream.watch(accountId);
    return this.active(accountId, 'reconcile');
  }

  /** The executed trades of the account since `sinceMs`, from the operations history. */
  async accountHistory(accountId: string, sinceMs: number): Promise<VenueHistory> {
    const trades = await this.history.trades(accountId, sinceMs);
    // Operations name no order (no order id, no request id), so orders come from the order
    // services only: GetOrders/GetOrderState and the stream.
    return { orders: [], trades };
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
    this.stream.close();
  }

  /** To the sink, with the ids noted. */
  private report(ev: OrderEvidence): void {
    this.ids.note(ev);
    this.deps.sink.order(ev);
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
