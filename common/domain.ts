/**
 * Venue-neutral types. Everything above the adapters speaks these. Prices and quantities
 * are exact decimals (`Dec`); times are UTC. A candle's `time` is the UTC second of its open.
 */
import type { Dec } from './decimal.js';

export type { Dec } from './decimal.js';

export const VENUE_IDS = ['tinvest', 'kraken'] as const;
export type VenueId = (typeof VENUE_IDS)[number];

/** Where a venue connection points: local simulator, the venue's sandbox, or production. */
export type VenueMode = 'demo' | 'sandbox' | 'live';

/**
 * The modes each venue offers, demo first: the venues' descriptors build them and the
 * renderer offers them. Kraken spot has no sandbox.
 */
export const VENUE_MODES: { readonly [V in VenueId]: readonly VenueMode[] } = {
  tinvest: ['demo', 'sandbox', 'live'],
  kraken: ['demo', 'live'],
};

export const INTERVALS = ['1m', '5m', '15m', '1h', '1d'] as const;
export type Interval = (typeof INTERVALS)[number];

export const INTERVAL_SECONDS: Readonly<Record<Interval, number>> = {
  '1m': 60,
  '5m': 300,
  '15m': 900,
  '1h': 3600,
  '1d': 86400,
};

/** Open time (UTC seconds) of the candle of `interval` that contains `tSec`. */
export function candleOpen(tSec: number, interval: Interval): number {
  const span = INTERVAL_SECONDS[interval];
  return Math.floor(tSec / span) * span;
}

export interface Instrument {
  venue: VenueId;
  /** The venue's stable id: T-Invest instrument uid, Kraken REST pair id. */
  id: string;
  /** What a trader reads: ticker or v2 symbol ("SBER", "BTC/USD"). */
  symbol: string;
  name: string;
  /** Quote currency, lower-case ("rub", "usd"). */
  currency: string;
  /** Smallest price increment. */
  priceStep: Dec;
  /** Smallest order quantity increment, in the venue's order unit (lots or base units). */
  qtyStep: Dec;
  /** Units of the instrument per order unit (T-Invest lot size; 1 on Kraken). */
  lotSize: Dec;
  /** Name of the order unit shown on the ticket. */
  qtyUnit: 'lot' | 'base';
  /** Minimum order quantity in order units. */
  minQty: Dec;
  tradable: boolean;
  /** Venue-specific identifiers worth showing (figi, class code, altname…). */
  codes: Readonly<Record<string, string>>;
}

export interface CandleKey {
  venue: VenueId;
  instrumentId: string;
  interval: Interval;
}

export function candleKeyId(k: CandleKey): string {
  return `${k.venue}|${k.instrumentId}|${k.interval}`;
}

export interface Candle extends CandleKey {
  /** UTC seconds of the candle's open. */
  time: number;
  open: Dec;
  high: Dec;
  low: Dec;
  close: Dec;
  /** In the venue's volume unit (lots on T-Invest, base units on Kraken). */
  volume: Dec;
}

export type Side = 'buy' | 'sell';
export type OrderType = 'limit' | 'market';

export interface OrderRequest {
  venue: VenueId;
  accountId: string;
  instrumentId: string;
  side: Side;
  type: OrderType;
  /** In order units (lots on T-Invest, base units on Kraken). */
  quantity: Dec;
  /** Required for limit orders. */
  price?: Dec;
  /** Made once, before the first send; the idempotency key on the wire. */
  clientOrderId: string;
}

export type OrderStatus =
  | 'pending'
  | 'open'
  | 'partially-filled'
  | 'filled'
  | 'cancelled'
  | 'rejected'
  | 'expired'
  | 'unknown';

export const FINAL_ORDER_STATUSES: ReadonlySet<OrderStatus> = new Set([
  'filled',
  'cancelled',
  'rejected',
  'expired',
]);

export interface Fill {
  /** The venue's trade id: a fill is applied once per trade id. */
  tradeId: string;
  price: Dec;
  /** In order units (lots on T-Invest, base units on Kraken). */
  quantity: Dec;
  time: number;
  /** What the venue charged for this fill, when it says (positive = paid). */
  fee?: Dec;
  /** Lower-case currency or asset of `fee` ("rub", "usd"). */
  feeCurrency?: string;
}

export interface Order {
  venue: VenueId;
  accountId: string;
  clientOrderId: string;
  /** The venue's own id, once known. */
  venueOrderId?: string;
  instrumentId: string;
  side: Side;
  type: OrderType;
  quantity: Dec;
  price?: Dec;
  status: OrderStatus;
  filledQuantity: Dec;
  averagePrice?: Dec;
  fills: Fill[];
  /** For rejections: the venue's code and reason. */
  reason?: { code: string; message: string; trackingId?: string };
  createdAt: number;
  updatedAt: number;
}

/** One change to one order, made by the core's state machine; what the bridge carries. */
export interface OrderUpdate {
  order: Order;
  /** What moved it: our own send, a stream event, a reconciliation query, the venue's history, the journal's replay. */
  source: EvidenceSource;
}

export type EvidenceSource = 'send' | 'stream' | 'reconcile' | 'history' | 'replay';

/** What an order is, as the venue tells it about an order it holds (one placed elsewhere, or in history). */
export interface OrderTerms {
  instrumentId: string;
  side: Side;
  type: OrderType;
  /** In order units. */
  quantity: Dec;
  price?: Dec;
  /** ms since epoch, by the venue's clock. */
  createdAt: number;
}

/**
 * What a venue said about one order: evidence only. Adapters report it and keep no order
 * state of their own; the core's state machine (electron/core/order-state.ts) decides what
 * it means. Every field but the identity is optional: a venue tells what it knows.
 * - accepted: the venue took the order (it may already be filled: then `status` says so).
 * - rejected: the venue surely did not take it; `reason` has the venue's code and text.
 * - status: the venue's state of the order (a stream event, a query, history).
 * - fill: one or more executions (`fills`), each applied once per trade id.
 * - not-found: the venue surely holds no order with this client order id.
 */
export interface OrderEvidence {
  kind: 'accepted' | 'rejected' | 'status' | 'fill' | 'not-found';
  venue: VenueId;
  accountId: string;
  clientOrderId: string;
  venueOrderId?: string;
  status?: OrderStatus;
  /** Cumulative filled quantity as the venue counts it, in order units. */
  filledQuantity?: Dec;
  averagePrice?: Dec;
  fills?: Fill[];
  reason?: { code: string; message: string; trackingId?: string };
  terms?: OrderTerms;
  /** ms since epoch when the venue said it (its timestamp when it gave one, else arrival). */
  at: number;
  source: EvidenceSource;
}

/**
 * One executed trade on an account, from the venue's own history (T-Invest operations,
 * Kraken TradesHistory) or from an order's fill: the ledger positions and P&L are computed
 * from. De-duplicated by (venue, accountId, tradeId).
 */
export interface TradeRecord {
  venue: VenueId;
  accountId: string;
  tradeId: string;
  instrumentId: string;
  side: Side;
  /** In the instrument's own units (pieces, base units), not lots. */
  quantity: Dec;
  /** Per unit, in `currency`. */
  price: Dec;
  /** Lower-case quote currency of the price. */
  currency: string;
  /** Fee in `feeCurrency`; 0 when the venue charged none or has not said yet. */
  fee: Dec;
  feeCurrency: string;
  time: number;
  clientOrderId?: string;
  venueOrderId?: string;
}

/** Realized and unrealized P&L of one instrument in one account, by average cost, fees included. */
export interface PositionPnl {
  venue: VenueId;
  accountId: string;
  instrumentId: string;
  /** Ticker or pair, when known. */
  symbol?: string;
  /** In the instrument's own units; negative = short. */
  quantity: Dec;
  /** Average cost per unit of the open quantity, fees included; absent when flat. */
  averageCost?: Dec;
  /** Realized P&L so far, fees included, in `currency`. */
  realized: Dec;
  /** At `lastPrice`; absent when no price is known. */
  unrealized?: Dec;
  lastPrice?: Dec;
  /** Fees paid in `currency` (fees in other assets are not converted and are listed in `otherFees`). */
  fees: Dec;
  otherFees?: Readonly<Record<string, Dec>>;
  currency: string;
  trades: number;
}

export const CONNECTION_STATES = [
  'idle',
  'connecting',
  'authenticating',
  'subscribing',
  'live',
  'degraded',
  'reconnecting',
  'closed',
] as const;
export type ConnectionState = (typeof CONNECTION_STATES)[number];

export interface StateChange {
  state: ConnectionState;
  /** ms since epoch */
  at: number;
  reason: string;
}

/** Typed error classes every adapter maps its wire errors into. */
export const ERROR_KINDS = [
  'auth',
  'rate-limited',
  'rejected',
  'unavailable',
  'invalid',
  'unknown-outcome',
  'internal',
] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

export interface VenueErrorInfo {
  kind: ErrorKind;
  /** The venue's own code ("40003", "EOrder:Insufficient funds"). */
  code: string;
  message: string;
  trackingId?: string;
  retryAfterMs?: number;
  at: number;
}

export interface LimiterHeadroom {
  name: string;
  remaining: number;
  limit: number;
  /** ms until the window resets, when known. */
  resetInMs?: number;
  queued: number;
}

export interface BreakerState {
  name: string;
  state: 'closed' | 'open' | 'half-open';
  failures: number;
}

export interface ConnectionDiagnostics {
  venue: VenueId;
  /** Which connection of the venue ("marketdata", "orders", "ws-public"…). */
  connection: string;
  state: ConnectionState;
  timeline: StateChange[];
  /** ms since epoch of the last message received, if any. */
  lastMessageAt?: number;
  /** Messages per second over the last few seconds. */
  messageRate: number;
  messages: number;
  reconnects: number;
  pingRttMs?: number;
  subscriptions: { pending: number; confirmed: number };
  limiters: LimiterHeadroom[];
  breakers: BreakerState[];
  lastError?: VenueErrorInfo;
  /** Frames that failed validation and were skipped. */
  malformed: number;
  /** The last few of them, newest last: why, and the frame as received (redacted, truncated). */
  malformedSamples: MalformedSample[];
  /** The venue's clock minus ours (ms), when the venue's timestamps tell it. */
  clockSkewMs?: number;
  /** The venue-side cancel-all timer, on the connection that keeps it (Kraken's private socket). */
  deadManSwitch?: DeadManSwitchState;
}

/**
 * A dead man's switch: the venue cancels every order unless we refresh it within `timeoutSec`.
 * `armed`: the venue confirmed it and we keep refreshing it. Not armed with a `triggerAt`: we
 * stopped refreshing (link lost) and the venue fires then unless the link returns first.
 */
export interface DeadManSwitchState {
  armed: boolean;
  /** 0 = switched off. */
  timeoutSec: number;
  /** ms since epoch at which the venue cancels, as it last said. */
  triggerAt?: number;
}

export interface MalformedSample {
  at: number;
  detail: string;
  frame?: string;
}

export interface Account {
  venue: VenueId;
  id: string;
  name: string;
}

/** A holding in one account: a security (T-Invest) or an asset balance (Kraken). */
export interface Position {
  venue: VenueId;
  accountId: string;
  /** The instrument it is, when it is one (T-Invest uid); absent for currency/asset balances. */
  instrumentId?: string;
  /** What a trader reads: ticker, asset code ("SBER", "BTC", "rub"). */
  asset: string;
  /** In the instrument's own units (pieces, base units). */
  quantity: Dec;
  /** Part of `quantity` held by open orders. */
  blocked: Dec;
  averagePrice?: Dec;
  /** Value in `currency` at the last price, when the venue gives it. */
  value?: Dec;
  currency?: string;
}

export interface Portfolio {
  venue: VenueId;
  accountId: string;
  positions: Position[];
  /** ms since epoch */
  at: number;
}

/** The journal entry of an order about to be sent: nothing filled, no venue id yet. */
export function pendingOrder(req: OrderRequest, at: number): Order {
  const o: Order = {
    venue: req.venue,
    accountId: req.accountId,
    clientOrderId: req.clientOrderId,
    instrumentId: req.instrumentId,
    side: req.side,
    type: req.type,
    quantity: req.quantity,
    status: 'pending',
    filledQuantity: '0',
    fills: [],
    createdAt: at,
    updatedAt: at,
  };
  if (req.price !== undefined && req.type === 'limit') o.price = req.price;
  return o;
}
