/**
 * A client-side window limiter fed by the server's own rate headers (limit, remaining, reset).
 * Calls wait in a queue when the window is spent, so the venue never has to refuse them.
 * Before the first headers arrive it counts locally against the documented limit.
 */
import type { LimiterHeadroom } from '../../common/domain.js';

export interface RateHeaders {
  limit?: number | undefined;
  remaining?: number | undefined;
  /** ms until the server's window resets. */
  resetInMs?: number | undefined;
  windowMs?: number | undefined;
}

export interface WindowLimiterOptions {
  name: string;
  /** Calls per window until the server says otherwise. */
  limit: number;
  windowMs: number;
  now?: () => number;
  /**
   * Added to every reset the server announces: reset comes in whole seconds, and starting a
   * new window a little late is cheaper than a refused call.
   */
  resetSlackMs?: number;
  /** Told whenever headroom changes (for diagnostics); must be cheap. */
  onChange?: (h: LimiterHeadroom) => void;
  /**
   * Until the server has stated its limit once, let one call out at a time: the documented
   * limit may be wrong for this user (§4.1), and a burst against a smaller one would be refused.
   */
  probeFirst?: boolean;
  /** Longest sleep of the queue timer; it re-reads the clock after it, so clock jumps are harmless. */
  recheckMs?: number;
}

export class LimiterClosedError extends Error {
  override readonly name = 'LimiterClosedError';
}

interface Waiter {
  start: () => void;
  fail: (e: Error) => void;
}

export class WindowLimiter {
  readonly name: string;
  private limit: number;
  private windowMs: number;
  /** Calls we started in the current window. */
  private sent = 0;
  /** Calls of the window we did not make: the server counted more than we sent (other clients). */
  private foreign = 0;
  private windowEndsAt: number;
  private inFlight = 0;
  private readonly queue: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private informed: boolean;
  private readonly now: () => number;
  private readonly slack: number;
  private readonly recheckMs: number;
  private readonly onChange: ((h: LimiterHeadroom) => void) | undefined;

  constructor(opts: WindowLimiterOptions) {
    this.name = opts.name;
    this.limit = opts.limit;
    this.windowMs = opts.windowMs;
    this.now = opts.now ?? Date.now;
    this.slack = opts.resetSlackMs ?? 1000;
    this.recheckMs = opts.recheckMs ?? 1000;
    this.onChange = opts.onChange;
    this.windowEndsAt = this.now() + opts.windowMs;
    this.informed = !(opts.probeFirst ?? true);
  }

  /** Runs `fn` when the window has room; waits (FIFO) otherwise. */
  async schedule<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.inFlight -= 1;
      this.changed();
      // A probe that came back without headers still frees the way for the next one.
      this.arm();
    }
  }

  /** Takes one slot, waiting for the window to reset when none is left. */
  acquire(): Promise<void> {
    if (this.closed) return Promise.reject(new LimiterClosedError(`${this.name}: closed`));
    this.roll();
    if (this.queue.length === 0 && this.hasRoom()) {
      this.take();
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({
        start: () => {
          this.take();
          resolve();
        },
        fail: reject,
      });
      this.changed();
      this.arm();
    });
  }

  /**
   * What the server said in a response. Its count (limit − remaining) covers this call and
   * whatever else it had seen; every call we sent this window will be counted sooner or later,
   * so what is left is the limit less our calls less the ones the server counted beyond ours.
   * Answers may arrive in any order, so in-flight calls are never subtracted twice.
   */
  observe(h: RateHeaders): void {
    const now = this.now();
    // Our window before the first header is a guess; the server's first word replaces it.
    const guessing = !this.informed;
    if (h.remaining !== undefined) this.informed = true;
    if (h.limit !== undefined && h.limit > 0) this.limit = h.limit;
    if (h.windowMs !== undefined && h.windowMs > 0) this.windowMs = h.windowMs;
    if (h.remaining !== undefined) {
      const used = Math.max(0, this.limit - h.remaining);
      const endsAt = h.resetInMs !== undefined ? now + h.resetInMs + this.slack : undefined;
      if (endsAt !== undefined && (guessing || endsAt > this.windowEndsAt + this.slack)) {
        // The server has moved to a new window: it holds `used`, and our other calls still in
        // flight may land in it too.
        this.windowEndsAt = endsAt;
        this.sent = used + Math.max(0, this.inFlight - 1);
        this.foreign = 0;
      } else {
        this.foreign = Math.max(this.foreign, used - this.sent);
        if (endsAt !== undefined) this.windowEndsAt = Math.max(this.windowEndsAt, endsAt - this.slack);
      }
    } else if (h.resetInMs !== undefined) {
      this.windowEndsAt = Math.max(this.windowEndsAt, now + h.resetInMs + this.slack);
    }
    this.changed();
    this.arm();
  }

  /** The server refused a call for rate: nothing more until it says the window has reset. */
  exhausted(retryAfterMs: number): void {
    this.foreign = Math.max(this.foreign, this.limit - this.sent);
    this.windowEndsAt = Math.max(this.windowEndsAt, this.now() + retryAfterMs + this.slack);
    this.changed();
    this.arm();
  }

  headroom(): LimiterHeadroom {
    const resetInMs = Math.max(0, this.windowEndsAt - this.now());
    return { name: this.name, remaining: this.remaining(), limit: this.limit, resetInMs, queued: this.queue.length };
  }

  get queued(): number {
    return this.queue.length;
  }

  /** Fails every waiting call; later calls fail at once. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const waiting = this.queue.splice(0);
    for (const w of waiting) w.fail(new LimiterClosedError(`${this.name}: closed`));
  }

  private remaining(): number {
    return Math.max(0, this.limit - this.sent - this.foreign);
  }

  private take(): void {
    this.sent += 1;
    this.inFlight += 1;
    this.changed();
  }

  /** Starts a fresh window once the current one is over. */
  private roll(): void {
    const now = this.now();
    if (now >= this.windowEndsAt) {
      this.sent = 0;
      this.foreign = 0;
      this.windowEndsAt = now + this.windowMs;
    }
  }

  private drain(): void {
    this.timer = undefined;
    if (this.closed) return;
    this.roll();
    while (this.queue.length > 0 && this.hasRoom()) this.queue.shift()!.start();
    this.arm();
  }

  private hasRoom(): boolean {
    return this.remaining() > 0 && (this.informed || this.inFlight === 0);
  }

  private arm(): void {
    if (this.closed || this.timer || this.queue.length === 0) return;
    if (!this.informed && this.inFlight > 0) return; // the probe's answer will call arm()
    if (this.remaining() > 0) {
      // Room appeared (a header raised our estimate): release on the next turn.
      this.timer = setTimeout(() => this.drain(), 0);
      return;
    }
    const wait = Math.min(this.recheckMs, Math.max(0, this.windowEndsAt - this.now()));
    this.timer = setTimeout(() => this.drain(), wait);
  }

  private changed(): void {
    this.onChange?.(this.headroom());
  }
}
