/**
 * 4-hour and weekly candles of the T-Invest venue against the local venue: history equals the
 * market's own candles (weeks opening on Monday, as MOEX's do), and both stream live.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatScaled } from '../../../common/decimal.js';
import { candleOpen } from '../../../common/domain.js';
import type { Venue } from '../../../electron/venues/venue.js';
import { createTInvestVenue } from '../../../electron/venues/tinvest/adapter.js';
import { periodCandles } from '../../../sim/tinvest/candles.js';
import { startTInvestSim } from '../../../sim/tinvest/server.js';
import type { TInvestSim } from '../../../sim/tinvest/server.js';
import { RecordingSink, plain, truth, waitFor } from './helpers.js';

let sim: TInvestSim;
let sink: RecordingSink;
let venue: Venue;
let uid = '';

beforeAll(async () => {
  sim = await startTInvestSim({ seed: 19 });
  sink = new RecordingSink();
  venue = createTInvestVenue({ endpoint: sim.endpoint, token: sim.token, mode: 'demo', tls: false, sink, pingDelayMs: 500 });
  await venue.connect();
  uid = sim.instruments.find((i) => i.ticker === 'SBER')?.uid ?? '';
});

afterAll(async () => {
  await venue.close();
  await sim.close();
});

describe('T-Invest 4h and 1w', () => {
  it('offers both intervals', () => {
    expect(venue.intervals).toEqual(expect.arrayContaining(['4h', '1w']));
  });

  it('loads 4-hour history equal to the market candles (closed periods)', async () => {
    const nowSec = Math.floor(Date.now() / 1000);
    const open = candleOpen(nowSec, '4h');
    const got = await venue.history({ venue: 'tinvest', instrumentId: uid, interval: '4h', before: open, limit: 700 });
    const want = truth(sim.market, 'SBER', '4h', 0, open);
    expect(want.length).toBeGreaterThan(5);
    expect(got.map(plain)).toEqual(want);
  });

  it('loads weekly history whose candles open on Monday and sum the days of their week', async () => {
    const got = await venue.history({ venue: 'tinvest', instrumentId: uid, interval: '1w', limit: 10 });
    expect(got.length).toBeGreaterThan(0);
    const { priceScale } = sim.market.info('SBER');
    const want = periodCandles(sim.market, 'SBER', 'week', 0, Math.floor(Date.now() / 1000) + 1).map((c) => ({
      time: c.time,
      open: formatScaled(c.open, priceScale),
      high: formatScaled(c.high, priceScale),
      low: formatScaled(c.low, priceScale),
      close: formatScaled(c.close, priceScale),
      volume: c.volume.toString(),
    }));
    for (const c of got) {
      expect(new Date(c.time * 1000).getUTCDay()).toBe(1);
      expect(c.time).toBe(candleOpen(c.time, '1w'));
    }
    // The forming week moves on while the test runs: compare its open and the closed weeks.
    expect(got.slice(0, -1).map(plain)).toEqual(want.slice(0, got.length - 1));
    expect(got.at(-1)?.open).toBe(want.at(-1)?.open);
  });

  it('streams live weekly and 4-hour candles for the period now forming', async () => {
    venue.subscribeCandles({ venue: 'tinvest', instrumentId: uid, interval: '1w' });
    venue.subscribeCandles({ venue: 'tinvest', instrumentId: uid, interval: '4h' });
    await waitFor('live 1w and 4h candles', () => sink.candles.some((c) => c.interval === '1w') && sink.candles.some((c) => c.interval === '4h'), 30_000);
    const nowSec = Math.floor(Date.now() / 1000);
    const week = sink.candles.filter((c) => c.interval === '1w').at(-1)!;
    expect(week.time).toBe(candleOpen(nowSec, '1w'));
    expect(sink.candles.filter((c) => c.interval === '4h').at(-1)?.time).toBe(candleOpen(nowSec, '4h'));
    expect(sink.subscriptionFailures).toEqual([]);
  });
});
