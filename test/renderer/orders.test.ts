import { describe, expect, it } from 'vitest';
import { createAppStore } from '../../renderer/store/app-store.js';
import type { Order } from '../../common/domain.js';
import type { Result } from '../../electron/contract.js';
import { addUnknownOrders, isOpen, orderKey, replaceOrders, resyncOrders, type PlaceRequest } from '../../renderer/store/orders.js';
import type { Frame } from '../../renderer/store/session.js';
import { FakeBridge } from './fake-bridge.js';
import { anOrder, deferred } from './fixtures.js';

function placeRequest(clientOrderId: string): PlaceRequest {
  return { venue: 'kraken', accountId: 'spot', instrumentId: 'XXBTZUSD', side: 'buy', type: 'limit', quantity: '0.01', price: '50000.0', clientOrderId };
}

describe('orders in the renderer', () => {
  const frame = (orders: Order[], resync?: Order[]): Frame => ({
    candles: [],
    orders,
    connections: [],
    ...(resync ? { resync: { venues: [], orders: resync, subscriptionFailures: [] } } : {}),
  });

  it('applies the core\'s updates as they come: each replaces its order, with no ranks and no clocks', () => {
    const store = createAppStore(new FakeBridge());
    const key = orderKey(anOrder());
    store.getState().commitFrame(frame([anOrder({ status: 'cancelled', updatedAt: 2000 })]));
    // The core decided this one came next (a replayed order the venue says is open): it stands.
    store.getState().commitFrame(frame([anOrder({ status: 'open', updatedAt: 1500 }), anOrder({ status: 'partially-filled', filledQuantity: '0.005', updatedAt: 1200 })]));
    expect(store.getState().orders[key]).toMatchObject({ status: 'partially-filled', filledQuantity: '0.005', updatedAt: 1200 });
    expect(replaceOrders(store.getState().orders, [])).toBe(store.getState().orders);
  });

  it('counts orders of unknown outcome as open: they may be working', () => {
    expect(isOpen(anOrder({ status: 'unknown' }))).toBe(true);
    expect(isOpen(anOrder({ status: 'pending' }))).toBe(true);
    expect(isOpen(anOrder({ status: 'expired' }))).toBe(false);
  });

  it('takes a snapshot as the whole map, keeping only rejections that never reached the journal', async () => {
    const bridge = new FakeBridge().answer('orders.place', () => ({ ok: false, code: 'invalid', message: 'EOrder:Invalid price', venue: { code: 'EOrder:Invalid price' } }));
    const store = createAppStore(bridge);
    store.getState().commitFrame(frame([anOrder({ clientOrderId: 'f', status: 'filled' }), anOrder({ clientOrderId: 's' })]));
    await store.getState().placeOrder(placeRequest('r'));
    store.getState().commitFrame(frame([], [anOrder({ clientOrderId: 'n' }), anOrder({ clientOrderId: 's', status: 'cancelled' })]));
    const orders = store.getState().orders;
    expect(Object.keys(orders).sort()).toEqual(['kraken|n', 'kraken|r', 'kraken|s']);
    expect(orders['kraken|s']!.status).toBe('cancelled');
    expect(orders['kraken|r']).toMatchObject({ status: 'rejected', reason: { code: 'EOrder:Invalid price' } });
    expect(resyncOrders(orders, [], {})).toEqual({});
  });

  it('does not let the answer to a place or cancel land on top of a newer pushed update', async () => {
    const placed = deferred<Result<Order>>();
    const cancelled = deferred<Result<Order>>();
    const bridge = new FakeBridge().answer('orders.place', () => placed.promise).answer('orders.cancel', () => cancelled.promise);
    const store = createAppStore(bridge);
    const key = orderKey(placeRequest('p'));

    const placing = store.getState().placeOrder(placeRequest('p'));
    // The stream is ahead of the answer: the order is already partly filled.
    store.getState().commitFrame(frame([anOrder({ clientOrderId: 'p', status: 'partially-filled', filledQuantity: '0.004' })]));
    placed.resolve({ ok: true, value: anOrder({ clientOrderId: 'p', status: 'open' }) });
    await placing;
    expect(store.getState().orders[key]).toMatchObject({ status: 'partially-filled', filledQuantity: '0.004' });

    const cancelling = store.getState().cancelOrder(store.getState().orders[key]!);
    store.getState().commitFrame(frame([anOrder({ clientOrderId: 'p', status: 'filled', filledQuantity: '0.01' })]));
    cancelled.resolve({ ok: true, value: anOrder({ clientOrderId: 'p', status: 'cancelled', filledQuantity: '0.004' }) });
    expect(await cancelling).toBe(true);
    expect(store.getState().orders[key]).toMatchObject({ status: 'filled', filledQuantity: '0.01' });
  });

  it('shows the answer to a place when no update for the order has come yet, and a list only adds orders not known', async () => {
    const bridge = new FakeBridge()
      .answer('orders.place', () => ({ ok: true, value: anOrder({ clientOrderId: 'q', status: 'pending' }) }))
      .answer('orders.list', () => ({ ok: true, value: [anOrder({ clientOrderId: 'q', status: 'open' }), anOrder({ clientOrderId: 'old', status: 'filled' })] }));
    const store = createAppStore(bridge);
    await store.getState().placeOrder(placeRequest('q'));
    expect(store.getState().orders['kraken|q']!.status).toBe('pending');
    await store.getState().loadOrders();
    expect(store.getState().orders['kraken|q']!.status).toBe('pending');
    expect(store.getState().orders['kraken|old']!.status).toBe('filled');
    const before = store.getState().orders;
    expect(addUnknownOrders(before, [anOrder({ clientOrderId: 'q', status: 'cancelled' })])).toBe(before);
  });

  it('puts a rejection the venue gave in answer to the send into the history, with the venue\'s code and tracking id', async () => {
    const bridge = new FakeBridge().answer('orders.place', () => ({
      ok: false,
      code: 'rejected',
      message: 'EOrder:Insufficient funds',
      venue: { code: 'EOrder:Insufficient funds', trackingId: 't-1' },
    }));
    const store = createAppStore(bridge);
    const req = {
      venue: 'kraken' as const,
      accountId: 'spot',
      instrumentId: 'XXBTZUSD',
      side: 'buy' as const,
      type: 'limit' as const,
      quantity: '100',
      price: '50000.0',
      clientOrderId: '00000000-0000-4000-8000-000000000009',
    };
    await store.getState().placeOrder(req);
    const order = Object.values(store.getState().orders)[0]!;
    expect(order).toMatchObject({ status: 'rejected', reason: { code: 'EOrder:Insufficient funds', trackingId: 't-1' } });
  });

  it('cancels all on every venue with no venue given, and tells of every venue that failed', async () => {
    const bridge = new FakeBridge()
      .answer('orders.cancelAll', () => ({
        ok: true,
        value: {
          cancelled: 3,
          failed: [{ venue: 'tinvest', accountId: 'acc-1', code: 'unavailable', message: 'down' }],
          venues: [
            { venue: 'tinvest', accounts: [{ accountId: 'acc-1', ok: false, cancelled: 0, attempts: 4, error: { code: 'unavailable', message: 'down' }, mayBeOpen: ['c-1'] }] },
            { venue: 'kraken', accounts: [{ accountId: 'spot', ok: true, cancelled: 3, attempts: 2, mayBeOpen: [] }] },
          ],
        },
      }))
      .answer('orders.list', () => ({ ok: true, value: [] }));
    const store = createAppStore(bridge);
    await store.getState().cancelAll();
    expect(bridge.calls.find((c) => c.method === 'orders.cancelAll')?.request).toEqual({});
    expect(store.getState().toasts.map((t) => [t.title, t.detail])).toEqual([
      ['Cancelled 3 orders; 1 not done', undefined],
      ['Not cancelled', 'T-Invest · acc-1: NOT cancelled after 4 attempts — unavailable: down; 1 order of this app may still be open'],
    ]);
    expect(bridge.count('orders.list')).toBe(1);
  });
});
