import { afterEach, describe, expect, it } from 'vitest';
import { createKrakenVenue } from '../../../electron/venues/kraken/adapter.js';
import type { KrakenVenue } from '../../../electron/venues/kraken/adapter.js';
import { Market } from '../../../sim/market.js';
import { krakenMarketSymbols, startKrakenSim } from '../../../sim/kraken/server.js';
import type { KrakenSim } from '../../../sim/kraken/server.js';
import { RecordingSink, fastClock, tempStateDir, closeAll } from './helpers.js';

let sim: KrakenSim | undefined;
let venue: KrakenVenue | undefined;
let market: Market | undefined;
afterEach(() => closeAll(venue, sim, market));

describe('Kraken rate limits', () => {
  it('300 orders on one pair in a burst all go in with zero rate-limit errors from the venue', { timeout: 120_000 }, async () => {
    // Intermediate tier (125, −2.34/s) on a clock 10× real time shared by the venue and us:
    // 300 adds need ~75 venue seconds of decay, ~8 s here.
    const now = fastClock(10);
    market = new Market({ seed: 31, symbols: krakenMarketSymbols() });
    sim = await startKrakenSim({ seed: 31, market, tier: 'intermediate', now });
    const sink = new RecordingSink();
    venue = createKrakenVenue({
      rest: sim.rest, ws: sim.ws, wsAuth: sim.wsAuth, apiKey: sim.apiKey, apiSecret: sim.apiSecret,
      mode: 'demo', sink, stateDir: tempStateDir(), tier: 'intermediate', now,
    });
    await venue.connect();
    const v = venue;
    const placed = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        v.placeOrder({
          venue: 'kraken', accountId: 'spot', instrumentId: 'XETHZUSD', side: 'buy', type: 'limit',
          quantity: '0.002', price: (1000 + (i % 50) / 100).toFixed(2), clientOrderId: `burst-${i}`,
        }),
      ),
    );
    expect(placed.every((o) => o.venueOrderId !== undefined)).toBe(true);
    expect(sim.record.errorCount('EOrder:Rate limit exceeded')).toBe(0);
    expect(sim.record.errorCount('EAPI:Rate limit exceeded')).toBe(0);
    const onVenue = [...sim.record.orders.values()].filter((o) => o.clOrdId?.startsWith('burst-'));
    expect(onVenue).toHaveLength(300);
    expect(new Set(onVenue.map((o) => o.clOrdId)).size).toBe(300);
    expect(onVenue.every((o) => o.status === 'open')).toBe(true);
    // The requests really queued: the limiter showed waiting orders while the burst went out.
    expect(sim.record.tradingCounter('XETHZUSD')).toBeLessThanOrEqual(125);
    expect(sink.conn('ws-private').limiters.some((l) => l.name === 'trading:XETHZUSD')).toBe(true);
  });
});
