/**
 * Cancels always get through (issue 9 item 5): neither a full trading counter nor a queue of
 * placements waiting for it may hold a cancel or cancel-all back, and cancel-all ends in
 * bounded time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createKrakenVenue } from '../../../electron/venues/kraken/adapter.js';
import type { KrakenVenue } from '../../../electron/venues/kraken/adapter.js';
import { KrakenLimits } from '../../../electron/venues/kraken/limits.js';
import type { OrderEvidence } from '../../../common/domain.js';
import { Market } from '../../../sim/market.js';
import { krakenMarketSymbols, startKrakenSim } from '../../../sim/kraken/server.js';
import type { KrakenSim } from '../../../sim/kraken/server.js';
import { RecordingSink, closeAll, tempStateDir, waitFor } from './helpers.js';

let sim: KrakenSim | undefined;
let venue: KrakenVenue | undefined;
let market: Market | undefined;
afterEach(() => closeAll(venue, sim, market));

describe('Kraken cancels', () => {
  it('a saturated trading counter with placements queued behind it does not hold a cancel back', async () => {
    const limits = new KrakenLimits({ tier: 'starter', now: () => 0 });
    limits.pair('XETHZUSD').saturate();
    const add = limits.addOrder('XETHZUSD');
    let addLanded = false;
    void add.then(
      () => (addLanded = true),
      () => undefined,
    );
    let cancelled = false;
    void limits.cancelOrder('XETHZUSD', 1_000).then((landed) => {
      landed();
      cancelled = true;
    });
    let all = false;
    void limits.cancelAll(['XETHZUSD']).then((l) => {
      for (const x of l) x();
      all = true;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(addLanded).toBe(false);
    expect(cancelled).toBe(true);
    expect(all).toBe(true);
    limits.close();
    await add.catch(() => undefined);
  });

  it('cancel-all ends while 150 placements wait for the trading counter, and they never block it', { timeout: 120_000 }, async () => {
    market = new Market({ seed: 71, symbols: krakenMarketSymbols() });
    sim = await startKrakenSim({ seed: 71, market });
    const sink = new RecordingSink();
    venue = createKrakenVenue({
      rest: sim.rest, ws: sim.ws, wsAuth: sim.wsAuth, apiKey: sim.apiKey, apiSecret: sim.apiSecret,
      mode: 'demo', sink, stateDir: tempStateDir(),
    });
    await venue.connect();
    const v = venue;
    const order = (i: number): Promise<OrderEvidence> =>
      v.placeOrder({
        venue: 'kraken', accountId: 'spot', instrumentId: 'XETHZUSD', side: 'buy', type: 'limit',
        quantity: '0.002', price: (1000 + (i % 50) / 100).toFixed(2), clientOrderId: `rest-${i}`,
      });
    await order(0);
    // Starter tier: 60 on the counter, −1/s. 150 more adds fill it and queue behind it for minutes.
    const queued = Array.from({ length: 150 }, (_, i) => order(i + 1).catch(() => undefined));
    await waitFor('the counter full', () => sink.conn('ws-private').limiters.some((l) => l.name === 'trading:XETHZUSD' && l.queued > 50), 30_000);
    let settled = 0;
    for (const q of queued) void q.then(() => settled++);
    const started = Date.now();
    const count = await v.cancelAll('spot');
    const took = Date.now() - started;
    console.log(`kraken cancel-all with 150 placements queued: ${count} cancelled in ${took} ms, ${settled} placements settled meanwhile`);
    expect(count).toBeGreaterThan(0);
    // It went out ahead of the queue: most placements were still waiting for the counter.
    expect(settled).toBeLessThan(100);
    // The adapter's own bound is 20 s; before the fix this took about 90 s.
    expect(took).toBeLessThan(60_000);
    await v.close();
    await Promise.all(queued);
    venue = undefined;
  });
});
