/**
 * Delivers alerts to webhook endpoints. A delivery is written to the database before its first
 * byte is sent, under an id the receiver sees on every attempt (Switchboard-Delivery), so a
 * restart resumes it rather than losing or doubling it. Each attempt is bounded by a timeout;
 * failures back off (net/backoff.ts, the one backoff owner) and a 429's Retry-After is honoured.
 * 2xx is delivered. 4xx other than 408/429 and any redirect mean the request itself is wrong:
 * no retry, straight to the dead-letter list. After `attempts` failures the delivery is dead
 * with its last error; resend() gives it a fresh budget under the same id.
 */
import { randomUUID } from 'node:crypto';
import { Backoff } from '../net/backoff.js';
import type { BackoffOptions } from '../net/backoff.js';
import type { Logger } from '../core/log.js';
import { redact, silentLogger } from '../core/log.js';
import type { AlertStore, StoredDelivery } from '../store/alert-store.js';
import type { DeliveryAttempt, DeliveryState } from './types.js';
import { ATTEMPT_HEADER, DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signatureHeader } from './webhook-payload.js';

/** An endpoint as the sender needs it, secrets included; never leaves the main process. */
export interface ResolvedEndpoint {
  url: string;
  hmacKey?: string;
}

export interface WebhookSenderOptions {
  store: AlertStore;
  /** The endpoint of a delivery with its secrets; undefined when it was deleted. */
  resolve(webhookId: string): Promise<ResolvedEndpoint | undefined>;
  /** Attempts per send (and per resend) before the dead-letter list; default 5. */
  attempts?: number;
  /** One attempt's bound, connect to last byte of the answer's head; default 10 s. */
  timeoutMs?: number;
  backoff?: BackoffOptions;
  /** The longest Retry-After honoured; longer ones are cut to it. Default 5 min. */
  maxRetryAfterMs?: number;
  /** Deliveries worked on at once; the rest wait their turn in order. Default 4. */
  concurrency?: number;
  /** Told whenever a delivery changes state (the panel's dead-letter list). */
  onState?(d: StoredDelivery): void;
  now?: () => number;
  log?: Logger;
}

export const DEFAULT_ATTEMPTS = 5;
export const DEFAULT_TIMEOUT_MS = 10_000;
/** A burst (the panic key cancelling many orders) must not open a connection per alert at once. */
export const DEFAULT_CONCURRENCY = 4;
const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1000, maxMs: 60_000 };

interface AttemptOutcome {
  attempt: DeliveryAttempt;
  /** delivered | retry | dead */
  verdict: 'delivered' | 'retry' | 'dead';
  retryAfterMs?: number;
}

export class WebhookSender {
  private readonly store: AlertStore;
  private readonly attempts: number;
  private readonly timeoutMs: number;
  private readonly backoff: BackoffOptions;
  private readonly maxRetryAfterMs: number;
  private readonly now: () => number;
  private readonly log: Logger;
  /** Deliveries being worked on now: one loop per id, never two. */
  private readonly running = new Map<string, Promise<void>>();
  /** Deliveries waiting for a free slot, oldest first. */
  private readonly waiting: StoredDelivery[] = [];
  private readonly concurrency: number;
  private readonly aborter = new AbortController();
  private closed = false;

  constructor(private readonly opts: WebhookSenderOptions) {
    this.store = opts.store;
    this.attempts = opts.attempts ?? DEFAULT_ATTEMPTS;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.backoff = opts.backoff ?? DEFAULT_BACKOFF;
    this.maxRetryAfterMs = opts.maxRetryAfterMs ?? 300_000;
    this.concurrency = Math.max(1, opts.concurrency ?? DEFAULT_CONCURRENCY);
    this.now = opts.now ?? Date.now;
    this.log = opts.log ?? silentLogger;
  }

  /** Persists a new delivery, then starts sending it. */
  enqueue(webhookId: string, alertId: string, event: string, payload: (deliveryId: string) => string): StoredDelivery {
    const id = randomUUID();
    const at = this.now();
    const d: StoredDelivery = { id, webhookId, alertId, event, payload: payload(id), state: 'pending', attempts: [], createdAt: at, updatedAt: at };
    this.store.addDelivery(d);
    this.start(d);
    return d;
  }

  /** Starts every delivery left pending by the last run. */
  resume(): number {
    const pending = this.store.deliveries('pending');
    for (const d of pending) this.start(d);
    return pending.length;
  }

  /** A dead delivery goes out again, same id and body, with a fresh attempt budget. */
  resend(id: string): StoredDelivery | undefined {
    const d = this.store.delivery(id);
    if (!d || d.state !== 'dead') return undefined;
    this.store.setState(id, 'pending', this.now());
    const again = { ...d, state: 'pending' as const };
    this.start(again);
    return again;
  }

  /** Resolves when every delivery started so far has settled (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()]);
  }

  /** Deliveries being sent now, and waiting for a slot. */
  get load(): { running: number; waiting: number } {
    return { running: this.running.size, waiting: this.waiting.length };
  }

  /** Stops: in-flight attempts are aborted, their deliveries stay pending for the next run. */
  close(): void {
    this.closed = true;
    this.aborter.abort();
  }

  private start(d: StoredDelivery): void {
    if (this.closed || this.running.has(d.id) || this.waiting.some((w) => w.id === d.id)) return;
    if (this.running.size >= this.concurrency) {
      this.waiting.push(d);
      return;
    }
    const run = this.run(d)
      .catch((err: unknown) => this.log.error(`webhook delivery ${d.id} failed unexpectedly`, err))
      .finally(() => {
        this.running.delete(d.id);
        const next = this.waiting.shift();
        if (next) this.start(next);
      });
    this.running.set(d.id, run);
  }

  private async run(d: StoredDelivery): Promise<void> {
    const backoff = new Backoff(this.backoff);
    for (let n = 1; n <= this.attempts; n++) {
      if (this.closed) return;
      let endpoint: ResolvedEndpoint | undefined;
      try {
        endpoint = await this.opts.resolve(d.webhookId);
      } catch (err) {
        // A locked keyring: worth another try, like a receiver that did not answer.
        this.finish(d, { at: this.now(), error: `the webhook's secret could not be read: ${describe(err, this.timeoutMs)}` }, n === this.attempts ? 'dead' : 'pending');
        if (n < this.attempts) await this.sleep(backoff.next());
        continue;
      }
      if (this.closed) return;
      if (!endpoint) {
        this.finish(d, { at: this.now(), error: 'the endpoint was deleted' }, 'dead');
        return;
      }
      const out = await this.attempt(d, endpoint, n);
      // Aborted by close(): not an attempt the receiver judged; the delivery stays pending.
      if (this.closed) return;
      const last = n === this.attempts;
      const state: DeliveryState = out.verdict === 'delivered' ? 'delivered' : out.verdict === 'dead' || last ? 'dead' : 'pending';
      this.finish(d, out.attempt, state);
      if (state !== 'pending') {
        if (state === 'dead') this.log.warn(`webhook delivery ${d.id} dead after ${n} attempt(s): ${out.attempt.error ?? ''}`);
        return;
      }
      await this.sleep(out.retryAfterMs ?? backoff.next());
    }
  }

  private finish(d: StoredDelivery, attempt: DeliveryAttempt, state: DeliveryState): void {
    const lastError = state === 'delivered' ? undefined : attempt.error;
    this.store.recordAttempt(d.id, attempt, state, lastError);
    d.attempts = [...d.attempts, attempt];
    d.state = state;
    d.updatedAt = attempt.at;
    if (lastError === undefined) delete d.lastError;
    else d.lastError = lastError;
    this.opts.onState?.({ ...d });
  }

  private async attempt(d: StoredDelivery, endpoint: ResolvedEndpoint, n: number): Promise<AttemptOutcome> {
    const at = this.now();
    let url: URL;
    try {
      url = new URL(endpoint.url);
    } catch {
      return { attempt: { at, error: 'the URL is not valid' }, verdict: 'dead' };
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return { attempt: { at, error: `only http and https URLs are allowed, not ${url.protocol}` }, verdict: 'dead' };
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'Switchboard-Alerts',
      [DELIVERY_HEADER]: d.id,
      [EVENT_HEADER]: d.event,
      [ATTEMPT_HEADER]: String(n),
    };
    if (endpoint.hmacKey) headers[SIGNATURE_HEADER] = signatureHeader(endpoint.hmacKey, at, d.payload);
    const signal = AbortSignal.any([this.aborter.signal, AbortSignal.timeout(this.timeoutMs)]);
    let res: Response;
    try {
      res = await fetch(url, { method: 'POST', headers, body: d.payload, redirect: 'manual', signal });
    } catch (err) {
      return { attempt: { at, error: describe(err, this.timeoutMs) }, verdict: 'retry' };
    }
    // Nothing of the answer is read but its status: the body is released, not buffered.
    await res.body?.cancel().catch(() => undefined);
    const status = res.status;
    if (status >= 200 && status < 300) return { attempt: { at, status }, verdict: 'delivered' };
    if (status >= 300 && status < 400) return { attempt: { at, status, error: `redirect ${status}: redirects are not followed` }, verdict: 'dead' };
    if (status === 429) {
      const after = retryAfterMs(res.headers.get('retry-after'), this.now());
      const out: AttemptOutcome = { attempt: { at, status, error: 'HTTP 429 Too Many Requests' }, verdict: 'retry' };
      if (after !== undefined) out.retryAfterMs = Math.min(after, this.maxRetryAfterMs);
      return out;
    }
    if (status >= 400 && status < 500 && status !== 408) return { attempt: { at, status, error: `HTTP ${status}: the receiver refused the request; not retried` }, verdict: 'dead' };
    return { attempt: { at, status, error: `HTTP ${status}` }, verdict: 'retry' };
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.closed) return resolve();
      const done = (): void => {
        clearTimeout(t);
        this.aborter.signal.removeEventListener('abort', done);
        resolve();
      };
      const t = setTimeout(done, ms);
      t.unref?.();
      this.aborter.signal.addEventListener('abort', done, { once: true });
    });
  }
}

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d{1,9}$/.test(text)) return Number(text) * 1000;
  const when = Date.parse(text);
  return Number.isNaN(when) ? undefined : Math.max(0, when - now);
}

/** Why an attempt got no answer, without the URL (it may carry a token). */
function describe(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return `no answer within ${timeoutMs} ms`;
  const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return `connection failed: ${cause.code}`;
  return redact(err instanceof Error ? err.message : String(err)).slice(0, 200);
}
