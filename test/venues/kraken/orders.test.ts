import { describe, expect, it } from 'vitest';
import type { OrderUpdate } from '../../../common/domain.js';
import { OrderTracker, isValidClOrdId, nextStatus } from '../../../electron/venues/kraken/orders.js';
import type { VenueSink } from '../../../electron/venues/venue.js';

function sinkInto(updates: OrderUpdate[]): VenueSink {
  return {
    candle: () => undefined,
    order: (u) => updates.push(u),
    subscriptionFailed: () => undefined,
    connection: () => {
      throw new Error('not used');
    },
  };
}

const REQ = {
  venue: 'kraken' as const,
  accountId: 'spot',
  instrumentId: 'XXBTZUSD',
  side: 'buy' as const,
  type: 'limit' as const,
  quantity: '0.002',
  price: '60000',
  clientOrderId: 'c-1',
};

describe('Kraken order state machine', () => {
  it('moves only forward; final states stick; unknown yields to any evidence', () => {
    expect(nextStatus('pending', 'open')).toBe('open');
    expect(nextStatus('partially-filled', 'open')).toBe('partially-filled');
    expect(nextStatus('filled', 'cancelled')).toBe('filled');
    expect(nextStatus('unknown', 'pending')).toBe('pending');
    expect(nextStatus('unknown', 'filled')).toBe('filled');
    expect(nextStatus('unknown', undefined)).toBe('unknown');
  });

  it('checks cl_ord_id the way Kraken does', () => {
    expect(isValidClOrdId('6d1b345e-2821-40e2-ad83-4ecb18a06876')).toBe(true);
    expect(isValidClOrdId('6d1b345e282140e2ad834ecb18a06876')).toBe(true);
    expect(isValidClOrdId('my-order-000000001')).toBe(true);
    expect(isValidClOrdId('my-order-0000000001')).toBe(false);
    expect(isValidClOrdId('has space')).toBe(false);
  });

  it('merges sparse executions by order id and applies each fill once', () => {
    const updates: OrderUpdate[] = [];
    const t = new OrderTracker(sinkInto(updates), () => 1000);
    t.create(REQ, 1000);
    t.apply({ venueOrderId: 'O1', clientOrderId: 'c-1', instrumentId: 'XXBTZUSD', side: 'buy', type: 'limit', quantity: '0.002', price: '60000', status: 'pending' }, 'stream');
    t.apply({ venueOrderId: 'O1', status: 'open' }, 'stream');
    const fill = { tradeId: '11', price: '60000', quantity: '0.001', time: 5 };
    t.apply({ venueOrderId: 'O1', status: 'partially-filled', fill, filledQuantity: '0.001', averagePrice: '60000' }, 'stream');
    t.apply({ venueOrderId: 'O1', status: 'partially-filled', fill, filledQuantity: '0.001', averagePrice: '60000' }, 'stream');
    // A full fill may still say partially_filled on its trade event; the filled event ends it.
    t.apply({ venueOrderId: 'O1', status: 'partially-filled', fill: { ...fill, tradeId: '12' }, filledQuantity: '0.002' }, 'stream');
    t.apply({ venueOrderId: 'O1', status: 'filled' }, 'stream');
    t.apply({ venueOrderId: 'O1', status: 'cancelled' }, 'stream');
    const o = t.get('c-1')!;
    expect(o).toMatchObject({ status: 'filled', venueOrderId: 'O1', filledQuantity: '0.002', averagePrice: '60000' });
    expect(o.fills.map((f) => f.tradeId)).toEqual(['11', '12']);
    expect(updates.map((u) => u.order.status)).toEqual(['pending', 'pending', 'open', 'partially-filled', 'partially-filled', 'filled']);
  });

  it('keeps a lost reply unknown until the venue shows the order', () => {
    const updates: OrderUpdate[] = [];
    const t = new OrderTracker(sinkInto(updates), () => 1000);
    t.create(REQ, 1000);
    expect(t.settleLocally('c-1', 'unknown')?.status).toBe('unknown');
    expect(t.reopen('c-1')).toBe(false);
    t.apply({ venueOrderId: 'O9', clientOrderId: 'c-1', status: 'open' }, 'reconcile');
    expect(t.get('c-1')).toMatchObject({ status: 'open', venueOrderId: 'O9' });
    expect(updates.at(-1)!.source).toBe('reconcile');
  });

  it('does not let a lost reply override evidence that came first', () => {
    const t = new OrderTracker(sinkInto([]), () => 1000);
    t.create(REQ, 1000);
    t.apply({ venueOrderId: 'O2', clientOrderId: 'c-1', status: 'pending' }, 'stream');
    expect(t.settleLocally('c-1', 'unknown')?.status).toBe('pending');
  });

  it('adopts a foreign order only once its pair, side, type and size are known', () => {
    const updates: OrderUpdate[] = [];
    const t = new OrderTracker(sinkInto(updates), () => 1000);
    expect(t.apply({ venueOrderId: 'OX', status: 'open' }, 'stream')).toBeUndefined();
    const o = t.apply({ venueOrderId: 'OX', instrumentId: 'XXBTZUSD', side: 'sell', type: 'limit', quantity: '1', price: '70000' }, 'stream');
    expect(o).toMatchObject({ clientOrderId: 'kraken:OX', status: 'open', side: 'sell' });
    expect(updates).toHaveLength(1);
  });
});
