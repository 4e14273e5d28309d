import { afterEach, describe, expect, it } from 'vitest';
import { startKrakenSim } from '../../../sim/kraken/server.js';
import type { KrakenSim } from '../../../sim/kraken/server.js';
import { createKrakenVenue } from '../../../electron/venues/kraken/adapter.js';
import type { KrakenVenue } from '../../../electron/venues/kraken/adapter.js';
import { RecordingSink, removeStateDirs, tempStateDir, waitFor } from './helpers.js';

let sim: KrakenSim | undefined;
let venue: KrakenVenue | undefined;
afterEach(async () => {
  await venue?.close();
  await sim?.close();
  removeStateDirs();
});

describe('Kraken adapter against the local venue', () => {
  it('connects, lists instruments, loads history and round-trips an order', async () => {
    sim = await startKrakenSim({ seed: 7 });
    const sink = new RecordingSink();
    venue = createKrakenVenue({ rest: sim.rest, ws: sim.ws, wsAuth: sim.wsAuth, apiKey: sim.apiKey, apiSecret: sim.apiSecret, mode: 'demo', sink, stateDir: tempStateDir() });
    await venue.connect();
    expect(sink.state('ws-private')).toBe('live');
    const [btc] = await venue.searchInstruments('BTC/USD', 1);
    expect(btc).toMatchObject({ id: 'XXBTZUSD', symbol: 'BTC/USD', priceStep: '0.1', qtyStep: '0.00000001', minQty: '0.00005' });
    const hist = await venue.history({ venue: 'kraken', instrumentId: 'XXBTZUSD', interval: '1m', limit: 50 });
    expect(hist).toHaveLength(50);
    const order = await venue.placeOrder({
      venue: 'kraken', accountId: 'spot', instrumentId: 'XXBTZUSD', side: 'buy', type: 'limit', quantity: '0.001', price: '30000', clientOrderId: 'smoke-1',
    });
    expect(order).toMatchObject({ kind: 'accepted', clientOrderId: 'smoke-1', source: 'send' });
    await waitFor('open', () => sink.statuses('smoke-1').has('open'));
    const cancelled = await venue.cancelOrder('spot', 'smoke-1');
    expect(cancelled).toMatchObject({ kind: 'status', status: 'cancelled', venueOrderId: order.venueOrderId });
    const rec = sim.record.orders.get(cancelled.venueOrderId!);
    expect(rec?.status).toBe('canceled');
    const bal = await venue.balances();
    expect(bal.USD).toBeDefined();
    const pf = await venue.portfolio('spot');
    expect(pf.positions.find((p) => p.asset === 'BTC')).toMatchObject({ quantity: '2', blocked: '0' });
  });
});
