/**
 * resolveOrder and openOrders against the local venue: GetOrderState by the client key
 * (ORDER_ID_TYPE_REQUEST, §2.4, §4.6) answers 'status' evidence for an order in any state,
 * with its terms and every trade; the venue's "order not found" (50005, §4.5) is 'not-found'
 * once no send of the key can still land; any other failure rejects (the core asks again).
 * GetOrders lists the active orders as 'status' evidence with terms. Each test asserts against
 * the venue's own record.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OrderRequest } from '../../../common/domain.js';
import type { TInvestVenue } from '../../../electron/venues/tinvest/adapter.js';
import { RecordingSink } from './helpers.js';
import { orderAdapter, orderRequest, startOrderVenue } from './order-helpers.js';
import type { OrderVenue } from './order-helpers.js';

let v: OrderVenue;
let sink: RecordingSink;
let venue: TInvestVenue;
let account: string;

beforeEach(async () => {
  v = await startOrderVenue();
  sink = new RecordingSink();
  account = v.sim.accountId;
  venue = orderAdapter(v.sim, sink);
  await venue.connect();
});
afterEach(async () => {
  await venue.close();
  await v.close();
});

function req(fields: Partial<OrderRequest> = {}): OrderRequest {
  return orderRequest(account, v.sber.uid, fields);
}

/** A hint as the core would give it for an intent committed `ago` ms before now. */
function hint(r: OrderRequest, ago = 60_000): { instrumentId: string; sentAt: number } {
  return { instrumentId: r.instrumentId, sentAt: Date.now() - ago };
}

function recordOf(key: string) {
  const r = v.sim.stats.ordersOf(account).find((x) => x.requestKey === key);
  if (!r) throw new Error(`the venue holds no order ${key}`);
  return r;
}

describe('T-Invest resolveOrder', () => {
  it('an open order: status open with its terms, asked by the client key', async () => {
    const r = req({ quantity: '2', price: '150.00' });
    await venue.placeOrder(r);
    const asked = v.sim.stats.calls('GetOrderState');
    // A fresh adapter, as after a restart: it has never heard of the order.
    const freshSink = new RecordingSink();
    const fresh = orderAdapter(v.sim, freshSink);
    await fresh.connect();
    try {
      const ev = await fresh.resolveOrder(account, r.clientOrderId, hint(r));
      expect(ev).toEqual({
        kind: 'status',
        venue: 'tinvest',
        accountId: account,
        clientOrderId: r.clientOrderId,
        venueOrderId: recordOf(r.clientOrderId).orderId,
        status: 'open',
        filledQuantity: '0',
        fills: [],
        terms: { instrumentId: v.sber.uid, side: 'buy', type: 'limit', quantity: '2', price: '150', createdAt: expect.any(Number) as unknown },
        at: expect.any(Number) as unknown,
        source: 'reconcile',
      });
      expect(v.sim.stats.calls('GetOrderState')).toBe(asked + 1);
    } finally {
      await fresh.close();
    }
  });

  it('a filled order: status filled with every trade, in lots, at the venue prices', async () => {
    const r = req({ quantity: '3', price: '250.00' });
    await venue.placeOrder(r);
    v.printSber('250.00', 1);
    v.printSber('249.00', 5);
    const record = recordOf(r.clientOrderId);
    expect(record.status).toBe('FILL');
    expect(record.fills.length).toBe(2);
    const ev = await venue.resolveOrder(account, r.clientOrderId, hint(r));
    expect(ev).toMatchObject({ kind: 'status', status: 'filled', filledQuantity: '3', venueOrderId: record.orderId, averagePrice: '250' });
    expect(ev.fills?.map((f) => [f.tradeId, f.quantity, f.price])).toEqual(record.fills.map((f) => [f.tradeId, f.lots.toString(), f.price]));
    // No fee on a fill: the venue's commission is per order (the ledger takes fees from operations).
    expect(ev.fills?.every((f) => f.fee === undefined)).toBe(true);
  });

  it('a cancelled order: status cancelled', async () => {
    const r = req();
    await venue.placeOrder(r);
    await venue.cancelOrder(account, r.clientOrderId);
    const ev = await venue.resolveOrder(account, r.clientOrderId, hint(r));
    expect(ev).toMatchObject({ kind: 'status', status: 'cancelled', filledQuantity: '0', venueOrderId: recordOf(r.clientOrderId).orderId });
  });

  it("an order the venue never got: 'not-found' with the venue's 50005 once the send is old enough; a fresh one is not yet", async () => {
    const r = req();
    const before = v.sim.stats.calls('GetOrderState');
    const ev = await venue.resolveOrder(account, r.clientOrderId, hint(r));
    expect(ev).toMatchObject({ kind: 'not-found', clientOrderId: r.clientOrderId, source: 'reconcile', reason: { code: '50005', message: 'order not found' } });
    expect(ev.reason?.trackingId).toMatch(/^[0-9a-f]{32}$/);
    // An intent committed this instant may still be on its way to the venue.
    await expect(venue.resolveOrder(account, r.clientOrderId, hint(r, 0))).rejects.toMatchObject({ kind: 'unavailable', code: 'not-yet-known' });
    expect(v.sim.stats.calls('GetOrderState')).toBe(before + 2);
    expect(v.sim.stats.ordersOf(account)).toEqual([]);
    // Resolving sends nothing.
    expect(v.sim.stats.calls('PostOrder')).toBe(0);
  });

  it('any other failure rejects typed, never not-found', async () => {
    const r = req();
    await venue.placeOrder(r);
    v.sim.faults.failNext('GetOrderState', '70001', 1);
    await expect(venue.resolveOrder(account, r.clientOrderId, hint(r))).rejects.toMatchObject({ kind: 'unavailable', code: '70001' });
    await expect(venue.resolveOrder(account, r.clientOrderId, hint(r))).resolves.toMatchObject({ kind: 'status', status: 'open' });
  });

  it('asks by the exchange id when the core knows it', async () => {
    const r = req();
    const placed = await venue.placeOrder(r);
    // A key the venue never saw: only the exchange id can find the order.
    const other = randomUUID();
    const ev = await venue.resolveOrder(account, other, { ...hint(r), venueOrderId: placed.venueOrderId ?? '' });
    expect(ev).toMatchObject({ kind: 'status', clientOrderId: other, venueOrderId: placed.venueOrderId, status: 'open' });
  });
});

describe('T-Invest retry after a restart', () => {
  it('sending the same client order id again from a fresh adapter places nothing new: the venue answers with the order it holds', async () => {
    const r = req({ type: 'market', price: undefined, quantity: '2' });
    const first = await venue.placeOrder(r);
    const freshSink = new RecordingSink();
    const fresh = orderAdapter(v.sim, freshSink);
    await fresh.connect();
    try {
      const again = await fresh.placeOrder(r);
      expect(again).toMatchObject({ kind: 'accepted', clientOrderId: r.clientOrderId, venueOrderId: first.venueOrderId, status: 'filled', filledQuantity: '2' });
      expect(v.sim.stats.calls('PostOrder')).toBe(2);
      expect(v.sim.stats.placements(account, r.clientOrderId)).toBe(1);
    } finally {
      await fresh.close();
    }
  });
});

describe('T-Invest openOrders', () => {
  it('lists the active orders as status evidence with terms, the finished ones left out', async () => {
    const open = [req({ price: '150.00' }), req({ price: '149.00', quantity: '4' })];
    for (const r of open) await venue.placeOrder(r);
    const gone = req();
    await venue.placeOrder(gone);
    await venue.cancelOrder(account, gone.clientOrderId);
    await venue.placeOrder(req({ type: 'market', price: undefined }));
    const listed = await venue.openOrders(account);
    expect(listed.map((ev) => [ev.kind, ev.source, ev.clientOrderId, ev.venueOrderId, ev.status, ev.terms?.quantity, ev.terms?.price]).sort()).toEqual(
      open.map((r) => ['status', 'reconcile', r.clientOrderId, recordOf(r.clientOrderId).orderId, 'open', r.quantity, String(Number(r.price))]).sort(),
    );
  });
});
