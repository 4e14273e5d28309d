import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { status } from '@grpc/grpc-js';
import type { SimInstrument } from '../../../sim/tinvest/server.js';
import { key, kopecks, nanos, rejection, startTradingVenue } from './trading-helpers.js';
import type { OrderStateMsg, PortfolioMsg, PositionsMsg, PostOrderResponseMsg, TradingVenue } from './trading-helpers.js';

const NEW = 4;
const PARTIALLYFILL = 5;
const FILL = 1;
const CANCELLED = 3;
const KOP = 10_000_000n; // nanos per kopeck
const START_CASH = 1_000_000n * 1_000_000_000n;
/** The default commission, 0.05 % of a trade's value. */
const fee = (amount: bigint) => (amount * 5n) / 10_000n;

let v: TradingVenue;
let sber: SimInstrument;
let lkoh: SimInstrument;

beforeEach(async () => {
  v = await startTradingVenue();
  sber = v.sim.instruments.find((i) => i.ticker === 'SBER') ?? expect.unreachable('SBER');
  lkoh = v.sim.instruments.find((i) => i.ticker === 'LKOH') ?? expect.unreachable('LKOH');
});
afterEach(async () => {
  await v.close();
});

function post(fields: Record<string, unknown>, account = v.sim.accountId) {
  return v.client.unary<PostOrderResponseMsg>('OrdersService', 'PostOrder', {
    instrument_id: sber.uid,
    quantity: '1',
    direction: 1,
    account_id: account,
    order_type: 1,
    order_id: key(),
    ...fields,
  });
}

async function state(orderId: string, account = v.sim.accountId): Promise<OrderStateMsg> {
  return (await v.client.unary<OrderStateMsg>('OrdersService', 'GetOrderState', { account_id: account, order_id: orderId })).value;
}

async function activeIds(account = v.sim.accountId): Promise<string[]> {
  const { value } = await v.client.unary<{ orders: OrderStateMsg[] }>('OrdersService', 'GetOrders', { account_id: account });
  return value.orders.map((o) => o.order_id);
}

async function positions(account = v.sim.accountId): Promise<PositionsMsg> {
  return (await v.client.unary<PositionsMsg>('OperationsService', 'GetPositions', { account_id: account })).value;
}

describe('T-Invest sim: PostOrder', () => {
  it('rests a limit buy below the market as NEW, echoing the client key, with amounts of price × lot × lots', async () => {
    const price = v.sberLast() - 100n;
    const k = key();
    const { value: r, headers } = await post({ quantity: '5', price: kopecks(price), order_id: k });
    expect(r).toMatchObject({
      execution_report_status: NEW,
      lots_requested: '5',
      lots_executed: '0',
      figi: sber.figi,
      instrument_uid: sber.uid,
      ticker: 'SBER',
      class_code: 'TQBR',
      direction: 1,
      order_type: 1,
      order_request_id: k,
    });
    // The answer's order_id is the exchange id, not the client key.
    expect(r.order_id).toMatch(/^\d{11}$/);
    const amount = price * KOP * 10n * 5n;
    expect(nanos(r.initial_security_price)).toBe(price * KOP);
    expect(nanos(r.initial_order_price)).toBe(amount);
    expect(r.initial_order_price.currency).toBe('rub');
    expect(nanos(r.initial_commission)).toBe(fee(amount));
    expect(nanos(r.executed_order_price)).toBe(0n);
    expect(r.response_metadata.tracking_id).toBe(headers.get('x-tracking-id')[0]);
    expect(headers.get('x-ratelimit-limit')).toEqual(['300, 300;w=60']);

    expect(await activeIds()).toEqual([r.order_id]);
    const pos = await positions();
    expect(pos.blocked.map(nanos)).toEqual([amount + fee(amount)]);
    expect(pos.money.map(nanos)).toEqual([START_CASH - amount - fee(amount)]);
    expect(v.sim.stats.orders.get(r.order_id)).toMatchObject({ accountId: v.sim.accountId, requestKey: k, status: 'NEW', lotsRequested: 5n, lotsExecuted: 0n, fills: [] });
  });

  it('fills a resting limit order by lots as market trades reach its price, at its own price', async () => {
    const price = v.sberLast() - 100n;
    const { value: r } = await post({ quantity: '5', price: kopecks(price) });

    v.printSber(price, 3n);
    let s = await state(r.order_id);
    expect(s).toMatchObject({ execution_report_status: PARTIALLYFILL, lots_requested: '5', lots_executed: '3' });
    expect(s.stages.map((x) => [nanos(x.price), x.quantity])).toEqual([[price * KOP, '3']]);
    expect(await activeIds()).toEqual([r.order_id]);

    // A trade above a buy's limit does not reach it.
    v.printSber(price + 1n, 10n);
    expect((await state(r.order_id)).lots_executed).toBe('3');

    // A trade below it fills the rest, still at the order's own price.
    v.printSber(price - 5n, 10n);
    s = await state(r.order_id);
    expect(s).toMatchObject({ execution_report_status: FILL, lots_executed: '5' });
    expect(s.stages.map((x) => [nanos(x.price), x.quantity])).toEqual([
      [price * KOP, '3'],
      [price * KOP, '2'],
    ]);
    const amount = price * KOP * 50n;
    expect(nanos(s.executed_order_price)).toBe(amount);
    expect(nanos(s.average_position_price)).toBe(price * KOP);
    expect(nanos(s.executed_commission)).toBe(fee(amount));
    const record = v.sim.stats.orders.get(r.order_id);
    expect(s.stages.map((x) => x.trade_id)).toEqual(record?.fills.map((f) => f.tradeId));
    expect(record).toMatchObject({ status: 'FILL', lotsExecuted: 5n });

    expect(await activeIds()).toEqual([]);
    const pos = await positions();
    expect(pos.securities.map((x) => [x.ticker, x.balance, x.blocked])).toEqual([['SBER', '50', '0']]);
    expect(pos.money.map(nanos)).toEqual([START_CASH - amount - fee(amount)]);
    expect(pos.blocked).toEqual([]);
  });

  it('fills a market order at once at the last price, and a marketable limit at the last price too', async () => {
    const last = v.market.lastPrice('LKOH'); // scale 1
    const { value: m } = await post({ instrument_id: lkoh.figi, quantity: '2', order_type: 2 });
    expect(m).toMatchObject({ execution_report_status: FILL, lots_requested: '2', lots_executed: '2', order_type: 2, figi: lkoh.figi });
    // PostOrderResponse.executed_order_price is the average price of one security.
    expect(nanos(m.executed_order_price)).toBe(last * 100_000_000n);
    expect(nanos(m.total_order_amount)).toBe(last * 100_000_000n * 2n + fee(last * 100_000_000n * 2n));

    const sberLast = v.sberLast();
    const { value: l } = await post({ quantity: '1', price: kopecks(sberLast + 50n) });
    expect(l.execution_report_status).toBe(FILL);
    expect(nanos(l.initial_security_price)).toBe((sberLast + 50n) * KOP);
    expect(nanos(l.executed_order_price)).toBe(sberLast * KOP);
    // The venue's orders do not move the market.
    expect(v.sberLast()).toBe(sberLast);
  });

  it('cancels an active order (by exchange id or client key) and refuses to cancel it twice with 30059', async () => {
    const price = v.sberLast() - 200n;
    const { value: a } = await post({ quantity: '2', price: kopecks(price) });
    const bKey = key();
    const { value: b } = await post({ quantity: '1', price: kopecks(price), order_id: bKey });

    const { value: c } = await v.client.unary<{ time: { seconds: string }; response_metadata: { tracking_id: string } }>('OrdersService', 'CancelOrder', {
      account_id: v.sim.accountId,
      order_id: a.order_id,
    });
    expect(Number(c.time.seconds)).toBeGreaterThan(0);
    expect(c.response_metadata.tracking_id).toMatch(/^[0-9a-f]{32}$/);
    expect((await state(a.order_id)).execution_report_status).toBe(CANCELLED);

    await v.client.unary('OrdersService', 'CancelOrder', { account_id: v.sim.accountId, order_id: bKey, order_id_type: 2 });
    const byKey = await v.client.unary<OrderStateMsg>('OrdersService', 'GetOrderState', { account_id: v.sim.accountId, order_id: bKey, order_id_type: 2 });
    expect(byKey.value).toMatchObject({ order_id: b.order_id, execution_report_status: CANCELLED, order_request_id: bKey });

    expect(await activeIds()).toEqual([]);
    expect((await positions()).blocked).toEqual([]);
    const again = await rejection(v.client.unary('OrdersService', 'CancelOrder', { account_id: v.sim.accountId, order_id: a.order_id }));
    expect([again.code, again.details]).toEqual([status.INVALID_ARGUMENT, '30059']);
    expect(v.sim.stats.ordersOf(v.sim.accountId).map((o) => [o.status, o.lotsCancelled])).toEqual([
      ['CANCELLED', 2n],
      ['CANCELLED', 1n],
    ]);
  });

  it('replaces an order: the old one is cancelled, a new one carries the new key; a repeat returns the same new order', async () => {
    const price = v.sberLast() - 300n;
    const { value: old } = await post({ quantity: '5', price: kopecks(price) });
    const newKey = key();
    const replace = (orderId: string, k: string) =>
      v.client.unary<PostOrderResponseMsg>('OrdersService', 'ReplaceOrder', {
        account_id: v.sim.accountId,
        order_id: orderId,
        idempotency_key: k,
        quantity: '3',
        price: kopecks(price - 10n),
      });
    const { value: r } = await replace(old.order_id, newKey);
    expect(r).toMatchObject({ execution_report_status: NEW, lots_requested: '3', order_request_id: newKey, figi: sber.figi, direction: 1 });
    expect(r.order_id).not.toBe(old.order_id);
    expect(nanos(r.initial_security_price)).toBe((price - 10n) * KOP);
    expect((await state(old.order_id)).execution_report_status).toBe(CANCELLED);
    expect(await activeIds()).toEqual([r.order_id]);
    const amount = (price - 10n) * KOP * 30n;
    expect((await positions()).blocked.map(nanos)).toEqual([amount + fee(amount)]);

    const { value: again } = await replace(old.order_id, newKey);
    expect(again.order_id).toBe(r.order_id);
    expect(v.sim.stats.ordersOf(v.sim.accountId)).toHaveLength(2);

    const dead = await rejection(replace(old.order_id, key()));
    expect([dead.code, dead.details]).toEqual([status.INVALID_ARGUMENT, '30059']);
    const noKey = await rejection(replace(r.order_id, ''));
    expect(noKey.details).toBe('30029');
  });
});

describe('T-Invest sim: PostOrderAsync', () => {
  it('places the order under the client key and answers with the key, not an exchange id', async () => {
    const k = key();
    const req = { instrument_id: sber.uid, quantity: '2', price: kopecks(v.sberLast() - 100n), direction: 1, account_id: v.sim.accountId, order_type: 1, order_id: k };
    const { value } = await v.client.unary<{ order_request_id: string; execution_report_status: number }>('OrdersService', 'PostOrderAsync', req);
    expect(value).toMatchObject({ order_request_id: k, execution_report_status: NEW });
    const { value: s } = await v.client.unary<OrderStateMsg>('OrdersService', 'GetOrderState', { account_id: v.sim.accountId, order_id: k, order_id_type: 2 });
    expect(s).toMatchObject({ order_request_id: k, lots_requested: '2', execution_report_status: NEW });
    await v.client.unary('OrdersService', 'PostOrderAsync', req);
    expect(v.sim.stats.placements(v.sim.accountId, k)).toBe(1);
    const bad = await rejection(v.client.unary('OrdersService', 'PostOrderAsync', { ...req, order_id: 'not-a-uuid' }));
    expect(bad.details).toBe('30028');
  });
});

describe('T-Invest sim: order validation', () => {
  const cases: [string, string, () => Record<string, unknown>, status][] = [
    ['a price off the min_price_increment grid', '30078', () => ({ price: { units: '299', nano: 5_000_000 } }), status.INVALID_ARGUMENT],
    ['a missing limit price', '30017', () => ({}), status.INVALID_ARGUMENT],
    ['a zero price', '30100', () => ({ price: { units: '0', nano: 0 } }), status.INVALID_ARGUMENT],
    ['a zero (missing) quantity', '30015', () => ({ quantity: '0', price: kopecks(29_000n) }), status.INVALID_ARGUMENT],
    ['a negative quantity', '30080', () => ({ quantity: '-1', price: kopecks(29_000n) }), status.INVALID_ARGUMENT],
    ['an instrument not tradable through the API', '30079', () => ({ instrument_id: 'BBG004PYF2N3', price: kopecks(25_000n) }), status.INVALID_ARGUMENT],
    ['an unknown instrument', '50002', () => ({ instrument_id: 'NOPE_TQBR', price: kopecks(29_000n) }), status.NOT_FOUND],
    ['no instrument', '30093', () => ({ instrument_id: '', price: kopecks(29_000n) }), status.INVALID_ARGUMENT],
    ['a buy bigger than the cash', '30034', () => ({ quantity: '10000', price: kopecks(29_000n) }), status.INVALID_ARGUMENT],
    ['a sell of securities not held', '30042', () => ({ direction: 2, price: kopecks(31_000n) }), status.INVALID_ARGUMENT],
    ['no direction', '30019', () => ({ direction: 0, price: kopecks(29_000n) }), status.INVALID_ARGUMENT],
    ['no order type', '30025', () => ({ order_type: 0, price: kopecks(29_000n) }), status.INVALID_ARGUMENT],
    ['an unknown account', '50004', () => ({ account_id: '2000000001', price: kopecks(29_000n) }), status.NOT_FOUND],
    ['no account', '30021', () => ({ account_id: '', price: kopecks(29_000n) }), status.INVALID_ARGUMENT],
    ['no idempotency key', '30027', () => ({ order_id: '', price: kopecks(29_000n) }), status.INVALID_ARGUMENT],
    ['a key that is not a UUID', '30028', () => ({ order_id: 'order-1', price: kopecks(29_000n) }), status.INVALID_ARGUMENT],
    ['a key longer than 36 characters', '30055', () => ({ order_id: `${key()}-0000`, price: kopecks(29_000n) }), status.INVALID_ARGUMENT],
  ];

  it.each(cases)('refuses %s with %s and places nothing', async (_what, code, fields, grpcStatus) => {
    const err = await rejection(post(fields()));
    expect(err.code).toBe(grpcStatus);
    expect(err.details).toBe(code);
    expect(err.metadata.get('message')[0]).toMatch(/\w/);
    expect(err.metadata.get('x-ratelimit-remaining')).toHaveLength(1);
    expect(v.sim.stats.orders.size).toBe(0);
    expect(v.sim.stats.errorsSent.get(code)).toBe(1);
  });

  it('answers an unknown order with NOT_FOUND 50005 for GetOrderState and CancelOrder', async () => {
    for (const m of ['GetOrderState', 'CancelOrder']) {
      const err = await rejection(v.client.unary('OrdersService', m, { account_id: v.sim.accountId, order_id: '31000000000' }));
      expect([err.code, err.details]).toEqual([status.NOT_FOUND, '50005']);
    }
    // Another account's order is not found either.
    const { value: r } = await post({ price: kopecks(v.sberLast() - 100n) });
    const other = v.sim.accountIds[1] ?? '';
    const err = await rejection(v.client.unary('OrdersService', 'GetOrderState', { account_id: other, order_id: r.order_id }));
    expect(err.details).toBe('50005');
  });
});

describe('T-Invest sim: idempotency and lost replies', () => {
  it('answers a repeat of a key with the existing order in its current state, never a second order', async () => {
    const k = key();
    const price = v.sberLast() - 100n;
    const { value: first } = await post({ quantity: '5', price: kopecks(price), order_id: k });
    v.printSber(price, 2n);
    // Even with other parameters, the key decides.
    const { value: repeat } = await post({ quantity: '9', price: kopecks(price - 50n), order_id: k });
    expect(repeat).toMatchObject({ order_id: first.order_id, execution_report_status: PARTIALLYFILL, lots_requested: '5', lots_executed: '2', order_request_id: k });
    expect(v.sim.stats.placements(v.sim.accountId, k)).toBe(1);
    expect(v.sim.stats.ordersOf(v.sim.accountId)).toHaveLength(1);
    // Keys are per account: the same key on the other account is another order.
    const other = v.sim.accountIds[1] ?? '';
    const { value: elsewhere } = await post({ quantity: '1', price: kopecks(price), order_id: k }, other);
    expect(elsewhere.order_id).not.toBe(first.order_id);
    expect(v.sim.stats.maxPlacementsPerKey()).toBe(1);
  });

  it('executes a call whose reply is held until the client deadline; the retry finds the one order', async () => {
    v.sim.faults.loseNextReply('PostOrder');
    const k = key();
    const fields = { quantity: '2', price: kopecks(v.sberLast() - 100n), order_id: k };
    const err = await rejection(v.client.unary('OrdersService', 'PostOrder', { instrument_id: sber.uid, direction: 1, account_id: v.sim.accountId, order_type: 1, ...fields }, v.sim.token, 400));
    expect(err.code).toBe(status.DEADLINE_EXCEEDED);
    expect(v.sim.stats.ordersOf(v.sim.accountId).map((o) => [o.requestKey, o.status])).toEqual([[k, 'NEW']]);
    const { value: retry } = await post(fields);
    expect(retry.order_id).toBe(v.sim.stats.ordersOf(v.sim.accountId)[0]?.orderId);
    expect(v.sim.stats.placements(v.sim.accountId, k)).toBe(1);
    expect(v.sim.stats.lostReplies).toBe(1);
  });

  it('executes a call and then cuts it with UNAVAILABLE or CANCELLED', async () => {
    v.sim.faults.loseNextReply('PostOrder', 1, 'UNAVAILABLE');
    const k = key();
    const fields = { quantity: '1', price: kopecks(v.sberLast() - 100n), order_id: k };
    const lost = await rejection(post(fields));
    expect(lost.code).toBe(status.UNAVAILABLE);
    const [order] = v.sim.stats.ordersOf(v.sim.accountId);
    expect(order?.status).toBe('NEW');

    v.sim.faults.loseNextReply('CancelOrder', 1, 'CANCELLED');
    const cut = await rejection(v.client.unary('OrdersService', 'CancelOrder', { account_id: v.sim.accountId, order_id: order?.orderId }));
    expect(cut.code).toBe(status.CANCELLED);
    // The cancel happened all the same.
    expect((await state(order?.orderId ?? '')).execution_report_status).toBe(CANCELLED);
    expect(v.sim.stats.lostReplies).toBe(2);
  });

  it('fails PostOrder with 70002 before it runs (nothing placed) or after it ran (placed, outcome lost)', async () => {
    const price = kopecks(v.sberLast() - 100n);
    v.sim.faults.failNext('PostOrder', '70002');
    const kBefore = key();
    const before = await rejection(post({ price, order_id: kBefore }));
    expect([before.code, before.details]).toEqual([status.INTERNAL, '70002']);
    expect(v.sim.stats.orders.size).toBe(0);

    v.sim.faults.failNext('PostOrder', '70002', 1, 'after');
    const kAfter = key();
    const after = await rejection(post({ price, order_id: kAfter }));
    expect([after.code, after.details]).toEqual([status.INTERNAL, '70002']);
    expect(v.sim.stats.ordersOf(v.sim.accountId).map((o) => o.requestKey)).toEqual([kAfter]);

    // Retrying both keys: the first places its order now, the second finds the one already there.
    await post({ price, order_id: kBefore });
    const { value: retried } = await post({ price, order_id: kAfter });
    expect(retried.order_id).toBe(v.sim.stats.ordersOf(v.sim.accountId)[0]?.orderId);
    expect(v.sim.stats.ordersOf(v.sim.accountId)).toHaveLength(2);
    expect(v.sim.stats.maxPlacementsPerKey()).toBe(1);
  });

  it('loses replies at a configured rate, and retries with the key still make one order', async () => {
    v.sim.faults.loseReplyRate = 1;
    v.sim.faults.loseReplyShape = 'UNAVAILABLE';
    const k = key();
    const fields = { quantity: '1', price: kopecks(v.sberLast() - 100n), order_id: k };
    for (let i = 0; i < 3; i++) expect((await rejection(post(fields))).code).toBe(status.UNAVAILABLE);
    // Reads are not order commands: their replies arrive.
    await expect(activeIds()).resolves.toHaveLength(1);
    v.sim.faults.loseReplyRate = 0;
    const { value } = await post(fields);
    expect(value.order_request_id).toBe(k);
    expect(v.sim.stats.placements(v.sim.accountId, k)).toBe(1);
    expect(v.sim.stats.lostReplies).toBe(3);
  });
});

describe('T-Invest sim: portfolio and positions follow the fills', () => {
  it('reports cash in money, securities in pieces, and what active orders block', async () => {
    const lkohLast = v.market.lastPrice('LKOH') * 100_000_000n; // nanos
    await post({ instrument_id: lkoh.uid, quantity: '3', order_type: 2 });
    const buyPrice = v.sberLast() - 100n;
    await post({ quantity: '5', price: kopecks(buyPrice) });
    v.printSber(buyPrice, 5n);
    const sellPrice = v.sberLast() + 500n;
    const { value: sell } = await post({ quantity: '2', direction: 2, price: kopecks(sellPrice) });
    expect(sell.execution_report_status).toBe(NEW);

    const spentLkoh = lkohLast * 3n + fee(lkohLast * 3n);
    const spentSber = buyPrice * KOP * 50n + fee(buyPrice * KOP * 50n);
    const cash = START_CASH - spentLkoh - spentSber;
    const pos = await positions();
    expect(pos.money.map(nanos)).toEqual([cash]);
    expect(pos.blocked).toEqual([]);
    expect(pos.securities.map((x) => [x.ticker, x.balance, x.blocked]).sort()).toEqual([
      ['LKOH', '3', '0'],
      ['SBER', '30', '20'],
    ]);
    const balances = v.sim.stats.balances(v.sim.accountId);
    expect(balances.securities.map((x) => [x.ticker, x.pieces, x.blocked]).sort()).toEqual([
      ['LKOH', 3n, 0n],
      ['SBER', 50n, 20n],
    ]);

    const { value: pf } = await v.client.unary<PortfolioMsg>('OperationsService', 'GetPortfolio', { account_id: v.sim.accountId });
    const sberPos = pf.positions.find((p) => p.figi === sber.figi);
    expect(nanos(sberPos?.quantity)).toBe(50n * 1_000_000_000n);
    expect(nanos(sberPos?.quantity_lots)).toBe(5n * 1_000_000_000n);
    expect(nanos(sberPos?.average_position_price)).toBe(buyPrice * KOP);
    expect(nanos(sberPos?.current_price)).toBe(v.sberLast() * KOP);
    expect(sberPos?.blocked).toBe(true);
    expect(nanos(sberPos?.blocked_lots)).toBe(2n * 1_000_000_000n);
    expect(nanos(pf.total_amount_currencies)).toBe(cash);
    const shares = v.sberLast() * KOP * 50n + lkohLast * 3n;
    expect(nanos(pf.total_amount_shares)).toBe(shares);
    expect(nanos(pf.total_amount_portfolio)).toBe(shares + cash);

    // The sell fills: the pieces leave, the proceeds less commission arrive.
    v.printSber(sellPrice, 10n);
    const after = await positions();
    expect(after.securities.map((x) => [x.ticker, x.balance, x.blocked]).sort()).toEqual([
      ['LKOH', '3', '0'],
      ['SBER', '30', '0'],
    ]);
    const proceeds = sellPrice * KOP * 20n;
    expect(after.money.map(nanos)).toEqual([cash + proceeds - fee(proceeds)]);
  });
});
