/**
 * Unary calls: per-service circuit breaker, then per-service limiter fed by the x-ratelimit-*
 * headers of every response, then the call with a deadline. Failures leave as VenueError.
 */
import type { ClientUnaryCall, Metadata, ServiceError, StatusObject } from '@grpc/grpc-js';
import type { BreakerState, LimiterHeadroom } from '../../domain.js';
import { CircuitBreaker, CircuitOpenError } from '../../net/circuit-breaker.js';
import type { Verdict } from '../../net/circuit-breaker.js';
import { LimiterClosedError, WindowLimiter } from '../../net/limiter.js';
import type { RateHeaders } from '../../net/limiter.js';
import { VenueError } from '../venue.js';
import type { TInvestChannel } from './channel.js';
import { RATE_WINDOW_MS, UNARY_LIMITS_PER_MINUTE } from './constants.js';
import type { ServiceName } from './constants.js';
import { header, isGrpcFailure, mapGrpcError, toVenueError } from './errors.js';
import type { Method } from './proto.js';

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

export interface RpcOptions {
  channel: TInvestChannel;
  now?: () => number;
  /** Told whenever limiter headroom or a breaker changes. */
  onHealth?: () => void;
  breaker?: { failureThreshold?: number; openMs?: number };
  /** Attempts for a read refused with 80002 (it waits for the window between attempts). */
  rateLimitedAttempts?: number;
}

interface ServiceGuards {
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
  private readonly guards = new Map<ServiceName, ServiceGuards>();
  private readonly channel: TInvestChannel;
  private readonly now: () => number;
  private readonly opts: RpcOptions;
  private closed = false;
  private readonly inFlight = new Set<ClientUnaryCall>();

  constructor(opts: RpcOptions) {
    this.opts = opts;
    this.channel = opts.channel;
    this.now = opts.now ?? Date.now;
  }

  async call<Req, Res>(m: Method<Req, Res>, req: Req, o: CallOptions): Promise<Res> {
    const g = this.guardsOf(m.service);
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
        this.opts.onHealth?.();
      }
    }
  }

  limiters(): LimiterHeadroom[] {
    return [...this.guards.values()].map((g) => g.limiter.headroom());
  }

  breakers(): BreakerState[] {
    return [...this.guards.values()].map((g) => g.breaker.snapshot());
  }

  /** Fails queued calls and cancels the ones in flight. */
  close(): void {
    this.closed = true;
    for (const g of this.guards.values()) g.limiter.close();
    for (const c of this.inFlight) c.cancel();
    this.inFlight.clear();
  }

  private mapFailure(e: unknown): VenueError {
    if (e instanceof CircuitOpenError) {
      return new VenueError('unavailable', 'circuit-open', e.message, { retryAfterMs: e.retryInMs });
    }
    if (e instanceof LimiterClosedError) return new VenueError('unavailable', 'closed', 'connection closed');
    return toVenueError(e);
  }

  private guardsOf(svc: ServiceName): ServiceGuards {
    let g = this.guards.get(svc);
    if (!g) {
      const onChange = (): void => this.opts.onHealth?.();
      g = {
        limiter: new WindowLimiter({
          name: svc,
          limit: UNARY_LIMITS_PER_MINUTE[svc] ?? 100,
          windowMs: RATE_WINDOW_MS,
          now: this.now,
          onChange,
        }),
        breaker: new CircuitBreaker({
          name: svc,
          now: this.now,
          onChange,
          ...(this.opts.breaker ?? {}),
        }),
      };
      this.guards.set(svc, g);
    }
    return g;
  }

  private once<Req, Res>(m: Method<Req, Res>, req: Req, o: CallOptions, limiter: WindowLimiter): Promise<Res> {
    if (this.closed) return Promise.reject(new VenueError('unavailable', 'closed', 'connection closed'));
    return new Promise<Res>((resolve, reject) => {
      let headers: Metadata | undefined;
      let outcome: { err: ServiceError | null; value: Res | undefined } | undefined;
      const call = this.channel.client.makeUnaryRequest(
        m.path,
        m.serialize,
        m.deserialize,
        req,
        this.channel.metadata(),
        { deadline: this.now() + o.deadlineMs },
        (err: ServiceError | null, value?: Res) => {
          outcome = { err, value };
        },
      );
      this.inFlight.add(call);
      call.on('metadata', (md: Metadata) => {
        headers = md;
      });
      // grpc-js emits 'status' (with the trailers) right after the callback; settle there so
      // rate headers sent as trailers count too.
      call.on('status', (st: StatusObject) => {
        this.inFlight.delete(call);
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
