/**
 * Gateway mode's NATS protocol: the subjects, who may use which, and the messages. The gateway
 * (electron/gateway/server/) runs the core once; consoles (electron/gateway/console/) attach to it
 * and serve their renderer the same bridge contract as a core of their own.
 *
 * Subjects (the NATS config in docs/gateway.md grants them per role):
 * - `sb.req.<method>` reads and the console's own control (`sb.req.gw.*`): every console.
 * - `sb.cmd.<method>` orders (place, cancel, cancel all, amend): trading consoles.
 * - `sb.admin.<method>` venue connections, credentials, alerts, recording: the desk lead.
 * - `sb.md.<kind>.<venue>.<instrument>[.<interval|depth>]` market data, published by the gateway,
 *   coalesced and sequenced per subject; instrument ids are hex-encoded into one token.
 * - `sb.ev.<what>` broadcast events: venue connection states, ledger changes, diagnostics, alerts,
 *   the gateway's hello.
 * - `sb.orders.<venue>.<client order id, hex>` the JetStream stream ORDERS (file storage): every
 *   order update, in the order the gateway's journal made them, each once.
 *
 * Everything a console reads here is checked by wire-schemas.ts (messages) and answer-schemas.ts
 * (forwarded methods' answers) before it is used.
 */
import { createHash } from 'node:crypto';
import type { CandleKey, ConnectionDiagnostics, EvidenceSource, MarketKey, Order, OrderBook, Candle, Quote, StateChange, TradePrint, VenueErrorInfo, VenueId } from '../../common/domain.js';
import type { MethodName, Result } from '../contract.js';
import type { ConnectionEvent, VenueSummary } from '../core/types.js';
import type { FiredAlert } from '../alerts/types.js';

export const SUBJECT_ROOT = 'sb';
export const ORDER_STREAM = 'ORDERS';
export const ORDER_STREAM_SUBJECTS = 'sb.orders.>';

/** Who may call a forwarded method: every console, trading consoles, or the desk lead. */
export type Access = 'read' | 'trade' | 'admin';

/**
 * Methods a console answers itself, never forwarded: its own info and logs, subscriptions (held
 * through leases), its snapshot, its renderer's reports and its own metrics endpoint, and the
 * state of its link.
 */
export const CONSOLE_METHODS = [
  'app.info',
  'app.openLogs',
  'candles.subscribe',
  'candles.unsubscribe',
  'market.subscribe',
  'market.unsubscribe',
  'session.snapshot',
  'perf.report',
  'metricsServer.get',
  'metricsServer.set',
  'gateway.link',
] as const satisfies readonly MethodName[];
export type ConsoleMethod = (typeof CONSOLE_METHODS)[number];
export type ForwardedMethod = Exclude<MethodName, ConsoleMethod>;

/** Every forwarded method and who may call it; the gateway serves exactly these. */
export const METHOD_ACCESS: Readonly<Record<ForwardedMethod, Access>> = {
  'venues.list': 'read',
  'instruments.search': 'read',
  'instruments.get': 'read',
  'candles.history': 'read',
  'diagnostics.get': 'read',
  'orders.list': 'read',
  'trades.list': 'read',
  'positions.pnl': 'read',
  'history.exportCsv': 'read',
  'portfolio.get': 'read',
  'credentials.status': 'read',
  'quitSettings.get': 'read',
  'orders.ackLatency': 'read',
  'inspector.open': 'read',
  'inspector.read': 'read',
  'inspector.close': 'read',
  'alerts.list': 'read',
  'alerts.history': 'read',
  'alerts.deadLetters': 'read',
  'webhooks.list': 'read',
  'recording.status': 'read',
  'orders.place': 'trade',
  'orders.cancel': 'trade',
  'orders.amend': 'trade',
  'orders.cancelAll': 'trade',
  'venues.connect': 'admin',
  'venues.disconnect': 'admin',
  'credentials.store': 'admin',
  'credentials.delete': 'admin',
  'quitSettings.set': 'admin',
  'alerts.create': 'admin',
  'alerts.update': 'admin',
  'alerts.delete': 'admin',
  'alerts.resend': 'admin',
  'webhooks.save': 'admin',
  'webhooks.delete': 'admin',
  'webhooks.test': 'admin',
  'recording.start': 'admin',
  'recording.stop': 'admin',
};

const ACCESS_TOKEN: Readonly<Record<Access, string>> = { read: 'req', trade: 'cmd', admin: 'admin' };

export function isForwarded(method: MethodName): method is ForwardedMethod {
  return Object.hasOwn(METHOD_ACCESS, method);
}

/** `sb.req.orders.list`, `sb.cmd.orders.place`, `sb.admin.venues.connect`. */
export function methodSubject(method: ForwardedMethod): string {
  return `${SUBJECT_ROOT}.${ACCESS_TOKEN[METHOD_ACCESS[method]]}.${method}`;
}

/** The console's control requests: every console may send them. */
export const CONTROL = {
  /** A console says who it is; the answer says which gateway this is (GatewayHello). */
  hello: 'sb.req.gw.hello',
  /** The whole set of keys a console holds (ConsoleLease); renewed well inside the lease. */
  lease: 'sb.req.gw.lease',
  /** The current state of some keys (SnapshotRequest → SnapshotReply), after a gap. */
  snapshot: 'sb.req.gw.snapshot',
  /** A console leaving: its keys and views are released at once, not at the lease's end. */
  bye: 'sb.req.gw.bye',
} as const;

export const EVENTS = {
  /** A venue connection changed state (ConnectionEvent). */
  connection: 'sb.ev.conn',
  /** The trade ledger changed: trades and P&L are worth reading again. */
  ledger: 'sb.ev.ledger',
  /** Every second: the gateway's diagnostics and venue summaries (GatewayStatus). */
  status: 'sb.ev.status',
  /** A fired alert (FiredAlert). */
  alert: 'sb.ev.alert',
  /** A gateway started or is stopping (GatewayHello with `stopping`). */
  hello: 'sb.ev.hello',
} as const;

/**
 * Where a console's replies come: `_INBOX_<user>`, so the desk's config lets each NATS user
 * subscribe to its own replies only (`_INBOX_<user>.>`), never another console's. Without a user,
 * the client's default.
 */
export function inboxPrefixOf(user: string | undefined): string {
  return user === undefined ? '_INBOX' : `_INBOX_${user.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

/**
 * The content of an order update, for telling a repeat from a change: the gateway's message id
 * in ORDERS (the stream drops a retry) and a console's test for a repeat it already applied.
 */
export function orderHash(o: Order): string {
  // Keys sorted: an order read back from the journal, or checked by a console's schema, lists its
  // fields in another order than the one made live, and is still the same state.
  return createHash('sha256').update(JSON.stringify(o, sortedKeys)).digest('hex').slice(0, 32);
}

function sortedKeys(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Instrument ids and client order ids may hold dots, spaces, wildcards: one hex token each. */
export function subjectToken(id: string): string {
  return Buffer.from(id, 'utf8').toString('hex');
}

export function candleSubject(k: CandleKey): string {
  return `sb.md.candle.${k.venue}.${subjectToken(k.instrumentId)}.${k.interval}`;
}

export function marketSubject(k: MarketKey): string {
  const base = `sb.md.${k.stream}.${k.venue}.${subjectToken(k.instrumentId)}`;
  return k.stream === 'book' ? `${base}.${k.depth ?? 0}` : base;
}

export function orderSubject(venue: VenueId, clientOrderId: string): string {
  return `sb.orders.${venue}.${subjectToken(clientOrderId)}`;
}

/** How long a console's interest lives without a renewal; consoles renew every third of it. */
export const DEFAULT_LEASE_MS = 15_000;
/** Largest message a console accepts from NATS (the server's own default max_payload is 1 MiB). */
export const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

/** A request to a forwarded method. `requestId` is made once per call: a retry reuses it. */
export interface GatewayRequest {
  consoleId: string;
  /** The console's client (window or tab): whose inspector views these are. */
  clientId: string;
  requestId: string;
  request: unknown;
}

/** The answer: the method's Result, as the bridge would give it. */
export type GatewayReply = Result<unknown>;

export interface ConsoleHello {
  consoleId: string;
  version: string;
}

export interface GatewayHello {
  /** Made once per gateway start: a new one means the gateway restarted. */
  gatewayId: string;
  version: string;
  contract: number;
  startedAt: number;
  /** The ORDERS stream's last sequence the gateway has published, when this was sent. */
  orderSeq: number;
  leaseMs: number;
  /** Present (true) on the broadcast a stopping gateway sends. */
  stopping?: true;
}

export interface ConsoleLease {
  consoleId: string;
  candles: CandleKey[];
  markets: MarketKey[];
}

export interface LeaseReply {
  gatewayId: string;
  leaseMs: number;
}

export interface SnapshotRequest {
  candles: CandleKey[];
  markets: MarketKey[];
}

/** Per key: the subject's sequence now, and the state as of it. */
export interface CandleSnapshot {
  key: CandleKey;
  seq: number;
  /** The last few bars of the series, oldest first (the forming one last): heals a short gap. */
  candles: Candle[];
  failure?: VenueErrorInfo;
}

export interface MarketSnapshot {
  key: MarketKey;
  seq: number;
  book?: OrderBook;
  quote?: Quote;
  failure?: VenueErrorInfo;
}

export interface SnapshotReply {
  gatewayId: string;
  candles: CandleSnapshot[];
  markets: MarketSnapshot[];
}

/** One message on a market-data subject: what changed in one coalescing window. */
export interface MarketDataMessage {
  /** The gateway that sent it; sequences restart with a new one. */
  g: string;
  /** 1, 2, 3… per subject per gateway start: a jump means something was lost. */
  s: number;
  /** Candle subjects: every bar state of the window (a closed bar's final state, then the forming one). */
  candles?: Candle[];
  book?: OrderBook;
  quote?: Quote;
  trades?: TradePrint[];
  failure?: VenueErrorInfo;
}

/** One entry of the ORDERS stream. */
export interface OrderStreamEntry {
  gatewayId: string;
  order: Order;
  source: EvidenceSource;
}

/** The gateway's periodic status broadcast. */
export interface GatewayStatus {
  gatewayId: string;
  at: number;
  summaries: VenueSummary[];
  diagnostics: ConnectionDiagnostics[];
  /** The ORDERS stream's last sequence the gateway has published. */
  orderSeq: number;
  /** Consoles holding a lease now. */
  consoles: number;
}

export type { ConnectionEvent, FiredAlert, StateChange };
export type { GatewayLinkStatus } from './link-status.js';
