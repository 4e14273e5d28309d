/**
 * Tick-to-screen through the real renderer path: the live session stamps each candle of a
 * batch, the frame drain and the store carry it, the series feed draws it on a chart stand-in
 * and the probe stamps the end of the frame. Frames and the clock are the test's.
 */
import { describe, expect, it } from 'vitest';
import type { SeriesTarget } from '../../renderer/components/series-feed.js';
import { followSeries } from '../../renderer/components/series-feed.js';
import { startLiveSession } from '../../renderer/live-session.js';
import { TickLatency } from '../../renderer/perf/tick-latency.js';
import { createAppStore } from '../../renderer/store/app-store.js';
import { FakeBridge } from './fake-bridge.js';
import { batch, candle, settle, snapshot, venue } from './fixtures.js';

const key = { venue: 'kraken', instrumentId: 'XXBTZUSD', interval: '1m' } as const;

/** Like lightweight-charts: an update older than the last bar throws, so the feed never makes one. */
function chart(): SeriesTarget {
  let last = -Infinity;
  return {
    candles: {
      setData: (bars) => void (last = bars[bars.length - 1]?.time ?? -Infinity),
      update: (b) => {
        if (b.time < last) throw new Error('Cannot update oldest data');
        last = b.time;
      },
    },
    volume: { setData: () => undefined, update: () => undefined },
    scrollToRealTime: () => undefined,
  };
}

async function setup() {
  let clock = 1_000_000;
  const frames: (() => void)[] = [];
  const bridge = new FakeBridge()
    .answer('session.snapshot', () => ({ ok: true, value: snapshot(0) }))
    .answer('venues.list', () => ({ ok: true, value: [venue()] }))
    .answer('diagnostics.get', () => ({ ok: true, value: [] }))
    .answer('candles.subscribe', () => ({ ok: true, value: { subscriptionId: 's' } }))
    .answer('candles.unsubscribe', () => ({ ok: true, value: null }))
    // History ends with the forming bar at 600.
    .answer('candles.history', () => ({ ok: true, value: [candle(540, '1'), candle(600, '2')] }));
  const store = createAppStore(bridge);
  const latency = new TickLatency({ now: () => clock, nextFrame: (fn) => frames.push(fn) });
  // The drain and the probe ask for frames alike; a frame runs what was asked before it.
  startLiveSession(bridge, store, { scheduleFrame: (fn) => frames.push(fn), later: () => undefined, latency, now: () => clock });
  followSeries(chart(), key, { bridge, store, onStatus: () => undefined, latency });
  await settle();
  const frame = (ms = 16) => {
    clock += ms;
    for (const fn of frames.splice(0)) fn();
  };
  frame();
  let seq = 0;
  return {
    latency,
    frame,
    wait: (ms: number) => (clock += ms),
    now: () => clock,
    /** A batch whose candles reached the main process `hopMs` before now. */
    push: (hopMs: number, ...candles: ReturnType<typeof candle>[]) =>
      bridge.push('batch', batch(++seq, { candles, sentAt: clock, candlesAgeUs: candles.map(() => hopMs * 1000) })),
  };
}

describe('tick-to-screen through the live session', () => {
  it('times from the arrival in the main process to the end of the frame that drew it, beside the arrival here', async () => {
    const { latency, frame, push } = await setup();
    push(4, candle(600, '3'));
    frame(); // drain commits, the chart draws
    frame(); // the probe stamps the frame's end
    expect(latency.stats()).toMatchObject({ count: 1, p50: 36 });
    expect(latency.windowStats()).toMatchObject({ count: 1, p50: 32 });
  });

  it('counts a coalesced bar from its oldest update not yet drawn', async () => {
    const { latency, frame, push, wait } = await setup();
    push(0, candle(600, '3'));
    wait(10);
    push(0, candle(600, '4'));
    frame();
    frame();
    expect(latency.stats()).toMatchObject({ count: 1, p50: 42 });
  });

  // The idle minute's 12 s p99: Kraken answers an ohlc subscription with a snapshot of 720 bars,
  // which the main side passes on in one batch behind the bar history already put on screen.
  // The drain showed them one bar per frame, oldest first: the live bar came 720 frames later.
  it('draws the live bar of a subscription snapshot in its first frame, not after its 720 older bars', async () => {
    const { latency, frame, push } = await setup();
    const snapshot = Array.from({ length: 720 }, (_, i) => candle(600 - 60 * (719 - i), `s${i}`));
    push(1, ...snapshot);
    frame();
    frame();
    expect(latency.stats()).toMatchObject({ count: 1, max: 33 });
  });

  // Late bars alone, older than the one on screen: stamped, never drawn; the series' next tick,
  // seconds later, must not stop their clock.
  it('leaves no clock running for bars older than the one on screen when no newer one comes with them', async () => {
    const { latency, frame, push, wait } = await setup();
    push(0, candle(480, 'old'), candle(540, 'older close'));
    for (let i = 0; i < 5; i++) frame();
    wait(12_000); // a quiet market
    push(2, candle(600, '5'));
    frame();
    frame();
    const s = latency.stats();
    expect(s.count).toBe(1);
    expect(s.max).toBeLessThan(1000);
  });

  it('times both a closed bar and the next one', async () => {
    const { latency, frame, push } = await setup();
    push(0, candle(600, '6'), candle(660, '7'));
    for (let i = 0; i < 4; i++) frame();
    // The drain shows the closed bar's final state in one frame and the new bar in the next,
    // whose flush runs ahead of the chart's draw and the probe's stamp in that frame.
    expect(latency.stats()).toMatchObject({ count: 2, p50: 32, max: 32 });
  });
});
