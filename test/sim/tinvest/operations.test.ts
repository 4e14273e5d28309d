/**
 * The local venue's operations history (venue notes §10) over the wire: a BUY/SELL operation
 * per executed order with its trades in pieces, a BROKER_FEE child (0.05% of the value, in the
 * instrument's currency) per trade operation, CANCELED operations for orders cancelled before
 * anything executed, GetOperationsByCursor paging newest first by cursor with the venue's
 * limits, and a record that stays whole when a client dies in the middle of an order.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { status } from '@grpc/grpc-js';
import type { SimInstrument } from '../../../sim/tinvest/server.js';
import { RawClient } from './helpers.js';
import type { TS } from './helpers.js';
import { key, nanos, rejection, startTradingVenue } from './trading-helpers.js';
import type { MoneyMsg, OrderStateMsg, PostOrderResponseMsg, TradingVenue } from './trading-helpers.js';

const BUY = 15;
const BROKER_FEE = 19;
const EXECUTED = 1;
const CANCELED = 2;
const FILL = 1;
const KOP = 10_000_000n;
const fee = (amount: bigint) => (amount * 5n) / 10_000n;

interface ItemMsg {
  cursor: string;
  id: string;
  parent_operation_id: string;
  type: number;
  state: number;
  date: TS;
  instrument_uid: string;
  payment: MoneyMsg;
  quantity: string;
  quantity_done: string;
  quantity_rest: string;
  trades_info: { trades: { num: string; quantity: string; price: MoneyMsg; date: TS }[] } | null;
}
interface PageMsg {
  has_next: boolean;
  next_cursor: string;
  items: ItemMsg[];
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

function post(fields: Record<string, unknown>, client = v.client) {
  return client.unary<PostOrderResponseMsg>('OrdersService', 'PostOrder', {
    instrument_id: sber.uid,
    quantity: '1',
    direction: 1,
    account_id: v.sim.accountId,
    order_type: 2,
    order_id: key(),
    ...fields,
  });
}

async function page(fields: Record<string, unknown> = {}): Promise<PageMsg> {
  return (await v.client.unary<PageMsg>('OperationsService', 'GetOperationsByCursor', { account_id: v.sim.accountId, ...fields })).value;
}

async function everything(limit: number): Promise<{ items: ItemMsg[]; pages: number }> {
  const items: ItemMsg[] = [];
  let cursor = '';
  let pages = 0;
  for (;;) {
    const p = await page({ limit, ...(cursor ? { cursor } : {}) });
    pages += 1;
    items.push(...p.items);
    if (!p.has_next) return { items, pages };
    cursor = p.next_cursor;
  }
}

describe('T-Invest sim: operations', () => {
  it('a filled market buy is a BUY operation with its trade in pieces and a BROKER_FEE child of 0.05%', async () => {
    const { value: res } = await post({ quantity: '2' });
    expect(res.execution_report_status).toBe(FILL);
    const { items } = await page();
    const buy = items.find((i) => i.type === BUY);
    const child = items.find((i) => i.type === BROKER_FEE);
    const price = v.sberLast() * KOP;
    const amount = price * 20n;
    expect(buy).toMatchObject({ state: EXECUTED, instrument_uid: sber.uid, quantity: '20', quantity_done: '20', quantity_rest: '0' });
    expect(nanos(buy?.payment)).toBe(-amount);
    expect(buy?.trades_info?.trades.map((t) => [t.quantity, nanos(t.price), t.price.currency])).toEqual([['20', price, 'rub']]);
    const state = (await v.client.unary<OrderStateMsg>('OrdersService', 'GetOrderState', { account_id: v.sim.accountId, order_id: res.order_id })).value;
    // The trade number is the order's trade id (the sim keeps them equal).
    expect(buy?.trades_info?.trades.map((t) => t.num)).toEqual(state.stages.map((s) => s.trade_id));
    expect(child).toMatchObject({ state: EXECUTED, parent_operation_id: buy?.id, payment: { currency: 'rub' } });
    expect(nanos(child?.payment)).toBe(-fee(amount));
    expect(items).toHaveLength(2);
  });

  it('an order cancelled before it executed is a CANCELED operation without trades; a partly filled one is EXECUTED with its trades', async () => {
    const { value: resting } = await post({ order_type: 1, price: { units: '100', nano: 0 } });
    await v.client.unary('OrdersService', 'CancelOrder', { account_id: v.sim.accountId, order_id: resting.order_id });
    const { value: partly } = await post({ order_type: 1, quantity: '3', price: { units: '250', nano: 0 } });
    v.printSber(25_000n, 1n);
    await v.client.unary('OrdersService', 'CancelOrder', { account_id: v.sim.accountId, order_id: partly.order_id });
    const { items } = await page();
    const ops = items.filter((i) => i.type === BUY);
    expect(ops.map((i) => [i.state, i.quantity, i.quantity_done, i.trades_info?.trades.length ?? 0])).toEqual([
      [EXECUTED, '30', '10', 1],
      [CANCELED, '10', '0', 0],
    ]);
    expect(items.filter((i) => i.type === BROKER_FEE).map((i) => i.parent_operation_id)).toEqual([ops[0]?.id]);
  });

  it('pages newest first by cursor: every operation once, and new ones do not shift the pages still to read', async () => {
    for (let i = 0; i < 5; i++) await post({});
    const first = await page({ limit: 3 });
    expect(first.has_next).toBe(true);
    expect(first.next_cursor).toMatch(/^\d+$/);
    // Two more operations while a client pages.
    await post({});
    const rest: ItemMsg[] = [];
    let cursor = first.next_cursor;
    for (;;) {
      const p = await page({ limit: 3, cursor });
      rest.push(...p.items);
      if (!p.has_next) break;
      cursor = p.next_cursor;
    }
    const seen = [...first.items, ...rest];
    expect(new Set(seen.map((i) => i.id)).size).toBe(10);
    expect(seen.map((i) => BigInt(i.cursor))).toEqual(seen.map((i) => BigInt(i.cursor)).sort((a, b) => (a > b ? -1 : 1)));
    // A fresh read sees all twelve.
    const { items, pages } = await everything(5);
    expect(items).toHaveLength(12);
    expect(pages).toBe(3);
  });

  it('filters by type and time, and refuses a limit over 1000 with 30069', async () => {
    await post({});
    await post({});
    expect((await page({ operation_types: [BROKER_FEE] })).items.map((i) => i.type)).toEqual([BROKER_FEE, BROKER_FEE]);
    const now = Date.now();
    expect((await page({ from: { seconds: String(Math.floor(now / 1000) + 60), nanos: 0 } })).items).toEqual([]);
    const err = await rejection(page({ limit: 1001 }));
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.details).toBe('30069');
  });

  it('a client that abandons an order in flight (its deadline cuts the call) leaves the venue whole: the order, its state by request id and its operations', async () => {
    const leaving = new RawClient(v.sim.endpoint, v.sim.token);
    v.sim.faults.loseNextReply('PostOrder', 1, 'hang');
    const k = key();
    const req = { instrument_id: sber.uid, quantity: '2', direction: 1, account_id: v.sim.accountId, order_type: 2, order_id: k };
    const err = await rejection(leaving.unary('OrdersService', 'PostOrder', req, v.sim.token, 500));
    expect(err.code).toBe(status.DEADLINE_EXCEEDED);
    leaving.close();
    expect(v.sim.stats.lostReplies).toBe(1);
    const state = (await v.client.unary<OrderStateMsg>('OrdersService', 'GetOrderState', { account_id: v.sim.accountId, order_id: k, order_id_type: 2 })).value;
    expect([state.order_request_id, state.execution_report_status, state.lots_executed]).toEqual([k, FILL, '2']);
    const { items } = await page();
    expect(items.map((i) => i.type).sort()).toEqual([BUY, BROKER_FEE].sort());
    expect(items.find((i) => i.type === BUY)?.trades_info?.trades.map((t) => t.num)).toEqual(state.stages.map((s) => s.trade_id));
    expect(v.sim.stats.placements(v.sim.accountId, k)).toBe(1);
  });
});
