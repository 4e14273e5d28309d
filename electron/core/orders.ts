/**
 * The order journal: every order the app knows, across restarts, keyed by venue + client
 * order id. An order is checked before anything is sent (never rounded to fit), its intent
 * committed durably before the first byte goes out, and every piece of venue evidence is
 * folded in by the one state machine (order-state.ts) and stored. On start the stored orders
 * are replayed: those that were in flight become `unknown` and are resolved by the venue's
 * evidence before the venue is reported live. It sees venues only through the Venue
 * interface, so it knows no wire format.
 */
import type { Account, AmendRequest, Dec, Fill, Instrument, Order, OrderEvidence, OrderRequest, OrderUpdate, PositionPnl, TradeRecord, VenueId, VenueMode } from '../../common/domain.js';
import { pendingOrder } from '../../common/domain.js';
import { cmp, dec, isMultipleOf, mul, nearestSteps } from '../../common/decimal.js';
import { applyEvidence as foldEvidence, cloneOrder, isFinal, markUnknown, orderFromEvidence } from './order-state.js';
import type { Transition } from './order-state.js';
import type { OrderStore, StoredOrder } from '../store/order-store.js';
import { positionsPnl } from './pnl.js';
import type { CancelAllAccountReport, CancelAllResult, CancelAllVenueReport, Reason } from './types.js';
import type { ResolveHint, Venue } from '../venues/venue.js';
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
  /** The venue's current instance whatever its state (connecting included), for reads such as an instrument. */
  instance(id: VenueId): Venue | undefined;
  /**
   * What the venue is connected to (or was last built for). Orders are the mode's own: demo
   * orders never show, resolve or merge while the venue is live, and the other way round.
   */
  mode(id: VenueId): VenueMode;
  accounts(id: VenueId): Account[];
  /** The last price seen (a subscribed series' close), to value market orders and open positions. */
  lastPrice(venue: VenueId, instrumentId: string): Dec | undefined;
}

export interface OrderJournalOptions {
  venues: JournalVenues;
  /** Called with every change, in order; the hub fans it out to the bridge. */
  emit: (u: OrderUpdate) => void;
  /** Called after trades were stored (fills, fees, the venue's history). */
  onLedger?: () => void;
  risk?: RiskLimits;
  now?: () => number;
  log?: Logger;
  /** How hard cancel-all tries before it reports (the panic key). */
  cancelRetry?: CancelRetryOptions;
  /** Where orders, fills and trades are kept. */
  store: OrderStore;
  /** First retry of resolving an order whose answer was lost (ms); doubles up to 30 s. */
  resolveRetryMs?: number;
  /** How far back the venue's own history is read on the first connect of an account (ms). */
  historyDepthMs?: number;
}

/** What the journal found on start (replay). */
export interface ReplayReport {
  orders: number;
  /** Orders that were in flight or working when the app stopped: unknown until the venue answers. */
  unresolved: number;
  corruptRows: number;
}

/** How resolving a venue's unsettled orders before it goes live ended. */
export interface ResolveReport {
  asked: number;
  resolved: number;
  /** Still unknown at the bound: resolving goes on in the background. */
  pending: number;
  ms: number;
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
  mode: VenueMode;
  /** What the ticket asked for, when this app placed it: a repeat must be the same order. */
  request?: OrderRequest;
  /** The venue surely never received it: the same client order id may be sent again. */
  resendable: boolean;
  /** When it was last sent (ms): a venue's "not found" means something only some time after. */
  sentAt: number;
  /** Arrival order, to list orders created in the same millisecond newest first. */
  seq: number;
}

/** VenueError kinds that prove an order never reached the book: a retry may send it again. */
const NOT_RECEIVED_KINDS: ReadonlySet<string> = new Set(['rate-limited', 'unavailable']);
/** Asked together: Kraken folds concurrent lookups into shared REST calls; T-Invest's limiter paces them. */
const RESOLVE_CONCURRENCY = 8;
const MAX_RESOLVE_RETRY_MS = 30_000;
const DEFAULT_HISTORY_DEPTH_MS = 30 * 86_400_000;
/** History is re-read from a little before the last merge: venues post late (fees, operations). */
const HISTORY_OVERLAP_MS = 86_400_000;
/** Orders working at start are checked this long after the venue went live. */
const WORKING_CHECK_DELAY_MS = 1_000;
/** A connect merges the venue's history only if the last merge is older than this. */
const HISTORY_MIN_INTERVAL_MS = 10 * 60_000;
/** How long after a fill without a fee the venue's history is asked for it. */
const FEE_MERGE_DELAY_MS = 2_000;


export function notAvailable(venue: Venue, what: string): HubError {
  return new HubError('rejected', `${what} is not available on ${venue.name} yet`);
}

export class OrderJournal {
  private readonly entries = new Map<string, Entry>();
  /** venue|venueOrderId → key, to match evidence that names only the venue's id. */
  private readonly byVenueId = new Map<string, string>();
  private readonly placing = new Map<string, { request: OrderRequest; done: Promise<Order> }>();
  /** Background resolving of orders whose answer was lost: key → timer. */
  private readonly resolving = new Map<string, { timer: NodeJS.Timeout; delayMs: number }>();
  private readonly instruments = new Map<string, Promise<Instrument | undefined>>();
  /** A history merge due per venue: fills whose fee the venue reports only in its history. */
  private readonly feeMerges = new Map<VenueId, NodeJS.Timeout>();
  private seq = 0;
  /** Set once shutdown starts: why new orders are refused. */
  private refusing: string | undefined;
  private closed = false;
  /** Evidence the state machine refused (a final order "reopened"), since start. */
  refusedEvidence = 0;
  private readonly venues: JournalVenues;
  private readonly emit: (u: OrderUpdate) => void;
  private readonly onLedger: () => void;
  private readonly risk: RiskLimits;
  private readonly now: () => number;
  private readonly log: Logger;
  private readonly cancelRetry: CancelRetryOptions;
  private readonly store: OrderStore;
  private readonly resolveRetryMs: number;
  private readonly historyDepthMs: number;

  constructor(opts: OrderJournalOptions) {
    this.venues = opts.venues;
    this.emit = opts.emit;
    this.onLedger = opts.onLedger ?? (() => undefined);
    this.risk = opts.risk ?? {};
    this.now = opts.now ?? Date.now;
    this.log = opts.log ?? silentLogger;
    this.cancelRetry = opts.cancelRetry ?? DEFAULT_CANCEL_RETRY;
    this.store = opts.store;
    this.resolveRetryMs = opts.resolveRetryMs ?? 1_000;
    this.historyDepthMs = opts.historyDepthMs ?? DEFAULT_HISTORY_DEPTH_MS;
  }

  /**
   * Replays the stored journal (call once, before any venue connects): every order comes back;
   * one still pending (its intent was committed, its answer never came) or working becomes
   * `unknown` until its venue's evidence settles it.
   */
  replay(): ReplayReport {
    const stored = this.store.loadOrders();
    let unresolved = 0;
    const at = this.now();
    for (const s of stored) {
      const key = keyOf(s.order.venue, s.order.clientOrderId);
      // Its last change is no earlier than its last send.
      const e: Entry = { order: s.order, mode: s.mode, resendable: s.resendable, sentAt: s.order.updatedAt, seq: ++this.seq };
      if (s.request) e.request = s.request;
      this.entries.set(key, e);
      this.index(s.order);
      if (s.order.status === 'pending') {
        const t = markUnknown(s.order, at);
        e.order = t.order;
        this.store.saveOrder(this.storedOf(e), { kind: 'replay', at, body: { status: 'unknown', was: 'pending' } });
      }
      if (!isFinal(e.order.status)) unresolved += 1;
    }
    this.store.flush();
    if (stored.length > 0) this.log.info(`journal replayed: ${stored.length} order(s), ${unresolved} to settle with their venues`);
    return { orders: stored.length, unresolved, corruptRows: this.store.corruptRows };
  }

  /**
   * Checks, commits the intent, sends. A repeat of a client order id the journal knows sends
   * nothing and returns the journal's order — unless the venue surely never received it, when
   * the same order is sent again under the same id. Resolves with the acknowledged order, or
   * one in `unknown` when the answer was lost; rejects (after recording the rejection) when
   * the venue surely did not take it, and before recording anything when a check fails.
   */
  async place(raw: OrderRequest): Promise<Order> {
    const req = canonical(raw);
    // A repeat of a known order sends nothing, so it is answered even while shutting down.
    const key = keyOf(req.venue, req.clientOrderId);
    const inFlight = this.placing.get(key);
    if (inFlight) {
      requireSameOrder(inFlight.request, req);
      return inFlight.done;
    }
    const known = this.entries.get(key);
    if (known) {
      requireSameOrder(known.request ?? known.order, req);
      if (!known.resendable) return cloneOrder(known.order);
    }
    this.refuseIfClosing();
    const done = this.send(key, req, known !== undefined);
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
        this.commit(e, markUnknown(e.order, this.now()), 'send', { kind: 'state', body: { status: 'unknown', why: 'no answer at quit' } });
      }
      const status = this.entries.get(key)?.order.status;
      if (status === 'unknown') report.unknown += 1;
      else if (status === 'rejected') report.rejected += 1;
      else report.acknowledged += 1;
    }
    return report;
  }

  /** Stops background work and commits what is queued; the store stays open for its owner to close. */
  close(): void {
    this.closed = true;
    for (const r of this.resolving.values()) clearTimeout(r.timer);
    this.resolving.clear();
    for (const t of this.feeMerges.values()) clearTimeout(t);
    this.feeMerges.clear();
    this.store.flush();
  }

  private refuseIfClosing(): void {
    if (this.refusing !== undefined) throw new HubError('unavailable', this.refusing);
  }

  /** Cancels one order; an order already final is returned as it is, nothing sent. */
  async cancel(venueId: VenueId, accountId: string, clientOrderId: string): Promise<Order> {
    const venue = this.venues.live(venueId);
    if (!venue.cancelOrder) throw notAvailable(venue, 'order entry');
    const key = keyOf(venueId, clientOrderId);
    const known = this.entries.get(key);
    if (known && known.order.accountId !== accountId) {
      // Never the caller's ids back: an id field can hold anything pasted into it.
      throw new HubError('not-found', 'that account has no order with this client order id');
    }
    if (known && isFinal(known.order.status)) return cloneOrder(known.order);
    let ev: OrderEvidence;
    try {
      ev = await venue.cancelOrder(accountId, clientOrderId, known?.order.venueOrderId);
    } catch (err) {
      if (isVenueError(err) && err.kind === 'unknown-outcome' && known) {
        // The cancel may or may not have reached the venue: the order's state is its word now.
        this.log.warn(`${venueId}: no answer to the cancel of ${clientOrderId}; its state is unknown until the venue reports it`, err);
        this.commit(known, markUnknown(known.order, this.now()), 'send', { kind: 'state', body: { status: 'unknown', why: 'cancel answer lost' } });
        this.scheduleResolve(key);
        return cloneOrder(known.order);
      }
      throw err;
    }
    const after = this.applyEvidence({ ...ev, venue: venueId, accountId, clientOrderId });
    if (after) return after;
    throw new HubError('not-found', 'that account has no order with this client order id');
  }

  /** TEMP(issue 12, core work): replaced by the durable amend flow. */
  async amend(req: AmendRequest): Promise<Order> {
    throw new HubError('unavailable', `amending orders on ${req.venue} is not built yet`);
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
    const mode = this.venues.mode(venue);
    for (const e of this.entries.values()) {
      const o = e.order;
      if (o.venue === venue && e.mode === mode && o.accountId === accountId && !isFinal(o.status)) out.push(o.clientOrderId);
    }
    return out;
  }

  /**
   * Folds in one piece of a venue's evidence; stores and emits when it changed anything.
   * Evidence about an order the journal has never seen adopts it when it carries the order's
   * terms (placed elsewhere); otherwise it is dropped (logged): nothing to attach it to.
   */
  applyEvidence(ev: OrderEvidence): Order | undefined {
    let key = keyOf(ev.venue, ev.clientOrderId);
    let e = this.entries.get(key);
    if (!e && ev.venueOrderId !== undefined) {
      const k = this.byVenueId.get(`${ev.venue}|${ev.venueOrderId}`);
      if (k) {
        key = k;
        e = this.entries.get(k);
      }
    }
    let adopted: Order | undefined;
    if (!e) {
      adopted = orderFromEvidence(ev);
      if (!adopted) {
        this.log.warn(`${ev.venue}: ${ev.kind} evidence for an order the journal does not know, without its terms; skipped`);
        return undefined;
      }
      e = { order: adopted, mode: this.venues.mode(ev.venue), resendable: false, sentAt: adopted.createdAt, seq: ++this.seq };
      this.entries.set(key, e);
      this.store.saveOrder(this.storedOf(e), { kind: 'adopted', at: this.now(), body: ev });
    }
    const t = foldEvidence(e.order, ev);
    if (t.refused) {
      this.refusedEvidence += 1;
      // A stale word (a late "open" or a replayed partial fill for a filled order) is normal
      // after reconnects and only counted; two final states that disagree are worth a look.
      if (isFinal(t.refused.from) && isFinal(t.refused.to)) {
        this.log.warn(`${ev.venue}: ${ev.kind} evidence says order ${ev.clientOrderId} is ${t.refused.to}, but the venue had said ${t.refused.from}; kept ${t.refused.from}`);
      }
    }
    if (ev.kind === 'not-found' && t.order.status === 'rejected') e.resendable = true;
    if (ev.kind === 'rejected' || ev.kind === 'not-found' || t.order.status !== 'unknown') this.stopResolving(key);
    this.commit(e, t, ev.source, { kind: 'evidence', body: ev });
    // An order placed elsewhere reaches listeners once, in the state its evidence gave it
    // (commit emitted it if the evidence moved it past the adopted placeholder).
    if (adopted && !t.changed) this.emit({ order: cloneOrder(e.order), source: ev.source });
    return cloneOrder(e.order);
  }

  /**
   * Before a venue is reported live: asks it, at most `boundMs`, about every order the journal
   * holds in flight there (unknown, or pending when the app stopped). Those still unknown then
   * are resolved in the background, with backoff; working orders are checked after live.
   */
  async resolveVenue(venue: Venue, boundMs: number): Promise<ResolveReport> {
    const started = Date.now();
    const venueId = venue.id;
    const unsettled = [...this.entries.entries()].filter(([, e]) => e.order.venue === venueId && e.mode === venue.mode && !isFinal(e.order.status));
    const report: ResolveReport = { asked: 0, resolved: 0, pending: 0, ms: 0 };
    if (unsettled.length === 0) return report;
    // Those in flight (unknown, or pending at the crash) are asked now, before live; orders the
    // journal holds as working are checked after, in the background: the venue's stream and
    // its own reconcile on connect show what is still open, and a lookup each tells what ended
    // while the app was away, without spending the venue's budget before live.
    const inFlight = (key: string): boolean => {
      const st = this.entries.get(key)?.order.status;
      return st === 'unknown' || st === 'pending';
    };
    const asked = unsettled.map(([key]) => key).filter(inFlight);
    const working = unsettled.map(([key]) => key).filter((key) => !inFlight(key));
    report.asked = asked.length;
    const queue = [...asked];
    const worker = async (): Promise<void> => {
      for (let key = queue.shift(); key !== undefined; key = queue.shift()) {
        if (Date.now() - started > boundMs) return;
        await this.resolveOne(key, venue, started + boundMs);
      }
    };
    await settlesWithin(Promise.all(Array.from({ length: RESOLVE_CONCURRENCY }, worker)), Math.max(0, boundMs - (Date.now() - started)));
    if (working.length > 0) this.checkWorking(venueId, working);
    for (const key of asked) {
      if (inFlight(key)) {
        report.pending += 1;
        this.scheduleResolve(key);
      } else report.resolved += 1;
    }
    report.ms = Date.now() - started;
    if (report.asked > 0) this.log.info(`${venueId}: ${report.resolved} of ${report.asked} unsettled order(s) resolved in ${report.ms} ms; ${report.pending} resolving in the background`);
    return report;
  }

  /**
   * After a venue is live: merges its own history of every known account (orders placed
   * elsewhere, trades with fees) since the last merge, de-duplicated by venue ids.
   */
  async mergeHistory(venueId: VenueId, opts: { force?: boolean } = {}): Promise<{ orders: number; trades: number }> {
    const venue = this.venues.live(venueId);
    if (!venue.accountHistory) return { orders: 0, trades: 0 };
    let orders = 0;
    let trades = 0;
    for (const accountId of this.accountsOf(venueId)) {
      const now = this.now();
      const last = this.store.historySyncedTo(venueId, venue.mode, accountId);
      // A reconnect soon after a merge skips it: the streams and fills kept the ledger since, and
      // history calls are the venue's dearest (Kraken's REST counter would starve order lookups).
      if (!opts.force && last !== undefined && now - last < HISTORY_MIN_INTERVAL_MS) continue;
      const since = last === undefined ? now - this.historyDepthMs : last - HISTORY_OVERLAP_MS;
      const h = await venue.accountHistory(accountId, since);
      for (const ev of h.orders) {
        if (this.closed) return { orders, trades };
        if (this.applyEvidence({ ...ev, venue: venueId, accountId, source: 'history' })) orders += 1;
      }
      const own = h.trades.filter((t) => t.venue === venueId && t.accountId === accountId);
      this.store.saveTrades(own, venue.mode);
      trades += own.length;
      if (own.length > 0) this.onLedger();
      this.store.setHistorySyncedTo(venueId, venue.mode, accountId, now);
    }
    this.store.flush();
    return { orders, trades };
  }

  get(venue: VenueId, clientOrderId: string): Order | undefined {
    const e = this.entries.get(keyOf(venue, clientOrderId));
    return e && cloneOrder(e.order);
  }

  /** Every order the journal holds, newest first. */
  list(venue?: VenueId): Order[] {
    return [...this.entries.values()]
      .filter((e) => (venue === undefined || e.order.venue === venue) && e.mode === this.venues.mode(e.order.venue))
      .sort((a, b) => b.order.createdAt - a.order.createdAt || b.seq - a.seq)
      .map((e) => cloneOrder(e.order));
  }

  /** The accounts' executed trades, newest first. */
  trades(venue?: VenueId, limit?: number): TradeRecord[] {
    return this.store.trades((v) => this.venues.mode(v), venue, limit);
  }

  /** Realized and unrealized P&L per instrument and account, from every stored trade. */
  positionsPnl(venue?: VenueId): PositionPnl[] {
    return positionsPnl(this.store.trades((v) => this.venues.mode(v), venue, Number.MAX_SAFE_INTEGER), (v: VenueId, id: string) => this.venues.lastPrice(v, id));
  }

  private async send(key: string, req: OrderRequest, resend: boolean): Promise<Order> {
    const venue = this.venues.live(req.venue);
    if (!venue.placeOrder) throw notAvailable(venue, 'order entry');
    const instrument = await venue.instrument(req.instrumentId);
    this.instruments.set(`${req.venue}|${req.instrumentId}`, Promise.resolve(instrument));
    // Shutdown may have begun while the instrument was read: then nothing is recorded or sent.
    this.refuseIfClosing();
    this.check(req, instrument);
    const t = this.now();
    let e = this.entries.get(key);
    if (resend && e) {
      // The venue never received it: the same order, the same client order id, sent again.
      e.resendable = false;
      e.order = { ...pendingOrder(req, e.order.createdAt), updatedAt: t };
      e.request = req;
      e.sentAt = t;
    } else {
      e = { order: pendingOrder(req, t), mode: venue.mode, request: req, resendable: false, sentAt: t, seq: ++this.seq };
      this.entries.set(key, e);
    }
    // Durable before the first byte: whatever happens next, the journal knows the order exists.
    // Orders placed together share the commit (the store's group commit).
    try {
      await this.store.intent(e.order, e.mode, req, t);
    } catch (err) {
      // Nothing was sent: a new order is forgotten, a resend stays one that may be sent again.
      if (resend) e.resendable = true;
      else this.entries.delete(key);
      this.log.error(`${req.venue}: the intent of order ${req.clientOrderId} could not be stored; not sent`, err);
      throw new HubError('unavailable', 'the order journal could not store the order, so it was not sent; see the log');
    }
    this.emit({ order: cloneOrder(e.order), source: 'send' });

    let ack: OrderEvidence;
    try {
      ack = await venue.placeOrder(req);
    } catch (err) {
      const entry = this.entries.get(key) ?? e;
      if (isVenueError(err) && err.kind !== 'unknown-outcome') {
        const reason: NonNullable<Order['reason']> = { code: err.code, message: err.message };
        if (err.trackingId !== undefined) reason.trackingId = err.trackingId;
        if (NOT_RECEIVED_KINDS.has(err.kind)) entry.resendable = true;
        this.applyEvidence({ kind: 'rejected', venue: req.venue, accountId: req.accountId, clientOrderId: req.clientOrderId, reason, at: this.now(), source: 'send' });
        throw err;
      }
      // The answer was lost: the venue may hold the order or not. Only its evidence says which.
      this.log.warn(`${req.venue}: no answer to order ${req.clientOrderId}; its state is unknown until the venue reports it`, err);
      this.commit(entry, markUnknown(entry.order, this.now()), 'send', { kind: 'state', body: { status: 'unknown', why: 'place answer lost' } });
      this.scheduleResolve(key);
      return cloneOrder(entry.order);
    }
    return this.applyEvidence({ ...ack, venue: req.venue, accountId: req.accountId, clientOrderId: req.clientOrderId, source: 'send' }) ?? cloneOrder(e.order);
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


  /** Stores a transition (queued for the group commit), records new fills as trades, emits when it changed. */
  private commit(e: Entry, t: Transition, source: OrderUpdate['source'], event: { kind: string; body: unknown }): void {
    if (!t.changed) return;
    e.order = t.order;
    this.index(e.order);
    this.store.saveOrder(this.storedOf(e), { kind: event.kind, at: this.now(), body: event.body }, t.newFills);
    if (t.newFills.length > 0) void this.recordTrades(e.order, t.newFills);
    this.emit({ order: cloneOrder(e.order), source });
  }

  private storedOf(e: Entry): StoredOrder {
    const s: StoredOrder = { order: e.order, mode: e.mode, resendable: e.resendable };
    if (e.request) s.request = e.request;
    return s;
  }

  private index(o: Order): void {
    if (o.venueOrderId !== undefined) this.byVenueId.set(`${o.venue}|${o.venueOrderId}`, keyOf(o.venue, o.clientOrderId));
  }

  /**
   * An order's fills as the account's trades: quantity in the instrument's units, the fee as
   * the venue gave it. The instrument may be unreadable for a moment (a venue reconnecting):
   * then it is tried again, a few times, before the venue's history is left to bring them.
   */
  private async recordTrades(o: Order, fills: Fill[], attempt = 0): Promise<void> {
    const inst = await this.instrumentOf(o.venue, o.instrumentId);
    if (this.closed) return;
    if (!inst) {
      if (attempt < 5) setTimeout(() => void this.recordTrades(o, fills, attempt + 1), 1_000 * 2 ** attempt).unref();
      return;
    }
    const trades = fills.map((f): TradeRecord => {
      const t: TradeRecord = {
        venue: o.venue,
        accountId: o.accountId,
        tradeId: f.tradeId,
        instrumentId: o.instrumentId,
        side: o.side,
        quantity: mul(f.quantity, inst.lotSize),
        price: f.price,
        currency: inst.currency,
        fee: f.fee ?? '0',
        feeCurrency: f.feeCurrency ?? inst.currency,
        time: f.time,
        clientOrderId: o.clientOrderId,
      };
      if (o.venueOrderId !== undefined) t.venueOrderId = o.venueOrderId;
      return t;
    });
    const e = this.entries.get(keyOf(o.venue, o.clientOrderId));
    this.store.saveTrades(trades, e?.mode ?? this.venues.mode(o.venue));
    this.onLedger();
    // T-Invest's fills carry no fee: its history (a BROKER_FEE operation) does, a little later.
    if (fills.some((f) => f.fee === undefined)) this.scheduleFeeMerge(o.venue);
  }

  /** Merges the venue's history once, FEE_MERGE_DELAY_MS after the first fill without a fee; later fills ride along. */
  private scheduleFeeMerge(venueId: VenueId): void {
    if (this.closed || this.feeMerges.has(venueId)) return;
    const timer = setTimeout(() => {
      this.feeMerges.delete(venueId);
      if (this.closed) return;
      this.mergeHistory(venueId, { force: true }).catch((err: unknown) => this.log.warn(`${venueId}: merging its history for fees failed`, err));
    }, FEE_MERGE_DELAY_MS);
    timer.unref();
    this.feeMerges.set(venueId, timer);
  }

  private instrumentOf(venueId: VenueId, instrumentId: string): Promise<Instrument | undefined> {
    const k = `${venueId}|${instrumentId}`;
    let p = this.instruments.get(k);
    if (!p) {
      p = (async () => {
        try {
          const venue = this.venues.instance(venueId);
          if (!venue) throw new HubError('not-found', `no venue ${venueId}`);
          return await venue.instrument(instrumentId);
        } catch (err) {
          this.instruments.delete(k);
          this.log.warn(`${venueId}: instrument ${instrumentId} unavailable for now; its fills reach the trade ledger once it is`, err);
          return undefined;
        }
      })();
      this.instruments.set(k, p);
    }
    return p;
  }

  /** Asks the venue once for one unsettled order; evidence folds in, failures are logged. */
  /**
   * After live: the venue's open orders (one call per account) refresh the orders the journal
   * holds as working; those the venue no longer lists ended while the app was away, and are
   * looked up one at a time.
   */
  private checkWorking(venueId: VenueId, keys: string[]): void {
    const timer = setTimeout(() => {
      void (async () => {
        let venue: Venue;
        try {
          venue = this.venues.live(venueId);
        } catch {
          return; // gone again: the next connect checks them
        }
        const listed = new Set<string>();
        const accounts = new Set(keys.map((k) => this.entries.get(k)?.order.accountId).filter((a): a is string => a !== undefined));
        for (const accountId of accounts) {
          if (!venue.openOrders) break;
          try {
            for (const ev of await venue.openOrders(accountId)) {
              const o = this.applyEvidence({ ...ev, source: 'reconcile' });
              if (o) listed.add(keyOf(o.venue, o.clientOrderId));
            }
          } catch (err) {
            this.log.warn(`${venueId}: open orders of ${accountId} unavailable; each working order is looked up instead`, err);
          }
        }
        for (const key of keys) {
          if (this.closed) return;
          if (!listed.has(key)) await this.resolveOne(key);
        }
      })();
    }, WORKING_CHECK_DELAY_MS);
    timer.unref();
  }

  /**
   * Asks the venue once for one unsettled order; evidence folds in, failures are logged. With a
   * deadline (resolving before live), a venue that says "not yet" (VenueError 'unavailable',
   * e.g. T-Invest waiting out a just-sent key) is asked again until the deadline.
   */
  private async resolveOne(key: string, connecting?: Venue, deadline?: number): Promise<void> {
    for (;;) {
      const e = this.entries.get(key);
      if (!e || isFinal(e.order.status) || this.closed) return;
      const o = e.order;
      let venue: Venue;
      try {
        venue = connecting ?? this.venues.live(o.venue);
      } catch {
        return; // not connected: resolved on the next connect
      }
      if (!venue.resolveOrder) return;
      try {
        const hint: ResolveHint = { instrumentId: o.instrumentId, sentAt: e.sentAt };
        if (o.venueOrderId !== undefined) hint.venueOrderId = o.venueOrderId;
        const ev = await venue.resolveOrder(o.accountId, o.clientOrderId, hint);
        this.applyEvidence({ ...ev, venue: o.venue, accountId: o.accountId, clientOrderId: o.clientOrderId, source: 'reconcile' });
        return;
      } catch (err) {
        const wait = isVenueError(err) && err.kind === 'unavailable' ? Math.min(err.retryAfterMs ?? 250, 1_000) : undefined;
        if (wait !== undefined && deadline !== undefined && Date.now() + wait < deadline) {
          await new Promise((r) => setTimeout(r, wait));
          continue;
        }
        this.log.warn(`${o.venue}: resolving order ${o.clientOrderId} failed`, err);
        return;
      }
    }
  }

  /** Resolves an unknown order in the background: after 1 s, then doubling to 30 s, until the venue answers. */
  private scheduleResolve(key: string): void {
    if (this.closed || this.resolving.has(key)) return;
    const arm = (delayMs: number): void => {
      const timer = setTimeout(() => {
        void this.resolveOne(key).then(() => {
          const o = this.entries.get(key)?.order;
          if (this.closed || !this.resolving.has(key)) return;
          if (!o || isFinal(o.status) || (o.status !== 'unknown' && o.status !== 'pending')) {
            this.resolving.delete(key);
            return;
          }
          arm(Math.min(delayMs * 2, MAX_RESOLVE_RETRY_MS));
        });
      }, delayMs);
      timer.unref();
      this.resolving.set(key, { timer, delayMs });
    };
    arm(this.resolveRetryMs);
  }

  private stopResolving(key: string): void {
    const r = this.resolving.get(key);
    if (!r) return;
    clearTimeout(r.timer);
    this.resolving.delete(key);
  }

  private accountsOf(id: VenueId): string[] {
    const out = new Set(this.venues.accounts(id).map((a) => a.id));
    const mode = this.venues.mode(id);
    for (const e of this.entries.values()) if (e.order.venue === id && e.mode === mode) out.add(e.order.accountId);
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

