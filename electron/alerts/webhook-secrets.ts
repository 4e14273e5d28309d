/**
 * Where webhook secrets live: the app's vault, under names of their own (one per endpoint),
 * beside the venue credentials. The alerts core sees only this interface; the composition
 * root adapts the vault to it.
 */
import { z } from 'zod';

export interface WebhookSecret {
  /** HMAC-SHA256 key for Switchboard-Signature. */
  hmacKey?: string;
  /** Slack and Telegram: the whole URL, which carries the hook's credential or the bot token. */
  url?: string;
}

export interface WebhookSecretVault {
  get(webhookId: string): Promise<WebhookSecret | null>;
  set(webhookId: string, secret: WebhookSecret): Promise<void>;
  delete(webhookId: string): Promise<void>;
}

/** The vault's entry name of an endpoint's secret. */
export function webhookSecretName(webhookId: string): string {
  return `webhook:${webhookId}`;
}

/** A vault of plain text secrets by name (the app's SecretStore.named). */
export interface NamedSecrets {
  get(name: string): Promise<string | null>;
  set(name: string, value: string): Promise<void>;
  delete(name: string): Promise<void>;
}

const storedSecret = z.object({ v: z.literal(1), hmacKey: z.string().max(256).optional(), url: z.string().max(2048).optional() }).strict();

/** Webhook secrets as one small JSON entry per endpoint; a damaged entry reads as none, never echoed. */
export function webhookVault(named: NamedSecrets): WebhookSecretVault {
  return {
    async get(id) {
      const text = await named.get(webhookSecretName(id));
      if (text === null) return null;
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch {
        return null;
      }
      const parsed = storedSecret.safeParse(raw);
      if (!parsed.success) return null;
      const out: WebhookSecret = {};
      if (parsed.data.hmacKey !== undefined) out.hmacKey = parsed.data.hmacKey;
      if (parsed.data.url !== undefined) out.url = parsed.data.url;
      return out;
    },
    set: (id, secret) => named.set(webhookSecretName(id), JSON.stringify({ v: 1, ...secret })),
    delete: (id) => named.delete(webhookSecretName(id)),
  };
}
