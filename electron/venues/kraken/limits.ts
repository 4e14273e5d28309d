/**
 * Client-side models of Kraken's two rate counters (doc §3), so requests queue here and
 * the venue never has to answer "rate limit exceeded":
 * - the REST call counter per key (decays; order entry does not count),
 * - the trading-engine counter per pair (decays; add +1, cancel by order age).
 * Both are leaky buckets. A cost is held "in flight" (not decaying) from the send until
 * the venue's answer lands: the venue booked it somewhere in between, so starting our
 * decay at the answer keeps our count at or above the venue's whatever the latency.
 */
import type { LimiterHeadroom } from '../../../common/domain.js';
import {
  AMEND_PENALTY, CANCEL_PENALTY,
  REST_COST_TWO,
  REST_COST_ZERO,
  REST_COUNTER,
  TRADING_COUNTER,
  agePenalty,
} from './constants.js';
import type { CounterLimit, KrakenTier } from './constants.js';

/** Longest real-time sleep between re-checks, so an injected fast clock is honoured too. */
const RECHECK_MS = 100;

/** Call when the venue has answered (or we gave up waiting): the cost starts to decay then. */
export type Landed = () => void;

interface Waiter {
  cost: number;
  resolve: (landed: Landed) => void;
  reject: (e: Error) => void;
}

export interface DecayLimiterOptions {
  now: () => number;
  /** Units kept free below the venue's max, for clock skew between us and the venue. */
  margin: number;
  onChange?: () => void;
}

/** One leaky bucket with a FIFO queue of waiters. */
export class DecayLimiter {
  readonly name: string;
  private readonly limit: CounterLimit;
  private readonly opts: DecayLimiterOptions;
  private value = 0;
  /** Costs sent but not yet answered: counted, not decaying. */
  private inflight = 0;
  private at: number;
  private readonly queue: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(name: string, limit: CounterLimit, opts: DecayLimiterOptions) {
    this.name = name;
    this.limit = limit;
    this.opts = opts;
    this.at = opts.now();
  }

  /**
   * Takes over a counter known from before (a previous run of the app), decayed from `at` to
   * now; never lowers what this one has counted.
   */
  seed(value: number, at: number): void {
    const now = this.opts.now();
    const decayed = Math.max(0, value - (Math.max(0, now - at) / 1000) * this.limit.decayPerSec);
    if (decayed > this.level()) this.value = decayed;
    this.opts.onChange?.();
  }

  /** The counter with what is sent and unanswered: what the venue may count now, at most. */
  committed(): number {
    return this.level() + this.inflight;
  }

  /** The counter now, after decay. */
  level(): number {
    const now = this.opts.now();
    if (now > this.at) {
      this.value = Math.max(0, this.value - ((now - this.at) / 1000) * this.limit.decayPerSec);
      this.at = now;
    }
    return this.value;
  }

  /** Highest level we let the counter reach. */
  private get ceiling(): number {
    return this.limit.max - this.opts.margin;
  }

  /** Waits (FIFO) until `cost` fits, then holds it in flight until the returned function is called. */
  acquire(cost: number): Promise<Landed> {
    if (this.closed) return Promise.reject(new Error(`${this.name} limiter closed`));
    if (this.queue.length === 0 && this.fits(cost)) {
      this.inflight += cost;
      this.opts.onChange?.();
      return Promise.resolve(this.lander(cost));
    }
    return new Promise<Landed>((resolve, reject) => {
      this.queue.push({ cost, resolve, reject });
      this.opts.onChange?.();
      this.schedule();
    });
  }

  private lander(cost: number): Landed {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.level();
      this.inflight -= cost;
      this.value += cost;
      this.opts.onChange?.();
    };
  }

  /**
   * Holds `cost` in flight at once, ahead of any queue and over the ceiling if need be: for
   * cancels, which must never wait behind placements (the venue may still refuse one; the
   * caller retries that within its bound).
   */
  acquireNow(cost: number): Landed {
    this.level();
    this.inflight += cost;
    this.opts.onChange?.();
    return this.lander(cost);
  }

  /** Charges without waiting (a cost the venue books whether or not we wanted to send). */
  charge(cost: number): void {
    this.level();
    this.value += cost;
    this.opts.onChange?.();
  }

  /** The venue told us we are over: believe it and assume a full counter. */
  saturate(): void {
    this.level();
    this.value = Math.max(this.value, this.limit.max);
    this.opts.onChange?.();
  }

  headroom(): LimiterHeadroom {
    const level = this.level() + this.inflight;
    const remaining = Math.max(0, this.ceiling - level);
    return {
      name: this.name,
      remaining: Math.floor(remaining * 100) / 100,
      limit: this.ceiling,
      resetInMs: Math.ceil((level / this.limit.decayPerSec) * 1000),
      queued: this.queue.length,
    };
  }

  get queued(): number {
    return this.queue.length;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const w of this.queue.splice(0)) w.reject(new Error(`${this.name} limiter closed`));
  }

  private fits(cost: number): boolean {
    const level = this.level() + this.inflight;
    // A cost larger than the whole budget can only go when the bucket is empty.
    return level + cost <= this.ceiling || level === 0;
  }

  private schedule(): void {
    if (this.timer || this.queue.length === 0) return;
    const head = this.queue[0]!;
    const over = this.level() + this.inflight + head.cost - this.ceiling;
    const waitMs = Math.max(1, Math.ceil((over / this.limit.decayPerSec) * 1000));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.drain();
    }, Math.min(waitMs, RECHECK_MS));
  }

  private drain(): void {
    while (this.queue.length > 0 && this.fits(this.queue[0]!.cost)) {
      const w = this.queue.shift()!;
      this.inflight += w.cost;
      w.resolve(this.lander(w.cost));
    }
    this.opts.onChange?.();
    this.schedule();
  }
}

/** REST cost of one method on the call counter. */
export function restCost(method: string): number {
  if (REST_COST_ZERO.has(method)) return 0;
  return REST_COST_TWO.has(method) ? 2 : 1;
}

export interface KrakenLimitsOptions {
  tier: KrakenTier;
  now: () => number;
  onChange?: (h: LimiterHeadroom[]) => void;
}

/** Both counters of one API key. */
export class KrakenLimits {
  readonly rest: DecayLimiter;
  private readonly pairs = new Map<string, DecayLimiter>();
  private readonly opts: KrakenLimitsOptions;

  constructor(opts: KrakenLimitsOptions) {
    this.opts = opts;
    this.rest = new DecayLimiter('rest', REST_COUNTER[opts.tier], { now: opts.now, margin: 1, onChange: () => this.report() });
  }

  /** The trading counter of one pair (REST pair id), made on first use. */
  pair(pairId: string): DecayLimiter {
    let l = this.pairs.get(pairId);
    if (!l) {
      l = new DecayLimiter(`trading:${pairId}`, TRADING_COUNTER[this.opts.tier], {
        now: this.opts.now,
        margin: 1,
        onChange: () => this.report(),
      });
      this.pairs.set(pairId, l);
    }
    return l;
  }

  restCall(method: string): Promise<Landed> {
    const cost = restCost(method);
    return cost === 0 ? Promise.resolve(() => undefined) : this.rest.acquire(cost);
  }

  addOrder(pairId: string): Promise<Landed> {
    return this.pair(pairId).acquire(1);
  }

  /**
   * `ageMs`: how long the order has rested since the venue created (or last amended) it.
   * Counted, never queued: a cancel lowers risk and must not wait behind placements.
   */
  cancelOrder(pairId: string, ageMs: number): Promise<Landed> {
    return Promise.resolve(this.pair(pairId).acquireNow(agePenalty(CANCEL_PENALTY, ageMs)));
  }

  /**
   * amend_order: +1, plus +3/+2/+1 while the order is younger than 5/10/15 s (doc §3.2). Queued
   * like a placement: an amend may add risk (a price nearer the market, a larger size).
   */
  amendOrder(pairId: string, ageMs: number): Promise<Landed> {
    return this.pair(pairId).acquire(1 + agePenalty(AMEND_PENALTY, ageMs));
  }

  /** cancel_all: +1 on each pair with open orders (Kraken's SDK; the doc table has no row). Never queued either. */
  cancelAll(pairIds: Iterable<string>): Promise<Landed[]> {
    return Promise.resolve([...new Set(pairIds)].map((id) => this.pair(id).acquireNow(1)));
  }

  headroom(): LimiterHeadroom[] {
    return [this.rest.headroom(), ...[...this.pairs.values()].map((l) => l.headroom())];
  }

  close(): void {
    this.rest.close();
    for (const l of this.pairs.values()) l.close();
  }

  private report(): void {
    this.opts.onChange?.(this.headroom());
  }
}
