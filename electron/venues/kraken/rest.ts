/**
 * Raw Kraken REST client: public GET, private POST (form body, signed over the exact bytes
 * sent), envelope parsing, errors mapped through errors.ts. Private calls go through ONE
 * queue that takes the nonce at send time and waits for each reply before the next send,
 * so the venue always sees our nonces in increasing order.
 */
import { SILENT_TAP, wallClock } from '../../net/wire-tap.js';
import type { WireTap } from '../../net/wire-tap.js';
import type { ConnectionReporter } from '../venue.js';
import { VenueError } from '../venue.js';
import { formEncode, signRequest } from './auth.js';
import { USER_AGENT } from './constants.js';
import { firstError, mapKrakenError, unavailable, unknownOutcome } from './errors.js';
import type { KrakenLimits } from './limits.js';
import type { NonceSource } from './nonce.js';
import type { RestEnvelope } from './rest-types.js';
import type { RestFetch } from './trust.js';

export interface KrakenRestOptions {
  /** Base URL without trailing slash ("https://api.kraken.com"). */
  baseUrl: string;
  apiKey?: string | undefined;
  apiSecret?: string | undefined;
  nonce?: NonceSource | undefined;
  limits: KrakenLimits;
  reporter?: ConnectionReporter | undefined;
  timeoutMs?: number;
  now?: () => number;
  /** How requests go out; default the global fetch (trust.ts: one that trusts an extra root CA). */
  fetch?: RestFetch;
  /** Every request and answer (net/wire-tap.ts), as connection 'rest'. */
  wire?: WireTap;
}

export interface PrivateCallOptions {
  /**
   * The call changes state on the venue (AddOrder, CancelOrder…): a request that left
   * without an answer is `unknown-outcome`, never "failed".
   */
  mutating?: boolean;
}

// Errors that prove the request never reached the venue.
// A refused certificate ends the handshake before any request byte goes out.
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function errorCode(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let i = 0; i < 4 && cur instanceof Error; i++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    cur = cur.cause;
  }
  return undefined;
}

export class KrakenRest {
  private readonly opts: KrakenRestOptions;
  private readonly now: () => number;
  /** Tail of the private queue: each call starts when the previous one settled. */
  private tail: Promise<unknown> = Promise.resolve();
  private healthy: boolean | undefined;
  private closed = false;
  private readonly tap: WireTap;
  private calls = 0;

  constructor(opts: KrakenRestOptions) {
    this.opts = opts;
    this.now = opts.now ?? Date.now;
    this.tap = opts.wire ?? SILENT_TAP;
  }

  get hasCredentials(): boolean {
    return Boolean(this.opts.apiKey && this.opts.apiSecret && this.opts.nonce);
  }

  close(): void {
    this.closed = true;
  }

  /** GET /0/public/<method>?params. */
  async publicGet<T>(method: string, params: Readonly<Record<string, string>> = {}): Promise<T> {
    const qs = new URLSearchParams(params).toString();
    const url = `${this.opts.baseUrl}/0/public/${method}${qs ? `?${qs}` : ''}`;
    return this.exchange<T>(method, url, { method: 'GET', headers: { 'User-Agent': USER_AGENT } }, false);
  }

  /** POST /0/private/<method>, queued behind every other private call. */
  privatePost<T>(method: string, params: Readonly<Record<string, string>> = {}, call: PrivateCallOptions = {}): Promise<T> {
    const run = (): Promise<T> => this.sendPrivate<T>(method, params, call.mutating ?? false);
    const p = this.tail.then(run, run);
    this.tail = p.catch(() => undefined);
    return p;
  }

  private async sendPrivate<T>(method: string, params: Readonly<Record<string, string>>, mutating: boolean): Promise<T> {
    const { apiKey, apiSecret, nonce } = this.opts;
    if (!apiKey || !apiSecret || !nonce) throw new VenueError('auth', 'no-credentials', `Kraken ${method} needs an API key and secret`);
    for (let attempt = 0; ; attempt++) {
      const landed = await this.opts.limits.restCall(method);
      if (this.closed) {
        landed();
        throw new VenueError('unavailable', 'closed', 'Kraken client closed');
      }
      const n = nonce.next().toString();
      const body = formEncode({ nonce: n, ...params });
      const path = `/0/private/${method}`;
      const init: RequestInit = {
        method: 'POST',
        headers: {
          'User-Agent': USER_AGENT,
          'Content-Type': 'application/x-www-form-urlencoded',
          'API-Key': apiKey,
          'API-Sign': signRequest(path, n, body, apiSecret),
        },
        body,
      };
      try {
        return await this.exchange<T>(method, `${this.opts.baseUrl}${path}`, init, mutating);
      } catch (e) {
        // A nonce refusal means nothing was done; one retry covers a reordering hiccup.
        if (e instanceof VenueError && e.code.startsWith('EAPI:Invalid nonce') && attempt === 0) continue;
        // The venue's counter was fuller than ours (another client on the key, or a run that died
        // with it full): the refusal saturated our counter, so the retry waits until a point has
        // decayed. Reads only: a refused read did nothing, and order entry retries on its own.
        if (e instanceof VenueError && !mutating && e.code.startsWith('EAPI:Rate limit') && attempt < 2) continue;
        throw e;
      } finally {
        landed();
      }
    }
  }

  private async exchange<T>(method: string, url: string, init: RequestInit, mutating: boolean): Promise<T> {
    let res: Response;
    let text: string;
    const call = ++this.calls;
    // Out: the method and path with its query, and the form body (headers, which carry the key and signature, are not frames).
    if (this.tap.active) this.tapRequest(method, call, url, init);
    try {
      res = await (this.opts.fetch ?? fetch)(url, { ...init, signal: AbortSignal.timeout(this.opts.timeoutMs ?? 15_000) });
      text = await res.text();
      if (this.tap.active) this.tapFrame('in', method, call, text, { code: res.status, detail: res.statusText });
    } catch (e) {
      const code = errorCode(e);
      if (this.tap.active) {
        this.tap.emit({ venue: 'kraken', connection: 'rest', channel: method, dir: 'in', kind: 'error', at: wallClock(), call, status: { code: code ?? 'error', detail: e instanceof Error ? e.message : String(e) } });
      }
      const err =
        mutating && !(code && NOT_SENT_CODES.has(code)) ? unknownOutcome(`Kraken ${method}`, e) : unavailable(`Kraken ${method}`, e);
      this.fail(err);
      throw err;
    }
    let env: RestEnvelope<T> | undefined;
    try {
      const parsed: unknown = JSON.parse(text);
      const error = typeof parsed === 'object' && parsed !== null ? (parsed as { error?: unknown }).error : undefined;
      // The envelope of doc §2.1: `error` an array of strings.
      if (Array.isArray(error) && error.every((x) => typeof x === 'string')) env = parsed as RestEnvelope<T>;
      else if (res.ok) this.opts.reporter?.malformed(`Kraken ${method}: JSON answer without the {error, result} envelope`, text);
    } catch {
      // An answer that is not JSON with HTTP 200 is a broken frame; other statuses are an outage page.
      if (res.ok) this.opts.reporter?.malformed(`Kraken ${method}: answer is not JSON`, text);
      env = undefined;
    }
    if (!env) {
      // No envelope: a proxy or outage page (ccxt maps 520 here). For an order we cannot know.
      const what = `Kraken ${method}: HTTP ${res.status} without a Kraken envelope`;
      const err = mutating
        ? new VenueError('unknown-outcome', `HTTP ${res.status}`, what)
        : new VenueError('unavailable', `HTTP ${res.status}`, what);
      this.fail(err);
      throw err;
    }
    this.opts.reporter?.message(Buffer.byteLength(text));
    const first = firstError(env.error);
    if (first !== undefined) {
      const err = mapKrakenError(first, this.now());
      if (err.kind === 'rate-limited') {
        if (first.startsWith('EAPI:')) this.opts.limits.rest.saturate();
      }
      if (err.kind === 'unavailable') this.fail(err);
      else {
        this.opts.reporter?.error(err.info(this.now()));
        this.ok();
      }
      throw err;
    }
    if (env.result === undefined) {
      const err = new VenueError('internal', 'no-result', `Kraken ${method}: envelope without result`);
      this.opts.reporter?.error(err.info(this.now()));
      throw err;
    }
    this.ok();
    return env.result;
  }

  private tapRequest(method: string, call: number, url: string, init: RequestInit): void {
    const u = new URL(url);
    const body = typeof init.body === 'string' ? `\n${init.body}` : '';
    this.tapFrame('out', method, call, `${init.method ?? 'GET'} ${u.pathname}${u.search}${body}`);
  }

  private tapFrame(dir: 'in' | 'out', method: string, call: number, text: string, status?: { code: number; detail: string }): void {
    this.tap.emit({ venue: 'kraken', connection: 'rest', channel: method, dir, kind: 'frame', at: wallClock(), text, call, ...(status ? { status } : {}) });
  }

  private ok(): void {
    if (this.healthy !== true) {
      this.healthy = true;
      this.opts.reporter?.state('live', 'REST answered');
    }
  }

  private fail(err: VenueError): void {
    this.opts.reporter?.error(err.info(this.now()));
    if (this.healthy !== false) {
      this.healthy = false;
      this.opts.reporter?.state('degraded', err.message);
    }
  }
}
