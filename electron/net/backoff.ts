/**
 * Exponential backoff with full jitter: reconnect storms from many clients spread out
 * instead of arriving together.
 */
export interface BackoffOptions {
  baseMs?: number;
  maxMs?: number;
  /** 0..1 random source, injectable for tests. */
  random?: () => number;
}

export class Backoff {
  private attempt = 0;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly random: () => number;

  constructor(opts: BackoffOptions = {}) {
    this.baseMs = opts.baseMs ?? 250;
    this.maxMs = opts.maxMs ?? 30_000;
    this.random = opts.random ?? Math.random;
  }

  /** Delay before the next attempt; grows until reset(). */
  next(): number {
    const cap = Math.min(this.maxMs, this.baseMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    return Math.round(cap / 2 + (this.random() * cap) / 2);
  }

  /** Call once a connection has proven itself (e.g. reached live). */
  reset(): void {
    this.attempt = 0;
  }

  /** The longest delay next() can give. */
  get longest(): number {
    return this.maxMs;
  }

  get attempts(): number {
    return this.attempt;
  }
}
