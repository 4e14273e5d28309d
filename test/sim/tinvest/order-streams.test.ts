import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { status } from '@grpc/grpc-js';
import type { SimInstrument } from '../../../sim/tinvest/server.js';
import type { RawStream } from './helpers.js';
import { key, kopecks, nanos, rejection, startTradingVenue } from './trading-helpers.js';
import type { OrderStateStreamMsg, PostOrderResponseMsg, TradesStreamMsg, TradingVenue } from './trading-helpers.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const KOP = 10_000_000n;

let v: TradingVenue;
let sber: SimInstrument;
const open: RawStream<unknown>[] = [];

beforeEach(async () => {
  v = await startTradingVenue({ limits: { OrderStateStream: 2 } });
  sber = v.sim.instruments.find((i) => i.ticker === 'SBER') ?? expect.unreachable('SBER');
});
afterEach(async () => {
  for (const s of open.splice(0)) s.cancel();
  await v.close();
});

function orderStates(req: object = { accounts: [v.sim.accountId] }): RawStream<OrderStateStreamMsg> {
  const s = v.client.serverStream<OrderStateStreamMsg>('OrdersStreamService', 'OrderStateStream', req);
  open.push(s as RawStream<unknown>);
  return s;
}

function trades(req: object = { accounts: [v.sim.accountId] }): RawStream<TradesStreamMsg> {
  const s = v.client.serverStream<TradesStreamMsg>('OrdersStreamService', 'TradesStream', req);
  open.push(s as RawStream<unknown>);
  return s;
}

async function post(fields: Record<string, unknown>, account = v.sim.accountId): Promise<PostOrderResponseMsg> {
  const { value } = await v.client.unary<PostOrderResponseMsg>('OrdersService', 'PostOrder', {
    instrument_id: sber.uid,
    quantity: '1',
    direction: 1,
    account_id: account,
    order_type: 1,
    order_id: key(),
    ...fields,
  });
  return value;
}

async function nextState(s: RawStream<OrderStateStreamMsg>) {
  const { match } = await s.until((m) => m.payload === 'order_state');
  return match.order_state ?? expect.unreachable('no order_state');
}

describe('T-Invest sim: OrderStateStream', () => {
  it('opens with the subscription result, then reports new, partial fill, fill, cancel and reject in order', async () => {
    const s = orderStates();
    const first = await s.next();
    expect(first.payload).toBe('subscription');
    expect(first.subscription).toMatchObject({ status: 1, accounts: [v.sim.accountId] });
    expect(first.subscription?.stream_id).toMatch(UUID);
    expect(first.subscription?.tracking_id).toMatch(/^[0-9a-f]{32}$/);

    const price = v.sberLast() - 100n;
    const k = key();
    const placed = await post({ quantity: '5', price: kopecks(price), order_id: k });
    const fresh = await nextState(s);
    expect(fresh).toMatchObject({
      order_id: placed.order_id,
      order_request_id: k,
      execution_report_status: 4,
      account_id: v.sim.accountId,
      ticker: 'SBER',
      lot_size: 10,
      direction: 1,
      order_type: 1,
      lots_requested: '5',
      lots_executed: '0',
      lots_left: '5',
      trades: [],
      instrument_uid: sber.uid,
    });
    expect(nanos(fresh.order_price)).toBe(price * KOP);

    v.printSber(price, 3n);
    const partial = await nextState(s);
    expect(partial).toMatchObject({ execution_report_status: 5, lots_executed: '3', lots_left: '2' });
    // OrderTrade quantities are pieces: 3 lots of 10.
    expect(partial.trades.map((t) => [t.quantity, nanos(t.price)])).toEqual([['30', price * KOP]]);

    v.printSber(price, 10n);
    const filled = await nextState(s);
    expect(filled).toMatchObject({ execution_report_status: 1, lots_executed: '5', lots_left: '0' });
    expect(filled.completion_time).not.toBeNull();
    const recordFills = v.sim.stats.orders.get(placed.order_id)?.fills.map((f) => f.tradeId);
    expect([...partial.trades, ...filled.trades].map((t) => t.trade_id)).toEqual(recordFills);

    const resting = await post({ quantity: '2', price: kopecks(price - 100n) });
    await nextState(s);
    await v.client.unary('OrdersService', 'CancelOrder', { account_id: v.sim.accountId, order_id: resting.order_id });
    const cancelled = await nextState(s);
    // CANCELLED_BY_CLIENT is 15.
    expect(cancelled).toMatchObject({ order_id: resting.order_id, execution_report_status: 3, status_info: 15, lots_cancelled: '2', lots_left: '0' });

    // Fill-or-kill with nothing to fill against: refused by the exchange (REJECTED_BY_EXCHANGE = 5).
    const fok = await post({ quantity: '1', price: kopecks(price - 100n), time_in_force: 3 });
    expect(fok.execution_report_status).toBe(2);
    expect(await nextState(s)).toMatchObject({ order_id: fok.order_id, execution_report_status: 2, status_info: 5 });
    // Fill-and-kill: accepted, then the unfilled rest is cancelled by the exchange (1).
    const fak = await post({ quantity: '1', price: kopecks(price - 100n), time_in_force: 2 });
    expect(fak.execution_report_status).toBe(3);
    expect((await nextState(s)).execution_report_status).toBe(4);
    expect(await nextState(s)).toMatchObject({ order_id: fak.order_id, execution_report_status: 3, status_info: 1 });
  });

  it('keeps to the accounts asked for; no accounts means all of them', async () => {
    const other = v.sim.accountIds[1] ?? '';
    const mine = orderStates();
    const all = orderStates({ accounts: [] });
    await mine.next();
    await all.next();
    const price = kopecks(v.sberLast() - 100n);
    const elsewhere = await post({ price }, other);
    const here = await post({ price });
    expect((await nextState(mine)).order_id).toBe(here.order_id);
    expect((await nextState(all)).order_id).toBe(elsewhere.order_id);
    expect((await nextState(all)).order_id).toBe(here.order_id);
  });

  it('pings after ping_delay_millis of silence', async () => {
    const s = orderStates({ accounts: [v.sim.accountId], ping_delay_millis: 1000 });
    const sub = await s.next();
    const ping = await s.next();
    expect(ping.payload).toBe('ping');
    expect(ping.ping?.stream_id).toBe(sub.subscription?.stream_id);
    expect(v.sim.stats.orderStreams()).toEqual([{ streamId: sub.subscription?.stream_id, method: 'OrderStateStream', accounts: [v.sim.accountId], pingDelayMs: 1000 }]);
  });

  it('refuses an unknown account with 50004, and streams past the open-stream limit with 80001', async () => {
    const unknown = await orderStates({ accounts: ['2000000001'] }).error;
    expect([unknown?.code, unknown?.details]).toEqual([status.NOT_FOUND, '50004']);

    const a = orderStates();
    const b = orderStates();
    await a.next();
    await b.next();
    const third = await orderStates().error;
    expect([third?.code, third?.details]).toEqual([status.RESOURCE_EXHAUSTED, '80001']);
    expect(third?.metadata.get('message')).toEqual(['limit of open streams exceeded']);
    const { value } = await v.client.unary<{ stream_limits: { limit: number; streams: string[]; open: number }[] }>('UsersService', 'GetUserTariff', {});
    const group = value.stream_limits.find((g) => g.streams.some((x) => x.endsWith('OrderStateStream')));
    expect(group).toMatchObject({ limit: 2, open: 2 });
    // TradesStream has its own limit.
    expect((await trades().next()).payload).toBe('subscription');
  });

  it('goes silent while streams are stalled: what happened meanwhile is never delivered', async () => {
    const s = orderStates();
    await s.next();
    const price = kopecks(v.sberLast() - 100n);
    v.sim.faults.stallStreams(true);
    const missed = await post({ price });
    v.sim.faults.stallStreams(false);
    const seen = await post({ price });
    // The first event after the stall is the later order's: only GetOrders would show the missed one.
    expect((await nextState(s)).order_id).toBe(seen.order_id);
    expect(v.sim.stats.orders.get(missed.order_id)?.status).toBe('NEW');
  });

  it('is ended by dropStreams like the market-data streams', async () => {
    const s = orderStates();
    const t = trades();
    await s.next();
    await t.next();
    expect(v.sim.faults.dropStreams('UNAVAILABLE', 'orders')).toBe(2);
    expect((await s.error)?.code).toBe(status.UNAVAILABLE);
    expect((await t.error)?.code).toBe(status.UNAVAILABLE);
    expect(v.sim.stats.orderStreamsOpen).toBe(0);
  });
});

describe('T-Invest sim: TradesStream', () => {
  it('carries executions only, quantities in pieces, with the venue trade ids', async () => {
    const s = trades();
    expect((await s.next()).subscription).toMatchObject({ status: 1, accounts: [v.sim.accountId] });
    const price = v.sberLast() - 100n;
    const cancelled = await post({ quantity: '1', price: kopecks(price - 50n) });
    await v.client.unary('OrdersService', 'CancelOrder', { account_id: v.sim.accountId, order_id: cancelled.order_id });
    const placed = await post({ quantity: '4', price: kopecks(price) });
    v.printSber(price, 1n);
    v.printSber(price, 9n);
    const got: TradesStreamMsg[] = [await s.next(), await s.next()];
    expect(got.map((m) => m.payload)).toEqual(['order_trades', 'order_trades']);
    expect(got.map((m) => m.order_trades?.order_id)).toEqual([placed.order_id, placed.order_id]);
    expect(got.map((m) => m.order_trades?.trades.map((t) => t.quantity))).toEqual([['10'], ['30']]);
    expect(got[0]?.order_trades).toMatchObject({ direction: 1, figi: sber.figi, account_id: v.sim.accountId, instrument_uid: sber.uid });
    const ids = got.flatMap((m) => m.order_trades?.trades.map((t) => t.trade_id) ?? []);
    expect(ids).toEqual(v.sim.stats.orders.get(placed.order_id)?.fills.map((f) => f.tradeId));
  });

  it('needs a token like every call', async () => {
    const err = await rejection(
      new Promise((resolve, reject) => {
        const s = v.client.serverStream<TradesStreamMsg>('OrdersStreamService', 'TradesStream', { accounts: [] }, 'wrong');
        void s.error.then((e) => (e ? reject(e) : resolve(undefined)));
      }),
    );
    expect([err.code, err.details]).toEqual([status.UNAUTHENTICATED, '40003']);
  });
});
