/**
 * The interface every venue adapter implements. Adapters are the only code that knows a
 * wire format; they report through `VenueSink` in domain types and throw only `VenueError`.
 */
import type {
  Account,
  Candle,
  CandleKey,
  ConnectionState,
  DeadManSwitchState,
  ErrorKind,
  Instrument,
  Interval,
  LimiterHeadroom,
  BreakerState,
  MarketKey,
  OrderBook,
  OrderEvidence,
  OrderRequest,
  OrderType,
  AmendRequest,
  TimeInForce,
  Quote,
  TradePrint,
  Portfolio,
  TradeRecord,
  VenueErrorInfo,
  VenueId,
  VenueMode,
} from '../../common/domain.js';

/** A venue failure mapped to one of the typed kinds, keeping the venue's own code and text. */
export class VenueError extends Error {
  override readonly name = 'VenueError';
  readonly kind: ErrorKind;
  readonly code: string;
  readonly trackingId: string | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(
    kind: ErrorKind,
    code: string,
    message: string,
    extra: { trackingId?: string | undefined; retryAfterMs?: number | undefined; cause?: unknown } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.kind = kind;
    this.code = code;
    this.trackingId = extra.trackingId;
    this.retryAfterMs = extra.retryAfterMs;
  }

  info(at = Date.now()): VenueErrorInfo {
    const out: VenueErrorInfo = { kind: this.kind, code: this.code, message: this.message, at };
    if (this.trackingId !== undefined) out.trackingId = this.trackingId;
    if (this.retryAfterMs !== undefined) out.retryAfterMs = this.retryAfterMs;
    return out;
  }
}

export function isVenueError(e: unknown): e is VenueError {
  return e instanceof VenueError;
}

/**
 * What one connection of a venue reports about itself; the core turns it into the
 * diagnostics stream. One reporter per socket or stream, owned by its adapter.
 */
export interface ConnectionReporter {
  state(state: ConnectionState, reason: string): void;
  /** A frame arrived (data or ping); `bytes`: its size as received, when the adapter knows it without work. */
  message(bytes?: number): void;
  reconnect(): void;
  /**
   * A frame failed validation and was skipped. `detail` says why in our words (no venue bytes);
   * `frame` is the frame as received (text, or protobuf as JSON), redacted and kept for inspection.
   */
  malformed(detail: string, frame?: string): void;
  /** The venue's clock minus ours, in ms, as its own timestamps show it. */
  clockSkew(ms: number): void;
  error(err: VenueErrorInfo): void;
  pingRtt(ms: number): void;
  subscriptions(pending: number, confirmed: number): void;
  limiters(l: LimiterHeadroom[]): void;
  breakers(b: BreakerState[]): void;
  /** The venue's dead man's switch as it now stands; only venues that have one report it. */
  deadManSwitch?(s: DeadManSwitchState): void;
}

/** A reporter that keeps nothing, for tools and benchmarks that don't watch diagnostics. */
export const SILENT_REPORTER: ConnectionReporter = {
  state: () => undefined,
  message: () => undefined,
  reconnect: () => undefined,
  malformed: () => undefined,
  clockSkew: () => undefined,
  error: () => undefined,
  pingRtt: () => undefined,
  subscriptions: () => undefined,
  limiters: () => undefined,
  breakers: () => undefined,
};

/** Market-data handlers that keep nothing, for tools and benchmarks that read only candles or orders. */
export const IGNORE_MARKET: Pick<VenueSink, 'book' | 'trades' | 'quote' | 'marketFailed'> = {
  book: () => undefined,
  trades: () => undefined,
  quote: () => undefined,
  marketFailed: () => undefined,
};

/**
 * Wraps a reporter so nothing but a final `closed` gets through after the adapter closed
 * ("no events after close"). Plain closures, no rest/spread: message() runs for every frame.
 */
export function gatedReporter(inner: ConnectionReporter, isOpen: () => boolean): ConnectionReporter {
  return {
    state: (s, reason) => {
      if (isOpen() || s === 'closed') inner.state(s, reason);
    },
    message: (bytes) => {
      if (isOpen()) inner.message(bytes);
    },
    reconnect: () => {
      if (isOpen()) inner.reconnect();
    },
    malformed: (d, f) => {
      if (isOpen()) inner.malformed(d, f);
    },
    clockSkew: (ms) => {
      if (isOpen()) inner.clockSkew(ms);
    },
    error: (e) => {
      if (isOpen()) inner.error(e);
    },
    pingRtt: (ms) => {
      if (isOpen()) inner.pingRtt(ms);
    },
    subscriptions: (p, c) => {
      if (isOpen()) inner.subscriptions(p, c);
    },
    limiters: (l) => {
      if (isOpen()) inner.limiters(l);
    },
    breakers: (b) => {
      if (isOpen()) inner.breakers(b);
    },
    deadManSwitch: (d) => {
      if (isOpen()) inner.deadManSwitch?.(d);
    },
  };
}

/** Wraps a sink so nothing is reported after the adapter closed; one reporter per name. */
export function gatedSink(sink: VenueSink, isOpen: () => boolean): VenueSink {
  const reporters = new Map<string, ConnectionReporter>();
  return {
    candle: (c) => {
      if (isOpen()) sink.candle(c);
    },
    order: (u) => {
      if (isOpen()) sink.order(u);
    },
    subscriptionFailed: (k, e) => {
      if (isOpen()) sink.subscriptionFailed(k, e);
    },
    book: (b) => {
      if (isOpen()) sink.book(b);
    },
    trades: (t) => {
      if (isOpen()) sink.trades(t);
    },
    quote: (q) => {
      if (isOpen()) sink.quote(q);
    },
    marketFailed: (k, e) => {
      if (isOpen()) sink.marketFailed(k, e);
    },
    connection: (name) => {
      let r = reporters.get(name);
      if (!r) {
        r = gatedReporter(sink.connection(name), isOpen);
        reporters.set(name, r);
      }
      return r;
    },
  };
}

/** Where an adapter sends what it learns. */
export interface VenueSink {
  candle(c: Candle): void;
  /** Evidence about one order (stream events, fills); the core's state machine folds it in. */
  order(ev: OrderEvidence): void;
  /**
   * The venue refused a candle subscription, or never confirmed it within its bound (unknown
   * instrument, limit reached). The key stays held by the core; the chart says why. A later
   * candle for the key means it recovered.
   */
  subscriptionFailed(key: CandleKey, err: VenueErrorInfo): void;
  /**
   * The book as it now stands, top `depth` levels, after every update the adapter applied and
   * verified. The adapter may call it once per frame; the core coalesces.
   */
  book(b: OrderBook): void;
  /** New prints, oldest first (a snapshot's prints too: the core drops ids it has seen). */
  trades(t: TradePrint[]): void;
  /** The instrument's quote as it now stands (a full picture, not a delta: absent = unknown). */
  quote(q: Quote): void;
  /** Like subscriptionFailed, for books, trades and quotes. A later event of the key means it recovered. */
  marketFailed(key: MarketKey, err: VenueErrorInfo): void;
  /** Creates (or returns) the reporter of one named connection. */
  connection(name: string): ConnectionReporter;
}

export interface HistoryRequest extends CandleKey {
  /** Candles with open time < `before` (UTC s); omitted = up to now, including the forming one. */
  before?: number;
  /** Candles with open time >= `from` (UTC s). */
  from?: number;
  /** Most recent `limit` candles of the range. */
  limit: number;
}

export interface Venue {
  readonly id: VenueId;
  readonly mode: VenueMode;
  readonly name: string;
  readonly intervals: readonly Interval[];

  /** Opens connections; resolves when usable, rejects with VenueError (e.g. auth). */
  connect(): Promise<void>;
  /** Closes everything; no events after it resolves. */
  close(): Promise<void>;

  accounts(): Promise<Account[]>;
  searchInstruments(query: string, limit: number): Promise<Instrument[]>;
  instrument(id: string): Promise<Instrument>;

  /** Ascending by time, no duplicates. */
  history(req: HistoryRequest): Promise<Candle[]>;

  /** Starts the live flow for a key; idempotent. The core reference-counts callers. */
  subscribeCandles(key: CandleKey): void;
  unsubscribeCandles(key: CandleKey): void;

  /** Book depths this venue streams (ascending). */
  readonly bookDepths: readonly number[];
  /** Order types and times in force this venue takes (the ticket offers only these). */
  readonly orderTypes: readonly OrderType[];
  readonly timeInForce: readonly TimeInForce[];
  /**
   * Starts a book, tape or quote flow for a key; idempotent; the core reference-counts callers.
   * A book key's depth is one of `bookDepths`. Failures go to sink.marketFailed.
   */
  subscribeMarket(key: MarketKey): void;
  unsubscribeMarket(key: MarketKey): void;

  /**
   * Order entry; absent until the venue supports it. The core has committed the intent to its
   * journal before calling; the adapter keeps no order state beyond wire bookkeeping (ids).
   * placeOrder resolves with the venue's answer as evidence ('accepted', or 'status' when the
   * answer already shows it filled or cancelled); rejects with VenueError kind 'rejected'
   * (or 'invalid', 'rate-limited', 'unavailable') only when the venue surely did not take
   * it, and with kind 'unknown-outcome' when the answer was lost. A retry after a crash sends
   * the same clientOrderId: the venue's idempotency key.
   */
  placeOrder?(req: OrderRequest): Promise<OrderEvidence>;
  /**
   * Cancels one order. `venueOrderId` when the core knows it. Resolves with the venue's
   * evidence (usually 'status' cancelled; 'status' filled if it filled first; 'not-found').
   * A lost answer rejects with kind 'unknown-outcome'.
   */
  cancelOrder?(accountId: string, clientOrderId: string, venueOrderId?: string): Promise<OrderEvidence>;
  /**
   * Changes a working order's price, trigger or size. `venueOrderId` is the order's current
   * venue id. Resolves with 'status' evidence carrying `amended` (the new terms, and the new
   * venue id when the venue made one); rejects like placeOrder (kind 'rejected' = not amended,
   * the order stands as it was; 'unknown-outcome' = the answer was lost).
   */
  amendOrder?(req: AmendRequest, venueOrderId: string | undefined): Promise<OrderEvidence>;
  /** Cancels every open order of the account; resolves with how many it cancelled. */
  cancelAll?(accountId: string): Promise<number>;
  /** The venue's open orders of the account, as 'status' evidence with terms. */
  openOrders?(accountId: string): Promise<OrderEvidence[]>;
  /**
   * What the venue holds for one order of ours whose state is unknown (its answer was lost, or
   * the app died while it was in flight): 'status' (with fills when the venue lists them), or
   * 'not-found' only when the venue surely does not hold it (T-Invest: GetOrderState by the
   * request id; Kraken: QueryOrders/OpenOrders/ClosedOrders by cl_ord_id). Rejects with a
   * VenueError when it cannot tell now.
   */
  resolveOrder?(accountId: string, clientOrderId: string, hint: ResolveHint): Promise<OrderEvidence>;
  /**
   * The venue's own history of the account since `sinceMs` (ms since epoch): orders as
   * 'status' evidence with terms (orders placed elsewhere included), and executed trades with
   * their fees. Paged by the adapter within the venue's limits.
   */
  accountHistory?(accountId: string, sinceMs: number): Promise<VenueHistory>;
  portfolio?(accountId: string): Promise<Portfolio>;
}

/** What the core knows of an order it asks the venue to resolve. */
export interface ResolveHint {
  venueOrderId?: string;
  instrumentId: string;
  /** ms since epoch when the intent was committed: the venue's order, if any, is no older. */
  sentAt: number;
  /** Amend ids sent for this order, oldest first (T-Invest's replace makes new request ids). */
  amendIds?: string[];
}

export interface VenueHistory {
  orders: OrderEvidence[];
  trades: TradeRecord[];
}

export interface VenueFactoryContext {
  sink: VenueSink;
  /** ms clock, injectable for tests. */
  now?: () => number;
}
