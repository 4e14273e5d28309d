/**
 * T-Invest constants from the venue notes (shared/venues/tinvest.md): hosts, deadlines,
 * limits and the interval tables. Every other file of the adapter reads them from here.
 */
import type { Interval } from '../../../common/domain.js';

export const PROTO_PACKAGE = 'tinkoff.public.invest.api.contract.v1';

/** gRPC hosts (TLS, port 443). The newer *.tbank.ru names chain to a CA Node does not ship (§1). */
export const HOSTS = {
  live: 'invest-public-api.tinkoff.ru:443',
  sandbox: 'sandbox-invest-public-api.tinkoff.ru:443',
  liveTbank: 'invest-public-api.tbank.ru:443',
  sandboxTbank: 'sandbox-invest-public-api.tbank.ru:443',
} as const;

export const SERVICES = {
  users: 'UsersService',
  instruments: 'InstrumentsService',
  marketData: 'MarketDataService',
  marketDataStream: 'MarketDataStreamService',
  orders: 'OrdersService',
  ordersStream: 'OrdersStreamService',
  operations: 'OperationsService',
  sandbox: 'SandboxService',
  stopOrders: 'StopOrdersService',
} as const;
export type ServiceName = (typeof SERVICES)[keyof typeof SERVICES];

/**
 * Client deadlines per call. The venue enforces none (§3); its recommended minimums are
 * 300–500 ms, which loses calls on a slow link, so ours are looser.
 */
export const DEADLINE_MS = {
  GetAccounts: 5_000,
  ShareBy: 5_000,
  Shares: 20_000,
  GetCandles: 10_000,
  /** Order book, last/close prices and trading status: first paint of a ladder or a quote. */
  MarketSnapshot: 5_000,
  /** Order commands: a lost answer costs this long before the retry with the same key. */
  PostOrder: 5_000,
  CancelOrder: 5_000,
  ReplaceOrder: 5_000,
  GetOrderState: 3_000,
  GetOrders: 5_000,
  GetPortfolio: 5_000,
  GetPositions: 5_000,
  GetOperationsByCursor: 10_000,
  Sandbox: 5_000,
} as const;

/** Responses such as Shares exceed gRPC's 4 MiB default (§3). */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** Keepalive well inside typical proxy idle timeouts, slow enough not to be "too many pings". */
export const KEEPALIVE = { timeMs: 60_000, timeoutMs: 20_000 } as const;

/** Documented unary limits per minute (§4.1), used until the first x-ratelimit-* headers arrive. */
export const UNARY_LIMITS_PER_MINUTE: Readonly<Record<string, number>> = {
  [SERVICES.users]: 100,
  [SERVICES.instruments]: 200,
  [SERVICES.marketData]: 600,
  [SERVICES.orders]: 100,
  [SERVICES.operations]: 200,
  [SERVICES.sandbox]: 200,
  [SERVICES.stopOrders]: 50,
};
/**
 * Methods with a budget of their own (§4.1); every other method shares its service's. Each
 * budget is a separate limiter, so the headers of one never stand for another.
 */
export const METHOD_LIMITS_PER_MINUTE: Readonly<Record<string, number>> = {
  'OrdersService/PostOrder': 300,
  'OrdersService/GetOrders': 200,
  'OrdersService/CancelOrder': 100,
  'OrdersService/PostOrderAsync': 450,
};
export const RATE_WINDOW_MS = 60_000;

/**
 * Calls that reduce risk, and the reads that find what to reduce: they run behind a circuit
 * breaker of their own, so failing placements (PostOrder, ReplaceOrder) can never hold back a
 * cancel or the panic key.
 */
export const RISK_REDUCING_METHODS: ReadonlySet<string> = new Set([
  'OrdersService/CancelOrder',
  'OrdersService/GetOrders',
  'OrdersService/GetOrderState',
]);

/** The circuit breaker a unary method runs behind: its service's, or the service's cancel lane. */
export function breakerOf(service: string, methodName: string): string {
  return RISK_REDUCING_METHODS.has(`${service}/${methodName}`) ? `${service} cancels` : service;
}

/** How long cancel-all may take in all (GetOrders, then every cancel with its retries). */
export const CANCEL_ALL_MS = 20_000;

/** The budget a unary method draws on: its own row when it has one, else its service's. */
export function rateGroupOf(service: string, methodName: string): { name: string; limit: number } {
  const own = `${service}/${methodName}`;
  const limit = METHOD_LIMITS_PER_MINUTE[own];
  if (limit !== undefined) return { name: own, limit };
  return { name: service, limit: UNARY_LIMITS_PER_MINUTE[service] ?? 100 };
}

/** At most 300 subscriptions per stream (candles + books + trades) (§4.3). */
export const MAX_SUBSCRIPTIONS_PER_STREAM = 300;
/** At most 100 subscribe requests per minute per stream (§4.3); we batch far below it. */
export const MAX_SUBSCRIBE_REQUESTS_PER_MINUTE = 100;

/** The venue accepts ping_delay_ms in 5000..180000 (§2.1). */
export const PING_DELAY_RANGE_MS = { min: 5_000, max: 180_000 } as const;
export const DEFAULT_PING_DELAY_MS = 5_000;
/** Silence for this many ping intervals means the stream is dead (§5). */
export const WATCHDOG_INTERVALS = 3;

/** Domain interval → CandleInterval (GetCandles) and SubscriptionInterval (stream): same numbers for 1..5. */
export const CANDLE_INTERVAL: Readonly<Record<Interval, number>> = {
  '1m': 1,
  '5m': 2,
  '15m': 3,
  '1h': 4,
  '4h': 11,
  '1d': 5,
  '1w': 12,
};
export const SUBSCRIPTION_INTERVAL: Readonly<Record<Interval, number>> = {
  '1m': 1,
  '5m': 2,
  '15m': 3,
  '1h': 4,
  '4h': 11,
  '1d': 5,
  '1w': 12,
};
const BY_SUBSCRIPTION_INTERVAL = new Map<number, Interval>(
  Object.entries(SUBSCRIPTION_INTERVAL).map(([k, v]) => [v, k as Interval]),
);
export function intervalOfSubscription(n: number): Interval | undefined {
  return BY_SUBSCRIPTION_INTERVAL.get(n);
}

const DAY = 86_400;
/** Largest from–to span of one GetCandles request per interval, seconds (§2.2; 30014 beyond). */
export const MAX_CANDLE_SPAN_SEC: Readonly<Record<Interval, number>> = {
  '1m': DAY,
  '5m': 7 * DAY,
  '15m': 21 * DAY,
  '1h': 90 * DAY,
  '4h': 90 * DAY,
  '1d': 6 * 365 * DAY,
  '1w': 5 * 365 * DAY,
};

export const SUBSCRIPTION_STATUS = {
  success: 1,
  instrumentNotFound: 2,
  depthInvalid: 4,
  limitExceeded: 6,
  tooManyRequests: 8,
  notFound: 9,
} as const;

export const SUBSCRIPTION_ACTION = { subscribe: 1, unsubscribe: 2 } as const;

/** TradeSourceType ALL: exchange and dealer trades (§8.1). */
export const TRADE_SOURCE_ALL = 3;

/** Order-book depths the venue streams (§8.1); any other is refused with status 4. */
export const BOOK_DEPTHS: readonly number[] = [1, 10, 20, 30, 40, 50];

/** SecurityTradingStatus names by number (common.proto), the venue's own word for the status. */
export const TRADING_STATUS_NAMES: readonly string[] = [
  'SECURITY_TRADING_STATUS_UNSPECIFIED',
  'SECURITY_TRADING_STATUS_NOT_AVAILABLE_FOR_TRADING',
  'SECURITY_TRADING_STATUS_OPENING_PERIOD',
  'SECURITY_TRADING_STATUS_CLOSING_PERIOD',
  'SECURITY_TRADING_STATUS_BREAK_IN_TRADING',
  'SECURITY_TRADING_STATUS_NORMAL_TRADING',
  'SECURITY_TRADING_STATUS_CLOSING_AUCTION',
  'SECURITY_TRADING_STATUS_DARK_POOL_AUCTION',
  'SECURITY_TRADING_STATUS_DISCRETE_AUCTION',
  'SECURITY_TRADING_STATUS_OPENING_AUCTION_PERIOD',
  'SECURITY_TRADING_STATUS_TRADING_AT_CLOSING_AUCTION_PRICE',
  'SECURITY_TRADING_STATUS_SESSION_ASSIGNED',
  'SECURITY_TRADING_STATUS_SESSION_CLOSE',
  'SECURITY_TRADING_STATUS_SESSION_OPEN',
  'SECURITY_TRADING_STATUS_DEALER_NORMAL_TRADING',
  'SECURITY_TRADING_STATUS_DEALER_BREAK_IN_TRADING',
  'SECURITY_TRADING_STATUS_DEALER_NOT_AVAILABLE_FOR_TRADING',
];
export const TRADING_STATUS_NORMAL = 5;

export const INSTRUMENT_STATUS_BASE = 1;
export const INSTRUMENT_ID_TYPE_UID = 3;
/** InstrumentType numbers (common.proto). */
export const INSTRUMENT_KIND = { bond: 1, share: 2, currency: 3, etf: 4, futures: 5 } as const;

// ---- orders (§2.4) ----

export const ORDER_DIRECTION = { buy: 1, sell: 2 } as const;
export const ORDER_TYPE = { limit: 1, market: 2, bestPrice: 3 } as const;
/** OperationType values the trade ledger reads (§10). */
export const OPERATION_TYPE = { buy: 15, brokerFee: 19, sell: 22 } as const;
/** OperationState (§10). */
export const OPERATION_STATE = { executed: 1, canceled: 2, progress: 3 } as const;
/** GetOperationsByCursor's largest page (§10: 30069 above it). */
export const OPERATIONS_PAGE_MAX = 1_000;
export const EXECUTION_STATUS = { fill: 1, rejected: 2, cancelled: 3, new: 4, partiallyFill: 5 } as const;
export const ORDER_ID_TYPE = { exchange: 1, request: 2 } as const;
export const TIME_IN_FORCE_DAY = 1;
export const RESULT_SUBSCRIPTION_STATUS_OK = 1;

/** OrderStateStreamResponse.StatusCauseInfo, as text for a cancel's or reject's reason. */
export const STATUS_CAUSE: Readonly<Record<number, string>> = {
  1: 'cancelled by the exchange',
  2: 'cancelled: not enough position',
  3: 'cancelled: client block',
  4: 'rejected by the broker',
  5: 'rejected by the exchange',
  6: 'cancelled by the broker',
  15: 'cancelled by the client',
};

/** OrderStateStream ping_delay_millis is documented as 1000..120000 (§2.4). */
export const ORDER_STREAM_PING_RANGE_MS = { min: 1_000, max: 120_000 } as const;
