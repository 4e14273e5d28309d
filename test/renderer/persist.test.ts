import { describe, expect, it } from 'vitest';
import { createAppStore } from '../../renderer/store/app-store.js';
import { loadWorkspace, parseWorkspace, persistWorkspace, WORKSPACE_KEY, type KeyValueStorage } from '../../renderer/persist.js';
import { FakeBridge } from './fake-bridge.js';
import { instrument } from './fixtures.js';

function memory(): KeyValueStorage & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) };
}

describe('the workspace across restarts', () => {
  it('comes back as it was left: layout, active chart, instruments, intervals and watchlist', () => {
    const storage = memory();
    const store = createAppStore(new FakeBridge());
    persistWorkspace(store, storage);
    const eth = instrument('XETHZUSD', 'ETH/USD');
    store.getState().setLayoutSize(4);
    store.getState().selectInstrument(eth, 2);
    store.getState().selectInterval('1h', 2);
    store.getState().activateChart(2);
    store.getState().addToWatchlist(eth);
    store.getState().setOneClick(true);

    const again = loadWorkspace(storage)!;
    expect(again.size).toBe(4);
    expect(again.active).toBe(2);
    expect(again.charts[2]).toEqual({ venue: 'kraken', instrument: eth, interval: '1h' });
    expect(again.watchlist).toEqual([eth]);
    // One-click is a safety switch: a restart always starts with confirmations on.
    expect(storage.data.get(WORKSPACE_KEY)).not.toContain('oneClick');
    expect(createAppStore(new FakeBridge(), { workspace: again }).getState().oneClick).toBe(false);
  });

  it('falls back to the default on junk, and drops what does not check out field by field', () => {
    expect(parseWorkspace('not json')).toBeUndefined();
    expect(parseWorkspace('[]')).toBeUndefined();
    const w = parseWorkspace(
      JSON.stringify({
        size: 3,
        active: 7,
        charts: [{ interval: '2m', instrument: { venue: 'kraken', id: 'X' } }, { venue: 'nowhere' }, { venue: 'tinvest', interval: '5m' }],
        watchlist: [{ venue: 'kraken' }, instrument('XXBTZUSD', 'BTC/USD', { priceStep: '1e-1' })],
      }),
    )!;
    expect(w.size).toBe(2);
    expect(w.active).toBe(0);
    expect(w.charts).toEqual([{ interval: '1m' }, { interval: '1m' }, { venue: 'tinvest', interval: '5m' }, { interval: '1m' }]);
    expect(w.watchlist).toEqual([]);
  });

  it('starts from the default when storage refuses to be read', () => {
    const refusing: KeyValueStorage = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => undefined,
    };
    expect(loadWorkspace(refusing)).toBeUndefined();
  });
});
