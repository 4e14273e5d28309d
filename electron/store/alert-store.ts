/**
 * Alerts in the database: the rules, the webhook endpoints (never their secrets), the fired
 * alerts (newest MAX_HISTORY kept) and every webhook delivery with its attempts. Rows written
 * by another version or damaged are skipped and counted, never thrown at the app.
 */
import type { AlertRule, Delivery, DeliveryAttempt, DeliveryState, FiredAlert, WebhookEndpoint, WebhookPreset } from '../alerts/types.js';
import { DELIVERY_STATES, WEBHOOK_PRESETS } from '../alerts/types.js';
import { parseStoredRule } from '../alerts/rule-schema.js';
import type { SqliteDb } from './db.js';

/** Fired alerts kept; older ones are dropped as new ones come. */
export const MAX_HISTORY = 500;
/** Finished (delivered) deliveries kept; pending and dead ones are always kept. */
export const MAX_DELIVERED = 1000;

/** A delivery as stored: what the sender needs to try it again. */
export interface StoredDelivery extends Delivery {
  payload: string;
}

interface DeliveryRow {
  id: string;
  webhook_id: string;
  alert_id: string;
  event: string;
  payload: string;
  state: string;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

interface WebhookRow {
  id: string;
  name: string;
  preset: string;
  url: string;
  chat_id: string | null;
  secret_set: number;
  created_at: number;
}

export class AlertStore {
  /** Rows that could not be read back (bad JSON, an unknown preset), since the store opened. */
  unreadable = 0;

  constructor(private readonly db: SqliteDb) {}

  rules(): AlertRule[] {
    const rows = this.db.prepare('SELECT body FROM alert_rules ORDER BY created_at, id').all() as { body: string }[];
    return rows.flatMap((r) => {
      const rule = this.json<unknown>(r.body).map(parseStoredRule)[0];
      if (rule === undefined) {
        this.unreadable += 1;
        return [];
      }
      return [rule];
    });
  }

  saveRule(rule: AlertRule): void {
    this.db.prepare('INSERT INTO alert_rules (id, created_at, body) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET body = excluded.body').run(rule.id, rule.createdAt, JSON.stringify(rule));
  }

  deleteRule(id: string): boolean {
    return this.db.prepare('DELETE FROM alert_rules WHERE id = ?').run(id).changes > 0;
  }

  webhooks(): WebhookEndpoint[] {
    const rows = this.db.prepare('SELECT * FROM webhooks ORDER BY created_at, id').all() as WebhookRow[];
    return rows.flatMap((r) => {
      if (!(WEBHOOK_PRESETS as readonly string[]).includes(r.preset)) {
        this.unreadable += 1;
        return [];
      }
      const w: WebhookEndpoint = { id: r.id, name: r.name, preset: r.preset as WebhookPreset, url: r.url, secretSet: r.secret_set === 1, createdAt: r.created_at };
      if (r.chat_id !== null) w.chatId = r.chat_id;
      return [w];
    });
  }

  saveWebhook(w: WebhookEndpoint): void {
    this.db
      .prepare(
        `INSERT INTO webhooks (id, name, preset, url, chat_id, secret_set, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, preset = excluded.preset, url = excluded.url, chat_id = excluded.chat_id, secret_set = excluded.secret_set`,
      )
      .run(w.id, w.name, w.preset, w.url, w.chatId ?? null, w.secretSet ? 1 : 0, w.createdAt);
  }

  deleteWebhook(id: string): boolean {
    return this.db.prepare('DELETE FROM webhooks WHERE id = ?').run(id).changes > 0;
  }

  addHistory(a: FiredAlert): void {
    this.db.transaction(() => {
      this.db.prepare('INSERT OR IGNORE INTO alert_history (id, at, body) VALUES (?, ?, ?)').run(a.id, a.at, JSON.stringify(a));
      this.db.prepare('DELETE FROM alert_history WHERE seq <= (SELECT MAX(seq) FROM alert_history) - ?').run(MAX_HISTORY);
    })();
  }

  /** Newest first. */
  history(limit: number): FiredAlert[] {
    const rows = this.db.prepare('SELECT body FROM alert_history ORDER BY seq DESC LIMIT ?').all(limit) as { body: string }[];
    return rows.flatMap((r) => this.json<FiredAlert>(r.body));
  }

  /** Persisted before the first byte is sent: a restart resumes it under the same id. */
  addDelivery(d: StoredDelivery): void {
    this.db
      .prepare('INSERT INTO webhook_deliveries (id, webhook_id, alert_id, event, payload, state, last_error, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(d.id, d.webhookId, d.alertId, d.event, d.payload, d.state, d.lastError ?? null, d.createdAt, d.updatedAt);
  }

  /** One attempt and where it left the delivery, in one transaction. */
  recordAttempt(id: string, attempt: DeliveryAttempt, state: DeliveryState, lastError: string | undefined): void {
    this.db.transaction(() => {
      const n = (this.db.prepare('SELECT COUNT(*) AS n FROM webhook_attempts WHERE delivery_id = ?').get(id) as { n: number }).n;
      this.db.prepare('INSERT INTO webhook_attempts (delivery_id, n, at, status, error) VALUES (?, ?, ?, ?, ?)').run(id, n + 1, attempt.at, attempt.status ?? null, attempt.error ?? null);
      this.db.prepare('UPDATE webhook_deliveries SET state = ?, last_error = ?, updated_at = ? WHERE id = ?').run(state, lastError ?? null, attempt.at, id);
      if (state === 'delivered') this.trimDelivered();
    })();
  }

  /** Back to pending for a resend; its attempts so far stay on record. */
  setState(id: string, state: DeliveryState, at: number): boolean {
    return this.db.prepare('UPDATE webhook_deliveries SET state = ?, updated_at = ? WHERE id = ?').run(state, at, id).changes > 0;
  }

  delivery(id: string): StoredDelivery | undefined {
    const row = this.db.prepare('SELECT * FROM webhook_deliveries WHERE id = ?').get(id) as DeliveryRow | undefined;
    return row && this.deliveryOf(row);
  }

  deliveries(state: DeliveryState, limit = 1000): StoredDelivery[] {
    const rows = this.db.prepare('SELECT * FROM webhook_deliveries WHERE state = ? ORDER BY created_at, id LIMIT ?').all(state, limit) as DeliveryRow[];
    return rows.flatMap((r) => {
      const d = this.deliveryOf(r);
      return d ? [d] : [];
    });
  }

  private deliveryOf(r: DeliveryRow): StoredDelivery | undefined {
    if (!(DELIVERY_STATES as readonly string[]).includes(r.state)) {
      this.unreadable += 1;
      return undefined;
    }
    const attempts = (this.db.prepare('SELECT at, status, error FROM webhook_attempts WHERE delivery_id = ? ORDER BY n').all(r.id) as { at: number; status: number | null; error: string | null }[]).map((a) => {
      const out: DeliveryAttempt = { at: a.at };
      if (a.status !== null) out.status = a.status;
      if (a.error !== null) out.error = a.error;
      return out;
    });
    const d: StoredDelivery = {
      id: r.id,
      webhookId: r.webhook_id,
      alertId: r.alert_id,
      event: r.event,
      payload: r.payload,
      state: r.state as DeliveryState,
      attempts,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
    if (r.last_error !== null) d.lastError = r.last_error;
    return d;
  }

  private trimDelivered(): void {
    this.db
      .prepare(
        `DELETE FROM webhook_deliveries WHERE state = 'delivered' AND id NOT IN
         (SELECT id FROM webhook_deliveries WHERE state = 'delivered' ORDER BY updated_at DESC LIMIT ?)`,
      )
      .run(MAX_DELIVERED);
  }

  private json<T>(text: string): T[] {
    try {
      return [JSON.parse(text) as T];
    } catch {
      this.unreadable += 1;
      return [];
    }
  }
}
