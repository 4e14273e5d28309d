import { describe, expect, it } from 'vitest';
import { createAppStore } from '../../renderer/store/app-store.js';
import { loadPrefs, loadWorkspace, parsePrefs, persistPrefs, persistWorkspace, PREFS_KEY, WORKSPACE_KEY, type KeyValueStorage } from '../../renderer/persist.js';
import { FakeBridge } from './fake-bridge.js';

function memory(): KeyValueStorage & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) };
}

describe('preferences across restarts', () => {
  it('come back as they were left, under their own key beside the workspace', () => {
    const storage = memory();
    const store = createAppStore(new FakeBridge());
    persistPrefs(store, storage);
    persistWorkspace(store, storage);
    store.getState().setChartTimeZone('local');
    store.getState().setTheme('system');
    store.getState().setConfirmAmends(false);
    store.getState().selectInterval('4h');
    const prefs = loadPrefs(storage)!;
    expect(prefs).toEqual({ chartTimeZone: 'local', theme: 'system', confirmAmends: false });
    expect(loadWorkspace(storage)?.charts[0]?.interval).toBe('4h');
    expect(createAppStore(new FakeBridge(), { prefs }).getState().prefs).toEqual(prefs);
  });

  it('leave a workspace saved before they existed loading as it was, with the defaults', () => {
    const storage = memory();
    storage.setItem(WORKSPACE_KEY, JSON.stringify({ size: 2, active: 1, charts: [{ interval: '1w' }, { interval: '1h' }], watchlist: [] }));
    const w = loadWorkspace(storage)!;
    expect([w.size, w.active, w.charts[0]?.interval, w.charts[1]?.interval]).toEqual([2, 1, '1w', '1h']);
    expect(storage.data.has(PREFS_KEY)).toBe(false);
    expect(loadPrefs(storage)).toBeUndefined();
    expect(createAppStore(new FakeBridge()).getState().prefs.theme).toBe('dark');
  });

  it('fall back field by field on junk', () => {
    expect(parsePrefs('nope')).toBeUndefined();
    expect(parsePrefs('[1]')).toBeUndefined();
    expect(parsePrefs(JSON.stringify({ chartTimeZone: 'Mars/Olympus', theme: 'light', confirmAmends: 'yes' }))).toEqual({
      chartTimeZone: 'utc',
      theme: 'light',
      confirmAmends: true,
    });
  });
});
