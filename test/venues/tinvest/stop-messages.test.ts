/**
 * Our stop types on the StopOrdersService wire (§7) and back: each type's stop_order_type,
 * child exchange_order_type, take_profit_type and trailing data; times in force; and what a
 * listed StopOrder says as evidence, unreadable ones included.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { OrderRequest } from '../../../common/domain.js';
import { VenueError } from '../../../electron/venues/venue.js';
import { fromStopOrder, postStopOrderRequest } from '../../../electron/venues/tinvest/stop-messages.js';
import type { StopOrderMsg } from '../../../electron/venues/tinvest/stop-messages.js';

function req(fields: Partial<OrderRequest>): OrderRequest {
  return { venue: 'tinvest', accountId: 'acc', instrumentId: 'uid-1', side: 'sell', type: 'stop-loss', quantity: '3', clientOrderId: randomUUID(), ...fields };
}

function refusal(r: OrderRequest): string {
  try {
    postStopOrderRequest(r);
    return 'built';
  } catch (e) {
    return e instanceof VenueError ? e.code : String(e);
  }
}

const q = (units: string, nano = 0): { units: string; nano: number } => ({ units, nano });

describe('T-Invest stop orders on the wire', () => {
  it('maps each stop type', () => {
    const sl = postStopOrderRequest(req({ type: 'stop-loss', triggerPrice: '290.5' }));
    expect(sl).toMatchObject({ stopOrderType: 2, exchangeOrderType: 1, takeProfitType: 0, stopPrice: q('290', 500_000_000), direction: 2, quantity: '3', expirationType: 1 });
    expect(sl.price).toBeUndefined();
    expect(postStopOrderRequest(req({ type: 'stop-loss-limit', triggerPrice: '290', price: '289.5' }))).toMatchObject({ stopOrderType: 3, exchangeOrderType: 2, price: q('289', 500_000_000) });
    expect(postStopOrderRequest(req({ type: 'take-profit', triggerPrice: '310' }))).toMatchObject({ stopOrderType: 1, exchangeOrderType: 1, takeProfitType: 1 });
    expect(postStopOrderRequest(req({ type: 'take-profit-limit', triggerPrice: '310', price: '309' }))).toMatchObject({ stopOrderType: 1, exchangeOrderType: 2, takeProfitType: 1 });
    const tr = postStopOrderRequest(req({ type: 'trailing-stop', trailingOffset: { value: '1.5', unit: 'percent' } }));
    expect(tr).toMatchObject({ stopOrderType: 1, takeProfitType: 2, exchangeOrderType: 1, trailingData: { indent: q('1', 500_000_000), indentType: 2, spread: q('0'), spreadType: 2 } });
    expect(tr.stopPrice).toBeUndefined();
  });

  it('is good till cancelled by default, or till a date; the order id is the client key', () => {
    const key = randomUUID();
    const gtd = postStopOrderRequest(req({ triggerPrice: '290', timeInForce: 'gtd', expireAt: 1_800_000_000_123, clientOrderId: key }));
    expect(gtd).toMatchObject({ expirationType: 2, expireDate: { seconds: '1800000000', nanos: 123_000_000 }, orderId: key });
    expect(refusal(req({ triggerPrice: '290', timeInForce: 'gtd' }))).toBe('expire-at');
    expect(refusal(req({ triggerPrice: '290', timeInForce: 'day' }))).toBe('time-in-force');
    expect(refusal(req({ triggerPrice: '290', timeInForce: 'fok' }))).toBe('time-in-force');
  });

  it('refuses what it cannot send', () => {
    expect(refusal(req({ type: 'stop-loss' }))).toBe('trigger-price');
    expect(refusal(req({ type: 'take-profit-limit', triggerPrice: '1' }))).toBe('price');
    expect(refusal(req({ type: 'trailing-stop' }))).toBe('trailing-offset');
    expect(refusal(req({ type: 'trailing-stop-limit', trailingOffset: { value: '1', unit: 'price' }, price: '1' }))).toBe('order-type');
    expect(refusal(req({ type: 'limit', price: '1' }))).toBe('order-type');
    expect(refusal(req({ quantity: '1.5', triggerPrice: '1' }))).toBe('quantity');
  });
});

function listed(fields: Partial<StopOrderMsg>): StopOrderMsg {
  return {
    stopOrderId: 'so-1',
    lotsRequested: '4',
    figi: 'F',
    direction: 1,
    currency: 'rub',
    orderType: 3,
    createDate: { seconds: '1700000000', nanos: 0 },
    price: { currency: 'rub', units: '101', nano: 0 },
    stopPrice: { currency: 'rub', units: '100', nano: 500_000_000 },
    instrumentUid: 'uid-1',
    takeProfitType: 0,
    status: 2,
    exchangeOrderType: 2,
    exchangeOrderId: '',
    ...fields,
  };
}

describe('T-Invest stop orders as evidence', () => {
  it('an active stop-limit is open with its terms', () => {
    const ev = fromStopOrder(listed({}), 'acc', 'key', 5, 'reconcile');
    expect(ev).toMatchObject({
      kind: 'status',
      status: 'open',
      venueOrderId: 'so-1',
      terms: { type: 'stop-loss-limit', side: 'buy', quantity: '4', price: '101', triggerPrice: '100.5', timeInForce: 'gtc', createdAt: 1_700_000_000_000 },
    });
  });

  it('an executed one is triggered at its activation time, with no status of its own', () => {
    const ev = fromStopOrder(listed({ status: 3, activationDateTime: { seconds: '1700000100', nanos: 0 }, exchangeOrderId: '123' }), 'acc', 'key', 5, 'reconcile');
    expect(ev).toMatchObject({ triggeredAt: 1_700_000_100_000 });
    expect(typeof ev !== 'string' && ev.status).toBeUndefined();
  });

  it('reads take-profit kinds, trailing offsets, expiry and the final states', () => {
    const tr = fromStopOrder(
      listed({ orderType: 1, takeProfitType: 2, exchangeOrderType: 1, trailingData: { indent: { units: '2', nano: 0 }, indentType: 1, spreadType: 1, status: 1 }, status: 4 }),
      'acc',
      'k',
      5,
      'history',
    );
    expect(tr).toMatchObject({ status: 'cancelled', terms: { type: 'trailing-stop', trailingOffset: { value: '2', unit: 'price' } } });
    expect(fromStopOrder(listed({ orderType: 1, exchangeOrderType: 1, status: 5, expirationTime: { seconds: '1700000200', nanos: 0 } }), 'a', 'k', 5, 'history')).toMatchObject({
      status: 'expired',
      terms: { type: 'take-profit', timeInForce: 'gtd', expireAt: 1_700_000_200_000 },
    });
    expect(fromStopOrder(listed({ orderType: 1, exchangeOrderType: 2 }), 'a', 'k', 5, 'history')).toMatchObject({ terms: { type: 'take-profit-limit' } });
  });

  it('says why an unreadable one cannot be read', () => {
    expect(typeof fromStopOrder(listed({ orderType: 9 }), 'a', 'k', 5, 'history')).toBe('string');
    expect(typeof fromStopOrder(listed({ status: 0 }), 'a', 'k', 5, 'history')).toBe('string');
    expect(typeof fromStopOrder(listed({ stopPrice: { currency: 'rub', units: '1', nano: -5 } }), 'a', 'k', 5, 'history')).toBe('string');
  });
});
