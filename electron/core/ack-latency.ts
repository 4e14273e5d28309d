/**
 * How long venues take to answer our orders: from the moment a place, cancel or amend is
 * handed to the adapter to the venue's first answer (its reply, its refusal, or its stream's
 * evidence of the order, whichever comes first). Kept here as fixed-bucket histograms per
 * (venue, kind, order type, outcome), so the core needs no metrics library: the metrics
 * endpoint and the diagnostics panel both read `series()` / `summary()`.
 */
import type { OrderType, VenueId } from '../../common/domain.js';

/** Upper bounds (ms) of the buckets; one more bucket counts everything slower. */
export const ACK_LATENCY_BUCKETS_MS: readonly number[] = [5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000];

export const ACK_KINDS = ['place', 'cancel', 'amend'] as const;
export type AckKind = (typeof ACK_KINDS)[number];
/** accepted: the venue took it; rejected: the venue refused it; lost: no answer (the state is unknown). */
export const ACK_OUTCOMES = ['accepted', 'rejected', 'lost'] as const;
export type AckOutcome = (typeof ACK_OUTCOMES)[number];
/** A cancel of an order the journal does not know has no type. */
export type AckOrderType = OrderType | 'unknown';

export interface AckSeries {
  venue: VenueId;
  kind: AckKind;
  orderType: AckOrderType;
  outcome: AckOutcome;
  /** Per bucket, not cumulative: buckets[i] counts answers in (bound[i-1], bound[i]]; the last one, slower than every bound. */
  buckets: number[];
  sumMs: number;
  count: number;
}

/** What the diagnostics panel shows per (venue, kind, order type), every outcome together. */
export interface AckSummary {
  venue: VenueId;
  kind: AckKind;
  orderType: AckOrderType;
  count: number;
  /** Estimated from the buckets (linear within one); the top bound when it lies beyond it. */
  p50Ms: number;
  p99Ms: number;
  rejected: number;
  lost: number;
}

/** One request handed over and not yet answered; begin() returns it, to settle exactly that request. */
export interface AckPending {
  readonly venue: VenueId;
  readonly orderType: AckOrderType;
  readonly startedAt: number;
}

export interface AckLatencyOptions {
  /** Monotonic milliseconds; wall clocks jump. */
  clock?: () => number;
}

export class AckLatency {
  private readonly bySeries = new Map<string, AckSeries>();
  /** kind|order key → the requests out for it (two clients may cancel the same order at once). */
  private readonly pending = new Map<string, AckPending[]>();
  private readonly clock: () => number;

  constructor(opts: AckLatencyOptions = {}) {
    this.clock = opts.clock ?? (() => performance.now());
  }

  /** A request for `key` (the journal's order key) is being handed to the adapter now. */
  begin(kind: AckKind, key: string, venue: VenueId, orderType: AckOrderType): AckPending {
    const p: AckPending = { venue, orderType, startedAt: this.clock() };
    const id = `${kind}|${key}`;
    const list = this.pending.get(id);
    if (list) list.push(p);
    else this.pending.set(id, [p]);
    return p;
  }

  /**
   * The venue's first answer: timed once. With `request`, the answer to that request (its
   * reply); without, the venue's stream, which answers every request out for the order.
   * Later answers, and answers nobody waited for, change nothing.
   */
  settle(kind: AckKind, key: string, outcome: AckOutcome, request?: AckPending): void {
    const id = `${kind}|${key}`;
    const list = this.pending.get(id);
    if (list === undefined) return;
    let answered: AckPending[];
    if (request === undefined) answered = list.splice(0);
    else {
      const i = list.indexOf(request);
      answered = i < 0 ? [] : list.splice(i, 1);
    }
    if (list.length === 0) this.pending.delete(id);
    const now = this.clock();
    for (const p of answered) this.observe(p.venue, kind, p.orderType, outcome, Math.max(0, now - p.startedAt));
  }

  /** Requests handed over and not yet answered. */
  get waiting(): number {
    let n = 0;
    for (const list of this.pending.values()) n += list.length;
    return n;
  }

  /** Forgets what is waiting (the journal closed): never timed. */
  clearPending(): void {
    this.pending.clear();
  }

  observe(venue: VenueId, kind: AckKind, orderType: AckOrderType, outcome: AckOutcome, ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    const id = `${venue}|${kind}|${orderType}|${outcome}`;
    let s = this.bySeries.get(id);
    if (s === undefined) {
      s = { venue, kind, orderType, outcome, buckets: new Array<number>(ACK_LATENCY_BUCKETS_MS.length + 1).fill(0), sumMs: 0, count: 0 };
      this.bySeries.set(id, s);
    }
    s.buckets[bucketOf(ms)]! += 1;
    s.sumMs += ms;
    s.count += 1;
  }

  /** Every series seen, copied. */
  series(): AckSeries[] {
    return [...this.bySeries.values()].map((s) => ({ ...s, buckets: [...s.buckets] }));
  }

  /** Per (venue, kind, order type): count, p50, p99 over every outcome. */
  summary(): AckSummary[] {
    const by = new Map<string, { head: Pick<AckSummary, 'venue' | 'kind' | 'orderType'>; buckets: number[]; count: number; rejected: number; lost: number }>();
    for (const s of this.bySeries.values()) {
      const id = `${s.venue}|${s.kind}|${s.orderType}`;
      let g = by.get(id);
      if (g === undefined) {
        g = { head: { venue: s.venue, kind: s.kind, orderType: s.orderType }, buckets: new Array<number>(s.buckets.length).fill(0), count: 0, rejected: 0, lost: 0 };
        by.set(id, g);
      }
      for (let i = 0; i < s.buckets.length; i++) g.buckets[i]! += s.buckets[i]!;
      g.count += s.count;
      if (s.outcome === 'rejected') g.rejected += s.count;
      if (s.outcome === 'lost') g.lost += s.count;
    }
    return [...by.values()].map((g) => ({
      ...g.head,
      count: g.count,
      p50Ms: quantileOf(g.buckets, 0.5),
      p99Ms: quantileOf(g.buckets, 0.99),
      rejected: g.rejected,
      lost: g.lost,
    }));
  }
}

function bucketOf(ms: number): number {
  for (let i = 0; i < ACK_LATENCY_BUCKETS_MS.length; i++) if (ms <= ACK_LATENCY_BUCKETS_MS[i]!) return i;
  return ACK_LATENCY_BUCKETS_MS.length;
}

/**
 * The q-quantile of per-bucket counts over ACK_LATENCY_BUCKETS_MS, interpolated linearly
 * within its bucket (as Prometheus' histogram_quantile does); 0 when empty; the top bound
 * when it falls in the overflow bucket, which has no upper edge.
 */
export function quantileOf(buckets: readonly number[], q: number, bounds: readonly number[] = ACK_LATENCY_BUCKETS_MS): number {
  const total = buckets.reduce((a, b) => a + b, 0);
  if (total === 0) return 0;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    const n = buckets[i]!;
    if (n > 0 && seen + n >= rank) {
      if (i >= bounds.length) return bounds[bounds.length - 1]!;
      const lower = i === 0 ? 0 : bounds[i - 1]!;
      return lower + (bounds[i]! - lower) * ((rank - seen) / n);
    }
    seen += n;
  }
  return bounds[bounds.length - 1]!;
}
