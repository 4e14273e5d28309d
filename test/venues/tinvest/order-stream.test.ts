/**
 * The OrderStateStream heals itself and nothing is lost in its gaps: after drops of every
 * kind (and a silent stall) the reconcile on reconnect brings the adapter back to the venue's
 * record before the stream reports live; an order whose every answer was lost rejects
 * 'unknown-outcome' and resolveOrder (GetOrderState by the client key) says what it is, even
 * with the stream down; nothing is guessed.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TInvestVenue } from '../../../electron/venues/tinvest/adapter.js';
import type { VenueError } from '../../../electron/venues/venue.js';
import { RecordingSink, waitFor } from './helpers.js';
import { agrees, evidenceByKey, expectAgreement, observed, orderAdapter, orderRequest, startOrderVenue } from './order-helpers.js';
import type { OrderVenue } from './order-helpers.js';

let v: OrderVenue;
let sink: RecordingSink;
let venue: TInvestVenue;
let account: string;

beforeEach(async () => {
  v = await startOrderVenue();
  sink = new RecordingSink();
  account = v.sim.accountId;
  venue = orderAdapter(v.sim, sink, { accountId: account });
  await venue.connect();
  await waitFor('the order stream to be live', () => sink.state('orders') === 'live');
});
afterEach(async () => {
  await venue.close();
  await v.close();
});

/** Index of the last "live" of the orders connection in the joint timeline. */
function lastLive(): number {
  return sink.timeline.lastIndexOf('state orders live');
}

describe('T-Invest OrderStateStream healing', () => {
  it('after drops of every kind, reconcile brings back what happened while it was down, before live', async () => {
    const bids = [];
    for (let i = 0; i < 6; i++) bids.push(await venue.placeOrder(orderRequest(account, v.sber.uid, { price: '250.00', quantity: '2' })));
    // Another session of the same account: its cancels reach us only through the venue.
    const otherSink = new RecordingSink();
    const other = orderAdapter(v.sim, otherSink);
    await other.connect();
    try {
      const kinds = ['UNAVAILABLE', 'CANCELLED', '80005'] as const;
      for (const [i, kind] of kinds.entries()) {
        const reconnects = sink.record('orders').reconnects;
        // Down, and kept down while the venue moves on.
        v.sim.faults.failNext('OrderStateStream', 'UNAVAILABLE', 1_000);
        expect(v.sim.faults.dropStreams(kind, 'orders')).toBeGreaterThan(0);
        await waitFor('the drop to be seen', () => sink.record('orders').reconnects > reconnects);
        const before = sink.timeline.length;
        v.printSber('250.00', 1);
        await other.cancelOrder(account, bids[5 - i]!.clientOrderId);
        expect(agrees(v.sim, sink, account)).toBe(false);
        v.sim.faults.failNext('OrderStateStream', 'UNAVAILABLE', 1);
        await waitFor('live again', () => sink.state('orders') === 'live' && lastLive() > before);
        // Everything the venue changed meanwhile was read before live was reported.
        const caughtUp = sink.timeline.slice(before, lastLive()).filter((e) => e.startsWith('order ') && e.endsWith(' reconcile'));
        expect(caughtUp.length).toBeGreaterThan(0);
        expectAgreement(v.sim, sink, account);
      }
      const errors = new Set(sink.record('orders').errors.map((e) => e.code));
      for (const code of ['UNAVAILABLE', 'CANCELLED', '80005']) expect(errors).toContain(code);
      expect(new Set(v.sim.stats.ordersOf(account).map((r) => r.status))).toEqual(new Set(['FILL', 'PARTIALLYFILL', 'CANCELLED', 'NEW']));
    } finally {
      await other.close();
    }
  });

  it('calls a silent stream dead, reconnects, and reconciles what the silence hid', async () => {
    const bid = await venue.placeOrder(orderRequest(account, v.sber.uid, { price: '250.00', quantity: '2' }));
    v.sim.faults.stallStreams(true);
    await waitFor('the watchdog to call it dead', () => sink.record('orders').errors.some((e) => e.code === 'stall'));
    expect(sink.record('orders').states.map((s) => s.state)).toContain('degraded');
    v.printSber('250.00', 1);
    expect(observed(evidenceByKey(sink).get(bid.clientOrderId))?.status).toBe('open');
    v.sim.faults.stallStreams(false);
    await waitFor('live and agreeing', () => sink.state('orders') === 'live' && agrees(v.sim, sink, account));
    expect(observed(evidenceByKey(sink).get(bid.clientOrderId))).toMatchObject({ status: 'partially-filled', filledQuantity: '1' });
    expectAgreement(v.sim, sink, account);
  });
});

describe('T-Invest orders whose answers were lost', () => {
  it("an order whose every answer was lost rejects 'unknown-outcome'; resolveOrder by the client key settles it while the stream is down", async () => {
    v.sim.faults.stallStreams(true);
    await waitFor('the stream to be down', () => sink.state('orders') !== 'live', 10_000);
    v.sim.faults.loseNextReply('PostOrder', 5, 'UNAVAILABLE');
    v.sim.faults.failNext('GetOrderState', 'UNAVAILABLE', 2);
    const r = orderRequest(account, v.sber.uid, { price: '250.00', quantity: '2' });
    const hint = { instrumentId: r.instrumentId, sentAt: Date.now() };
    await expect(venue.placeOrder(r)).rejects.toMatchObject({ kind: 'unknown-outcome' });
    expect(v.sim.stats.placements(account, r.clientOrderId)).toBe(1);
    expect(v.sim.stats.calls('PostOrder')).toBe(5);
    // While the venue cannot tell, resolveOrder says so; it never guesses.
    await expect(venue.resolveOrder(account, r.clientOrderId, hint)).rejects.toMatchObject({ kind: 'unavailable', code: 'UNAVAILABLE' });
    const ev = await venue.resolveOrder(account, r.clientOrderId, hint);
    const [record] = v.sim.stats.ordersOf(account);
    expect(ev).toMatchObject({ kind: 'status', source: 'reconcile', clientOrderId: r.clientOrderId, venueOrderId: record?.orderId, status: 'open', filledQuantity: '0' });
    expect(ev.terms).toMatchObject({ instrumentId: v.sber.uid, side: 'buy', type: 'limit', quantity: '2', price: '250' });
    expect(v.sim.stats.errorsSent.get('UNAVAILABLE')).toBeGreaterThanOrEqual(7);
    expect(sink.state('orders')).not.toBe('live');
    expectAgreement(v.sim, sink, account);
    v.sim.faults.stallStreams(false);
    await waitFor('live again', () => sink.state('orders') === 'live');
    expectAgreement(v.sim, sink, account);
  });

  it("an order that never reached the venue is 'not-found' only once no send of it can still land", async () => {
    v.sim.faults.failNext('PostOrder', 'UNAVAILABLE', 5, 'before');
    const r = orderRequest(account, v.sber.uid);
    const hint = { instrumentId: r.instrumentId, sentAt: Date.now() };
    await expect(venue.placeOrder(r)).rejects.toMatchObject({ kind: 'unknown-outcome' });
    // Straight after the last send "order not found" is not yet the venue's word.
    const early = await venue.resolveOrder(account, r.clientOrderId, hint).catch((e: unknown) => e);
    expect(early).toMatchObject({ kind: 'unavailable', code: 'not-yet-known' });
    const wait = (early as VenueError).retryAfterMs ?? 0;
    expect(wait).toBeGreaterThan(0);
    await delay(wait);
    const ev = await venue.resolveOrder(account, r.clientOrderId, hint);
    expect(ev).toMatchObject({ kind: 'not-found', clientOrderId: r.clientOrderId, reason: { code: '50005', trackingId: expect.stringMatching(/^[0-9a-f]{32}$/) as unknown } });
    expect(v.sim.stats.placements(account, r.clientOrderId)).toBe(0);
    expect(v.sim.stats.ordersOf(account)).toEqual([]);
    // Asked by the client key, never re-sent.
    expect(v.sim.stats.calls('GetOrderState')).toBeGreaterThanOrEqual(3);
    expect(v.sim.stats.calls('PostOrder')).toBe(5);
  });
});
