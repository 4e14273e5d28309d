/** The series feed on the long timeframes (4h, 1w): bars a week apart are not gaps; a missing week is. */
import { describe, expect, it } from 'vitest';
import { candleOpen, type Candle, type Interval } from '../../common/domain.js';
import { countGaps, followSeries, REFILL_EVERY_MS, type FeedStatus } from '../../renderer/components/series-feed.js';
import { createAppStore } from '../../renderer/store/app-store.js';
import { FakeBridge } from './fake-bridge.js';
import { candle, settle } from './fixtures.js';

const WEEK = 7 * 86400;
const monday = (n: number) => candleOpen(Date.UTC(2026, 0, 5) / 1000, '1w') + n * WEEK;

function setup(interval: Interval, history: (before?: number) => Candle[]) {
  const bridge = new FakeBridge()
    .answer('candles.subscribe', () => ({ ok: true, value: { subscriptionId: 's' } }))
    .answer('candles.unsubscribe', () => ({ ok: true, value: null }))
    .answer('candles.history', (req) => ({ ok: true, value: history(req.before) }));
  const store = createAppStore(bridge);
  const times: number[] = [];
  const statuses: FeedStatus[] = [];
  let clock = 0;
  const target = {
    candles: { setData: (d: { time: number }[]) => void times.splice(0, times.length, ...d.map((b) => b.time)), update: (b: { time: number }) => void (times.at(-1) === b.time ? undefined : times.push(b.time)) },
    volume: { setData: () => undefined, update: () => undefined },
    scrollToRealTime: () => undefined,
  };
  const feed = followSeries(target, { venue: 'tinvest', instrumentId: 'sber', interval }, { bridge, store, onStatus: (s) => statuses.push(s), now: () => clock });
  const live = (c: Candle) => store.getState().commitFrame({ candles: [c], orders: [], connections: [] });
  return { bridge, feed, times, statuses, live, tick: (ms: number) => (clock += ms) };
}

const wk = (n: number, close = '1') => candle(monday(n), close, { venue: 'tinvest', instrumentId: 'sber', interval: '1w' });

describe('the series feed on long timeframes', () => {
  it('counts weekly bars a week apart as no gap, and a missing week as one', () => {
    expect(countGaps([wk(0), wk(1), wk(2)], WEEK)).toBe(0);
    expect(countGaps([wk(0), wk(2)], WEEK)).toBe(1);
    const h4 = (n: number) => candle(n * 14400, '1', { interval: '4h' });
    expect(countGaps([h4(0), h4(1), h4(3)], 14400)).toBe(1);
  });

  it('loads weekly history, takes the forming week live, and refills when a live week skips one', async () => {
    let history = [wk(0), wk(1), wk(2)];
    const { bridge, times, statuses, live, tick } = setup('1w', () => history);
    await settle();
    expect(times).toEqual([monday(0), monday(1), monday(2)]);
    live(wk(2, '2')); // the forming week changes in place
    expect(times).toEqual([monday(0), monday(1), monday(2)]);
    live(wk(3));
    expect(statuses.at(-1)).toEqual({ state: 'ready', bars: 4, gaps: 0, olderExhausted: false });
    tick(REFILL_EVERY_MS);
    history = [wk(0), wk(1), wk(2), wk(3), wk(4), wk(5)];
    live(wk(5)); // week 4 went by while the link was down
    await settle();
    expect(bridge.count('candles.history')).toBe(2);
    expect(times).toEqual([0, 1, 2, 3, 4, 5].map(monday));
  });

  it('pages older weeks before the oldest shown', async () => {
    const { feed, times, bridge } = setup('1w', (before) => (before === undefined ? [wk(10), wk(11)] : [wk(8), wk(9)].filter((c) => c.time < before)));
    await settle();
    expect(await feed.loadOlder()).toBe(2);
    expect(times).toEqual([8, 9, 10, 11].map(monday));
    expect(bridge.calls.at(-1)?.request).toMatchObject({ interval: '1w', before: monday(10) });
  });
});
