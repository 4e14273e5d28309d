import { describe, expect, it } from 'vitest';
import type { PositionPnl, TradeRecord } from '../../common/domain.js';
import type { MethodResults, Result } from '../../electron/contract.js';
import { createAppStore } from '../../renderer/store/app-store.js';
import { FakeBridge } from './fake-bridge.js';
import { anOrder, deferred, settle } from './fixtures.js';

const aTrade: TradeRecord = {
  venue: 'kraken',
  accountId: 'spot',
  tradeId: 'T1',
  instrumentId: 'XXBTZUSD',
  side: 'buy',
  quantity: '0.01',
  price: '50000',
  currency: 'usd',
  fee: '1.3',
  feeCurrency: 'usd',
  time: 1000,
};

const aPnl: PositionPnl = {
  venue: 'kraken',
  accountId: 'spot',
  instrumentId: 'XXBTZUSD',
  quantity: '0.01',
  averageCost: '50130',
  realized: '0',
  fees: '1.3',
  currency: 'usd',
  trades: 1,
};

describe('the persisted history in the renderer', () => {
  it('loads all orders, the trades and the P&L together', async () => {
    const bridge = new FakeBridge()
      .answer('orders.list', () => ({ ok: true, value: [anOrder({ status: 'filled' })] }))
      .answer('trades.list', () => ({ ok: true, value: [aTrade] }))
      .answer('positions.pnl', () => ({ ok: true, value: [aPnl] }));
    const store = createAppStore(bridge);
    expect(store.getState().history.status).toBe('idle');
    await store.getState().loadHistory();
    const h = store.getState().history;
    expect(h.status).toBe('ready');
    expect(h.data).toMatchObject({ orders: [{ status: 'filled' }], trades: [aTrade], pnl: [aPnl] });
    expect(bridge.calls.find((c) => c.method === 'trades.list')?.request).toEqual({ limit: 1000 });
  });

  it('runs one load at a time and one more for every burst of requests during it, so the last answer is the newest', async () => {
    const answers: ReturnType<typeof deferred<Result<MethodResults['positions.pnl']>>>[] = [];
    const bridge = new FakeBridge()
      .answer('orders.list', () => ({ ok: true, value: [] }))
      .answer('trades.list', () => ({ ok: true, value: [] }))
      .answer('positions.pnl', () => {
        const d = deferred<Result<MethodResults['positions.pnl']>>();
        answers.push(d);
        return d.promise;
      });
    const store = createAppStore(bridge);
    const first = store.getState().loadHistory();
    await settle();
    const during = [store.getState().loadHistory(), store.getState().loadHistory(), store.getState().loadHistory()];
    expect(bridge.count('positions.pnl')).toBe(1);
    answers[0]!.resolve({ ok: true, value: [] });
    await settle();
    await settle();
    expect(bridge.count('positions.pnl')).toBe(2);
    answers[1]!.resolve({ ok: true, value: [aPnl] });
    await Promise.all([first, ...during]);
    expect(bridge.count('positions.pnl')).toBe(2);
    expect(store.getState().history.data?.pnl).toEqual([aPnl]);
  });

  it('keeps the last good history when a refresh fails, and says why', async () => {
    let fail = false;
    const bridge = new FakeBridge()
      .answer('orders.list', () => ({ ok: true, value: [] }))
      .answer('trades.list', () => (fail ? { ok: false, code: 'unavailable', message: 'database is closed' } : { ok: true, value: [aTrade] }))
      .answer('positions.pnl', () => ({ ok: true, value: [] }));
    const store = createAppStore(bridge);
    await store.getState().loadHistory();
    fail = true;
    await store.getState().loadHistory();
    expect(store.getState().history).toMatchObject({ status: 'error', error: 'unavailable: database is closed', data: { trades: [aTrade] } });
  });

  it('hands back the CSV to save, and tells of an export that failed', async () => {
    let ok = true;
    const bridge = new FakeBridge().answer('history.exportCsv', (req) =>
      ok ? { ok: true, value: { filename: `switchboard-${req.what}-2026-12-06.csv`, csv: 'time\r\n', rows: 0 } } : { ok: false, code: 'internal', message: 'boom' },
    );
    const store = createAppStore(bridge);
    const r = await store.getState().exportHistory('trades');
    expect(r).toEqual({ ok: true, value: { filename: 'switchboard-trades-2026-12-06.csv', csv: 'time\r\n', rows: 0 } });
    expect(store.getState().toasts).toEqual([]);
    ok = false;
    expect((await store.getState().exportHistory('orders')).ok).toBe(false);
    expect(store.getState().toasts.map((t) => [t.title, t.detail])).toEqual([['Could not export orders', 'internal: boom']]);
  });
});
