import { describe, expect, it } from 'vitest';
import { DecayLimiter, KrakenLimits, restCost } from '../../../electron/venues/kraken/limits.js';
import { agePenalty, CANCEL_PENALTY } from '../../../electron/venues/kraken/constants.js';

describe('Kraken limiters', () => {
  it('charges order entry nothing on the REST counter and ledgers double', () => {
    expect(restCost('AddOrder')).toBe(0);
    expect(restCost('CancelOrder')).toBe(0);
    expect(restCost('Ledgers')).toBe(2);
    expect(restCost('OpenOrders')).toBe(1);
  });

  it('charges cancels by the age table', () => {
    expect(agePenalty(CANCEL_PENALTY, 0)).toBe(8);
    expect(agePenalty(CANCEL_PENALTY, 7_000)).toBe(6);
    expect(agePenalty(CANCEL_PENALTY, 60_000)).toBe(2);
    expect(agePenalty(CANCEL_PENALTY, 299_999)).toBe(1);
    expect(agePenalty(CANCEL_PENALTY, 300_000)).toBe(0);
  });

  it('queues in order and never lets the counter pass its ceiling, with a fast clock', async () => {
    // A clock 100× faster than real time: 1 real ms = 100 limiter ms.
    const start = Date.now();
    const now = (): number => start + (Date.now() - start) * 100;
    const l = new DecayLimiter('t', { max: 10, decayPerSec: 5 }, { now, margin: 1 });
    const order: number[] = [];
    let peak = 0;
    const all = Array.from({ length: 40 }, (_, i) =>
      l.acquire(1).then((landed) => {
        order.push(i);
        peak = Math.max(peak, l.level() + 1);
        landed();
      }),
    );
    expect(l.queued).toBeGreaterThan(0);
    await Promise.all(all);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(peak).toBeLessThanOrEqual(9);
  });

  it('reports headroom for the REST counter and each pair', () => {
    const t = 1_000_000;
    const seen: number[] = [];
    const lim = new KrakenLimits({ tier: 'starter', now: () => t, onChange: (h) => seen.push(h.length) });
    lim.pair('XXBTZUSD').charge(10);
    const h = lim.headroom();
    expect(h.map((x) => x.name)).toEqual(['rest', 'trading:XXBTZUSD']);
    expect(h[1]).toMatchObject({ remaining: 49, limit: 59, queued: 0 });
    expect(seen.length).toBeGreaterThan(0);
  });

  it('holds a cost in flight, undecayed, until the venue answered', async () => {
    let t = 0;
    const l = new DecayLimiter('t', { max: 3, decayPerSec: 1 }, { now: () => t, margin: 0 });
    const landed = await Promise.all([l.acquire(1), l.acquire(1), l.acquire(1)]);
    t = 10_000; // long after: but nothing has landed, so nothing decayed
    let next = false;
    void l.acquire(1).then(() => (next = true));
    await new Promise((r) => setTimeout(r, 150));
    expect(next).toBe(false);
    for (const f of landed) f();
    t = 11_000; // one second after landing: one unit drained
    await new Promise((r) => setTimeout(r, 150));
    expect(next).toBe(true);
  });

  it('close() rejects whoever is still waiting', async () => {
    const l = new DecayLimiter('t', { max: 2, decayPerSec: 0.001 }, { now: () => 0, margin: 0 });
    await l.acquire(2);
    const waiting = l.acquire(1);
    l.close();
    await expect(waiting).rejects.toThrow(/closed/);
  });
});
