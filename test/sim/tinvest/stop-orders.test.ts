/**
 * The local venue's stop orders and ReplaceOrder through the public npm SDK
 * (`tinkoff-invest-api`, unchanged): post, list, trigger by a trade at the stop price, the
 * child exchange order and its fill, cancel, the §7 error codes, and a replace that moves an
 * order to a new exchange id under the new idempotency key. The market trades only when told.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TinkoffInvestApi } from 'tinkoff-invest-api';
import { Market } from '../../../sim/market.js';
import { startTInvestSim } from '../../../sim/tinvest/server.js';
import type { SimInstrument, TInvestSim } from '../../../sim/tinvest/server.js';
import { VENUE_ERRORS } from '../../../sim/tinvest/wire.js';

let clock: number;
let market: Market;
let sim: TInvestSim;
let api: TinkoffInvestApi;
let sber: SimInstrument;

const STOP = { BUY: 1, SELL: 2 };
const TYPE = { TAKE_PROFIT: 1, STOP_LOSS: 2, STOP_LIMIT: 3 };
const STATUS = { ALL: 1, ACTIVE: 2, EXECUTED: 3, CANCELED: 4, EXPIRED: 5 };
const GTC = 1;
const GTD = 2;

/** SBER trades at `price` (2 decimals) for `lots` lots. */
function print(price: string, lots = 100): void {
  market.printTrade('SBER', BigInt(price.replace('.', '')), BigInt(lots * 10), 'sell');
}

function q(price: string): { units: number; nano: number } {
  const [u, f = ''] = price.split('.');
  return { units: Number(u), nano: Number(f.padEnd(9, '0')) };
}

/**
 * The venue code of a refusal. The SDK shows the `message` trailer instead of the status
 * details (the code), so the code is found by the venue's text the message starts with.
 */
async function code(p: Promise<unknown>): Promise<string> {
  const details = await p.then(
    () => 'ok',
    (e: unknown) => String((e as { details?: string }).details),
  );
  const texts = Object.entries(VENUE_ERRORS).filter(([, [, text]]) => details.toLowerCase().startsWith(text.toLowerCase()));
  texts.sort((a, b) => b[1][1].length - a[1][1].length);
  return texts[0]?.[0] ?? details;
}

beforeEach(async () => {
  clock = Date.now();
  market = new Market({ seed: 5, now: () => clock, historySeconds: 600, symbols: [{ symbol: 'SBER', startPrice: '300.00', priceStep: '0.01', qtyStep: '1' }] });
  sim = await startTInvestSim({ seed: 3, market, now: () => clock, cash: '10000000' });
  const port = sim.endpoint.split(':').at(-1) ?? '';
  api = new TinkoffInvestApi({ token: sim.token, endpoint: `localhost:${port}`, appName: 'switchboard.tests' });
  sber = sim.instruments.find((i) => i.ticker === 'SBER') ?? expect.unreachable('SBER');
  print('300.00');
});
afterEach(async () => {
  await sim.close();
});

function post(fields: Record<string, unknown>) {
  return api.stoporders.postStopOrder({
    instrumentId: sber.uid,
    quantity: 2,
    direction: STOP.BUY,
    accountId: sim.accountId,
    expirationType: GTC,
    stopOrderType: TYPE.TAKE_PROFIT,
    exchangeOrderType: 0,
    takeProfitType: 0,
    priceType: 0,
    orderId: randomUUID(),
    ...fields,
  } as Parameters<typeof api.stoporders.postStopOrder>[0]);
}

describe('T-Invest sim: stop orders and ReplaceOrder through the public SDK', () => {
  it('a buy stop-limit waits, fires when a trade reaches its stop, and its child fills at its limit', async () => {
    const key = randomUUID();
    const placed = await post({ orderId: key, stopOrderType: TYPE.STOP_LIMIT, stopPrice: q('305.00'), price: q('306.00') });
    expect(placed.orderRequestId).toBe(key);
    const active = await api.stoporders.getStopOrders({ accountId: sim.accountId, status: STATUS.ACTIVE });
    expect(active.stopOrders.map((s) => s.stopOrderId)).toEqual([placed.stopOrderId]);
    expect(active.stopOrders[0]).toMatchObject({ lotsRequested: 2, orderType: TYPE.STOP_LIMIT, direction: STOP.BUY, stopPrice: { units: 305 }, price: { units: 306 } });

    print('304.99');
    expect((await api.stoporders.getStopOrders({ accountId: sim.accountId, status: STATUS.ACTIVE })).stopOrders).toHaveLength(1);
    print('305.00');
    expect((await api.stoporders.getStopOrders({ accountId: sim.accountId, status: STATUS.ACTIVE })).stopOrders).toHaveLength(0);
    const executed = (await api.stoporders.getStopOrders({ accountId: sim.accountId, status: STATUS.EXECUTED })).stopOrders;
    expect(executed).toHaveLength(1);
    const childId = executed[0]?.exchangeOrderId ?? expect.unreachable('no child id');
    expect(executed[0]?.activationDateTime).toBeInstanceOf(Date);

    // The child is an ordinary exchange order carrying the stop order's key: marketable at 306, it filled.
    const child = await api.orders.getOrderState({ accountId: sim.accountId, orderId: childId, priceType: 0 });
    expect(child).toMatchObject({ orderId: childId, orderRequestId: key, executionReportStatus: 1, lotsExecuted: 2, orderType: 1 });
  });

  it('a sell stop-loss fires on a fall to its stop as a market order; a take-profit the other way', async () => {
    const sl = await post({ direction: STOP.SELL, stopOrderType: TYPE.STOP_LOSS, stopPrice: q('295.00') });
    const tp = await post({ direction: STOP.BUY, stopOrderType: TYPE.TAKE_PROFIT, stopPrice: q('290.00') });
    // A sell needs the pieces: buy them first.
    await api.orders.postOrder({ instrumentId: sber.uid, quantity: 2, direction: 1, accountId: sim.accountId, orderType: 2, orderId: randomUUID(), timeInForce: 0, priceType: 0 });
    print('295.50');
    expect((await api.stoporders.getStopOrders({ accountId: sim.accountId, status: STATUS.ACTIVE })).stopOrders).toHaveLength(2);
    print('295.00');
    const after = await api.stoporders.getStopOrders({ accountId: sim.accountId, status: STATUS.ALL });
    const byId = new Map(after.stopOrders.map((s) => [s.stopOrderId, s]));
    expect(byId.get(sl.stopOrderId)?.status).toBe(STATUS.EXECUTED);
    expect(byId.get(tp.stopOrderId)?.status).toBe(STATUS.ACTIVE);
    const child = await api.orders.getOrderState({ accountId: sim.accountId, orderId: byId.get(sl.stopOrderId)?.exchangeOrderId ?? '', priceType: 0 });
    expect(child).toMatchObject({ direction: 2, orderType: 2, executionReportStatus: 1, lotsExecuted: 2 });
    print('290.00');
    const tpNow = (await api.stoporders.getStopOrders({ accountId: sim.accountId, status: STATUS.EXECUTED })).stopOrders.find((s) => s.stopOrderId === tp.stopOrderId);
    expect(tpNow?.exchangeOrderId).toBeTruthy();
  });

  it('a trailing take-profit follows the high and fires when the price comes back by its indent', async () => {
    await api.orders.postOrder({ instrumentId: sber.uid, quantity: 1, direction: 1, accountId: sim.accountId, orderType: 2, orderId: randomUUID(), timeInForce: 0, priceType: 0 });
    const tr = await post({
      quantity: 1,
      direction: STOP.SELL,
      takeProfitType: 2,
      trailingData: { indent: q('2.00'), indentType: 1, spread: q('0'), spreadType: 1 },
    });
    print('303.00');
    print('301.50');
    expect((await api.stoporders.getStopOrders({ accountId: sim.accountId, status: STATUS.ACTIVE })).stopOrders[0]?.trailingData).toMatchObject({ extr: { units: 303 } });
    print('301.00');
    const done = (await api.stoporders.getStopOrders({ accountId: sim.accountId, status: STATUS.EXECUTED })).stopOrders;
    expect(done.map((s) => s.stopOrderId)).toEqual([tr.stopOrderId]);
  });

  it('cancels; a second cancel is 30060, an unknown id 50006; a repeated order_id answers with the same stop order', async () => {
    const key = randomUUID();
    const a = await post({ orderId: key, stopPrice: q('290.00') });
    const again = await post({ orderId: key, stopPrice: q('280.00') });
    expect(again.stopOrderId).toBe(a.stopOrderId);
    await api.stoporders.cancelStopOrder({ accountId: sim.accountId, stopOrderId: a.stopOrderId });
    expect(await code(api.stoporders.cancelStopOrder({ accountId: sim.accountId, stopOrderId: a.stopOrderId }))).toBe('30060');
    expect(await code(api.stoporders.cancelStopOrder({ accountId: sim.accountId, stopOrderId: randomUUID() }))).toBe('50006');
    const cancelled = (await api.stoporders.getStopOrders({ accountId: sim.accountId, status: STATUS.CANCELED })).stopOrders;
    expect(cancelled.map((s) => s.stopOrderId)).toEqual([a.stopOrderId]);
  });

  it('answers §7 codes: wrong side of the price 30053, no stop price 30036, no type 30037, no expiry type 30043, past date 30063, trailing without indent 30210', async () => {
    expect(await code(post({ direction: STOP.SELL, stopOrderType: TYPE.STOP_LOSS, stopPrice: q('301.00') }))).toBe('30053');
    expect(await code(post({ direction: STOP.BUY, stopOrderType: TYPE.TAKE_PROFIT, stopPrice: q('310.00') }))).toBe('30053');
    expect(await code(post({}))).toBe('30036');
    expect(await code(post({ stopOrderType: 0, stopPrice: q('290.00') }))).toBe('30037');
    expect(await code(post({ expirationType: 0, stopPrice: q('290.00') }))).toBe('30043');
    expect(await code(post({ expirationType: GTD, expireDate: new Date(clock - 60_000), stopPrice: q('290.00') }))).toBe('30063');
    expect(await code(post({ takeProfitType: 2, trailingData: { indentType: 1, spreadType: 1 } }))).toBe('30210');
    expect(await code(post({ stopOrderType: TYPE.STOP_LOSS, takeProfitType: 1, stopPrice: q('310.00') }))).toBe('30241');
  });

  it('expires a good-till-date stop order at its date', async () => {
    const expires = clock + 60_000;
    const s = await post({ expirationType: GTD, expireDate: new Date(expires), stopPrice: q('290.00') });
    expect((await api.stoporders.getStopOrders({ accountId: sim.accountId, status: STATUS.ACTIVE })).stopOrders).toHaveLength(1);
    clock += 61_000;
    expect((await api.stoporders.getStopOrders({ accountId: sim.accountId, status: STATUS.ACTIVE })).stopOrders).toHaveLength(0);
    const expired = (await api.stoporders.getStopOrders({ accountId: sim.accountId, status: STATUS.EXPIRED })).stopOrders;
    expect(expired.map((x) => x.stopOrderId)).toEqual([s.stopOrderId]);
    expect(expired[0]?.expirationTime?.getTime()).toBe(expires);
  });

  it('ReplaceOrder cancels the order and posts a new one under the new key; the same key again answers with it', async () => {
    const first = await api.orders.postOrder({ instrumentId: sber.uid, quantity: 3, price: q('290.00'), direction: 1, accountId: sim.accountId, orderType: 1, orderId: randomUUID(), timeInForce: 0, priceType: 0 });
    const key = randomUUID();
    const replaced = await api.orders.replaceOrder({ accountId: sim.accountId, orderId: first.orderId, idempotencyKey: key, quantity: 5, price: q('291.00') });
    expect(replaced.orderId).not.toBe(first.orderId);
    expect(replaced).toMatchObject({ orderRequestId: key, lotsRequested: 5, executionReportStatus: 4 });
    const old = await api.orders.getOrderState({ accountId: sim.accountId, orderId: first.orderId, priceType: 0 });
    expect(old.executionReportStatus).toBe(3);
    const again = await api.orders.replaceOrder({ accountId: sim.accountId, orderId: first.orderId, idempotencyKey: key, quantity: 5, price: q('291.00') });
    expect(again.orderId).toBe(replaced.orderId);
    // Replacing an order that is no longer active fails at the cancel step.
    expect(await code(api.orders.replaceOrder({ accountId: sim.accountId, orderId: first.orderId, idempotencyKey: randomUUID(), quantity: 1, price: q('291.00') }))).toBe('30059');
  });
});
