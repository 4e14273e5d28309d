/**
 * The one table that turns T-Invest wire errors into VenueError kinds (§3 error format, §4.5
 * codes). The numeric API code travels as the gRPC status *details*; the text is the `message`
 * trailer; `x-tracking-id` and `x-ratelimit-reset` sit beside it. Raw grpc errors stop here.
 */
import { status as Status } from '@grpc/grpc-js';
import type { Metadata } from '@grpc/grpc-js';
import type { ErrorKind } from '../../../common/domain.js';
import { VenueError, isVenueError } from '../venue.js';

/** What grpc-js hands us for a failed call: status code, details, trailers. */
export interface GrpcFailure {
  code: number;
  details: string;
  metadata?: Metadata | undefined;
}

export interface ErrorContext {
  /** Initial response headers, when they came before the failure. */
  headers?: Metadata | undefined;
  /**
   * True for calls with a side effect (orders): a lost answer then means the outcome is
   * unknown, not that nothing happened.
   */
  sideEffect?: boolean;
}

type Row = { kind: ErrorKind; note: string };

/** API code → kind. Ranges below fill in for codes this table does not name. */
const BY_CODE: ReadonlyMap<string, Row> = new Map<string, Row>([
  ['40002', { kind: 'auth', note: 'insufficient privileges (read-only token or no access to the account)' }],
  ['40003', { kind: 'auth', note: 'token missing or invalid' }],
  ['40004', { kind: 'rejected', note: 'orders not available for this account' }],
  ['50002', { kind: 'invalid', note: 'instrument not found' }],
  ['50004', { kind: 'invalid', note: 'account not found' }],
  ['50005', { kind: 'rejected', note: 'order not found' }],
  ['80001', { kind: 'rate-limited', note: 'limit of open streams exceeded' }],
  ['80002', { kind: 'rate-limited', note: 'request limit exceeded' }],
  ['80003', { kind: 'rate-limited', note: 'SMS limit exceeded' }],
  ['80004', { kind: 'unavailable', note: 'stream closed: no active subscriptions' }],
  ['80005', { kind: 'unavailable', note: 'stream closed: lifetime exceeded' }],
  ['70001', { kind: 'unavailable', note: 'internal error' }],
  ['70002', { kind: 'unavailable', note: 'internal network error' }],
  ['70003', { kind: 'unavailable', note: 'internal error' }],
  ['90001', { kind: 'rejected', note: 'confirmation required' }],
  ['90002', { kind: 'rejected', note: 'qualified investors only' }],
  ['90003', { kind: 'rejected', note: 'order value too high' }],
  ['12001', { kind: 'invalid', note: 'method not implemented' }],
  ['12002', { kind: 'invalid', note: 'method deprecated' }],
  ['35001', { kind: 'rejected', note: 'sandbox account limit' }],
]);

/** 30xxx codes that are the venue declining a well-formed request (the rest are malformed input). */
const REJECTED_30XXX = new Set([
  '30034', '30042', '30049', '30051', '30052', '30057', '30059', '30068', '30079', '30092', '30095',
  '30096', '30097', '30098', '30099', '30103', '30109', '30227', '30240',
]);

function byRange(code: string): Row | undefined {
  if (!/^\d{5}$/.test(code)) return undefined;
  if (code.startsWith('30')) {
    return REJECTED_30XXX.has(code)
      ? { kind: 'rejected', note: 'request declined' }
      : { kind: 'invalid', note: 'invalid request' };
  }
  if (code.startsWith('40')) return { kind: 'auth', note: 'not permitted' };
  if (code.startsWith('50')) return { kind: 'invalid', note: 'not found' };
  if (code.startsWith('70')) return { kind: 'unavailable', note: 'internal error' };
  if (code.startsWith('80')) return { kind: 'rate-limited', note: 'resource exhausted' };
  if (code.startsWith('90')) return { kind: 'rejected', note: 'failed precondition' };
  return undefined;
}

/** When no API code came (transport failures, proxies): the gRPC status alone decides. */
function byStatus(code: number, sideEffect: boolean): ErrorKind {
  switch (code) {
    case Status.UNAUTHENTICATED:
    case Status.PERMISSION_DENIED:
      return 'auth';
    case Status.RESOURCE_EXHAUSTED:
      return 'rate-limited';
    case Status.INVALID_ARGUMENT:
    case Status.NOT_FOUND:
    case Status.OUT_OF_RANGE:
    case Status.UNIMPLEMENTED:
      return 'invalid';
    case Status.FAILED_PRECONDITION:
    case Status.ALREADY_EXISTS:
    case Status.ABORTED:
      return 'rejected';
    case Status.UNAVAILABLE:
    case Status.DEADLINE_EXCEEDED:
    case Status.CANCELLED:
    case Status.INTERNAL:
    case Status.UNKNOWN:
      // "UNKNOWN: Stream removed", GOAWAY, RST_STREAM: the request may or may not have landed.
      return sideEffect ? 'unknown-outcome' : 'unavailable';
    default:
      return 'internal';
  }
}

function first(md: Metadata | undefined, key: string): string | undefined {
  const v = md?.get(key)[0];
  if (v === undefined) return undefined;
  return typeof v === 'string' ? v : v.toString('utf8');
}

/** A header from trailers first (trailers-only errors), then the initial headers. */
export function header(name: string, trailers: Metadata | undefined, headers?: Metadata): string | undefined {
  return first(trailers, name) ?? first(headers, name);
}

const STATUS_NAMES = new Map<number, string>(Object.entries(Status).map(([k, v]) => [v as number, k]));

export function isGrpcFailure(e: unknown): e is GrpcFailure {
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof (e as { code?: unknown }).code === 'number' &&
    typeof (e as { details?: unknown }).details === 'string'
  );
}

/** Maps one failed call. Keeps the venue code, its text and the tracking id. */
export function mapGrpcError(e: GrpcFailure, ctx: ErrorContext = {}): VenueError {
  const details = e.details.trim();
  const apiCode = /^\d{5}$/.test(details) ? details : undefined;
  const row = apiCode ? (BY_CODE.get(apiCode) ?? byRange(apiCode)) : undefined;
  const transport = e.code === Status.UNAVAILABLE || e.code === Status.DEADLINE_EXCEEDED || e.code === Status.CANCELLED;
  let kind: ErrorKind = row?.kind ?? byStatus(e.code, ctx.sideEffect ?? false);
  if (ctx.sideEffect && transport && !apiCode) kind = 'unknown-outcome';
  const statusName = STATUS_NAMES.get(e.code) ?? String(e.code);
  const code = apiCode ?? statusName;
  const text = header('message', e.metadata, ctx.headers) ?? (apiCode ? row?.note : details) ?? statusName;
  const trackingId = header('x-tracking-id', e.metadata, ctx.headers);
  let retryAfterMs: number | undefined;
  if (kind === 'rate-limited') {
    const reset = Number(header('x-ratelimit-reset', e.metadata, ctx.headers));
    retryAfterMs = Number.isFinite(reset) && reset >= 0 ? reset * 1000 : 1000;
  }
  return new VenueError(kind, code, text || statusName, { trackingId, retryAfterMs, cause: { code: e.code, details } });
}

/** Anything thrown below the adapter → VenueError; VenueErrors pass through. */
export function toVenueError(e: unknown, ctx: ErrorContext = {}): VenueError {
  if (isVenueError(e)) return e;
  if (isGrpcFailure(e)) return mapGrpcError(e, ctx);
  const msg = e instanceof Error ? e.message : String(e);
  return new VenueError('internal', 'internal', msg);
}

/** Worth trying again later (with backoff), as opposed to a fault in the request itself. */
export function isRetryable(e: VenueError): boolean {
  return e.kind === 'unavailable' || e.kind === 'rate-limited';
}

/**
 * What an order command (PostOrder, ReplaceOrder, CancelOrder) does after a failure. Retrying
 * is safe only because every attempt carries the same client key (§4.6).
 *  - `retry`: the request may have landed (transport loss, INTERNAL 70001-3): the same key again.
 *  - `refused`: the venue surely did not run it (80002): the same key once the window allows.
 *  - `not-sent`: it never left us (circuit open): wait, it does not count as an attempt.
 *  - `duplicate`: 30057, the venue knows the key but cannot report the order: ask, never resend.
 *  - `closed`: the connection is going away.
 *  - `final`: the venue declined the request itself (validation 30xxx, NOT_FOUND, PERMISSION_DENIED,
 *    FAILED_PRECONDITION, auth): never retried.
 */
export type OrderFailure = 'retry' | 'refused' | 'not-sent' | 'duplicate' | 'closed' | 'final';

export function orderFailure(e: VenueError): OrderFailure {
  if (e.code === 'closed') return 'closed';
  if (e.code === 'circuit-open') return 'not-sent';
  if (e.code === '30057') return 'duplicate';
  if (e.code === '80002') return 'refused';
  // An answer we could not read is as good as a lost one.
  if (e.kind === 'unknown-outcome' || e.kind === 'unavailable' || e.kind === 'internal') return 'retry';
  return 'final';
}
