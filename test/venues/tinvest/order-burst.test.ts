/**
 * A burst of 500 PostOrders against a PostOrder budget of 100 per minute: the adapter queues
 * them on its own limiter, fed by the venue's x-ratelimit headers, so the venue never answers
 * 80002, and every order is placed once. The venue and the adapter share a test clock, which
 * the test moves on to the next minute only when the adapter is waiting for the window to
 * reset with nothing in flight (what a real minute would do, without waiting for it).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OrderEvidence } from '../../../common/domain.js';
import type { TInvestVenue } from '../../../electron/venues/tinvest/adapter.js';
import { RecordingSink, sleep, waitFor } from './helpers.js';
import { expectAgreement, orderAdapter, orderRequest, startOrderVenue } from './order-helpers.js';
import type { OrderVenue } from './order-helpers.js';

const BUDGET = 100;
const ORDERS = 500;

let offset = 0;
const now = (): number => Date.now() + offset;
let v: OrderVenue;
let sink: RecordingSink;
let venue: TInvestVenue;

beforeEach(async () => {
  offset = 0;
  v = await startOrderVenue({ now, limits: { PostOrder: BUDGET } });
  sink = new RecordingSink();
  // A deadline no starved machine reaches: an answer that came late would be resent, and the
  // resend waits for the next window, where this test's clock never takes it (it moves only
  // when every call let out has been answered).
  venue = orderAdapter(v.sim, sink, { accountId: v.sim.accountId, now, trading: { commandDeadlineMs: 15_000 } });
  await venue.connect();
  await waitFor('the order stream to be live', () => sink.state('orders') === 'live');
});
afterEach(async () => {
  await venue.close();
  await v.close();
});

function postOrderHeadroom(): { remaining: number; queued: number } | undefined {
  return sink.record('api').limiters.find((l) => l.name === 'OrdersService/PostOrder');
}

describe('T-Invest order burst', () => {
  it('500 orders at once against 100 per minute: queued, never refused, each placed once', async () => {
    const account = v.sim.accountId;
    const requests = Array.from({ length: ORDERS }, () => orderRequest(account, v.sber.uid, { price: '150.00' }));
    let answered = 0;
    let settled = false;
    const all = Promise.allSettled(
      requests.map((r) =>
        venue.placeOrder(r).finally(() => {
          answered += 1;
        }),
      ),
    ).finally(() => {
      settled = true;
    });

    let minutes = 0;
    let mostQueued = 0;
    while (!settled) {
      await sleep(100);
      const h = postOrderHeadroom();
      mostQueued = Math.max(mostQueued, h?.queued ?? 0);
      const waiting = (): boolean => {
        const x = postOrderHeadroom();
        return x !== undefined && x.queued > 0 && x.remaining === 0 && v.sim.stats.calls('PostOrder') === answered;
      };
      if (!waiting()) continue;
      // Still so a moment later: everything let out has been answered; only time frees the queue.
      await sleep(200);
      if (!waiting()) continue;
      const queued = postOrderHeadroom()?.queued ?? 0;
      offset += 61_000;
      minutes += 1;
      // The next look is at the new window, once the limiter has let its first calls out.
      await waitFor('the queue to move', () => settled || (postOrderHeadroom()?.queued ?? 0) < queued, 5_000);
    }
    const results = await all;

    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(results.map((r) => (r as PromiseFulfilledResult<OrderEvidence>).value.status)).toEqual(requests.map(() => 'open'));
    expect(v.sim.stats.rateLimited).toBe(0);
    expect(v.sim.stats.errorsSent.get('80002')).toBeUndefined();
    expect(v.sim.stats.calls('PostOrder')).toBe(ORDERS);
    expect(v.sim.stats.ordersOf(account)).toHaveLength(ORDERS);
    expect(v.sim.stats.maxPlacementsPerKey()).toBe(1);
    // Queueing really happened: the orders took five windows of the budget.
    expect(mostQueued).toBeGreaterThan(ORDERS - 2 * BUDGET);
    expect(minutes).toBe(ORDERS / BUDGET - 1);
    // PostOrder has a budget of its own (§4.1), apart from GetOrders' and the rest of OrdersService.
    const limits = new Map(sink.record('api').limiters.map((l) => [l.name, l.limit]));
    expect(limits.get('OrdersService/PostOrder')).toBe(BUDGET);
    expect(limits.get('OrdersService/GetOrders')).toBe(200);
    await waitFor('the stream to agree', () => sink.state('orders') === 'live');
    expectAgreement(v.sim, sink, account);
  });
});
