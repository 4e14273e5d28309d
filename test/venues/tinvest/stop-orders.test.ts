/**
 * Our adapter's stop orders, amends and times in force against the local venue: each stop
 * type placed, listed, fired by a trade at its stop, its child's fills reported on the stop
 * order's own client key; cancel; expiry of a good-till-date one; a repeated send of the same
 * key; ReplaceOrder as an amend (a new venue id, the replacement's events under the order's
 * key, a lost answer settled by the amend id); ioc and fok. The venue's own record (the public
 * SDK for stop orders, the sim's order book for exchange orders) is what each is checked against.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { TinkoffInvestApi } from 'tinkoff-invest-api';
import type { OrderEvidence, OrderRequest } from '../../../common/domain.js';
import { VenueError } from '../../../electron/venues/venue.js';
import type { TInvestVenue } from '../../../electron/venues/tinvest/adapter.js';
import { RecordingSink, waitFor } from './helpers.js';
import { evidenceByKey, orderAdapter, orderRequest, startOrderVenue } from './order-helpers.js';
import type { OrderVenue } from './order-helpers.js';

let v: OrderVenue;
let sink: RecordingSink;
let venue: TInvestVenue;
let api: TinkoffInvestApi;
let clock = Date.now();

async function start(): Promise<void> {
  clock = Date.now();
  v = await startOrderVenue({ now: () => clock });
  sink = new RecordingSink();
  venue = orderAdapter(v.sim, sink, { accountId: v.sim.accountId, trading: { stopPollMs: 50 } });
  await venue.connect();
  await waitFor('the order stream to be live', () => sink.state('orders') === 'live');
  const port = v.sim.endpoint.split(':').at(-1) ?? '';
  api = new TinkoffInvestApi({ token: v.sim.token, endpoint: `localhost:${port}`, appName: 'switchboard.tests' });
  v.printSber('300.00', 100);
}
afterEach(async () => {
  await venue.close();
  await v.close();
});

function stop(fields: Partial<OrderRequest>): OrderRequest {
  return orderRequest(v.sim.accountId, v.sber.uid, { side: 'buy', quantity: '2', price: undefined, ...fields });
}

/** The venue's record of one of its stop orders. */
async function venueStop(stopOrderId: string): Promise<{ status: number; exchangeOrderId?: string | undefined } | undefined> {
  const { stopOrders } = await api.stoporders.getStopOrders({ accountId: v.sim.accountId, status: 1 });
  return stopOrders.find((s) => s.stopOrderId === stopOrderId);
}

const said = (key: string): OrderEvidence[] => evidenceByKey(sink).get(key) ?? [];
const filledLots = (key: string): bigint => said(key).reduce((n, ev) => n + (ev.fills ?? []).reduce((m, f) => m + BigInt(f.quantity), 0n), 0n);

describe('T-Invest stop orders through the adapter', () => {
  it('places each stop type, lists them with their terms, fires them by trades, and reports each child fill on the stop order', async () => {
    await start();
    const orders = [
      stop({ type: 'stop-loss', triggerPrice: '301.00' }),
      stop({ type: 'stop-loss-limit', triggerPrice: '302.00', price: '303.00' }),
      stop({ type: 'take-profit', triggerPrice: '299.00' }),
      stop({ type: 'take-profit-limit', triggerPrice: '298.00', price: '298.50' }),
      stop({ type: 'trailing-stop', trailingOffset: { value: '1.50', unit: 'price' } }),
    ];
    const placed = await Promise.all(orders.map((o) => venue.placeOrder(o)));
    expect(placed.map((ev) => [ev.kind, ev.status])).toEqual(orders.map(() => ['accepted', 'open']));
    expect(new Set(placed.map((ev) => ev.venueOrderId)).size).toBe(5);

    const open = await venue.openOrders(v.sim.accountId);
    const stops = open.filter((ev) => orders.some((o) => o.clientOrderId === ev.clientOrderId));
    expect(stops.map((ev) => ev.terms?.type).sort()).toEqual(['stop-loss', 'stop-loss-limit', 'take-profit', 'take-profit-limit', 'trailing-stop']);
    const byKey = new Map(stops.map((ev) => [ev.clientOrderId, ev]));
    expect(byKey.get(orders[1]!.clientOrderId)?.terms).toMatchObject({ triggerPrice: '302', price: '303', side: 'buy', quantity: '2', timeInForce: 'gtc' });
    expect(byKey.get(orders[4]!.clientOrderId)?.terms?.trailingOffset).toEqual({ value: '1.5', unit: 'price' });

    // Down to 298: both take-profits fire (the trailing buy follows the low); then up through 301 and 302.
    v.printSber('299.00', 100);
    v.printSber('298.00', 100);
    v.printSber('299.50', 100);
    v.printSber('301.00', 100);
    v.printSber('302.00', 100);
    for (const o of orders) {
      await waitFor(`the fills of ${o.type}`, () => filledLots(o.clientOrderId) === 2n);
      await waitFor(`${o.type} to be reported filled`, () => said(o.clientOrderId).some((ev) => ev.status === 'filled'));
    }
    // Each child is one exchange order at the venue under the stop order's key, with the fills reported.
    const records = v.sim.stats.ordersOf(v.sim.accountId);
    for (const o of orders) {
      const child = records.filter((r) => r.requestKey === o.clientOrderId);
      expect(child).toHaveLength(1);
      expect(child[0]?.status).toBe('FILL');
      const reported = new Set(said(o.clientOrderId).flatMap((ev) => (ev.fills ?? []).map((f) => f.tradeId)));
      expect([...reported].sort()).toEqual(child[0]!.fills.map((f) => f.tradeId).sort());
      expect((await venueStop(placed[orders.indexOf(o)]!.venueOrderId!))?.status).toBe(3);
    }
    // The limit children were limit orders at the stop order's price.
    expect(records.find((r) => r.requestKey === orders[1]!.clientOrderId)).toMatchObject({ orderType: 'limit', price: '303' });
    await waitFor('the fired stop orders to be reported triggered', () => orders.every((o) => said(o.clientOrderId).some((ev) => ev.triggeredAt !== undefined)));
    // The service's own budget (§7: 50 a minute), from the venue's headers.
    expect(sink.record('api').limiters.find((l) => l.name === 'StopOrdersService')?.limit).toBe(50);
    // Nothing of theirs was reported as an order we do not know.
    expect(sink.orders.filter((ev) => ev.clientOrderId.startsWith('exchange:') || ev.clientOrderId.startsWith('stop:'))).toEqual([]);
  });

  it('cancels a waiting stop order; a fired one has its child cancelled', async () => {
    await start();
    const waiting = stop({ type: 'take-profit', triggerPrice: '290.00' });
    const fired = stop({ type: 'stop-loss-limit', triggerPrice: '301.00', price: '301.00' });
    const a = await venue.placeOrder(waiting);
    await venue.placeOrder(fired);
    const cancelled = await venue.cancelOrder(v.sim.accountId, waiting.clientOrderId, a.venueOrderId);
    expect(cancelled).toMatchObject({ status: 'cancelled', venueOrderId: a.venueOrderId });
    expect((await venueStop(a.venueOrderId!))?.status).toBe(4);

    // Fires, and its limit child at 301 rests below a market that moved on to 302.
    v.printSber('302.00', 100);
    await waitFor('the fired stop order', () => said(fired.clientOrderId).some((ev) => ev.triggeredAt !== undefined));
    const child = v.sim.stats.ordersOf(v.sim.accountId).find((r) => r.requestKey === fired.clientOrderId);
    expect(child?.status).toBe('NEW');
    const ev = await venue.cancelOrder(v.sim.accountId, fired.clientOrderId);
    expect(ev).toMatchObject({ status: 'cancelled', clientOrderId: fired.clientOrderId, venueOrderId: child?.orderId });
    expect(v.sim.stats.orders.get(child!.orderId)?.status).toBe('CANCELLED');
  });

  it('reports a good-till-date stop order expired at its date', async () => {
    await start();
    const o = stop({ type: 'take-profit', triggerPrice: '290.00', timeInForce: 'gtd', expireAt: clock + 60_000 });
    const placed = await venue.placeOrder(o);
    expect((await venue.openOrders(v.sim.accountId)).find((ev) => ev.clientOrderId === o.clientOrderId)?.terms).toMatchObject({ timeInForce: 'gtd', expireAt: clock + 60_000 });
    clock += 61_000;
    await waitFor('the expiry', () => said(o.clientOrderId).some((ev) => ev.status === 'expired'));
    expect((await venueStop(placed.venueOrderId!))?.status).toBe(5);
  });

  it('sends a stop order again under the same key: the venue answers with the one it holds (our choice where §7 is silent)', async () => {
    await start();
    const o = stop({ type: 'take-profit', triggerPrice: '290.00' });
    const first = await venue.placeOrder(o);
    const second = await venue.placeOrder({ ...o });
    expect(second.venueOrderId).toBe(first.venueOrderId);
    const { stopOrders } = await api.stoporders.getStopOrders({ accountId: v.sim.accountId, status: 1 });
    expect(stopOrders).toHaveLength(1);
  });

  it('a stop order whose answer was lost is retried with the same key and placed once', async () => {
    await start();
    v.sim.faults.loseNextReply('PostStopOrder');
    const o = stop({ type: 'stop-loss', triggerPrice: '305.00' });
    const ev = await venue.placeOrder(o);
    expect(ev).toMatchObject({ kind: 'accepted', status: 'open' });
    expect(v.sim.stats.calls('StopOrdersService/PostStopOrder')).toBe(2);
    const { stopOrders } = await api.stoporders.getStopOrders({ accountId: v.sim.accountId, status: 1 });
    expect(stopOrders.map((s) => s.stopOrderId)).toEqual([ev.venueOrderId]);
  });

  it('after a restart, finds a stop order of the earlier run by the venue id the core knows, and follows it to its fill; the history lists it', async () => {
    await start();
    const o = stop({ type: 'stop-loss', triggerPrice: '303.00' });
    const placed = await venue.placeOrder(o);
    await venue.close();
    // A new run: the adapter knows nothing; the core asks about the order it journaled.
    sink = new RecordingSink();
    venue = orderAdapter(v.sim, sink, { accountId: v.sim.accountId, trading: { stopPollMs: 50 } });
    await venue.connect();
    await waitFor('the order stream to be live', () => sink.state('orders') === 'live');
    const ev = await venue.resolveOrder(v.sim.accountId, o.clientOrderId, { instrumentId: v.sber.uid, sentAt: Date.now() - 60_000, venueOrderId: placed.venueOrderId });
    expect(ev).toMatchObject({ kind: 'status', clientOrderId: o.clientOrderId, venueOrderId: placed.venueOrderId, status: 'open' });
    expect(ev.terms).toMatchObject({ type: 'stop-loss', triggerPrice: '303', quantity: '2', side: 'buy' });
    v.printSber('303.00', 100);
    await waitFor('the fill under the journaled key', () => said(o.clientOrderId).some((e) => e.status === 'filled') && filledLots(o.clientOrderId) === 2n);
    const history = await venue.accountHistory(v.sim.accountId, clock - 60_000);
    expect(history.orders.filter((h) => h.clientOrderId === o.clientOrderId).map((h) => h.venueOrderId)).toEqual([placed.venueOrderId]);
    // The open orders no longer list it, nor anything under a stop: key.
    expect((await venue.openOrders(v.sim.accountId)).filter((h) => h.clientOrderId.startsWith('stop:'))).toEqual([]);
  });

  it('refuses what T-Invest stop orders cannot be, before sending', async () => {
    await start();
    const refused = async (o: OrderRequest): Promise<string> => venue.placeOrder(o).then(() => 'placed', (e: unknown) => (e instanceof VenueError ? e.code : String(e)));
    expect(await refused(stop({ type: 'trailing-stop-limit', trailingOffset: { value: '1', unit: 'price' }, price: '300.00' }))).toBe('order-type');
    expect(await refused(stop({ type: 'stop-loss', triggerPrice: '301.00', timeInForce: 'ioc' }))).toBe('time-in-force');
    expect(await refused(stop({ type: 'stop-loss', triggerPrice: '301.005' }))).toBe('price-step');
    expect(await refused(stop({ type: 'stop-loss-limit', triggerPrice: '301.00' }))).toBe('price');
    expect(v.sim.stats.calls('StopOrdersService/PostStopOrder')).toBe(0);
    // The venue's own refusal: a buy stop-loss below the market would fire at once.
    expect(await refused(stop({ type: 'stop-loss', triggerPrice: '299.00' }))).toBe('30053');
  });
});

describe('T-Invest amend (ReplaceOrder) and time in force through the adapter', () => {
  it('amends a resting order: a new venue id, the replacement under the same key, the old cancel not reported as one', async () => {
    await start();
    const o = orderRequest(v.sim.accountId, v.sber.uid, { price: '290.00', quantity: '3' });
    const placed = await venue.placeOrder(o);
    const amendId = randomUUID();
    const ev = await venue.amendOrder({ venue: 'tinvest', accountId: v.sim.accountId, clientOrderId: o.clientOrderId, price: '291.00', quantity: '4', amendId }, placed.venueOrderId);
    const fresh = v.sim.stats.ordersOf(v.sim.accountId).find((r) => r.requestKey === amendId) ?? expect.unreachable('no replacement at the venue');
    expect(ev).toMatchObject({ kind: 'status', clientOrderId: o.clientOrderId, venueOrderId: fresh.orderId, status: 'open' });
    expect(ev.amended).toMatchObject({ amendId, price: '291.00', quantity: '4', venueOrderId: fresh.orderId });
    expect(fresh).toMatchObject({ price: '291', lotsRequested: 4n, status: 'NEW' });
    expect(v.sim.stats.orders.get(placed.venueOrderId!)?.status).toBe('CANCELLED');

    // The replacement fills; its stream events land on the original key.
    v.printSber('291.00', 100);
    await waitFor('the replacement fill under the original key', () => said(o.clientOrderId).some((e) => e.status === 'filled'));
    expect(sink.orders.filter((e) => e.clientOrderId === amendId || e.clientOrderId.startsWith('exchange:'))).toEqual([]);
    expect(said(o.clientOrderId).filter((e) => e.status === 'cancelled')).toEqual([]);
    expect(filledLots(o.clientOrderId)).toBe(4n);

    // A second amend of a filled order is refused as not working.
    const again = await venue.amendOrder({ venue: 'tinvest', accountId: v.sim.accountId, clientOrderId: o.clientOrderId, price: '292.00', amendId: randomUUID() }, fresh.orderId).then(
      () => 'amended',
      (e: unknown) => (e instanceof VenueError ? e.code : String(e)),
    );
    expect(again).toBe('not-active');
  });

  it('an amend whose answer stays lost is unknown-outcome, and resolveOrder finds the order by the amend id', async () => {
    await start();
    const o = orderRequest(v.sim.accountId, v.sber.uid, { price: '290.00', quantity: '2' });
    const placed = await venue.placeOrder(o);
    // Every ReplaceOrder answer is lost (held to the deadline); once the replace is under way,
    // the adapter's one look by the amend id fails too.
    v.sim.faults.loseNextReply('ReplaceOrder', 10);
    const amendId = randomUUID();
    const pending = venue
      .amendOrder({ venue: 'tinvest', accountId: v.sim.accountId, clientOrderId: o.clientOrderId, price: '289.00', amendId }, placed.venueOrderId)
      .then(() => undefined, (e: unknown) => e);
    await waitFor('the first ReplaceOrder', () => v.sim.stats.calls('OrdersService/ReplaceOrder') >= 1);
    v.sim.faults.failNext('GetOrderState', 'UNAVAILABLE', 1);
    const lost = await pending;
    expect(lost).toBeInstanceOf(VenueError);
    expect((lost as VenueError).kind).toBe('unknown-outcome');
    const fresh = v.sim.stats.ordersOf(v.sim.accountId).find((r) => r.requestKey === amendId) ?? expect.unreachable('the replace did happen');
    expect(v.sim.stats.maxPlacementsPerKey()).toBe(1);

    const ev = await venue.resolveOrder(v.sim.accountId, o.clientOrderId, { instrumentId: v.sber.uid, sentAt: Date.now() - 1_000, amendIds: [amendId] });
    expect(ev).toMatchObject({ clientOrderId: o.clientOrderId, venueOrderId: fresh.orderId, status: 'open' });
    expect(ev.amended).toMatchObject({ amendId, venueOrderId: fresh.orderId, price: '289' });
    // A cancel now goes to the replacement.
    const cancelled = await venue.cancelOrder(v.sim.accountId, o.clientOrderId, placed.venueOrderId);
    expect(cancelled.status).toBe('cancelled');
    expect(v.sim.stats.orders.get(fresh.orderId)?.status).toBe('CANCELLED');
  });

  it('ioc cancels what it cannot fill at once; fok is refused outright when it cannot fill; day rests', async () => {
    await start();
    const ioc = await venue.placeOrder(orderRequest(v.sim.accountId, v.sber.uid, { price: '290.00', timeInForce: 'ioc' }));
    const fok = await venue.placeOrder(orderRequest(v.sim.accountId, v.sber.uid, { price: '290.00', timeInForce: 'fok' }));
    const day = await venue.placeOrder(orderRequest(v.sim.accountId, v.sber.uid, { price: '290.00', timeInForce: 'day' }));
    expect([ioc.status, fok.status, day.status]).toEqual(['cancelled', 'rejected', 'open']);
    expect([ioc.terms?.timeInForce, fok.terms?.timeInForce, day.terms?.timeInForce]).toEqual(['ioc', 'fok', 'day']);
    const wire = v.sim.stats.ordersOf(v.sim.accountId).slice(-3);
    expect(wire.map((r) => r.status)).toEqual(['CANCELLED', 'REJECTED', 'NEW']);
    const filled = await venue.placeOrder(orderRequest(v.sim.accountId, v.sber.uid, { price: '310.00', timeInForce: 'fok' }));
    expect(filled.status).toBe('filled');
    const refused = await venue.placeOrder(orderRequest(v.sim.accountId, v.sber.uid, { type: 'market', price: undefined, timeInForce: 'gtc' })).then(
      () => 'placed',
      (e: unknown) => (e instanceof VenueError ? e.code : String(e)),
    );
    expect(refused).toBe('time-in-force');
  });
});
