/**
 * One client of the bridge — an Electron window or a WebSocket connection. Both transports
 * hand every request to `handle` and give it a way to push; everything else (validation,
 * dispatch, the client's own subscriptions, coalescing, cleanup) is the same code.
 */
import { randomUUID } from 'node:crypto';
import type { Candle, CandleKey, ConnectionDiagnostics, MarketKey, Order, OrderBook, Quote, TradePrint, VenueErrorInfo, VenueId } from '../../common/domain.js';
import { candleKeyId, marketKeyId } from '../../common/domain.js';
import { MAX_FAILURE_CODE_LENGTH, MAX_FAILURE_MESSAGE_LENGTH, subscriptionFailureSchema } from '../contract.js';
import type { MarketFailure, Result, Snapshot, SubscriptionError, SubscriptionFailure, TopicName, TopicPayloads } from '../contract.js';
import type { Hub, HubListener } from '../core/hub.js';
import type { VenueSummary } from '../core/types.js';
import { HubError } from '../core/hub.js';
import type { VenueModes } from '../app/venue-modes.js';
import type { Logger } from '../core/log.js';
import { redact, silentLogger } from '../core/log.js';
import { Batcher, BATCH_INTERVAL_MS, MAX_PRINTS_PER_BATCH } from './batcher.js';
import { failure, toFailure } from './errors.js';
import { handlers as defaultHandlers } from './handlers.js';
import type { ClientContext, Handlers, LogsLocation, RecordingControl, Transport } from './handlers.js';
import { validateRequest } from './validate.js';
import { InspectorViews } from '../inspector/session-views.js';
import type { WireInspector } from '../inspector/wire-inspector.js';
import type { BridgeMetrics, MetricsServerControl } from './metrics-hooks.js';
import type { Alerts } from '../alerts/alerts.js';
import type { FiredAlert } from '../alerts/types.js';

/** A client holding more keys than this is a bug or an attack; either way, refuse. */
export const MAX_SUBSCRIPTIONS_PER_CLIENT = 1000;
/**
 * Requests of one client being worked on at once. The renderer keeps a handful in flight; a
 * client sending faster than answers come back would otherwise hold memory without bound.
 */
export const MAX_IN_FLIGHT_PER_CLIENT = 256;
export const DIAGNOSTICS_INTERVAL_MS = 1000;

/**
 * What a session's pushes and local methods read: the hub in this process, or, in a console
 * attached to a gateway, the link that mirrors the gateway's hub (electron/gateway/console/).
 */
export interface FeedSource {
  on(listener: HubListener): () => void;
  retain(key: CandleKey): void;
  release(key: CandleKey): void;
  retainMarket(key: MarketKey): void;
  releaseMarket(key: MarketKey): void;
  subscriptionFailure(key: CandleKey): VenueErrorInfo | undefined;
  latestBook(key: MarketKey): OrderBook | undefined;
  latestQuote(key: MarketKey): Quote | undefined;
  marketFailure(key: MarketKey): VenueErrorInfo | undefined;
  /** A problem of a venue's market data worth its diagnostics (prints a client missed). */
  marketProblem(venue: VenueId, detail: string): void;
  forming(key: CandleKey): Candle | undefined;
  summaries(): VenueSummary[];
  orders(): Order[];
  readonly diagnostics: { snapshot(): ConnectionDiagnostics[] };
}

export type PushFn = <T extends TopicName>(topic: T, payload: TopicPayloads[T]) => void;

/** What both transports pass to every session they create. */
export interface BridgeDeps {
  /** The core in this process; a console on a gateway passes `feed` (and forwarding handlers) instead. */
  hub?: Hub;
  /** What pushes and local methods read; default the hub. */
  feed?: FeedSource;
  /** Venue modes and stored credentials; without it the credentials methods say there is no store. */
  modes?: VenueModes;
  version?: string;
  /** Where the log file is (app.info shows it; app.openLogs opens it where it can). */
  logs?: LogsLocation;
  /** Session recording, for recording.start/stop/status. */
  recording?: RecordingControl;
  /** What the trader should know about this start (the demo venues could not start, and why); read on each app.info. */
  notices?: () => readonly string[];
  log?: Logger;
  batchMs?: number;
  /** 0 turns the periodic diagnostics push off. */
  diagnosticsMs?: number;
  handlers?: Handlers;
  /** The app's wire inspector; each session holds its own views of it. */
  inspector?: WireInspector;
  /** batch sizes and renderer reports go to the metrics; the endpoint's switch. */
  metrics?: BridgeMetrics;
  metricsServer?: MetricsServerControl;
  /** Alert rules and webhooks; fired alerts are pushed to every client as topic `alert`. */
  alerts?: Alerts;
  /** Where fired alerts come from when the rules live elsewhere (a console's gateway); default `alerts`. */
  alertFeed?: { on(listener: (a: FiredAlert) => void): () => void };
}

/** Just the BridgeDeps of a transport's options, so nothing else rides along into sessions. */
export function bridgeDeps(o: BridgeDeps): BridgeDeps {
  const { hub, feed, modes, version, logs, notices, log, batchMs, diagnosticsMs, handlers, inspector, metrics, metricsServer, alerts, alertFeed, recording } = o;
  return {
    modes, version, logs, notices, log, batchMs, diagnosticsMs, handlers, inspector, metrics, metricsServer,
    ...(hub ? { hub } : {}),
    ...(feed ? { feed } : {}),
    ...(alerts ? { alerts } : {}),
    ...(alertFeed ? { alertFeed } : {}),
    ...(recording ? { recording } : {}),
  };
}

export interface SessionOptions extends BridgeDeps {
  transport: Transport;
  push: PushFn;
  /**
   * false: a client that is only asked, never pushed to (a console's client at its gateway, which
   * gets market data, orders and events over NATS): no feed listener, no batches, no diagnostics timer.
   */
  pushes?: false;
}

export class Session implements ClientContext {
  readonly hub: Hub | undefined;
  readonly clientId = randomUUID();
  private readonly feed: FeedSource;
  readonly modes: VenueModes | undefined;
  readonly transport: Transport;
  readonly version: string;
  readonly logs: LogsLocation | undefined;
  readonly recording: RecordingControl | undefined;
  readonly notices: () => readonly string[];
  readonly inspector: InspectorViews | undefined;
  readonly metrics: BridgeMetrics | undefined;
  readonly metricsServer: MetricsServerControl | undefined;
  readonly alerts: Alerts | undefined;
  private readonly unlistenAlerts: (() => void) | undefined;
  private inFlight = 0;
  private readonly subs = new Map<string, CandleKey>();
  /** Per key id: the key and how many of this client's subscriptions name it. */
  private readonly keyRefs = new Map<string, { key: CandleKey; count: number }>();
  /** The same for books, tapes and quotes. */
  private readonly marketSubs = new Map<string, MarketKey>();
  private readonly marketRefs = new Map<string, { key: MarketKey; count: number }>();
  private readonly batcher: Batcher;
  private readonly handlers: Handlers;
  private readonly log: Logger;
  private readonly push: PushFn;
  private readonly unlisten: () => void;
  private readonly diagTimer: ReturnType<typeof setInterval> | undefined;
  private isClosed = false;

  constructor(opts: SessionOptions) {
    this.hub = opts.hub;
    const feed = opts.feed ?? opts.hub;
    if (!feed) throw new Error('a session needs a hub or a feed');
    this.feed = feed;
    this.modes = opts.modes;
    this.transport = opts.transport;
    this.version = opts.version ?? '0.0.0';
    this.logs = opts.logs;
    this.recording = opts.recording;
    this.notices = opts.notices ?? (() => []);
    this.handlers = opts.handlers ?? defaultHandlers;
    this.log = opts.log ?? silentLogger;
    this.push = opts.push;
    this.inspector = opts.inspector ? new InspectorViews(opts.inspector) : undefined;
    this.metrics = opts.metrics;
    this.metricsServer = opts.metricsServer;
    const intervalMs = opts.batchMs ?? BATCH_INTERVAL_MS;
    this.batcher = new Batcher({
      intervalMs,
      send: (batch) => {
        this.safePush('batch', batch);
        this.metrics?.batchSent(this.transport, batch);
      },
      // The venue's diagnostics count what a flood made this client miss.
      onDroppedPrints: (byVenue) => {
        for (const [venue, n] of byVenue) {
          this.feed.marketProblem(venue, `${n} print(s) of the tape not sent to a ${this.transport} client: more than ${MAX_PRINTS_PER_BATCH} in one ${intervalMs} ms batch`);
        }
      },
    });
    this.unlisten = opts.pushes === false ? () => undefined : this.feed.on({
      candle: (c, keyId, receivedAt) => {
        if (this.keyRefs.has(keyId)) this.batcher.candle(c, receivedAt);
      },
      order: (u) => this.batcher.order(u.order),
      ledger: () => this.batcher.ledger(),
      connection: (e) => this.batcher.connection(e),
      subscriptionFailed: (key, err) => {
        if (this.keyRefs.has(candleKeyId(key))) this.batcher.subscriptionFailure(this.failureOf(key, err));
      },
      book: (b, keyId) => {
        if (this.marketRefs.has(keyId)) this.batcher.book(b, keyId);
      },
      quote: (q, keyId) => {
        if (this.marketRefs.has(keyId)) this.batcher.quote(q, keyId);
      },
      trades: (ts) => {
        if (this.marketRefs.size > 0) this.batcher.trades(this.heldPrints(ts));
      },
      marketFailed: (key, err) => {
        if (this.marketRefs.has(marketKeyId(key))) this.batcher.marketFailure(this.marketFailureOf(key, err));
      },
    });
    this.alerts = opts.alerts;
    // Every fired alert at once, never coalesced: the toast (and the browser's notification).
    this.unlistenAlerts = opts.pushes === false ? undefined : (opts.alertFeed ?? opts.alerts)?.on((a) => this.safePush('alert', a));
    const every = opts.pushes === false ? 0 : (opts.diagnosticsMs ?? DIAGNOSTICS_INTERVAL_MS);
    if (every > 0) {
      this.diagTimer = setInterval(() => {
        try {
          this.safePush('diagnostics', this.feed.diagnostics.snapshot());
        } catch (err) {
          this.log.error('diagnostics snapshot failed', err);
        }
      }, every);
      this.diagTimer.unref?.();
    }
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Prints this client's batches dropped because a window overflowed its cap. */
  get droppedPrints(): number {
    return this.batcher.droppedPrints;
  }

  /** This client's subscriptions: id → key. */
  subscriptions(): ReadonlyMap<string, CandleKey> {
    return this.subs;
  }

  /** Validates and runs one request; never throws. */
  async handle(method: unknown, payload: unknown): Promise<Result<unknown>> {
    if (this.isClosed) return failure('not-connected', 'session closed');
    const valid = validateRequest(method, payload);
    if (!valid.ok) return valid;
    if (this.inFlight >= MAX_IN_FLIGHT_PER_CLIENT) {
      return failure('rate-limited', `${MAX_IN_FLIGHT_PER_CLIENT} requests are already in flight; wait for their answers`);
    }
    // The handler table is keyed by the same name the validator narrowed; TS can't correlate them.
    const run = this.handlers[valid.method] as (req: unknown, ctx: ClientContext) => unknown;
    this.inFlight += 1;
    try {
      return { ok: true, value: await run(valid.request, this) };
    } catch (err) {
      return toFailure(err, this.log);
    } finally {
      this.inFlight -= 1;
    }
  }

  subscribe(key: CandleKey): string {
    if (this.isClosed) throw new HubError('not-connected', 'session closed');
    if (this.subs.size >= MAX_SUBSCRIPTIONS_PER_CLIENT) {
      throw new HubError('invalid', `at most ${MAX_SUBSCRIPTIONS_PER_CLIENT} subscriptions per client`);
    }
    this.feed.retain(key);
    const id = randomUUID();
    const keyId = candleKeyId(key);
    this.subs.set(id, key);
    const held = this.keyRefs.get(keyId);
    if (held) held.count += 1;
    else {
      this.keyRefs.set(keyId, { key, count: 1 });
      // Another client's chart may already know the venue refused this key: this one learns too.
      const failed = this.feed.subscriptionFailure(key);
      if (failed) this.batcher.subscriptionFailure(this.failureOf(key, failed));
    }
    return id;
  }

  unsubscribe(subscriptionId: string): void {
    const key = this.subs.get(subscriptionId);
    if (!key) throw new HubError('not-found', 'no such subscription');
    this.subs.delete(subscriptionId);
    const keyId = candleKeyId(key);
    const held = this.keyRefs.get(keyId);
    if (held && --held.count === 0) this.keyRefs.delete(keyId);
    this.feed.release(key);
  }

  /** Starts a book, tape or quote flow for this client; counted with candle subscriptions. */
  subscribeMarket(key: MarketKey): string {
    if (this.isClosed) throw new HubError('not-connected', 'session closed');
    if (this.subs.size + this.marketSubs.size >= MAX_SUBSCRIPTIONS_PER_CLIENT) {
      throw new HubError('invalid', `at most ${MAX_SUBSCRIPTIONS_PER_CLIENT} subscriptions per client`);
    }
    this.feed.retainMarket(key);
    const id = randomUUID();
    const keyId = marketKeyId(key);
    this.marketSubs.set(id, key);
    const held = this.marketRefs.get(keyId);
    if (held) held.count += 1;
    else {
      this.marketRefs.set(keyId, { key, count: 1 });
      // What the hub already has goes out at once: a second ladder on a book need not wait for a change.
      const book = key.stream === 'book' ? this.feed.latestBook(key) : undefined;
      if (book) this.batcher.book(book, keyId);
      const quote = key.stream === 'quote' ? this.feed.latestQuote(key) : undefined;
      if (quote) this.batcher.quote(quote, keyId);
      const failed = this.feed.marketFailure(key);
      if (failed) this.batcher.marketFailure(this.marketFailureOf(key, failed));
    }
    return id;
  }

  unsubscribeMarket(subscriptionId: string): void {
    const key = this.marketSubs.get(subscriptionId);
    if (!key) throw new HubError('not-found', 'no such subscription');
    this.marketSubs.delete(subscriptionId);
    const keyId = marketKeyId(key);
    const held = this.marketRefs.get(keyId);
    if (held && --held.count === 0) this.marketRefs.delete(keyId);
    this.feed.releaseMarket(key);
  }

  /** Current state, after flushing what is pending so `seq` names exactly what it includes. */
  snapshot(): Snapshot {
    this.batcher.flush();
    const candles = [];
    const subscriptionFailures: SubscriptionFailure[] = [];
    for (const { key } of this.keyRefs.values()) {
      const c = this.feed.forming(key);
      if (c) candles.push(c);
      const failed = this.feed.subscriptionFailure(key);
      if (failed) subscriptionFailures.push(this.failureOf(key, failed));
    }
    const books: OrderBook[] = [];
    const quotes: Quote[] = [];
    for (const { key } of this.marketRefs.values()) {
      const b = key.stream === 'book' ? this.feed.latestBook(key) : undefined;
      if (b) books.push(b);
      const q = key.stream === 'quote' ? this.feed.latestQuote(key) : undefined;
      if (q) quotes.push(q);
    }
    return { seq: this.batcher.seq, venues: this.feed.summaries(), candles, orders: this.feed.orders(), subscriptionFailures, books, quotes };
  }

  /** The client went away: release every subscription it held. Idempotent. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.unlisten();
    this.unlistenAlerts?.();
    if (this.diagTimer !== undefined) clearInterval(this.diagTimer);
    this.batcher.close();
    for (const id of [...this.subs.keys()]) this.unsubscribe(id);
    for (const id of [...this.marketSubs.keys()]) this.unsubscribeMarket(id);
    // A client that went away leaves no inspector view open, so the wire goes quiet again.
    this.inspector?.closeAll();
  }

  /** The prints of tapes this client holds. */
  private heldPrints(ts: readonly TradePrint[]): TradePrint[] {
    const out: TradePrint[] = [];
    for (const t of ts) {
      if (this.marketRefs.has(marketKeyId({ venue: t.venue, instrumentId: t.instrumentId, stream: 'trades' }))) out.push(t);
    }
    return out;
  }

  private marketFailureOf(key: MarketKey, err: VenueErrorInfo): MarketFailure {
    const f: MarketFailure = { venue: key.venue, instrumentId: key.instrumentId, stream: key.stream, error: this.errorOf(err) };
    if (key.depth !== undefined) f.depth = key.depth;
    return f;
  }

  /** A venue's refusal as it may cross the bridge: its text redacted and cut short. */
  private errorOf(err: VenueErrorInfo): SubscriptionError {
    return {
      kind: err.kind,
      code: redact(String(err.code)).slice(0, MAX_FAILURE_CODE_LENGTH),
      message: redact(String(err.message)).slice(0, MAX_FAILURE_MESSAGE_LENGTH),
      at: Number.isSafeInteger(err.at) && err.at >= 0 ? err.at : Date.now(),
    };
  }

  /**
   * What crosses the bridge of a venue's refusal: checked against the contract, the venue's text
   * redacted and cut short. A report that still fails the check is replaced, never passed on.
   */
  private failureOf(key: CandleKey, err: VenueErrorInfo): SubscriptionFailure {
    const candidate = {
      venue: key.venue,
      instrumentId: key.instrumentId,
      interval: key.interval,
      error: this.errorOf(err),
    };
    const parsed = subscriptionFailureSchema.safeParse(candidate);
    if (parsed.success) return parsed.data;
    this.log.warn(`${candleKeyId(key)}: a subscription failure report did not fit the contract`);
    return { ...candidate, error: { kind: 'internal', code: 'unreadable', message: 'the venue refused this chart; its reason could not be read', at: candidate.error.at } };
  }

  private safePush<T extends TopicName>(topic: T, payload: TopicPayloads[T]): void {
    if (this.isClosed) return;
    try {
      this.push(topic, payload);
    } catch (err) {
      this.log.warn(`push ${topic} failed`, err);
    }
  }
}
