/**
 * The live feed of one series into the chart: history, then live updates read straight from
 * the store's per-frame commits, outside React. Kept free of the chart library so it can be
 * tested with plain objects.
 */
import type { CandlestickData, HistogramData, UTCTimestamp } from 'lightweight-charts';
import type { BridgeApi } from '../../electron/contract.js';
import type { Candle, CandleKey } from '../../electron/domain.js';
import type { AppStore } from '../store/app-store.js';
import { INTERVAL_SECONDS, seriesKey } from '../store/series-key.js';
import { historyBars, toBar, toVolumeBar } from './chart-bars.js';

/** Bars loaded for a series; older ones would come on scroll, keeping updates cheap. */
export const HISTORY_BARS = 500;

/** What the feed needs of a chart. */
export interface SeriesTarget {
  candles: { setData(bars: CandlestickData<UTCTimestamp>[]): void; update(bar: CandlestickData<UTCTimestamp>): void };
  volume: { setData(bars: HistogramData<UTCTimestamp>[]): void; update(bar: HistogramData<UTCTimestamp>): void };
  scrollToRealTime(): void;
}

export type FeedStatus = { state: 'loading' } | { state: 'ready'; bars: number } | { state: 'error'; message: string };

export interface FeedDeps {
  bridge: BridgeApi;
  store: AppStore;
  onStatus(status: FeedStatus): void;
  now?: () => number;
}

/** A gap is refilled from history at most this often per series (quiet markets skip bars too). */
export const REFILL_EVERY_MS = 15_000;

/**
 * Subscribes first and loads history second, so no live bar falls between the two; live
 * candles are held back until history is on the chart. A live bar that skips bars (after a
 * venue reconnect, its backfill is coalesced away on the bridge) reloads history, so the
 * chart ends up equal to the venue's series. Returns the cleanup: unsubscribe, forget the series.
 */
export function followSeries(view: SeriesTarget, key: CandleKey, deps: FeedDeps): () => void {
  const { bridge, store } = deps;
  const id = seriesKey(key);
  const span = INTERVAL_SECONDS[key.interval];
  const now = deps.now ?? Date.now;
  let cancelled = false;
  let ready = false;
  let lastTime = -Infinity;
  let subscriptionId: string | undefined;
  let subscribed = false;
  let refilling = false;
  let lastRefill = -Infinity;

  const apply = (c: Candle) => {
    if (c.time < lastTime) return; // update() throws on an earlier bar
    const skipped = Number.isFinite(lastTime) && c.time - lastTime > span;
    view.candles.update(toBar(c));
    view.volume.update(toVolumeBar(c));
    lastTime = c.time;
    if (skipped && !refilling && now() - lastRefill >= REFILL_EVERY_MS) void loadHistory();
  };

  const loadHistory = async (): Promise<void> => {
    refilling = true;
    lastRefill = now();
    const history = await bridge.invoke('candles.history', { ...key, limit: HISTORY_BARS });
    refilling = false;
    if (cancelled) return;
    if (!history.ok) {
      deps.onStatus({ state: 'error', message: `History unavailable: ${history.message}` });
      return;
    }
    const bars = historyBars(history.value);
    view.candles.setData(bars.map(toBar));
    view.volume.setData(bars.map(toVolumeBar));
    const last = bars[bars.length - 1];
    lastTime = last?.time ?? -Infinity;
    if (!ready) view.scrollToRealTime();
    ready = true;
    if (subscribed) deps.onStatus({ state: 'ready', bars: bars.length });
    // Live bars newer than the history (or arrived while it loaded) go back on top.
    const live = store.getState().lastCandles[id];
    if (live && live.time >= lastTime) apply(live);
    else if (last) store.getState().seedCandle(last);
  };

  // Transient subscription: runs on the store's once-per-frame commit, never re-renders React.
  const unsubscribeStore = store.subscribe((state, prev) => {
    if (!ready) return;
    const c = state.lastCandles[id];
    if (c && c !== prev.lastCandles[id]) apply(c);
  });

  view.candles.setData([]);
  view.volume.setData([]);
  deps.onStatus({ state: 'loading' });

  void (async () => {
    const sub = await bridge.invoke('candles.subscribe', key);
    if (cancelled) {
      if (sub.ok) void bridge.invoke('candles.unsubscribe', { subscriptionId: sub.value.subscriptionId });
      return;
    }
    if (sub.ok) {
      subscriptionId = sub.value.subscriptionId;
      subscribed = true;
    } else {
      deps.onStatus({ state: 'error', message: `Live candles unavailable: ${sub.message}` });
    }
    await loadHistory();
  })();

  return () => {
    cancelled = true;
    unsubscribeStore();
    if (subscriptionId) void bridge.invoke('candles.unsubscribe', { subscriptionId });
    store.getState().forgetCandles(id);
  };
}
