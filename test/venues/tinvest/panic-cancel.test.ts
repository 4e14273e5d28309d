/**
 * The panic key must work right after placements failed: cancels and the calls that find what
 * to cancel have a breaker of their own, which failed placements never open.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TInvestVenue } from '../../../electron/venues/tinvest/adapter.js';
import { RecordingSink, waitFor } from './helpers.js';
import { orderAdapter, orderRequest, startOrderVenue } from './order-helpers.js';
import type { OrderVenue } from './order-helpers.js';

let v: OrderVenue;
let sink: RecordingSink;
let venue: TInvestVenue;

beforeEach(async () => {
  v = await startOrderVenue();
  sink = new RecordingSink();
  // The breaker as it is in the app: five failures open it for five seconds.
  venue = orderAdapter(v.sim, sink, { accountId: v.sim.accountId, breaker: { failureThreshold: 5, openMs: 5_000 } });
  await venue.connect();
  await waitFor('the order stream to be live', () => sink.state('orders') === 'live');
});
afterEach(async () => {
  await venue.close();
  await v.close();
});

describe('T-Invest cancel-all after a burst of lost placement replies', () => {
  it('cancels every resting order although the placement breaker is open', async () => {
    const account = v.sim.accountId;
    const resting = Array.from({ length: 3 }, () => orderRequest(account, v.sber.uid, { price: '200.00' }));
    for (const r of resting) expect((await venue.placeOrder(r)).status).toBe('open');

    // A burst of placements whose replies are all lost: the placement breaker opens.
    v.sim.faults.failNext('PostOrder', 'UNAVAILABLE', 50, 'before');
    const burst = Array.from({ length: 8 }, () => venue.placeOrder(orderRequest(account, v.sber.uid, { price: '201.00' })).catch(() => undefined));
    await waitFor('the placement breaker to open', () => sink.record('api').breakers.some((b) => b.state === 'open'), 10_000);
    const cancelled = await venue.cancelAll(account);
    expect(cancelled).toBe(3);
    void burst;
    const left = v.sim.stats.ordersOf(account).filter((r) => r.status === 'NEW' || r.status === 'PARTIALLYFILL');
    expect(left).toEqual([]);
  });
});
