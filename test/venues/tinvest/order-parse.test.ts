/**
 * The order parsers on hand-made messages (§2.4): every answer becomes OrderEvidence and
 * nothing is merged. PostOrder's answer is 'accepted' (or 'rejected' with the venue's text);
 * GetOrderState is 'status' with every stage as a fill in lots; a stream event is 'status' with
 * its terms, its trades converted from pieces to lots, the exchange id only after the first
 * event, and an order without a request id known by its exchange id.
 */
import { describe, expect, it } from 'vitest';
import type { OrderStateMsg, PostOrderResponse, StreamOrderStateMsg } from '../../../electron/venues/tinvest/order-messages.js';
import { fromOrderState, fromPostOrderResponse, fromStreamState } from '../../../electron/venues/tinvest/order-parse.js';
import type { OrderIdentity } from '../../../electron/venues/tinvest/order-parse.js';

const UID = 'e6123145-9665-43e0-8413-cd61b8aa9b13';
const KEY = '5d1e4ad4-8e2b-4c3f-9d0a-1b2c3d4e5f60';
const ts = (ms: number) => ({ seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 });
const rub = (units: string, nano = 0) => ({ currency: 'rub', units, nano });

const ID: OrderIdentity = { accountId: 'acc', clientOrderId: KEY, instrumentId: UID, side: 'buy', type: 'limit', quantity: '3', price: '250.5' };

function answer(fields: Partial<PostOrderResponse>): PostOrderResponse {
  return {
    orderId: '31000000001',
    executionReportStatus: 4,
    lotsRequested: '3',
    lotsExecuted: '0',
    executedOrderPrice: null,
    initialSecurityPrice: rub('250', 500_000_000),
    direction: 1,
    orderType: 1,
    message: '',
    instrumentUid: UID,
    orderRequestId: KEY,
    responseMetadata: { trackingId: 'a'.repeat(32), serverTime: null },
    ...fields,
  };
}

function stateMsg(fields: Partial<OrderStateMsg>): OrderStateMsg {
  return {
    orderId: '31000000001',
    executionReportStatus: 1,
    lotsRequested: '3',
    lotsExecuted: '3',
    averagePositionPrice: rub('250', 500_000_000),
    initialSecurityPrice: rub('250', 500_000_000),
    direction: 2,
    stages: [
      { price: rub('250', 500_000_000), quantity: '1', tradeId: 't1', executionTime: ts(5_000) },
      { price: rub('250', 500_000_000), quantity: '2', tradeId: 't2', executionTime: ts(6_000) },
    ],
    currency: 'rub',
    orderType: 1,
    orderDate: ts(4_000),
    instrumentUid: UID,
    orderRequestId: KEY,
    ...fields,
  };
}

function streamMsg(fields: Partial<StreamOrderStateMsg>): StreamOrderStateMsg {
  return {
    orderId: 'internal-77',
    orderRequestId: KEY,
    createdAt: ts(4_000),
    executionReportStatus: 4,
    lotSize: 10,
    direction: 1,
    orderType: 2,
    accountId: 'acc',
    orderPrice: rub('0'),
    lotsRequested: '3',
    lotsExecuted: '0',
    trades: [],
    completionTime: null,
    instrumentUid: UID,
    ...fields,
  };
}

describe('T-Invest order parsers → evidence', () => {
  it("PostOrder's answer: accepted with the status it has and our terms; a rejection keeps the venue's text and tracking id", () => {
    expect(fromPostOrderResponse(answer({}), ID, 9_000)).toEqual({
      kind: 'accepted',
      venue: 'tinvest',
      accountId: 'acc',
      clientOrderId: KEY,
      venueOrderId: '31000000001',
      status: 'open',
      filledQuantity: '0',
      terms: { instrumentId: UID, side: 'buy', type: 'limit', quantity: '3', price: '250.5', createdAt: 9_000 },
      at: 9_000,
      source: 'send',
    });
    expect(fromPostOrderResponse(answer({ executionReportStatus: 1, lotsExecuted: '3', executedOrderPrice: rub('250') }), ID, 9_000)).toMatchObject({
      kind: 'accepted',
      status: 'filled',
      filledQuantity: '3',
      averagePrice: '250',
    });
    expect(fromPostOrderResponse(answer({ executionReportStatus: 2, message: 'not enough lots' }), ID, 9_000)).toMatchObject({
      kind: 'rejected',
      status: 'rejected',
      reason: { code: 'rejected', message: 'not enough lots', trackingId: 'a'.repeat(32) },
    });
    expect(fromPostOrderResponse(answer({ executionReportStatus: 0 }), ID, 9_000)).toBeUndefined();
  });

  it('GetOrderState: status with every stage as a fill in lots, the key we asked by kept', () => {
    const ev = fromOrderState(stateMsg({}), 'acc', 9_000, 'reconcile', 'asked-key');
    expect(ev).toMatchObject({
      kind: 'status',
      clientOrderId: 'asked-key',
      venueOrderId: '31000000001',
      status: 'filled',
      filledQuantity: '3',
      averagePrice: '250.5',
      terms: { side: 'sell', type: 'limit', quantity: '3', price: '250.5', createdAt: 4_000 },
      source: 'reconcile',
    });
    expect(ev?.fills).toEqual([
      { tradeId: 't1', price: '250.5', quantity: '1', time: 5_000 },
      { tradeId: 't2', price: '250.5', quantity: '2', time: 6_000 },
    ]);
    // Without a request id (placed elsewhere without a UUID) the order is known by its exchange id.
    expect(fromOrderState(stateMsg({ orderRequestId: '' }), 'acc', 9_000, 'reconcile')?.clientOrderId).toBe('exchange:31000000001');
  });

  it('a stream event: terms always, trades from pieces to lots, the exchange id only after the first event, the cause as reason', () => {
    const first = fromStreamState(streamMsg({}), 9_000);
    expect(first).toMatchObject({ kind: 'status', source: 'stream', status: 'open', terms: { type: 'market', quantity: '3', createdAt: 4_000 }, at: 9_000 });
    expect(first?.venueOrderId).toBeUndefined();
    expect(first?.fills).toBeUndefined();
    const filled = fromStreamState(
      streamMsg({
        orderId: '31000000001',
        executionReportStatus: 1,
        lotsExecuted: '3',
        completionTime: ts(7_000),
        trades: [
          { tradeId: 't1', price: { units: '250', nano: 0 }, quantity: '10', dateTime: ts(6_000) },
          { tradeId: 't2', price: { units: '251', nano: 0 }, quantity: '20', dateTime: ts(6_500) },
        ],
      }),
      9_000,
    );
    expect(filled).toMatchObject({ status: 'filled', venueOrderId: '31000000001', filledQuantity: '3', at: 7_000 });
    expect(filled?.fills?.map((f) => [f.tradeId, f.quantity, f.price, f.fee])).toEqual([
      ['t1', '1', '250', undefined],
      ['t2', '2', '251', undefined],
    ]);
    const cancelled = fromStreamState(streamMsg({ orderId: '31000000001', executionReportStatus: 3, statusInfo: 15 }), 9_000);
    expect(cancelled).toMatchObject({ status: 'cancelled', reason: { code: 'cause-15', message: 'cancelled by the client' } });
    expect(fromStreamState(streamMsg({ direction: 0 }), 9_000)).toBeUndefined();
  });
});
