import { describe, expect, it } from 'vitest';
import { ACK_LATENCY_BUCKETS_MS, AckLatency, quantileOf } from '../../electron/core/ack-latency.js';

/** A clock the test moves by hand. */
function manualClock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('acknowledgement latency', () => {
  it('times a request from hand-over to its first answer, once, in the bucket its latency falls in', () => {
    const clock = manualClock();
    const acks = new AckLatency({ clock: clock.now });
    acks.begin('place', 'kraken|a', 'kraken', 'limit');
    clock.advance(40);
    acks.settle('place', 'kraken|a', 'accepted');
    clock.advance(1_000);
    // The reply after the stream's evidence is not a second answer.
    acks.settle('place', 'kraken|a', 'accepted');
    const [s] = acks.series();
    expect(acks.series()).toHaveLength(1);
    expect(s).toMatchObject({ venue: 'kraken', kind: 'place', orderType: 'limit', outcome: 'accepted', count: 1, sumMs: 40 });
    const at = ACK_LATENCY_BUCKETS_MS.findIndex((b) => 40 <= b);
    expect(s!.buckets[at]).toBe(1);
    expect(s!.buckets.reduce((a, b) => a + b, 0)).toBe(1);
    expect(acks.waiting).toBe(0);
  });

  it('keeps venues, kinds, order types and outcomes apart, and ignores an answer nobody waited for', () => {
    const clock = manualClock();
    const acks = new AckLatency({ clock: clock.now });
    acks.settle('cancel', 'tinvest|x', 'accepted');
    acks.begin('place', 'k1', 'kraken', 'limit');
    acks.begin('cancel', 'k1', 'kraken', 'limit');
    acks.begin('place', 't1', 'tinvest', 'market');
    acks.begin('amend', 't2', 'tinvest', 'limit');
    clock.advance(7);
    acks.settle('place', 'k1', 'accepted');
    acks.settle('cancel', 'k1', 'rejected');
    acks.settle('place', 't1', 'lost');
    acks.settle('amend', 't2', 'accepted');
    const keys = acks.series().map((s) => `${s.venue}/${s.kind}/${s.orderType}/${s.outcome}`).sort();
    expect(keys).toEqual(['kraken/cancel/limit/rejected', 'kraken/place/limit/accepted', 'tinvest/amend/limit/accepted', 'tinvest/place/market/lost']);
  });

  it('times two requests out for the same order each once: a reply settles its own, the stream settles all', () => {
    const clock = manualClock();
    const acks = new AckLatency({ clock: clock.now });
    const first = acks.begin('cancel', 'k', 'kraken', 'limit');
    clock.advance(10);
    const second = acks.begin('cancel', 'k', 'kraken', 'limit');
    clock.advance(10);
    acks.settle('cancel', 'k', 'accepted', second);
    expect(acks.series()[0]).toMatchObject({ count: 1, sumMs: 10 });
    acks.settle('cancel', 'k', 'accepted', second);
    expect(acks.waiting).toBe(1);
    clock.advance(5);
    acks.settle('cancel', 'k', 'accepted', first);
    expect(acks.series()[0]).toMatchObject({ count: 2, sumMs: 35 });
    // The stream's word answers every request out for the order.
    acks.begin('cancel', 'k', 'kraken', 'limit');
    acks.begin('cancel', 'k', 'kraken', 'limit');
    acks.settle('cancel', 'k', 'accepted');
    expect(acks.series()[0]!.count).toBe(4);
    expect(acks.waiting).toBe(0);
  });

  it('summarises per venue, kind and order type with p50 and p99 from the buckets', () => {
    const clock = manualClock();
    const acks = new AckLatency({ clock: clock.now });
    // 98 fast answers (≤ 10 ms), 2 slow ones (in the 1–2.5 s bucket), one of them a refusal.
    for (let i = 0; i < 100; i++) {
      acks.begin('place', `o${i}`, 'kraken', 'limit');
      clock.advance(i < 98 ? 8 : 2_000);
      acks.settle('place', `o${i}`, i === 99 ? 'rejected' : 'accepted');
    }
    const [sum] = acks.summary();
    expect(acks.summary()).toHaveLength(1);
    expect(sum).toMatchObject({ venue: 'kraken', kind: 'place', orderType: 'limit', count: 100, rejected: 1, lost: 0 });
    expect(sum!.p50Ms).toBeGreaterThan(5);
    expect(sum!.p50Ms).toBeLessThanOrEqual(10);
    expect(sum!.p99Ms).toBeGreaterThan(1_000);
    expect(sum!.p99Ms).toBeLessThanOrEqual(2_500);
  });

  it('estimates quantiles like histogram_quantile: interpolated within a bucket, the top bound past it, 0 when empty', () => {
    expect(quantileOf([0, 0, 0], 0.5, [10, 20])).toBe(0);
    expect(quantileOf([0, 4, 0], 0.5, [10, 20])).toBe(15);
    expect(quantileOf([0, 0, 3], 0.99, [10, 20])).toBe(20);
  });

  it('forgets what was waiting when cleared, and never records a negative or non-finite time', () => {
    const clock = manualClock();
    const acks = new AckLatency({ clock: clock.now });
    acks.begin('place', 'a', 'kraken', 'limit');
    acks.clearPending();
    acks.settle('place', 'a', 'accepted');
    acks.observe('kraken', 'place', 'limit', 'accepted', Number.NaN);
    acks.observe('kraken', 'place', 'limit', 'accepted', -1);
    expect(acks.series()).toEqual([]);
  });
});
