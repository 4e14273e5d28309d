/**
 * Closing the T-Invest adapter while an order is being placed: the PostOrder in flight gets a
 * bounded grace to be answered instead of being cancelled mid-send into an unknown outcome;
 * one the venue never answers is cut at the grace's end and rejects 'unknown-outcome' (the
 * venue holds it), never a refusal.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { OrderEvidence } from '../../../common/domain.js';
import type { TInvestVenue } from '../../../electron/venues/tinvest/adapter.js';
import { VenueError } from '../../../electron/venues/venue.js';
import { RecordingSink, waitFor } from './helpers.js';
import { orderAdapter, orderRequest, startOrderVenue } from './order-helpers.js';
import type { OrderVenue } from './order-helpers.js';

let v: OrderVenue | undefined;
let venue: TInvestVenue | undefined;
afterEach(async () => {
  await venue?.close();
  await v?.close();
  venue = undefined;
  v = undefined;
});

async function connected(closeGraceMs: number): Promise<{ v: OrderVenue; venue: TInvestVenue; sink: RecordingSink }> {
  v = await startOrderVenue();
  const sink = new RecordingSink();
  venue = orderAdapter(v.sim, sink, { accountId: v.sim.accountId, closeGraceMs });
  await venue.connect();
  await waitFor('the order stream to be live', () => sink.state('orders') === 'live');
  return { v, venue, sink };
}

describe('T-Invest adapter close() with an order in flight', () => {
  it('lets an in-flight PostOrder complete: the order is acknowledged, not unknown', async () => {
    const { v, venue } = await connected(20_000);
    // The venue takes its time before it executes and answers: the call is genuinely in flight.
    v.sim.faults.delayMs = 600;
    const req = orderRequest(v.sim.accountId, v.sber.uid, { price: '150.00' });
    const placing = venue.placeOrder(req).then(
      (o): OrderEvidence | unknown => o,
      (e: unknown) => e,
    );
    await waitFor('the PostOrder to reach the venue', () => v.sim.stats.calls('PostOrder') === 1);
    await venue.close();

    const placed = await placing;
    expect(placed).toMatchObject({ clientOrderId: req.clientOrderId, status: 'open' });
    // Placed once, and the venue holds it.
    expect([...v.sim.stats.orders.values()].map((r) => r.requestKey)).toEqual([req.clientOrderId]);
    // Closed means closed: nothing new goes out.
    await expect(venue.placeOrder(orderRequest(v.sim.accountId, v.sber.uid, { price: '150.00' }))).rejects.toMatchObject({ kind: 'unavailable' });
    expect(v.sim.stats.calls('PostOrder')).toBe(1);
  });

  it("cuts a PostOrder the venue never answers at the end of its grace: with no other word from the venue, it rejects 'unknown-outcome'", async () => {
    const { v, venue } = await connected(300);
    v.sim.faults.stallStreams(true);
    v.sim.faults.loseNextReply('PostOrder', 1, 'hang');
    const req = orderRequest(v.sim.accountId, v.sber.uid, { price: '150.00' });
    const placing = venue.placeOrder(req).then(
      (o): OrderEvidence | unknown => o,
      (e: unknown) => e,
    );
    await waitFor('the PostOrder to be executed with its reply held', () => v.sim.stats.lostReplies === 1);
    await venue.close();
    const outcome = await placing;
    expect(outcome).toBeInstanceOf(VenueError);
    expect(outcome).toMatchObject({ kind: 'unknown-outcome', message: expect.stringContaining(req.clientOrderId) as unknown });
    // It is there: the core's resolveOrder after a restart finds it under the same key.
    expect(v.sim.stats.placements(v.sim.accountId, req.clientOrderId)).toBe(1);
  });
});
