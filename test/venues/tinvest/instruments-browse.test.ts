import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTInvestSim, type TInvestSim } from '../../../sim/tinvest/server.js';
import { createTInvestVenue } from '../../../electron/venues/tinvest/adapter.js';
import type { Venue, VenueSink } from '../../../electron/venues/venue.js';
import { IGNORE_MARKET, SILENT_REPORTER } from '../../../electron/venues/venue.js';

const sink: VenueSink = {
  candle: () => undefined,
  order: () => undefined,
  subscriptionFailed: () => undefined,
  connection: () => SILENT_REPORTER,
  ...IGNORE_MARKET,
};

describe('browsing T-Invest instruments', () => {
  let sim: TInvestSim;
  let venue: Venue;
  beforeAll(async () => {
    sim = await startTInvestSim({ seed: 3 });
    venue = createTInvestVenue({ endpoint: sim.endpoint, token: sim.token, mode: 'demo', tls: false, sink });
    await venue.connect();
  });
  afterAll(async () => {
    await venue.close();
    await sim.close();
  });

  it('lists tradable instruments first when the search box is empty', async () => {
    const all = await venue.searchInstruments('', 50);
    expect(all.length).toBeGreaterThan(3);
    const firstUntradable = all.findIndex((i) => !i.tradable);
    if (firstUntradable >= 0) expect(all.slice(firstUntradable).every((i) => !i.tradable)).toBe(true);
    for (const i of all) expect((await venue.searchInstruments(i.symbol, 5)).map((x) => x.id)).toContain(i.id);
    expect((await venue.searchInstruments('', 2)).map((i) => i.symbol)).toEqual(all.slice(0, 2).map((i) => i.symbol));
  });
});
