/**
 * Unary calls: per-service circuit breaker (cancels and the reads that find what to cancel on
 * a breaker of their own, see RISK_REDUCING_METHODS), then the limiter of the method's budget (§4.1: a
 * few order methods have their own, the rest share their service's) fed by the x-ratelimit-*
 * headers of every response, then the call with a deadline. Failures leave as VenueError.
 */
import type { Client, ClientUnaryCall, Metadata, ServiceError, StatusObject } from '@grpc/grpc-js';
import type { BreakerState, LimiterHeadroom } from '../../../common/domain.js';
import { CircuitBreaker, CircuitOpenError } from '../../net/circuit-breaker.js';
import type { Verdict } from '../../net/circuit-breaker.js';
import { LimiterClosedError, WindowLimiter } from '../../net/limiter.js';
import type { RateHeaders } from '../../net/limiter.js';
import { VenueError } from '../venue.js';
import type { ConnectionReporter } from '../venue.js';
import { RATE_WINDOW_MS, breakerOf, rateGroupOf } from './constants.js';
import { header, isGrpcFailure, mapGrpcError, toVenueError } from './errors.js';
import type { Method } from './proto.js';
import { tappedCall } from './wire-codec.js';
import type { WireTap } from '../../net/wire-tap.js';

/** "200, 200;w=60" → limit 200 per 60 s; remaining and reset are plain integers (§3). */
export function parseRateHeaders(get: (name: string) => string | undefined): RateHeaders {
  const out: RateHeaders = {};
  const limit = get('x-ratelimit-limit');
  if (limit) {
    const m = /^\s*(\d+)(?:\s*,\s*\d+\s*;\s*w=(\d+))?/.exec(limit);
    if (m) {
      out.limit = Number(m[1]);
      if (m[2]) out.windowMs = Number(m[2]) * 1000;
    }
  }
  const remaining = Number(get('x-ratelimit-remaining') ?? NaN);
  if (Number.isInteger(remaining) && remaining >= 0) out.remaining = remaining;
  const reset = Number(get('x-ratelimit-reset') ?? NaN);
  if (Number.isFinite(reset) && reset >= 0) out.resetInMs = reset * 1000;
  return out;
}

export interface CallOptions {
  deadlineMs: number;
  /** Orders and the like: a lost answer is an unknown outcome, and no automatic retry. */
  sideEffect?: boolean;
}

/** What the calls need of a channel (TInvestChannel; a stub in the bench). */
export interface RpcChannel {
  readonly client: Pick<Client, 'makeUnaryRequest'>;
  /** Every message of every call, when someone may listen (net/wire-tap.ts). */
  readonly wire?: WireTap | undefined;
  metadata(): Metadata;
}

export interface RpcOptions {
  channel: RpcChannel;
  now?: () => number;
  /** Told when limiter headroom or a breaker changed: once as each call ends, else on the next turn. */
  onHealth?: () => void;
  breaker?: { failureThreshold?: number; openMs?: number };
  /** Attempts for a read refused with 80002 (it waits for the window between attempts). */
  rateLimitedAttempts?: number;
  /** Told of each answer as it arrives, with its size (the 'api' connection's messages and bytes). */
  reporter?: Pick<ConnectionReporter, 'message'>;
}

interface Guards {
  limiter: WindowLimiter;
  breaker: CircuitBreaker;
}

/** What the breaker learns from an error: only transport-ish failures mean "down". */
function verdictOf(e: unknown): Verdict {
  if (e instanceof LimiterClosedError) return 'neutral';
  if (!(e instanceof VenueError)) return 'failure';
  if (e.code === 'closed') return 'neutral';
  if (e.kind === 'unavailable' || e.kind === 'internal' || e.kind === 'unknown-outcome') return 'failure';
  return 'success';
}

export class TInvestRpc {
  private readonly limiterOf = new Map<string, WindowLimiter>();
  /** By breaker name: one per service, and one more for its risk-reducing calls. */
  private readonly breakerOf = new Map<string, CircuitBreaker>();
  /** By method path: found once per method, then one map lookup per call. */
  private readonly guards = new Map<string, Guards>();
  private readonly channel: RpcChannel;
  private readonly now: () => number;
  private readonly opts: RpcOptions;
  private closed = false;
  private readonly inFlight = new Set<ClientUnaryCall>();
  /** Told when the last call in flight ends (close() waiting for them). */
  private onIdle: (() => void) | undefined;
  /** Limiter and breaker changes are reported once per call, not on every change (hot path). */
  private healthDirty = false;
  private healthTimer: NodeJS.Immediate | undefined;

  constructor(opts: RpcOptions) {
    this.opts = opts;
    this.channel = opts.channel;
    this.now = opts.now ?? Date.now;
  }

  async call<Req, Res>(m: Method<Req, Res>, req: Req, o: CallOptions): Promise<Res> {
    const g = this.guardsOf(m);
    const attempts = o.sideEffect ? 1 : (this.opts.rateLimitedAttempts ?? 3);
    for (let attempt = 1; ; attempt++) {
      try {
        return await g.breaker.run(() => g.limiter.schedule(() => this.once(m, req, o, g.limiter)), verdictOf);
      } catch (e) {
        const err = this.mapFailure(e);
        if (err.kind === 'rate-limited' && err.code === '80002') {
          g.limiter.exhausted(err.retryAfterMs ?? 1000);
          if (attempt < attempts && !this.closed) continue; // queued behind the reset
        }
        throw err;
      } finally {
        this.healthDirty = true;
        this.flushHealth();
      }
    }
  }

  limiters(): LimiterHeadroom[] {
    return [...this.limiterOf.values()].map((l) => l.headroom());
  }

  breakers(): BreakerState[] {
    return [...this.breakerOf.values()].map((b) => b.snapshot());
  }

  /**
   * Fails queued calls (they were never sent) and refuses new ones; the calls in flight get
   * `graceMs` to finish (an order mid-send is answered rather than cut into an unknown
   * outcome), then the ones still running are cancelled.
   */
  async close(graceMs = 0): Promise<void> {
    this.closed = true;
    for (const l of this.limiterOf.values()) l.close();
    if (graceMs > 0 && this.inFlight.size > 0) await this.drained(graceMs);
    if (this.healthTimer) clearImmediate(this.healthTimer);
    this.healthTimer = undefined;
    for (const c of this.inFlight) c.cancel();
    this.inFlight.clear();
  }

  /** Resolves when no call is in flight, or after `ms`. */
  private drained(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.onIdle = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.onIdle = done;
    });
  }

  private mapFailure(e: unknown): VenueError {
    if (e instanceof CircuitOpenError) {
      return new VenueError('unavailable', 'circuit-open', e.message, { retryAfterMs: e.retryInMs });
    }
    if (e instanceof LimiterClosedError) return new VenueError('unavailable', 'closed', 'connection closed');
    return toVenueError(e);
  }

  /** A limiter or breaker changed: reported at the end of the call, or on the next turn. */
  private readonly touched = (): void => {
    if (this.healthDirty) return;
    this.healthDirty = true;
    this.healthTimer = setImmediate(() => this.flushHealth());
    this.healthTimer.unref();
  };

  private flushHealth(): void {
    if (this.healthTimer) clearImmediate(this.healthTimer);
    this.healthTimer = undefined;
    if (!this.healthDirty) return;
    this.healthDirty = false;
    this.opts.onHealth?.();
  }

  private guardsOf(m: Pick<Method<unknown, unknown>, 'service' | 'name' | 'path'>): Guards {
    let g = this.guards.get(m.path);
    if (g) return g;
    const onChange = this.touched;
    const group = rateGroupOf(m.service, m.name);
    let limiter = this.limiterOf.get(group.name);
    if (!limiter) {
      limiter = new WindowLimiter({ name: group.name, limit: group.limit, windowMs: RATE_WINDOW_MS, now: this.now, onChange });
      this.limiterOf.set(group.name, limiter);
    }
    const breakerName = breakerOf(m.service, m.name);
    let breaker = this.breakerOf.get(breakerName);
    if (!breaker) {
      breaker = new CircuitBreaker({ name: breakerName, now: this.now, onChange, ...(this.opts.breaker ?? {}) });
      this.breakerOf.set(breakerName, breaker);
    }
    g = { limiter, breaker };
    this.guards.set(m.path, g);
    return g;
  }

  private once<Req, Res>(m: Method<Req, Res>, req: Req, o: CallOptions, limiter: WindowLimiter): Promise<Res> {
    if (this.closed) return Promise.reject(new VenueError('unavailable', 'closed', 'connection closed'));
    return new Promise<Res>((resolve, reject) => {
      let headers: Metadata | undefined;
      let outcome: { err: ServiceError | null; value: Res | undefined } | undefined;
      const tap = this.channel.wire;
      const reporter = this.opts.reporter;
      // Sized where grpc-js hands over the buffer; one closure per call, and none without a reporter.
      const deserialize = reporter
        ? (buf: Buffer): Res => {
            reporter.message(buf.length);
            return m.deserialize(buf);
          }
        : m.deserialize;
      const tapped = tap ? tappedCall(tap, 'unary', m.name, m.serialize, deserialize) : undefined;
      const call = this.channel.client.makeUnaryRequest(
        m.path,
        tapped ? tapped.serialize : m.serialize,
        tapped ? tapped.deserialize : deserialize,
        req,
        this.channel.metadata(),
        // grpc-js compares deadlines with the wall clock, whatever clock the limiter runs on.
        { deadline: Date.now() + o.deadlineMs },
        (err: ServiceError | null, value?: Res) => {
          outcome = { err, value };
        },
      );
      tapped?.observe(call);
      this.inFlight.add(call);
      call.on('metadata', (md: Metadata) => {
        headers = md;
      });
      // grpc-js emits 'status' (with the trailers) right after the callback; settle there so
      // rate headers sent as trailers count too.
      call.on('status', (st: StatusObject) => {
        tapped?.ended(st);
        this.inFlight.delete(call);
        // After this call's outcome is settled below, so close() resumes with it known.
        if (this.inFlight.size === 0 && this.onIdle) queueMicrotask(this.onIdle);
        limiter.observe(parseRateHeaders((n) => header(n, st.metadata, headers)));
        const err = outcome?.err ?? null;
        if (err) {
          reject(isGrpcFailure(err) ? mapGrpcError(err, { headers, sideEffect: o.sideEffect ?? false }) : toVenueError(err));
        } else if (outcome?.value === undefined) {
          reject(new VenueError('internal', 'empty-response', `${m.name}: empty response`));
        } else {
          resolve(outcome.value);
        }
      });
    });
  }
}
