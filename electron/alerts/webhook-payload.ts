/**
 * What a webhook receives: the body for each preset, and the signature over it. The body is
 * built once per delivery and stored; every attempt sends and signs those same bytes.
 */
import { createHmac } from 'node:crypto';
import type { FiredAlert, WebhookPreset } from './types.js';

export const SIGNATURE_HEADER = 'Switchboard-Signature';
export const DELIVERY_HEADER = 'Switchboard-Delivery';
export const EVENT_HEADER = 'Switchboard-Event';
export const ATTEMPT_HEADER = 'Switchboard-Attempt';

/** Hex HMAC-SHA256 of "<t>.<body>" under the endpoint's key; `t` is unix ms. */
export function signature(key: string, t: number, body: string): string {
  return createHmac('sha256', key).update(`${t}.${body}`).digest('hex');
}

/** The header value: `t=<unix ms>,v1=<hex>`. */
export function signatureHeader(key: string, t: number, body: string): string {
  return `t=${t},v1=${signature(key, t, body)}`;
}

/** The event name sent as Switchboard-Event: the alert's kind, with `.recovered` for a recovery. */
export function eventOf(a: FiredAlert): string {
  return a.phase === 'recovered' ? `${a.kind}.recovered` : a.kind;
}

/** One line a chat shows. */
export function alertText(a: FiredAlert): string {
  return `${a.title}: ${a.message}`;
}

/** The JSON body for the preset; Telegram needs the chat it writes to. */
export function payloadFor(preset: WebhookPreset, a: FiredAlert, deliveryId: string, chatId?: string, event: string = eventOf(a)): string {
  switch (preset) {
    case 'slack':
      // Slack incoming webhooks: `text` is the fallback, `blocks` the layout.
      return JSON.stringify({ text: alertText(a), blocks: [{ type: 'section', text: { type: 'plain_text', text: alertText(a) } }] });
    case 'telegram':
      // Bot API sendMessage; plain text, so nothing in an instrument's name needs escaping.
      return JSON.stringify({ chat_id: chatId ?? '', text: alertText(a) });
    case 'generic': {
      const { os: _os, ...alert } = a;
      return JSON.stringify({ type: 'alert', event, delivery: deliveryId, alert });
    }
  }
}
