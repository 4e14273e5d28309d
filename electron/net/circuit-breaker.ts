/**
 * A circuit breaker per remote service: after a run of failures it fails calls at once for a
 * while instead of piling them onto a service that is down, then lets one trial call through.
 */
import type { BreakerState } from '../../common/domain.js';

export interface CircuitBreakerOptions {
  name: string;
  /** Consecutive failures that open the circuit. */
  failureThreshold?: number;
  /** How long it stays open before a trial call. */
  openMs?: number;
  now?: () => number;
  onChange?: (s: BreakerState) => void;
}

export type Verdict = 'failure' | 'success' | 'neutral';

export class CircuitOpenError extends Error {
  override readonly name = 'CircuitOpenError';
  constructor(
    readonly breaker: string,
    readonly retryInMs: number,
  ) {
    super(`${breaker}: circuit open, next trial in ${retryInMs} ms`);
  }
}

export class CircuitBreaker {
  readonly name: string;
  private current: BreakerState['state'] = 'closed';
  private failures = 0;
  private openedAt = 0;
  private trialInFlight = false;
  private readonly threshold: number;
  private readonly openMs: number;
  private readonly now: () => number;
  private readonly onChange: ((s: BreakerState) => void) | undefined;

  constructor(opts: CircuitBreakerOptions) {
    this.name = opts.name;
    this.threshold = opts.failureThreshold ?? 5;
    this.openMs = opts.openMs ?? 5_000;
    this.now = opts.now ?? Date.now;
    this.onChange = opts.onChange;
  }

  get state(): BreakerState['state'] {
    return this.current;
  }

  /** Throws CircuitOpenError when the call may not go out; otherwise the caller must report how it went. */
  admit(): void {
    if (this.current === 'closed') return;
    const waited = this.now() - this.openedAt;
    if (this.current === 'open' && waited >= this.openMs) {
      this.set('half-open');
    }
    if (this.current === 'half-open' && !this.trialInFlight) {
      this.trialInFlight = true;
      return;
    }
    throw new CircuitOpenError(this.name, Math.max(0, this.openMs - waited));
  }

  success(): void {
    this.trialInFlight = false;
    const changed = this.failures !== 0 || this.current !== 'closed';
    this.failures = 0;
    if (this.current !== 'closed') this.current = 'closed';
    if (changed) this.emit();
  }

  failure(): void {
    this.trialInFlight = false;
    this.failures += 1;
    if (this.current === 'half-open' || (this.current === 'closed' && this.failures >= this.threshold)) {
      this.openedAt = this.now();
      this.set('open');
    } else {
      this.emit();
    }
  }

  /** A call that ended without telling anything about the service (e.g. cancelled by us). */
  release(): void {
    this.trialInFlight = false;
  }

  /**
   * Runs `fn` through the breaker. `judge` says what an error tells about the service: down
   * ('failure'), up but unhappy with the request ('success'), or nothing ('neutral').
   */
  async run<T>(fn: () => Promise<T>, judge: (e: unknown) => Verdict): Promise<T> {
    this.admit();
    try {
      const v = await fn();
      this.success();
      return v;
    } catch (e) {
      const verdict = judge(e);
      if (verdict === 'failure') this.failure();
      else if (verdict === 'success') this.success();
      else this.release();
      throw e;
    }
  }

  snapshot(): BreakerState {
    return { name: this.name, state: this.current, failures: this.failures };
  }

  private set(s: BreakerState['state']): void {
    this.current = s;
    this.emit();
  }

  private emit(): void {
    this.onChange?.(this.snapshot());
  }
}
