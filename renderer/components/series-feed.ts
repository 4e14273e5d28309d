/**
 * The live feed of one series into the chart: history, then live updates read straight from
 * the store's per-frame commits, outside React; older history when the trader scrolls left.
 * Kept free of the chart library so it can be tested with plain objects.
 */
import type { CandlestickData, HistogramData, UTCTimestamp } from 'lightweight-charts';
import type { BridgeApi } from '../../electron/contract.js';
import type { Candle, CandleKey } from '../../common/domain.js';
import type { LatencySink } from '../perf/tick-latency.js';
import type { AppStore } from '../store/app-store.js';
import { INTERVAL_SECONDS } from '../../common/domain.js';
import { seriesKey } from '../store/series-key.js';
import { historyBars, toBar, toChartBars, toVolumeBar } from './chart-bars.js';

/** Bars per history request: the first load and each older page. */
export const HISTORY_BARS = 500;
/**
 * Scrolling back stops here: update() costs grow with the series (about 1 ms at 100k bars),
 * and the live series must stay cheap.
 */
export const MAX_BARS = 20_000;

/** What the feed needs of a chart. */
export interface SeriesTarget {
  candles: { setData(bars: CandlestickData<UTCTimestamp>[]): void; update(bar: CandlestickData<UTCTimestamp>): void };
  volume: { setData(bars: HistogramData<UTCTimestamp>[]): void; update(bar: HistogramData<UTCTimestamp>): void };
  scrollToRealTime(): void;
}

export type FeedStatus =
  | { state: 'loading' }
  /** `gaps`: places where the bars on the chart skip one or more bars (quiet markets skip bars too). */
  | { state: 'ready'; bars: number; gaps: number; olderExhausted: boolean }
  | { state: 'error'; message: string };

export interface FeedDeps {
  bridge: BridgeApi;
  store: AppStore;
  onStatus(status: FeedStatus): void;
  now?: () => number;
  latency?: LatencySink;
}

export interface SeriesFeed {
  /** Unsubscribes and forgets the series. */
  stop(): void;
  /** Loads the page of bars before the oldest shown; resolves with how many came (0: none left or busy). */
  loadOlder(): Promise<number>;
  /** The exact candle at a bar time, for the crosshair legend. */
  candleAt(time: number): Candle | undefined;
  /** Bars on the chart now. */
  size(): number;
}

/** A gap is refilled from history at most this often per series (quiet markets skip bars too). */
export const REFILL_EVERY_MS = 15_000;

/** How many times consecutive bars are further apart than one bar. */
export function countGaps(bars: readonly Candle[], span: number): number {
  let gaps = 0;
  for (let i = 1; i < bars.length; i++) if (bars[i]!.time - bars[i - 1]!.time > span) gaps += 1;
  return gaps;
}

function indexOfTime(bars: readonly Candle[], time: number): number {
  let lo = 0;
  let hi = bars.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const t = bars[mid]!.time;
    if (t === time) return mid;
    if (t < time) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/**
 * Subscribes first and loads history second, so no live bar falls between the two; live
 * candles are held back until history is on the chart. A live bar that skips bars (after a
 * venue reconnect, its backfill is coalesced away on the bridge) reloads the latest history
 * under the older bars already loaded, so the chart ends up equal to the venue's series.
 */
export function followSeries(view: SeriesTarget, key: CandleKey, deps: FeedDeps): SeriesFeed {
  const { bridge, store } = deps;
  const id = seriesKey(key);
  const span = INTERVAL_SECONDS[key.interval];
  const now = deps.now ?? Date.now;
  /** The bars on the chart, exact, oldest first. */
  let bars: Candle[] = [];
  let cancelled = false;
  let ready = false;
  let subscriptionId: string | undefined;
  let subscribed = false;
  let refilling = false;
  let lastRefill = -Infinity;
  let loadingOlder = false;
  let olderExhausted = false;
  let gaps = 0;

  const lastTime = () => bars[bars.length - 1]?.time ?? -Infinity;
  const status = () => {
    if (subscribed) deps.onStatus({ state: 'ready', bars: bars.length, gaps, olderExhausted });
  };
  const draw = () => {
    gaps = countGaps(bars, span);
    const { bars: candleBars, volumes } = toChartBars(bars);
    view.candles.setData(candleBars);
    view.volume.setData(volumes);
  };

  const apply = (c: Candle) => {
    const last = lastTime();
    if (c.time < last) return; // update() throws on an earlier bar
    const skipped = Number.isFinite(last) && c.time - last > span;
    view.candles.update(toBar(c));
    view.volume.update(toVolumeBar(c));
    deps.latency?.updated(id, c.time);
    if (c.time === last) {
      bars[bars.length - 1] = c;
      return;
    }
    bars.push(c);
    if (skipped) gaps += 1;
    // A new bar: once per bar, cheap enough to tell React how the series stands.
    status();
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
    const latest = historyBars(history.value);
    const from = latest[0]?.time ?? Infinity;
    // Older pages loaded by scrolling stay; the latest page replaces what it covers.
    bars = [...bars.filter((b) => b.time < from), ...latest];
    draw();
    const last = bars[bars.length - 1];
    if (!ready) {
      view.scrollToRealTime();
      // Live from here on: its ticks are timed to the screen.
      deps.latency?.follow(id);
    }
    ready = true;
    status();
    // Live bars newer than the history (or arrived while it loaded) go back on top.
    const live = store.getState().lastCandles[id];
    if (live && live.time >= lastTime()) apply(live);
    else if (last) store.getState().seedCandle(last);
  };

  const loadOlder = async (): Promise<number> => {
    const first = bars[0];
    if (!ready || loadingOlder || olderExhausted || !first || cancelled) return 0;
    if (bars.length >= MAX_BARS) {
      olderExhausted = true;
      status();
      return 0;
    }
    loadingOlder = true;
    const page = await bridge.invoke('candles.history', { ...key, before: first.time, limit: HISTORY_BARS });
    loadingOlder = false;
    if (cancelled || !page.ok) return 0;
    const oldest = bars[0]?.time ?? Infinity;
    const older = historyBars(page.value).filter((c) => c.time < oldest);
    if (older.length === 0) {
      olderExhausted = true;
      status();
      return 0;
    }
    bars = [...older, ...bars];
    // The chart keeps its distance from the newest bar, so what the trader looks at stays put.
    draw();
    status();
    return older.length;
  };

  // Transient subscription: runs on the store's once-per-frame commit, never re-renders React.
  const unsubscribeStore = store.subscribe((state, prev) => {
    if (!ready) return;
    const c = state.lastCandles[id];
    // The seeded last bar of history is already drawn.
    if (c && c !== prev.lastCandles[id] && c !== bars[bars.length - 1]) apply(c);
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

  return {
    stop() {
      cancelled = true;
      unsubscribeStore();
      if (subscriptionId) void bridge.invoke('candles.unsubscribe', { subscriptionId });
      store.getState().forgetCandles(id);
      if (ready) deps.latency?.forget(id);
    },
    loadOlder,
    candleAt(time) {
      const i = indexOfTime(bars, time);
      return i >= 0 ? bars[i] : undefined;
    },
    size: () => bars.length,
  };
}
