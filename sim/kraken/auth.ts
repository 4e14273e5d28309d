/**
 * Kraken REST authentication as the venue checks it: API-Sign over the raw body bytes,
 * and a nonce per key that must always grow (doc §1.2–1.4).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** base64(HMAC-SHA512(base64decode(secret), path ++ SHA256(nonce ++ body))). */
export function krakenSignature(secretB64: string, path: string, nonce: string, body: string | Buffer): string {
  const inner = createHash('sha256').update(nonce).update(body).digest();
  return createHmac('sha512', Buffer.from(secretB64, 'base64')).update(path).update(inner).digest('base64');
}

/** Constant-time check of an API-Sign header against the raw body the server received. */
export function signatureMatches(secretB64: string, path: string, nonce: string, rawBody: Buffer, apiSign: string): boolean {
  const want = Buffer.from(krakenSignature(secretB64, path, nonce, rawBody), 'base64');
  const got = Buffer.from(apiSign, 'base64');
  return got.length === want.length && timingSafeEqual(got, want);
}

/** A demo key pair derived from the seed, so a demo setup is the same every run. */
export function demoCredentials(seed: number): { apiKey: string; apiSecret: string } {
  const apiSecret = createHash('sha512').update(`switchboard-kraken-sim-secret:${seed}`).digest('base64');
  const apiKey = createHash('sha512').update(`switchboard-kraken-sim-key:${seed}`).digest('base64').slice(0, 56);
  return { apiKey, apiSecret };
}

export type AuthFailure = 'EAPI:Invalid key' | 'EAPI:Invalid signature' | 'EAPI:Invalid nonce';

export interface KeyEntry {
  apiKey: string;
  apiSecret: string;
  /** Nonce units below the last nonce still accepted (Kraken's per-key nonce window); 0 = strict. */
  nonceWindow: bigint;
}

const NONCE_RE = /^\d{1,20}$/;
const U64_MAX = (1n << 64n) - 1n;

/** Known keys and the last accepted nonce of each. */
export class KeyRing {
  private readonly keys = new Map<string, KeyEntry>();
  /** apiKey → last nonce that passed authentication. */
  readonly lastNonce = new Map<string, bigint>();

  add(entry: KeyEntry): void {
    this.keys.set(entry.apiKey, entry);
  }

  /**
   * Checks one private request. `nonce` is the body's nonce text (undefined when missing).
   * The stored nonce moves only when key, signature and nonce all pass.
   */
  check(apiKey: string | undefined, apiSign: string | undefined, path: string, nonce: string | undefined, rawBody: Buffer): AuthFailure | { apiKey: string } {
    const entry = apiKey === undefined ? undefined : this.keys.get(apiKey);
    if (!entry) return 'EAPI:Invalid key';
    if (nonce === undefined || !NONCE_RE.test(nonce) || BigInt(nonce) > U64_MAX) return 'EAPI:Invalid nonce';
    if (apiSign === undefined || !signatureMatches(entry.apiSecret, path, nonce, rawBody, apiSign)) return 'EAPI:Invalid signature';
    const n = BigInt(nonce);
    const last = this.lastNonce.get(entry.apiKey);
    if (last !== undefined && n <= last - entry.nonceWindow) return 'EAPI:Invalid nonce';
    // Never lowered: a nonce accepted inside the window leaves the stored one where it is.
    if (last === undefined || n > last) this.lastNonce.set(entry.apiKey, n);
    return { apiKey: entry.apiKey };
  }
}

/** WebSocket tokens from GetWebSocketsToken: good for 15 minutes, and for as long as a connection that used it lasts. */
export class TokenBook {
  private readonly issued = new Map<string, number>();

  constructor(
    private readonly now: () => number,
    readonly lifetimeMs = 900_000,
  ) {}

  issue(token: string): void {
    this.issued.set(token, this.now());
  }

  /** True when a connection may start using `token` now. */
  fresh(token: string): boolean {
    const at = this.issued.get(token);
    return at !== undefined && this.now() - at < this.lifetimeMs;
  }

  /** True while `token` has not been revoked (a connection already bound to it keeps it). */
  known(token: string): boolean {
    return this.issued.has(token);
  }

  /** Makes every token issued so far stale (a fault for tests). */
  revokeAll(): void {
    this.issued.clear();
  }
}
