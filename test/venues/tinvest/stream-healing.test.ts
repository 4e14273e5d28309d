/**
 * The market-data stream heals itself: after stream drops of every kind the venue produces
 * (UNAVAILABLE GOAWAY, CANCELLED RST_STREAM, RESOURCE_EXHAUSTED 80005) and after a silent
 * stall, the candle series a consumer holds equals the venue's truth, with no candle missing
 * and none sent twice or out of order.
 */
import { describe, expect, it } from 'vitest';
import type { Candle, CandleKey, Interval } from '../../../common/domain.js';
import { candleKeyId, candleOpen } from '../../../common/domain.js';
import { createTInvestVenue } from '../../../electron/venues/tinvest/adapter.js';
import { startTInvestSim } from '../../../sim/tinvest/server.js';
import type { TInvestSim } from '../../../sim/tinvest/server.js';
import { RecordingSink, plain, sleep, truth, waitFor } from './helpers.js';

const KEYS: [string, Interval][] = [
  ['SBER', '1m'],
  ['GAZP', '1m'],
  ['VTBR', '5m'],
];

function keysOf(sim: TInvestSim): { key: CandleKey; ticker: string }[] {
  return KEYS.map(([ticker, interval]) => ({
    ticker,
    key: { venue: 'tinvest', instrumentId: sim.instruments.find((i) => i.ticker === ticker)!.uid, interval },
  }));
}

/** Per key: emission never goes back in time, and a repeat of a period always carries more volume. */
function expectOrderly(emitted: Candle[]): void {
  for (let i = 1; i < emitted.length; i++) {
    const a = emitted[i - 1]!;
    const b = emitted[i]!;
    expect(b.time).toBeGreaterThanOrEqual(a.time);
    if (b.time === a.time) expect(BigInt(b.volume)).toBeGreaterThan(BigInt(a.volume));
  }
}

/** Freezes the market, waits for the stream to deliver the last state, then compares everything. */
async function expectSeriesEqualTruth(sim: TInvestSim, sink: RecordingSink, startSec: number): Promise<void> {
  // A short test can end before a symbol has traded in its window: let every key trade first,
  // so there is something to compare, then freeze the market.
  for (const { key, ticker } of keysOf(sim)) {
    const from = candleOpen(startSec, key.interval);
    await waitFor(`${ticker} to trade`, () => truth(sim.market, ticker, key.interval, from, 4e9).length > 0, 15_000);
  }
  sim.market.stop();
  for (const { key, ticker } of keysOf(sim)) {
    const from = candleOpen(startSec, key.interval);
    const want = (): ReturnType<typeof truth> => truth(sim.market, ticker, key.interval, from, 4e9);
    const got = (): ReturnType<typeof truth> => sink.series(candleKeyId(key)).filter((c) => c.time >= from).map(plain);
    await waitFor(`${ticker} ${key.interval} to settle`, () => JSON.stringify(got()) === JSON.stringify(want()), 8_000).catch(() => undefined);
    expect(want().length).toBeGreaterThan(0);
    expect(got()).toEqual(want());
    expectOrderly(sink.emitted(candleKeyId(key)));
  }
}

describe('T-Invest market-data stream healing', () => {
  it('after 50 drops of mixed kinds during live candles the series equals the venue truth', async () => {
    const sim = await startTInvestSim({ seed: 21 });
    const sink = new RecordingSink();
    const venue = createTInvestVenue({
      endpoint: sim.endpoint,
      token: sim.token,
      mode: 'demo',
      tls: false,
      sink,
      pingDelayMs: 500,
      reconnect: { baseMs: 10, maxMs: 100 },
      fillRetry: { baseMs: 20, maxMs: 200 },
    });
    try {
      await venue.connect();
      const startSec = Math.floor(Date.now() / 1000);
      for (const { key } of keysOf(sim)) venue.subscribeCandles(key);
      await waitFor('live', () => sink.state('marketdata') === 'live');

      const kinds = ['UNAVAILABLE', 'CANCELLED', '80005'] as const;
      let drops = 0;
      for (let i = 0; drops < 50; i++) {
        await waitFor('a stream to drop', () => sim.stats.streamsOpen > 0, 5_000);
        // Some drops hit a stream that is still subscribing or filling, some a live one.
        await sleep(i % 4 === 0 ? 150 : (i * 37) % 60);
        drops += sim.faults.dropStreams(kinds[i % 3]!) > 0 ? 1 : 0;
      }
      const rec = sink.record('marketdata');
      await waitFor('every drop to be seen', () => rec.reconnects >= drops, 5_000);
      await waitFor('live again', () => sink.state('marketdata') === 'live', 10_000);
      expect(rec.reconnects).toBeGreaterThanOrEqual(50);
      expect(new Set(rec.errors.map((e) => e.code))).toEqual(new Set(['UNAVAILABLE', 'CANCELLED', '80005']));
      expect(rec.malformed).toEqual([]);
      expect(sim.stats.activeSubscriptions().flatMap((s) => s.candles)).toHaveLength(KEYS.length);
      await expectSeriesEqualTruth(sim, sink, startSec);
    } finally {
      await venue.close();
      await sim.close();
    }
  });

  it('detects a silent stall with the ping watchdog, reconnects and fills the gap', async () => {
    const sim = await startTInvestSim({ seed: 22 });
    const sink = new RecordingSink();
    const venue = createTInvestVenue({
      endpoint: sim.endpoint,
      token: sim.token,
      mode: 'demo',
      tls: false,
      sink,
      pingDelayMs: 250,
      reconnect: { baseMs: 20, maxMs: 100 },
    });
    try {
      await venue.connect();
      const startSec = Math.floor(Date.now() / 1000);
      for (const { key } of keysOf(sim)) venue.subscribeCandles(key);
      await waitFor('live', () => sink.state('marketdata') === 'live');
      const candlesBefore = sink.candles.length;

      sim.faults.stallStreams(true);
      // Nothing ends the call: only silence tells.
      await waitFor('the watchdog to call the stream dead', () => sink.record('marketdata').errors.some((e) => e.code === 'stall'));
      const states = sink.record('marketdata').states.map((s) => s.state);
      expect(states).toContain('degraded');
      expect(states.at(-1)).not.toBe('live');
      await sleep(600); // trades keep happening while the venue is silent
      sim.faults.stallStreams(false);

      await waitFor('live again', () => sink.state('marketdata') === 'live');
      expect(sink.record('marketdata').reconnects).toBeGreaterThanOrEqual(1);
      expect(sink.candles.length).toBeGreaterThan(candlesBefore);
      await expectSeriesEqualTruth(sim, sink, startSec);
    } finally {
      await venue.close();
      await sim.close();
    }
  });

  it('keeps the series whole when history fails during the refill, showing degraded until it recovers', async () => {
    const sim = await startTInvestSim({ seed: 23 });
    const sink = new RecordingSink();
    const venue = createTInvestVenue({
      endpoint: sim.endpoint,
      token: sim.token,
      mode: 'demo',
      tls: false,
      sink,
      pingDelayMs: 500,
      reconnect: { baseMs: 20, maxMs: 100 },
      fillRetry: { baseMs: 50, maxMs: 100 },
    });
    try {
      await venue.connect();
      const startSec = Math.floor(Date.now() / 1000);
      for (const { key } of keysOf(sim)) venue.subscribeCandles(key);
      await waitFor('live', () => sink.state('marketdata') === 'live');
      sim.faults.failNext('GetCandles', '70002', 4);
      sim.faults.dropStreams('CANCELLED');
      await waitFor('the failures to be seen', () => sink.record('marketdata').errors.filter((e) => e.code === '70002').length >= 4);
      expect(sink.record('marketdata').states.map((s) => s.state)).toContain('degraded');
      await waitFor('live again', () => sink.state('marketdata') === 'live');
      await expectSeriesEqualTruth(sim, sink, startSec);
    } finally {
      await venue.close();
      await sim.close();
    }
  });
});
