import { describe, expect, it } from 'vitest';
import { createAppStore } from '../../renderer/store/app-store.js';
import { isOpen, mergeOrders, resyncOrders } from '../../renderer/store/orders.js';
import { FakeBridge } from './fake-bridge.js';
import { anOrder } from './fixtures.js';

describe('orders in the renderer', () => {
  it('keeps the later update by the venue clock, and never lets a stale open update undo a final state', () => {
    const open = anOrder();
    const cancelled = anOrder({ status: 'cancelled', updatedAt: 2000 });
    let map = mergeOrders({}, [open, cancelled]);
    expect(Object.values(map)[0]!.status).toBe('cancelled');
    map = mergeOrders(map, [anOrder({ status: 'open', updatedAt: 3000 })]);
    expect(Object.values(map)[0]!.status).toBe('cancelled');
    expect(mergeOrders(map, [anOrder({ status: 'cancelled', updatedAt: 1500 })])).toBe(map);
  });

  it('counts orders of unknown outcome as open: they may be working', () => {
    expect(isOpen(anOrder({ status: 'unknown' }))).toBe(true);
    expect(isOpen(anOrder({ status: 'pending' }))).toBe(true);
    expect(isOpen(anOrder({ status: 'expired' }))).toBe(false);
  });

  it('keeps finished orders through a snapshot that no longer has them', () => {
    const rejected = anOrder({ clientOrderId: 'r', status: 'rejected' });
    const stale = anOrder({ clientOrderId: 's', status: 'open' });
    const map = resyncOrders(mergeOrders({}, [rejected, stale]), [anOrder({ clientOrderId: 'n' })]);
    expect(Object.keys(map).sort()).toEqual(['kraken|n', 'kraken|r']);
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
