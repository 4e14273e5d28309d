/**
 * accountHistory against the local venue: GetOperationsByCursor read page by page by cursor
 * (more than one page here), BUY/SELL operations turned into one trade record per trade with
 * the quantity in pieces (not lots), the fee taken from the BROKER_FEE operation whose parent
 * is the trade operation, and an order placed elsewhere (the public SDK, straight at the venue)
 * seen both on our order stream and in the history. Checked against the venue's own record.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TinkoffInvestApi } from 'tinkoff-invest-api';
import type { TradeRecord } from '../../../common/domain.js';
import { add } from '../../../common/decimal.js';
import type { TInvestVenue } from '../../../electron/venues/tinvest/adapter.js';
import { RecordingSink, waitFor } from './helpers.js';
import { orderAdapter, orderRequest, startOrderVenue } from './order-helpers.js';
import type { OrderVenue } from './order-helpers.js';

let v: OrderVenue;
let sink: RecordingSink;
let venue: TInvestVenue;
let account: string;

beforeEach(async () => {
  v = await startOrderVenue();
  sink = new RecordingSink();
  account = v.sim.accountId;
  venue = orderAdapter(v.sim, sink, { accountId: account, trading: { history: { pageSize: 3 } } });
  await venue.connect();
  await waitFor('the order stream to be live', () => sink.state('orders') === 'live');
});
afterEach(async () => {
  await venue.close();
  await v.close();
});

/** The venue's trades of the account, as the records it should give: pieces, price per piece. */
function venueTrades(): Omit<TradeRecord, 'fee' | 'feeCurrency' | 'time'>[] {
  return v.sim.stats
    .ordersOf(account)
    .flatMap((r) =>
      r.fills.map((f) => ({
        venue: 'tinvest' as const,
        accountId: account,
        tradeId: f.tradeId,
        instrumentId: r.instrumentUid,
        side: r.direction,
        quantity: (f.lots * 10n).toString(),
        price: f.price,
        currency: 'rub',
      })),
    )
    .sort((a, b) => (a.tradeId < b.tradeId ? -1 : 1));
}

function withoutFees(t: TradeRecord): Omit<TradeRecord, 'fee' | 'feeCurrency' | 'time'> {
  const { fee: _fee, feeCurrency: _c, time: _t, ...rest } = t;
  return rest;
}

describe('T-Invest accountHistory', () => {
  it('pages by cursor: every trade once, in pieces, with its fee from the BROKER_FEE operation', async () => {
    // Four market buys of 2 lots, a bid filled by two trades (1 lot, then 2), one cancelled bid.
    for (let i = 0; i < 4; i++) await venue.placeOrder(orderRequest(account, v.sber.uid, { type: 'market', price: undefined, quantity: '2' }));
    const bid = orderRequest(account, v.sber.uid, { price: '250.00', quantity: '3' });
    await venue.placeOrder(bid);
    v.printSber('250.00', 1);
    v.printSber('250.00', 2);
    const cancelled = orderRequest(account, v.sber.uid, { price: '100.00' });
    await venue.placeOrder(cancelled);
    await venue.cancelOrder(account, cancelled.clientOrderId);

    const ops = v.sim.stats.operationsOf(account);
    // 5 trade operations, 5 fee operations, 1 cancelled one: four pages of three.
    expect(ops.map((o) => `${o.type} ${o.state}`).sort()).toEqual(
      [...Array(5).fill('BUY EXECUTED'), ...Array(5).fill('BROKER_FEE EXECUTED'), 'BUY CANCELED'].sort(),
    );
    const calls = v.sim.stats.calls('GetOperationsByCursor');
    const history = await venue.accountHistory(account, 0);
    expect(v.sim.stats.calls('GetOperationsByCursor') - calls).toBe(4);
    expect(history.orders).toEqual([]);

    const trades = [...history.trades].sort((a, b) => (a.tradeId < b.tradeId ? -1 : 1));
    expect(trades.map(withoutFees)).toEqual(venueTrades());
    expect(trades).toHaveLength(6);
    // Pieces, not lots: a 2-lot trade of SBER (lot 10) is 20 shares (four buys and the bid's second trade).
    expect(trades.map((t) => t.quantity).sort()).toEqual(['10', '20', '20', '20', '20', '20']);

    // Each trade operation's fee is on its trades, to the nano, in the instrument's currency.
    for (const op of ops.filter((o) => o.type === 'BUY' && o.state === 'EXECUTED')) {
      const fee = ops.find((o) => o.type === 'BROKER_FEE' && o.parentId === op.id);
      expect(fee?.payment.startsWith('-')).toBe(true);
      const mine = trades.filter((t) => op.trades.some((x) => x.num === t.tradeId));
      expect(mine.map((t) => t.feeCurrency)).toEqual(mine.map(() => 'rub'));
      expect(mine.reduce((s, t) => add(s, t.fee), '0')).toBe(fee?.payment.slice(1));
    }
    // 0.05% of 2,500 and of 5,000 rub: the bid's two trades carry their shares of its one fee.
    const bidTrades = trades.filter((t) => v.sim.stats.ordersOf(account).find((r) => r.requestKey === bid.clientOrderId)?.fills.some((f) => f.tradeId === t.tradeId));
    expect(bidTrades.map((t) => [t.quantity, t.price, t.fee])).toEqual([
      ['10', '250', '1.25'],
      ['20', '250', '2.5'],
    ]);
  });

  it('reads no more pages than its bound: a longer history fails rather than come back cut', async () => {
    await venue.close();
    venue = orderAdapter(v.sim, sink, { accountId: account, trading: { history: { pageSize: 3, maxPages: 2 } } });
    await venue.connect();
    for (let i = 0; i < 4; i++) await venue.placeOrder(orderRequest(account, v.sber.uid, { type: 'market', price: undefined }));
    const calls = v.sim.stats.calls('GetOperationsByCursor');
    await expect(venue.accountHistory(account, 0)).rejects.toMatchObject({ kind: 'unavailable', code: 'history-too-long' });
    expect(v.sim.stats.calls('GetOperationsByCursor') - calls).toBe(2);
  });

  it('an order placed elsewhere shows on our stream as evidence with terms and fills in lots, and in the history in pieces', async () => {
    const port = v.sim.endpoint.split(':').at(-1) ?? '';
    const api = new TinkoffInvestApi({ token: v.sim.token, endpoint: `localhost:${port}`, appName: 'switchboard.tests' });
    const key = randomUUID();
    await api.orders.postOrder({
      figi: '',
      instrumentId: v.sber.uid,
      quantity: 3,
      direction: 1,
      accountId: account,
      orderType: 2,
      orderId: key,
      timeInForce: 0,
      priceType: 0,
    });
    const [record] = v.sim.stats.ordersOf(account);
    expect(record).toMatchObject({ requestKey: key, status: 'FILL', lotsExecuted: 3n });
    await waitFor('our stream to bring its trade', () => sink.orders.some((ev) => ev.clientOrderId === key && (ev.fills?.length ?? 0) > 0));
    const withFill = sink.orders.find((ev) => ev.clientOrderId === key && (ev.fills?.length ?? 0) > 0);
    expect(withFill).toMatchObject({
      kind: 'status',
      source: 'stream',
      status: 'filled',
      filledQuantity: '3',
      terms: { instrumentId: v.sber.uid, side: 'buy', type: 'market', quantity: '3' },
    });
    expect(withFill?.fills?.map((f) => [f.tradeId, f.quantity])).toEqual(record?.fills.map((f) => [f.tradeId, '3']));

    const history = await venue.accountHistory(account, 0);
    expect(history.trades.map(withoutFees)).toEqual(venueTrades());
    expect(history.trades.map((t) => [t.tradeId, t.quantity, t.side])).toEqual(record?.fills.map((f) => [f.tradeId, '30', 'buy']));
    expect(history.trades[0]?.fee).not.toBe('0');
  });
});
