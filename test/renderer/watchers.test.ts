import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Portfolio } from '../../common/domain.js';
import { createAppStore } from '../../renderer/store/app-store.js';
import { PORTFOLIO_REFRESH_DELAY_MS } from '../../renderer/store/portfolio.js';
import { watchSession } from '../../renderer/store/watchers.js';
import { FakeBridge } from './fake-bridge.js';
import { anOrder, instrument, settle, venue } from './fixtures.js';

const account = { venue: 'kraken' as const, id: 'spot', name: 'Spot' };

function setup() {
  let btc = '1';
  const bridge = new FakeBridge()
    .answer('venues.list', () => ({ ok: true, value: [venue({ accounts: [account] })] }))
    .answer('orders.list', () => ({ ok: true, value: [] }))
    .answer('instruments.search', () => ({ ok: true, value: [instrument('XXBTZUSD', 'BTC/USD')] }))
    .answer('portfolio.get', (r) => {
      const p: Portfolio = {
        venue: r.venue,
        accountId: r.accountId,
        positions: [{ venue: 'kraken', accountId: 'spot', asset: 'BTC', quantity: btc, blocked: '0' }],
        at: 1,
      };
      return { ok: true, value: p };
    });
  const store = createAppStore(bridge);
  store.getState().rememberInstruments([instrument('XXBTZUSD', 'BTC/USD')]);
  const stop = watchSession(store, 0);
  const frame = (orders = [anOrder()]) => store.getState().commitFrame({ candles: [], orders, connections: [] });
  return { bridge, store, stop, frame, setBtc: (v: string) => (btc = v) };
}

describe('watching the session', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('tells of each fill once and asks for the account\'s positions again after a burst of fills', async () => {
    vi.useFakeTimers();
    const { bridge, store, frame, setBtc } = setup();
    frame([anOrder()]);
    const fill = (id: string, qty: string) => ({ tradeId: id, price: '50000.0', quantity: qty, time: 5000 });
    setBtc('1.004');
    frame([anOrder({ status: 'partially-filled', filledQuantity: '0.004', fills: [fill('T1', '0.004')], updatedAt: 2000 })]);
    frame([
      anOrder({ status: 'filled', filledQuantity: '0.01', fills: [fill('T1', '0.004'), fill('T2', '0.006')], updatedAt: 3000 }),
    ]);
    setBtc('1.01');
    expect(store.getState().toasts.map((t) => t.detail)).toEqual([
      'Buy 0.004 BTC/USD @ 50000.0',
      'Buy 0.006 BTC/USD @ 50000.0',
    ]);
    await vi.advanceTimersByTimeAsync(PORTFOLIO_REFRESH_DELAY_MS);
    expect(bridge.count('portfolio.get')).toBe(1);
    expect(store.getState().portfolios['kraken|spot']?.portfolio?.positions[0]?.quantity).toBe('1.01');
  });

  it('tells of a rejection with the venue\'s code once, and of an order whose outcome is unknown', () => {
    const { store, frame } = setup();
    const rejected = anOrder({ status: 'rejected', reason: { code: 'EOrder:Insufficient funds', message: 'Insufficient funds' }, updatedAt: 2000 });
    frame([rejected]);
    frame([{ ...rejected, updatedAt: 2001 }]);
    frame([anOrder({ clientOrderId: 'u', status: 'unknown', updatedAt: 2000 })]);
    const toasts = store.getState().toasts;
    expect(toasts.map((t) => t.title)).toEqual(['Rejected by Kraken', 'Outcome unknown on Kraken']);
    expect(toasts[0]!.detail).toContain('EOrder:Insufficient funds: Insufficient funds');
    // The venue told: the sticky notice goes.
    frame([anOrder({ clientOrderId: 'u', status: 'open', updatedAt: 3000 })]);
    expect(store.getState().toasts.map((t) => t.title)).toEqual(['Rejected by Kraken']);
  });

  it('tells of a venue dropping and coming back, and reloads its accounts, orders and positions when live', async () => {
    const { bridge, store } = setup();
    await store.getState().loadVenues();
    await settle();
    // As the hub sends it: the connection's change, then the venue state it adds up to.
    const change = (state: 'live' | 'reconnecting', at: number) =>
      store.getState().commitFrame({
        candles: [],
        orders: [],
        connections: [
          { venue: 'kraken', connection: 'ws-public', state, at, reason: 'socket closed' },
          { venue: 'kraken', connection: 'venue', state, at, reason: 'ws-public: socket closed' },
        ],
      });
    const listsBefore = bridge.count('orders.list');
    change('reconnecting', 10);
    change('live', 20);
    await settle();
    expect(store.getState().toasts.map((t) => t.title)).toEqual(['Kraken reconnecting', 'Kraken is live again']);
    expect(store.getState().toasts[0]!.detail).toBe('ws-public: socket closed');
    expect(bridge.count('orders.list')).toBe(listsBefore + 1);
    expect(bridge.count('portfolio.get')).toBeGreaterThan(0);
  });
});
