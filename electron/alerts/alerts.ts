/**
 * The app's alerts: rules (kept in the database, re-armed on start), the engine that fires
 * them, and where a fired alert goes — every listener (the bridge sessions' toasts, the
 * desktop app's OS notification) and the rule's webhooks. Webhook secrets go to the vault;
 * what is listed says only whether one is set.
 */
import { randomUUID } from 'node:crypto';
import type { Hub } from '../core/hub.js';
import { HubError } from '../core/hub-error.js';
import type { Logger } from '../core/log.js';
import { registerSecret, silentLogger } from '../core/log.js';
import type { AlertStore, StoredDelivery } from '../store/alert-store.js';
import { AlertEngine } from './alert-engine.js';
import { MAX_RULES, MAX_WEBHOOKS } from './rule-schema.js';
import type { AlertRule, AlertRuleInput, Delivery, FiredAlert, WebhookEndpoint, WebhookPreset } from './types.js';
import { eventOf, payloadFor } from './webhook-payload.js';
import type { WebhookSecret, WebhookSecretVault } from './webhook-secrets.js';
import { WebhookSender } from './webhook-sender.js';
import type { ResolvedEndpoint, WebhookSenderOptions } from './webhook-sender.js';

export interface AlertsOptions {
  hub: Hub;
  store: AlertStore;
  /** Where webhook secrets live; none = endpoints that need one can't be saved. */
  vault: WebhookSecretVault | undefined;
  /** Webhook retry settings (tests shorten them). */
  sender?: Pick<WebhookSenderOptions, 'attempts' | 'timeoutMs' | 'backoff' | 'maxRetryAfterMs' | 'concurrency'>;
  /** A re-arming price rule fires at most once per this (a price dancing on the level is one alert); default 30 s. */
  rearmCooldownMs?: number;
  now?: () => number;
  log?: Logger;
}

export interface WebhookSave {
  id?: string | undefined;
  name: string;
  preset: WebhookPreset;
  url?: string | undefined;
  chatId?: string | undefined;
  secret?: string | undefined;
}

export type AlertListener = (a: FiredAlert) => void;

export class Alerts {
  private readonly hub: Hub;
  private readonly store: AlertStore;
  private readonly vault: WebhookSecretVault | undefined;
  private readonly rules = new Map<string, AlertRule>();
  private readonly listeners = new Set<AlertListener>();
  private readonly engine: AlertEngine;
  readonly sender: WebhookSender;
  private readonly now: () => number;
  private readonly log: Logger;

  constructor(opts: AlertsOptions) {
    this.hub = opts.hub;
    this.store = opts.store;
    this.vault = opts.vault;
    this.now = opts.now ?? Date.now;
    this.log = opts.log ?? silentLogger;
    this.sender = new WebhookSender({
      ...opts.sender,
      store: this.store,
      resolve: (id) => this.resolve(id),
      now: this.now,
      log: this.log.child('webhooks'),
    });
    this.engine = new AlertEngine({
      hub: this.hub,
      ...(opts.rearmCooldownMs !== undefined ? { rearmCooldownMs: opts.rearmCooldownMs } : {}),
      now: this.now,
      log: this.log.child('engine'),
      fire: (rule, alert) => this.deliver(rule, alert),
      spent: (rule) => {
        this.rules.set(rule.id, rule);
        this.store.saveRule(rule);
      },
    });
  }

  /** Re-arms the stored rules and resumes deliveries the last run left pending. */
  start(): void {
    for (const r of this.store.rules()) {
      this.rules.set(r.id, r);
      this.engine.add(r);
    }
    const resumed = this.sender.resume();
    if (resumed > 0) this.log.info(`resuming ${resumed} webhook delivery(ies) left pending`);
    if (this.store.unreadable > 0) this.log.warn(`${this.store.unreadable} alert row(s) in the database could not be read and were skipped`);
  }

  on(listener: AlertListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  list(): AlertRule[] {
    return [...this.rules.values()];
  }

  create(input: AlertRuleInput): AlertRule {
    if (this.rules.size >= MAX_RULES) throw new HubError('invalid', `at most ${MAX_RULES} alert rules`);
    this.checkWebhooks(input.channels.webhooks);
    const rule = { ...input, id: randomUUID(), createdAt: this.now(), active: true } as AlertRule;
    this.store.saveRule(rule);
    this.rules.set(rule.id, rule);
    this.engine.add(rule);
    return rule;
  }

  /** Replaces a rule's terms, keeping its id; an update re-arms a spent rule. */
  update(id: string, input: AlertRuleInput): AlertRule {
    const old = this.rules.get(id);
    if (!old) throw new HubError('not-found', 'no such alert rule');
    this.checkWebhooks(input.channels.webhooks);
    const rule = { ...input, id, createdAt: old.createdAt, active: true } as AlertRule;
    this.store.saveRule(rule);
    this.rules.set(id, rule);
    this.engine.add(rule);
    return rule;
  }

  delete(id: string): void {
    if (!this.rules.has(id)) throw new HubError('not-found', 'no such alert rule');
    this.engine.remove(id);
    this.rules.delete(id);
    this.store.deleteRule(id);
  }

  history(limit: number): FiredAlert[] {
    return this.store.history(limit);
  }

  webhooks(): WebhookEndpoint[] {
    return this.store.webhooks();
  }

  /** Saves an endpoint; the secret (and a Slack or Telegram URL) goes to the vault first. */
  async saveWebhook(req: WebhookSave): Promise<WebhookEndpoint> {
    const old = req.id === undefined ? undefined : this.store.webhooks().find((w) => w.id === req.id);
    if (req.id !== undefined && !old) throw new HubError('not-found', 'no such webhook');
    if (!old && this.store.webhooks().length >= MAX_WEBHOOKS) throw new HubError('invalid', `at most ${MAX_WEBHOOKS} webhooks`);
    const id = old?.id ?? randomUUID();
    const urlIsSecret = req.preset !== 'generic';
    const stored = (await this.vault?.get(id)) ?? {};
    const secret: WebhookSecret = { ...stored };
    if (req.secret !== undefined) {
      if (req.secret === '') delete secret.hmacKey;
      else secret.hmacKey = req.secret;
    }
    let shownUrl = old?.url ?? '';
    if (req.url !== undefined) {
      if (urlIsSecret) {
        secret.url = req.url;
        shownUrl = new URL(req.url).origin;
      } else {
        delete secret.url;
        shownUrl = req.url;
      }
    } else if (old && old.preset !== req.preset) {
      throw new HubError('invalid', 'changing the preset needs the URL again');
    }
    const hasSecret = secret.hmacKey !== undefined || secret.url !== undefined;
    if (hasSecret) {
      if (!this.vault) throw new HubError('unavailable', 'this app was started without a vault: webhook secrets cannot be stored');
      registerSecret(secret.hmacKey);
      registerSecret(secret.url);
      await this.vault.set(id, secret);
    } else await this.vault?.delete(id);
    const w: WebhookEndpoint = { id, name: req.name, preset: req.preset, url: shownUrl, secretSet: hasSecret, createdAt: old?.createdAt ?? this.now() };
    const chatId = req.chatId ?? old?.chatId;
    if (chatId !== undefined && req.preset === 'telegram') w.chatId = chatId;
    this.store.saveWebhook(w);
    return w;
  }

  async deleteWebhook(id: string): Promise<void> {
    if (!this.store.deleteWebhook(id)) throw new HubError('not-found', 'no such webhook');
    await this.vault?.delete(id);
    for (const r of this.rules.values()) {
      if (!r.channels.webhooks.includes(id)) continue;
      const next = { ...r, channels: { ...r.channels, webhooks: r.channels.webhooks.filter((w) => w !== id) } };
      this.rules.set(r.id, next);
      this.store.saveRule(next);
    }
  }

  /** Sends a test alert to one endpoint through the real delivery path. */
  testWebhook(id: string): Delivery {
    const w = this.store.webhooks().find((x) => x.id === id);
    if (!w) throw new HubError('not-found', 'no such webhook');
    const alert: FiredAlert = { id: randomUUID(), ruleId: 'test', kind: 'order', at: this.now(), title: 'Test', message: `A test alert from Switchboard to ${w.name}`, os: false };
    return publicDelivery(this.sender.enqueue(w.id, alert.id, 'test', (deliveryId) => payloadFor(w.preset, alert, deliveryId, w.chatId, 'test')));
  }

  deadLetters(limit: number): Delivery[] {
    return this.store.deliveries('dead', limit).map(publicDelivery);
  }

  resend(deliveryId: string): Delivery {
    const d = this.sender.resend(deliveryId);
    if (!d) throw new HubError('not-found', 'no such delivery in the dead-letter list');
    return publicDelivery(d);
  }

  /** Stops the engine and the sender; pending deliveries stay pending for the next start. */
  close(): void {
    this.engine.close();
    this.sender.close();
    this.listeners.clear();
  }

  private deliver(rule: AlertRule, alert: FiredAlert): void {
    this.store.addHistory(alert);
    for (const l of this.listeners) {
      try {
        l(alert);
      } catch (err) {
        this.log.error('an alert listener failed', err);
      }
    }
    const hooks = this.store.webhooks();
    for (const id of rule.channels.webhooks) {
      const w = hooks.find((x) => x.id === id);
      if (!w) continue;
      this.sender.enqueue(w.id, alert.id, eventOf(alert), (deliveryId) => payloadFor(w.preset, alert, deliveryId, w.chatId));
    }
  }

  private checkWebhooks(ids: readonly string[]): void {
    const known = new Set(this.store.webhooks().map((w) => w.id));
    const missing = ids.filter((id) => !known.has(id));
    if (missing.length > 0) throw new HubError('not-found', `no such webhook: ${missing.join(', ')}`);
  }

  private async resolve(id: string): Promise<ResolvedEndpoint | undefined> {
    const w = this.store.webhooks().find((x) => x.id === id);
    if (!w) return undefined;
    const secret = (await this.vault?.get(id)) ?? {};
    registerSecret(secret.hmacKey);
    registerSecret(secret.url);
    const url = w.preset === 'generic' ? w.url : secret.url;
    if (url === undefined) return undefined;
    const out: ResolvedEndpoint = { url };
    if (secret.hmacKey !== undefined) out.hmacKey = secret.hmacKey;
    return out;
  }
}

/** What crosses the bridge of a delivery: not its body (the alert is in the history). */
function publicDelivery(d: StoredDelivery): Delivery {
  const { payload: _payload, ...rest } = d;
  return rest;
}
