/**
 * Wire-level helpers of the local T-Invest venue: Quotation/MoneyValue and Timestamp
 * conversion, enum numbers, tracking ids, and the venue's error format (numeric code in
 * the status details, human text in a `message` trailer).
 */
import { randomBytes } from 'node:crypto';
import { Metadata, status } from '@grpc/grpc-js';
import type { StatusObject } from '@grpc/grpc-js';

export const PKG = 'tinkoff.public.invest.api.contract.v1';

export interface Quotation {
  units: string;
  nano: number;
}

export interface MoneyValue extends Quotation {
  currency: string;
}

/** google.protobuf.Timestamp as proto-loader gives it with `longs: String`. */
export interface Timestamp {
  seconds: string;
  nanos: number;
}

/** A scaled integer (value = int / 10^scale) as a Quotation; units and nano share the sign. */
export function toQuotation(int: bigint, scale: number): Quotation {
  const div = 10n ** BigInt(scale);
  // bigint division truncates toward zero, which keeps units and remainder on one sign.
  const units = int / div;
  const rem = int % div;
  const nano = scale <= 9 ? rem * 10n ** BigInt(9 - scale) : rem / 10n ** BigInt(scale - 9);
  return { units: units.toString(), nano: Number(nano) };
}

export function toMoney(int: bigint, scale: number, currency: string): MoneyValue {
  return { currency, ...toQuotation(int, scale) };
}

/** Parses decimal text ("0.005") into a Quotation. */
export function quotationOf(text: string): Quotation {
  const m = /^(-)?(\d+)(?:\.(\d{1,9}))?$/.exec(text);
  if (!m) throw new Error(`not a decimal: ${text}`);
  const frac = m[3] ?? '';
  const int = BigInt((m[2] ?? '0') + frac) * (m[1] ? -1n : 1n);
  return toQuotation(int, frac.length);
}

export function timestampOfMs(ms: number): Timestamp {
  const seconds = Math.floor(ms / 1000);
  return { seconds: String(seconds), nanos: (ms - seconds * 1000) * 1_000_000 };
}

export function timestampOfSec(sec: number): Timestamp {
  return { seconds: String(sec), nanos: 0 };
}

/** Milliseconds of a request Timestamp, or undefined when the field was not sent. */
export function msOfTimestamp(ts: { seconds?: string | number | null; nanos?: number | null } | null | undefined): number | undefined {
  if (!ts) return undefined;
  return Number(ts.seconds ?? 0) * 1000 + Math.floor((ts.nanos ?? 0) / 1_000_000);
}

/** 32 hex chars without dashes, as the venue sends them. */
export function trackingId(): string {
  return randomBytes(16).toString('hex');
}

/** The enum numbers the simulator uses (names in proto/). */
export const SecurityTradingStatus = { NOT_AVAILABLE_FOR_TRADING: 1, NORMAL_TRADING: 5 } as const;
export const InstrumentIdType = { UNSPECIFIED: 0, FIGI: 1, TICKER: 2, UID: 3, POSITION_UID: 4 } as const;
export const InstrumentStatus = { UNSPECIFIED: 0, BASE: 1, ALL: 2 } as const;
export const InstrumentType = { BOND: 1, SHARE: 2, CURRENCY: 3, ETF: 4, FUTURES: 5 } as const;
export const RealExchange = { MOEX: 1 } as const;
export const ShareType = { COMMON: 1, PREFERRED: 2 } as const;
export const AccountType = { TINKOFF: 1, TINKOFF_IIS: 2 } as const;
export const AccountStatus = { UNSPECIFIED: 0, NEW: 1, OPEN: 2, CLOSED: 3, ALL: 4 } as const;
export const AccessLevel = { FULL_ACCESS: 1 } as const;
export const SubscriptionAction = { UNSPECIFIED: 0, SUBSCRIBE: 1, UNSUBSCRIBE: 2 } as const;
export const SubscriptionStatus = {
  SUCCESS: 1,
  INSTRUMENT_NOT_FOUND: 2,
  SUBSCRIPTION_ACTION_IS_INVALID: 3,
  DEPTH_IS_INVALID: 4,
  INTERVAL_IS_INVALID: 5,
  LIMIT_IS_EXCEEDED: 6,
  INTERNAL_ERROR: 7,
  TOO_MANY_REQUESTS: 8,
  SUBSCRIPTION_NOT_FOUND: 9,
  SOURCE_IS_INVALID: 10,
} as const;
export const CandleSource = { EXCHANGE: 1 } as const;
export const TradeDirection = { BUY: 1, SELL: 2 } as const;
export const LastPriceType = { EXCHANGE: 1 } as const;
export const OrderDirection = { UNSPECIFIED: 0, BUY: 1, SELL: 2 } as const;
export const OrderType = { UNSPECIFIED: 0, LIMIT: 1, MARKET: 2, BESTPRICE: 3 } as const;
export const ExecutionReportStatus = { UNSPECIFIED: 0, FILL: 1, REJECTED: 2, CANCELLED: 3, NEW: 4, PARTIALLYFILL: 5 } as const;
export const TimeInForce = { UNSPECIFIED: 0, DAY: 1, FILL_AND_KILL: 2, FILL_OR_KILL: 3 } as const;
export const OrderIdType = { UNSPECIFIED: 0, EXCHANGE: 1, REQUEST: 2 } as const;
/** OrderStateStreamResponse.StatusCauseInfo. */
export const StatusCause = {
  UNSPECIFIED: 0,
  CANCELLED_BY_EXCHANGE: 1,
  CANCELLED_NOT_ENOUGH_POSITION: 2,
  REJECTED_BY_EXCHANGE: 5,
  CANCELLED_BY_CLIENT: 15,
} as const;
export const ResultSubscriptionStatus = { OK: 1, ERROR: 13 } as const;

/** Money and Quotation are carried as nanos (value × 10^9) inside the venue. */
export const NANO_SCALE = 9;

/** A request Quotation/MoneyValue as nanos, or undefined when units and nano break the venue's rules. */
export function nanosOf(q: { units?: string | number | null; nano?: number | null }): bigint | undefined {
  const units = BigInt(q.units ?? 0);
  const nano = q.nano ?? 0;
  if (!Number.isInteger(nano) || Math.abs(nano) >= 1e9) return undefined;
  if ((units > 0n && nano < 0) || (units < 0n && nano > 0)) return undefined;
  return units * 1_000_000_000n + BigInt(nano);
}

/** The venue's own error codes the simulator can produce: gRPC status and message text. */
export const VENUE_ERRORS = {
  '12001': [status.UNIMPLEMENTED, 'method is not implemented'],
  // The sim's own catch-all for bad arguments the venue notes give no code for (e.g. a non-RUB pay-in).
  '30000': [status.INVALID_ARGUMENT, 'invalid request parameters'],
  '30011': [status.INVALID_ARGUMENT, 'interval is invalid'],
  '30012': [status.INVALID_ARGUMENT, 'to can not be earlier than from'],
  '30013': [status.INVALID_ARGUMENT, 'class_code is required'],
  '30014': [status.INVALID_ARGUMENT, 'the maximum request period for the given candle interval has been exceeded'],
  '30015': [status.INVALID_ARGUMENT, 'quantity is required'],
  '30017': [status.INVALID_ARGUMENT, 'price is required'],
  '30018': [status.INVALID_ARGUMENT, 'price is invalid'],
  '30019': [status.INVALID_ARGUMENT, 'direction is required'],
  '30020': [status.INVALID_ARGUMENT, 'direction is invalid'],
  '30021': [status.INVALID_ARGUMENT, 'account_id is required'],
  '30025': [status.INVALID_ARGUMENT, 'order_type is required'],
  '30026': [status.INVALID_ARGUMENT, 'order_type is invalid'],
  '30027': [status.INVALID_ARGUMENT, 'order_id is required'],
  '30028': [status.INVALID_ARGUMENT, 'order_id has invalid format, uuid is expected'],
  '30029': [status.INVALID_ARGUMENT, 'idempotency_key is required'],
  '30030': [status.INVALID_ARGUMENT, 'idempotency_key is invalid'],
  '30031': [status.INVALID_ARGUMENT, 'depth is required'],
  '30032': [status.INVALID_ARGUMENT, 'depth is invalid'],
  '30034': [status.INVALID_ARGUMENT, 'not enough balance'],
  '30069': [status.INVALID_ARGUMENT, 'limit is over 1000'],
  '30042': [status.INVALID_ARGUMENT, 'not enough assets for a margin trade'],
  '30055': [status.INVALID_ARGUMENT, 'order_id is longer than 36 characters'],
  // Stop orders (§7).
  '30036': [status.INVALID_ARGUMENT, 'stop_price is required'],
  '30037': [status.INVALID_ARGUMENT, 'stop_order_type is required'],
  '30038': [status.INVALID_ARGUMENT, 'stop_order_type is invalid'],
  '30039': [status.INVALID_ARGUMENT, 'trailing_data is invalid'],
  '30040': [status.INVALID_ARGUMENT, 'expire_date is invalid'],
  '30043': [status.INVALID_ARGUMENT, 'expiration_type is required'],
  '30044': [status.INVALID_ARGUMENT, 'expiration_type is invalid'],
  '30053': [status.INVALID_ARGUMENT, 'post stop_order error'],
  '30060': [status.INVALID_ARGUMENT, 'cancel stop-order error'],
  '30063': [status.INVALID_ARGUMENT, 'expire_date is out of range'],
  '30105': [status.INVALID_ARGUMENT, 'exchange_order_type must be LIMIT or MARKET'],
  '30106': [status.INVALID_ARGUMENT, 'status is invalid'],
  '30210': [status.INVALID_ARGUMENT, 'trailing indent or spread is required'],
  '30211': [status.INVALID_ARGUMENT, 'trailing indent_type is required'],
  '30212': [status.INVALID_ARGUMENT, 'trailing spread_type is required'],
  '30241': [status.INVALID_ARGUMENT, 'take_profit_type is not allowed for this stop_order_type'],
  '50006': [status.NOT_FOUND, 'stop-order not found'],
  '30059': [status.INVALID_ARGUMENT, 'cancel order error'],
  '30078': [status.INVALID_ARGUMENT, 'price is not a multiple of min_price_increment'],
  '30079': [status.INVALID_ARGUMENT, 'instrument is not available for trading'],
  '30080': [status.INVALID_ARGUMENT, 'quantity must be positive'],
  '30087': [status.INVALID_ARGUMENT, 'query is required'],
  '30093': [status.INVALID_ARGUMENT, 'figi or instrument_id is required'],
  '30098': [status.INVALID_ARGUMENT, 'there is no trading in this instrument now'],
  '30100': [status.INVALID_ARGUMENT, 'price must be positive'],
  '30220': [status.INVALID_ARGUMENT, 'candle_source_type can not be used with limit'],
  '30228': [status.INVALID_ARGUMENT, 'from or limit is required'],
  '40002': [status.PERMISSION_DENIED, 'insufficient privileges'],
  '40003': [status.UNAUTHENTICATED, 'authentication token is missing or invalid'],
  '50002': [status.NOT_FOUND, 'instrument not found'],
  '50004': [status.NOT_FOUND, 'account not found'],
  '50005': [status.NOT_FOUND, 'order not found'],
  '70001': [status.INTERNAL, 'internal error'],
  '70002': [status.INTERNAL, 'internal network error'],
  '70003': [status.INTERNAL, 'internal error'],
  '80001': [status.RESOURCE_EXHAUSTED, 'limit of open streams exceeded'],
  '80002': [status.RESOURCE_EXHAUSTED, 'request limit exceeded'],
  '80004': [status.RESOURCE_EXHAUSTED, 'no active subscriptions'],
  '80005': [status.RESOURCE_EXHAUSTED, 'stream lifetime too long'],
} as const satisfies Record<string, readonly [status, string]>;

export type VenueErrorCode = keyof typeof VENUE_ERRORS;

/** An error the handlers throw; the server turns it into the venue's wire format. */
export class VenueError extends Error {
  override readonly name = 'VenueError';

  private constructor(
    readonly status: status,
    /** Numeric venue code, sent as the status details; empty for plain transport errors. */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  static of(code: VenueErrorCode, message?: string): VenueError {
    const [st, text] = VENUE_ERRORS[code];
    return new VenueError(st, code, message ?? text);
  }

  /** A transport-level failure with no venue code (e.g. UNAVAILABLE "GOAWAY received"). */
  static transport(st: status, details: string): VenueError {
    return new VenueError(st, '', details);
  }
}

/** The status object grpc-js sends: details = code (or the text for transport errors), trailers carry the text. */
export function statusOf(err: VenueError, extra?: Metadata): Partial<StatusObject> {
  const md = extra ? extra.clone() : new Metadata();
  // Transport failures come from the proxy, not the API: no venue trailers.
  if (err.code === '') return { code: err.status, details: err.message, metadata: md };
  md.set('message', err.message);
  if (md.get('x-tracking-id').length === 0) md.set('x-tracking-id', trackingId());
  return { code: err.status, details: err.code, metadata: md };
}
