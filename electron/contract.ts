/**
 * The bridge contract: every method (request → result) and topic (pushed) with its zod
 * schema. Both transports validate requests here; the renderer imports only its types.
 */
import { z } from 'zod';
import {
  CONNECTION_STATES,
  ERROR_KINDS,
  INTERVALS,
  MARKET_STREAMS,
  ORDER_TYPES,
  PRICED_ORDER_TYPES,
  TIME_IN_FORCE,
  TRAILING_ORDER_TYPES,
  TRIGGER_ORDER_TYPES,
  VENUE_IDS,
} from '../common/domain.js';
import { isDecText } from '../common/decimal.js';
import { storeCredentialsRequestSchema } from './credentials.js';
import type { CredentialStatus } from './credential-types.js';
import type {
  Candle,
  CandleKey,
  ConnectionDiagnostics,
  ErrorKind,
  Instrument,
  MarketKey,
  Order,
  OrderBook,
  PositionPnl,
  Quote,
  TradePrint,
  TradeRecord,
  Portfolio,
  VenueId,
} from '../common/domain.js';
import { METHOD_NAMES, TOPIC_NAMES, type MethodName, type TopicName } from './contract-names.js';
import type { CancelAllResult, ConnectionEvent, VenueSummary } from './core/types.js';
import type { InspectorOpened, InspectorRead } from './inspector/types.js';
import { TICK_TO_SCREEN_BUCKETS_MS } from '../common/perf-buckets.js';
import type { AckSummary } from './core/ack-latency.js';
import { alertRuleInputSchema, entityId, webhookSaveSchema } from './alerts/rule-schema.js';
import type { AlertRule, Delivery, FiredAlert, WebhookEndpoint } from './alerts/types.js';

export { METHOD_NAMES, TOPIC_NAMES, MAX_REQUEST_BYTES } from './contract-names.js';
export type { MethodName, TopicName } from './contract-names.js';
export type { CancelAllAccountReport, CancelAllResult, CancelAllVenueReport, ConnectionEvent, Reason, VenueSummary } from './core/types.js';
export type { CredentialStatus, VenueCredentialStatus } from './credential-types.js';
export type { InspectorConnection, InspectorFilter, InspectorFrame, InspectorOpened, InspectorRead } from './inspector/types.js';
export type {
  AlertChannels,
  AlertKind,
  AlertRule,
  AlertRuleInput,
  ConnectionRule,
  Delivery,
  DeliveryAttempt,
  DeliveryState,
  FiredAlert,
  OrderAlertEvent,
  OrderRule,
  PriceRule,
  WebhookEndpoint,
  WebhookPreset,
} from './alerts/types.js';

const venueId = z.enum(VENUE_IDS);
const interval = z.enum(INTERVALS);
/** Venue instrument ids: figi/uid/pair ids; bounded and printable. */
const instrumentId = z.string().min(1).max(64).regex(/^[\w./:-]+$/);
const empty = z.object({}).strict();
/** A connection's name ('public', 'marketdata#0'); bounded and printable. */
const inspectorWord = z.string().min(1).max(64).regex(/^[\w.#:/-]+$/);
const inspectorViewId = z.string().uuid();
const accountId = z.string().min(1).max(64).regex(/^[\w-]+$/);
/** Exact decimal text, never a JSON number: floats would already have lost the digits. */
const decimal = z
  .string()
  .max(40)
  .refine((s) => isDecText(s), 'must be a plain decimal like "12.5"');
const positiveDecimal = decimal.refine((s) => /[1-9]/.test(s) && !s.startsWith('-'), 'must be greater than zero');
/** Made by the ticket once, before the first send; the idempotency key all the way to the venue. */
const clientOrderId = z.string().uuid();

/** The most a request may ask for: a gateway's answer holding more is not an answer to it (answer-schemas.ts). */
export const MAX_SEARCH_RESULTS = 200;
export const MAX_TRADES_READ = 10_000;
export const MAX_ALERT_HISTORY_READ = 500;
export const MAX_DEAD_LETTERS_READ = 1000;

// ── the renderer's performance report, acknowledgement latency, the metrics server setting ──
/** A report covers a few seconds: more samples than this in one is a bug or an attack. */
export const MAX_PERF_REPORT_SAMPLES = 100_000;
/** The slowest sample a report may hold, in ms (a tick drawn 10 minutes late is still counted). */
export const MAX_PERF_SAMPLE_MS = 600_000;
const metricsRequestSchemas = {
  /** The renderer's tick-to-screen samples since its last report, counted into TICK_TO_SCREEN_BUCKETS_MS (common/perf-buckets.ts). */
  'perf.report': z
    .object({
      tickToScreen: z
        .object({
          buckets: z.array(z.number().int().min(0).max(MAX_PERF_REPORT_SAMPLES)).length(TICK_TO_SCREEN_BUCKETS_MS.length + 1),
          sumMs: z.number().min(0).max(MAX_PERF_REPORT_SAMPLES * MAX_PERF_SAMPLE_MS),
          count: z.number().int().min(0).max(MAX_PERF_REPORT_SAMPLES),
        })
        .strict()
        .refine((t) => t.buckets.reduce((a, b) => a + b, 0) === t.count, 'count must be the sum of the buckets')
        .refine((t) => t.sumMs <= t.count * MAX_PERF_SAMPLE_MS, 'sumMs is more than count samples can add up to'),
    })
    .strict(),
  /** Acknowledgement latency per venue, kind (place/cancel/amend) and order type (the diagnostics panel). */
  'orders.ackLatency': empty,
  /** The metrics endpoint: whether it is served, where, and whether this app lets the trader change it. */
  'metricsServer.get': empty,
  /** Desktop app: serves GET /metrics on 127.0.0.1:port (never another host from here); kept across restarts. */
  'metricsServer.set': z.object({ enabled: z.boolean(), port: z.number().int().min(1024).max(65_535) }).strict(),
};

export const requestSchemas = {
  ...metricsRequestSchemas,
  'app.info': empty,
  /** A console attached to a gateway: its link (state, RTT, replay position); null with a core of its own. */
  'gateway.link': empty,
  /** Asks the desktop app to open its logs folder; headless can't, and says where it is. */
  'app.openLogs': empty,
  'venues.list': empty,
  /** With a mode other than the running one, switches first; sandbox and live use the stored credentials. */
  'venues.connect': z.object({ venue: venueId, mode: z.enum(['demo', 'sandbox', 'live']).optional() }).strict(),
  'venues.disconnect': z.object({ venue: venueId }).strict(),
  /** An empty query lists the venue's first `limit` instruments, tradable ones first. */
  'instruments.search': z
    .object({ venue: venueId, query: z.string().max(64), limit: z.number().int().min(1).max(MAX_SEARCH_RESULTS).default(50) })
    .strict(),
  'candles.history': z
    .object({
      venue: venueId,
      instrumentId,
      interval,
      /** Candles opening strictly before this UTC second; omitted = up to now. */
      before: z.number().int().min(0).max(4_102_444_800).optional(),
      limit: z.number().int().min(1).max(5000).default(500),
    })
    .strict(),
  'candles.subscribe': z.object({ venue: venueId, instrumentId, interval }).strict(),
  'candles.unsubscribe': z.object({ subscriptionId: z.string().min(1).max(64) }).strict(),
  /** A book (with depth), the trade tape or the quote of an instrument; pushed in batches. */
  'market.subscribe': z
    .object({
      venue: venueId,
      instrumentId,
      stream: z.enum(MARKET_STREAMS),
      depth: z.number().int().min(1).max(1000).optional(),
    })
    .strict()
    .refine((k) => (k.stream === 'book') === (k.depth !== undefined), {
      message: 'a book subscription needs a depth, and only a book takes one',
      path: ['depth'],
    }),
  'market.unsubscribe': z.object({ subscriptionId: z.string().min(1).max(64) }).strict(),
  'session.snapshot': empty,
  'diagnostics.get': empty,
  'instruments.get': z.object({ venue: venueId, instrumentId }).strict(),
  'orders.place': z
    .object({
      venue: venueId,
      accountId,
      instrumentId,
      side: z.enum(['buy', 'sell']),
      type: z.enum(ORDER_TYPES),
      quantity: positiveDecimal,
      price: positiveDecimal.optional(),
      triggerPrice: positiveDecimal.optional(),
      trailingOffset: z.object({ value: positiveDecimal, unit: z.enum(['price', 'percent']) }).strict().optional(),
      timeInForce: z.enum(TIME_IN_FORCE).optional(),
      expireAt: z.number().int().min(0).max(4_102_444_800_000).optional(),
      postOnly: z.boolean().optional(),
      clientOrderId,
    })
    .strict()
    .refine((o) => PRICED_ORDER_TYPES.has(o.type) === (o.price !== undefined), {
      message: 'limit and stop-limit orders need a price; market and stop orders take none',
      path: ['price'],
    })
    .refine((o) => !TRIGGER_ORDER_TYPES.has(o.type) || TRAILING_ORDER_TYPES.has(o.type) || o.triggerPrice !== undefined, {
      message: 'a stop or take-profit order needs a trigger price',
      path: ['triggerPrice'],
    })
    .refine((o) => TRIGGER_ORDER_TYPES.has(o.type) || o.triggerPrice === undefined, {
      message: 'only stop and take-profit orders take a trigger price',
      path: ['triggerPrice'],
    })
    .refine((o) => TRAILING_ORDER_TYPES.has(o.type) === (o.trailingOffset !== undefined), {
      message: 'a trailing stop needs a trailing offset, and only a trailing stop takes one',
      path: ['trailingOffset'],
    })
    .refine((o) => (o.timeInForce === 'gtd') === (o.expireAt !== undefined), {
      message: 'good-till-date needs an expiry time, and only good-till-date takes one',
      path: ['expireAt'],
    })
    .refine((o) => o.postOnly !== true || o.type === 'limit', {
      message: 'post-only is for limit orders',
      path: ['postOnly'],
    }),
  'orders.cancel': z.object({ venue: venueId, accountId, clientOrderId: z.string().min(1).max(64) }).strict(),
  /** Changes a working order's price, trigger or size; `amendId` is made once per amend (idempotency key). */
  'orders.amend': z
    .object({
      venue: venueId,
      accountId,
      clientOrderId: z.string().min(1).max(64),
      price: positiveDecimal.optional(),
      quantity: positiveDecimal.optional(),
      triggerPrice: positiveDecimal.optional(),
      amendId: clientOrderId,
    })
    .strict()
    .refine((a) => a.price !== undefined || a.quantity !== undefined || a.triggerPrice !== undefined, {
      message: 'an amend changes the price, the trigger price or the quantity',
      path: ['price'],
    }),
  /** Omitted venue = every connected venue (the panic key). */
  'orders.cancelAll': z.object({ venue: venueId.optional() }).strict(),
  'orders.list': z.object({ venue: venueId.optional() }).strict(),
  /** Executed trades (own fills and the venue's history), newest first. */
  'trades.list': z.object({ venue: venueId.optional(), limit: z.number().int().min(1).max(MAX_TRADES_READ).default(1000) }).strict(),
  /** Realized and unrealized P&L per instrument and account. */
  'positions.pnl': z.object({ venue: venueId.optional() }).strict(),
  /** Orders or trades as CSV text, for the renderer to save. */
  'history.exportCsv': z.object({ what: z.enum(['orders', 'trades']), venue: venueId.optional() }).strict(),
  'portfolio.get': z.object({ venue: venueId, accountId }).strict(),
  'credentials.store': storeCredentialsRequestSchema,
  'credentials.delete': z.object({ venue: venueId }).strict(),
  'credentials.status': empty,
  /** Per venue: whether its open orders are cancelled when the app quits. */
  'quitSettings.get': empty,
  /** Kept across restarts; off for every venue unless turned on here. */
  'quitSettings.set': z.object({ venue: venueId, cancelOnQuit: z.boolean() }).strict(),
  /** The wire inspector: a view of the last frames, narrowed by venue, connection and a part of the channel. */
  'inspector.open': z
    .object({ venue: venueId.optional(), connection: inspectorWord.optional(), channel: z.string().max(128).optional() })
    .strict(),
  /** Frames of the view after `after` (default: where its last read ended). */
  'inspector.read': z.object({ viewId: inspectorViewId, after: z.number().int().nonnegative().optional(), limit: z.number().int().min(1).max(500).optional() }).strict(),
  'inspector.close': z.object({ viewId: inspectorViewId }).strict(),
  // Alerts (electron/alerts/): rules, fired history, webhooks; a webhook's secret is write-only.
  'alerts.list': empty,
  'alerts.create': alertRuleInputSchema,
  /** Replaces the rule's terms; re-arms a spent one. */
  'alerts.update': z.object({ id: entityId, rule: alertRuleInputSchema }).strict(),
  'alerts.delete': z.object({ id: entityId }).strict(),
  /** Fired alerts, newest first. */
  'alerts.history': z.object({ limit: z.number().int().min(1).max(MAX_ALERT_HISTORY_READ).default(100) }).strict(),
  'alerts.deadLetters': z.object({ limit: z.number().int().min(1).max(MAX_DEAD_LETTERS_READ).default(200) }).strict(),
  /** Sends a dead delivery again, same id and body. */
  'alerts.resend': z.object({ deliveryId: entityId }).strict(),
  'webhooks.list': empty,
  'webhooks.save': webhookSaveSchema,
  'webhooks.delete': z.object({ id: entityId }).strict(),
  /** Sends a test alert through the real delivery path (retries, dead letter). */
  'webhooks.test': z.object({ id: entityId }).strict(),
  /** Session recording (docs/recording.md): every venue frame to <dataDir>/recordings, for `npm run replay`. */
  'recording.status': empty,
  'recording.start': empty,
  'recording.stop': empty,
} satisfies Record<MethodName, z.ZodType>;

export type MethodRequest<M extends MethodName> = z.input<(typeof requestSchemas)[M]>;
export type ParsedRequest<M extends MethodName> = z.output<(typeof requestSchemas)[M]>;

export interface AppInfo {
  version: string;
  transport: 'ipc' | 'websocket' | 'nats';
  /** A console attached to a gateway: where (servers, without credentials). */
  gateway?: { servers: string[] };
  /** Version of the contract, so a stale renderer build is noticed. */
  contract: number;
  /** Where the log a trader can send us is; absent when this app writes none. */
  logs?: LogsInfo;
  /** What the trader should know about this start, in words: say, that the demo venues could not start, and why. */
  notices?: string[];
}

export interface LogsInfo {
  folder: string;
  file: string;
  /** Whether `app.openLogs` can open the folder here (the desktop app can; a browser tab can't). */
  canOpen: boolean;
}

/** One push: candles are the latest state per key; orders and connection changes are every event, in order. */
export interface PushBatch {
  seq: number;
  candles: Candle[];
  /**
   * When each candle above reached the main process: `sentAt` - age / 1000, by index.
   * `sentAt` is wall-clock ms when the batch was made (wallClock(): performance's timeOrigin +
   * now(), which a page on the same machine reads alike); ages are whole µs, cheap to write
   * and read. For a bar updated more than once in the window, the age of its oldest update not
   * sent before, so tick-to-screen counts the wait coalescing adds. Absent without candles.
   */
  sentAt?: number;
  candlesAgeUs?: number[];
  orders: Order[];
  connections: ConnectionEvent[];
  /**
   * Keys of this client the venue refused or never confirmed since the last batch (latest per
   * key); absent when there are none. A later candle of the key means it recovered.
   */
  subscriptionFailures?: SubscriptionFailure[];
  /** Present when the trade ledger changed (fills, fees or trades from the venue's history): reload trades and P&L. */
  ledger?: true;
  /** Latest book per subscribed book key since the last batch; absent when none changed. */
  books?: OrderBook[];
  /** New prints of subscribed tapes since the last batch, oldest first; absent when none. */
  trades?: TradePrint[];
  /** Latest quote per subscribed instrument since the last batch; absent when none changed. */
  quotes?: Quote[];
  /** Book, tape or quote keys of this client the venue refused since the last batch. */
  marketFailures?: MarketFailure[];
}

/** Why a venue is not delivering a book, tape or quote key. */
export interface MarketFailure extends MarketKey {
  error: SubscriptionError;
}

/** Why a venue is not delivering a subscribed key; the chart of the key says it. */
export interface SubscriptionFailure extends CandleKey {
  error: SubscriptionError;
}

export interface SubscriptionError {
  kind: ErrorKind;
  /** The venue's own code. */
  code: string;
  /** The venue's words, redacted and cut short. */
  message: string;
  /** ms since epoch. */
  at: number;
}

export const MAX_FAILURE_CODE_LENGTH = 64;
export const MAX_FAILURE_MESSAGE_LENGTH = 300;

/** What a subscription failure must be before it crosses the bridge: the venue's text is untrusted. */
export const subscriptionFailureSchema = z
  .object({
    venue: venueId,
    instrumentId,
    interval,
    error: z
      .object({
        kind: z.enum(ERROR_KINDS),
        code: z.string().max(MAX_FAILURE_CODE_LENGTH),
        message: z.string().max(MAX_FAILURE_MESSAGE_LENGTH),
        at: z.number().int().nonnegative(),
      })
      .strict(),
  })
  .strict() satisfies z.ZodType<SubscriptionFailure>;

export interface Snapshot {
  /** The seq of the last batch sent before this snapshot; batches after it follow on. */
  seq: number;
  venues: VenueSummary[];
  /** The forming (last) candle of every subscribed key. */
  candles: Candle[];
  orders: Order[];
  /** This client's keys that the venue is not delivering now, with why. */
  subscriptionFailures: SubscriptionFailure[];
  /** The latest book and quote of every book and quote key this client holds. */
  books: OrderBook[];
  quotes: Quote[];
}

/** Whether venue sessions are being recorded, and the files of the current (or last) recording. */
export interface RecordingStatus {
  recording: boolean;
  /** Wall-clock ms the current or last recording started. */
  startedAt?: number;
  files: { venue: string; file: string; events: number; bytes: number }[];
}

export interface MethodResults {
  'app.info': AppInfo;
  'app.openLogs': null;
  'venues.list': VenueSummary[];
  'venues.connect': VenueSummary;
  'venues.disconnect': VenueSummary;
  'instruments.search': Instrument[];
  'candles.history': Candle[];
  'candles.subscribe': { subscriptionId: string };
  'candles.unsubscribe': null;
  'market.subscribe': { subscriptionId: string };
  'market.unsubscribe': null;
  'session.snapshot': Snapshot;
  'diagnostics.get': ConnectionDiagnostics[];
  'instruments.get': Instrument;
  /** The order as the venue acknowledged it; `unknown` when the answer was lost. */
  'orders.place': Order;
  'orders.cancel': Order;
  /** The order as the venue confirmed the amend; `unknown` when the answer was lost. */
  'orders.amend': Order;
  'orders.cancelAll': CancelAllResult;
  /** Every order the journal holds (across restarts), newest first: open ones and history. */
  'orders.list': Order[];
  'trades.list': TradeRecord[];
  'positions.pnl': PositionPnl[];
  /** `filename` is a suggestion ("switchboard-orders-2026-12-06.csv"); `csv` is RFC 4180 text. */
  'history.exportCsv': { filename: string; csv: string; rows: number };
  'portfolio.get': Portfolio;
  /** What is stored now; never the secret itself. */
  'credentials.store': CredentialStatus;
  'credentials.delete': CredentialStatus;
  'credentials.status': CredentialStatus;
  'quitSettings.get': QuitSettings;
  'quitSettings.set': QuitSettings;
  'inspector.open': InspectorOpened;
  'inspector.read': InspectorRead;
  'inspector.close': null;
  'alerts.list': AlertRule[];
  'alerts.create': AlertRule;
  'alerts.update': AlertRule;
  'alerts.delete': null;
  'alerts.history': FiredAlert[];
  'alerts.deadLetters': Delivery[];
  'alerts.resend': Delivery;
  /** Never a secret: `secretSet` says whether one is in the vault. */
  'webhooks.list': WebhookEndpoint[];
  'webhooks.save': WebhookEndpoint;
  'webhooks.delete': null;
  'webhooks.test': Delivery;
  'recording.status': RecordingStatus;
  'recording.start': RecordingStatus;
  'recording.stop': RecordingStatus;
}

/** What the app does with each venue's open orders when it quits. */
export interface QuitSettings {
  /** true: the venue's open orders are cancelled on quit (after orders in flight are answered). */
  cancelOnQuit: Record<VenueId, boolean>;
}

export interface TopicPayloads {
  batch: PushBatch;
  diagnostics: ConnectionDiagnostics[];
  /** One fired alert, as it fires: the toast and, once allowed, the browser's notification. */
  alert: FiredAlert;
}

/** Codes a bridge failure can carry: the venue error kinds plus the bridge's own. */
export const BRIDGE_ERROR_CODES = [
  ...ERROR_KINDS,
  'no-secure-storage',
  'unknown-method',
  'bad-request',
  'too-large',
  'not-found',
  'not-connected',
] as const;
export type BridgeErrorCode = (typeof BRIDGE_ERROR_CODES)[number];

export interface BridgeFailure {
  ok: false;
  code: BridgeErrorCode;
  message: string;
  /** The venue's own error, when a venue caused it. */
  venue?: { code: string; trackingId?: string };
}

export type Result<T> = { ok: true; value: T } | BridgeFailure;

export const CONTRACT_VERSION = 4;

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && (METHOD_NAMES as readonly string[]).includes(name);
}

export function isTopicName(name: unknown): name is TopicName {
  return typeof name === 'string' && (TOPIC_NAMES as readonly string[]).includes(name);
}

/** Unused at runtime; keeps the state list and the schema module in step for type tests. */
export const connectionStateSchema = z.enum(CONNECTION_STATES);

/** The renderer's view of the bridge; both transports implement it. */
export interface BridgeApi {
  invoke<M extends MethodName>(method: M, request: MethodRequest<M>): Promise<Result<MethodResults[M]>>;
  subscribe<T extends TopicName>(topic: T, listener: (payload: TopicPayloads[T]) => void): () => void;
}

// ── metrics results (merged into MethodResults) ──
export type { AckSummary } from './core/ack-latency.js';
export type { GatewayLinkStatus } from './gateway/link-status.js';
import type { GatewayLinkStatus } from './gateway/link-status.js';

/** Where the metrics endpoint is served, and who decides it. */
export interface MetricsServerStatus {
  /** setting: the desktop app's Settings; flag: headless --metrics (fixed for the run); none: this app offers no endpoint. */
  source: 'setting' | 'flag' | 'none';
  enabled: boolean;
  /** The port the setting asks for (setting), or listened on (flag). */
  port?: number;
  /** http://host:port/metrics while served. */
  url?: string;
  /** Why it is not served although enabled (the port is taken…), in words. */
  error?: string;
}

export interface MethodResults {
  'perf.report': null;
  'orders.ackLatency': AckSummary[];
  'metricsServer.get': MetricsServerStatus;
  'metricsServer.set': MetricsServerStatus;
  'gateway.link': GatewayLinkStatus | null;
}
