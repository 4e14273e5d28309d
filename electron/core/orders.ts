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
import { PRICED_ORDER_TYPES, TRAILING_ORDER_TYPES, TRIGGER_ORDER_TYPES, pendingOrder } from '../../common/domain.js';
import { cmp, dec, isMultipleOf, mul, nearestSteps } from '../../common/decimal.js';
import { applyEvidence as foldEvidence, cloneOrder, isFinal, markUnknown, orderFromEvidence } from './order-state.js';
import type { Transition } from './order-state.js';
import type { OrderEventRecord, OrderStore, StoredOrder } from '../store/order-store.js';
import { positionsPnl } from './pnl.js';
import type { CancelAllAccountReport, CancelAllResult, CancelAllVenueReport, Reason } from './types.js';
import type { ResolveHint, Venue } from '../venues/venue.js';
import { isVenueError } from '../venues/venue.js';
import { HubError } from './hub-error.js';
import { AckLatency } from './ack-latency.js';
import type { AckOutcome } from './ack-latency.js';
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
  /** How long a cancel waits for its order's placement to be answered (default PLACING_CANCEL_WAIT_MS). */
  placingCancelWaitMs?: number;
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
  /** Amends committed for this order (sent, or about to be), oldest first. */
  amendIntents?: AmendRequest[];
  /** The amend being sent now, and evidence held back until its answer (see applyEvidence). */
  amending?: { request: AmendRequest; done: Promise<Order>; deferred: OrderEvidence[] };
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

/** How long a cancel waits for the answer to its order's placement before leaving it to the journal. */
export const PLACING_CANCEL_WAIT_MS = 10_000;

const noop = (): void => undefined;

export class OrderJournal {
  private readonly entries = new Map<string, Entry>();
  /** venue|venueOrderId → key, to match evidence that names only the venue's id. */
  private readonly byVenueId = new Map<string, string>();
  private readonly placing = new Map<string, { request: OrderRequest; done: Promise<Order> }>();
  /**
   * Cancels asked for while the order was still being placed: `waiting` while the cancel waits
   * for the placement's answer, `deferred` once it stopped waiting and the journal sends it when
   * the placement is answered.
   */
  private readonly cancelWanted = new Map<string, 'waiting' | 'deferred'>();
  /**
   * venue|amendId → key of the order it amends. T-Invest's replace gives the new order the
   * amend id as its request id: evidence under that id is the original order's.
   */
  private readonly amendAlias = new Map<string, string>();
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
  /** How long venues take to answer a place, cancel or amend (metrics, diagnostics panel). */
  readonly ackLatency = new AckLatency();
  private readonly venues: JournalVenues;
  private readonly emit: (u: OrderUpdate) => void;
  private readonly onLedger: () => void;
  private readonly risk: RiskLimits;
  private readonly now: () => number;
  private readonly log: Logger;
  private readonly cancelRetry: CancelRetryOptions;
  private readonly store: OrderStore;
  private readonly resolveRetryMs: number;
  private readonly placingCancelWaitMs: number;
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
    this.placingCancelWaitMs = opts.placingCancelWaitMs ?? PLACING_CANCEL_WAIT_MS;
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
    for (const a of this.store.loadAmends()) {
      const key = keyOf(a.venue, a.clientOrderId);
      const e = this.entries.get(key);
      if (!e) continue;
      (e.amendIntents ??= []).push(a.request);
      this.amendAlias.set(keyOf(a.venue, a.request.amendId), key);
      // An amend that was out when the app stopped: the order is what the venue says now.
      if (!a.answered && !isFinal(e.order.status) && e.order.status !== 'unknown') {
        e.order = markUnknown(e.order, at).order;
        e.sentAt = Math.max(e.sentAt, a.at);
        this.store.saveOrder(this.storedOf(e), { kind: 'replay', at, body: { status: 'unknown', was: 'amending', amendId: a.request.amendId } });
      }
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
      if (this.cancelWanted.get(key) === 'deferred') {
        this.cancelWanted.delete(key);
        this.cancel(req.venue, req.accountId, req.clientOrderId).catch((err: unknown) =>
          this.log.warn(`${req.venue}: the cancel asked for while order ${req.clientOrderId} was being placed failed`, err),
        );
      }
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
    this.ackLatency.clearPending();
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
    const placing = this.placing.get(key);
    if (placing) {
      // The venue cannot know an order still on its way (queued for a rate limit, on the wire):
      // its "no such order" now would mark the order rejected while it may still arrive. The
      // cancel waits for the placement's answer; past the bound it is sent once that comes.
      this.cancelWanted.set(key, 'waiting');
      await settlesWithin(placing.done.then(noop, noop), this.placingCancelWaitMs);
      if (this.placing.has(key)) {
        this.cancelWanted.set(key, 'deferred');
        this.log.info(`${venueId}: order ${clientOrderId} is still being placed; it is cancelled as soon as the venue answers`);
        const e = this.entries.get(key);
        if (e) return cloneOrder(e.order);
        throw new HubError('unavailable', 'the order is still being checked; cancel it again in a moment');
      }
      this.cancelWanted.delete(key);
      return this.cancel(venueId, accountId, clientOrderId);
    }
    let ev: OrderEvidence;
    const timed = this.ackLatency.begin('cancel', key, venueId, known?.order.type ?? 'unknown');
    try {
      ev = await venue.cancelOrder(accountId, clientOrderId, known?.order.venueOrderId);
      this.ackLatency.settle('cancel', key, outcomeOf(ev), timed);
    } catch (err) {
      this.ackLatency.settle('cancel', key, thrownOutcome(err), timed);
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

  /**
   * Changes a working order's price, trigger or size. Checked like an order (steps, risk; never
   * rounded), committed durably before it is sent, idempotent by `amendId`: a repeat returns
   * the order and sends nothing; another amend under a used id is refused. Resolves with the
   * order as the venue confirmed it, or `unknown` when the answer was lost (then resolved in
   * the background); a venue refusal leaves the order as it was and rejects with the venue's
   * VenueError (its code and text reach the caller).
   */
  async amend(raw: AmendRequest): Promise<Order> {
    const req = canonicalAmend(raw);
    const key = keyOf(req.venue, req.clientOrderId);
    const e = this.entries.get(key);
    if (!e || e.order.accountId !== req.accountId || e.mode !== this.venues.mode(req.venue)) {
      throw new HubError('not-found', 'that account has no order with this client order id');
    }
    const aliasKey = keyOf(req.venue, req.amendId);
    const owner = this.amendAlias.get(aliasKey);
    const sending = e.amending?.request.amendId === req.amendId ? e.amending : undefined;
    if (owner !== undefined || sending) {
      const was = sending?.request ?? (owner === key ? e.amendIntents?.find((a) => a.amendId === req.amendId) : undefined);
      if (!was || !sameAmend(was, req)) throw invalid('this amend id was already used for another amend');
      return sending ? sending.done : cloneOrder(e.order);
    }
    // The amend id becomes a request id at T-Invest: it must not name another order.
    if (this.entries.has(aliasKey) || this.placing.has(aliasKey)) throw invalid('this amend id was already used as a client order id');
    if (e.amending) throw invalid(`an amend of order ${req.clientOrderId} is being sent; wait for its answer`);
    this.refuseIfClosing();
    const slot: NonNullable<Entry['amending']> = { request: req, done: Promise.resolve(e.order), deferred: [] };
    e.amending = slot;
    slot.done = this.sendAmend(key, e, req);
    try {
      return await slot.done;
    } finally {
      if (e.amending === slot) delete e.amending;
      // Evidence held back while the amend was out, now that its answer is in (applyEvidence).
      // Lost answer: the cancel may be of the replaced incarnation or of the order; resolving
      // tells which, so only its fills (facts either way) are taken now.
      const lost = this.entries.get(key)?.order.status === 'unknown';
      for (const ev of slot.deferred) this.applyEvidence(lost ? withoutStatus(ev) : ev);
    }
  }

  private async sendAmend(key: string, e: Entry, req: AmendRequest): Promise<Order> {
    const venue = this.venues.live(req.venue);
    if (!venue.amendOrder) throw notAvailable(venue, 'amending orders');
    this.checkAmendable(e.order, req);
    const instrument = await venue.instrument(e.order.instrumentId);
    this.instruments.set(`${req.venue}|${e.order.instrumentId}`, Promise.resolve(instrument));
    this.refuseIfClosing();
    // It may have filled or been cancelled while the instrument was read.
    this.checkAmendable(e.order, req);
    const after = amendedTerms(e.order, req);
    this.checkSteps(after, instrument);
    this.checkRisk(after, instrument);

    const t = this.now();
    const aliasKey = keyOf(req.venue, req.amendId);
    this.amendAlias.set(aliasKey, key);
    (e.amendIntents ??= []).push(req);
    // Durable before the first byte, like an order's intent, in the same group commit.
    try {
      await this.store.amendIntent(e.order, e.mode, req, t);
    } catch (err) {
      this.amendAlias.delete(aliasKey);
      e.amendIntents = e.amendIntents.filter((a) => a.amendId !== req.amendId);
      this.log.error(`${req.venue}: the amend ${req.amendId} of order ${req.clientOrderId} could not be stored; not sent`, err);
      throw new HubError('unavailable', 'the order journal could not store the amend, so it was not sent; see the log');
    }
    e.sentAt = t;

    let ev: OrderEvidence;
    const timed = this.ackLatency.begin('amend', key, req.venue, e.order.type);
    try {
      ev = await venue.amendOrder(req, e.order.venueOrderId);
      this.ackLatency.settle('amend', key, outcomeOf(ev), timed);
    } catch (err) {
      this.ackLatency.settle('amend', key, thrownOutcome(err), timed);
      const entry = this.entries.get(key) ?? e;
      if (isVenueError(err) && err.kind !== 'unknown-outcome') {
        // The venue did not amend it: the order stands as it was; the caller hears why.
        this.store.saveOrder(this.storedOf(entry), { kind: 'amend-refused', at: this.now(), body: { amendId: req.amendId, kind: err.kind, code: err.code, message: redact(err.message) } });
        throw err;
      }
      this.log.warn(`${req.venue}: no answer to amend ${req.amendId} of order ${req.clientOrderId}; its state is unknown until the venue reports it`, err);
      this.commit(entry, markUnknown(entry.order, this.now()), 'send', { kind: 'state', body: { status: 'unknown', why: 'amend answer lost', amendId: req.amendId } });
      this.scheduleResolve(key);
      return cloneOrder(entry.order);
    }
    // Marks the amend answered in the log (replay asks the venue about one that never was).
    this.store.saveOrder(this.storedOf(this.entries.get(key) ?? e), { kind: 'amend-answered', at: this.now(), body: { amendId: req.amendId } });
    const confirmed: OrderEvidence = { ...ev, venue: req.venue, accountId: req.accountId, clientOrderId: req.clientOrderId, source: 'send' };
    if (confirmed.amended) confirmed.amended = { ...confirmed.amended, amendId: req.amendId };
    return this.applyEvidence(confirmed, { fromAmend: true }) ?? cloneOrder(e.order);
  }

  /** Refuses an amend the order can't take, before anything is stored or sent. */
  private checkAmendable(o: Order, req: AmendRequest): void {
    if (o.status !== 'open' && o.status !== 'partially-filled') {
      throw invalid(`order ${o.clientOrderId} is ${o.status}: only a working order can be amended`);
    }
    if (req.price !== undefined && !PRICED_ORDER_TYPES.has(o.type)) throw invalid(`a ${o.type} order has no limit price to change`);
    if (req.triggerPrice !== undefined && (!TRIGGER_ORDER_TYPES.has(o.type) || TRAILING_ORDER_TYPES.has(o.type))) {
      throw invalid(`a ${o.type} order has no trigger price to change`);
    }
    if (req.quantity !== undefined && cmp(req.quantity, o.filledQuantity) <= 0) {
      throw invalid(`the new quantity ${req.quantity} must be more than the ${o.filledQuantity} already filled`);
    }
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
  applyEvidence(ev: OrderEvidence, opts: { fromAmend?: boolean } = {}): Order | undefined {
    let key = keyOf(ev.venue, ev.clientOrderId);
    let e = this.entries.get(key);
    if (!e) {
      const original = this.amendAlias.get(key);
      if (original) {
        // Evidence under an amend id (T-Invest's replacement order) is the original order's.
        key = original;
        e = this.entries.get(original);
        if (e) ev = asAmendOf(e, ev);
      }
    }
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
    // The venue's stream may answer before its reply does: that is the first answer.
    if (ev.source !== 'send') {
      this.ackLatency.settle('place', key, outcomeOf(ev));
      if (claimsCancel(ev)) this.ackLatency.settle('cancel', key, 'accepted');
    }
    if (e.amending && !opts.fromAmend && claimsCancel(ev)) {
      // While an amend is out, a cancel may be the venue retiring the order's old incarnation
      // (T-Invest's replace cancels and re-posts): it waits for the amend's answer, which
      // tells whether it was about the order or about the id the amend replaced.
      e.amending.deferred.push(ev);
      return cloneOrder(e.order);
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
      // Replacements (under an amend id) first: they give the order its new venue id, so the
      // history's record of the incarnation they replaced reads as that, not as the order's end.
      const isReplacement = (ev: OrderEvidence): boolean => this.amendAlias.has(keyOf(venueId, ev.clientOrderId));
      const ordered = [...h.orders.filter(isReplacement), ...h.orders.filter((ev) => !isReplacement(ev))];
      for (const ev of ordered) {
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

  /** One order's event log, oldest first: its intent, amend intents, every change (diagnostics). */
  events(venue: VenueId, clientOrderId: string): OrderEventRecord[] {
    return this.store.events(venue, clientOrderId);
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
    checkOffered(req, venue);
    checkShape(req, this.now());
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
    const timed = this.ackLatency.begin('place', key, req.venue, req.type);
    try {
      ack = await venue.placeOrder(req);
      this.ackLatency.settle('place', key, outcomeOf(ack), timed);
    } catch (err) {
      this.ackLatency.settle('place', key, thrownOutcome(err), timed);
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
    this.checkSteps(req, inst);
    if (cmp(req.quantity, inst.minQty) < 0) {
      throw invalid(`quantity ${req.quantity} is below the minimum of ${inst.minQty}${inst.qtyUnit === 'lot' ? ' lots' : ''} for ${what}`);
    }
    this.checkRisk(req, inst);
  }

  /** Quantity, prices and a trailing distance in price units on the instrument's steps: never rounded. */
  private checkSteps(req: Pick<OrderRequest, 'quantity' | 'price' | 'triggerPrice' | 'trailingOffset'>, inst: Instrument): void {
    const what = inst.symbol;
    for (const [name, step] of [['quantity', inst.qtyStep], ['price', inst.priceStep]] as const) {
      if (!isDecimalPositive(step)) throw invalid(`${what} has no usable ${name} step (${step}); the order can't be checked`);
    }
    if (!isMultipleOf(req.quantity, inst.qtyStep)) {
      throw invalid(
        `quantity ${req.quantity} is not a multiple of the quantity step ${inst.qtyStep} for ${what}: ${nearest('quantities', req.quantity, inst.qtyStep)}`,
      );
    }
    const prices: [string, Dec | undefined][] = [
      ['price', req.price],
      ['trigger price', req.triggerPrice],
      ['trailing offset', req.trailingOffset?.unit === 'price' ? req.trailingOffset.value : undefined],
    ];
    for (const [name, value] of prices) {
      if (value !== undefined && !isMultipleOf(value, inst.priceStep)) {
        throw invalid(`${name} ${value} is not a multiple of the price step ${inst.priceStep} for ${what}: ${nearest('prices', value, inst.priceStep)}`);
      }
    }
  }

  /**
   * The per-order value limit. A stop order is valued at the price it would trade at: its limit
   * price (-limit types) or its trigger; a trailing stop and a market order at the last price.
   */
  private checkRisk(req: Pick<OrderRequest, 'venue' | 'instrumentId' | 'quantity' | 'price' | 'triggerPrice'>, inst: Instrument): void {
    const cap = this.risk.maxNotional?.[inst.currency];
    if (cap === undefined) return;
    const price = req.price ?? req.triggerPrice ?? this.venues.lastPrice(req.venue, req.instrumentId);
    if (price === undefined) {
      throw invalid(`no last price of ${inst.symbol} to check the limit of ${cap} ${inst.currency} per order against; use a limit order`);
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
        if (e.amendIntents && e.amendIntents.length > 0) hint.amendIds = e.amendIntents.map((a) => a.amendId);
        const ev = await venue.resolveOrder(o.accountId, o.clientOrderId, hint);
        // Evidence under one of its amend ids is the replacement's: it keeps that id to be read as one.
        const cid = this.amendAlias.get(keyOf(o.venue, ev.clientOrderId)) === key ? ev.clientOrderId : o.clientOrderId;
        this.applyEvidence({ ...ev, venue: o.venue, accountId: o.accountId, clientOrderId: cid, source: 'reconcile' });
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
  if (req.triggerPrice !== undefined) out.triggerPrice = dec(req.triggerPrice);
  else delete out.triggerPrice;
  if (req.trailingOffset !== undefined) out.trailingOffset = { value: dec(req.trailingOffset.value), unit: req.trailingOffset.unit };
  else delete out.trailingOffset;
  for (const k of ['timeInForce', 'expireAt', 'postOnly'] as const) if (out[k] === undefined) delete out[k];
  return out;
}

function canonicalAmend(req: AmendRequest): AmendRequest {
  const out: AmendRequest = { venue: req.venue, accountId: req.accountId, clientOrderId: req.clientOrderId, amendId: req.amendId };
  if (req.price !== undefined) out.price = dec(req.price);
  if (req.quantity !== undefined) out.quantity = dec(req.quantity);
  if (req.triggerPrice !== undefined) out.triggerPrice = dec(req.triggerPrice);
  if (out.price === undefined && out.quantity === undefined && out.triggerPrice === undefined) {
    throw invalid('an amend changes the price, the trigger price or the quantity');
  }
  for (const v of [out.price, out.quantity, out.triggerPrice]) if (v !== undefined && !isDecimalPositive(v)) throw invalid(`${v} is not a positive amount`);
  return out;
}

function sameDec(a: Dec | undefined, b: Dec | undefined): boolean {
  return a === undefined ? b === undefined : b !== undefined && cmp(a, b) === 0;
}

function sameAmend(a: AmendRequest, b: AmendRequest): boolean {
  return a.accountId === b.accountId && a.clientOrderId === b.clientOrderId && sameDec(a.price, b.price) && sameDec(a.quantity, b.quantity) && sameDec(a.triggerPrice, b.triggerPrice);
}

/** The order's terms with the amend applied: what the step and risk checks see. */
function amendedTerms(o: Order, req: AmendRequest): Pick<OrderRequest, 'venue' | 'instrumentId' | 'quantity' | 'price' | 'triggerPrice' | 'trailingOffset'> {
  const out: Pick<OrderRequest, 'venue' | 'instrumentId' | 'quantity' | 'price' | 'triggerPrice' | 'trailingOffset'> = {
    venue: o.venue,
    instrumentId: o.instrumentId,
    quantity: req.quantity ?? o.quantity,
  };
  const price = req.price ?? o.price;
  if (price !== undefined) out.price = price;
  const trigger = req.triggerPrice ?? o.triggerPrice;
  if (trigger !== undefined) out.triggerPrice = trigger;
  return out;
}

/** The evidence without the status it claims: its fills, ids and times only. */
function withoutStatus(ev: OrderEvidence): OrderEvidence {
  const out: OrderEvidence = { ...ev, kind: ev.kind === 'fill' ? 'fill' : 'status' };
  delete out.status;
  return out;
}

/** A venue's answer, read as an acknowledgement's outcome. */
function outcomeOf(ev: OrderEvidence): AckOutcome {
  return ev.kind === 'rejected' || ev.kind === 'not-found' || ev.status === 'rejected' ? 'rejected' : 'accepted';
}

/** A refusal is an answer; an unknown outcome (timeout, dropped link) is none. */
function thrownOutcome(err: unknown): AckOutcome {
  return isVenueError(err) && err.kind !== 'unknown-outcome' ? 'rejected' : 'lost';
}

/** A cancel of the order, as a stream or a query tells it (not our own cancel's answer). */
function claimsCancel(ev: OrderEvidence): boolean {
  return ev.kind === 'status' && ev.status === 'cancelled' && ev.source !== 'send';
}

/**
 * Evidence that came under one of the order's amend ids (T-Invest's replacement order) read as
 * the amend's confirmation: the replacement's venue id and terms, or the amend's own terms.
 */
function asAmendOf(e: Entry, ev: OrderEvidence): OrderEvidence {
  if (ev.kind === 'not-found' || ev.kind === 'rejected') {
    // No replacement under this amend id: that says nothing about the order itself.
    return { kind: 'status', venue: ev.venue, accountId: ev.accountId, clientOrderId: e.order.clientOrderId, at: ev.at, source: ev.source };
  }
  const intent = e.amendIntents?.find((a) => a.amendId === ev.clientOrderId);
  const out: OrderEvidence = { ...ev, clientOrderId: e.order.clientOrderId };
  // Not (or no longer) news: a replacement a later amend replaced in turn reads by its venue id.
  if (!intent || e.order.amends?.some((a) => a.amendId === intent.amendId)) return out;
  if (out.amended) {
    out.amended = { ...out.amended, amendId: intent.amendId };
    return out;
  }
  const rec: NonNullable<OrderEvidence['amended']> = { amendId: intent.amendId, at: ev.at };
  const price = ev.terms?.price ?? intent.price;
  const quantity = ev.terms?.quantity ?? intent.quantity;
  const trigger = ev.terms?.triggerPrice ?? intent.triggerPrice;
  if (price !== undefined) rec.price = price;
  if (quantity !== undefined) rec.quantity = quantity;
  if (trigger !== undefined) rec.triggerPrice = trigger;
  if (ev.venueOrderId !== undefined) rec.venueOrderId = ev.venueOrderId;
  out.amended = rec;
  return out;
}

/** The type and time in force must be ones the venue takes (what the ticket offers). */
function checkOffered(req: OrderRequest, venue: Venue): void {
  if (!venue.orderTypes.includes(req.type)) {
    throw invalid(`${venue.name} takes ${venue.orderTypes.join(', ')} orders, not ${req.type}`);
  }
  if (req.timeInForce !== undefined && !venue.timeInForce.includes(req.timeInForce)) {
    throw invalid(`${venue.name} offers time in force ${venue.timeInForce.join(', ')}, not ${req.timeInForce}`);
  }
}

/** What each order type needs and takes, as the contract says; the journal is also called directly. */
function checkShape(req: OrderRequest, now: number): void {
  const priced = PRICED_ORDER_TYPES.has(req.type);
  const trigger = TRIGGER_ORDER_TYPES.has(req.type);
  const trailing = TRAILING_ORDER_TYPES.has(req.type);
  if (priced !== (req.price !== undefined)) throw invalid(priced ? `a ${req.type} order needs a limit price` : `a ${req.type} order takes no limit price`);
  if (trigger && !trailing && req.triggerPrice === undefined) throw invalid(`a ${req.type} order needs a trigger price`);
  if ((!trigger || trailing) && req.triggerPrice !== undefined) throw invalid(`a ${req.type} order takes no trigger price`);
  if (trailing !== (req.trailingOffset !== undefined)) throw invalid(trailing ? `a ${req.type} order needs a trailing offset` : `a ${req.type} order takes no trailing offset`);
  for (const v of [req.quantity, req.price, req.triggerPrice, req.trailingOffset?.value]) {
    if (v !== undefined && !isDecimalPositive(v)) throw invalid(`${v} is not a positive amount`);
  }
  if (req.trailingOffset?.unit === 'percent' && cmp(req.trailingOffset.value, '100') >= 0) throw invalid('a trailing offset in percent must be under 100');
  if (req.timeInForce === 'gtd') {
    if (req.expireAt === undefined) throw invalid('good-till-date needs an expiry time');
    if (req.expireAt <= now) throw invalid('the expiry time of a good-till-date order must be in the future');
  } else if (req.expireAt !== undefined) throw invalid('only a good-till-date order takes an expiry time');
  if (req.postOnly === true && req.type !== 'limit') throw invalid('post-only is for limit orders');
}

/** A repeat of a client order id must be the same order; anything else is the ticket's bug. */
function requireSameOrder(was: OrderRequest | Order, now: OrderRequest): void {
  const same =
    was.accountId === now.accountId &&
    was.instrumentId === now.instrumentId &&
    was.side === now.side &&
    was.type === now.type &&
    cmp(was.quantity, now.quantity) === 0 &&
    sameDec(was.price, now.price) &&
    sameDec(was.triggerPrice, now.triggerPrice) &&
    sameDec(was.trailingOffset?.value, now.trailingOffset?.value) &&
    was.trailingOffset?.unit === now.trailingOffset?.unit &&
    was.timeInForce === now.timeInForce &&
    was.expireAt === now.expireAt &&
    (was.postOnly ?? false) === (now.postOnly ?? false);
  if (!same) throw invalid('this client order id was already used for another order');
}
