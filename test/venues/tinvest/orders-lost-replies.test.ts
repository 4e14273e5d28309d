/**
 * Two hundred orders while the venue loses the reply of one order command in five (held
 * until the deadline, cut with UNAVAILABLE, or reset with CANCELLED): every order exists
 * exactly once on the venue, and the adapter's evidence on each adds up to the venue's record
 * (a command whose answer stayed lost is settled by resolveOrder, as the core would).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setTimeout as delay } from 'node:timers/promises';
import type { OrderEvidence } from '../../../common/domain.js';
import { VenueError } from '../../../electron/venues/venue.js';
import type { TInvestVenue } from '../../../electron/venues/tinvest/adapter.js';
import { RecordingSink, waitFor, waitForProgress } from './helpers.js';
import { agreeing, agrees, evidenceByKey, expectAgreement, orderAdapter, orderRequest, startOrderVenue } from './order-helpers.js';
import type { OrderVenue } from './order-helpers.js';

let v: OrderVenue;

/**
 * A command's answer; when it was lost past every retry ('unknown-outcome'), what resolveOrder
 * then learns, asked as the core would until the venue can tell.
 */
async function answered(key: string, command: () => Promise<OrderEvidence>): Promise<OrderEvidence> {
  const sentAt = Date.now();
  try {
    return await command();
  } catch (e) {
    if (!(e instanceof VenueError) || e.kind !== 'unknown-outcome') throw e;
  }
  for (let i = 0; ; i++) {
    try {
      return await venue.resolveOrder(v.sim.accountId, key, { instrumentId: v.sber.uid, sentAt });
    } catch (e) {
      if (!(e instanceof VenueError) || e.kind !== 'unavailable' || i >= 50) throw e;
      await delay(Math.max(50, e.retryAfterMs ?? 0));
    }
  }
}
let sink: RecordingSink;
let venue: TInvestVenue;

/**
 * Budgets that cover every retry: each lost reply is a resend, and on a starved machine answers
 * that came late past the 1 s deadline are resent too. At the venue's own 300 PostOrders a
 * minute (100 cancels, 100 for the rest of OrdersService) those resends used up the minute, and
 * the adapter, which never overruns a limit, held the rest for the window's reset: a minute or
 * more, past the test's bound. Rate limits have tests of their own (order-burst, limits).
 */
const ROOMY = { PostOrder: 1_000, CancelOrder: 1_000, OrdersService: 1_000 };

beforeEach(async () => {
  v = await startOrderVenue({ limits: ROOMY });
  sink = new RecordingSink();
  venue = orderAdapter(v.sim, sink, { accountId: v.sim.accountId });
  await venue.connect();
  await waitFor('the order stream to be live', () => sink.state('orders') === 'live');
});
afterEach(async () => {
  await venue.close();
  await v.close();
});

describe('T-Invest orders with lost replies', () => {
  it('200 orders, one reply in five lost: each placed once, both sides agree on every state', async () => {
    const account = v.sim.accountId;
    v.sim.faults.loseReplyShape = 'mix';
    v.sim.faults.loseReplyRate = 0.2;
    const last = v.sberLast();
    // Four kinds: market buys (filled), resting bids, bids cancelled later, bids a trade will reach.
    const requests = Array.from({ length: 200 }, (_, i) =>
      orderRequest(account, v.sber.uid, i % 4 === 0 ? { type: 'market', price: undefined } : i % 4 === 3 ? { price: '250.00', quantity: '3' } : { price: '200.00' }),
    );
    const placed = await Promise.all(requests.map((r) => answered(r.clientOrderId, () => venue.placeOrder(r))));
    expect(placed.filter((ev) => ev.kind !== 'accepted' && ev.kind !== 'status')).toEqual([]);
    expect(placed.filter((ev) => ev.status === 'rejected')).toEqual([]);

    const toCancel = requests.filter((_, i) => i % 4 === 2);
    const cancels = await Promise.all(toCancel.map((r) => answered(r.clientOrderId, () => venue.cancelOrder(account, r.clientOrderId))));
    expect(cancels.map((ev) => ev.status)).toEqual(toCancel.map(() => 'cancelled'));

    // A trade at 250 for 100 lots reaches the 50 bids of 3 lots there: some fill, one partly, the rest wait.
    v.printSber('250.00', 100);

    // Bounded by progress, not a deadline: on a loaded machine the resolvers are slow, not stuck.
    // Progress is an order coming to agree, or any word from the adapter.
    await waitForProgress(
      'both sides to agree',
      () => agrees(v.sim, sink, account),
      () => `${agreeing(v.sim, sink, account)} agree, ${sink.orders.length} updates`,
    );
    const records = v.sim.stats.ordersOf(account);
    expect(records).toHaveLength(200);
    expect(v.sim.stats.maxPlacementsPerKey()).toBe(1);
    expect(requests.every((r) => v.sim.stats.placements(account, r.clientOrderId) === 1)).toBe(true);
    expectAgreement(v.sim, sink, account);
    // The faults happened, and the mix of end states is what the test meant to make.
    expect(v.sim.stats.lostReplies).toBeGreaterThan(20);
    const states = new Set(records.map((r) => r.status));
    expect(states).toEqual(new Set(['FILL', 'NEW', 'CANCELLED', 'PARTIALLYFILL']));
    expect(v.sim.stats.rateLimited).toBe(0);
    // The order commands were sent within one window's budget: nothing waited for a reset.
    expect(v.sim.stats.calls('OrdersService/PostOrder')).toBeLessThan(ROOMY.PostOrder);
    // Fills are the venue's trades, at the venue's prices; a trade reported twice says the same.
    const by = evidenceByKey(sink);
    for (const r of records.filter((x) => x.fills.length > 0)) {
      const fills = new Map<string, string>();
      for (const ev of by.get(r.requestKey) ?? []) {
        for (const f of ev.fills ?? []) {
          const said = JSON.stringify([f.tradeId, f.price, f.quantity]);
          expect(fills.get(f.tradeId) ?? said).toBe(said);
          fills.set(f.tradeId, said);
        }
      }
      expect([...fills.values()].sort()).toEqual(r.fills.map((f) => JSON.stringify([f.tradeId, f.price, f.lots.toString()])).sort());
    }
    expect(placed[0]?.averagePrice).toBe(last);
    // A safety net only: placing is bounded by the adapter's own give-up, the wait by a stall.
  }, 120_000);
});
