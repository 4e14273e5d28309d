import { afterEach, describe, expect, it } from 'vitest';
import { status } from '@grpc/grpc-js';
import { startTInvestSim } from '../../../sim/tinvest/server.js';
import { key, kopecks, rejection, startTradingVenue } from './trading-helpers.js';
import type { PostOrderResponseMsg, TradingVenue } from './trading-helpers.js';

interface TariffMsg {
  unary_limits: { limit_per_minute: number; methods: string[] }[];
}

const PKG = 'tinkoff.public.invest.api.contract.v1';
let v: TradingVenue | undefined;

afterEach(async () => {
  await v?.close();
  v = undefined;
});

describe('T-Invest sim: order limits', () => {
  it('gives the order methods the budgets of the venue table, in the headers of every answer', async () => {
    const venue = (v = await startTradingVenue());
    const account = { account_id: venue.sim.accountId };
    const sberUid = venue.sim.instruments.find((i) => i.ticker === 'SBER')?.uid;
    const placed = await venue.client.unary<PostOrderResponseMsg>('OrdersService', 'PostOrder', {
      ...account,
      instrument_id: sberUid,
      quantity: '1',
      direction: 1,
      order_type: 1,
      order_id: key(),
      price: kopecks(venue.sberLast() - 100n),
    });
    const limitOf = async (svc: string, m: string, req: object) => (await venue.client.unary(svc, m, req)).headers.get('x-ratelimit-limit')[0];
    expect(placed.headers.get('x-ratelimit-limit')[0]).toBe('300, 300;w=60');
    expect(await limitOf('OrdersService', 'GetOrders', account)).toBe('200, 200;w=60');
    expect(await limitOf('OrdersService', 'GetOrderState', { ...account, order_id: placed.value.order_id })).toBe('100, 100;w=60');
    expect(await limitOf('OrdersService', 'CancelOrder', { ...account, order_id: placed.value.order_id })).toBe('100, 100;w=60');
    expect(await limitOf('OperationsService', 'GetPositions', account)).toBe('200, 200;w=60');
    expect(await limitOf('SandboxService', 'GetSandboxAccounts', {})).toBe('200, 200;w=60');
    const { value } = await venue.client.unary<TariffMsg>('UsersService', 'GetUserTariff', {});
    const budget = (m: string) => value.unary_limits.find((g) => g.methods.includes(`${PKG}.${m}`));
    expect(budget('OrdersService/PostOrder')).toEqual({ limit_per_minute: 300, methods: [`${PKG}.OrdersService/PostOrder`] });
    expect(budget('OrdersService/PostOrderAsync')?.limit_per_minute).toBe(450);
    expect(budget('OrdersService/ReplaceOrder')?.methods).toContain(`${PKG}.OrdersService/GetOrderState`);
    expect(venue.sim.stats.rateLimited).toBe(0);
  });

  it('answers past a configured budget with 80002, counts it, and leaves the other budgets alone', async () => {
    const venue = (v = await startTradingVenue({ limits: { PostOrder: 3 } }));
    const sberUid = venue.sim.instruments.find((i) => i.ticker === 'SBER')?.uid;
    const post = () =>
      venue.client.unary('OrdersService', 'PostOrder', {
        account_id: venue.sim.accountId,
        instrument_id: sberUid,
        quantity: '1',
        direction: 1,
        order_type: 1,
        order_id: key(),
        price: kopecks(venue.sberLast() - 100n),
      });
    for (let i = 0; i < 3; i++) await post();
    const err = await rejection(post());
    expect([err.code, err.details]).toEqual([status.RESOURCE_EXHAUSTED, '80002']);
    expect(err.metadata.get('x-ratelimit-limit')).toEqual(['3, 3;w=60']);
    expect(err.metadata.get('x-ratelimit-remaining')).toEqual(['0']);
    expect(Number(err.metadata.get('x-ratelimit-reset')[0])).toBeGreaterThan(0);
    expect(venue.sim.stats.rateLimited).toBe(1);
    expect(venue.sim.stats.ordersOf(venue.sim.accountId)).toHaveLength(3);
    await expect(venue.client.unary('OrdersService', 'GetOrders', { account_id: venue.sim.accountId })).resolves.toBeDefined();
    const { value } = await venue.client.unary<TariffMsg>('UsersService', 'GetUserTariff', {});
    expect(value.unary_limits.find((g) => g.methods.includes(`${PKG}.OrdersService/PostOrder`))?.limit_per_minute).toBe(3);
  });

  it('takes a service budget by its short name, for the methods without their own', async () => {
    const venue = (v = await startTradingVenue({ limits: { orders: 7 } }));
    const state = await rejection(venue.client.unary('OrdersService', 'GetOrderState', { account_id: venue.sim.accountId, order_id: '1' }));
    expect(state.metadata.get('x-ratelimit-limit')).toEqual(['7, 7;w=60']);
    const list = await venue.client.unary('OrdersService', 'GetOrders', { account_id: venue.sim.accountId });
    expect(list.headers.get('x-ratelimit-limit')).toEqual(['200, 200;w=60']);
  });

  it('refuses a limit override that names no budget', async () => {
    await expect(startTInvestSim({ seed: 3, limits: { PostOrdr: 1 } })).rejects.toThrow(/PostOrdr/);
  });
});
