import { afterEach, describe, expect, it } from 'vitest';
import { createKrakenVenue } from '../../../electron/venues/kraken/adapter.js';
import type { KrakenVenue } from '../../../electron/venues/kraken/adapter.js';
import { startKrakenSim } from '../../../sim/kraken/server.js';
import type { KrakenSim } from '../../../sim/kraken/server.js';
import { RecordingSink, removeStateDirs, tempStateDir } from './helpers.js';

let sim: KrakenSim | undefined;
const venues: KrakenVenue[] = [];
afterEach(async () => {
  for (const v of venues.splice(0)) await v.close();
  await sim?.close();
  removeStateDirs();
});

describe('Kraken nonce across restarts', () => {
  it('a new adapter on the same state dir, even with its clock a minute behind, gets no EAPI:Invalid nonce', { timeout: 60_000 }, async () => {
    sim = await startKrakenSim({ seed: 41 });
    const stateDir = tempStateDir();
    const make = (now: () => number): KrakenVenue => {
      const v = createKrakenVenue({
        rest: sim!.rest, ws: sim!.ws, wsAuth: sim!.wsAuth, apiKey: sim!.apiKey, apiSecret: sim!.apiSecret,
        mode: 'demo', sink: new RecordingSink(), stateDir, now,
      });
      venues.push(v);
      return v;
    };
    const first = make(Date.now);
    await first.connect();
    await first.balances();
    await first.placeOrder({ venue: 'kraken', accountId: 'spot', instrumentId: 'XXBTZUSD', side: 'buy', type: 'limit', quantity: '0.001', price: '30000', clientOrderId: 'restart-1' });
    const lastNonce = sim.record.nonces.get(sim.apiKey)!;
    await first.close();

    // The restarted app's clock is behind: only the persisted floor keeps its nonces above the venue's.
    const second = make(() => Date.now() - 60_000);
    await second.connect();
    await second.balances();
    const open = await second.openOrders('spot');
    // Known to the new run only through the venue: status evidence with the order's terms.
    expect(open.find((o) => o.clientOrderId === 'restart-1')).toMatchObject({ kind: 'status', status: 'open', terms: { instrumentId: 'XXBTZUSD', side: 'buy', quantity: '0.001', price: '30000' } });
    expect(sim.record.nonces.get(sim.apiKey)! > lastNonce).toBe(true);
    expect(sim.record.errorCount('EAPI:Invalid nonce')).toBe(0);
  });
});
