/**
 * Stop orders on T-Invest (StopOrdersService, venue notes §7): post, cancel, list, and the
 * polling that stands in for the stream the service does not have. While an account has
 * stop orders of ours waiting, GetStopOrders(ACTIVE) is asked every `pollMs` (the service
 * has 50 calls a minute for everything, so the default leaves most of it to posts and
 * cancels); one that left the list is looked up among the executed, cancelled and expired
 * ones. An executed stop order names its child exchange order (exchange_order_id): the child
 * is then known under the stop order's client key (its stream events and GetOrderState land
 * on the stop order), and a cancel goes to the child.
 *
 * The client order id is the PostStopOrder order_id idempotency key, sent unchanged on every
 * attempt. A stop order placed elsewhere is known by the key `stop:<stop_order_id>`.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { EvidenceSource, OrderEvidence, OrderRequest, OrderStatus, OrderTerms } from '../../../common/domain.js';
import { Backoff } from '../../net/backoff.js';
import { VenueError } from '../venue.js';
import type { ConnectionReporter, ResolveHint } from '../venue.js';
import { SERVICES } from './constants.js';
import { orderFailure, toVenueError } from './errors.js';
import type { OrderRetryOptions, ResolveOptions } from './order-entry.js';
import { method } from './proto.js';
import type { TInvestRpc } from './rpc.js';
import { STOP_STATUS, childIdOf, fromStopOrder, postStopOrderRequest } from './stop-messages.js';
import type {
  CancelStopOrderRequest,
  CancelStopOrderResponse,
  GetStopOrdersRequest,
  GetStopOrdersResponse,
  PostStopOrderRequest,
  PostStopOrderResponse,
  StopOrderMsg,
} from './stop-messages.js';

const methods = {
  post: method<PostStopOrderRequest, PostStopOrderResponse>(SERVICES.stopOrders, 'PostStopOrder'),
  list: method<GetStopOrdersRequest, GetStopOrdersResponse>(SERVICES.stopOrders, 'GetStopOrders'),
  cancel: method<CancelStopOrderRequest, CancelStopOrderResponse>(SERVICES.stopOrders, 'CancelStopOrder'),
};

const DEADLINE_MS = 5_000;
/** Default poll interval: 12 calls a minute per account, a quarter of the service's budget. */
const POLL_MS = 5_000;
/** Key prefix of a stop order placed elsewhere. */
export const STOP_KEY_PREFIX = 'stop:';
/** How far back a stop order of an earlier run is looked for among the closed ones. */
const ADOPT_LOOKBACK_MS = 31 * 24 * 60 * 60 * 1000;
/** How far before our send a stop order found by its terms may have been created (clock skew). */
const MATCH_SKEW_MS = 60_000;

export interface StopOrdersOptions {
  rpc: TInvestRpc;
  reporter: ConnectionReporter;
  /** A stop order's own evidence, for the sink (its ids are not exchange order ids). */
  report(ev: OrderEvidence): void;
  /** A triggered stop order's child became known: its state, read and reported under the stop order's key. */
  child(accountId: string, clientOrderId: string, childOrderId: string): void;
  /** Cancels the child exchange order of a triggered stop order, as evidence under the stop order's key. */
  cancelChild(accountId: string, clientOrderId: string, childOrderId: string): Promise<OrderEvidence>;
  now: () => number;
  pollMs?: number;
  retry?: OrderRetryOptions;
  resolve?: ResolveOptions;
  commandDeadlineMs?: number;
}

interface StopEntry {
  readonly accountId: string;
  readonly clientOrderId: string;
  readonly wire: PostStopOrderRequest | undefined;
  readonly terms: OrderTerms | undefined;
  stopOrderId?: string;
  childOrderId?: string;
  /** Cancelled or expired; or triggered (its child's events say the rest). Polling stops. */
  settled: boolean;
  lastSendMs: number;
}

export class StopOrders {
  private readonly o: StopOrdersOptions;
  private readonly byKey = new Map<string, StopEntry>();
  private readonly byStopId = new Map<string, string>();
  private readonly byChildId = new Map<string, string>();
  private readonly inFlight = new Map<string, Promise<OrderEvidence>>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly abort = new AbortController();
  private closed = false;

  constructor(o: StopOrdersOptions) {
    this.o = o;
  }

  /** Whether a client key names a stop order (ours, or one placed elsewhere). */
  has(clientOrderId: string): boolean {
    return this.byKey.has(clientOrderId) || clientOrderId.startsWith(STOP_KEY_PREFIX);
  }

  /** The stop order whose child exchange order this is. */
  keyOfChild(venueOrderId: string): string | undefined {
    return this.byChildId.get(venueOrderId);
  }

  /** A child exchange order seen before the poll named it (its events carry the stop order's key). */
  noteChild(clientOrderId: string, childOrderId: string): void {
    const e = this.byKey.get(clientOrderId);
    if (!e || e.childOrderId !== undefined || childOrderId === e.stopOrderId) return;
    // Polling goes on until the list says it fired, which gives the time it did.
    e.childOrderId = childOrderId;
    this.byChildId.set(childOrderId, clientOrderId);
  }

  /** PostStopOrder, retried with the same key while answers are lost. */
  place(req: OrderRequest, terms: OrderTerms): Promise<OrderEvidence> {
    const key = req.clientOrderId;
    const running = this.inFlight.get(key);
    if (running) return running;
    let wire: PostStopOrderRequest;
    try {
      wire = postStopOrderRequest(req);
    } catch (e) {
      return Promise.reject(toVenueError(e));
    }
    let e = this.byKey.get(key);
    if (!e) {
      e = { accountId: req.accountId, clientOrderId: key, wire, terms, settled: false, lastSendMs: 0 };
      this.byKey.set(key, e);
    }
    const entry = e;
    const done = this.post(entry, wire).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, done);
    return done;
  }

  /** CancelStopOrder; a stop order that already fired has its child exchange order cancelled instead. */
  async cancel(accountId: string, clientOrderId: string): Promise<OrderEvidence> {
    const e = this.entryOf(accountId, clientOrderId);
    if (e.childOrderId) return this.o.cancelChild(accountId, clientOrderId, e.childOrderId);
    const stopOrderId = e.stopOrderId;
    if (!stopOrderId) throw new VenueError('invalid', 'no-stop-order-id', `stop order ${clientOrderId} has no venue id yet; it can't be cancelled`);
    const backoff = new Backoff(this.o.retry?.backoff);
    const maxAttempts = this.o.retry?.maxAttempts ?? 5;
    let landed = false;
    let last: VenueError | undefined;
    for (let attempt = 0; attempt < maxAttempts && !this.closed; ) {
      try {
        const res = await this.o.rpc.call(methods.cancel, { accountId, stopOrderId }, { deadlineMs: this.deadline(), sideEffect: true });
        e.settled = true;
        return this.evidence(accountId, clientOrderId, stopOrderId, 'cancelled', msOfTs(res.time) ?? this.o.now(), 'send');
      } catch (err0) {
        const err = toVenueError(err0);
        last = err;
        const kind = orderFailure(err);
        if (err.code === '30060' || err.code === '50006') {
          // No longer active (fired, expired, or our lost attempt cancelled it): ask what it became.
          const found = await this.lookUp(accountId, [e]);
          const ev = found.get(clientOrderId);
          if (e.childOrderId) return this.o.cancelChild(accountId, clientOrderId, e.childOrderId);
          if (ev) return ev;
          throw err;
        }
        if (kind === 'final' || kind === 'duplicate' || kind === 'closed') throw err;
        if (kind === 'retry') landed = true;
        if (kind !== 'not-sent') {
          attempt++;
          this.o.reporter.error(err.info(this.o.now()));
        }
        await this.pause(Math.max(backoff.next(), err.retryAfterMs ?? 0));
      }
    }
    const err = last ?? new VenueError('unavailable', 'closed', 'venue closed');
    if (!landed) throw err;
    throw new VenueError('unknown-outcome', err.code, `no answer to the cancel of stop order ${clientOrderId}: ${err.message}`, { trackingId: err.trackingId });
  }

  /**
   * What the venue holds for a stop order whose answer was lost. StopOrder carries no request
   * id, so one we never heard the id of is found by its terms among those created since the
   * send; none after `notFoundAfterMs` is 'not-found'.
   */
  async resolve(accountId: string, clientOrderId: string, hint: ResolveHint): Promise<OrderEvidence> {
    if (this.inFlight.has(clientOrderId)) throw new VenueError('unavailable', 'in-flight', `stop order ${clientOrderId} is being sent; its answer settles it`);
    const e = this.entryOf(accountId, clientOrderId);
    const found = await this.lookUp(accountId, [e], hint.sentAt);
    const ev = found.get(clientOrderId);
    if (ev) return ev;
    const age = Date.now() - Math.max(hint.sentAt, e.lastSendMs);
    const wait = this.o.resolve?.notFoundAfterMs ?? 3_000;
    if (age < wait) throw new VenueError('unavailable', 'not-yet-known', `no stop order ${clientOrderId} yet`, { retryAfterMs: wait - age });
    return { kind: 'not-found', venue: 'tinvest', accountId, clientOrderId, at: this.o.now(), source: 'reconcile' };
  }

  /**
   * A stop order known to the caller by its venue id only (placed in an earlier run): if the
   * venue has a stop order with that id, it is followed under `clientOrderId` from now on and
   * its evidence returned; undefined when there is none.
   */
  async adopt(accountId: string, clientOrderId: string, stopOrderId: string): Promise<OrderEvidence | undefined> {
    const e: StopEntry = { accountId, clientOrderId, wire: undefined, terms: undefined, stopOrderId, settled: false, lastSendMs: 0 };
    const found = await this.lookUp(accountId, [e], this.o.now() - ADOPT_LOOKBACK_MS);
    const ev = found.get(clientOrderId);
    if (!ev) return undefined;
    this.byKey.set(clientOrderId, e);
    this.byStopId.set(stopOrderId, clientOrderId);
    if (!e.settled) this.schedule(accountId);
    return ev;
  }

  /** The account's waiting stop orders, as 'status' evidence with terms. */
  async active(accountId: string): Promise<OrderEvidence[]> {
    return this.evidenceOf(accountId, await this.list(accountId, STOP_STATUS.active), 'reconcile');
  }

  /** Every stop order of the account created since `sinceMs`, in any state. */
  async history(accountId: string, sinceMs: number): Promise<OrderEvidence[]> {
    const all: StopOrderMsg[] = [];
    for (const status of [STOP_STATUS.active, STOP_STATUS.executed, STOP_STATUS.canceled, STOP_STATUS.expired]) {
      all.push(...(await this.list(accountId, status, sinceMs)));
    }
    return this.evidenceOf(accountId, all, 'history');
  }

  close(): void {
    this.closed = true;
    this.abort.abort();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  // ---- internals ----

  private deadline(): number {
    return this.o.commandDeadlineMs ?? DEADLINE_MS;
  }

  private entryOf(accountId: string, clientOrderId: string): StopEntry {
    let e = this.byKey.get(clientOrderId);
    if (!e && clientOrderId.startsWith(STOP_KEY_PREFIX)) {
      const stopOrderId = clientOrderId.slice(STOP_KEY_PREFIX.length);
      e = { accountId, clientOrderId, wire: undefined, terms: undefined, stopOrderId, settled: false, lastSendMs: 0 };
      this.byKey.set(clientOrderId, e);
      this.byStopId.set(stopOrderId, clientOrderId);
    }
    if (!e) throw new VenueError('invalid', 'not-a-stop-order', `${clientOrderId} is not a stop order known here`);
    return e;
  }

  private async post(e: StopEntry, wire: PostStopOrderRequest): Promise<OrderEvidence> {
    const backoff = new Backoff(this.o.retry?.backoff);
    const maxAttempts = this.o.retry?.maxAttempts ?? 5;
    const giveUpMs = this.o.retry?.giveUpMs ?? 30_000;
    const started = Date.now();
    let attempts = 0;
    let landed = false;
    let last: VenueError | undefined;
    while (!this.closed) {
      try {
        e.lastSendMs = Date.now();
        const res = await this.o.rpc.call(methods.post, wire, { deadlineMs: this.deadline(), sideEffect: true });
        if (!res.stopOrderId) throw new VenueError('internal', 'malformed-answer', `PostStopOrder answer for ${e.clientOrderId} has no stop_order_id`);
        this.known(e, res.stopOrderId);
        const ev = this.evidence(e.accountId, e.clientOrderId, res.stopOrderId, 'open', this.o.now(), 'send');
        ev.kind = 'accepted';
        if (e.terms) ev.terms = e.terms;
        return ev;
      } catch (err0) {
        const err = toVenueError(err0);
        last = err;
        const kind = orderFailure(err);
        // A refusal after a lost attempt may be about the repeat only: the resolver asks.
        if (kind === 'final' || kind === 'duplicate') {
          if (!landed) throw err;
          break;
        }
        if (kind === 'closed') break;
        if (kind === 'retry') landed = true;
        if (kind !== 'not-sent') {
          attempts++;
          this.o.reporter.error(err.info(this.o.now()));
        }
        if (attempts >= maxAttempts || Date.now() - started >= giveUpMs) break;
        await this.pause(Math.max(backoff.next(), err.retryAfterMs ?? 0));
      }
    }
    if (!landed) throw last ?? new VenueError('unavailable', 'closed', 'venue closed before the stop order was sent');
    const code = last?.code ?? 'no-answer';
    throw new VenueError('unknown-outcome', code, `no answer about stop order ${e.clientOrderId}${last ? `: ${last.message}` : ''}; the venue may hold it`, {
      trackingId: last?.trackingId,
    });
  }

  private known(e: StopEntry, stopOrderId: string): void {
    e.stopOrderId = stopOrderId;
    this.byStopId.set(stopOrderId, e.clientOrderId);
    this.schedule(e.accountId);
  }

  private evidence(accountId: string, clientOrderId: string, stopOrderId: string, status: OrderStatus, at: number, source: EvidenceSource): OrderEvidence {
    return { kind: 'status', venue: 'tinvest', accountId, clientOrderId, venueOrderId: stopOrderId, status, at, source };
  }

  private async list(accountId: string, status: number, fromMs?: number): Promise<StopOrderMsg[]> {
    const req: GetStopOrdersRequest = { accountId, status };
    if (fromMs !== undefined && fromMs > 0) req.from = { seconds: String(Math.floor(fromMs / 1000)), nanos: 0 };
    const res = await this.o.rpc.call(methods.list, req, { deadlineMs: DEADLINE_MS });
    return res.stopOrders;
  }

  /** Evidence of listed stop orders, under our keys where we know them; unreadable ones are counted. */
  private evidenceOf(accountId: string, list: readonly StopOrderMsg[], source: EvidenceSource): OrderEvidence[] {
    const out: OrderEvidence[] = [];
    const at = this.o.now();
    for (const m of list) {
      const key = this.byStopId.get(m.stopOrderId) ?? `${STOP_KEY_PREFIX}${m.stopOrderId}`;
      const ev = fromStopOrder(m, accountId, key, at, source);
      if (typeof ev === 'string') {
        this.o.reporter.malformed(`GetStopOrders: ${ev}`, JSON.stringify(m));
        continue;
      }
      out.push(ev);
    }
    return out;
  }

  /**
   * Finds what became of some stop orders: the active list first, then the executed, cancelled
   * and expired ones since the earliest send. Entries without a venue id are matched by terms.
   * Reports what it learns (a fired one's child included) and returns it by key.
   */
  private async lookUp(accountId: string, entries: readonly StopEntry[], sinceMs?: number): Promise<Map<string, OrderEvidence>> {
    const out = new Map<string, OrderEvidence>();
    const wanted = new Set(entries.map((e) => e.clientOrderId));
    const earliest = Math.min(...entries.map((e) => (e.lastSendMs > 0 ? e.lastSendMs : (sinceMs ?? Date.now()))), sinceMs ?? Infinity) - MATCH_SKEW_MS;
    for (const status of [STOP_STATUS.active, STOP_STATUS.executed, STOP_STATUS.canceled, STOP_STATUS.expired]) {
      const list = await this.list(accountId, status, status === STOP_STATUS.active ? undefined : earliest);
      for (const m of list) {
        const e = this.match(m, entries);
        if (!e || !wanted.has(e.clientOrderId) || out.has(e.clientOrderId)) continue;
        const ev = fromStopOrder(m, accountId, e.clientOrderId, this.o.now(), 'reconcile');
        if (typeof ev === 'string') {
          this.o.reporter.malformed(`GetStopOrders: ${ev}`, JSON.stringify(m));
          continue;
        }
        if (!e.stopOrderId) this.known(e, m.stopOrderId);
        this.learn(e, m, ev);
        out.set(e.clientOrderId, ev);
      }
      if (out.size === wanted.size) break;
    }
    return out;
  }

  /** An entry's stop order in a list: by id, or (no id yet) by the terms we sent. */
  private match(m: StopOrderMsg, entries: readonly StopEntry[]): StopEntry | undefined {
    const byId = entries.find((e) => e.stopOrderId === m.stopOrderId);
    if (byId) return byId;
    if (this.byStopId.has(m.stopOrderId)) return undefined;
    return entries.find((e) => {
      const w = e.wire;
      if (e.stopOrderId || !w) return false;
      const created = msOfTs(m.createDate) ?? 0;
      return (
        m.instrumentUid === w.instrumentId &&
        m.direction === w.direction &&
        m.orderType === w.stopOrderType &&
        m.lotsRequested === w.quantity &&
        created >= e.lastSendMs - MATCH_SKEW_MS &&
        sameNanos(m.stopPrice, w.stopPrice)
      );
    });
  }

  /** Reports a stop order's state; a fired one's child becomes known under its key. */
  private learn(e: StopEntry, m: StopOrderMsg, ev: OrderEvidence): void {
    if (ev.status === 'cancelled' || ev.status === 'expired') e.settled = true;
    this.o.report(ev);
    const child = childIdOf(m);
    if (ev.triggeredAt !== undefined) {
      e.settled = true;
      if (child && e.childOrderId === undefined) {
        e.childOrderId = child;
        this.byChildId.set(child, e.clientOrderId);
      }
      if (child) this.o.child(e.accountId, e.clientOrderId, child);
    }
  }

  /** Polls the account while a stop order of ours there waits. */
  private schedule(accountId: string): void {
    if (this.closed || this.timers.has(accountId)) return;
    const timer = setTimeout(() => {
      void this.poll(accountId)
        .catch((err: unknown) => this.o.reporter.error(toVenueError(err).info(this.o.now())))
        .finally(() => {
          this.timers.delete(accountId);
          if (this.waiting(accountId).length > 0) this.schedule(accountId);
        });
    }, this.o.pollMs ?? POLL_MS);
    timer.unref();
    this.timers.set(accountId, timer);
  }

  private waiting(accountId: string): StopEntry[] {
    return [...this.byKey.values()].filter((e) => e.accountId === accountId && e.stopOrderId !== undefined && !e.settled && !e.clientOrderId.startsWith(STOP_KEY_PREFIX));
  }

  private async poll(accountId: string): Promise<void> {
    const waiting = this.waiting(accountId);
    if (waiting.length === 0 || this.closed) return;
    const active = new Set((await this.list(accountId, STOP_STATUS.active)).map((m) => m.stopOrderId));
    const gone = waiting.filter((e) => e.stopOrderId !== undefined && !active.has(e.stopOrderId));
    if (gone.length > 0) await this.lookUp(accountId, gone);
  }

  private pause(ms: number): Promise<void> {
    return delay(ms, undefined, { signal: this.abort.signal, ref: false }).catch(() => undefined);
  }
}

function msOfTs(ts: { seconds: string | number; nanos: number } | null | undefined): number | undefined {
  if (!ts) return undefined;
  const ms = Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1_000_000);
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

function sameNanos(a: { units: string | number; nano: number } | null | undefined, b: { units: string | number; nano: number } | null | undefined): boolean {
  const n = (q: { units: string | number; nano: number } | null | undefined): string => (q ? `${String(q.units)}.${q.nano}` : '0.0');
  return n(a) === n(b);
}
