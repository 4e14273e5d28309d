/**
 * Order entry over real loopback gRPC against the local venue: checks before anything is
 * sent, the client key as the idempotency key on every attempt, every refusal as a typed
 * VenueError with the venue's code, text and tracking id, cancel / replace / cancel-all /
 * open orders / portfolio, and the sandbox. Each test asserts against the venue's own record.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { OrderRequest } from '../../../common/domain.js';
import { mul } from '../../../common/decimal.js';
import { VenueError } from '../../../electron/venues/venue.js';
import { endpointOf } from '../../../electron/venues/tinvest/adapter.js';
import type { TInvestVenue } from '../../../electron/venues/tinvest/adapter.js';
import { TInvestChannel } from '../../../electron/venues/tinvest/channel.js';
import { HOSTS } from '../../../electron/venues/tinvest/constants.js';
import { TInvestTrading } from '../../../electron/venues/tinvest/orders.js';
import { TInvestRpc } from '../../../electron/venues/tinvest/rpc.js';
import { RecordingSink, waitFor } from './helpers.js';
import { evidenceByKey, expectAgreement, observed, orderAdapter, orderRequest, startOrderVenue } from './order-helpers.js';
import type { OrderVenue } from './order-helpers.js';

const TRACKING = /^[0-9a-f]{32}$/;

let v: OrderVenue;
let sink: RecordingSink;
let venue: TInvestVenue;
let account: string;

beforeEach(async () => {
  v = await startOrderVenue();
  sink = new RecordingSink();
  venue = orderAdapter(v.sim, sink);
  await venue.connect();
  account = v.sim.accountId;
});
afterEach(async () => {
  await venue.close();
  await v.close();
});

function req(fields: Partial<OrderRequest> = {}): OrderRequest {
  return orderRequest(account, v.sber.uid, fields);
}

describe('T-Invest order entry: placing', () => {
  it('sends the client key as the idempotency key and resolves with the venue ack as accepted evidence with its terms', async () => {
    const r = req({ quantity: '2', price: '150.00' });
    const order = await venue.placeOrder(r);
    const record = v.sim.stats.ordersOf(account);
    expect(record).toHaveLength(1);
    expect(record[0]).toMatchObject({ requestKey: r.clientOrderId, status: 'NEW', lotsRequested: 2n, price: '150', direction: 'buy', orderType: 'limit' });
    expect(order).toMatchObject({
      kind: 'accepted',
      source: 'send',
      venue: 'tinvest',
      accountId: account,
      clientOrderId: r.clientOrderId,
      venueOrderId: record[0]!.orderId,
      status: 'open',
      filledQuantity: '0',
      terms: { instrumentId: v.sber.uid, side: 'buy', type: 'limit', quantity: '2', price: '150.00' },
    });
    // The core journals the intent; the adapter reports only what the venue says.
    expect(sink.orders.filter((ev) => ev.source === 'send')).toEqual([]);
    expect(v.sim.stats.placements(account, r.clientOrderId)).toBe(1);
  });

  it('refuses an off-grid price or a fractional or empty quantity before sending anything', async () => {
    const calls = v.sim.stats.calls('PostOrder');
    const offGrid = req({ price: '150.005' });
    const err = await venue.placeOrder(offGrid).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VenueError);
    expect(err).toMatchObject({ kind: 'invalid', code: 'price-step' });
    expect((err as VenueError).message).toContain('150 and 150.01');
    // LKOH's step is 0.5.
    await expect(venue.placeOrder(orderRequest(account, v.lkoh.uid, { price: '6950.3' }))).rejects.toMatchObject({
      kind: 'invalid',
      code: 'price-step',
      message: expect.stringContaining('6950 and 6950.5') as unknown,
    });
    for (const quantity of ['0', '-1', '1.5']) {
      await expect(venue.placeOrder(req({ quantity }))).rejects.toMatchObject({ kind: 'invalid', code: 'quantity' });
    }
    await expect(venue.placeOrder(req({ clientOrderId: 'not-a-uuid' }))).rejects.toMatchObject({ kind: 'invalid', code: 'client-order-id' });
    expect(v.sim.stats.calls('PostOrder')).toBe(calls);
    expect(v.sim.stats.ordersOf(account)).toEqual([]);
    expect(sink.orders).toEqual([]);
  });

  it('retries a lost answer with the same key: one order on the venue', async () => {
    // The order stream silent, so only the retries can learn what happened.
    v.sim.faults.stallStreams(true);
    v.sim.faults.failNext('PostOrder', '70002', 2, 'after');
    const r = req();
    const order = await venue.placeOrder(r);
    v.sim.faults.stallStreams(false);
    expect(v.sim.stats.calls('PostOrder')).toBe(3);
    expect(v.sim.stats.placements(account, r.clientOrderId)).toBe(1);
    expect(v.sim.stats.maxPlacementsPerKey()).toBe(1);
    expect(order).toMatchObject({ status: 'open', venueOrderId: v.sim.stats.ordersOf(account)[0]!.orderId });

    v.sim.faults.failNext('PostOrder', 'UNAVAILABLE', 1, 'before');
    v.sim.faults.loseNextReply('PostOrder', 1, 'CANCELLED');
    const market = await venue.placeOrder(req({ type: 'market', price: undefined }));
    expect(market).toMatchObject({ status: 'filled', filledQuantity: '1', averagePrice: v.sberLast() });
    expect(v.sim.stats.maxPlacementsPerKey()).toBe(1);
    await waitFor('the stream to bring the fill', () => agreesNow());
    expectAgreement(v.sim, sink, account);
  });
});

function agreesNow(): boolean {
  const by = evidenceByKey(sink);
  return v.sim.stats.ordersOf(account).every((r) => observed(by.get(r.requestKey))?.tradeIds.length === r.fills.length);
}

function reportedStatus(key: string): string | undefined {
  return observed(evidenceByKey(sink).get(key))?.status;
}

describe('T-Invest order entry: every refusal reaches the caller typed', () => {
  let channel: TInvestChannel;
  let rpc: TInvestRpc;
  let trading: TInvestTrading;
  let direct: RecordingSink;

  beforeEach(() => {
    // The lower level, below the instrument checks: what the venue itself answers.
    channel = new TInvestChannel({ endpoint: v.sim.endpoint, token: v.sim.token, tls: false });
    rpc = new TInvestRpc({ channel });
    direct = new RecordingSink();
    trading = new TInvestTrading({ channel, rpc, sink: direct, now: Date.now, instrument: (id) => venue.instrument(id) });
  });
  afterEach(() => {
    trading.close();
    rpc.close();
    channel.close();
  });

  const cases: [string, () => OrderRequest, VenueError['kind']][] = [
    ['30078', () => req({ price: '150.005' }), 'invalid'],
    ['30080', () => req({ quantity: '-1' }), 'invalid'],
    ['30015', () => req({ quantity: '0' }), 'invalid'],
    ['30079', () => orderRequest(account, v.sim.instruments.find((i) => i.ticker === 'POLY')!.uid, { price: '250' }), 'rejected'],
    ['30034', () => req({ quantity: '1000000', price: '300.00' }), 'rejected'],
    ['50004', () => ({ ...req(), accountId: '2000000001' }), 'invalid'],
  ];

  for (const [code, make, kind] of cases) {
    it(`PostOrder ${code}: sent once, never retried, rejected with the venue's code, text and tracking id`, async () => {
      const r = make();
      const before = v.sim.stats.calls('PostOrder');
      const err = await trading.entry.submit(r).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(VenueError);
      const e = err as VenueError;
      expect({ kind: e.kind, code: e.code }).toEqual({ kind, code });
      expect(e.message.length).toBeGreaterThan(3);
      expect(e.trackingId).toMatch(TRACKING);
      expect(v.sim.stats.calls('PostOrder')).toBe(before + 1);
      expect(v.sim.stats.errorsSent.get(code)).toBe(1);
      expect(v.sim.stats.placements(r.accountId, r.clientOrderId)).toBe(0);
      // The error is the whole answer: the core marks the order rejected from it.
      expect(direct.orders.filter((ev) => ev.clientOrderId === r.clientOrderId)).toEqual([]);
    });
  }

  it("CancelOrder of an order the venue does not know: 'not-found' evidence with the venue's 50005", async () => {
    const key = randomUUID();
    const ev = await venue.cancelOrder(account, key);
    expect(ev).toMatchObject({ kind: 'not-found', clientOrderId: key, reason: { code: '50005', message: 'order not found' } });
    expect(ev.reason?.trackingId).toMatch(TRACKING);
    expect(v.sim.stats.errorsSent.get('50005')).toBe(1);
  });
});

describe('T-Invest order entry: cancel, replace, cancel all, open orders', () => {
  it('cancels by exchange id, and a lost cancel answer retried into 30059 still ends cancelled', async () => {
    const a = await venue.placeOrder(req());
    expect(await venue.cancelOrder(account, a.clientOrderId)).toMatchObject({ status: 'cancelled' });
    const b = await venue.placeOrder(req());
    v.sim.faults.loseNextReply('CancelOrder', 1, 'UNAVAILABLE');
    expect(await venue.cancelOrder(account, b.clientOrderId)).toMatchObject({ status: 'cancelled' });
    expect(v.sim.stats.errorsSent.get('30059')).toBe(1);
    expect(v.sim.stats.ordersOf(account).map((r) => r.status)).toEqual(['CANCELLED', 'CANCELLED']);
    await waitFor('agreement', () => v.sim.stats.ordersOf(account).every((r) => reportedStatus(r.requestKey) === 'cancelled'));
    expectAgreement(v.sim, sink, account);
  });

  it('replaces an order under a new key: the old one cancelled, the new one open at the new price', async () => {
    const old = await venue.placeOrder(req({ quantity: '2', price: '150.00' }));
    const key = randomUUID();
    await expect(venue.replaceOrder(account, old.clientOrderId, { quantity: '3', price: '150.015' }, key)).rejects.toMatchObject({ code: 'price-step' });
    const next = await venue.replaceOrder(account, old.clientOrderId, { quantity: '3', price: '151.00' }, key);
    expect(next).toMatchObject({ kind: 'accepted', clientOrderId: key, status: 'open', terms: { quantity: '3', price: '151.00' } });
    const records = v.sim.stats.ordersOf(account);
    expect(records.map((r) => [r.requestKey, r.status, r.lotsRequested, r.price])).toEqual([
      [old.clientOrderId, 'CANCELLED', 2n, '150'],
      [key, 'NEW', 3n, '151'],
    ]);
    expect(sink.orders.filter((ev) => ev.clientOrderId === old.clientOrderId && ev.source === 'send').map((ev) => ev.status)).toEqual(['cancelled']);
    await waitFor('agreement', () => reportedStatus(old.clientOrderId) === 'cancelled' && reportedStatus(key) === 'open');
    expectAgreement(v.sim, sink, account);
  });

  it('lists the open orders and cancels them all, counting what it cancelled', async () => {
    // A market buy first, so there is something to sell.
    await venue.placeOrder(req({ type: 'market', price: undefined }));
    const resting = [await venue.placeOrder(req()), await venue.placeOrder(req({ price: '149.00' })), await venue.placeOrder(req({ side: 'sell', price: '500.00' }))];
    const open = await venue.openOrders(account);
    const active = v.sim.stats.ordersOf(account).filter((r) => r.status === 'NEW');
    expect(open.map((o) => [o.clientOrderId, o.venueOrderId, o.status]).sort()).toEqual(active.map((r) => [r.requestKey, r.orderId, 'open']).sort());
    expect(await venue.cancelAll(account)).toBe(active.length);
    expect(resting.map((o) => o.status)).toEqual(['open', 'open', 'open']);
    expect(active.length).toBe(3);
    expect(v.sim.stats.ordersOf(account).filter((r) => r.status === 'NEW')).toEqual([]);
    expect(await venue.openOrders(account)).toEqual([]);
    await waitFor('agreement', () => v.sim.stats.ordersOf(account).every((r) => reportedStatus(r.requestKey) === (r.status === 'FILL' ? 'filled' : 'cancelled')));
    expectAgreement(v.sim, sink, account);
  });
});

describe('T-Invest portfolio', () => {
  it('reports cash and securities with blocked parts and average price, as the venue holds them', async () => {
    await venue.placeOrder(req({ type: 'market', price: undefined, quantity: '2' }));
    await venue.placeOrder(req({ price: '200.00', quantity: '3' }));
    const p = await venue.portfolio(account);
    const bal = v.sim.stats.balances(account);
    const rub = p.positions.find((x) => x.asset === 'rub');
    expect(rub).toMatchObject({ quantity: bal.cash, blocked: bal.blockedCash, currency: 'rub' });
    expect(rub?.blocked).not.toBe('0');
    const sber = p.positions.find((x) => x.instrumentId === v.sber.uid);
    const held = bal.securities.find((s) => s.instrumentUid === v.sber.uid);
    expect(sber).toMatchObject({
      asset: 'SBER',
      quantity: String(held?.pieces),
      blocked: String(held?.blocked),
      averagePrice: v.sberLast(),
      currency: 'rub',
      value: mul(v.sberLast(), '20'),
    });
    expect(held?.pieces).toBe(20n);
  });
});

describe('T-Invest sandbox', () => {
  let sandbox: TInvestVenue;
  let sbSink: RecordingSink;
  beforeAll(() => {
    expect(endpointOf({ mode: 'sandbox' })).toBe(HOSTS.sandbox);
    expect(endpointOf({ mode: 'live' })).toBe(HOSTS.live);
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('opens and pays into a sandbox account, then trades it through the normal services', async () => {
    sbSink = new RecordingSink();
    sandbox = orderAdapter(v.sim, sbSink, { mode: 'sandbox' });
    await sandbox.connect();
    const id = await sandbox.openSandboxAccount('switchboard tests');
    expect((await sandbox.accounts()).map((a) => a.id)).toEqual([id]);
    expect(await sandbox.sandboxPayIn(id, '100000')).toBe('100000');
    const filled = await sandbox.placeOrder(orderRequest(id, v.sber.uid, { type: 'market', price: undefined }));
    expect(filled).toMatchObject({ status: 'filled', filledQuantity: '1' });
    const [record] = v.sim.stats.ordersOf(id);
    expect(record).toMatchObject({ status: 'FILL', requestKey: filled.clientOrderId, orderId: filled.venueOrderId });
    const p = await sandbox.portfolio(id);
    expect(p.positions.find((x) => x.instrumentId === v.sber.uid)).toMatchObject({ quantity: '10', averagePrice: v.sberLast() });
    expect(p.positions.find((x) => x.asset === 'rub')?.quantity).toBe(v.sim.stats.balances(id).cash);
    expect(v.sim.stats.calls('PostOrder')).toBe(1);
    expect(v.sim.stats.calls('PostSandboxOrder')).toBe(0);
  });
});
