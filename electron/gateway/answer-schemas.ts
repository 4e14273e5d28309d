/**
 * A forwarded method's answer, as a console passes it to its renderer: every one checked, as
 * every other message from NATS is (wire-schemas.ts owns the shared pieces and the decoders).
 * One schema per method, each tied to the contract's result type, so a method or a result
 * changed there fails the typecheck here. Strings and lists are bounded by what the producer
 * can make (its own caps, imported where it has them) with room, never by nothing; unknown
 * fields are dropped (zod's objects strip), as in every other decoded message.
 */
import { z } from 'zod';
import { INSTRUMENT_KINDS, ORDER_TYPES, VENUE_IDS } from '../../common/domain.js';
import type { Candle, Instrument, Portfolio, PositionPnl, TradeRecord } from '../../common/domain.js';
import { candleProblem } from '../../common/candle-sanity.js';
import { MAX_ALERT_HISTORY_READ, MAX_DEAD_LETTERS_READ, MAX_SEARCH_RESULTS, MAX_TRADES_READ } from '../contract.js';
import type { CancelAllResult, CredentialStatus, InspectorConnection, InspectorFrame, MethodResults, QuitSettings, RecordingStatus } from '../contract.js';
import type { CredentialMode } from '../credentials.js';
import { SECRET_STORE_ERROR_CODES } from '../credential-types.js';
import { ACK_KINDS } from '../core/ack-latency.js';
import type { AckSummary } from '../core/ack-latency.js';
import { MAX_CHANNEL_CHARS, MAX_DETAIL_CHARS, MAX_SHOWN_CHARS } from '../inspector/frame-text.js';
import { MAX_CHANNELS_LISTED, MAX_CONNECTIONS, MAX_READ } from '../inspector/wire-inspector.js';
import { alertRuleAnswerSchema, entityId, MAX_RULES, MAX_WEBHOOKS, webhookUrl } from '../alerts/rule-schema.js';
import { DELIVERY_STATES, WEBHOOK_PRESETS } from '../alerts/types.js';
import type { Delivery, WebhookEndpoint } from '../alerts/types.js';
import { MAX_MESSAGE_BYTES } from './protocol.js';
import type { ForwardedMethod } from './protocol.js';
import {
  MAX_REPLY_MESSAGE_LENGTH,
  candle,
  count,
  currency,
  dec,
  describe,
  diagnostics,
  fail,
  finite,
  firedAlert,
  instrumentId,
  order,
  reason,
  signedDec,
  text,
  time,
  venueId,
  venueSummary,
  venueText,
} from './wire-schemas.js';
import type { Decoded, Whole } from './wire-schemas.js';

// Credential modes are a type only (electron/credentials.ts): listed here, checked whole.
const CREDENTIAL_MODES = ['sandbox', 'live'] as const satisfies readonly CredentialMode[];
const wholeModes: Whole<CredentialMode, (typeof CREDENTIAL_MODES)[number]> = true;
void wholeModes;

/** An account id or a venue's order/trade id, as the order schema bounds them. */
const venueRef = venueText(128);
/** A record with string keys (an instrument's codes, fees per asset): a few entries, not a flood. */
const MAX_RECORD_KEYS = 100;
const fewKeys = (r: object): boolean => Object.keys(r).length <= MAX_RECORD_KEYS;

// ── instruments, trades, P&L, portfolio ──
const instrument = z.object({
  venue: venueId,
  id: instrumentId,
  symbol: venueText(64),
  name: text(500),
  currency,
  priceStep: dec,
  qtyStep: dec,
  lotSize: dec,
  qtyUnit: z.enum(['lot', 'base']),
  minQty: dec,
  tradable: z.boolean(),
  codes: z.record(text(64), text(256)).refine(fewKeys, `has more than ${MAX_RECORD_KEYS} codes`),
  kind: z.enum(INSTRUMENT_KINDS).optional(),
  pricing: z
    .discriminatedUnion('rule', [
      z.object({ rule: z.literal('bond-percent'), nominal: dec, accruedInterest: dec, nominalCurrency: currency }),
      z.object({ rule: z.literal('futures-points'), stepPrice: dec, underlying: text(64).optional(), underlyingSize: dec.optional() }),
      z.object({ rule: z.literal('currency-nominal'), nominal: dec }),
    ])
    .optional(),
  expiresAt: time.optional(),
}) satisfies z.ZodType<Instrument>;

const tradeRecord = z.object({
  venue: venueId,
  accountId: venueRef,
  tradeId: venueRef,
  instrumentId,
  side: z.enum(['buy', 'sell']),
  quantity: dec,
  price: dec,
  currency,
  // A rebate is a negative fee.
  fee: signedDec,
  feeCurrency: currency,
  time,
  clientOrderId: venueRef.optional(),
  venueOrderId: venueRef.optional(),
}) satisfies z.ZodType<TradeRecord>;

const positionPnl = z.object({
  venue: venueId,
  accountId: venueRef,
  instrumentId,
  symbol: venueText(64).optional(),
  // Negative = short; realized, unrealized and fees (rebates) may be below zero.
  quantity: signedDec,
  averageCost: dec.optional(),
  realized: signedDec,
  unrealized: signedDec.optional(),
  lastPrice: dec.optional(),
  fees: signedDec,
  otherFees: z.record(currency, signedDec).refine(fewKeys, `has more than ${MAX_RECORD_KEYS} assets`).optional(),
  currency,
  trades: count,
}) satisfies z.ZodType<PositionPnl>;

/** Positions of one account: a broker account holds dozens, an odd one hundreds. */
const MAX_POSITIONS = 10_000;
const portfolio = z.object({
  venue: venueId,
  accountId: venueRef,
  positions: z
    .array(
      z.object({
        venue: venueId,
        accountId: venueRef,
        instrumentId: instrumentId.optional(),
        asset: venueText(64),
        // A short position (T-Invest margin) is a negative quantity, and so is its value.
        quantity: signedDec,
        blocked: signedDec,
        averagePrice: dec.optional(),
        value: signedDec.optional(),
        currency: currency.optional(),
      }),
    )
    .max(MAX_POSITIONS),
  at: time,
}) satisfies z.ZodType<Portfolio>;

/**
 * A CSV export's text: the whole reply is refused past MAX_MESSAGE_BYTES before any schema runs,
 * and a character is a byte at least, so this bound takes every export the link can carry.
 */
export const MAX_EXPORT_CSV_CHARS = MAX_MESSAGE_BYTES;
const csvExport = z.object({
  filename: venueText(255),
  csv: text(MAX_EXPORT_CSV_CHARS),
  rows: count,
}) satisfies z.ZodType<MethodResults['history.exportCsv']>;

// ── orders beside the order itself ──
/** Accounts per venue, as a venue summary lists them. */
const MAX_ACCOUNTS = 1000;
/** Working orders of one account the journal may know; far past any real book of orders. */
const MAX_OPEN_ORDERS = 100_000;
const cancelAll = z.object({
  cancelled: count,
  failed: z.array(reason.extend({ venue: venueId, accountId: venueRef.optional() })).max(VENUE_IDS.length * MAX_ACCOUNTS),
  venues: z
    .array(
      z.object({
        venue: venueId,
        error: reason.optional(),
        accounts: z
          .array(
            z.object({
              accountId: venueRef,
              ok: z.boolean(),
              cancelled: count,
              attempts: count,
              error: reason.optional(),
              mayBeOpen: z.array(venueRef).max(MAX_OPEN_ORDERS),
            }),
          )
          .max(MAX_ACCOUNTS),
      }),
    )
    .max(VENUE_IDS.length),
}) satisfies z.ZodType<CancelAllResult>;

const ackOrderTypes = z.enum([...ORDER_TYPES, 'unknown']);
const ackSummary = z.object({
  venue: venueId,
  kind: z.enum(ACK_KINDS),
  orderType: ackOrderTypes,
  count,
  p50Ms: finite.min(0),
  p99Ms: finite.min(0),
  rejected: count,
  lost: count,
}) satisfies z.ZodType<AckSummary>;
/** One summary per venue, kind and order type: the product bounds the list. */
const MAX_ACK_SUMMARIES = VENUE_IDS.length * ACK_KINDS.length * ackOrderTypes.options.length;

// ── settings ──
const credentialStatus = z.object({
  backend: text(200),
  venues: z
    .array(
      z.object({
        venue: venueId,
        stored: z.boolean(),
        mode: z.enum(CREDENTIAL_MODES).optional(),
        problem: z.object({ code: z.enum(SECRET_STORE_ERROR_CODES), message: text(MAX_REPLY_MESSAGE_LENGTH) }).optional(),
      }),
    )
    .max(VENUE_IDS.length),
}) satisfies z.ZodType<CredentialStatus>;

// A record keyed by an enum takes every venue, no other.
const quitSettings = z.object({ cancelOnQuit: z.record(venueId, z.boolean()) }) satisfies z.ZodType<QuitSettings>;

// ── the wire inspector: its own caps (frame-text.ts, wire-inspector.ts) ──
const inspectorName = venueText(128);
const inspectorConnection = z.object({
  venue: inspectorName,
  connection: inspectorName,
  frames: count,
  channels: z.array(text(MAX_CHANNEL_CHARS)).max(MAX_CHANNELS_LISTED),
}) satisfies z.ZodType<InspectorConnection>;
const inspectorConnections = z.array(inspectorConnection).max(MAX_CONNECTIONS);

const inspectorFrame = z.object({
  seq: count,
  // Wall-clock ms with sub-ms precision: not a whole number.
  at: finite.min(0),
  venue: inspectorName,
  connection: inspectorName,
  channel: text(MAX_CHANNEL_CHARS).optional(),
  dir: z.enum(['in', 'out']),
  kind: z.enum(['frame', 'open', 'close', 'error']),
  call: count.optional(),
  status: z.object({ code: text(64), detail: text(MAX_DETAIL_CHARS) }).optional(),
  size: count,
  text: text(MAX_SHOWN_CHARS).optional(),
  truncated: z.literal(true).optional(),
  note: text(MAX_DETAIL_CHARS).optional(),
}) satisfies z.ZodType<InspectorFrame>;

const inspectorOpened = z.object({
  viewId: entityId,
  connections: inspectorConnections,
  capacity: count,
}) satisfies z.ZodType<MethodResults['inspector.open']>;

const inspectorRead = z.object({
  frames: z.array(inspectorFrame).max(MAX_READ),
  next: count,
  more: z.boolean(),
  gap: z.boolean(),
  connections: inspectorConnections,
}) satisfies z.ZodType<MethodResults['inspector.read']>;

// ── alerts and webhooks ──
/** A delivery's tries: the sender's default is 5; resends add more. */
const MAX_ATTEMPTS = 1000;
const delivery = z.object({
  id: entityId,
  webhookId: entityId,
  alertId: venueText(128),
  event: venueText(64),
  state: z.enum(DELIVERY_STATES),
  attempts: z.array(z.object({ at: time, status: z.number().int().min(100).max(599).optional(), error: text(MAX_REPLY_MESSAGE_LENGTH).optional() })).max(MAX_ATTEMPTS),
  lastError: text(MAX_REPLY_MESSAGE_LENGTH).optional(),
  createdAt: time,
  updatedAt: time,
}) satisfies z.ZodType<Delivery>;

const webhookEndpoint = z.object({
  id: entityId,
  name: venueText(80),
  preset: z.enum(WEBHOOK_PRESETS),
  url: webhookUrl,
  chatId: venueText(64).optional(),
  secretSet: z.boolean(),
  createdAt: time,
}) satisfies z.ZodType<WebhookEndpoint>;

// ── recording ──
const recordingStatus = z.object({
  recording: z.boolean(),
  // The recorder's wall clock has sub-ms precision: not a whole number.
  startedAt: finite.min(0).optional(),
  // One file per venue and connection kind a recording opened; a path under the data folder.
  files: z.array(z.object({ venue: venueText(64), file: venueText(4096), events: count, bytes: count })).max(1000),
}) satisfies z.ZodType<RecordingStatus>;

/** Every forwarded method's answer; the compiler refuses a forwarded method without one, or one of another type. */
type AnswerSchemas = { readonly [M in ForwardedMethod]: z.ZodType<MethodResults[M]> };

const RESULT_SCHEMAS: AnswerSchemas = {
  'venues.list': z.array(venueSummary).max(VENUE_IDS.length),
  'venues.connect': venueSummary,
  'venues.disconnect': venueSummary,
  'instruments.search': z.array(instrument).max(MAX_SEARCH_RESULTS),
  'instruments.get': instrument,
  'candles.history': z.array(candle).max(100_000),
  'diagnostics.get': z.array(diagnostics).max(1000),
  'orders.place': order,
  'orders.cancel': order,
  'orders.amend': order,
  'orders.cancelAll': cancelAll,
  'orders.list': z.array(order).max(1_000_000),
  'orders.ackLatency': z.array(ackSummary).max(MAX_ACK_SUMMARIES),
  'trades.list': z.array(tradeRecord).max(MAX_TRADES_READ),
  'positions.pnl': z.array(positionPnl).max(MAX_POSITIONS),
  'history.exportCsv': csvExport,
  'portfolio.get': portfolio,
  'credentials.status': credentialStatus,
  'credentials.store': credentialStatus,
  'credentials.delete': credentialStatus,
  'quitSettings.get': quitSettings,
  'quitSettings.set': quitSettings,
  'inspector.open': inspectorOpened,
  'inspector.read': inspectorRead,
  'inspector.close': z.null(),
  'alerts.list': z.array(alertRuleAnswerSchema).max(MAX_RULES),
  'alerts.create': alertRuleAnswerSchema,
  'alerts.update': alertRuleAnswerSchema,
  'alerts.delete': z.null(),
  'alerts.history': z.array(firedAlert).max(MAX_ALERT_HISTORY_READ),
  'alerts.deadLetters': z.array(delivery).max(MAX_DEAD_LETTERS_READ),
  'alerts.resend': delivery,
  'webhooks.list': z.array(webhookEndpoint).max(MAX_WEBHOOKS),
  'webhooks.save': webhookEndpoint,
  'webhooks.delete': z.null(),
  'webhooks.test': delivery,
  'recording.status': recordingStatus,
  'recording.start': recordingStatus,
  'recording.stop': recordingStatus,
};

/** A forwarded method's answer as the console may pass it on: checked, unknown fields gone; candles sane at `nowMs`. */
export function checkForwardedResult<M extends ForwardedMethod>(method: M, value: unknown, nowMs: number): Decoded<MethodResults[M]> {
  const schema: z.ZodType<MethodResults[M]> = RESULT_SCHEMAS[method];
  const parsed = schema.safeParse(value);
  if (!parsed.success) return fail(describe(`${method} answer`, parsed.error));
  if (method === 'candles.history') {
    for (const c of parsed.data as Candle[]) {
      const problem = candleProblem(c, { nowMs });
      if (problem !== undefined) return fail(`${method} answer: a candle ${problem}`);
    }
  }
  return { ok: true, value: parsed.data };
}
