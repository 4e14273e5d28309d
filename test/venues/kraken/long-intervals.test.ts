/**
 * 4h and 1w candles (OHLC 240 and 10080) through the adapter, history and live. Kraken's
 * weeks are aligned to the epoch (Thursday 00:00 UTC, EPOCH_WEEK_ANCHOR), as its OHLC
 * `since`/open times count whole 10080-minute spans from 1970-01-01; the local venue does the same.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { EPOCH_WEEK_ANCHOR, candleOpen } from '../../../common/domain.js';
import { createKrakenVenue } from '../../../electron/venues/kraken/adapter.js';
import type { KrakenVenue } from '../../../electron/venues/kraken/adapter.js';
import { KRAKEN_WEEK_ANCHOR } from '../../../electron/venues/kraken/constants.js';
import { Market } from '../../../sim/market.js';
import { krakenMarketSymbols, startKrakenSim } from '../../../sim/kraken/server.js';
import type { KrakenSim } from '../../../sim/kraken/server.js';
import { RecordingSink, closeAll, tempStateDir, waitFor } from './helpers.js';

let sim: KrakenSim | undefined;
let venue: KrakenVenue | undefined;
let market: Market | undefined;
afterEach(() => closeAll(venue, sim, market));

describe('Kraken 4h and 1w candles', () => {
  it('history and live candles of both intervals, weeks opening on the epoch-aligned Thursday', { timeout: 60_000 }, async () => {
    // Weeks of history: the market's own history reaches back far enough for several weekly candles.
    market = new Market({ seed: 51, symbols: krakenMarketSymbols().map((s) => (s.symbol === 'BTC/USD' ? { ...s, tradesPerSecond: 20 } : s)), historySeconds: 21 * 86400 });
    market.start(20);
    sim = await startKrakenSim({ seed: 51, market });
    const sink = new RecordingSink();
    venue = createKrakenVenue({ rest: sim.rest, ws: sim.ws, wsAuth: sim.wsAuth, mode: 'demo', sink, stateDir: tempStateDir() });
    await venue.connect();
    expect(venue.intervals).toContain('4h');
    expect(venue.intervals).toContain('1w');
    expect(KRAKEN_WEEK_ANCHOR).toBe(EPOCH_WEEK_ANCHOR);

    const h4 = await venue.history({ venue: 'kraken', instrumentId: 'XXBTZUSD', interval: '4h', limit: 50 });
    expect(h4.length).toBeGreaterThan(20);
    for (const c of h4) expect(c.time % 14_400).toBe(0);
    const w1 = await venue.history({ venue: 'kraken', instrumentId: 'XXBTZUSD', interval: '1w', limit: 10 });
    expect(w1.length).toBeGreaterThanOrEqual(3);
    for (const c of w1) {
      expect(c.time).toBe(candleOpen(c.time, '1w', KRAKEN_WEEK_ANCHOR));
      expect(new Date(c.time * 1000).getUTCDay()).toBe(4); // Thursday
    }

    venue.subscribeCandles({ venue: 'kraken', instrumentId: 'XXBTZUSD', interval: '4h' });
    venue.subscribeCandles({ venue: 'kraken', instrumentId: 'XXBTZUSD', interval: '1w' });
    const nowSec = Date.now() / 1000;
    await waitFor('live 4h and 1w candles of now', () =>
      sink.candleLog.some((c) => c.interval === '4h' && c.time === candleOpen(nowSec, '4h')) &&
      sink.candleLog.some((c) => c.interval === '1w' && c.time === candleOpen(nowSec, '1w', KRAKEN_WEEK_ANCHOR)), 30_000);
    // The live week is the one history ends with.
    expect(sink.candleLog.filter((c) => c.interval === '1w').at(-1)!.time).toBe(w1.at(-1)!.time);
  });
});
