import { describe, expect, it } from 'vitest';
import type { Candle } from '../../common/domain.js';
import { followSeries, REFILL_EVERY_MS, type FeedStatus, type SeriesTarget } from '../../renderer/components/series-feed.js';
import { createAppStore } from '../../renderer/store/app-store.js';
import { FakeBridge } from './fake-bridge.js';
import { candle, settle } from './fixtures.js';

const key = { venue: 'kraken', instrumentId: 'XXBTZUSD', interval: '1m' } as const;

/** A chart stand-in that, like lightweight-charts, refuses an update older than its last bar. */
function fakeChart() {
  const bars: { time: number; close: number }[] = [];
  const target: SeriesTarget = {
    candles: {
      setData: (data) => bars.splice(0, bars.length, ...data.map((b) => ({ time: b.time, close: b.close }))),
      update: (b) => {
        const last = bars[bars.length - 1];
        if (last && b.time < last.time) throw new Error('Cannot update oldest data');
        if (last && last.time === b.time) bars[bars.length - 1] = { time: b.time, close: b.close };
        else bars.push({ time: b.time, close: b.close });
      },
    },
    volume: { setData: () => undefined, update: () => undefined },
    scrollToRealTime: () => undefined,
  };
  return { target, bars };
}

function setup(history: (req: { before?: number | undefined; limit?: number | undefined }) => Candle[]) {
  const bridge = new FakeBridge()
    .answer('candles.subscribe', () => ({ ok: true, value: { subscriptionId: 'sub-1' } }))
    .answer('candles.unsubscribe', () => ({ ok: true, value: null }))
    .answer('candles.history', (req) => ({ ok: true, value: history(req) }));
  const store = createAppStore(bridge);
  const chart = fakeChart();
  const statuses: FeedStatus[] = [];
  let clock = 0;
  const feed = followSeries(chart.target, key, { bridge, store, onStatus: (s) => statuses.push(s), now: () => clock });
  const live = (...candles: Candle[]) => store.getState().commitFrame({ candles, orders: [], connections: [] });
  return { bridge, store, chart, statuses, feed, stop: () => feed.stop(), live, tick: (ms: number) => (clock += ms) };
}

describe('followSeries', () => {
  it('subscribes before loading history, then applies live bars on top of it', async () => {
    const { bridge, chart, statuses, live } = setup(() => [candle(60, '1'), candle(120, '2')]);
    live(candle(120, '2.5')); // arrives while history loads: held back, applied after
    await settle();
    expect(bridge.calls.map((c) => c.method)).toEqual(['candles.subscribe', 'candles.history']);
    expect(chart.bars).toEqual([
      { time: 60, close: 1 },
      { time: 120, close: 2.5 },
    ]);
    live(candle(180, '3'));
    expect(chart.bars.at(-1)).toEqual({ time: 180, close: 3 });
    expect(statuses.at(-1)).toEqual({ state: 'ready', bars: 3, gaps: 0, olderExhausted: false });
  });

  it('never feeds the chart a bar older than the one it shows', async () => {
    const { chart, live } = setup(() => [candle(120, '2')]);
    await settle();
    live(candle(180, '3'));
    expect(() => live(candle(120, '9'))).not.toThrow();
    expect(chart.bars.at(-1)).toEqual({ time: 180, close: 3 });
  });

  it('reloads history when a live bar skips bars, at most once per refill period', async () => {
    let historyBars = [candle(60, '1')];
    const { bridge, chart, live, tick } = setup(() => historyBars);
    await settle();
    tick(REFILL_EVERY_MS);
    historyBars = [candle(60, '1'), candle(120, '2'), candle(180, '3'), candle(240, '4')];
    live(candle(240, '4'));
    await settle();
    expect(bridge.count('candles.history')).toBe(2);
    expect(chart.bars.map((b) => b.time)).toEqual([60, 120, 180, 240]);
    live(candle(420, '7')); // another gap, too soon after the last refill
    await settle();
    expect(bridge.count('candles.history')).toBe(2);
  });

  it('unsubscribes and forgets the series on cleanup, even when cleaned up before the subscription answers', async () => {
    const a = setup(() => []);
    await settle();
    a.live(candle(60, '1'));
    a.stop();
    await settle();
    expect(a.bridge.calls.filter((c) => c.method === 'candles.unsubscribe').map((c) => c.request)).toEqual([{ subscriptionId: 'sub-1' }]);
    expect(a.store.getState().lastCandles).toEqual({});

    const b = setup(() => []);
    b.stop();
    await settle();
    expect(b.bridge.count('candles.unsubscribe')).toBe(1);
    expect(b.bridge.count('candles.history')).toBe(0);
  });

  it('loads older bars before the oldest shown, keeps them through a refill, and stops when none are left', async () => {
    const all = Array.from({ length: 8 }, (_, i) => candle(60 * (i + 1), String(i + 1)));
    const page = (req: { before?: number | undefined }) => {
      const older = all.filter((c) => req.before === undefined || c.time < req.before);
      return older.slice(-3);
    };
    const { bridge, chart, feed, live, tick } = setup(page);
    await settle();
    expect(chart.bars.map((b) => b.time)).toEqual([360, 420, 480]);
    await expect(feed.loadOlder()).resolves.toBe(3);
    expect(bridge.calls.at(-1)?.request).toMatchObject({ before: 360, limit: 500 });
    expect(chart.bars.map((b) => b.time)).toEqual([180, 240, 300, 360, 420, 480]);
    await feed.loadOlder();
    await expect(feed.loadOlder()).resolves.toBe(0);
    expect(chart.bars).toHaveLength(8);
    expect(bridge.count('candles.history')).toBe(4);
    expect(await feed.loadOlder()).toBe(0); // exhausted: no more requests
    expect(bridge.count('candles.history')).toBe(4);

    // A gap refill loads the latest page again; the older pages stay under it.
    tick(REFILL_EVERY_MS);
    live(candle(600, '10'));
    await settle();
    expect(chart.bars.map((b) => b.time)).toEqual([60, 120, 180, 240, 300, 360, 420, 480, 600]);
    expect(feed.candleAt(120)?.close).toBe('2');
    expect(feed.candleAt(121)).toBeUndefined();
  });

  it('reports each live bar it drew to the latency sink, and forgets the series on stop', async () => {
    const drawn: string[] = [];
    const forgotten: string[] = [];
    const bridge = new FakeBridge()
      .answer('candles.subscribe', () => ({ ok: true, value: { subscriptionId: 's' } }))
      .answer('candles.unsubscribe', () => ({ ok: true, value: null }))
      .answer('candles.history', () => ({ ok: true, value: [candle(60, '1')] }));
    const store = createAppStore(bridge);
    const feed = followSeries(fakeChart().target, key, {
      bridge,
      store,
      onStatus: () => undefined,
      latency: { received: () => undefined, follow: () => undefined, updated: (k) => drawn.push(k), forget: (k) => forgotten.push(k) },
    });
    await settle();
    store.getState().commitFrame({ candles: [candle(120, '2')], orders: [], connections: [] });
    expect(drawn).toEqual(['kraken|XXBTZUSD|1m']);
    feed.stop();
    expect(forgotten).toEqual(['kraken|XXBTZUSD|1m']);
  });
});
