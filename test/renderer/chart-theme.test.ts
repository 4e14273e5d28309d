import { describe, expect, it } from 'vitest';
import { applyChartTheme, CHART_PALETTES, contrast, type ThemedChart } from '../../renderer/components/chart-theme.js';
import { createAppStore } from '../../renderer/store/app-store.js';
import { resolveTheme } from '../../renderer/store/prefs.js';
import { FakeBridge } from './fake-bridge.js';

describe('themes', () => {
  it('keep buy, sell and text readable on the chart’s background in both themes', () => {
    for (const theme of ['dark', 'light'] as const) {
      const p = CHART_PALETTES[theme];
      // WCAG: 3:1 for graphics (candles, lines, markers), 4.5:1 for text.
      expect(contrast(p.up, p.background), `${theme} up`).toBeGreaterThanOrEqual(3);
      expect(contrast(p.down, p.background), `${theme} down`).toBeGreaterThanOrEqual(3);
      expect(contrast(p.text, p.background), `${theme} text`).toBeGreaterThanOrEqual(4.5);
      expect(contrast(p.unknown, p.background), `${theme} unknown`).toBeGreaterThanOrEqual(3);
    }
    // The reason the light theme has its own greens and reds: the dark theme's teal fails on white.
    expect(contrast(CHART_PALETTES.dark.up, CHART_PALETTES.light.background)).toBeLessThan(3);
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5);
  });

  it('follows the OS only when the trader chose "system"', () => {
    expect(resolveTheme('system', true)).toBe('light');
    expect(resolveTheme('system', false)).toBe('dark');
    expect(resolveTheme('dark', true)).toBe('dark');
    expect(resolveTheme('light', false)).toBe('light');
  });

  it('re-colours a live chart in place: background, text, grid and candles', () => {
    const applied: { chart: unknown[]; candles: unknown[] } = { chart: [], candles: [] };
    const view = {
      chart: { applyOptions: (o: unknown) => applied.chart.push(o) },
      candles: { applyOptions: (o: unknown) => applied.candles.push(o) },
    } as unknown as ThemedChart;
    applyChartTheme(view, 'light');
    expect(applied.chart).toMatchObject([{ layout: { background: { color: '#ffffff' }, textColor: '#1f2430' }, grid: { vertLines: { color: '#eceff3' } } }]);
    expect(applied.candles).toEqual([{ upColor: '#00796b', downColor: '#c62828', wickUpColor: '#00796b', wickDownColor: '#c62828' }]);
    applyChartTheme(view, 'dark');
    expect(applied.candles.at(-1)).toMatchObject({ upColor: '#26a69a' });
  });

  it('is a preference the store keeps and switches', () => {
    const store = createAppStore(new FakeBridge());
    expect(store.getState().prefs).toEqual({ chartTimeZone: 'utc', theme: 'dark', confirmAmends: true });
    store.getState().setTheme('light');
    store.getState().setChartTimeZone('exchange');
    store.getState().setConfirmAmends(false);
    expect(store.getState().prefs).toEqual({ chartTimeZone: 'exchange', theme: 'light', confirmAmends: false });
  });
});
