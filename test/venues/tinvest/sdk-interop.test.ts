/**
 * The public npm SDK `tinkoff-invest-api` (its own generated code, contract v1.24) and our
 * adapter trade one account on the local venue: what one places and cancels, the other sees
 * with the same status, exchange id and client key, and both match the venue's record. The
 * SDK picks plaintext only for endpoints starting with "localhost", so it is given one.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TinkoffInvestApi } from 'tinkoff-invest-api';
import type { TInvestVenue } from '../../../electron/venues/tinvest/adapter.js';
import { RecordingSink, waitFor } from './helpers.js';
import { evidenceByKey, expectAgreement, observed, orderAdapter, orderRequest, startOrderVenue, statusesOf } from './order-helpers.js';
import type { OrderVenue } from './order-helpers.js';

/** OrderExecutionReportStatus numbers (§2.4). */
const NEW = 4;
const FILL = 1;
const CANCELLED = 3;

let v: OrderVenue;
let sink: RecordingSink;
let venue: TInvestVenue;
let api: TinkoffInvestApi;
let account: string;

beforeEach(async () => {
  v = await startOrderVenue();
  account = v.sim.accountId;
  sink = new RecordingSink();
  venue = orderAdapter(v.sim, sink, { accountId: account });
  await venue.connect();
  await waitFor('the order stream to be live', () => sink.state('orders') === 'live');
  const port = v.sim.endpoint.split(':').at(-1) ?? '';
  api = new TinkoffInvestApi({ token: v.sim.token, endpoint: `localhost:${port}`, appName: 'switchboard.tests' });
});
afterEach(async () => {
  await venue.close();
  await v.close();
});

describe('T-Invest: the public SDK and our adapter see the same orders', () => {
  it('orders the SDK places and cancels reach our stream and our open orders with the same status', async () => {
    const key = randomUUID();
    const placed = await api.orders.postOrder({
      figi: '',
      instrumentId: v.sber.uid,
      quantity: 2,
      price: { units: 250, nano: 0 },
      direction: 1,
      accountId: account,
      orderType: 1,
      orderId: key,
      timeInForce: 0,
      priceType: 0,
    });
    expect(placed.executionReportStatus).toBe(NEW);
    // Our stream reports it with its terms; its first event names no exchange id yet (§2.4).
    await waitFor('our stream to see it', () => sink.orders.some((ev) => ev.clientOrderId === key));
    expect(sink.orders.find((ev) => ev.clientOrderId === key)).toMatchObject({
      kind: 'status',
      source: 'stream',
      status: 'open',
      terms: { quantity: '2', price: '250', side: 'buy', type: 'limit', instrumentId: v.sber.uid },
    });
    const open = await venue.openOrders(account);
    expect(open.map((o) => [o.clientOrderId, o.venueOrderId, o.status, o.terms?.quantity])).toEqual([[key, placed.orderId, 'open', '2']]);

    await api.orders.cancelOrder({ accountId: account, orderId: placed.orderId });
    await waitFor('our stream to see the cancel', () => statusesOf(sink, key).includes('cancelled'));
    expect(sink.orders.find((ev) => ev.clientOrderId === key && ev.status === 'cancelled')).toMatchObject({ source: 'stream', venueOrderId: placed.orderId });
    expect(await venue.openOrders(account)).toEqual([]);
    expect((await api.orders.getOrderState({ accountId: account, orderId: placed.orderId, priceType: 0 })).executionReportStatus).toBe(CANCELLED);
    expectAgreement(v.sim, sink, account);
  });

  it('orders we place and cancel are listed by the SDK with the same status, id and key', async () => {
    const resting = await venue.placeOrder(orderRequest(account, v.sber.uid, { price: '250.00', quantity: '3' }));
    const listed = await api.orders.getOrders({ accountId: account });
    expect(listed.orders.map((o) => [o.orderId, o.orderRequestId, o.executionReportStatus, o.lotsRequested])).toEqual([[resting.venueOrderId, resting.clientOrderId, NEW, 3]]);

    const bought = await venue.placeOrder(orderRequest(account, v.sber.uid, { type: 'market', price: undefined }));
    const seen = await api.orders.getOrderState({ accountId: account, orderId: bought.venueOrderId ?? '', priceType: 0 });
    expect([seen.executionReportStatus, seen.lotsExecuted, seen.orderRequestId]).toEqual([FILL, 1, bought.clientOrderId]);
    await waitFor('our fills', () => observed(evidenceByKey(sink).get(bought.clientOrderId))?.tradeIds.length === 1);
    expect(observed(evidenceByKey(sink).get(bought.clientOrderId))?.tradeIds).toEqual(seen.stages.map((s) => s.tradeId));

    await venue.cancelOrder(account, resting.clientOrderId);
    expect((await api.orders.getOrders({ accountId: account })).orders).toEqual([]);
    const after = await api.orders.getOrderState({ accountId: account, orderId: resting.venueOrderId ?? '', priceType: 0 });
    expect(after.executionReportStatus).toBe(CANCELLED);
    expect(observed(evidenceByKey(sink).get(resting.clientOrderId))?.status).toBe('cancelled');
    expectAgreement(v.sim, sink, account);
  });
});
