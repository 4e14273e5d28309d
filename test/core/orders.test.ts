import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Order, OrderRequest, OrderUpdate } from '../../common/domain.js';
import type { PushBatch } from '../../electron/contract.js';
import { Hub, HubError } from '../../electron/core/hub.js';
import { Session } from '../../electron/bridge/session.js';
import { VenueError } from '../../electron/venues/venue.js';
import { memoryVenues } from './memory-venue.js';
import { evidenceOf, orderOf, tradingVenues } from './memory-trading-venue.js';
import type { MemoryTradingVenue } from './memory-trading-venue.js';

function limitBuy(patch: Partial<OrderRequest> = {}): OrderRequest {
  return {
    venue: 'tinvest',
    accountId: 'acc-1',
    instrumentId: 'id-SBER',
    side: 'buy',
    type: 'limit',
    quantity: '2',
    price: '100.5',
    clientOrderId: randomUUID(),
    ...patch,
  };
}

interface Rig {
  hub: Hub;
  venue: MemoryTradingVenue;
  venues: ReturnType<typeof tradingVenues>;
  updates: OrderUpdate[];
  clock: { t: number };
}

async function rig(opts: { maxNotional?: Record<string, string>; placingCancelWaitMs?: number } = {}): Promise<Rig> {
  const clock = { t: 1_700_000_000_000 };
  const hub = new Hub({
    now: () => clock.t,
    ...(opts.maxNotional ? { risk: { maxNotional: opts.maxNotional } } : {}),
    ...(opts.placingCancelWaitMs !== undefined ? { placingCancelWaitMs: opts.placingCancelWaitMs } : {}),
  });
  const venues = tradingVenues();
  hub.addVenue(venues.factory);
  await hub.connect('tinvest');
  const updates: OrderUpdate[] = [];
  hub.on({ order: (u) => updates.push(u) });
  return { hub, venue: venues.current(), venues, updates, clock };
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setTimeout(r, 2));
  expect(cond()).toBe(true);
}

async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof HubError || err instanceof VenueError) return { code: err instanceof HubError ? err.code : err.kind, message: err.message };
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('order journal: placing', () => {
  it('sends an order once: a repeat of its client order id returns the journal order and sends nothing', async () => {
    const { hub, venue } = await rig();
    const req = limitBuy();
    const first = await hub.journal.place(req);
    expect(first).toMatchObject({ status: 'open', venueOrderId: 'v-1', clientOrderId: req.clientOrderId });
    const again = await hub.journal.place({ ...req });
    expect(again).toEqual(first);
    expect(venue.placed).toHaveLength(1);
  });

  it('sends two concurrent repeats of one client order id once', async () => {
    const { hub, venue } = await rig();
    const req = limitBuy();
    const [a, b] = await Promise.all([hub.journal.place(req), hub.journal.place({ ...req })]);
    expect(venue.placed).toHaveLength(1);
    expect(a.clientOrderId).toBe(b.clientOrderId);
    expect(hub.orders()).toHaveLength(1);
  });

  it('refuses a different order under a used client order id and sends nothing', async () => {
    const { hub, venue } = await rig();
    const req = limitBuy();
    await hub.journal.place(req);
    const r = await refusal(hub.journal.place({ ...req, quantity: '3' }));
    expect(r).toEqual({ code: 'invalid', message: 'this client order id was already used for another order' });
    expect(venue.placed).toHaveLength(1);
  });

  it('records the order as pending before it reaches the venue', async () => {
    const { hub, venue, updates } = await rig();
    const req = limitBuy();
    let seenAtSend: Order | undefined;
    venue.onSend = () => {
      seenAtSend = hub.journal.get('tinvest', req.clientOrderId);
    };
    await hub.journal.place(req);
    expect(seenAtSend?.status).toBe('pending');
    expect(updates.map((u) => u.order.status)).toEqual(['pending', 'open']);
  });

  it('refuses a limit price off the price step, naming the nearest valid prices, and sends nothing', async () => {
    const { hub, venue, updates } = await rig();
    const r = await refusal(hub.journal.place(limitBuy({ price: '100.005' })));
    expect(r.code).toBe('invalid');
    expect(r.message).toBe('price 100.005 is not a multiple of the price step 0.01 for SBER: the nearest valid prices are 100 and 100.01');
    expect(venue.placed).toEqual([]);
    expect(hub.orders()).toEqual([]);
    expect(updates).toEqual([]);
  });

  it('refuses quantities off the step or under the minimum, and instruments not tradable', async () => {
    const { hub, venue } = await rig();
    expect(await refusal(hub.journal.place(limitBuy({ quantity: '1.5' })))).toEqual({
      code: 'invalid',
      message: 'quantity 1.5 is not a multiple of the quantity step 1 for SBER: the nearest valid quantities are 1 and 2',
    });
    expect((await refusal(hub.journal.place(limitBuy({ quantity: '0.5' })))).message).toContain('the nearest valid one is 1');
    expect((await refusal(hub.journal.place(limitBuy({ instrumentId: 'id-HALT', price: '10' })))).message).toBe('HALT is not tradable now');
    expect((await refusal(hub.journal.place(limitBuy({ instrumentId: 'id-BTC', quantity: '0.0001', price: '50000' })))).message).toBe(
      'quantity 0.0001 is below the minimum of 0.0005 for BTC/USD',
    );
    expect(venue.placed).toEqual([]);
  });

  it('refuses an order worth more than the per-order limit of its currency', async () => {
    const { hub, venue } = await rig({ maxNotional: { rub: '2000' } });
    // 2 lots × 10 shares × 100.5 = 2010 rub
    expect(await refusal(hub.journal.place(limitBuy()))).toEqual({
      code: 'invalid',
      message: 'order value 2010 rub is over the limit of 2000 rub per order',
    });
    // A market order has no price of its own: without a last price it can't be valued.
    const market = await refusal(hub.journal.place(limitBuy({ type: 'market', price: undefined })));
    expect(market.message).toContain('use a limit order');
    await hub.journal.place(limitBuy({ quantity: '1' }));
    expect(venue.placed).toHaveLength(1);
  });

  it('keeps a venue rejection in the journal with the venue reason, and tells the caller', async () => {
    const { hub, venue } = await rig();
    venue.answer = 'reject';
    const req = limitBuy();
    expect(await refusal(hub.journal.place(req))).toEqual({ code: 'rejected', message: 'not enough money to buy' });
    expect(hub.journal.get('tinvest', req.clientOrderId)).toMatchObject({
      status: 'rejected',
      reason: { code: '30042', message: 'not enough money to buy', trackingId: 'trk-1' },
    });
  });

  it('refuses order entry on a venue that has none, with a clear typed error', async () => {
    const hub = new Hub();
    hub.addVenue(memoryVenues().factory);
    await hub.connect('tinvest');
    const s = new Session({ hub, transport: 'websocket', push: () => undefined, diagnosticsMs: 0 });
    const { venue: _v, ...rest } = limitBuy();
    expect(await s.handle('orders.place', { venue: 'tinvest', ...rest })).toEqual({
      ok: false,
      code: 'rejected',
      message: 'order entry is not available on Memory tinvest yet',
    });
    expect(await s.handle('orders.cancelAll', { venue: 'tinvest' })).toEqual({
      ok: true,
      value: {
        cancelled: 0,
        failed: [{ venue: 'tinvest', code: 'rejected', message: 'order entry is not available on Memory tinvest yet' }],
        venues: [{ venue: 'tinvest', error: { code: 'rejected', message: 'order entry is not available on Memory tinvest yet' }, accounts: [] }],
      },
    });
    expect(hub.orders()).toEqual([]);
  });
});

describe('order journal: venue updates', () => {
  it('applies each fill once, keyed by its trade id', async () => {
    const { hub, venue, updates } = await rig();
    const req = limitBuy({ quantity: '5' });
    await hub.journal.place(req);
    const fill1 = { tradeId: 't1', price: '100.5', quantity: '2', time: 10 };
    const fill2 = { tradeId: 't2', price: '100.5', quantity: '1', time: 11 };
    venue.update(orderOf(req, { status: 'partially-filled', fills: [fill1], filledQuantity: '0', updatedAt: 2 }));
    venue.update(orderOf(req, { status: 'partially-filled', fills: [fill1], filledQuantity: '0', updatedAt: 2 }));
    venue.update(orderOf(req, { status: 'partially-filled', fills: [fill1, fill2], filledQuantity: '0', updatedAt: 3 }));
    const o = hub.journal.get('tinvest', req.clientOrderId);
    expect(o?.fills.map((f) => f.tradeId)).toEqual(['t1', 't2']);
    expect(o?.filledQuantity).toBe('3');
    // The repeat changed nothing, so nobody heard of it.
    expect(updates.map((u) => u.order.filledQuantity)).toEqual(['0', '0', '2', '3']);
  });

  it('keeps an order whose answer was lost unknown until the venue evidences its state', async () => {
    const { hub, venue } = await rig();
    venue.answer = 'lose';
    const req = limitBuy();
    const placed = await hub.journal.place(req);
    expect(placed.status).toBe('unknown');
    // The adapter's own "sent" is not evidence of anything.
    hub.journal.applyEvidence({ ...evidenceOf(orderOf(req, { status: 'pending' }), 'send') });
    expect(hub.journal.get('tinvest', req.clientOrderId)?.status).toBe('unknown');
    // The venue's stream showing it, even as not yet open, is.
    venue.update(orderOf(req, { status: 'pending' }));
    expect(hub.journal.get('tinvest', req.clientOrderId)?.status).toBe('pending');
    venue.update(orderOf(req, { status: 'open', venueOrderId: 'v-9' }));
    expect(hub.journal.get('tinvest', req.clientOrderId)).toMatchObject({ status: 'open', venueOrderId: 'v-9' });
    // A repeat of the ticket's send after the lost answer sent nothing new.
    await hub.journal.place(req);
    expect(venue.placed).toHaveLength(1);
  });

  it('learns the state of an unknown order from the venue after a reconnect', async () => {
    const { hub, venue, venues } = await rig();
    venue.answer = 'lose';
    const req = limitBuy();
    await hub.journal.place(req);
    await hub.disconnect('tinvest');
    const connecting = hub.connect('tinvest');
    // The reconnect builds a fresh instance; its venue holds the order as open, and says so when asked by client order id.
    venues.current().held.set(req.clientOrderId, orderOf(req, { status: 'open', venueOrderId: 'v-7' }));
    await connecting;
    await until(() => hub.journal.get('tinvest', req.clientOrderId)?.status === 'open');
    expect(hub.journal.get('tinvest', req.clientOrderId)?.venueOrderId).toBe('v-7');
  });

  it('never moves a final order back to open', async () => {
    const { hub, venue } = await rig();
    const req = limitBuy({ quantity: '1' });
    await hub.journal.place(req);
    const fill = { tradeId: 't1', price: '100.5', quantity: '1', time: 10 };
    venue.update(orderOf(req, { status: 'filled', fills: [fill], filledQuantity: '1', updatedAt: 5 }));
    venue.update(orderOf(req, { status: 'open', updatedAt: 6 }));
    venue.update(orderOf(req, { status: 'unknown', updatedAt: 7 }));
    venue.update(orderOf(req, { status: 'cancelled', updatedAt: 8 }));
    expect(hub.journal.get('tinvest', req.clientOrderId)).toMatchObject({ status: 'filled', filledQuantity: '1' });
  });

  it('never moves a partly filled order back to open', async () => {
    const { hub, venue } = await rig();
    const req = limitBuy({ quantity: '3' });
    await hub.journal.place(req);
    venue.update(orderOf(req, { status: 'partially-filled', fills: [{ tradeId: 'a', price: '100.5', quantity: '1', time: 1 }], filledQuantity: '1' }));
    venue.update(orderOf(req, { status: 'open' }));
    expect(hub.journal.get('tinvest', req.clientOrderId)?.status).toBe('partially-filled');
  });

  it('lists orders newest first', async () => {
    const { hub, clock } = await rig();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      clock.t += 1000;
      const req = limitBuy();
      ids.push(req.clientOrderId);
      await hub.journal.place(req);
    }
    expect(hub.orders().map((o) => o.clientOrderId)).toEqual(ids.reverse());
  });
});

describe('order journal: cancelling', () => {
  it('waits for the answer to a placement before cancelling, so an order still on its way is never marked rejected', async () => {
    const { hub, venue, updates } = await rig();
    venue.cancelUnknown = 'not-found';
    let release!: () => void;
    venue.placeGate = new Promise((r) => (release = r));
    const req = limitBuy();
    const placed = hub.journal.place(req);
    // Queued before the venue (its rate limiter): the venue would say it has no such order.
    await until(() => updates.some((u) => u.order.clientOrderId === req.clientOrderId));
    const cancelled = hub.journal.cancel('tinvest', 'acc-1', req.clientOrderId);
    await new Promise((r) => setTimeout(r, 20));
    expect(venue.cancelRequests).toEqual([]);
    release();
    expect((await placed).status).toBe('open');
    expect((await cancelled).status).toBe('cancelled');
    expect(venue.cancelRequests).toEqual([req.clientOrderId]);
    expect(updates.filter((u) => u.order.clientOrderId === req.clientOrderId).map((u) => u.order.status)).not.toContain('rejected');
  });

  it('sends a cancel that outwaited its placement as soon as the venue answers the placement', async () => {
    const { hub, venue, updates } = await rig({ placingCancelWaitMs: 20 });
    venue.cancelUnknown = 'not-found';
    let release!: () => void;
    venue.placeGate = new Promise((r) => (release = r));
    const req = limitBuy();
    const placed = hub.journal.place(req);
    await until(() => updates.some((u) => u.order.clientOrderId === req.clientOrderId));
    // The cancel stops waiting and says the order is still pending; nothing went to the venue.
    expect((await hub.journal.cancel('tinvest', 'acc-1', req.clientOrderId)).status).toBe('pending');
    expect(venue.cancelRequests).toEqual([]);
    release();
    expect((await placed).status).toBe('open');
    await until(() => hub.journal.get('tinvest', req.clientOrderId)?.status === 'cancelled');
    expect(venue.cancelRequests).toEqual([req.clientOrderId]);
    expect(updates.filter((u) => u.order.clientOrderId === req.clientOrderId).map((u) => u.order.status)).not.toContain('rejected');
  });

  it('cancels one order and returns a final order as it is without sending again', async () => {
    const { hub, venue } = await rig();
    const req = limitBuy();
    await hub.journal.place(req);
    expect((await hub.journal.cancel('tinvest', 'acc-1', req.clientOrderId)).status).toBe('cancelled');
    expect((await hub.journal.cancel('tinvest', 'acc-1', req.clientOrderId)).status).toBe('cancelled');
    // An order asked for under another account is not found, and the answer quotes neither id.
    expect(await refusal(hub.journal.cancel('tinvest', 'acc-9', req.clientOrderId))).toEqual({ code: 'not-found', message: 'that account has no order with this client order id' });
    expect(venue.cancelRequests).toEqual([req.clientOrderId]);
  });

  it('cancels on every connected venue and reports the ones that failed, without throwing', async () => {
    const hub = new Hub({ cancelRetry: { attempts: 2, firstDelayMs: 5, maxDelayMs: 5, budgetMs: 2_000 } });
    const t = tradingVenues({ id: 'tinvest' });
    const k = tradingVenues({ id: 'kraken' });
    hub.addVenue(t.factory);
    hub.addVenue(k.factory);
    await hub.connect('tinvest');
    await hub.connect('kraken');
    t.current().cancelAllAnswer = new VenueError('unavailable', 'UNAVAILABLE', 'venue is down');
    k.current().cancelAllAnswer = 3;
    expect(await hub.journal.cancelAll()).toMatchObject({
      cancelled: 3,
      failed: [{ venue: 'tinvest', accountId: 'acc-1', code: 'unavailable', message: 'venue is down' }],
    });
    await hub.disconnect('kraken');
    const named = await hub.journal.cancelAll('kraken');
    const notConnected = { code: 'not-connected', message: 'Memory kraken is not connected' };
    expect(named).toEqual({ cancelled: 0, failed: [{ venue: 'kraken', ...notConnected }], venues: [{ venue: 'kraken', error: notConnected, accounts: [] }] });
  });
});

describe('order updates across the bridge', () => {
  it('reach the client as every update in order, never coalesced', async () => {
    const { hub, venue } = await rig();
    const batches: PushBatch[] = [];
    const s = new Session({ hub, transport: 'websocket', push: (topic, payload) => topic === 'batch' && batches.push(payload as PushBatch), diagnosticsMs: 0, batchMs: 60_000 });
    const req = limitBuy({ quantity: '3' });
    const placed = await s.handle('orders.place', { ...req, venue: 'tinvest' });
    expect(placed).toMatchObject({ ok: true, value: { status: 'open' } });
    for (const [i, id] of ['a', 'b', 'c'].entries()) {
      venue.update(orderOf(req, { status: 'partially-filled', fills: [{ tradeId: id, price: '100.5', quantity: '1', time: i }], filledQuantity: String(i + 1) }));
    }
    s.snapshot();
    const orders = batches.flatMap((b) => b.orders);
    expect(orders.map((o) => `${o.status}:${o.filledQuantity}`)).toEqual(['pending:0', 'open:0', 'partially-filled:1', 'partially-filled:2', 'partially-filled:3']);
    expect(await s.handle('orders.list', {})).toMatchObject({ ok: true, value: [{ clientOrderId: req.clientOrderId, filledQuantity: '3' }] });
    s.close();
  });
});

describe('the panic key: cancel all with retries, reported per venue and account', () => {
  const FAST = { attempts: 4, firstDelayMs: 5, maxDelayMs: 20, budgetMs: 2_000 };

  it('retries an account whose cancels fail and then succeed, and says what was and was not cancelled', async () => {
    const hub = new Hub({ cancelRetry: FAST });
    const venues = tradingVenues();
    hub.addVenue(venues.factory);
    await hub.connect('tinvest');
    const other = limitBuy({ accountId: 'acc-2' });
    await hub.journal.place(other);
    const v = venues.current();
    const breakerOpen = new VenueError('unavailable', 'CIRCUIT_OPEN', 'OrdersService breaker open; next trial in 4.7 s');
    v.cancelAllScript = { 'acc-1': [breakerOpen, breakerOpen, 2], 'acc-2': [new VenueError('auth', '40003', 'token has no trading rights')] };
    const result = await hub.journal.cancelAll();
    expect(result).toEqual({
      cancelled: 2,
      failed: [{ venue: 'tinvest', accountId: 'acc-2', code: 'auth', message: 'token has no trading rights' }],
      venues: [
        {
          venue: 'tinvest',
          accounts: [
            { accountId: 'acc-1', ok: true, cancelled: 2, attempts: 3, mayBeOpen: [] },
            { accountId: 'acc-2', ok: false, cancelled: 0, attempts: 1, error: { code: 'auth', message: 'token has no trading rights' }, mayBeOpen: [other.clientOrderId] },
          ],
        },
      ],
    });
    // An auth refusal is not retried: the same token would be refused again.
    expect(v.cancelAllCalls.filter((a) => a === 'acc-2')).toHaveLength(1);
  });

  it('stops within its bound on a venue that keeps failing or never answers, and reports both', async () => {
    const hub = new Hub({ cancelRetry: { ...FAST, budgetMs: 300 } });
    const t = tradingVenues({ id: 'tinvest' });
    const k = tradingVenues({ id: 'kraken' });
    hub.addVenue(t.factory);
    hub.addVenue(k.factory);
    await hub.connect('tinvest');
    await hub.connect('kraken');
    t.current().cancelAllAnswer = new VenueError('unavailable', 'UNAVAILABLE', 'venue is down');
    k.current().cancelAllScript = { 'acc-1': ['hang'] };
    const started = Date.now();
    const result = await hub.journal.cancelAll();
    // Generous for a busy machine; without a bound the hanging venue would never answer at all.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(result.cancelled).toBe(0);
    expect(t.current().cancelAllCalls).toHaveLength(4);
    expect(result.venues).toEqual([
      { venue: 'tinvest', accounts: [{ accountId: 'acc-1', ok: false, cancelled: 0, attempts: 4, error: { code: 'unavailable', message: 'venue is down' }, mayBeOpen: [] }] },
      {
        venue: 'kraken',
        accounts: [{ accountId: 'acc-1', ok: false, cancelled: 0, attempts: 1, error: { code: 'unknown-outcome', message: expect.stringContaining('no answer') }, mayBeOpen: [] }],
      },
    ]);
  });
});
