/**
 * The hub owns the venues and everything they report. It reference-counts candle
 * subscriptions (many clients, one venue subscription per key), keeps the live series,
 * keeps diagnostics, and fans events out to listeners — the bridge sessions. It knows no
 * venue wire format and no transport.
 */
import type {
  Account,
  Candle,
  CandleKey,
  ConnectionState,
  Dec,
  Instrument,
  MarketKey,
  Order,
  OrderBook,
  OrderEvidence,
  OrderUpdate,
  Portfolio,
  PositionPnl,
  Quote,
  TradePrint,
  TradeRecord,
  VenueErrorInfo,
  VenueId,
} from '../../common/domain.js';
import { candleKeyId } from '../../common/domain.js';
import { MarketFeeds } from './market-feeds.js';
import type { ConnectionEvent, VenueSummary } from './types.js';
import type { ConnectionReporter, HistoryRequest, Venue, VenueSink } from '../venues/venue.js';
import { isVenueError } from '../venues/venue.js';
import { DiagnosticsRegistry } from './diagnostics.js';
import type { ConnectionMonitor } from './diagnostics.js';
import { CandleSeries } from './series.js';
import { venueState } from '../../common/venue-state.js';
import type { Logger } from './log.js';
import { redact, silentLogger } from './log.js';
import { HubError } from './hub-error.js';
import type { CandleCache } from '../store/candle-cache.js';
import { cachedHistory } from './cached-history.js';
import { OrderJournal, notAvailable } from './orders.js';
import type { ReplayReport, RiskLimits } from './orders.js';
import { OrderStore } from '../store/order-store.js';
import { openDatabase } from '../store/db.js';
import type { CancelRetryOptions } from './cancel-all.js';
import type { QuitSettingsStore } from './quit-settings.js';
import { memoryQuitSettings } from './quit-settings.js';
import type { ShutdownOptions, ShutdownReport } from './shutdown.js';
import { DEFAULT_SHUTDOWN, settlesWithin, shutdownSummary } from './shutdown.js';
import { wallClock } from '../net/wire-tap.js';

export { HubError } from './hub-error.js';
export type { HubErrorCode } from './hub-error.js';

/** Builds a fresh venue instance around the sink the hub gives it; called again after a disconnect. */
export type VenueFactory = (sink: VenueSink) => Venue;

export interface HubListener {
  /**
   * `keyId` is candleKeyId(c), computed once here so listeners need not build it again;
   * `receivedAt` is when the adapter handed it over (wallClock(): the start of tick-to-screen).
   */
  candle?(c: Candle, keyId: string, receivedAt: number): void;
  order?(u: OrderUpdate): void;
  /** The trade ledger changed (fills, fees, the venue's history): trades and P&L are worth reading again. */
  ledger?(): void;
  connection?(e: ConnectionEvent): void;
  /** The venue refused or never confirmed a held key; cleared by its next candle. */
  subscriptionFailed?(key: CandleKey, err: VenueErrorInfo): void;
  /** A held book as it now stands; `keyId` is marketKeyId of its key. */
  book?(b: OrderBook, keyId: string): void;
  /** New prints of held tapes (repeats dropped), oldest first. */
  trades?(t: TradePrint[]): void;
  quote?(q: Quote, keyId: string): void;
  marketFailed?(key: MarketKey, err: VenueErrorInfo): void;
}

/** The pseudo-connection under which the hub reports a venue's overall state. */
export const VENUE_CONNECTION = 'venue';

type Lifecycle = 'idle' | 'connecting' | 'live' | 'closed';

interface VenueEntry {
  factory: VenueFactory;
  venue: Venue;
  /** Bumped whenever an instance is retired, so its late events are ignored. */
  generation: number;
  lifecycle: Lifecycle;
  connecting: Promise<void> | undefined;
  accounts: Account[];
  /** Last aggregate state reported as a 'venue' connection event. */
  reported: ConnectionState;
}

interface Subscription {
  readonly key: CandleKey;
  refs: number;
  readonly series: CandleSeries;
  /** Why the venue is not delivering this key, until a candle proves otherwise. */
  failure?: VenueErrorInfo;
}

export interface HubOptions {
  now?: () => number;
  log?: Logger;
  /** Checks every order must pass before it is sent. */
  risk?: RiskLimits;
  /** How far ahead of our clock a venue's candle may open (candle-sanity's default otherwise). */
  candleSkewMs?: number;
  /** How hard the panic key tries before it reports (tests shorten it). */
  cancelRetry?: CancelRetryOptions;
  /** Which venues' open orders are cancelled on quit; default: none, kept in memory. */
  quitSettings?: QuitSettingsStore;
  /** Where the order journal lives; default: an in-memory database (nothing survives the process). */
  orderStore?: OrderStore;
  /** How long a connecting venue may spend settling the journal's unknown orders before it is reported live. */
  resolveBoundMs?: number;
  /** First background retry for an order whose answer was lost (ms). */
  resolveRetryMs?: number;
  /** How long a cancel waits for its order's placement to be answered (OrderJournalOptions). */
  placingCancelWaitMs?: number;
  /** Chart history from the database first, closed live bars written through; none = every history call asks the venue. */
  candleCache?: CandleCache;
}

/** A connecting venue settles the journal's unknown orders within this before it is reported live. */
export const DEFAULT_RESOLVE_BOUND_MS = 5_000;

/** What a refused request says once shutdown has begun. */
export const SHUTTING_DOWN = 'the app is shutting down';

export class Hub {
  private readonly entries = new Map<VenueId, VenueEntry>();
  private readonly subs = new Map<string, Subscription>();
  private readonly market = new MarketFeeds({ onRejected: (venue, detail) => this.marketProblem(venue, detail) });
  private readonly listeners = new Set<HubListener>();
  readonly diagnostics: DiagnosticsRegistry;
  /** Every order the app knows (kept in its database); order updates reach listeners through it. */
  readonly journal: OrderJournal;
  private readonly now: () => number;
  private readonly log: Logger;
  private readonly candleSkewMs: number | undefined;
  /** Candles the core refused (the sanity rule) per venue, since the hub started. */
  private readonly rejected = new Map<VenueId, number>();
  /** Per venue: cancel its open orders on quit. */
  readonly quitSettings: QuitSettingsStore;
  private shuttingDown: Promise<ShutdownReport> | undefined;
  /** What the journal found when the hub started. */
  readonly replayed: ReplayReport;
  private readonly resolveBoundMs: number;
  private readonly candleCache: CandleCache | undefined;

  constructor(opts: HubOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.candleCache = opts.candleCache;
    this.log = opts.log ?? silentLogger;
    this.candleSkewMs = opts.candleSkewMs;
    this.quitSettings = opts.quitSettings ?? memoryQuitSettings();
    this.diagnostics = new DiagnosticsRegistry({
      now: this.now,
      onState: (t) => {
        this.emit('connection', t);
        this.reportAggregate(t.venue, `${t.connection}: ${t.reason}`);
      },
    });
    this.journal = new OrderJournal({
      venues: {
        live: (id) => this.live(id),
        connected: () => [...this.entries.values()].filter((e) => e.lifecycle === 'live').map((e) => e.venue.id),
        accounts: (id) => this.entries.get(id)?.accounts ?? [],
        mode: (id) => this.entries.get(id)?.venue.mode ?? 'demo',
        instance: (id) => this.entries.get(id)?.venue,
        lastPrice: (venue, instrumentId) => this.lastPrice(venue, instrumentId),
      },
      emit: (u) => this.emit('order', u),
      onLedger: () => this.emit('ledger'),
      now: this.now,
      log: this.log.child('orders'),
      store: opts.orderStore ?? new OrderStore(openDatabase({ file: ':memory:' })),
      ...(opts.risk ? { risk: opts.risk } : {}),
      ...(opts.cancelRetry ? { cancelRetry: opts.cancelRetry } : {}),
      ...(opts.resolveRetryMs !== undefined ? { resolveRetryMs: opts.resolveRetryMs } : {}),
      ...(opts.placingCancelWaitMs !== undefined ? { placingCancelWaitMs: opts.placingCancelWaitMs } : {}),
    });
    this.resolveBoundMs = opts.resolveBoundMs ?? DEFAULT_RESOLVE_BOUND_MS;
    this.replayed = this.journal.replay();
  }

  addVenue(factory: VenueFactory): Venue {
    // The sink needs the entry, the entry needs the venue the factory builds around the sink.
    const holder: { entry?: VenueEntry } = {};
    const venue = this.instantiate(factory, () => holder.entry);
    if (this.entries.has(venue.id)) throw new HubError('invalid', `venue ${venue.id} added twice`);
    const entry: VenueEntry = {
      factory,
      venue,
      generation: 0,
      lifecycle: 'idle',
      connecting: undefined,
      accounts: [],
      reported: 'idle',
    };
    holder.entry = entry;
    this.entries.set(venue.id, entry);
    return venue;
  }

  venueIds(): VenueId[] {
    return [...this.entries.keys()];
  }

  has(id: VenueId): boolean {
    return this.entries.has(id);
  }

  /**
   * Puts another build of a venue in place (a mode switch, new credentials): the old instance
   * is closed, the new one waits idle for connect(), candle subscriptions carry over.
   */
  async replaceVenue(id: VenueId, factory: VenueFactory): Promise<VenueSummary> {
    const e = this.entries.get(id);
    if (!e) {
      const venue = this.addVenue(factory);
      if (venue.id !== id) throw new HubError('invalid', `a ${venue.id} venue was built for ${id}`);
      return this.summary(id);
    }
    await this.disconnect(id);
    e.generation += 1;
    const venue = this.instantiate(factory, () => e);
    if (venue.id !== id) throw new HubError('invalid', `a ${venue.id} venue was built for ${id}`);
    e.factory = factory;
    e.venue = venue;
    e.accounts = [];
    this.setLifecycle(e, 'idle', `switched to ${venue.name}`);
    return this.summaryOf(e);
  }

  /** Closes a venue and forgets it: nothing of it is listed or can be connected any more. */
  async removeVenue(id: VenueId): Promise<void> {
    const e = this.entry(id);
    await this.disconnect(id);
    e.generation += 1;
    this.entries.delete(id);
    this.emit('connection', { venue: id, connection: VENUE_CONNECTION, state: 'closed', at: this.now(), reason: 'removed' });
  }

  summaries(): VenueSummary[] {
    return [...this.entries.values()].map((e) => this.summaryOf(e));
  }

  summary(id: VenueId): VenueSummary {
    return this.summaryOf(this.entry(id));
  }

  /** Connects (or joins a connect in flight); resubscribes every held key once the venue is usable. */
  async connect(id: VenueId): Promise<VenueSummary> {
    const e = this.entry(id);
    if (this.shuttingDown) throw new HubError('unavailable', SHUTTING_DOWN);
    if (e.lifecycle === 'live') return this.summaryOf(e);
    if (!e.connecting) e.connecting = this.runConnect(e);
    await e.connecting;
    return this.summaryOf(e);
  }

  async disconnect(id: VenueId): Promise<VenueSummary> {
    const e = this.entry(id);
    if (e.connecting) await e.connecting.catch(() => undefined);
    if (e.lifecycle === 'live') {
      try {
        await e.venue.close();
      } finally {
        this.retire(e, 'closed', 'disconnected by user');
      }
    }
    return this.summaryOf(e);
  }

  /** Takes one reference on a key; the first one starts the venue's live flow. */
  retain(key: CandleKey): void {
    const e = this.entry(key.venue);
    if (!e.venue.intervals.includes(key.interval)) {
      throw new HubError('invalid', `${e.venue.name} has no ${key.interval} candles`);
    }
    const id = candleKeyId(key);
    const held = this.subs.get(id);
    if (held) {
      held.refs += 1;
      return;
    }
    const series = new CandleSeries(key, this.candleSkewMs === undefined ? { now: this.now } : { now: this.now, skewMs: this.candleSkewMs });
    const sub: Subscription = { key: { venue: key.venue, instrumentId: key.instrumentId, interval: key.interval }, refs: 1, series };
    this.subs.set(id, sub);
    if (e.lifecycle === 'live') {
      try {
        e.venue.subscribeCandles(sub.key);
      } catch (err) {
        this.subs.delete(id);
        throw err;
      }
    }
  }

  /** Drops one reference; the last one stops the venue's live flow. */
  release(key: CandleKey): void {
    const id = candleKeyId(key);
    const sub = this.subs.get(id);
    if (!sub) return;
    sub.refs -= 1;
    if (sub.refs > 0) return;
    this.subs.delete(id);
    const e = this.entries.get(key.venue);
    if (e?.lifecycle === 'live') {
      try {
        e.venue.unsubscribeCandles(sub.key);
      } catch (err) {
        this.log.warn(`unsubscribe ${id} failed`, err);
      }
    }
  }

  /** Takes one reference on a book, tape or quote key; the first one starts the venue's flow. */
  retainMarket(key: MarketKey): void {
    const e = this.entry(key.venue);
    if (key.stream === 'book' && (key.depth === undefined || !e.venue.bookDepths.includes(key.depth))) {
      throw new HubError('invalid', `${e.venue.name} streams books of depth ${e.venue.bookDepths.join(', ') || 'none'}`);
    }
    if (!this.market.retain(key) || e.lifecycle !== 'live') return;
    try {
      e.venue.subscribeMarket(key);
    } catch (err) {
      this.market.release(key);
      throw err;
    }
  }

  /** Drops one reference; the last one stops the venue's flow. */
  releaseMarket(key: MarketKey): void {
    if (!this.market.release(key)) return;
    const e = this.entries.get(key.venue);
    if (e?.lifecycle !== 'live') return;
    try {
      e.venue.unsubscribeMarket(key);
    } catch (err) {
      this.log.warn(`unsubscribe ${key.venue} ${key.instrumentId} ${key.stream} failed`, err);
    }
  }

  marketRefCount(key: MarketKey): number {
    return this.market.refCount(key);
  }

  /** The latest book or quote of a held key, for snapshots. */
  latestBook(key: MarketKey): OrderBook | undefined {
    return this.market.latestBook(key);
  }

  latestQuote(key: MarketKey): Quote | undefined {
    return this.market.latestQuote(key);
  }

  marketFailure(key: MarketKey): VenueErrorInfo | undefined {
    return this.market.failure(key);
  }

  /** Books dropped as unordered, per venue, since the hub started. */
  rejectedBooks(venue: VenueId): number {
    return this.market.rejected(venue);
  }

  /**
   * Market data that was dropped (an unordered book; prints over a client's batch cap): counted
   * as malformed on the venue's `venue` pseudo-connection, which the diagnostics panel lists
   * with its samples, and logged on the 1st, 2nd, 4th… one.
   */
  marketProblem(venue: VenueId, detail: string): void {
    const mon = this.diagnostics.monitor(venue, VENUE_CONNECTION);
    mon.malformed(detail);
    const n = mon.malformedTotal;
    if ((n & (n - 1)) === 0) this.log.child(venue).warn(`${venue}: market data dropped (${n} so far): ${detail}`);
  }

  /** How many holders a key has (0 when nobody subscribes). */
  refCount(key: CandleKey): number {
    return this.subs.get(candleKeyId(key))?.refs ?? 0;
  }

  /** Why a held key is failing, if the venue said so (and no candle came since). */
  subscriptionFailure(key: CandleKey): VenueErrorInfo | undefined {
    return this.subs.get(candleKeyId(key))?.failure;
  }

  /** Candles of a venue the core refused as insane, whichever adapter let them through. */
  rejectedCandles(venue: VenueId): number {
    return this.rejected.get(venue) ?? 0;
  }

  /** The forming bar of a subscribed key. */
  forming(key: CandleKey): Candle | undefined {
    return this.subs.get(candleKeyId(key))?.series.last();
  }

  /** The live bars of a subscribed key, oldest first. */
  series(key: CandleKey): Candle[] {
    return this.subs.get(candleKeyId(key))?.series.toArray() ?? [];
  }

  async history(req: HistoryRequest): Promise<Candle[]> {
    const venue = this.live(req.venue);
    const cache = this.candleCache;
    if (!cache) return venue.history(req);
    return cachedHistory({
      cache,
      key: { venue: req.venue, mode: venue.mode, instrumentId: req.instrumentId, interval: req.interval },
      req,
      fetch: (r) => venue.history(r),
      live: this.subs.get(candleKeyId(req))?.series.toArray(),
      nowMs: this.now(),
    });
  }

  async searchInstruments(venue: VenueId, query: string, limit: number): Promise<Instrument[]> {
    return this.live(venue).searchInstruments(query, limit);
  }

  async instrument(venue: VenueId, instrumentId: string): Promise<Instrument> {
    return this.live(venue).instrument(instrumentId);
  }

  async portfolio(venue: VenueId, accountId: string): Promise<Portfolio> {
    const v = this.live(venue);
    if (!v.portfolio) throw notAvailable(v, 'the portfolio');
    return v.portfolio(accountId);
  }

  /** Every order seen this run, newest first. */
  trades(venue?: VenueId, limit?: number): TradeRecord[] {
    return this.journal.trades(venue, limit);
  }

  positionsPnl(venue?: VenueId): PositionPnl[] {
    return this.journal.positionsPnl(venue);
  }

  orders(): Order[] {
    return this.journal.list();
  }

  on(listener: HubListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /**
   * Quits without losing an order: refuses new orders (HubError 'unavailable'), waits (bounded)
   * for the orders in flight to be answered or recorded `unknown`, cancels the open orders of
   * venues set to do so on quit (bounded), then closes every venue (bounded; each adapter
   * closes its market data before its order streams). Listeners stay attached, so the final
   * order updates reach them; close() detaches them. Never throws; one summary line is logged.
   * A second call returns the first one's report.
   */
  shutdown(opts: ShutdownOptions = {}): Promise<ShutdownReport> {
    this.shuttingDown ??= this.runShutdown({ ...DEFAULT_SHUTDOWN, ...opts });
    return this.shuttingDown;
  }

  private async runShutdown(o: Required<ShutdownOptions>): Promise<ShutdownReport> {
    const started = Date.now();
    this.journal.refuseNew(SHUTTING_DOWN);
    this.log.info(`shutting down: new orders refused; ${this.journal.inFlight} order(s) in flight`);
    const settled = await this.journal.settleInFlight(o.inFlightMs);
    const report: ShutdownReport = { ...settled, cancelledOnQuit: 0, cancelFailed: [], notClosed: [], tookMs: 0 };

    const chosen = this.quitSettings.get();
    const cancelling = [...this.entries.values()].filter((e) => e.lifecycle === 'live' && chosen[e.venue.id]).map((e) => e.venue.id);
    if (cancelling.length > 0) {
      const results = await Promise.all(cancelling.map((id) => this.journal.cancelAll(id, o.cancelMs)));
      for (const r of results) {
        report.cancelledOnQuit += r.cancelled;
        for (const v of r.venues) if (v.error || v.accounts.some((a) => !a.ok)) report.cancelFailed.push(v.venue);
      }
    }

    const ids = [...this.entries.keys()];
    const closing = ids.map((id) => ({ id, done: settlesWithin(this.disconnect(id), o.closeMs) }));
    for (const { id, done } of closing) if (!(await done)) report.notClosed.push(id);
    // The venues are closed: what the journal queued is committed before the store's owner closes it.
    this.journal.close();

    report.tookMs = Date.now() - started;
    const line = shutdownSummary(report);
    if (report.unknown > 0 || report.cancelFailed.length > 0 || report.notClosed.length > 0) this.log.warn(line, report);
    else this.log.info(line, report);
    return report;
  }

  async close(): Promise<void> {
    // After a shutdown the venues are closed, or hang past its bound: not waited for again.
    if (this.shuttingDown) await this.shuttingDown;
    else await Promise.allSettled([...this.entries.keys()].map((id) => this.disconnect(id)));
    this.listeners.clear();
  }

  private instantiate(factory: VenueFactory, entryOf: () => VenueEntry | undefined): Venue {
    // The sink checks the generation it was born in: a retired instance can't leak events.
    const born = entryOf()?.generation ?? 0;
    const current = (): VenueEntry | undefined => {
      const e = entryOf();
      return e && e.generation === born ? e : undefined;
    };
    // Nothing the core does with an event may throw back into the adapter's frame handler:
    // a bug here, or an event shaped wrong, is logged and that one event dropped.
    // (try/catch inline, no closure: candle() runs for every frame.)
    const sink: VenueSink = {
      candle: (c) => {
        if (!current()) return;
        try {
          this.onCandle(c);
        } catch (err) {
          this.dropped('candle', err);
        }
      },
      order: (ev) => {
        if (!current()) return;
        try {
          this.onOrder(ev);
        } catch (err) {
          this.dropped('order update', err);
        }
      },
      subscriptionFailed: (key, err) => {
        if (!current()) return;
        try {
          this.onSubscriptionFailed(key, err);
        } catch (e) {
          this.dropped('subscription failure', e);
        }
      },
      book: (b) => {
        if (!current()) return;
        try {
          const held = this.market.book(b);
          if (held) this.emit('book', held.book, held.keyId);
        } catch (err) {
          this.dropped('book', err);
        }
      },
      trades: (t) => {
        if (!current()) return;
        try {
          const fresh = this.market.trades(t);
          if (fresh.length > 0) this.emit('trades', fresh);
        } catch (err) {
          this.dropped('trades', err);
        }
      },
      quote: (q) => {
        if (!current()) return;
        try {
          const held = this.market.quote(q);
          if (held) this.emit('quote', held.quote, held.keyId);
        } catch (err) {
          this.dropped('quote', err);
        }
      },
      marketFailed: (key, err) => {
        if (!current()) return;
        try {
          const redacted = { ...err, message: redact(err.message) };
          const held = this.market.failed(key, redacted);
          if (held) {
            this.log.warn(`${key.venue} ${key.instrumentId} ${key.stream}: subscription failed: ${err.kind} ${err.code}`);
            this.emit('marketFailed', held, redacted);
          }
        } catch (e) {
          this.dropped('market failure', e);
        }
      },
      connection: (name) => this.reporter(name, current),
    };
    return factory(sink);
  }

  private dropped(what: string, err: unknown): void {
    this.log.error(`a venue's ${what} could not be handled; dropped`, err);
  }

  /**
   * A reporter that finds its monitor on first use: adapters may create reporters in their
   * constructor, before the hub knows the venue's id, and a retired instance's reports vanish.
   */
  private reporter(name: string, current: () => VenueEntry | undefined): ConnectionReporter {
    let m: ConnectionMonitor | undefined;
    const target = (): ConnectionMonitor | undefined => {
      const e = current();
      if (!e) return undefined;
      m ??= this.diagnostics.monitor(e.venue.id, name);
      return m;
    };
    return {
      state: (s, reason) => {
        const mon = target();
        if (!mon) return;
        mon.state(s, reason);
        // The connection's timeline in the log too: what a trader sends us starts here.
        this.log.child(mon.venue).forConnection(name).info(`${s}: ${reason}`);
      },
      message: (bytes) => target()?.message(bytes),
      reconnect: () => target()?.reconnect(),
      malformed: (d, f) => {
        const mon = target();
        if (!mon) return;
        mon.malformed(d, f);
        // Logged with its (redacted, cut) frame on the 1st, 2nd, 4th, 8th… one: a hostile
        // venue must not flood the log, and the trader can still send us what it sent.
        const n = mon.malformedTotal;
        if ((n & (n - 1)) === 0) this.log.child(mon.venue).forConnection(name).warn(`${mon.venue}/${name}: malformed frame skipped (${n} so far): ${d}`, mon.lastMalformed()?.frame);
      },
      clockSkew: (ms) => target()?.clockSkew(ms),
      error: (err) => target()?.error(err),
      pingRtt: (ms) => target()?.pingRtt(ms),
      subscriptions: (p, c) => target()?.subscriptions(p, c),
      limiters: (l) => target()?.limiters(l),
      breakers: (b) => target()?.breakers(b),
      deadManSwitch: (d) => target()?.deadManSwitch(d),
    };
  }

  private async runConnect(e: VenueEntry): Promise<void> {
    try {
      if (e.lifecycle === 'closed') {
        e.venue = this.instantiate(e.factory, () => e);
      }
      this.setLifecycle(e, 'connecting', 'connect requested');
      await e.venue.connect();
      try {
        e.accounts = await e.venue.accounts();
      } catch (err) {
        // A venue without readable accounts still streams candles; the panel shows the error.
        this.log.warn(`${e.venue.id}: accounts unavailable`, err);
        e.accounts = [];
      }
      // What the journal holds unsettled here is settled by the venue's evidence first: the
      // trader sees the venue live only once the app's orders match what the venue has.
      await this.journal.resolveVenue(e.venue, this.resolveBoundMs);
      this.setLifecycle(e, 'live', 'connected');
      for (const sub of this.subs.values()) {
        if (sub.key.venue !== e.venue.id) continue;
        try {
          e.venue.subscribeCandles(sub.key);
        } catch (err) {
          this.log.warn(`${e.venue.id}: resubscribe ${sub.series.id} failed`, err);
        }
      }
      this.market.resetVenue(e.venue.id);
      for (const key of this.market.keys(e.venue.id)) {
        try {
          e.venue.subscribeMarket(key);
        } catch (err) {
          this.log.warn(`${e.venue.id}: resubscribe ${key.instrumentId} ${key.stream} failed`, err);
        }
      }
      // The venue's own history (orders placed elsewhere, trades and fees): in the background.
      this.journal.mergeHistory(e.venue.id).catch((err: unknown) => this.log.warn(`${e.venue.id}: merging its history failed`, err));
    } catch (err) {
      await e.venue.close().catch(() => undefined);
      this.retire(e, 'closed', `connect failed: ${describeError(err)}`);
      throw err;
    } finally {
      e.connecting = undefined;
    }
  }

  private retire(e: VenueEntry, lifecycle: Lifecycle, reason: string): void {
    e.generation += 1;
    // Its books are stale from now: a snapshot taken while it is away shows none.
    this.market.resetVenue(e.venue.id);
    this.setLifecycle(e, lifecycle, reason);
  }

  private setLifecycle(e: VenueEntry, lifecycle: Lifecycle, reason: string): void {
    e.lifecycle = lifecycle;
    this.reportAggregate(e.venue.id, reason);
  }

  private aggregate(e: VenueEntry): ConnectionState {
    return venueState(e.lifecycle, this.diagnostics.of(e.venue.id).map((m) => m.currentState));
  }

  private reportAggregate(id: VenueId, reason: string): void {
    const e = this.entries.get(id);
    if (!e) return;
    const state = this.aggregate(e);
    if (state === e.reported) return;
    e.reported = state;
    this.emit('connection', { venue: id, connection: VENUE_CONNECTION, state, at: this.now(), reason });
  }

  private summaryOf(e: VenueEntry): VenueSummary {
    return {
      id: e.venue.id,
      name: e.venue.name,
      mode: e.venue.mode,
      state: this.aggregate(e),
      accounts: e.accounts.map((a) => ({ ...a })),
      intervals: [...e.venue.intervals],
      bookDepths: [...e.venue.bookDepths],
      orderTypes: [...e.venue.orderTypes],
      timeInForce: [...e.venue.timeInForce],
    };
  }

  private entry(id: VenueId): VenueEntry {
    const e = this.entries.get(id);
    if (!e) throw new HubError('not-found', `no venue ${id} in this app`);
    return e;
  }

  private live(id: VenueId): Venue {
    const e = this.entry(id);
    if (e.lifecycle !== 'live') throw new HubError('not-connected', `${e.venue.name} is not connected`);
    return e.venue;
  }

  private onCandle(c: Candle): void {
    const keyId = candleKeyId(c);
    const sub = this.subs.get(keyId);
    // A frame for a key nobody holds any more is a straggler after unsubscribe.
    if (!sub) return;
    // Before the series' checks and the cache write-through, so the renderer's figure includes them.
    const receivedAt = wallClock();
    const before = sub.series.last();
    const outcome = sub.series.apply(c);
    if (outcome === 'rejected') return this.onRejected(sub, c.venue);
    if (outcome === 'stale') return;
    // A new bar closes the one before it: written through to the cache (queued, no I/O here).
    if (outcome === 'appended' && before && this.candleCache) this.writeThrough(before);
    if (sub.failure) delete sub.failure;
    this.emit('candle', c, keyId, receivedAt);
  }

  private writeThrough(closed: Candle): void {
    const mode = this.entries.get(closed.venue)?.venue.mode;
    if (mode) this.candleCache?.writeLive({ venue: closed.venue, mode, instrumentId: closed.instrumentId, interval: closed.interval }, closed);
  }

  /** Counted per venue; logged on the 1st, 2nd, 4th, 8th… so a flood can't flood the log. */
  private onRejected(sub: Subscription, venue: VenueId): void {
    const n = (this.rejected.get(venue) ?? 0) + 1;
    this.rejected.set(venue, n);
    if ((n & (n - 1)) === 0) {
      this.log.warn(`${sub.series.id}: candle rejected (${sub.series.lastRejection ?? 'insane'}); ${n} from ${venue} so far`);
    }
  }

  private onSubscriptionFailed(key: CandleKey, err: VenueErrorInfo): void {
    const sub = this.subs.get(candleKeyId(key));
    if (!sub) return;
    sub.failure = { ...err, message: redact(err.message) };
    this.log.warn(`${sub.series.id}: subscription failed: ${err.kind} ${err.code}`);
    this.emit('subscriptionFailed', sub.key, sub.failure);
  }

  private onOrder(ev: OrderEvidence): void {
    try {
      this.journal.applyEvidence(ev);
    } catch (err) {
      // Malformed evidence (bad decimal text) must not take the adapter's stream down.
      this.log.error(`${ev.venue}: order evidence for ${ev.clientOrderId} could not be applied`, err);
    }
  }

  /** The close of the newest bar of any subscribed series of the instrument. */
  private lastPrice(venue: VenueId, instrumentId: string): Dec | undefined {
    let best: Candle | undefined;
    for (const sub of this.subs.values()) {
      if (sub.key.venue !== venue || sub.key.instrumentId !== instrumentId) continue;
      const c = sub.series.last();
      if (c && (!best || c.time > best.time)) best = c;
    }
    // No chart of it open: a watchlist quote's last trade price will do.
    return best?.close ?? this.market.latestQuote({ venue, instrumentId, stream: 'quote' })?.last;
  }

  private emit<K extends keyof HubListener>(kind: K, ...args: Parameters<NonNullable<HubListener[K]>>): void {
    for (const l of this.listeners) {
      try {
        (l[kind] as ((...a: typeof args) => void) | undefined)?.(...args);
      } catch (err) {
        this.log.error(`listener failed on ${kind}`, err);
      }
    }
  }
}

function describeError(err: unknown): string {
  if (isVenueError(err)) return `${err.kind} ${err.code}: ${err.message}`;
  if (err instanceof Error) return err.message;
  return String(err);
}
