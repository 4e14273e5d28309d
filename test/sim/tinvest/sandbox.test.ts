import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { status } from '@grpc/grpc-js';
import type { SimInstrument } from '../../../sim/tinvest/server.js';
import { key, kopecks, nanos, rejection, startTradingVenue } from './trading-helpers.js';
import type { MoneyMsg, OrderStateMsg, PortfolioMsg, PositionsMsg, PostOrderResponseMsg, TradingVenue } from './trading-helpers.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const RUB = 1_000_000_000n;
const fee = (amount: bigint) => (amount * 5n) / 10_000n;

interface AccountsMsg {
  accounts: { id: string; type: number; name: string; status: number; access_level: number }[];
}

let v: TradingVenue;
let sber: SimInstrument;

beforeEach(async () => {
  v = await startTradingVenue();
  sber = v.sim.instruments.find((i) => i.ticker === 'SBER') ?? expect.unreachable('SBER');
});
afterEach(async () => {
  await v.close();
});

async function openSandbox(name = 'tests'): Promise<string> {
  const { value } = await v.client.unary<{ account_id: string }>('SandboxService', 'OpenSandboxAccount', { name });
  return value.account_id;
}

function payIn(accountId: string, units: string, currency = 'rub') {
  return v.client.unary<{ balance: MoneyMsg }>('SandboxService', 'SandboxPayIn', { account_id: accountId, amount: { currency, units, nano: 0 } });
}

function post(svc: 'OrdersService' | 'SandboxService', fields: Record<string, unknown>) {
  return v.client.unary<PostOrderResponseMsg>(svc, svc === 'OrdersService' ? 'PostOrder' : 'PostSandboxOrder', {
    instrument_id: sber.uid,
    quantity: '1',
    direction: 1,
    order_type: 2,
    order_id: key(),
    ...fields,
  });
}

describe('T-Invest sim: sandbox accounts', () => {
  it('opens an empty account, takes a pay-in, and trades it through the normal services', async () => {
    const id = await openSandbox();
    expect(id).toMatch(UUID);
    const { value: listed } = await v.client.unary<AccountsMsg>('SandboxService', 'GetSandboxAccounts', {});
    expect(listed.accounts).toEqual([expect.objectContaining({ id, name: 'tests', type: 1, status: 2, access_level: 1 })]);
    const { value: users } = await v.client.unary<AccountsMsg>('UsersService', 'GetAccounts', {});
    expect(users.accounts.map((a) => a.id)).not.toContain(id);

    // No money until a pay-in: a buy is refused with 30034.
    const { value: empty } = await v.client.unary<PositionsMsg>('OperationsService', 'GetPositions', { account_id: id });
    expect(empty.money.map(nanos)).toEqual([0n]);
    const broke = await rejection(post('OrdersService', { account_id: id }));
    expect([broke.code, broke.details]).toEqual([status.INVALID_ARGUMENT, '30034']);

    const { value: paid } = await payIn(id, '50000');
    expect([nanos(paid.balance), paid.balance.currency]).toEqual([50_000n * RUB, 'rub']);

    const last = v.sberLast() * 10_000_000n;
    const { value: order } = await post('OrdersService', { account_id: id, quantity: '2' });
    expect(order.execution_report_status).toBe(1);
    // Sandbox exchange ids are UUIDs, as observed on the real sandbox.
    expect(order.order_id).toMatch(UUID);
    const { value: viaSandbox } = await v.client.unary<OrderStateMsg>('SandboxService', 'GetSandboxOrderState', { account_id: id, order_id: order.order_id });
    expect(viaSandbox).toMatchObject({ order_id: order.order_id, execution_report_status: 1, lots_executed: '2' });

    const cost = last * 20n;
    for (const [svc, m] of [
      ['OperationsService', 'GetPositions'],
      ['SandboxService', 'GetSandboxPositions'],
    ] as const) {
      const { value } = await v.client.unary<PositionsMsg>(svc, m, { account_id: id });
      expect(value.money.map(nanos)).toEqual([50_000n * RUB - cost - fee(cost)]);
      expect(value.securities.map((x) => [x.ticker, x.balance])).toEqual([['SBER', '20']]);
    }
    const { value: pf } = await v.client.unary<PortfolioMsg>('SandboxService', 'GetSandboxPortfolio', { account_id: id });
    expect(nanos(pf.total_amount_currencies)).toBe(50_000n * RUB - cost - fee(cost));
    expect(pf.positions.map((p) => [p.figi, nanos(p.quantity)])).toEqual([[sber.figi, 20n * RUB]]);
  });

  it('accepts only rouble pay-ins, only into sandbox accounts', async () => {
    const id = await openSandbox();
    const usd = await rejection(payIn(id, '100', 'usd'));
    expect([usd.code, usd.details]).toEqual([status.INVALID_ARGUMENT, '30000']);
    const negative = await rejection(payIn(id, '-5'));
    expect(negative.details).toBe('30000');
    const brokerage = await rejection(payIn(v.sim.accountId, '100'));
    expect([brokerage.code, brokerage.details]).toEqual([status.NOT_FOUND, '50004']);
    // The sandbox copies of the order calls take sandbox accounts only.
    const copy = await rejection(post('SandboxService', { account_id: v.sim.accountId }));
    expect(copy.details).toBe('50004');
  });

  it('closing an account cancels its orders and makes it unknown', async () => {
    const id = await openSandbox();
    await payIn(id, '100000');
    const { value: resting } = await post('SandboxService', { account_id: id, order_type: 1, quantity: '3', price: kopecks(v.sberLast() - 100n) });
    expect(resting.execution_report_status).toBe(4);
    await v.client.unary('SandboxService', 'CloseSandboxAccount', { account_id: id });
    expect(v.sim.stats.ordersOf(id).map((o) => o.status)).toEqual(['CANCELLED']);
    expect(v.sim.stats.balances(id).blockedCash).toBe('0');
    const { value: listed } = await v.client.unary<AccountsMsg>('SandboxService', 'GetSandboxAccounts', {});
    expect(listed.accounts).toEqual([]);
    const gone = await rejection(v.client.unary('OperationsService', 'GetPositions', { account_id: id }));
    expect([gone.code, gone.details]).toEqual([status.NOT_FOUND, '50004']);
  });
});
