/**
 * The bounds of what a trader (over the bridge) or the database may hand the alerts core:
 * one zod schema per input, so a rule read back from a file is held to the same rules as one
 * typed in the panel.
 */
import { z } from 'zod';
import { VENUE_IDS } from '../../common/domain.js';
import { isDecText } from '../../common/decimal.js';
import { ORDER_ALERT_EVENTS, WEBHOOK_PRESETS } from './types.js';
import type { AlertRule } from './types.js';

const venueId = z.enum(VENUE_IDS);
const instrumentId = z.string().min(1).max(64).regex(/^[\w./:-]+$/);
const level = z
  .string()
  .max(40)
  .refine((s) => isDecText(s) && !s.startsWith('-') && /[1-9]/.test(s), 'must be a positive decimal like "101.5"');
export const entityId = z.string().uuid();
/** At most this many webhook endpoints per rule, and in the app. */
export const MAX_WEBHOOKS = 20;
export const MAX_RULES = 500;

const channelsShape = { os: z.boolean(), webhooks: z.array(entityId).max(MAX_WEBHOOKS) };
const label = z.string().max(80).optional();

/**
 * A rule's fields per kind, around `channels`: strict where a trader or the database hands a
 * rule in, stripping where a gateway answers with one (as every answer from it is read).
 */
function ruleShapes<C extends z.ZodType>(channels: C) {
  return {
    price: {
      kind: z.enum(['price-above', 'price-below']),
      venue: venueId,
      instrumentId,
      level,
      repeat: z.enum(['once', 'rearm']),
      label,
      channels,
    },
    order: {
      kind: z.literal('order'),
      venue: venueId.optional(),
      events: z.array(z.enum(ORDER_ALERT_EVENTS)).min(1).max(ORDER_ALERT_EVENTS.length),
      label,
      channels,
    },
    connection: {
      kind: z.literal('connection-down'),
      venue: venueId,
      /** A day at most: longer is not an alert. */
      seconds: z.number().int().min(1).max(86_400),
      label,
      channels,
    },
  };
}

const inputShapes = ruleShapes(z.object(channelsShape).strict());
const priceInput = z.object(inputShapes.price).strict();
const orderInput = z.object(inputShapes.order).strict();
const connectionInput = z.object(inputShapes.connection).strict();

export const alertRuleInputSchema = z.discriminatedUnion('kind', [priceInput, orderInput, connectionInput]);

const stored = { id: entityId, createdAt: z.number().int().nonnegative(), active: z.boolean() };
export const alertRuleSchema = z.discriminatedUnion('kind', [priceInput.extend(stored), orderInput.extend(stored), connectionInput.extend(stored)]);

/** A rule in a gateway's answer: the same bounds, unknown fields dropped rather than refused. */
const answerShapes = ruleShapes(z.object(channelsShape));
export const alertRuleAnswerSchema = z.discriminatedUnion('kind', [
  z.object({ ...answerShapes.price, ...stored }),
  z.object({ ...answerShapes.order, ...stored }),
  z.object({ ...answerShapes.connection, ...stored }),
]) satisfies z.ZodType<AlertRule>;

/** A rule read back from the database, or undefined when it does not fit. */
export function parseStoredRule(v: unknown): AlertRule | undefined {
  const r = alertRuleSchema.safeParse(v);
  return r.success ? (r.data as AlertRule) : undefined;
}

/** Only http(s), and a length no real hook needs more than. */
export const webhookUrl = z
  .string()
  .max(2048)
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'https:' || u.protocol === 'http:') && u.username === '' && u.password === '';
    } catch {
      return false;
    }
  }, 'must be an http or https URL without a user name or password in it');

export const webhookSaveSchema = z
  .object({
    /** Omitted: a new endpoint. */
    id: entityId.optional(),
    name: z.string().min(1).max(80),
    preset: z.enum(WEBHOOK_PRESETS),
    /** Omitted on an update: the stored URL stays (Slack and Telegram keep theirs in the vault). */
    url: webhookUrl.optional(),
    chatId: z.string().min(1).max(64).regex(/^-?[\w@]+$/).optional(),
    /** Write-only: the HMAC key; omitted = unchanged, '' = removed. */
    secret: z.string().max(256).optional(),
  })
  .strict()
  .refine((w) => w.id !== undefined || w.url !== undefined, { message: 'a new endpoint needs a URL', path: ['url'] })
  .refine((w) => w.preset !== 'telegram' || w.id !== undefined || w.chatId !== undefined, { message: 'a Telegram endpoint needs the chat id', path: ['chatId'] });
