/**
 * The gateway protocol's decoders: bytes from NATS (or from a console) into the typed messages of
 * protocol.ts, or a short error. Every message is untrusted: size first, then UTF-8 and JSON, then
 * one zod schema per message (built once, here: the market-data and order decoders run per
 * message), then what a schema can't say alone (a candle's sanity and key, a book's depth).
 * Errors quote no input: only the schema's own words and paths (bridge/validate's describeIssue).
 * Outputs hold only the fields we know (zod strips the rest).
 */
import { z } from 'zod';
import {
  CONNECTION_STATES,
  ERROR_KINDS,
  INTERVALS,
  ORDER_TYPES,
  TIME_IN_FORCE,
  VENUE_IDS,
  VENUE_MODES,
} from '../../common/domain.js';
import type {
  Candle,
  CandleKey,
  ConnectionDiagnostics,
  EvidenceSource,
  MarketKey,
  Order,
  OrderBook,
  OrderStatus,
  Quote,
  TradePrint,
  VenueErrorInfo,
  VenueMode,
} from '../../common/domain.js';
import { isDecText, isPlainDecimal } from '../../common/decimal.js';
import { candleProblem } from '../../common/candle-sanity.js';
import { BRIDGE_ERROR_CODES, requestSchemas } from '../contract.js';
import { describeIssue } from '../bridge/validate.js';
import type { ConnectionEvent, VenueSummary } from '../core/types.js';
import { ALERT_KINDS } from '../alerts/types.js';
import type { FiredAlert } from '../alerts/types.js';
import { MAX_MESSAGE_BYTES } from './protocol.js';
import type {
  ConsoleHello,
  ConsoleLease,
  GatewayHello,
  GatewayReply,
  GatewayRequest,
  GatewayStatus,
  LeaseReply,
  MarketDataMessage,
  OrderStreamEntry,
  SnapshotReply,
  SnapshotRequest,
} from './protocol.js';

/** A decoder's answer: the message, or why not (short; quotes no input bytes). */
export type Decoded<T> = { ok: true; value: T } | { ok: false; error: string };

/** What a market-data subject carries: its key says which candles, book, quote or trades belong there. */
export type MarketDataExpect = { kind: 'candle'; key: CandleKey } | { kind: 'market'; key: MarketKey };

/** Keys per lease or snapshot request: 20 charts with a book, tape and quote each is ~80. */
export const MAX_LEASE_KEYS = 1000;
/** Nesting allowed in a request (the contract checks it next) and a reply's value (answer-schemas.ts next): results are a few levels deep. */
export const MAX_PAYLOAD_DEPTH = 64;
/** A failure's text as the bridge gives it; longer is cut by nobody honest. */
export const MAX_REPLY_MESSAGE_LENGTH = 2000;
const MAX_ERROR_LENGTH = 200;

// ── the pieces ──
// Order statuses and evidence sources are types only in common/domain.ts: listed here, and the
// compiler checks both lists are whole (a status added there fails the typecheck here).
const ORDER_STATUSES = ['pending', 'open', 'partially-filled', 'filled', 'cancelled', 'rejected', 'expired', 'unknown'] as const satisfies readonly OrderStatus[];
const EVIDENCE_SOURCES = ['send', 'stream', 'reconcile', 'history', 'replay'] as const satisfies readonly EvidenceSource[];
const VENUE_MODE_LIST = [...new Set(Object.values(VENUE_MODES).flat())] as [VenueMode, ...VenueMode[]];
export type Whole<All, Listed> = [Exclude<All, Listed>] extends [never] ? true : false;
const wholeLists: [Whole<OrderStatus, (typeof ORDER_STATUSES)[number]>, Whole<EvidenceSource, (typeof EVIDENCE_SOURCES)[number]>] = [true, true];
void wholeLists;

/** Keys exactly as the bridge takes them from a renderer: the same bounds on ids, intervals, depths. */
const candleKey = requestSchemas['candles.subscribe'];
const marketKey = requestSchemas['market.subscribe'];
export const venueId = z.enum(VENUE_IDS);
const interval = z.enum(INTERVALS);
export const instrumentId = candleKey.shape.instrumentId;
const connectionState = z.enum(CONNECTION_STATES);

/** Ids we make (gateway, console, client, request): one token of a NATS subject or a header. */
const wireId = z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be 1 to 128 letters, digits or ._:-');
/** A venue's id or code: bounded, anything printable. */
export const venueText = (max: number) => z.string().min(1).max(max);
export const text = (max: number) => z.string().max(max);
/** ms since epoch, counts, sequences: whole, safe, never negative. */
export const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
export const time = count;
/** Rates, round trips, headroom: finite (JSON's 1e400 is Infinity). */
export const finite = z.number().finite();

/** Exact decimal text, never a JSON number: what the contract takes ("-1.5", "12"). */
export const signedDec = z.string().max(40).refine(isDecText, 'must be a plain decimal like "12.5"');
/** Prices, quantities: no sign ("1e3", "-1", "0x10", " 1" are refused). */
export const dec = z.string().max(40).refine(isPlainDecimal, 'must be a plain non-negative decimal like "12.5"');

/** Lower-case currency or asset code ("rub", "usd", "xbt"). */
export const currency = text(16);
/** A venue's or the core's why: its code and words. */
export const reason = z.object({ code: text(200), message: text(MAX_REPLY_MESSAGE_LENGTH) });

const venueError = z.object({
  kind: z.enum(ERROR_KINDS),
  code: text(200),
  message: text(MAX_REPLY_MESSAGE_LENGTH),
  trackingId: text(200).optional(),
  retryAfterMs: count.optional(),
  at: time,
}) satisfies z.ZodType<VenueErrorInfo>;

// Candle sanity (candleProblem) needs the caller's clock: it runs after the schema.
export const candle = z.object({
  venue: venueId,
  instrumentId,
  interval,
  time: count,
  open: dec,
  high: dec,
  low: dec,
  close: dec,
  volume: dec,
}) satisfies z.ZodType<Candle>;

const bookLevel = z.object({ price: dec, quantity: dec });
const book = z
  .object({
    venue: venueId,
    instrumentId,
    depth: marketKey.shape.depth.unwrap(),
    bids: z.array(bookLevel).max(1000),
    asks: z.array(bookLevel).max(1000),
    time: time.optional(),
    receivedAt: time,
    health: z.object({
      verification: z.enum(['checksum', 'snapshot']),
      verified: count,
      failures: count,
      resyncs: count,
      consistent: z.boolean(),
    }),
  })
  .refine((b) => b.bids.length <= b.depth && b.asks.length <= b.depth, 'has more levels than its depth') satisfies z.ZodType<OrderBook>;

const quote = z.object({
  venue: venueId,
  instrumentId,
  bid: dec.optional(),
  bidQty: dec.optional(),
  ask: dec.optional(),
  askQty: dec.optional(),
  last: dec.optional(),
  reference: dec.optional(),
  change: signedDec.optional(),
  changePct: signedDec.optional(),
  status: z
    .object({ tradable: z.boolean(), limitOrders: z.boolean(), marketOrders: z.boolean(), venueStatus: text(128) })
    .optional(),
  time,
}) satisfies z.ZodType<Quote>;

const tradePrint = z.object({
  venue: venueId,
  instrumentId,
  tradeId: venueText(128),
  price: dec,
  quantity: dec,
  side: z.enum(['buy', 'sell']).optional(),
  time,
}) satisfies z.ZodType<TradePrint>;

/** Fills per order: a large market order fills many times, but not more than this. */
const MAX_FILLS = 10_000;
const MAX_AMENDS = 1000;
export const order = z.object({
  venue: venueId,
  accountId: venueText(128),
  clientOrderId: venueText(128),
  venueOrderId: venueText(128).optional(),
  instrumentId,
  side: z.enum(['buy', 'sell']),
  type: z.enum(ORDER_TYPES),
  quantity: dec,
  price: dec.optional(),
  triggerPrice: dec.optional(),
  trailingOffset: z.object({ value: dec, unit: z.enum(['price', 'percent']) }).optional(),
  timeInForce: z.enum(TIME_IN_FORCE).optional(),
  expireAt: time.optional(),
  postOnly: z.boolean().optional(),
  triggeredAt: time.optional(),
  amends: z
    .array(
      z.object({
        amendId: venueText(128),
        price: dec.optional(),
        quantity: dec.optional(),
        triggerPrice: dec.optional(),
        venueOrderId: venueText(128).optional(),
        at: time,
      }),
    )
    .max(MAX_AMENDS)
    .optional(),
  status: z.enum(ORDER_STATUSES),
  filledQuantity: dec,
  averagePrice: dec.optional(),
  fills: z
    .array(
      z.object({
        tradeId: venueText(128),
        price: dec,
        quantity: dec,
        time,
        // A rebate is a negative fee.
        fee: signedDec.optional(),
        feeCurrency: currency.optional(),
      }),
    )
    .max(MAX_FILLS),
  reason: reason.extend({ trackingId: text(200).optional() }).optional(),
  createdAt: time,
  updatedAt: time,
}) satisfies z.ZodType<Order>;

const orderEntry = z.object({ gatewayId: wireId, order, source: z.enum(EVIDENCE_SOURCES) }) satisfies z.ZodType<OrderStreamEntry>;

/** Caps beyond what the core keeps (timeline 20, samples 8): room for a newer gateway, not for a flood. */
export const diagnostics = z.object({
  venue: venueId,
  connection: venueText(64),
  state: connectionState,
  timeline: z.array(z.object({ state: connectionState, at: time, reason: text(1000) })).max(200),
  lastMessageAt: time.optional(),
  messageRate: finite.min(0),
  messages: count,
  bytesReceived: count.optional(),
  reconnects: count,
  pingRttMs: finite.min(0).optional(),
  subscriptions: z.object({ pending: count, confirmed: count }),
  limiters: z
    .array(z.object({ name: venueText(64), remaining: finite, limit: finite, resetInMs: finite.min(0).optional(), queued: count }))
    .max(100),
  breakers: z.array(z.object({ name: venueText(64), state: z.enum(['closed', 'open', 'half-open']), failures: count })).max(100),
  lastError: venueError.optional(),
  malformed: count,
  malformedSamples: z.array(z.object({ at: time, detail: text(1000), frame: text(4096).optional() })).max(50),
  clockSkewMs: finite.optional(),
  deadManSwitch: z.object({ armed: z.boolean(), timeoutSec: count, triggerAt: time.optional() }).optional(),
}) satisfies z.ZodType<ConnectionDiagnostics>;

export const venueSummary = z.object({
  id: venueId,
  name: venueText(64),
  mode: z.enum(VENUE_MODE_LIST),
  state: connectionState,
  accounts: z.array(z.object({ venue: venueId, id: venueText(128), name: text(200) })).max(1000),
  intervals: z.array(interval).max(INTERVALS.length),
  bookDepths: z.array(z.number().int().min(1).max(1000)).max(100),
  orderTypes: z.array(z.enum(ORDER_TYPES)).max(ORDER_TYPES.length),
  timeInForce: z.array(z.enum(TIME_IN_FORCE)).max(TIME_IN_FORCE.length),
}) satisfies z.ZodType<VenueSummary>;

const gatewayStatus = z.object({
  gatewayId: wireId,
  at: time,
  summaries: z.array(venueSummary).max(100),
  diagnostics: z.array(diagnostics).max(1000),
  orderSeq: count,
  consoles: count,
}) satisfies z.ZodType<GatewayStatus>;

const connectionEvent = z.object({
  venue: venueId,
  connection: venueText(64),
  state: connectionState,
  at: time,
  reason: text(1000),
}) satisfies z.ZodType<ConnectionEvent>;

export const firedAlert = z.object({
  id: venueText(128),
  ruleId: venueText(128),
  kind: z.enum(ALERT_KINDS),
  phase: z.literal('recovered').optional(),
  at: time,
  title: text(500),
  message: text(MAX_REPLY_MESSAGE_LENGTH),
  venue: venueId.optional(),
  instrumentId: instrumentId.optional(),
  price: dec.optional(),
  clientOrderId: venueText(128).optional(),
  os: z.boolean(),
}) satisfies z.ZodType<FiredAlert>;

const version = venueText(64);
const leaseMs = z.number().int().min(1).max(86_400_000);
const gatewayHello = z.object({
  gatewayId: wireId,
  version,
  contract: z.number().int().min(1).max(1_000_000),
  startedAt: time,
  orderSeq: count,
  leaseMs,
  stopping: z.literal(true).optional(),
}) satisfies z.ZodType<GatewayHello>;

const leaseReply = z.object({ gatewayId: wireId, leaseMs }) satisfies z.ZodType<LeaseReply>;

/** Bars per key in a snapshot: "the last few", with room. */
const MAX_SNAPSHOT_CANDLES = 1000;
const snapshotReply = z.object({
  gatewayId: wireId,
  candles: z
    .array(z.object({ key: candleKey, seq: count, candles: z.array(candle).max(MAX_SNAPSHOT_CANDLES), failure: venueError.optional() }))
    .max(MAX_LEASE_KEYS),
  markets: z
    .array(z.object({ key: marketKey, seq: count, book: book.optional(), quote: quote.optional(), failure: venueError.optional() }))
    .max(MAX_LEASE_KEYS),
}) satisfies z.ZodType<SnapshotReply>;

/** Bars in one coalescing window: a closed bar and the forming one; more is a replay gone wrong. */
const MAX_WINDOW_CANDLES = 1000;
const MAX_WINDOW_TRADES = 10_000;
const marketData = z.object({
  g: wireId,
  s: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  candles: z.array(candle).max(MAX_WINDOW_CANDLES).optional(),
  book: book.optional(),
  quote: quote.optional(),
  trades: z.array(tradePrint).max(MAX_WINDOW_TRADES).optional(),
  failure: venueError.optional(),
}) satisfies z.ZodType<MarketDataMessage>;

const gatewayReply = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({
    ok: z.literal(false),
    code: z.enum(BRIDGE_ERROR_CODES),
    message: text(MAX_REPLY_MESSAGE_LENGTH),
    venue: z.object({ code: text(200), trackingId: text(200).optional() }).optional(),
  }),
]);

// A method without parameters may be called without a payload, as over the bridge.
const gatewayRequest = z.object({ consoleId: wireId, clientId: wireId, requestId: wireId, request: z.unknown().optional() });
const consoleHello = z.object({ consoleId: wireId, version }) satisfies z.ZodType<ConsoleHello>;
const keys = {
  candles: z.array(candleKey).max(MAX_LEASE_KEYS),
  markets: z.array(marketKey).max(MAX_LEASE_KEYS),
};
const consoleLease = z.object({ consoleId: wireId, ...keys }) satisfies z.ZodType<ConsoleLease>;
const snapshotRequest = z.object(keys) satisfies z.ZodType<SnapshotRequest>;
const bye = z.object({ consoleId: wireId });

// ── bytes → JSON → schema ──
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function fail(error: string): { ok: false; error: string } {
  return { ok: false, error: error.length > MAX_ERROR_LENGTH ? `${error.slice(0, MAX_ERROR_LENGTH - 1)}…` : error };
}

/** The message's JSON text: size checked before a byte is read, then strict UTF-8. */
function textOf(bytes: Uint8Array): Decoded<string> {
  if (!(bytes instanceof Uint8Array)) return fail('message is not bytes');
  if (bytes.byteLength > MAX_MESSAGE_BYTES) return fail(`message of ${bytes.byteLength} bytes exceeds ${MAX_MESSAGE_BYTES}`);
  try {
    return { ok: true, value: utf8.decode(bytes) };
  } catch {
    return fail('message is not UTF-8 text');
  }
}

function parseJson(s: string): Decoded<unknown> {
  try {
    return { ok: true, value: JSON.parse(s) as unknown };
  } catch {
    return fail('message is not JSON');
  }
}

/**
 * Deepest nesting of arrays and objects in a JSON text, stopping once past `limit`: a payload
 * a schema walks next must not be able to overflow its stack.
 */
function nestingOver(s: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > limit) return true;
    } else if (c === 93 || c === 125) depth--;
  }
  return false;
}

/** A schema's first issue, named by `what` and the path ("orders.list answer.0.price …"). */
export function describe(what: string, error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return `${what} is not valid`;
  const where = issue.path.length > 0 ? `${what}.${issue.path.join('.')}` : what;
  // zod's word for a required key of any value (a reply's value) that is absent.
  if (issue.code === 'invalid_type' && issue.expected === 'nonoptional') return `${where} is missing`;
  return `${where} ${describeIssue(issue)}`;
}

function decodeWith<T>(schema: z.ZodType<T>, what: string, bytes: Uint8Array, deepPayload = false): Decoded<T> {
  const t = textOf(bytes);
  if (!t.ok) return t;
  if (deepPayload && nestingOver(t.value, MAX_PAYLOAD_DEPTH)) return fail(`${what} is nested deeper than ${MAX_PAYLOAD_DEPTH} levels`);
  const json = parseJson(t.value);
  if (!json.ok) return json;
  const parsed = schema.safeParse(json.value);
  return parsed.success ? { ok: true, value: parsed.data } : fail(describe(what, parsed.error));
}

function sameCandleKey(c: Candle, k: CandleKey): boolean {
  return c.venue === k.venue && c.instrumentId === k.instrumentId && c.interval === k.interval;
}

function sameMarket(x: { venue: string; instrumentId: string }, k: MarketKey): boolean {
  return x.venue === k.venue && x.instrumentId === k.instrumentId;
}

/** Why candles can't be bars of key `k` now, or undefined when every one can. */
function candlesProblem(candles: readonly Candle[], k: CandleKey, nowMs: number, what: string): string | undefined {
  for (let i = 0; i < candles.length; i++) {
    const c = candles[i]!;
    if (!sameCandleKey(c, k)) return `${what}.${i} belongs to another key`;
    const p = candleProblem(c, { nowMs });
    if (p !== undefined) return `${what}.${i}: ${p}`;
  }
  return undefined;
}

function bookProblem(b: OrderBook, k: MarketKey, what: string): string | undefined {
  if (k.stream !== 'book') return `${what} on a ${k.stream} subject`;
  if (!sameMarket(b, k)) return `${what} belongs to another instrument`;
  if (b.depth !== k.depth) return `${what} has another depth than its key`;
  return undefined;
}

function quoteProblem(q: Quote, k: MarketKey, what: string): string | undefined {
  if (k.stream !== 'quote') return `${what} on a ${k.stream} subject`;
  return sameMarket(q, k) ? undefined : `${what} belongs to another instrument`;
}

// ── console side ──

/** One message of a market-data subject; `expect` is the key the subject names. */
export function decodeMarketData(bytes: Uint8Array, expect: MarketDataExpect, nowMs: number): Decoded<MarketDataMessage> {
  const d = decodeWith(marketData, 'market data', bytes);
  if (!d.ok) return d;
  const m = d.value;
  let problem: string | undefined;
  if (expect.kind === 'candle') {
    if (m.book !== undefined || m.quote !== undefined || m.trades !== undefined) problem = 'market data on a candle subject holds a book, quote or trades';
    else if (m.candles !== undefined) problem = candlesProblem(m.candles, expect.key, nowMs, 'market data.candles');
  } else {
    const k = expect.key;
    if (m.candles !== undefined) problem = 'market data on a market subject holds candles';
    else if (m.book !== undefined) problem = bookProblem(m.book, k, 'market data.book');
    if (problem === undefined && m.quote !== undefined) problem = quoteProblem(m.quote, k, 'market data.quote');
    if (problem === undefined && m.trades !== undefined) {
      if (k.stream !== 'trades') problem = `market data.trades on a ${k.stream} subject`;
      else if (!m.trades.every((t) => sameMarket(t, k))) problem = 'market data.trades belong to another instrument';
    }
  }
  return problem === undefined ? d : fail(problem);
}

/** One entry of the ORDERS stream. */
export function decodeOrderEntry(bytes: Uint8Array): Decoded<OrderStreamEntry> {
  return decodeWith(orderEntry, 'order entry', bytes);
}

export function decodeGatewayStatus(bytes: Uint8Array): Decoded<GatewayStatus> {
  return decodeWith(gatewayStatus, 'status', bytes);
}

export function decodeConnectionEvent(bytes: Uint8Array): Decoded<ConnectionEvent> {
  return decodeWith(connectionEvent, 'connection event', bytes);
}

export function decodeFiredAlert(bytes: Uint8Array): Decoded<FiredAlert> {
  return decodeWith(firedAlert, 'alert', bytes);
}

export function decodeGatewayHello(bytes: Uint8Array): Decoded<GatewayHello> {
  return decodeWith(gatewayHello, 'gateway hello', bytes);
}

export function decodeLeaseReply(bytes: Uint8Array): Decoded<LeaseReply> {
  return decodeWith(leaseReply, 'lease reply', bytes);
}

/** Every snapshot's candles, book and quote are checked against the key it answers. */
export function decodeSnapshotReply(bytes: Uint8Array, nowMs: number): Decoded<SnapshotReply> {
  const d = decodeWith(snapshotReply, 'snapshot reply', bytes);
  if (!d.ok) return d;
  for (let i = 0; i < d.value.candles.length; i++) {
    const s = d.value.candles[i]!;
    const problem = candlesProblem(s.candles, s.key, nowMs, `snapshot reply.candles.${i}.candles`);
    if (problem !== undefined) return fail(problem);
  }
  for (let i = 0; i < d.value.markets.length; i++) {
    const s = d.value.markets[i]!;
    const problem =
      (s.book && bookProblem(s.book, s.key, `snapshot reply.markets.${i}.book`)) ?? (s.quote && quoteProblem(s.quote, s.key, `snapshot reply.markets.${i}.quote`));
    if (problem !== undefined) return fail(problem);
  }
  return d;
}

/**
 * A forwarded method's answer: the envelope only, its value's nesting bounded. The value is the
 * method's result, checked next by answer-schemas.ts (checkForwardedResult).
 */
export function decodeGatewayReply(bytes: Uint8Array): Decoded<GatewayReply> {
  // zod requires `value` on a success: a result is never undefined (null at least).
  return decodeWith(gatewayReply, 'reply', bytes, true);
}

// ── gateway side ──

/** A console's call of a forwarded method; the gateway then checks `request` with the contract's validateRequest. */
export function decodeGatewayRequest(bytes: Uint8Array): Decoded<GatewayRequest> {
  const d = decodeWith(gatewayRequest, 'request', bytes, true);
  if (!d.ok) return d;
  const { consoleId, clientId, requestId, request } = d.value;
  return { ok: true, value: { consoleId, clientId, requestId, request } };
}

export function decodeConsoleHello(bytes: Uint8Array): Decoded<ConsoleHello> {
  return decodeWith(consoleHello, 'console hello', bytes);
}

export function decodeConsoleLease(bytes: Uint8Array): Decoded<ConsoleLease> {
  return decodeWith(consoleLease, 'lease', bytes);
}

export function decodeSnapshotRequest(bytes: Uint8Array): Decoded<SnapshotRequest> {
  return decodeWith(snapshotRequest, 'snapshot request', bytes);
}

export function decodeBye(bytes: Uint8Array): Decoded<{ consoleId: string }> {
  return decodeWith(bye, 'bye', bytes);
}
