/**
 * What alerts are, as the core keeps them and the bridge reports them. Node-free: the
 * contract re-exports these types and the renderer's type check follows it here.
 */
import type { Dec, VenueId } from '../../common/domain.js';

export const ALERT_KINDS = ['price-above', 'price-below', 'order', 'connection-down'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export const ORDER_ALERT_EVENTS = ['fill', 'partial-fill', 'reject', 'cancel'] as const;
export type OrderAlertEvent = (typeof ORDER_ALERT_EVENTS)[number];

export const WEBHOOK_PRESETS = ['generic', 'slack', 'telegram'] as const;
export type WebhookPreset = (typeof WEBHOOK_PRESETS)[number];

/** Where a fired alert goes besides the toast, which it always reaches. */
export interface AlertChannels {
  /** An OS notification: Electron's in the app, the browser's in headless mode once allowed. */
  os: boolean;
  /** Webhook endpoint ids. */
  webhooks: string[];
}

interface RuleBase {
  id: string;
  /** The trader's own words for it; optional. */
  label?: string;
  channels: AlertChannels;
  /** ms since epoch. */
  createdAt: number;
}

/** Fires when the price crosses the level: the previous price was on the other side. */
export interface PriceRule extends RuleBase {
  kind: 'price-above' | 'price-below';
  venue: VenueId;
  instrumentId: string;
  /** Exact decimal text. */
  level: Dec;
  /** After firing: 'once' spends the rule, 'rearm' fires again on the next crossing. */
  repeat: 'once' | 'rearm';
  /** Spent 'once' rules stay listed, inactive, until deleted or re-armed by an update. */
  active: boolean;
}

export interface OrderRule extends RuleBase {
  kind: 'order';
  /** Undefined: every venue. */
  venue?: VenueId;
  events: OrderAlertEvent[];
  active: boolean;
}

/** Fires when a venue stays out of live longer than `seconds`, and says when it is back. */
export interface ConnectionRule extends RuleBase {
  kind: 'connection-down';
  venue: VenueId;
  seconds: number;
  active: boolean;
}

export type AlertRule = PriceRule | OrderRule | ConnectionRule;

/** A rule as the trader writes it: the app gives it an id, a creation time and its state. */
export type AlertRuleInput =
  | Omit<PriceRule, 'id' | 'createdAt' | 'active'>
  | Omit<OrderRule, 'id' | 'createdAt' | 'active'>
  | Omit<ConnectionRule, 'id' | 'createdAt' | 'active'>;

/** One firing, as the toast, the notification and the webhook tell it. */
export interface FiredAlert {
  id: string;
  ruleId: string;
  kind: AlertKind;
  /** 'recovered' for the second message of a connection-down alert. */
  phase?: 'recovered';
  at: number;
  title: string;
  message: string;
  venue?: VenueId;
  instrumentId?: string;
  /** The price that crossed, for price alerts. */
  price?: Dec;
  clientOrderId?: string;
  /** Whether the rule asked for an OS notification. */
  os: boolean;
}

/** A webhook endpoint as listed: its secret never leaves the vault, only whether one is set. */
export interface WebhookEndpoint {
  id: string;
  name: string;
  preset: WebhookPreset;
  /**
   * Generic: the URL itself. Slack and Telegram: the URL is the credential (the bot token, the
   * hook's path), so it lives in the vault and only its origin is shown here.
   */
  url: string;
  /** Telegram: the chat the bot writes to. */
  chatId?: string;
  /** Generic: an HMAC key is in the vault. Slack/Telegram: the URL is. */
  secretSet: boolean;
  createdAt: number;
}

export const DELIVERY_STATES = ['pending', 'delivered', 'dead'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

export interface DeliveryAttempt {
  at: number;
  /** The HTTP status, when an answer came. */
  status?: number;
  /** Why it did not count as delivered (timeout, refused, 500…). */
  error?: string;
}

/** One alert bound for one endpoint; its id is sent as Switchboard-Delivery on every attempt. */
export interface Delivery {
  id: string;
  webhookId: string;
  alertId: string;
  event: string;
  state: DeliveryState;
  attempts: DeliveryAttempt[];
  lastError?: string;
  createdAt: number;
  updatedAt: number;
}
