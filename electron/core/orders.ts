/**
 * The order journal: every order of this run, keyed by venue + client order id. An order is
 * checked before anything is sent (never rounded to fit), recorded as pending before the
 * first send, and every venue update is folded in idempotently: fills once per trade id, a
 * final status stays final, and `unknown` moves only on the venue's evidence. It sees venues
 * only through the Venue interface, so it knows no wire format.
 */
import type { Account, Dec, Instrument, Order, OrderRequest, OrderStatus, OrderUpdate, VenueId } from '../../common/domain.js';
import { FINAL_ORDER_STATUSES, ORDER_STATUS_RANK as RANK, pendingOrder } from '../../common/domain.js';
import { add, cmp, dec, isMultipleOf, mul, nearestSteps } from '../../common/decimal.js';
import type { CancelAllAccountReport, CancelAllResult, CancelAllVenueReport, Reason } from './types.js';
import type { Venue } from '../venues/venue.js';
import { isVenueError } from '../venues/venue.js';
import { HubError } from './hub-error.js';
import { settlesWithin } from './shutdown.js';
import { DEFAULT_CANCEL_RETRY, cancelWithRetry } from './cancel-all.js';
import type { CancelRetryOptions } from './cancel-all.js';
import type { Logger } from './log.js';
import { redact, seeTheLog, silentLogger } from './log.js';

export interface RiskLimits {
  /** Largest value (price × quantity × lot size) of one order, per quote currency: { rub: "1000000" }. */
  maxNotional?: Readonly<Record<string, Dec>>;
}

/** What the journal needs of the hub. */
export interface JournalVenues {
  /** The connected venue; HubError 'not-found' or 'not-connected' otherwise. */
  live(id: VenueId): Venue;
  connected(): VenueId[];
  accounts(id: VenueId): Account[];
  /** The last price seen (a subscribed series' close), to value market orders. */
  lastPrice(venue: VenueId, instrumentId: string): Dec | undefined;
}

export interface OrderJournalOptions {
  venues: JournalVenues;
  /** Called with every change, in order; the hub fans it out to the bridge. */
  emit: (u: OrderUpdate) => void;
  risk?: RiskLimits;
  now?: () => number;
  log?: Logger;
  /** How hard cancel-all tries before it reports (the panic key). */
  cancelRetry?: CancelRetryOptions;
}

/** How the orders in flight at shutdown ended (settleInFlight). */
export interface InFlightReport {
  /** Orders being checked or sent when new ones stopped being taken. */
  inFlight: number;
  /** The venue answered and kept it (open, filled, cancelled…). */
  acknowledged: number;
  /** No answer in time, or the answer was lost: recorded `unknown`, for the venue's evidence to settle. */
  unknown: number;
  /** The venue refused it, or it was never sent. */
  rejected: number;
  /** Still being checked when new orders stopped: refused before anything was recorded or sent. */
  refused: number;
}

interface Entry {
  order: Order;
  /** What the ticket asked for, when this run placed it: a repeat must be the same order. */
  request?: OrderRequest;
  /** Arrival order, to list orders created in the same millisecond newest first. */
  seq: number;
}


export function notAvailable(venue: Venue, what: string): HubError {
  return new HubError('rejected', `${what} is not available on ${venue.name} yet`);
}

export class OrderJournal {
  private readonly entries = new Map<string, Entry>();
  private readonly placing = new Map<string, { request: OrderRequest; done: Promise<Order> }>();
  private seq = 0;
  /** Set once shutdown starts: why new orders are refused. */
  private refusing: string | undefined;
  private readonly venues: JournalVenues;
  private readonly emit: (u: OrderUpdate) => void;
  private readonly risk: RiskLimits;
  private readonly now: () => number;
  private readonly log: Logger;
  private readonly cancelRetry: CancelRetryOptions;

  constructor(opts: OrderJournalOptions) {
    this.venues = opts.venues;
    this.emit = opts.emit;
    this.risk = opts.risk ?? {};
    this.now = opts.now ?? Date.now;
    this.log = opts.log ?? silentLogger;
    this.cancelRetry = opts.cancelRetry ?? DEFAULT_CANCEL_RETRY;
  }

  /**
   * Checks, records as pending, sends. A repeat of a client order id the journal knows sends
   * nothing and returns the journal's order. Resolves with the acknowledged order, or one in
   * `unknown` when the answer was lost; rejects (after recording the rejection) when the venue
   * surely did not take it, and before recording anything when a check fails.
   */
  async place(raw: OrderRequest): Promise<Order> {
    const req = canonical(raw);
    // A repeat of a known order sends nothing, so it is answered even while shutting down.
    const key = keyOf(req.venue, req.clientOrderId);
    const known = this.entries.get(key);
    if (known) {
      requireSameOrder(known.request ?? known.order, req);
      return cloneOrder(known.order);
    }
    const inFlight = this.placing.get(key);
    if (inFlight) {
      requireSameOrder(inFlight.request, req);
      return inFlight.done;
    }
    this.refuseIfClosing();
    const done = this.send(key, req);
    this.placing.set(key, { request: req, done });
    try {
      return await done;
    } finally {
      this.placing.delete(key);
    }
  }

  /** Orders being checked or sent now. */
  get inFlight(): number {
    return this.placing.size;
  }

  /** From now on every new order is refused with HubError 'unavailable' and this message. */
  refuseNew(message: string): void {
    this.refusing ??= message;
  }

  /**
   * Waits, at most `boundMs`, for every order in flight to get its answer; an order still
   * without one then is recorded `unknown` (and emitted), never left pending. A later answer
   * still folds in. Call after refuseNew, so the set in flight can only shrink.
   */
  async settleInFlight(boundMs: number): Promise<InFlightReport> {
    const flights = [...this.placing.entries()].map(([key, p]) => ({ key, done: p.done }));
    const report: InFlightReport = { inFlight: flights.length, acknowledged: 0, unknown: 0, rejected: 0, refused: 0 };
    if (flights.length === 0) return report;
    await settlesWithin(Promise.allSettled(flights.map((f) => f.done)), boundMs);
    for (const { key } of flights) {
      const e = this.entries.get(key);
      if (!e) {
        report.refused += 1;
        continue;
      }
      if (e.order.status === 'pending') {
        this.log.warn(`${e.order.venue}: order ${e.order.clientOrderId} had no answer when the app quit; its state is unknown until the venue reports it`);
        this.merge({ ...e.order, status: 'unknown', updatedAt: this.now() }, 'send');
      }
      const status = this.entries.get(key)?.order.status;
      if (status === 'unknown') report.unknown += 1;
      else if (status === 'rejected') report.rejected += 1;
      else report.acknowledged += 1;
    }
    return report;
  }

  private refuseIfClosing(): void {
    if (this.refusing !== undefined) throw new HubError('unavailable', this.refusing);
  }

  /** Cancels one order; an order already final is returned as it is, nothing sent. */
  async cancel(venueId: VenueId, accountId: string, clientOrderId: string): Promise<Order> {
    const venue = this.venues.live(venueId);
    if (!venue.cancelOrder) throw notAvailable(venue, 'order entry');
    const known = this.entries.get(keyOf(venueId, clientOrderId));
    if (known && known.order.accountId !== accountId) {
      // Never the caller's ids back: an id field can hold anything pasted into it.
      throw new HubError('not-found', 'that account has no order with this client order id');
    }
    if (known && FINAL_ORDER_STATUSES.has(known.order.status)) return cloneOrder(known.order);
    const result = await venue.cancelOrder(accountId, clientOrderId);
    return cloneOrder(this.merge({ ...result, venue: venueId, clientOrderId }, 'send'));
  }

  /**
   * Cancels every open order on one venue, or on every connected venue (the panic key). Every
   * account of every venue is tried at once; each is retried within one bound
   * (cancel-all.ts), `budgetMs` in all (shutdown gives less than the panic key). Never throws:
   * the report says per venue and account what was cancelled, what was not, and why.
   */
  async cancelAll(venueId?: VenueId, budgetMs = this.cancelRetry.budgetMs): Promise<CancelAllResult> {
    // Wall time, not the journal's clock: the bound is about real seconds of the trader's.
    const deadline = Date.now() + budgetMs;
    const targets = venueId === undefined ? this.venues.connected() : [venueId];
    const retry = { ...this.cancelRetry, budgetMs };
    const venues = await Promise.all(targets.map((id) => this.cancelVenue(id, deadline, retry)));
    const out: CancelAllResult = { cancelled: 0, failed: [], venues };
    for (const v of venues) {
      if (v.error) out.failed.push({ venue: v.venue, ...v.error });
      for (const a of v.accounts) {
        out.cancelled += a.cancelled;
        if (!a.ok && a.error) out.failed.push({ venue: v.venue, accountId: a.accountId, ...a.error });
      }
    }
    if (out.failed.length > 0) this.log.warn(`cancel all: ${out.cancelled} cancelled, ${out.failed.length} venue(s) or account(s) failed`);
    return out;
  }

  private async cancelVenue(id: VenueId, deadline: number, retry: CancelRetryOptions): Promise<CancelAllVenueReport> {
    let venue: Venue;
    try {
      venue = this.venues.live(id);
      if (!venue.cancelAll) throw notAvailable(venue, 'order entry');
    } catch (err) {
      return { venue: id, error: this.describe(err), accounts: [] };
    }
    const accounts = this.accountsOf(id);
    if (accounts.length === 0) {
      return { venue: id, error: { code: 'not-found', message: `no trading account is known on ${venue.name}` }, accounts: [] };
    }
    const reports = await Promise.all(
      accounts.map(async (accountId): Promise<CancelAllAccountReport> => {
        // The live instance each time: a venue rebuilt meanwhile is asked, not the old one.
        const call = async (): Promise<number> => {
          const v = this.venues.live(id);
          if (!v.cancelAll) throw notAvailable(v, 'order entry');
          return v.cancelAll(accountId);
        };
        const r = await cancelWithRetry(call, retry, deadline, (err) => this.describe(err));
        const report: CancelAllAccountReport = { accountId, ok: r.ok, cancelled: r.cancelled, attempts: r.attempts, mayBeOpen: r.ok ? [] : this.working(id, accountId) };
        if (r.error) report.error = r.error;
        return report;
      }),
    );
    return { venue: id, accounts: reports };
  }

  /** Client order ids of the orders the journal holds as still working in one account. */
  private working(venue: VenueId, accountId: string): string[] {
    const out: string[] = [];
    for (const e of this.entries.values()) {
      const o = e.order;
      if (o.venue === venue && o.accountId === accountId && !FINAL_ORDER_STATUSES.has(o.status)) out.push(o.clientOrderId);
    }
    return out;
  }

  /** Folds in a venue's update; emits when it changed anything. */
  apply(u: OrderUpdate): Order {
    return cloneOrder(this.merge(u.order, u.source));
  }

  /**
   * After a (re)connect: asks the venue for its open orders in the accounts where the journal
   * has orders still in play, so orders whose answer was lost learn their state.
   */
  async reconcile(venueId: VenueId): Promise<void> {
    const venue = this.venues.live(venueId);
    if (!venue.openOrders) return;
    const accounts = new Set<string>();
    for (const e of this.entries.values()) {
      if (e.order.venue === venueId && !FINAL_ORDER_STATUSES.has(e.order.status)) accounts.add(e.order.accountId);
    }
    for (const accountId of accounts) {
      try {
        for (const o of await venue.openOrders(accountId)) this.merge(o, 'reconcile');
      } catch (err) {
        this.log.warn(`${venueId}: reconciling account ${accountId} failed`, err);
      }
    }
  }

  get(venue: VenueId, clientOrderId: string): Order | undefined {
    const e = this.entries.get(keyOf(venue, clientOrderId));
    return e && cloneOrder(e.order);
  }

  /** Every order of this run, newest first. */
  list(venue?: VenueId): Order[] {
    return [...this.entries.values()]
      .filter((e) => venue === undefined || e.order.venue === venue)
      .sort((a, b) => b.order.createdAt - a.order.createdAt || b.seq - a.seq)
      .map((e) => cloneOrder(e.order));
  }

  private async send(key: string, req: OrderRequest): Promise<Order> {
    const venue = this.venues.live(req.venue);
    if (!venue.placeOrder) throw notAvailable(venue, 'order entry');
    const instrument = await venue.instrument(req.instrumentId);
    // Shutdown may have begun while the instrument was read: then nothing is recorded or sent.
    this.refuseIfClosing();
    this.check(req, instrument);
    // Recorded before the send: whatever happens next, the journal knows the order exists.
    const t = this.now();
    const pending = pendingOrder(req, t);
    this.entries.set(key, { order: pending, request: req, seq: ++this.seq });
    this.emit({ order: cloneOrder(pending), source: 'send' });

    let ack: Order;
    try {
      ack = await venue.placeOrder(req);
    } catch (err) {
      if (isVenueError(err) && err.kind !== 'unknown-outcome') {
        const reason: NonNullable<Order['reason']> = { code: err.code, message: err.message };
        if (err.trackingId !== undefined) reason.trackingId = err.trackingId;
        this.merge({ ...this.current(key), status: 'rejected', reason, updatedAt: this.now() }, 'send');
        throw err;
      }
      // The answer was lost: the venue may hold the order or not. Only its evidence says which.
      this.log.warn(`${req.venue}: no answer to order ${req.clientOrderId}; its state is unknown until the venue reports it`, err);
      return cloneOrder(this.merge({ ...this.current(key), status: 'unknown', updatedAt: this.now() }, 'send'));
    }
    return cloneOrder(this.merge({ ...ack, venue: req.venue, clientOrderId: req.clientOrderId }, 'send'));
  }

  private check(req: OrderRequest, inst: Instrument): void {
    const what = inst.symbol;
    if (!inst.tradable) throw invalid(`${what} is not tradable now`);
    for (const [name, step] of [['quantity', inst.qtyStep], ['price', inst.priceStep]] as const) {
      if (!isDecimalPositive(step)) throw invalid(`${what} has no usable ${name} step (${step}); the order can't be checked`);
    }
    if (!isMultipleOf(req.quantity, inst.qtyStep)) {
      throw invalid(
        `quantity ${req.quantity} is not a multiple of the quantity step ${inst.qtyStep} for ${what}: ${nearest('quantities', req.quantity, inst.qtyStep)}`,
      );
    }
    if (cmp(req.quantity, inst.minQty) < 0) {
      throw invalid(`quantity ${req.quantity} is below the minimum of ${inst.minQty}${inst.qtyUnit === 'lot' ? ' lots' : ''} for ${what}`);
    }
    if (req.price !== undefined && !isMultipleOf(req.price, inst.priceStep)) {
      throw invalid(
        `price ${req.price} is not a multiple of the price step ${inst.priceStep} for ${what}: ${nearest('prices', req.price, inst.priceStep)}`,
      );
    }
    const cap = this.risk.maxNotional?.[inst.currency];
    if (cap === undefined) return;
    const price = req.price ?? this.venues.lastPrice(req.venue, req.instrumentId);
    if (price === undefined) {
      throw invalid(`no last price of ${what} to check the limit of ${cap} ${inst.currency} per order against; use a limit order`);
    }
    const value = mul(mul(price, req.quantity), inst.lotSize);
    if (cmp(value, cap) > 0) throw invalid(`order value ${value} ${inst.currency} is over the limit of ${cap} ${inst.currency} per order`);
  }

  private current(key: string): Order {
    const e = this.entries.get(key);
    if (!e) throw new Error(`journal lost order ${key}`);
    return e.order;
  }

  /** The one place an order changes; emits only when something did. */
  private merge(next: Order, source: OrderUpdate['source']): Order {
    const key = keyOf(next.venue, next.clientOrderId);
    const e = this.entries.get(key);
    if (!e) {
      // An order this run did not place (another session, an earlier run): the venue's word.
      const order = mergeOrders(undefined, next, source);
      this.entries.set(key, { order, seq: ++this.seq });
      this.emit({ order: cloneOrder(order), source });
      return order;
    }
    const merged = mergeOrders(e.order, next, source);
    if (JSON.stringify(merged) === JSON.stringify(e.order)) return e.order;
    e.order = merged;
    this.emit({ order: cloneOrder(merged), source });
    return merged;
  }

  private accountsOf(id: VenueId): string[] {
    const out = new Set(this.venues.accounts(id).map((a) => a.id));
    for (const e of this.entries.values()) if (e.order.venue === id) out.add(e.order.accountId);
    return [...out];
  }

  private describe(err: unknown): Reason {
    if (isVenueError(err)) return { code: err.kind, message: redact(err.message) };
    if (err instanceof HubError) return { code: err.code, message: err.message };
    this.log.error('cancel all failed', err);
    return { code: 'internal', message: `internal error; ${seeTheLog()}` };
  }
}

function keyOf(venue: VenueId, clientOrderId: string): string {
  return `${venue}|${clientOrderId}`;
}

function invalid(message: string): HubError {
  return new HubError('invalid', message);
}

function isDecimalPositive(d: Dec): boolean {
  try {
    return cmp(d, '0') > 0;
  } catch {
    return false;
  }
}

function nearest(kind: string, value: Dec, step: Dec): string {
  const { down, up } = nearestSteps(value, step);
  return cmp(down, '0') > 0 ? `the nearest valid ${kind} are ${down} and ${up}` : `the nearest valid one is ${up}`;
}

function canonical(req: OrderRequest): OrderRequest {
  const out: OrderRequest = { ...req, quantity: dec(req.quantity) };
  if (req.price !== undefined) out.price = dec(req.price);
  else delete out.price;
  return out;
}

/** A repeat of a client order id must be the same order; anything else is the ticket's bug. */
function requireSameOrder(was: OrderRequest | Order, now: OrderRequest): void {
  const same =
    was.accountId === now.accountId &&
    was.instrumentId === now.instrumentId &&
    was.side === now.side &&
    was.type === now.type &&
    cmp(was.quantity, now.quantity) === 0 &&
    (was.price === undefined ? now.price === undefined : now.price !== undefined && cmp(was.price, now.price) === 0);
  if (!same) throw invalid('this client order id was already used for another order');
}

function nextStatus(prev: OrderStatus, incoming: OrderStatus, source: OrderUpdate['source']): OrderStatus {
  if (FINAL_ORDER_STATUSES.has(prev)) return prev;
  if (incoming === 'pending') {
    // The venue's own stream or query showing the order (Kraken's pending_new) is evidence it
    // exists; our side's "sent" is none, and is no news about an order already tracked.
    return prev === 'unknown' && source !== 'send' ? 'pending' : prev;
  }
  // A lost answer (say, to a cancel) makes any live order's state unknown again.
  if (incoming === 'unknown') return 'unknown';
  return RANK[incoming] >= RANK[prev] || prev === 'unknown' ? incoming : prev;
}

function mergeOrders(prev: Order | undefined, next: Order, source: OrderUpdate['source']): Order {
  const base = prev ?? { ...next, status: 'pending' as const, fills: [], filledQuantity: '0' };
  const fills = base.fills.map((f) => ({ ...f }));
  const seen = new Set(fills.map((f) => f.tradeId));
  for (const f of next.fills) {
    if (seen.has(f.tradeId)) continue;
    seen.add(f.tradeId);
    fills.push({ ...f });
  }
  let filled = base.filledQuantity;
  const summed = fills.reduce<Dec>((s, f) => add(s, f.quantity), '0');
  for (const q of [next.filledQuantity, summed]) if (cmp(q, filled) > 0) filled = q;

  let status = prev === undefined ? next.status : nextStatus(prev.status, next.status, source);
  if (status === 'open' && cmp(filled, '0') > 0) status = 'partially-filled';

  const out: Order = {
    ...base,
    status,
    fills,
    filledQuantity: filled,
    updatedAt: Math.max(base.updatedAt, next.updatedAt),
  };
  const venueOrderId = next.venueOrderId ?? base.venueOrderId;
  if (venueOrderId !== undefined) out.venueOrderId = venueOrderId;
  const averagePrice = next.averagePrice ?? base.averagePrice;
  if (averagePrice !== undefined) out.averagePrice = averagePrice;
  const reason = next.reason ?? base.reason;
  // The venue's text can quote what it was sent; it crosses the bridge, so it is redacted.
  if (reason !== undefined) out.reason = { ...reason, message: redact(reason.message) };
  return out;
}

function cloneOrder(o: Order): Order {
  const out: Order = { ...o, fills: o.fills.map((f) => ({ ...f })) };
  if (o.reason) out.reason = { ...o.reason };
  return out;
}
