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

export const INTERVALS = ['1m', '5m', '15m', '1h', '4h', '1d', '1w'] as const;
export type Interval = (typeof INTERVALS)[number];

export const INTERVAL_SECONDS: Readonly<Record<Interval, number>> = {
  '1m': 60,
  '5m': 300,
  '15m': 900,
  '1h': 3600,
  '4h': 14400,
  '1d': 86400,
  '1w': 604800,
};

/** 1970-01-05, a Monday: week candles open on Mondays 00:00 UTC unless a venue says otherwise. */
export const MONDAY_WEEK_ANCHOR = 4 * 86400;
/** 1970-01-01, a Thursday: Kraken's week candles are aligned to the epoch. */
export const EPOCH_WEEK_ANCHOR = 0;

/**
 * Open time (UTC seconds) of the candle of `interval` that contains `tSec`. Weeks start at
 * `weekAnchor` (seconds into the first week since the epoch): venues differ.
 */
export function candleOpen(tSec: number, interval: Interval, weekAnchor = MONDAY_WEEK_ANCHOR): number {
  const span = INTERVAL_SECONDS[interval];
  const anchor = interval === '1w' ? weekAnchor : 0;
  return Math.floor((tSec - anchor) / span) * span + anchor;
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
  /** What it is; absent on instruments saved before kinds existed (read as share / spot pair). */
  kind?: InstrumentKind;
  /** How a quoted price becomes money; absent = price × units. */
  pricing?: InstrumentPricing;
  /** Futures expiry or bond maturity, ms since epoch. */
  expiresAt?: number;
}

export const INSTRUMENT_KINDS = ['share', 'bond', 'etf', 'future', 'currency', 'spot'] as const;
export type InstrumentKind = (typeof INSTRUMENT_KINDS)[number];

/**
 * Pricing rules beyond price × units (T-Invest §9):
 * - bond-percent: quoted in % of nominal; money per piece = price / 100 × nominal, plus
 *   `accruedInterest` (per piece, in the nominal's currency) for the dirty price.
 * - futures-points: quoted in points; money = price / priceStep × `stepPrice`.
 * - currency-nominal: money per lot = price × lot / `nominal` (JPY, KZT… quote per 100).
 */
export type InstrumentPricing =
  | { rule: 'bond-percent'; nominal: Dec; accruedInterest: Dec; nominalCurrency: string }
  | { rule: 'futures-points'; stepPrice: Dec; underlying?: string; underlyingSize?: Dec }
  | { rule: 'currency-nominal'; nominal: Dec };

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

/**
 * Order types. Trigger types rest at the venue untriggered until the reference price reaches
 * `triggerPrice` (stop-loss: from the unfavourable side; take-profit: the favourable side), then
 * act as a market order, or a limit order at `price` for the `-limit` kinds. Trailing stops
 * follow the market's best price by `trailingOffset`. T-Invest has no trailing-stop-limit.
 */
export const ORDER_TYPES = [
  'limit',
  'market',
  'stop-loss',
  'stop-loss-limit',
  'take-profit',
  'take-profit-limit',
  'trailing-stop',
  'trailing-stop-limit',
] as const;
export type OrderType = (typeof ORDER_TYPES)[number];

/** Types that carry a limit `price`. */
export const PRICED_ORDER_TYPES: ReadonlySet<OrderType> = new Set(['limit', 'stop-loss-limit', 'take-profit-limit', 'trailing-stop-limit']);
/** Types that wait for a trigger (a stop order); they need `triggerPrice` or `trailingOffset`. */
export const TRIGGER_ORDER_TYPES: ReadonlySet<OrderType> = new Set([
  'stop-loss',
  'stop-loss-limit',
  'take-profit',
  'take-profit-limit',
  'trailing-stop',
  'trailing-stop-limit',
]);
export const TRAILING_ORDER_TYPES: ReadonlySet<OrderType> = new Set(['trailing-stop', 'trailing-stop-limit']);

/**
 * day: till the session ends (T-Invest's only choice for plain orders); gtc: till cancelled;
 * gtd: till `expireAt`; ioc: fill what can be filled now, cancel the rest; fok: all now or nothing.
 */
export const TIME_IN_FORCE = ['day', 'gtc', 'gtd', 'ioc', 'fok'] as const;
export type TimeInForce = (typeof TIME_IN_FORCE)[number];

/** A trailing distance: in price units, or in percent of the reference price. */
export interface TrailingOffset {
  value: Dec;
  unit: 'price' | 'percent';
}

export interface OrderRequest {
  venue: VenueId;
  accountId: string;
  instrumentId: string;
  side: Side;
  type: OrderType;
  /** In order units (lots on T-Invest, base units on Kraken). */
  quantity: Dec;
  /**
   * Required for the types in PRICED_ORDER_TYPES, absent otherwise. For trailing-stop-limit it is
   * not a price but the limit's distance beyond the moving trigger, in price units (Kraken §9:
   * limit_price_type quote): below the trigger for sells, above for buys.
   */
  price?: Dec;
  /** Activation price of a stop order (not for trailing types, which use `trailingOffset`). */
  triggerPrice?: Dec;
  trailingOffset?: TrailingOffset;
  /** Absent = the venue's default (T-Invest: day for orders, GTC for stop orders; Kraken: GTC). */
  timeInForce?: TimeInForce;
  /** For gtd: ms since epoch. */
  expireAt?: number;
  /** Kraken: rest on the book as maker only, or be rejected. */
  postOnly?: boolean;
  /** Made once, before the first send; the idempotency key on the wire. */
  clientOrderId: string;
}

/**
 * A change to a working order's price, trigger or size. T-Invest ReplaceOrder cancels and
 * re-posts (new venue id, idempotent by `amendId`); Kraken amend_order keeps the order id and,
 * where it can, queue priority. Everything else about the order stays.
 */
export interface AmendRequest {
  venue: VenueId;
  accountId: string;
  clientOrderId: string;
  /** New limit price. */
  price?: Dec;
  /** New total quantity in order units (fills so far included, as Kraken counts it). */
  quantity?: Dec;
  triggerPrice?: Dec;
  /** Made once per amend by the caller; the venue's idempotency key where it has one. */
  amendId: string;
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
  triggerPrice?: Dec;
  trailingOffset?: TrailingOffset;
  timeInForce?: TimeInForce;
  expireAt?: number;
  postOnly?: boolean;
  /** When a stop order's trigger fired (ms since epoch); until then it waits at the venue. */
  triggeredAt?: number;
  /** Amends the venue confirmed, oldest first. */
  amends?: OrderAmendRecord[];
  status: OrderStatus;
  filledQuantity: Dec;
  averagePrice?: Dec;
  fills: Fill[];
  /** For rejections: the venue's code and reason. */
  reason?: { code: string; message: string; trackingId?: string };
  createdAt: number;
  updatedAt: number;
}

/** One confirmed amend: what the order became. */
export interface OrderAmendRecord {
  amendId: string;
  price?: Dec;
  quantity?: Dec;
  triggerPrice?: Dec;
  /** The venue id after the amend (T-Invest's replace makes a new one). */
  venueOrderId?: string;
  at: number;
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
  triggerPrice?: Dec;
  trailingOffset?: TrailingOffset;
  timeInForce?: TimeInForce;
  expireAt?: number;
  postOnly?: boolean;
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
  /** The venue confirmed an amend: the order's new terms (its id may change: `venueOrderId`). */
  amended?: OrderAmendRecord;
  /** A stop order's trigger fired at this time (ms); it now works as a market or limit order. */
  triggeredAt?: number;
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

/** Market data streams beside candles: the order book, the trade tape, and quotes with trading status. */
export const MARKET_STREAMS = ['book', 'trades', 'quote'] as const;
export type MarketStream = (typeof MARKET_STREAMS)[number];

export interface MarketKey {
  venue: VenueId;
  instrumentId: string;
  stream: MarketStream;
  /** Book levels per side (book only): T-Invest 1/10/20/30/40/50, Kraken 10/25/100. */
  depth?: number;
}

export function marketKeyId(k: MarketKey): string {
  return `${k.venue}|${k.instrumentId}|${k.stream}${k.stream === 'book' ? `|${k.depth ?? 0}` : ''}`;
}

export interface BookLevel {
  price: Dec;
  /** In order units (lots on T-Invest, base units on Kraken). */
  quantity: Dec;
}

/** How far a book can be trusted, as the adapter verified it. */
export interface BookHealth {
  /** How the venue lets us verify the book: Kraken CRC32 checksums; T-Invest sends whole books. */
  verification: 'checksum' | 'snapshot';
  /** Updates verified (checksums matched) or snapshots taken since subscribing. */
  verified: number;
  /** Checksum mismatches, sequence breaks, crossed books seen. */
  failures: number;
  /** Times the book was thrown away and rebuilt from a fresh snapshot. */
  resyncs: number;
  /** The venue's own flag (T-Invest is_consistent), or false while a resync runs. */
  consistent: boolean;
}

/** The top `depth` levels of one instrument's book, best first on each side. */
export interface OrderBook {
  venue: VenueId;
  instrumentId: string;
  depth: number;
  bids: BookLevel[];
  asks: BookLevel[];
  /** The venue's time of this book (ms since epoch), when it gives one. */
  time?: number;
  /** When the frame that made this book arrived in the main process (ms since epoch, performance-free wall clock). */
  receivedAt: number;
  health: BookHealth;
}

/** One print on the tape. */
export interface TradePrint {
  venue: VenueId;
  instrumentId: string;
  /** The venue's id or sequence number, unique per instrument. */
  tradeId: string;
  price: Dec;
  /** In order units. */
  quantity: Dec;
  /** The taker's side, when the venue says. */
  side?: Side;
  /** ms since epoch, the venue's time. */
  time: number;
}

/**
 * Quote and status of one instrument as the watchlist shows them. Every field but the identity is
 * optional: venues tell different things (Kraken ticker has 24 h change; T-Invest gives the last
 * price, the previous close and the top of the book).
 */
export interface Quote {
  venue: VenueId;
  instrumentId: string;
  bid?: Dec;
  bidQty?: Dec;
  ask?: Dec;
  askQty?: Dec;
  last?: Dec;
  /** Reference for the change: Kraken's 24 h open, T-Invest's previous close. */
  reference?: Dec;
  /** last − reference, in price units. */
  change?: Dec;
  /** change / reference × 100. */
  changePct?: Dec;
  /** Can the instrument trade now, and how. */
  status?: TradingState;
  /** ms since epoch, the venue's time when it gives one, else arrival. */
  time: number;
}

/** Whether an instrument can trade right now (T-Invest trading status, Kraken pair status). */
export interface TradingState {
  /** Any order can be placed now. */
  tradable: boolean;
  limitOrders: boolean;
  marketOrders: boolean;
  /** The venue's own word ("SECURITY_TRADING_STATUS_NORMAL_TRADING", "online", "cancel_only"…). */
  venueStatus: string;
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
  /** Bytes received as the frames came (after TLS, before parsing); absent where the adapter can't tell cheaply (gRPC). */
  bytesReceived?: number;
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
  if (req.price !== undefined && PRICED_ORDER_TYPES.has(req.type)) o.price = req.price;
  if (req.triggerPrice !== undefined) o.triggerPrice = req.triggerPrice;
  if (req.trailingOffset !== undefined) o.trailingOffset = req.trailingOffset;
  if (req.timeInForce !== undefined) o.timeInForce = req.timeInForce;
  if (req.expireAt !== undefined) o.expireAt = req.expireAt;
  if (req.postOnly !== undefined) o.postOnly = req.postOnly;
  return o;
}
